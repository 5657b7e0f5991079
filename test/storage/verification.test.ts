// Every upload checked by its bytes (docs/attachments.md), on the real emulators: the web Storage SDK uploads
// generated files as Auth-emulator users, the Storage emulator fires onAttachmentFinalized in the Functions
// emulator, and the verdict shows on the message's attachment entry. Duplicate and reordered deliveries and the
// scheduled sweep are run in-process against the same emulators (the emulator runs no schedules).
import { getBytes, ref, uploadBytes } from "firebase/storage";
import { Timestamp } from "firebase-admin/firestore";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  limits,
  storagePaths,
  verificationMetadataKey,
  verifiedMarker,
  type Attachment,
  type AttachmentContentType,
  type AttachmentVerification,
} from "@dealchat/model";
import { handleAttachmentFinalized, sweepOrphanedUploads } from "../../functions/src/handlers/attachments.ts";
import { dailyUploadsRef, verificationRef } from "../../functions/src/handlers/verification.ts";
import { adminBucket, adminFirestore, signedInWebClient, type WebClient } from "../support/clients.ts";
import { uniqueId } from "../support/emulators.ts";
import { pollUntil } from "../support/wait.ts";
import { cameraMake, elfExecutable, jpegWithGps, minimalDocx, mp4Movie, pdfOfPages, plainZip, pngWithGps, truncated } from "./fixtures/generate.ts";

/** A cold Functions-emulator worker on a loaded 2-core machine needs tens of seconds. */
const DEADLINE_MS = 120_000;
const denied = { code: "storage/unauthorized" };
const docx: AttachmentContentType = "application/vnd.openxmlformats-officedocument.wordprocessingml.document";

async function createDeal(brand: string, influencer: string): Promise<string> {
  const dealId = uniqueId("deal");
  const now = Timestamp.now();
  await adminFirestore()
    .doc(`deals/${dealId}`)
    .set({ brandId: brand, influencerId: influencer, participants: [brand, influencer], status: "active", createdAt: now, updatedAt: now });
  return dealId;
}

interface Upload {
  name: string;
  contentType: AttachmentContentType;
  data: Uint8Array;
}

/** The message the SDK writes once its files are stored (written here with admin rights: its shape is the point). */
async function createMessage(dealId: string, senderId: string, messageId: string, files: Upload[]): Promise<void> {
  const attachments: Attachment[] = files.map((f) => ({
    name: f.name,
    size: f.data.byteLength,
    contentType: f.contentType,
    storagePath: storagePaths.attachment(dealId, senderId, messageId, f.name),
  }));
  await adminFirestore().doc(`deals/${dealId}/messages/${messageId}`).set({
    senderId,
    senderSide: "brand",
    text: null,
    attachments,
    hasAttachments: true,
    createdAt: Timestamp.now(),
    editedAt: null,
    deleted: false,
    deletedAt: null,
  });
}

/** Waits until every attachment of the message carries a verdict; returns them by file name. */
async function verdicts(dealId: string, messageId: string): Promise<Record<string, AttachmentVerification>> {
  const snap = await pollUntil(
    () => adminFirestore().doc(`deals/${dealId}/messages/${messageId}`).get(),
    (s) => ((s.get("attachments") as Attachment[] | undefined) ?? []).every((a) => a.verification !== undefined),
    { timeoutMs: DEADLINE_MS, intervalMs: 200, what: `the verdicts of ${messageId}` },
  );
  return Object.fromEntries((snap.get("attachments") as Attachment[]).map((a) => [a.name, a.verification!]));
}

const exists = async (path: string) => (await adminBucket().file(path).exists())[0];
const previewOf = (dealId: string, senderId: string, messageId: string, name: string) => storagePaths.preview(dealId, senderId, messageId, name);

describe("attachments verified by their bytes (Storage, Firestore and Functions emulators)", () => {
  let brand: WebClient;
  let influencer: WebClient;
  let jpeg: Uint8Array;
  let png: Uint8Array;
  let pdf: Uint8Array;

  beforeAll(async () => {
    [brand, influencer] = await Promise.all([signedInWebClient("brand"), signedInWebClient("infl")]);
    [jpeg, png, pdf] = await Promise.all([jpegWithGps(640, 480, 6), pngWithGps(400, 300), pdfOfPages(4)]);
  });
  afterAll(async () => {
    await Promise.all([brand?.close(), influencer?.close()]);
  });

  it("photos, a PDF, a video and a document: verified with their metadata; photos reach the other side upright without EXIF or GPS, with a 320 px WebP preview", {
    timeout: 3 * DEADLINE_MS,
  }, async () => {
    const dealId = await createDeal(brand.user.uid, influencer.user.uid);
    const messageId = uniqueId("m-good");
    const files: Upload[] = [
      { name: "beach.jpg", contentType: "image/jpeg", data: jpeg },
      { name: "studio.png", contentType: "image/png", data: png },
      { name: "brief.pdf", contentType: "application/pdf", data: pdf },
      { name: "draft.mp4", contentType: "video/mp4", data: mp4Movie({ width: 1280, height: 720, durationMs: 5000 }) },
      { name: "contract.docx", contentType: docx, data: minimalDocx() },
    ];
    const path = (name: string) => storagePaths.attachment(dealId, brand.user.uid, messageId, name);
    await Promise.all(files.map((f) => uploadBytes(ref(brand.storage(), path(f.name)), f.data, { contentType: f.contentType })));
    await createMessage(dealId, brand.user.uid, messageId, files);
    const v = await verdicts(dealId, messageId);

    expect(v["beach.jpg"]).toMatchObject({ status: "verified", detectedType: "image/jpeg", width: 480, height: 640, orientation: 6 });
    expect(v["studio.png"]).toMatchObject({ status: "verified", width: 400, height: 300 });
    expect(v["brief.pdf"]).toMatchObject({ status: "verified", pageCount: 4 });
    expect(v["brief.pdf"]!.previewPath).toBeUndefined();
    expect(v["draft.mp4"]).toMatchObject({ status: "verified", detectedType: "video/mp4", durationMs: 5000, width: 1280, height: 720 });
    expect(v["contract.docx"]).toMatchObject({ status: "verified", detectedType: docx });

    // The other side downloads through the rules: the photo is the upright copy without camera metadata.
    const photo = new Uint8Array(await getBytes(ref(influencer.storage(), path("beach.jpg"))));
    expect(photo.byteLength).toBe(v["beach.jpg"]!.size);
    const clean = await sharp(photo).metadata();
    expect(clean).toMatchObject({ width: 480, height: 640 });
    expect(clean.exif).toBeUndefined();
    expect(Buffer.from(photo).includes(cameraMake)).toBe(false);
    expect((await sharp(new Uint8Array(await getBytes(ref(influencer.storage(), path("studio.png"))))).metadata()).exif).toBeUndefined();
    expect(new Uint8Array(await getBytes(ref(influencer.storage(), path("brief.pdf"))))).toEqual(pdf);
    const [stored] = await adminBucket().file(path("brief.pdf")).getMetadata();
    expect(stored.metadata?.[verificationMetadataKey]).toBe(verifiedMarker);

    // Previews: beside the file, for both participants, 320 px wide, no metadata.
    expect(v["beach.jpg"]!.previewPath).toBe(previewOf(dealId, brand.user.uid, messageId, "beach.jpg"));
    const preview = await sharp(new Uint8Array(await getBytes(ref(influencer.storage(), v["beach.jpg"]!.previewPath!)))).metadata();
    expect(preview).toMatchObject({ format: "webp", width: limits.previewWidthPx, height: Math.round((limits.previewWidthPx * 640) / 480) });
    expect(preview.exif).toBeUndefined();

    // Counted once each against the sender's uploads of the day.
    const day = await dailyUploadsRef(adminFirestore(), dealId, brand.user.uid, Date.now()).get();
    expect(day.get("count")).toBe(files.length);
  });

  it("disguised, damaged and empty files: rejected with a clear reason, deleted, never offered to the other side", { timeout: 3 * DEADLINE_MS }, async () => {
    const dealId = await createDeal(brand.user.uid, influencer.user.uid);
    const messageId = uniqueId("m-bad");
    const files: Upload[] = [
      { name: "invoice.pdf", contentType: "application/pdf", data: elfExecutable() },
      { name: "brief.docx", contentType: docx, data: plainZip() },
      { name: "cut.jpg", contentType: "image/jpeg", data: truncated(jpeg) },
      { name: "cut.pdf", contentType: "application/pdf", data: truncated(pdf, 0.6) },
      { name: "renamed.png", contentType: "image/png", data: jpeg },
    ];
    const path = (name: string) => storagePaths.attachment(dealId, brand.user.uid, messageId, name);
    // The message first this time: the verdicts reach it whichever comes first.
    await createMessage(dealId, brand.user.uid, messageId, files);
    await Promise.all(files.map((f) => uploadBytes(ref(brand.storage(), path(f.name)), f.data, { contentType: f.contentType })));
    const v = await verdicts(dealId, messageId);

    expect(v["invoice.pdf"]).toMatchObject({ status: "rejected", detectedType: "application/x-elf" });
    expect(v["invoice.pdf"]!.reason).toMatch(/^the file is not a PDF: it is a program/);
    expect(v["brief.docx"]!.reason).toMatch(/^the file is not a Word document: it is an archive/);
    expect(v["cut.jpg"]!.reason).toMatch(/^the image is damaged or truncated/);
    expect(v["cut.pdf"]!.reason).toMatch(/^the PDF is (truncated|damaged)/);
    expect(v["renamed.png"]!.reason).toBe("the file is not a PNG image: its content is image/jpeg");
    for (const f of files) {
      expect(await exists(path(f.name)), f.name).toBe(false);
      expect(await exists(previewOf(dealId, brand.user.uid, messageId, f.name)), f.name).toBe(false);
      await expect(getBytes(ref(influencer.storage(), path(f.name))), f.name).rejects.toMatchObject({});
    }
  });

  it("an empty or 30 MB PDF never gets stored (the rules refuse it); a 30 MB video draft is verified", { timeout: 3 * DEADLINE_MS }, async () => {
    const dealId = await createDeal(brand.user.uid, influencer.user.uid);
    const messageId = uniqueId("m-size");
    const path = (name: string) => storagePaths.attachment(dealId, brand.user.uid, messageId, name);
    const big = mp4Movie({ durationMs: 60_000, samples: 30, sampleBytes: 1024 * 1024 });
    expect(big.byteLength).toBeGreaterThan(30_000_000);
    await expect(uploadBytes(ref(brand.storage(), path("empty.pdf")), new Uint8Array(), { contentType: "application/pdf" })).rejects.toMatchObject(denied);
    await expect(uploadBytes(ref(brand.storage(), path("big.pdf")), big, { contentType: "application/pdf" })).rejects.toMatchObject(denied);
    await uploadBytes(ref(brand.storage(), path("draft.mp4")), big, { contentType: "video/mp4" });
    await createMessage(dealId, brand.user.uid, messageId, [{ name: "draft.mp4", contentType: "video/mp4", data: big }]);
    expect((await verdicts(dealId, messageId))["draft.mp4"]).toMatchObject({ status: "verified", durationMs: 60_000, width: 640, height: 360 });
  });

  it("an empty object stored past the rules (platform credentials) is rejected by the trigger, not crashed on", { timeout: 3 * DEADLINE_MS }, async () => {
    const dealId = await createDeal(brand.user.uid, influencer.user.uid);
    const messageId = uniqueId("m-empty");
    await createMessage(dealId, brand.user.uid, messageId, [{ name: "empty.pdf", contentType: "application/pdf", data: new Uint8Array(1) }]);
    await adminBucket()
      .file(storagePaths.attachment(dealId, brand.user.uid, messageId, "empty.pdf"))
      .save(Buffer.alloc(0), { contentType: "application/pdf", resumable: false });
    expect((await verdicts(dealId, messageId))["empty.pdf"]).toMatchObject({ status: "rejected", reason: "the file is empty" });
  });

  it("duplicate deliveries of the upload event change nothing: same verdict, counted once, the file stays", { timeout: 3 * DEADLINE_MS }, async () => {
    const dealId = await createDeal(brand.user.uid, influencer.user.uid);
    const messageId = uniqueId("m-dup");
    const path = storagePaths.attachment(dealId, brand.user.uid, messageId, "brief.pdf");
    await uploadBytes(ref(brand.storage(), path), pdf, { contentType: "application/pdf" });
    await createMessage(dealId, brand.user.uid, messageId, [{ name: "brief.pdf", contentType: "application/pdf", data: pdf }]);
    const first = (await verdicts(dealId, messageId))["brief.pdf"]!;
    // The original event again (its generation is the stored one: PDFs are marked in place, not rewritten).
    const [metadata] = await adminBucket().file(path).getMetadata();
    const original = { ...metadata, metadata: {} };
    const deps = { db: adminFirestore(), bucket: adminBucket() };
    const again = await Promise.all([handleAttachmentFinalized(original, deps), handleAttachmentFinalized(original, deps)]);
    for (const result of again) expect(result.verification?.verification).toMatchObject({ status: "verified", pageCount: 4 });
    expect((await verdicts(dealId, messageId))["brief.pdf"]).toEqual(first);
    expect((await dailyUploadsRef(adminFirestore(), dealId, brand.user.uid, Date.now()).get()).get("count")).toBe(1);
    expect(await exists(path)).toBe(true);
  });

  it("uploads past limits.uploadsPerUserAndDealPerDay are rejected and deleted", { timeout: 3 * DEADLINE_MS }, async () => {
    const dealId = await createDeal(brand.user.uid, influencer.user.uid);
    const messageId = uniqueId("m-quota");
    await dailyUploadsRef(adminFirestore(), dealId, brand.user.uid, Date.now()).set({ count: limits.uploadsPerUserAndDealPerDay });
    const path = storagePaths.attachment(dealId, brand.user.uid, messageId, "one-more.pdf");
    await uploadBytes(ref(brand.storage(), path), pdf, { contentType: "application/pdf" });
    await createMessage(dealId, brand.user.uid, messageId, [{ name: "one-more.pdf", contentType: "application/pdf", data: pdf }]);
    const v = (await verdicts(dealId, messageId))["one-more.pdf"]!;
    expect(v).toMatchObject({ status: "rejected", reason: `more than ${limits.uploadsPerUserAndDealPerDay} uploads into this deal today` });
    expect(await exists(path)).toBe(false);
    // The influencer's own bound in the same deal is untouched.
    const theirs = storagePaths.attachment(dealId, influencer.user.uid, uniqueId("m-theirs"), "ok.pdf");
    await uploadBytes(ref(influencer.storage(), theirs), pdf, { contentType: "application/pdf" });
    await pollUntil(
      () => verificationRef(adminFirestore(), theirs).get(),
      (s) => s.get("status") === "verified",
      {
        timeoutMs: DEADLINE_MS,
        intervalMs: 200,
        what: "the influencer's upload verified",
      },
    );
  });

  it("a tombstone deletes the files, their previews and verdicts; the sweep does the same for orphans; both idempotent", {
    timeout: 3 * DEADLINE_MS,
  }, async () => {
    const dealId = await createDeal(brand.user.uid, influencer.user.uid);
    const sent = uniqueId("m-sent");
    const orphan = uniqueId("m-orphan");
    const sentPath = storagePaths.attachment(dealId, brand.user.uid, sent, "beach.jpg");
    const orphanPath = storagePaths.attachment(dealId, brand.user.uid, orphan, "beach.jpg");
    await Promise.all([sentPath, orphanPath].map((p) => uploadBytes(ref(brand.storage(), p), jpeg, { contentType: "image/jpeg" })));
    await createMessage(dealId, brand.user.uid, sent, [{ name: "beach.jpg", contentType: "image/jpeg", data: jpeg }]);
    const v = (await verdicts(dealId, sent))["beach.jpg"]!;
    await pollUntil(
      () => verificationRef(adminFirestore(), orphanPath).get(),
      (s) => s.get("status") === "verified",
      {
        timeoutMs: DEADLINE_MS,
        intervalMs: 200,
        what: "the orphan verified",
      },
    );
    const orphanPreview = previewOf(dealId, brand.user.uid, orphan, "beach.jpg");
    expect(await exists(orphanPreview)).toBe(true);

    await adminFirestore()
      .doc(`deals/${dealId}/messages/${sent}`)
      .update({ deleted: true, deletedAt: Timestamp.now(), text: null, attachments: [], hasAttachments: false });
    await pollUntil(
      async () => [await exists(sentPath), await exists(v.previewPath!), (await verificationRef(adminFirestore(), sentPath).get()).exists],
      (left) => left.every((x) => !x),
      { timeoutMs: DEADLINE_MS, intervalMs: 200, what: "the tombstoned message's file, preview and verdict deleted" },
    );

    const deps = { db: adminFirestore(), bucket: adminBucket(), dealId, now: Date.now() + limits.orphanUploadGraceMs + 1000 };
    const swept = await sweepOrphanedUploads(deps);
    // The tombstoned message's upload record goes too (its file is already gone); the orphan is deleted.
    expect(swept.deleted.sort()).toEqual([orphanPath, sentPath].sort());
    expect([await exists(orphanPath), await exists(orphanPreview), (await verificationRef(adminFirestore(), orphanPath).get()).exists]).toEqual([
      false,
      false,
      false,
    ]);
    expect(await sweepOrphanedUploads(deps)).toEqual({ deleted: [], referenced: [] });
  });
});
