// Verification of every uploaded attachment (docs/attachments.md), called by onAttachmentFinalized after the upload
// is recorded. The file's bytes decide: a file that is not what it claims is deleted and its attachment marked
// rejected with a reason; a verified image is replaced by an upright copy without camera metadata and gets a WebP
// preview; every verified object is marked with custom metadata that storage.rules require before the other side
// may read it. The verdict is kept in attachmentVerifications/{sha256(path)} (platform-only) and copied into the
// message's attachment entry (`verification`), whichever of the upload and the message comes first.
// Idempotent and order-safe: a repeated event finds the verdict and only re-publishes it; the platform's own
// rewrite of an image comes back as a finalize event carrying the marker and is ignored by the caller.
import { Timestamp, type DocumentReference, type Firestore } from "firebase-admin/firestore";
import { logger } from "firebase-functions";
import {
  AttachmentContentType,
  AttachmentVerification,
  limits,
  maxBytesFor,
  paths,
  storagePaths,
  verificationMetadataKey,
  verifiedMarker,
  videoContentTypes,
  type Attachment,
} from "@dealchat/model";
import * as z from "zod/mini";
import { parseAttachmentPath, uploadRecordId, type AttachmentObject } from "../domain/attachments.ts";
import { parseMessage } from "../domain/messages.ts";
import { inspectFile, inspectVideo, type Inspection } from "../domain/verification.ts";
import { runCounted, type Cost } from "../store/counted.ts";
import { revokeDownloadTokens, type Bucket } from "./attachments.ts";

/** Platform-only (no rule matches them): the verdict per stored file, and uploads per user, deal and UTC day. */
export const verificationsCollection = "attachmentVerifications";
export const dailyUploadsCollection = "attachmentDailyUploads";

const timestampOf = z.custom<Timestamp>((v) => v instanceof Timestamp, { error: "expected a Timestamp" });
export const VerificationRecord = z.object({
  storagePath: z.string(),
  dealId: z.string(),
  senderId: z.string(),
  messageId: z.string(),
  /** The upload's object generation this verdict is about. */
  generation: z.string(),
  status: z.enum(["pending", "verified", "rejected"]),
  verification: z.optional(AttachmentVerification),
  createdAt: timestampOf,
});
export type VerificationRecord = z.infer<typeof VerificationRecord>;

export const verificationRef = (db: Firestore, path: string): DocumentReference => db.collection(verificationsCollection).doc(uploadRecordId(path));
/** attachmentDailyUploads/{dealId}_{uid}_{YYYY-MM-DD} (UTC day of the upload). */
export const dailyUploadsRef = (db: Firestore, dealId: string, senderId: string, atMs: number): DocumentReference =>
  db.collection(dailyUploadsCollection).doc(`${dealId}_${senderId}_${new Date(atMs).toISOString().slice(0, 10)}`);

export interface VerifyDeps {
  db: Firestore;
  bucket: Bucket;
}

/** The finalize event's object, as far as verification uses it. */
export interface VerifiedObject {
  generation?: unknown;
  size?: unknown;
  contentType?: unknown;
  timeCreated?: unknown;
}

export interface VerifyResult {
  status: "verified" | "rejected" | "skipped";
  reason?: string;
  verification?: AttachmentVerification;
  /** Firestore reads and writes this call issued (the bench's cost per verified attachment). */
  cost: Cost;
}

/** A connection dropped between the function and Storage (seen under load, notably with the emulator). */
export function isTransientStorageError(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  if (code === "ECONNRESET" || code === "ETIMEDOUT" || code === "EPIPE" || code === 503 || code === 502 || code === 429) return true;
  return /ECONNRESET|socket hang up|ETIMEDOUT|EPIPE/.test(error instanceof Error ? error.message : String(error));
}

/**
 * Runs an idempotent Storage handler again after a dropped connection (at most `attempts` times in all), so one
 * reset does not leave an upload unverified until the platform's own retry.
 */
export async function retryTransientStorage<T>(run: () => Promise<T>, attempts = 4): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await run();
    } catch (error) {
      if (attempt >= attempts || !isTransientStorageError(error)) throw error;
      logger.warn("retrying after a dropped Storage connection", { attempt, error: String(error) });
      await new Promise((resolve) => setTimeout(resolve, 100 * 2 ** attempt));
    }
  }
}

const isNotFound = (error: unknown) => (error as { code?: unknown } | null)?.code === 404;
const isPreconditionFailed = (error: unknown) => (error as { code?: unknown } | null)?.code === 412;
const millisOf = (v: unknown) => (v instanceof Date ? v.getTime() : typeof v === "string" ? Date.parse(v) : Number.NaN);
const add = (a: Cost, b: Cost) => {
  a.reads += b.reads;
  a.writes += b.writes;
};

/** Verifies one stored attachment (file: its parsed path; object: the finalize event's object). */
export async function verifyAttachment(file: AttachmentObject, object: VerifiedObject, deps: VerifyDeps): Promise<VerifyResult> {
  const cost: Cost = { reads: 0, writes: 0 };
  const generation = String(object.generation ?? "");
  const uploadedMs = Number.isNaN(millisOf(object.timeCreated)) ? Date.now() : millisOf(object.timeCreated);
  const ref = verificationRef(deps.db, file.path);

  // Admission: the verdict record is created once per stored file, and that creation is what counts the upload
  // against the sender's daily bound, so a repeated event counts nothing twice.
  const admission = await runCounted(deps.db, async (tx) => {
    const snap = await tx.getDoc(ref);
    const stored = snap.exists ? VerificationRecord.safeParse(snap.data()) : null;
    if (stored?.success && stored.data.generation === generation) return { record: stored.data, overLimit: false };
    const counter = dailyUploadsRef(deps.db, file.dealId, file.senderId, uploadedMs);
    const counted = await tx.getDoc(counter);
    const count = ((counted.get("count") as number | undefined) ?? 0) + 1;
    tx.set(counter, { dealId: file.dealId, senderId: file.senderId, day: counter.id.slice(-10), count });
    const record: VerificationRecord = {
      storagePath: file.path,
      dealId: file.dealId,
      senderId: file.senderId,
      messageId: file.messageId,
      generation,
      status: "pending",
      createdAt: Timestamp.now(),
    };
    tx.set(ref, record);
    return { record, overLimit: count > limits.uploadsPerUserAndDealPerDay };
  });
  add(cost, admission.cost);

  let verification: AttachmentVerification;
  if (admission.record.status !== "pending" && admission.record.verification) {
    verification = admission.record.verification; // a repeated event: publish the verdict again
  } else {
    const inspection = admission.overLimit
      ? ({ status: "rejected", reason: `more than ${limits.uploadsPerUserAndDealPerDay} uploads into this deal today` } satisfies Inspection)
      : await inspectStored(file, object, deps.bucket);
    verification = await publishFile(file, generation, inspection, deps.bucket);
    add(cost, await storeVerdict(ref, verification));
  }
  if (verification.status === "rejected") await deleteFiles(deps.bucket, file);
  add(cost, await copyIntoMessage(deps.db, file, verification));
  return { status: verification.status, ...(verification.reason ? { reason: verification.reason } : {}), verification, cost };
}

/** How much of a video one ranged read fetches while looking for its movie header. */
const videoReadBytes = 8 * 1024 * 1024;

/** Reads the stored bytes and judges them; a file that cannot be read is a rejection, never a crash. */
async function inspectStored(file: AttachmentObject, object: VerifiedObject, bucket: Bucket): Promise<Inspection> {
  const declared = AttachmentContentType.safeParse(object.contentType);
  if (!declared.success) return { status: "rejected", reason: `content type ${String(object.contentType)} is not allowed` };
  const size = Number(object.size ?? Number.NaN);
  if (!(size > 0)) return { status: "rejected", reason: "the file is empty" };
  if (size > maxBytesFor(declared.data)) return { status: "rejected", reason: `the file is larger than ${maxBytesFor(declared.data)} bytes` };
  const stored = bucket.file(file.path);
  try {
    return await inspectBytes(file, declared.data, size, stored);
  } catch (error) {
    if (isNotFound(error)) return { status: "rejected", reason: "the file was deleted before it could be checked" };
    throw error;
  }
}

async function inspectBytes(file: AttachmentObject, declared: AttachmentContentType, size: number, stored: ReturnType<Bucket["file"]>): Promise<Inspection> {
  if ((videoContentTypes as readonly string[]).includes(declared)) {
    const [head] = await stored.download({ start: 0, end: 64 * 1024 - 1 });
    // Ranged reads, one request each, until mp4box has found the movie header: a video is never held whole.
    const chunks = async function* () {
      for (let start = 0; start < size; start += videoReadBytes) {
        const [part] = await stored.download({ start, end: Math.min(size, start + videoReadBytes) - 1 });
        yield new Uint8Array(part.buffer, part.byteOffset, part.byteLength);
      }
    };
    const inspection = await inspectVideo(declared, { head: new Uint8Array(head), chunks }, file.fileName);
    return inspection.status === "verified" ? { ...inspection, size } : inspection;
  }
  const [bytes] = await stored.download();
  return inspectFile(file.fileName, declared, new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength));
}

/**
 * Puts a verified file in the state the other side may read: the preview first, then the sanitized image in place
 * of the upload (or, for other files, the marker on the upload itself). Returns the verdict to record.
 */
async function publishFile(file: AttachmentObject, generation: string, inspection: Inspection, bucket: Bucket): Promise<AttachmentVerification> {
  const { sanitized, preview, ...fields } = inspection;
  const checkedAt = Timestamp.now();
  if (inspection.status === "rejected") return { ...fields, status: "rejected", checkedAt };
  const marker = { [verificationMetadataKey]: verifiedMarker };
  const previewPath = preview ? storagePaths.preview(file.dealId, file.senderId, file.messageId, file.fileName) : undefined;
  if (preview && previewPath) {
    await bucket.file(previewPath).save(Buffer.from(preview), { resumable: false, contentType: "image/webp", metadata: { metadata: marker } });
    // Downloads go through the rules only: a token Storage may attach to a new object is removed at once.
    await revokeDownloadTokens(bucket.file(previewPath));
  }
  const generationMatch = Number(generation);
  const precondition = Number.isFinite(generationMatch) && generation !== "" ? { ifGenerationMatch: generationMatch } : undefined;
  try {
    if (sanitized) {
      await bucket.file(file.path).save(Buffer.from(sanitized.data), {
        resumable: false,
        contentType: sanitized.contentType,
        metadata: { metadata: marker },
        ...(precondition ? { preconditionOpts: precondition } : {}),
      });
    } else {
      await bucket.file(file.path).setMetadata({ metadata: marker }, precondition ?? {});
    }
  } catch (error) {
    // 412: the upload was already replaced by this same step of an earlier delivery; 404: deleted meanwhile.
    if (!isPreconditionFailed(error) && !isNotFound(error)) throw error;
  }
  return { ...fields, status: "verified", ...(previewPath ? { previewPath } : {}), checkedAt };
}

async function storeVerdict(ref: DocumentReference, verification: AttachmentVerification): Promise<Cost> {
  await ref.set({ status: verification.status, verification }, { merge: true });
  return { reads: 0, writes: 1 };
}

/** A rejected file and its preview (if any): deleted, whether or not they still exist. */
async function deleteFiles(bucket: Bucket, file: AttachmentObject): Promise<void> {
  const preview = storagePaths.preview(file.dealId, file.senderId, file.messageId, file.fileName);
  await Promise.all([bucket.file(file.path).delete({ ignoreNotFound: true }), bucket.file(preview).delete({ ignoreNotFound: true })]);
}

/** The message's attachment entries with the given verdicts set (null when nothing changes). */
function withVerdicts(attachments: readonly Attachment[], verdicts: ReadonlyMap<string, AttachmentVerification>): Attachment[] | null {
  let changed = false;
  const next = attachments.map((a) => {
    const verdict = verdicts.get(a.storagePath);
    if (!verdict || sameVerdict(a.verification, verdict)) return a;
    changed = true;
    return { ...a, verification: verdict };
  });
  return changed ? next : null;
}

function sameVerdict(a: AttachmentVerification | undefined, b: AttachmentVerification): boolean {
  if (!a) return false;
  const { checkedAt: ta, ...ra } = a;
  const { checkedAt: tb, ...rb } = b;
  return ta.toMillis() === tb.toMillis() && JSON.stringify(ra) === JSON.stringify(rb);
}

/** Sets the verdict on the file's entry of its message, if that message exists, is live and lists the file. */
async function copyIntoMessage(db: Firestore, file: AttachmentObject, verification: AttachmentVerification): Promise<Cost> {
  const result = await runCounted(db, async (tx) => {
    const ref = db.doc(paths.message(file.dealId, file.messageId));
    const message = parseMessage((await tx.getDoc(ref)).data());
    if (!message || message.deleted || message.senderId !== file.senderId) return {};
    const next = withVerdicts(message.attachments, new Map([[file.path, verification]]));
    if (next) tx.update(ref, { attachments: next });
    return {};
  });
  return result.cost;
}

export interface MessageAttachmentsEvent {
  dealId: string;
  messageId: string;
}

/**
 * Platform-only (no rule matches it): a file a new message listed that was not in Storage when the message was
 * created. The SDK uploads before it writes the message, so this is rare: an app that crashed mid-send, or a
 * client that never meant to upload. resolveNeverUploaded settles these entries once the grace period is over.
 */
export const awaitedUploadsCollection = "attachmentAwaitedUploads";
const AwaitedUpload = z.object({ storagePath: z.string(), dealId: z.string(), messageId: z.string(), listedAt: timestampOf });
export const awaitedUploadRef = (db: Firestore, path: string): DocumentReference => db.collection(awaitedUploadsCollection).doc(uploadRecordId(path));

/** The reason an app shows for a listed file that never arrived. */
export const neverUploadedReason = "the file was never uploaded";

/**
 * A message was created: copy the verdicts already reached for its files into its attachment entries (the files
 * were uploaded, and usually verified, before the message was written). Files not decided yet get their verdict
 * from verifyAttachment, which finds the message by then; files not even in Storage (given `bucket`) are noted
 * for resolveNeverUploaded, so their entries do not stay "being checked" for ever.
 */
export async function handleMessageAttachmentsCreated(
  event: MessageAttachmentsEvent,
  db: Firestore,
  bucket?: Pick<Bucket, "file">,
): Promise<{ outcome: string; cost: Cost; awaited?: string[] }> {
  const result = await runCounted(db, async (tx) => {
    const ref = db.doc(paths.message(event.dealId, event.messageId));
    const message = parseMessage((await tx.getDoc(ref)).data());
    if (!message || message.deleted || message.attachments.length === 0) return { outcome: "ignored", unrecorded: [] as string[], listedAt: null };
    const own = message.attachments.filter((a) => {
      const file = parseAttachmentPath(a.storagePath);
      return file !== null && file.senderId === message.senderId && file.messageId === event.messageId && file.dealId === event.dealId;
    });
    const verdicts = new Map<string, AttachmentVerification>();
    const unrecorded: string[] = [];
    for (const a of own) {
      const snap = await tx.getDoc(verificationRef(db, a.storagePath));
      const record = VerificationRecord.safeParse(snap.data());
      if (record.success && record.data.verification) verdicts.set(a.storagePath, record.data.verification);
      else if (!snap.exists && !a.verification) unrecorded.push(a.storagePath);
    }
    const next = withVerdicts(message.attachments, verdicts);
    if (next) tx.update(ref, { attachments: next });
    return { outcome: next ? "applied" : "unchanged", unrecorded, listedAt: message.createdAt };
  });
  const cost = { ...result.cost };
  const awaited: string[] = [];
  if (bucket && result.listedAt) {
    // No record yet: either the upload trigger has not run (the file is there) or the file never came.
    for (const path of result.unrecorded) {
      const [exists] = await bucket.file(path).exists();
      if (exists) continue;
      await awaitedUploadRef(db, path).set({ storagePath: path, dealId: event.dealId, messageId: event.messageId, listedAt: result.listedAt });
      cost.writes += 1;
      awaited.push(path);
    }
  }
  return { outcome: result.outcome, cost, ...(awaited.length > 0 ? { awaited } : {}) };
}

export interface NeverUploadedResult {
  /** Entries marked rejected: their file never arrived within limits.orphanUploadGraceMs. */
  rejected: string[];
  /** Noted files that arrived after all (their verification decides) or whose message is gone. */
  settled: string[];
}

/**
 * Part of the scheduled clean-up: a file a message has listed for limits.orphanUploadGraceMs that is still not in
 * Storage gets a rejected verdict on its entry ("the file was never uploaded"), so both sides stop showing it as
 * being checked. An entry that already has a verdict keeps it. Idempotent; one page per run (the rest next run).
 */
export async function resolveNeverUploaded(options: {
  db: Firestore;
  bucket: Pick<Bucket, "file">;
  now?: number;
  /** Only this deal's entries (tests share one emulator). */
  dealId?: string;
  pageSize?: number;
}): Promise<NeverUploadedResult> {
  const { db, bucket } = options;
  const nowMs = options.now ?? Date.now();
  const cutoffMs = nowMs - limits.orphanUploadGraceMs;
  const collection = db.collection(awaitedUploadsCollection);
  const query = options.dealId
    ? collection.where("dealId", "==", options.dealId)
    : collection.where("listedAt", "<=", Timestamp.fromMillis(cutoffMs)).orderBy("listedAt");
  const result: NeverUploadedResult = { rejected: [], settled: [] };
  for (const snap of (await query.limit(options.pageSize ?? 200).get()).docs) {
    const noted = AwaitedUpload.safeParse(snap.data());
    const file = noted.success ? parseAttachmentPath(noted.data.storagePath) : null;
    if (!noted.success || !file) {
      await snap.ref.delete();
      continue;
    }
    if (noted.data.listedAt.toMillis() > cutoffMs) continue; // only in a deal-scoped run
    const [exists] = await bucket.file(file.path).exists();
    if (exists) result.settled.push(file.path);
    else {
      const verdict: AttachmentVerification = { status: "rejected", reason: neverUploadedReason, checkedAt: Timestamp.fromMillis(nowMs) };
      const changed = await runCounted(db, async (tx) => {
        const ref = db.doc(paths.message(file.dealId, file.messageId));
        const message = parseMessage((await tx.getDoc(ref)).data());
        if (!message || message.deleted || message.senderId !== file.senderId) return { changed: false };
        const undecided = new Map(message.attachments.filter((a) => a.storagePath === file.path && !a.verification).map((a) => [a.storagePath, verdict]));
        const next = withVerdicts(message.attachments, undecided);
        if (next) tx.update(ref, { attachments: next });
        return { changed: next !== null };
      });
      (changed.changed ? result.rejected : result.settled).push(file.path);
    }
    await snap.ref.delete();
  }
  return result;
}

/** The verdict records and previews of files the platform deletes (tombstones, orphans): deleted, idempotently. */
export async function forgetFiles(db: Firestore, bucket: Bucket, storagePathsToForget: readonly string[]): Promise<void> {
  await Promise.all(
    storagePathsToForget.map(async (path) => {
      const file = parseAttachmentPath(path);
      if (!file) return;
      await bucket
        .file(storagePaths.preview(file.dealId, file.senderId, file.messageId, file.fileName))
        .delete({ ignoreNotFound: true })
        .catch((error: unknown) => logger.warn(`could not delete the preview of ${path}`, { error: String(error) }));
      await verificationRef(db, path).delete();
    }),
  );
}
