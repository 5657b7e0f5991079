// storage.rules for message attachments, through the real Storage emulator (running DealChat's rules runtime
// offline) with the web Storage SDK as real Auth-emulator users. Deals are written with the admin SDK.
import { createHash } from "node:crypto";
import { deleteApp, initializeApp } from "firebase/app";
import {
  connectStorageEmulator,
  deleteObject,
  getBytes,
  getMetadata,
  getStorage,
  list,
  listAll,
  ref,
  updateMetadata,
  uploadBytes,
  uploadBytesResumable,
  type FirebaseStorage,
  type UploadMetadata,
  type UploadTaskSnapshot,
} from "firebase/storage";
import { Timestamp } from "firebase-admin/firestore";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { attachmentContentTypes, limits, storagePaths, verificationMetadataKey, verifiedMarker, type DealStatus } from "@dealchat/model";
import { adminBucket, adminFirestore, signedInWebClient, type WebClient } from "../support/clients.ts";
import { projectId, storageEmulator, uniqueId } from "../support/emulators.ts";
import { pollUntil } from "../support/wait.ts";
import { pdfOfPages, pdfOfSize } from "./fixtures/generate.ts";

const bucket = `${projectId}.appspot.com`;

async function createDeal(
  brand: string,
  influencer: string,
  status: DealStatus = "active",
  options: { dealId?: string; participants?: string[] } = {},
): Promise<string> {
  const dealId = options.dealId ?? uniqueId("deal");
  const now = Timestamp.now();
  await adminFirestore()
    .doc(`deals/${dealId}`)
    .set({ brandId: brand, influencerId: influencer, participants: options.participants ?? [brand, influencer], status, createdAt: now, updatedAt: now });
  return dealId;
}

/** A digest to compare contents by: deep equality over hundreds of thousands of elements is very slow. */
function digest(data: ArrayBuffer | Uint8Array): string {
  return createHash("sha256").update(new Uint8Array(data)).digest("hex");
}

function bytes(size: number, seed = 7): Uint8Array {
  const data = new Uint8Array(size);
  for (let i = 0; i < size; i++) data[i] = (i * 31 + seed) & 0xff;
  return data;
}

/**
 * The functions check every upload by its bytes and delete what is not the file it claims (docs/attachments.md), so
 * a test that reads a file back uploads a real one; the other participant may read it once the functions have
 * marked it verified, which this waits for (the Functions emulator runs the trigger).
 */
async function waitVerified(path: string): Promise<void> {
  await pollUntil(
    async () => {
      const [exists] = await adminBucket().file(path).exists();
      return exists ? (await adminBucket().file(path).getMetadata())[0].metadata?.[verificationMetadataKey] : "missing";
    },
    (marker) => marker === verifiedMarker,
    { timeoutMs: 120_000, intervalMs: 100, what: `${path} verified by the functions` },
  );
}
const pdfType = { contentType: "application/pdf" };
let realPdf: Uint8Array;

/** uploadBytesResumable, collecting every progress snapshot. */
function uploadWithProgress(storage: FirebaseStorage, path: string, data: Uint8Array, metadata: UploadMetadata) {
  const snapshots: UploadTaskSnapshot[] = [];
  const task = uploadBytesResumable(ref(storage, path), data, metadata);
  const done = new Promise<UploadTaskSnapshot>((resolve, reject) => {
    task.on(
      "state_changed",
      (snapshot) => snapshots.push(snapshot),
      reject,
      () => resolve(task.snapshot),
    );
  });
  return { snapshots, done };
}

const png = { contentType: "image/png" };
const denied = { code: "storage/unauthorized" };

describe("storage.rules: deal attachments", () => {
  let brand: WebClient;
  let influencer: WebClient;
  let stranger: WebClient;
  let dealId: string;
  let anonymous: { storage: FirebaseStorage; close: () => Promise<void> };

  const attachment = (sender: WebClient, fileName: string, messageId = "msg-1", deal = dealId) =>
    storagePaths.attachment(deal, sender.user.uid, messageId, fileName);

  beforeAll(async () => {
    realPdf = await pdfOfPages(2);
    [brand, influencer, stranger] = await Promise.all([signedInWebClient("brand"), signedInWebClient("infl"), signedInWebClient("stranger")]);
    dealId = await createDeal(brand.user.uid, influencer.user.uid);
    const app = initializeApp({ projectId, apiKey: "demo-api-key", storageBucket: bucket }, uniqueId("anonymous"));
    const storage = getStorage(app);
    const at = storageEmulator();
    connectStorageEmulator(storage, at.host, at.port);
    anonymous = { storage, close: () => deleteApp(app) };
  });
  afterAll(async () => {
    await Promise.all([brand?.close(), influencer?.close(), stranger?.close(), anonymous?.close()]);
  });

  it("a participant uploads with progress events; the other participant downloads it and reads its metadata once verified", { timeout: 150_000 }, async () => {
    const path = attachment(influencer, "brief.pdf");
    const data = await pdfOfSize(700 * 1024);
    const { snapshots, done } = uploadWithProgress(influencer.storage(), path, data, { contentType: "application/pdf" });
    const final = await done;
    expect(final.state).toBe("success");
    expect(final.bytesTransferred).toBe(data.byteLength);
    // Progress goes up chunk by chunk and ends at the full size.
    const progress = snapshots.map((s) => s.bytesTransferred);
    expect(progress.length).toBeGreaterThan(1);
    expect(progress).toEqual([...progress].sort((a, b) => a - b));
    expect(progress.at(-1)).toBe(data.byteLength);
    expect(snapshots.every((s) => s.totalBytes === data.byteLength)).toBe(true);

    await waitVerified(path);
    const asBrand = ref(brand.storage(), path);
    expect(digest(await getBytes(asBrand))).toBe(digest(data));
    const metadata = await getMetadata(asBrand);
    expect(metadata).toMatchObject({ fullPath: path, size: data.byteLength, contentType: "application/pdf" });
  });

  it("accepts every allowed content type and refuses others", async () => {
    const storage = brand.storage();
    // One at a time: each accepted upload sets off the functions' verification, and a dozen events at once make the
    // Functions emulator start a dozen worker processes, which the other test files' triggers then queue behind.
    for (const [i, contentType] of attachmentContentTypes.entries())
      await uploadBytes(ref(storage, attachment(brand, `ok-${i}`, "msg-types")), bytes(64), { contentType });
    for (const contentType of ["text/html", "image/svg+xml", "application/x-msdownload", "application/octet-stream", "text/plain"]) {
      await expect(
        uploadBytes(ref(storage, attachment(brand, `bad-${contentType.replace("/", "_")}`, "msg-types")), bytes(64), { contentType }),
        contentType,
      ).rejects.toMatchObject(denied);
    }
    // No content type given: the emulator stores application/octet-stream, which is not allowed.
    await expect(uploadBytes(ref(storage, attachment(brand, "untyped", "msg-types")), bytes(64))).rejects.toMatchObject(denied);
  });

  it("file names: spaces and non-ASCII characters are fine, more than limits.fileNameMaxLength is not", async () => {
    const storage = influencer.storage();
    const name = "Q3 report (v2) – Müller & Söhne.pdf";
    await uploadBytes(ref(storage, attachment(influencer, name, "msg-names")), realPdf, pdfType);
    // Read back by the uploader (the other side reads it once verified: see the first test).
    expect((await getMetadata(ref(storage, attachment(influencer, name, "msg-names")))).name).toBe(name);
    const longest = `${"n".repeat(limits.fileNameMaxLength - 4)}.png`;
    await uploadBytes(ref(storage, attachment(influencer, longest, "msg-names")), bytes(20), png);
    await expect(uploadBytes(ref(storage, attachment(influencer, `n${longest}`, "msg-names")), bytes(20), png)).rejects.toMatchObject(denied);
  });

  it("request.resource.size: up to limits.attachmentMaxBytes, not one byte more, and not empty", { timeout: 120_000 }, async () => {
    const storage = influencer.storage();
    const max = limits.attachmentMaxBytes;
    const exact = await uploadWithProgress(storage, attachment(influencer, "exact.png", "msg-size"), bytes(max), png).done;
    expect(exact.metadata.size).toBe(max);
    await expect(uploadWithProgress(storage, attachment(influencer, "too-big.png", "msg-size"), bytes(max + 1), png).done).rejects.toMatchObject(denied);
    await expect(uploadBytes(ref(storage, attachment(influencer, "empty.png", "msg-size")), new Uint8Array(0), png)).rejects.toMatchObject(denied);
    // Nothing of the refused uploads was kept.
    await expect(getMetadata(ref(storage, attachment(influencer, "too-big.png", "msg-size")))).rejects.toMatchObject({ code: "storage/object-not-found" });
  });

  it("metadata: only what the SDK sets (a content type); custom metadata, contentDisposition and contentEncoding are refused", {
    timeout: 120_000,
  }, async () => {
    const storage = brand.storage();
    const path = (name: string) => attachment(brand, name, "msg-meta");
    await uploadBytes(ref(storage, path("plain.png")), bytes(10), png);
    for (const [name, metadata] of [
      ["one-key.png", { ...png, customMetadata: { originalName: "x.png" } }],
      ["big-value.png", { ...png, customMetadata: { note: "v".repeat(100_000) } }],
      ["disposition.pdf", { contentType: "application/pdf", contentDisposition: 'attachment; filename="invoice.pdf.exe"' }],
      ["encoding.png", { ...png, contentEncoding: "gzip" }],
    ] as const) {
      await expect(uploadBytes(ref(storage, path(name)), bytes(10), metadata), name).rejects.toMatchObject(denied);
      await expect(uploadWithProgress(storage, path(`resumable-${name}`), bytes(10), metadata).done, name).rejects.toMatchObject(denied);
    }
  });

  it("denies a non-participant both upload and download", async () => {
    await expect(uploadBytes(ref(stranger.storage(), attachment(stranger, "x.png")), bytes(10), png)).rejects.toMatchObject(denied);
    const path = attachment(brand, "private.png");
    await uploadBytes(ref(brand.storage(), path), bytes(10), png);
    await expect(getBytes(ref(stranger.storage(), path))).rejects.toMatchObject(denied);
    await expect(getMetadata(ref(stranger.storage(), path))).rejects.toMatchObject(denied);
  });

  it("membership is brandId/influencerId, as in firestore.rules: `participants` is never trusted", { timeout: 150_000 }, async () => {
    // participants names the stranger instead of the influencer (the platform updated one field, not the other).
    const skewed = await createDeal(brand.user.uid, influencer.user.uid, "active", { participants: [brand.user.uid, stranger.user.uid] });
    const mine = attachment(influencer, "by-influencer.pdf", "m-skew", skewed);
    await uploadBytes(ref(influencer.storage(), mine), realPdf, pdfType);
    await waitVerified(mine);
    expect((await getMetadata(ref(brand.storage(), mine))).size).toBe(realPdf.byteLength);
    await expect(uploadBytes(ref(stranger.storage(), attachment(stranger, "by-stranger.png", "m-skew", skewed)), bytes(10), png)).rejects.toMatchObject(denied);
    await expect(getBytes(ref(stranger.storage(), mine))).rejects.toMatchObject(denied);
    await expect(getMetadata(ref(stranger.storage(), mine))).rejects.toMatchObject(denied);
    await expect(listAll(ref(stranger.storage(), storagePaths.messageFolder(skewed, stranger.user.uid, "m-skew")))).rejects.toMatchObject(denied);

    // The other way round: participants still holds a removed influencer; the new one is in influencerId.
    const replaced = await createDeal(brand.user.uid, stranger.user.uid, "active", { participants: [brand.user.uid, influencer.user.uid] });
    await expect(uploadBytes(ref(influencer.storage(), attachment(influencer, "removed.png", "m", replaced)), bytes(10), png)).rejects.toMatchObject(denied);
    const theirs = attachment(brand, "for-the-new-influencer.pdf", "m", replaced);
    await uploadBytes(ref(brand.storage(), theirs), realPdf, pdfType);
    await waitVerified(theirs);
    await expect(getBytes(ref(influencer.storage(), theirs))).rejects.toMatchObject(denied);
    expect(new Uint8Array(await getBytes(ref(stranger.storage(), theirs)))).toEqual(realPdf);
  });

  it("after removal from the deal, a previous participant can no longer read its files", { timeout: 150_000 }, async () => {
    const deal = await createDeal(brand.user.uid, influencer.user.uid);
    const path = attachment(brand, "before-removal.pdf", "m", deal);
    await uploadBytes(ref(brand.storage(), path), realPdf, pdfType);
    await waitVerified(path);
    expect(new Uint8Array(await getBytes(ref(influencer.storage(), path)))).toEqual(realPdf);
    // The platform replaces the influencer and has not (yet) rewritten `participants`.
    await adminFirestore().doc(`deals/${deal}`).update({ influencerId: stranger.user.uid });
    await expect(getBytes(ref(influencer.storage(), path))).rejects.toMatchObject(denied);
    await expect(getMetadata(ref(influencer.storage(), path))).rejects.toMatchObject(denied);
    expect(new Uint8Array(await getBytes(ref(stranger.storage(), path)))).toEqual(realPdf);
  });

  it("every path segment is checked as the model does: ids [A-Za-z0-9_-]{1,128}, file names without '/', '\\', control characters, '.' or '..'", async () => {
    const storage = brand.storage();
    const uid = brand.user.uid;
    // At the bound: a 128-character message id and deal id are fine.
    const longDeal = await createDeal(uid, influencer.user.uid, "active", { dealId: `d${"x".repeat(127)}` });
    await uploadBytes(ref(storage, storagePaths.attachment(longDeal, uid, "m".repeat(128), "ok.png")), bytes(10), png);
    // One past it, and far past it (the deal exists and the user is its brand: only the id is wrong).
    const tooLongDeal = await createDeal(uid, influencer.user.uid, "active", { dealId: `d${"x".repeat(128)}` });
    const hugeDeal = await createDeal(uid, influencer.user.uid, "active", { dealId: `d${"x".repeat(599)}` });
    const oddDeal = await createDeal(uid, influencer.user.uid, "active", { dealId: `deal.with~dots ${uniqueId("x")}` });
    const refused: Array<[string, string]> = [
      ["129-character message id", storagePaths.attachment(dealId, uid, "m".repeat(129), "a.png")],
      ["600-character message id", storagePaths.attachment(dealId, uid, "m".repeat(600), "a.png")],
      ["129-character deal id", storagePaths.attachment(tooLongDeal, uid, "m", "a.png")],
      ["600-character deal id", storagePaths.attachment(hugeDeal, uid, "m", "a.png")],
      ["deal id outside the alphabet", storagePaths.attachment(oddDeal, uid, "m", "a.png")],
      ["message id with a dot", storagePaths.attachment(dealId, uid, "m.1", "a.png")],
      ["message id with a space", storagePaths.attachment(dealId, uid, "m 1", "a.png")],
      ["file name '..'", storagePaths.attachment(dealId, uid, "m-seg", "..")],
      ["file name '.'", storagePaths.attachment(dealId, uid, "m-seg", ".")],
      ["message id '..'", `deals/${dealId}/attachments/${uid}/../a.png`],
      ["backslash", storagePaths.attachment(dealId, uid, "m-seg", "..\\..\\a.png")],
      ["NUL", storagePaths.attachment(dealId, uid, "m-seg", "a\u0000.png")],
      ["newline", storagePaths.attachment(dealId, uid, "m-seg", "a\n.png")],
      ["escape", storagePaths.attachment(dealId, uid, "m-seg", "a\u001b[31m.png")],
      ["unit separator", storagePaths.attachment(dealId, uid, "m-seg", "a\u001f.png")],
      ["201-character name", storagePaths.attachment(dealId, uid, "m-seg", `${"n".repeat(197)}.png`)],
    ];
    for (const [what, path] of refused) {
      await expect(uploadBytes(ref(storage, path), bytes(10), png), what).rejects.toMatchObject(denied);
    }
    // Names that only look odd are fine: dots inside, three dots, unicode.
    for (const name of ["a.b.c.png", "...png", "résumé 2026.pdf"]) {
      await uploadBytes(
        ref(storage, storagePaths.attachment(dealId, uid, "m-seg", name)),
        bytes(10),
        name.endsWith("pdf") ? { contentType: "application/pdf" } : png,
      );
    }
  });

  it("denies uploads into the other sender's folder and outside the attachment layout", async () => {
    const storage = influencer.storage();
    await expect(uploadBytes(ref(storage, attachment(brand, "impostor.png")), bytes(10), png)).rejects.toMatchObject(denied);
    const uid = influencer.user.uid;
    for (const path of [
      `deals/${dealId}/attachments/${uid}/no-message-folder.png`,
      `deals/${dealId}/attachments/${uid}/msg-1/nested/too-deep.png`,
      `deals/${dealId}/files/${uid}/msg-1/wrong-folder.png`,
      `deals/${dealId}/photo.png`,
      `users/${uid}/avatar.png`,
    ]) {
      await expect(uploadBytes(ref(storage, path), bytes(10), png), path).rejects.toMatchObject(denied);
    }
  });

  it("denies a deal that does not exist, and uploads to a closed deal while its files stay readable", { timeout: 150_000 }, async () => {
    const missingDeal = uniqueId("no-such-deal");
    await expect(uploadBytes(ref(brand.storage(), attachment(brand, "x.png", "m", missingDeal)), bytes(10), png)).rejects.toMatchObject(denied);

    const closedDeal = await createDeal(brand.user.uid, influencer.user.uid);
    const before = attachment(brand, "before-close.pdf", "m", closedDeal);
    await uploadBytes(ref(brand.storage(), before), realPdf, pdfType);
    await waitVerified(before);
    await adminFirestore().doc(`deals/${closedDeal}`).update({ status: "completed" });
    await expect(uploadBytes(ref(brand.storage(), attachment(brand, "after-close.png", "m", closedDeal)), bytes(10), png)).rejects.toMatchObject(denied);
    expect(new Uint8Array(await getBytes(ref(influencer.storage(), before)))).toEqual(realPdf);
  });

  it("files are write-once: an overwrite (create with resource set) and a metadata update (update) are refused", { timeout: 150_000 }, async () => {
    const path = attachment(brand, "once.pdf", "msg-once");
    const original = realPdf;
    await uploadBytes(ref(brand.storage(), path), original, pdfType);
    await waitVerified(path);
    await expect(uploadBytes(ref(brand.storage(), path), bytes(32, 2), png)).rejects.toMatchObject(denied);
    await expect(uploadWithProgress(brand.storage(), path, bytes(32, 3), png).done).rejects.toMatchObject(denied);
    await expect(updateMetadata(ref(brand.storage(), path), { customMetadata: { edited: "yes" } })).rejects.toMatchObject(denied);
    // The stored file is untouched.
    expect(new Uint8Array(await getBytes(ref(influencer.storage(), path)))).toEqual(original);
    expect((await getMetadata(ref(influencer.storage(), path))).customMetadata ?? {}).not.toHaveProperty("edited");
  });

  it("no client deletes, not even the uploader's", { timeout: 150_000 }, async () => {
    const path = attachment(influencer, "keep.pdf", "msg-delete");
    await uploadBytes(ref(influencer.storage(), path), realPdf, pdfType);
    await waitVerified(path);
    await expect(deleteObject(ref(influencer.storage(), path))).rejects.toMatchObject(denied);
    await expect(deleteObject(ref(brand.storage(), path))).rejects.toMatchObject(denied);
    expect((await getMetadata(ref(brand.storage(), path))).size).toBe(realPdf.byteLength);
  });

  // The emulator answers 403 whether or not a token was sent, which the SDK reports as storage/unauthorized.
  it("denies everything to an unauthenticated client", async () => {
    const path = attachment(brand, "seen-by-participants.png", "msg-anon");
    await uploadBytes(ref(brand.storage(), path), bytes(10), png);
    await expect(getBytes(ref(anonymous.storage, path))).rejects.toMatchObject(denied);
    await expect(getMetadata(ref(anonymous.storage, path))).rejects.toMatchObject(denied);
    await expect(uploadBytes(ref(anonymous.storage, attachment(brand, "anon.png", "msg-anon")), bytes(10), png)).rejects.toMatchObject(denied);
    await expect(listAll(ref(anonymous.storage, `deals/${dealId}/attachments`))).rejects.toMatchObject(denied);
  });

  it("lists only one's own folder: another participant's folder (pending message ids) is refused", async () => {
    const listDeal = await createDeal(brand.user.uid, influencer.user.uid);
    const storage = brand.storage();
    await Promise.all([
      // Real files: the functions delete what is not (before the listing, perhaps).
      uploadBytes(ref(storage, attachment(brand, "a.pdf", "m1", listDeal)), realPdf, pdfType),
      uploadBytes(ref(storage, attachment(brand, "b.pdf", "m1", listDeal)), realPdf, pdfType),
      uploadBytes(ref(storage, attachment(brand, "c.pdf", "m2", listDeal)), realPdf, pdfType),
      uploadBytes(ref(influencer.storage(), attachment(influencer, "d.pdf", "m3", listDeal)), realPdf, pdfType),
    ]);
    // Own folder: message folders as prefixes, files as items, paged.
    const brandFolder = await listAll(ref(brand.storage(), `deals/${listDeal}/attachments/${brand.user.uid}`));
    expect(brandFolder.prefixes.map((p) => p.name).sort()).toEqual(["m1", "m2"]);
    const message = await listAll(ref(brand.storage(), storagePaths.messageFolder(listDeal, brand.user.uid, "m1")));
    expect(message.items.map((i) => i.name).sort()).toEqual(["a.pdf", "b.pdf"]);
    const page = await list(ref(brand.storage(), storagePaths.messageFolder(listDeal, brand.user.uid, "m1")), { maxResults: 1 });
    expect(page.items).toHaveLength(1);
    expect(page.nextPageToken).toBeTruthy();
    expect((await listAll(ref(influencer.storage(), `deals/${listDeal}/attachments/${influencer.user.uid}`))).prefixes.map((p) => p.name)).toEqual(["m3"]);

    // The other participant's folder, at any depth, and the deal's attachments root (which names every folder).
    for (const path of [
      `deals/${listDeal}/attachments/${brand.user.uid}`,
      storagePaths.messageFolder(listDeal, brand.user.uid, "m1"),
      `deals/${listDeal}/attachments`,
      `deals/${listDeal}`,
    ]) {
      await expect(listAll(ref(influencer.storage(), path)), path).rejects.toMatchObject(denied);
    }
    await expect(list(ref(influencer.storage(), `deals/${listDeal}/attachments/${brand.user.uid}`), { maxResults: 1 })).rejects.toMatchObject(denied);
    // A folder named after the lister but in a deal they are not part of.
    await expect(listAll(ref(stranger.storage(), `deals/${listDeal}/attachments/${stranger.user.uid}`))).rejects.toMatchObject(denied);
    await expect(listAll(ref(stranger.storage(), `deals/${listDeal}/attachments`))).rejects.toMatchObject(denied);
  });
});
