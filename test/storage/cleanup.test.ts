// What storage.rules cannot do, done by the functions (functions/src/handlers/attachments.ts) on the real
// emulators: the Storage emulator fires onAttachmentFinalized and onDealMembershipChanged in the Functions
// emulator; the scheduled sweep is called in-process (the emulator does not run schedules), against the same
// emulators. Uploads go through the web Storage SDK as real Auth-emulator users.
import { getBytes, getDownloadURL, getMetadata, ref, uploadBytes, type UploadMetadata } from "firebase/storage";
import { Timestamp } from "firebase-admin/firestore";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { limits, storagePaths, type Attachment } from "@dealchat/model";
import { uploadRecordId } from "../../functions/src/domain/attachments.ts";
import { handleAttachmentFinalized, sweepOrphanedUploads, uploadsCollection } from "../../functions/src/handlers/attachments.ts";
import { awaitedUploadsCollection, neverUploadedReason, resolveNeverUploaded } from "../../functions/src/handlers/verification.ts";
import { adminBucket, adminFirestore, signedInWebClient, type WebClient } from "../support/clients.ts";
import { projectId, storageEmulator, uniqueId } from "../support/emulators.ts";
import { pollUntil } from "../support/wait.ts";
import { pdfOfPages } from "./fixtures/generate.ts";

const bucketName = `${projectId}.appspot.com`;
/** How long a trigger may take: a cold Functions-emulator worker on a loaded 2-core machine needs tens of seconds. */
const FUNCTIONS_DEADLINE_MS = 90_000;
/**
 * The functions check every upload by its bytes and delete what is not the file it claims (docs/attachments.md):
 * these tests upload a real PDF, which stays byte for byte as uploaded (images would be re-encoded).
 */
const png: UploadMetadata = { contentType: "application/pdf" };
let realPdf: Uint8Array;
const denied = { code: "storage/unauthorized" };

async function createDeal(brand: string, influencer: string): Promise<string> {
  const dealId = uniqueId("deal");
  const now = Timestamp.now();
  await adminFirestore()
    .doc(`deals/${dealId}`)
    .set({ brandId: brand, influencerId: influencer, participants: [brand, influencer], status: "active", createdAt: now, updatedAt: now });
  return dealId;
}

/** A message as the SDK writes it, stored by the platform (the sweep and the bound only read messages). */
async function createMessage(dealId: string, senderId: string, messageId: string, files: string[], extra: Record<string, unknown> = {}) {
  const attachments: Attachment[] = files.map((name) => ({
    name,
    size: 10,
    contentType: "application/pdf",
    storagePath: storagePaths.attachment(dealId, senderId, messageId, name),
  }));
  await adminFirestore()
    .doc(`deals/${dealId}/messages/${messageId}`)
    .set({
      senderId,
      senderSide: "brand",
      text: null,
      attachments,
      hasAttachments: attachments.length > 0,
      createdAt: Timestamp.now(),
      editedAt: null,
      deleted: false,
      deletedAt: null,
      ...extra,
    });
}

const fileExists = async (path: string) => (await adminBucket().file(path).exists())[0];
const recordOf = (path: string) => adminFirestore().collection(uploadsCollection).doc(uploadRecordId(path));

/** Waits until onAttachmentFinalized has recorded the upload and checked the limit (its tokens are revoked by then). */
async function waitRecorded(path: string, timeoutMs = FUNCTIONS_DEADLINE_MS): Promise<number> {
  const snap = await pollUntil(
    () => recordOf(path).get(),
    (s) => s.get("limitCheckedAt") !== undefined,
    { timeoutMs, intervalMs: 100, what: `the upload record of ${path}` },
  );
  return (snap.get("uploadedAt") as Timestamp).toMillis();
}

function tokenUrl(path: string, token: string): string {
  const at = storageEmulator();
  return `http://${at.host}:${at.port}/v0/b/${bucketName}/o/${encodeURIComponent(path)}?alt=media&token=${encodeURIComponent(token)}`;
}
const status = async (url: string) => (await fetch(url)).status;

describe("attachment clean-up by the functions", () => {
  let brand: WebClient;
  let influencer: WebClient;
  let stranger: WebClient;

  beforeAll(async () => {
    realPdf = await pdfOfPages(1);
    [brand, influencer, stranger] = await Promise.all([signedInWebClient("brand"), signedInWebClient("infl"), signedInWebClient("stranger")]);
  });
  afterAll(async () => {
    await Promise.all([brand?.close(), influencer?.close(), stranger?.close()]);
  });

  it("a download token chosen by the uploader never works (the emulator hides it from the rules; the upload trigger revokes it)", {
    timeout: 3 * FUNCTIONS_DEADLINE_MS,
  }, async () => {
    const dealId = await createDeal(brand.user.uid, influencer.user.uid);
    const path = storagePaths.attachment(dealId, brand.user.uid, "m-token", "public.pdf");
    const chosen = `chosen-${uniqueId("t")}`;
    const refusedByRules = await uploadBytes(ref(brand.storage(), path), realPdf, { ...png, customMetadata: { firebaseStorageDownloadTokens: chosen } }).then(
      () => false,
      (e: unknown) => {
        expect(e).toMatchObject(denied);
        return true;
      },
    );
    if (!refusedByRules) {
      // Accepted (the emulator moves the key out of the custom metadata before the rules see it): the link
      // must stop working once the trigger has run, and the file stays readable through the rules.
      await pollUntil(
        () => status(tokenUrl(path, chosen)),
        (s) => s === 403,
        { timeoutMs: FUNCTIONS_DEADLINE_MS, intervalMs: 100, what: "the chosen token to be revoked" },
      );
      await waitRecorded(path); // and verified, so that the other side may read it
      expect(new Uint8Array(await getBytes(ref(influencer.storage(), path)))).toEqual(realPdf);
    }
    expect(await status(tokenUrl(path, chosen))).not.toBe(200);
  });

  it("after removal from the deal, a download link minted while a participant stops working", { timeout: 3 * FUNCTIONS_DEADLINE_MS }, async () => {
    const dealId = await createDeal(brand.user.uid, influencer.user.uid);
    const path = storagePaths.attachment(dealId, brand.user.uid, "m-link", "contract.pdf");
    await uploadBytes(ref(brand.storage(), path), realPdf, png);
    await waitRecorded(path);
    // An attacker's client (not the SDK, which never asks for links) mints a link while still a participant.
    const url = await getDownloadURL(ref(influencer.storage(), path));
    const first = await fetch(url);
    expect(first.status).toBe(200);
    expect(new Uint8Array(await first.arrayBuffer())).toEqual(realPdf);

    // The platform replaces the influencer; `participants` is not touched (membership is brandId/influencerId).
    await adminFirestore().doc(`deals/${dealId}`).update({ influencerId: stranger.user.uid });
    await pollUntil(
      () => status(url),
      (s) => s === 403,
      { timeoutMs: FUNCTIONS_DEADLINE_MS, intervalMs: 100, what: "the minted link to be revoked" },
    );
    await expect(getBytes(ref(influencer.storage(), path))).rejects.toMatchObject(denied);
    await expect(getDownloadURL(ref(influencer.storage(), path))).rejects.toMatchObject(denied);
    // The file itself stays, for the deal's current participants.
    expect(new Uint8Array(await getBytes(ref(stranger.storage(), path)))).toEqual(realPdf);
  });

  it("metadata the rules cannot see in the emulator (cacheControl, contentLanguage) gets the file deleted; a plain upload stays", {
    timeout: 3 * FUNCTIONS_DEADLINE_MS,
  }, async () => {
    const dealId = await createDeal(brand.user.uid, influencer.user.uid);
    const folder = (name: string) => storagePaths.attachment(dealId, influencer.user.uid, "m-meta", name);
    await uploadBytes(ref(influencer.storage(), folder("cache.pdf")), realPdf, { ...png, cacheControl: "public, max-age=31536000" });
    await uploadBytes(ref(influencer.storage(), folder("language.pdf")), realPdf, { ...png, contentLanguage: "de" });
    await uploadBytes(ref(influencer.storage(), folder("plain.pdf")), realPdf, png);
    for (const name of ["cache.pdf", "language.pdf"]) {
      await pollUntil(
        () => fileExists(folder(name)),
        (exists) => !exists,
        { timeoutMs: FUNCTIONS_DEADLINE_MS, intervalMs: 100, what: `${name} to be deleted` },
      );
    }
    await waitRecorded(folder("plain.pdf"));
    expect(await fileExists(folder("plain.pdf"))).toBe(true);
    expect((await getMetadata(ref(brand.storage(), folder("plain.pdf")))).size).toBe(realPdf.byteLength);
  });

  it(`orphans: an upload no message references is deleted ${limits.orphanUploadGraceMs / 60_000} min after its upload, not before; referenced and tombstoned ones are told apart`, {
    timeout: 3 * FUNCTIONS_DEADLINE_MS,
  }, async () => {
    const db = adminFirestore();
    const bucket = adminBucket();
    const dealId = await createDeal(brand.user.uid, influencer.user.uid);
    const uid = brand.user.uid;
    const orphan = storagePaths.attachment(dealId, uid, "m-never-sent", "orphan.pdf");
    const sent = storagePaths.attachment(dealId, uid, "m-sent", "sent.pdf");
    const unlisted = storagePaths.attachment(dealId, uid, "m-sent", "not-in-the-message.pdf");
    const tombstoned = storagePaths.attachment(dealId, uid, "m-deleted", "gone.pdf");
    const squatted = storagePaths.attachment(dealId, uid, "m-squatted", "squatted.pdf");
    for (const path of [orphan, sent, unlisted, tombstoned, squatted]) await uploadBytes(ref(brand.storage(), path), realPdf, png);
    await createMessage(dealId, uid, "m-sent", ["sent.pdf"]);
    await createMessage(dealId, uid, "m-deleted", [], { deleted: true, deletedAt: Timestamp.now() });
    // Someone else's message under the id of this sender's folder lists the file: it does not count.
    await createMessage(dealId, influencer.user.uid, "m-squatted", [], {
      senderSide: "influencer",
      attachments: [{ name: "squatted.pdf", size: 10, contentType: "application/pdf", storagePath: squatted }],
      hasAttachments: true,
    });
    const uploaded = await Promise.all([orphan, sent, unlisted, tombstoned, squatted].map((p) => waitRecorded(p)));
    const newest = Math.max(...uploaded);
    const oldest = Math.min(...uploaded);

    // Within the grace period nothing is touched.
    const early = await sweepOrphanedUploads({ db, bucket, dealId, now: oldest + limits.orphanUploadGraceMs - 1 });
    expect(early).toEqual({ deleted: [], referenced: [] });
    for (const path of [orphan, sent, unlisted, tombstoned, squatted]) expect(await fileExists(path), path).toBe(true);

    // At the grace period: orphans deleted, the referenced file kept and its record dropped.
    const due = await sweepOrphanedUploads({ db, bucket, dealId, now: newest + limits.orphanUploadGraceMs });
    expect(due.referenced).toEqual([sent]);
    expect(due.deleted.sort()).toEqual([orphan, unlisted, tombstoned, squatted].sort());
    for (const path of [orphan, unlisted, tombstoned, squatted]) expect(await fileExists(path), path).toBe(false);
    expect(await fileExists(sent)).toBe(true);
    for (const path of [orphan, sent, unlisted, tombstoned, squatted]) expect((await recordOf(path).get()).exists, path).toBe(false);
    expect(new Uint8Array(await getBytes(ref(influencer.storage(), sent)))).toEqual(realPdf);

    // Idempotent: a second run (or a concurrent one) finds nothing left to do.
    expect(await sweepOrphanedUploads({ db, bucket, dealId, now: newest + limits.orphanUploadGraceMs })).toEqual({ deleted: [], referenced: [] });
  });

  it(`a listed file never uploaded is marked rejected ${limits.orphanUploadGraceMs / 60_000} min after its message, not before; one that arrives late is verified`, {
    timeout: 3 * FUNCTIONS_DEADLINE_MS,
  }, async () => {
    const db = adminFirestore();
    const bucket = adminBucket();
    const dealId = await createDeal(brand.user.uid, influencer.user.uid);
    const uid = brand.user.uid;
    const missing = storagePaths.attachment(dealId, uid, "m-crashed", "never.pdf");
    const late = storagePaths.attachment(dealId, uid, "m-late", "late.pdf");
    const onTime = storagePaths.attachment(dealId, uid, "m-on-time", "on-time.pdf");
    await uploadBytes(ref(brand.storage(), onTime), realPdf, png);
    await waitRecorded(onTime);
    await createMessage(dealId, uid, "m-crashed", ["never.pdf"]);
    await createMessage(dealId, uid, "m-late", ["late.pdf"]);
    await createMessage(dealId, uid, "m-on-time", ["on-time.pdf"]);
    // The message trigger notes the two files that are not in Storage, and only those.
    const awaited = await pollUntil(
      () => db.collection(awaitedUploadsCollection).where("dealId", "==", dealId).get(),
      (snap) => snap.size === 2,
      { timeoutMs: FUNCTIONS_DEADLINE_MS, intervalMs: 200, what: "the files the messages listed but nobody uploaded" },
    );
    expect(awaited.docs.map((d) => d.get("storagePath")).sort()).toEqual([late, missing].sort());
    const listed = awaited.docs.map((d) => (d.get("listedAt") as Timestamp).toMillis());
    const [firstListed, listedAt] = [Math.min(...listed), Math.max(...listed)];
    const entryOf = async (messageId: string) => (await db.doc(`deals/${dealId}/messages/${messageId}`).get()).get("attachments")[0] as Attachment;
    await pollUntil(
      () => entryOf("m-on-time"),
      (a) => a.verification?.status === "verified",
      {
        timeoutMs: FUNCTIONS_DEADLINE_MS,
        what: "the verdict of the file uploaded before its message",
      },
    );

    // The late file arrives (an app that resumed its upload) and is verified like any other.
    await uploadBytes(ref(brand.storage(), late), realPdf, png);
    await pollUntil(
      () => entryOf("m-late"),
      (a) => a.verification?.status === "verified",
      {
        timeoutMs: FUNCTIONS_DEADLINE_MS,
        what: "the verdict of the file uploaded after its message",
      },
    );

    // Within the grace period nothing changes; at its end the missing file's entry is rejected with the reason.
    expect(await resolveNeverUploaded({ db, bucket, dealId, now: firstListed + limits.orphanUploadGraceMs - 1 })).toEqual({ rejected: [], settled: [] });
    expect((await entryOf("m-crashed")).verification).toBeUndefined();
    const due = await resolveNeverUploaded({ db, bucket, dealId, now: listedAt + limits.orphanUploadGraceMs });
    expect(due).toEqual({ rejected: [missing], settled: [late] });
    expect((await entryOf("m-crashed")).verification).toMatchObject({ status: "rejected", reason: neverUploadedReason });
    expect((await entryOf("m-late")).verification?.status).toBe("verified");
    // Idempotent: nothing is left to do, and a second run changes nothing.
    expect(await resolveNeverUploaded({ db, bucket, dealId, now: listedAt + limits.orphanUploadGraceMs })).toEqual({ rejected: [], settled: [] });
    expect((await db.collection(awaitedUploadsCollection).where("dealId", "==", dealId).get()).size).toBe(0);
  });

  it(`a sender keeps at most ${limits.pendingUploadsPerSenderAndDeal} unreferenced uploads per deal; referenced uploads do not count`, {
    timeout: 6 * FUNCTIONS_DEADLINE_MS,
  }, async () => {
    const dealId = await createDeal(brand.user.uid, influencer.user.uid);
    const uid = influencer.user.uid;
    const limit = limits.pendingUploadsPerSenderAndDeal;
    const pathOf = (i: number) =>
      storagePaths.attachment(dealId, uid, `m-${Math.floor(i / limits.attachmentsPerMessage)}`, `f-${String(i).padStart(3, "0")}.pdf`);
    const storage = influencer.storage();
    // Exactly the limit: every upload stays. One upload at a time, each waited for: the Functions emulator starts
    // a new process (the whole bundle) for every event that arrives while the others run, and thirty of them at
    // once on a busy 2-core machine ran past the functions' 60-s timeout, which the emulator does not retry.
    for (let i = 0; i < limit; i++) {
      await uploadBytes(ref(storage, pathOf(i)), realPdf, png);
      await waitRecorded(pathOf(i));
    }
    for (let i = 0; i < limit; i++) expect(await fileExists(pathOf(i)), pathOf(i)).toBe(true);

    // One past it: the newest is deleted, the others stay.
    const extra = storagePaths.attachment(dealId, uid, "m-extra", "one-too-many.pdf");
    await uploadBytes(ref(storage, extra), realPdf, png);
    await pollUntil(
      () => fileExists(extra),
      (exists) => !exists,
      { timeoutMs: FUNCTIONS_DEADLINE_MS, intervalMs: 100, what: "the upload past the limit to be deleted" },
    );
    for (let i = 0; i < limit; i++) expect(await fileExists(pathOf(i)), pathOf(i)).toBe(true);
    // The other sender of the same deal has a limit of their own.
    const brandsOwn = storagePaths.attachment(dealId, brand.user.uid, "m-brand", "fine.pdf");
    await uploadBytes(ref(brand.storage(), brandsOwn), realPdf, png);
    await waitRecorded(brandsOwn);
    expect(await fileExists(brandsOwn)).toBe(true);

    // Once a message references the first folder's files, they no longer count: the next upload stays.
    await createMessage(
      dealId,
      uid,
      "m-0",
      Array.from({ length: limits.attachmentsPerMessage }, (_, i) => `f-${String(i).padStart(3, "0")}.pdf`),
      { senderSide: "influencer" },
    );
    const after = storagePaths.attachment(dealId, uid, "m-after", "fits-again.pdf");
    await uploadBytes(ref(storage, after), realPdf, png);
    await waitRecorded(after);
    expect(await fileExists(after)).toBe(true);
    for (let i = 0; i < limit; i++) expect(await fileExists(pathOf(i)), pathOf(i)).toBe(true);
  });

  it("the upload trigger is idempotent and order-safe, and skips bad input without throwing", { timeout: 3 * FUNCTIONS_DEADLINE_MS }, async () => {
    const deps = { db: adminFirestore(), bucket: adminBucket() };
    const dealId = await createDeal(brand.user.uid, influencer.user.uid);
    const path = storagePaths.attachment(dealId, brand.user.uid, "m-again", "again.pdf");
    await uploadBytes(ref(brand.storage(), path), realPdf, png);
    const uploadedAt = await waitRecorded(path);
    // The upload's own event carried no custom metadata (the verification marker is set on the stored file later).
    const [stored] = await adminBucket().file(path).getMetadata();
    const metadata = { ...stored, metadata: {} };
    // A redelivery of the same event: same record, file kept, nothing else changes.
    for (let i = 0; i < 2; i++) expect(await handleAttachmentFinalized(metadata, deps)).toMatchObject({ outcome: "recorded" });
    expect(await fileExists(path)).toBe(true);
    expect(((await recordOf(path).get()).get("uploadedAt") as Timestamp).toMillis()).toBe(uploadedAt);
    // A late event for a file that is gone (swept, tombstoned) records nothing.
    const gone = storagePaths.attachment(dealId, brand.user.uid, "m-again", "gone.pdf");
    expect(await handleAttachmentFinalized({ ...metadata, name: gone }, deps)).toMatchObject({ outcome: "ignored", reason: "the file no longer exists" });
    expect((await recordOf(gone).get()).exists).toBe(false);
    // Bad input: skipped and logged, never thrown, nothing deleted.
    for (const object of [
      {},
      { name: 42 },
      { name: "users/u/avatar.pdf" },
      { name: `deals/${dealId}/attachments/u/m/..` },
      { name: path, metadata: "not a map" },
      { name: path, cacheControl: 5 },
    ]) {
      expect(await handleAttachmentFinalized(object, deps), JSON.stringify(object)).toMatchObject({ outcome: "ignored" });
    }
    expect(await fileExists(path)).toBe(true);
    // A malformed record is dropped by the sweep, which carries on with the rest.
    const bogus = adminFirestore().collection(uploadsCollection).doc(uniqueId("bogus"));
    await bogus.set({ dealId, storagePath: 17 });
    const swept = await sweepOrphanedUploads({ ...deps, dealId, now: uploadedAt + limits.orphanUploadGraceMs });
    expect(swept).toEqual({ deleted: [path], referenced: [] });
    expect((await bogus.get()).exists).toBe(false);
  });
});
