// Attachment files in Cloud Storage: what storage.rules cannot do. Rules neither count nor wait, and in the
// Storage emulator they do not see every field, so the platform
//  - revokes download tokens as soon as a file is stored (downloads go through the rules, never a token link),
//  - deletes a file carrying metadata the SDK never sets (cacheControl, contentLanguage, custom metadata…),
//  - records every upload until a message references it; a sender keeps at most
//    limits.pendingUploadsPerSenderAndDeal unreferenced uploads per deal (the newest beyond are deleted),
//  - sweeps uploads still unreferenced limits.orphanUploadGraceMs after their upload (scheduled),
//  - revokes the tokens of a deal's files when a participant leaves the deal.
// Every entry point is idempotent and order-safe: triggers run at least once and in any order.
import { FieldValue, Timestamp, type DocumentReference, type Firestore } from "firebase-admin/firestore";
import type { Storage } from "firebase-admin/storage";
import { logger } from "firebase-functions";
import { limits, paths, verificationMetadataKey, verifiedMarker, type Message } from "@dealchat/model";
import * as z from "zod/mini";
import {
  FinalizedMetadata,
  downloadTokens,
  foreignMetadata,
  parseAttachmentPath,
  referencesFile,
  uploadRecordId,
  uploadsOverLimit,
  type AttachmentObject,
} from "../domain/attachments.ts";
import { parseMessage } from "../domain/messages.ts";
import { forgetFiles, verifyAttachment, type VerifyResult } from "./verification.ts";

export type Bucket = ReturnType<Storage["bucket"]>;
type StoredFile = ReturnType<Bucket["file"]>;

/** Platform-only (no rule matches it, so clients can neither read nor write it). */
export const uploadsCollection = "attachmentUploads";

/** A pending upload: written when the file is stored, removed once a message references it or it is deleted. */
export const UploadRecord = z.object({
  storagePath: z.string(),
  dealId: z.string(),
  senderId: z.string(),
  messageId: z.string(),
  uploadedAt: z.custom<Timestamp>((v) => v instanceof Timestamp, { error: "expected a Timestamp" }),
  /** Set once the upload's trigger has checked the sender's pending uploads against the limit. */
  limitCheckedAt: z.optional(z.custom<Timestamp>((v) => v instanceof Timestamp, { error: "expected a Timestamp" })),
});
export type UploadRecord = z.infer<typeof UploadRecord>;

export interface StorageDeps {
  db: Firestore;
  bucket: Bucket;
}

export type AttachmentOutcome = "recorded" | "deleted" | "ignored";
export interface AttachmentResult {
  outcome: AttachmentOutcome;
  reason?: string;
  /** Files this call deleted (this one, or a sender's uploads beyond the limit). */
  deleted?: string[];
  /** The verification of this upload by its bytes (handlers/verification.ts). */
  verification?: VerifyResult;
  /**
   * Firestore reads and writes of a recorded upload (the record, the pending count, its check mark, and the
   * verification), for the bench. The rare pass past the pending limit reads more and is not included.
   */
  cost?: { reads: number; writes: number };
}

function isNotFound(error: unknown): boolean {
  return (error as { code?: unknown } | null)?.code === 404;
}

/** host:port of the Storage emulator when this runs against it. */
function storageEmulatorHost(): string | undefined {
  const raw = process.env.FIREBASE_STORAGE_EMULATOR_HOST ?? process.env.STORAGE_EMULATOR_HOST;
  return raw ? raw.replace(/^https?:\/\//, "").replace(/\/$/, "") : undefined;
}

/**
 * Removes every download token of a file, so no download URL of it works any more. In production the tokens
 * are the `firebaseStorageDownloadTokens` custom metadata, and removing it removes them. The Storage emulator
 * keeps tokens apart from the custom metadata and ignores that change; its token endpoint deletes them one by
 * one (and, as it always does, leaves one fresh token that nobody has seen). Returns the number revoked.
 */
export async function revokeDownloadTokens(file: StoredFile, known?: { metadata?: unknown }): Promise<number> {
  const metadata = known ?? (await file.getMetadata())[0];
  const tokens = downloadTokens(metadata.metadata as Record<string, unknown> | undefined);
  if (tokens.length === 0) return 0;
  await file.setMetadata({ metadata: { firebaseStorageDownloadTokens: null } });
  const emulator = storageEmulatorHost();
  if (emulator) {
    for (const token of tokens) {
      const url = `http://${emulator}/v0/b/${encodeURIComponent(file.bucket.name)}/o/${encodeURIComponent(file.name)}?delete_token=${encodeURIComponent(token)}`;
      const response = await fetch(url, { method: "POST", headers: { Authorization: "Bearer owner" } });
      if (!response.ok && response.status !== 404)
        throw new Error(`the Storage emulator refused to delete a download token of ${file.name} (${response.status})`);
    }
  }
  return tokens.length;
}

async function deleteFile(bucket: Bucket, path: string): Promise<void> {
  await bucket.file(path).delete({ ignoreNotFound: true });
}

function recordRef(db: Firestore, path: string): DocumentReference {
  return db.collection(uploadsCollection).doc(uploadRecordId(path));
}

/** The message a file belongs to, parsed (null when missing or malformed: then nothing references the file). */
async function loadMessage(db: Firestore, file: AttachmentObject, cache: Map<string, Promise<Message | null>>): Promise<Message | null> {
  const key = `${file.dealId}/${file.messageId}`;
  let pending = cache.get(key);
  if (!pending) {
    pending = db
      .doc(paths.message(file.dealId, file.messageId))
      .get()
      .then((snap) => (snap.exists ? parseMessage(snap.data()) : null));
    cache.set(key, pending);
  }
  return pending;
}

/** The finalize event's object, as far as it is used; checked with zod before use (bad input is skipped). */
export interface FinalizedObject {
  name?: unknown;
  generation?: unknown;
  size?: unknown;
  contentType?: unknown;
  timeCreated?: unknown;
  metadata?: unknown;
  cacheControl?: unknown;
  contentLanguage?: unknown;
  contentEncoding?: unknown;
}

/** onObjectFinalized: checks the metadata, revokes the download tokens, records the upload and bounds the sender's pending uploads. */
export async function handleAttachmentFinalized(object: FinalizedObject, deps: StorageDeps): Promise<AttachmentResult> {
  const file = parseAttachmentPath(object.name);
  if (!file) return { outcome: "ignored", reason: "not an attachment path" };
  const metadata = FinalizedMetadata.safeParse(object);
  if (!metadata.success) {
    logger.warn("onAttachmentFinalized: object metadata of an unexpected shape", { name: file.path, issues: metadata.error.issues.map((i) => i.message) });
    return { outcome: "ignored", reason: "object metadata of an unexpected shape" };
  }
  if (metadata.data.metadata?.[verificationMetadataKey] === verifiedMarker) {
    // The platform's own replacement of a verified image (clients cannot set custom metadata): already handled.
    await revokeDownloadTokens(deps.bucket.file(file.path)).catch((error: unknown) => {
      if (!isNotFound(error)) throw error;
    });
    return { outcome: "ignored", reason: "the verified copy the functions stored" };
  }
  const foreign = foreignMetadata(metadata.data);
  if (foreign) {
    await deleteFile(deps.bucket, file.path);
    await recordRef(deps.db, file.path).delete();
    return { outcome: "deleted", reason: `metadata the SDK never sets: ${foreign}`, deleted: [file.path] };
  }
  try {
    await revokeDownloadTokens(deps.bucket.file(file.path));
  } catch (error) {
    // Already deleted (an orphan swept, a tombstone cleaned up) before this late or repeated event.
    if (isNotFound(error)) return { outcome: "ignored", reason: "the file no longer exists" };
    throw error;
  }
  const created = object.timeCreated;
  const uploadedMs = created instanceof Date ? created.getTime() : typeof created === "string" ? Date.parse(created) : Number.NaN;
  const record: UploadRecord = {
    storagePath: file.path,
    dealId: file.dealId,
    senderId: file.senderId,
    messageId: file.messageId,
    uploadedAt: Number.isNaN(uploadedMs) ? Timestamp.now() : Timestamp.fromMillis(uploadedMs),
  };
  const ref = recordRef(deps.db, file.path);
  await ref.set(record);
  const deleted = await enforcePendingLimit(deps, file.dealId, file.senderId);
  if (deleted.includes(file.path)) return { outcome: "deleted", reason: `more than ${limits.pendingUploadsPerSenderAndDeal} unreferenced uploads`, deleted };
  const verification = await verifyAttachment(file, object, deps);
  // Marks the upload as checked against the limit (what a caller waiting for this trigger can watch for).
  await ref.update({ limitCheckedAt: FieldValue.serverTimestamp() }).catch((error: unknown) => {
    if ((error as { code?: unknown }).code !== 5) throw error; // NOT_FOUND: settled or swept meanwhile
  });
  // A rejected file is gone, but its record stays until the sweep: the sweep then drops the verdict too unless a
  // message shows it.
  const cost = { reads: 1 + verification.cost.reads, writes: 2 + verification.cost.writes };
  if (verification.status === "rejected")
    return { outcome: "deleted", reason: verification.reason ?? "rejected", deleted: [...deleted, file.path], verification, cost };
  return { outcome: "recorded", ...(deleted.length ? { deleted } : {}), verification, cost };
}

/**
 * Keeps at most limits.pendingUploadsPerSenderAndDeal unreferenced uploads of one sender in one deal. One
 * count() in the common case; past the limit, records of referenced files are settled (removed) first, then
 * the newest unreferenced uploads beyond the limit are deleted. Any trigger that runs after the others have
 * recorded their uploads sees the whole set, so the bound holds whatever order the events arrive in.
 */
async function enforcePendingLimit(deps: StorageDeps, dealId: string, senderId: string): Promise<string[]> {
  const pending = deps.db.collection(uploadsCollection).where("dealId", "==", dealId).where("senderId", "==", senderId);
  const count = (await pending.count().get()).data().count;
  if (count <= limits.pendingUploadsPerSenderAndDeal) return [];
  const snaps = (await pending.get()).docs;
  const messages = new Map<string, Promise<Message | null>>();
  const unreferenced: Array<{ storagePath: string; uploadedAtMs: number; ref: DocumentReference }> = [];
  const settled = deps.db.batch();
  for (const snap of snaps) {
    const record = UploadRecord.safeParse(snap.data());
    const file = record.success ? parseAttachmentPath(record.data.storagePath) : null;
    if (!record.success || !file) {
      logger.warn("dropping a malformed upload record", { id: snap.id });
      settled.delete(snap.ref);
      continue;
    }
    if (referencesFile(await loadMessage(deps.db, file, messages), file)) settled.delete(snap.ref);
    else unreferenced.push({ storagePath: file.path, uploadedAtMs: record.data.uploadedAt.toMillis(), ref: snap.ref });
  }
  await settled.commit();
  const excess = uploadsOverLimit(unreferenced, limits.pendingUploadsPerSenderAndDeal);
  for (const upload of excess) {
    await deleteFile(deps.bucket, upload.storagePath);
    await forgetFiles(deps.db, deps.bucket, [upload.storagePath]);
    await upload.ref.delete();
  }
  if (excess.length) logger.warn("deleted uploads beyond the pending limit", { dealId, senderId, files: excess.map((u) => u.storagePath) });
  return excess.map((u) => u.storagePath);
}

export interface SweepOptions extends StorageDeps {
  /** Epoch ms to sweep as of (tests pass a later time instead of waiting for the grace period). */
  now?: number;
  /** Only this deal's uploads (tests share one emulator; the scheduled sweep covers every deal). */
  dealId?: string;
  /** Records read per query. */
  pageSize?: number;
}

export interface SweepResult {
  /** Files no message referenced: deleted. */
  deleted: string[];
  /** Files a message references: their records were removed, the files kept. */
  referenced: string[];
}

/**
 * The scheduled clean-up: every upload recorded at least limits.orphanUploadGraceMs ago is either referenced
 * by its (live) message — the record is dropped, the file stays — or an orphan, and deleted with its record.
 * Safe to run concurrently with itself and with the triggers: deletions ignore what is already gone.
 */
export async function sweepOrphanedUploads(options: SweepOptions): Promise<SweepResult> {
  const { db, bucket } = options;
  const cutoffMs = (options.now ?? Date.now()) - limits.orphanUploadGraceMs;
  const pageSize = options.pageSize ?? 200;
  const result: SweepResult = { deleted: [], referenced: [] };
  const messages = new Map<string, Promise<Message | null>>();
  const seen = new Set<string>();
  for (;;) {
    const query = options.dealId
      ? db.collection(uploadsCollection).where("dealId", "==", options.dealId).limit(pageSize)
      : db.collection(uploadsCollection).where("uploadedAt", "<=", Timestamp.fromMillis(cutoffMs)).orderBy("uploadedAt").limit(pageSize);
    const snaps = (await query.get()).docs.filter((snap) => !seen.has(snap.id));
    if (snaps.length === 0) break;
    for (const snap of snaps) {
      seen.add(snap.id);
      const record = UploadRecord.safeParse(snap.data());
      const file = record.success ? parseAttachmentPath(record.data.storagePath) : null;
      if (!record.success || !file) {
        logger.warn("dropping a malformed upload record", { id: snap.id });
        await snap.ref.delete();
        continue;
      }
      if (record.data.uploadedAt.toMillis() > cutoffMs) continue; // only in a deal-scoped sweep
      if (referencesFile(await loadMessage(db, file, messages), file)) {
        result.referenced.push(file.path);
      } else {
        await deleteFile(bucket, file.path);
        await forgetFiles(db, bucket, [file.path]);
        result.deleted.push(file.path);
      }
      await snap.ref.delete();
    }
    if (options.dealId) break; // one page of one deal's records is all a test needs; the record count is bounded
  }
  if (result.deleted.length) logger.info("deleted orphaned uploads", { count: result.deleted.length });
  return result;
}

/** The two participants of a deal as firestore.rules and storage.rules decide them (brandId, influencerId). */
function members(data: Record<string, unknown> | null): string[] {
  if (!data) return [];
  return [data.brandId, data.influencerId].filter((v): v is string => typeof v === "string");
}

export interface DealMembershipChange {
  dealId: string;
  before: Record<string, unknown> | null;
  after: Record<string, unknown> | null;
}

/**
 * A participant left the deal (replaced, or the deal deleted): revoke every download token of the deal's
 * files, so a link minted while they were a participant stops working. Their rules-checked reads already stop.
 */
export async function handleDealMembershipChanged(change: DealMembershipChange, deps: Pick<StorageDeps, "bucket">): Promise<AttachmentResult> {
  const now = new Set(members(change.after));
  const left = members(change.before).filter((uid) => !now.has(uid));
  if (left.length === 0) return { outcome: "ignored", reason: "no participant left the deal" };
  // The files and their previews (functions/src/handlers/verification.ts).
  const listed = await Promise.all(
    [`deals/${change.dealId}/attachments/`, `deals/${change.dealId}/previews/`].map((prefix) => deps.bucket.getFiles({ prefix, autoPaginate: true })),
  );
  const files = listed.flatMap(([found]) => found);
  let revoked = 0;
  for (const file of files) {
    try {
      revoked += await revokeDownloadTokens(file, file.metadata); // the listing carries each file's metadata
    } catch (error) {
      if (!isNotFound(error)) throw error;
    }
  }
  return { outcome: "recorded", reason: `revoked ${revoked} download tokens of ${files.length} files` };
}
