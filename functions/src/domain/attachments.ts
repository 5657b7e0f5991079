// Pure rules for attachment files in Cloud Storage: which objects are attachments, which metadata only the SDK
// writes, and when an upload counts as referenced by its message.
import { createHash } from "node:crypto";
import { FileName, Id, storagePaths, type Message } from "@dealchat/model";
import * as z from "zod/mini";

export interface AttachmentObject {
  path: string;
  dealId: string;
  senderId: string;
  messageId: string;
  fileName: string;
}

/** deals/{dealId}/attachments/{senderId}/{messageId}/{fileName} with every segment valid for the model; else null. */
export function parseAttachmentPath(path: unknown): AttachmentObject | null {
  if (typeof path !== "string") return null;
  const parts = path.split("/");
  if (parts.length !== 6 || parts[0] !== "deals" || parts[2] !== "attachments") return null;
  const [, dealId, , senderId, messageId, fileName] = parts as [string, string, string, string, string, string];
  if (![dealId, senderId, messageId].every((id) => Id.safeParse(id).success) || !FileName.safeParse(fileName).success) return null;
  if (storagePaths.attachment(dealId, senderId, messageId, fileName) !== path) return null;
  return { path, dealId, senderId, messageId, fileName };
}

/** The custom-metadata key under which Firebase Storage keeps the secret tokens of download URLs. */
export const downloadTokensKey = "firebaseStorageDownloadTokens";

/** What a finalize event tells about an object's metadata (GCS object resource fields). */
export const FinalizedMetadata = z.object({
  metadata: z.optional(z.nullable(z.record(z.string(), z.unknown()))),
  cacheControl: z.optional(z.nullable(z.string())),
  contentLanguage: z.optional(z.nullable(z.string())),
  contentEncoding: z.optional(z.nullable(z.string())),
});
export type FinalizedMetadata = z.infer<typeof FinalizedMetadata>;

/**
 * Why an object carries metadata the SDK never writes (null when it carries none). The SDK sets a content
 * type only; Storage itself adds the download tokens and `contentDisposition: inline…`, so those are not
 * judged here (storage.rules refuses a client-set contentDisposition, which Storage's own value follows).
 * cacheControl and contentLanguage are not visible to rules in the Storage emulator, hence this check.
 */
export function foreignMetadata(object: FinalizedMetadata): string | null {
  const custom = Object.keys(object.metadata ?? {}).filter((key) => key !== downloadTokensKey);
  if (custom.length > 0) return `custom metadata ${custom.slice(0, 5).join(", ")}`;
  if (object.cacheControl) return "cacheControl";
  if (object.contentLanguage) return "contentLanguage";
  if (object.contentEncoding && object.contentEncoding !== "identity") return "contentEncoding";
  return null;
}

/** The download tokens in an object's custom metadata (comma-separated, as Storage stores them). */
export function downloadTokens(metadata: Record<string, unknown> | null | undefined): string[] {
  const raw = metadata?.[downloadTokensKey];
  return typeof raw === "string"
    ? raw
        .split(",")
        .map((t) => t.trim())
        .filter((t) => t.length > 0)
    : [];
}

/** A live message of this sender that lists exactly this file among its attachments. */
export function referencesFile(message: Message | null, file: AttachmentObject): boolean {
  return message !== null && !message.deleted && message.senderId === file.senderId && message.attachments.some((a) => a.storagePath === file.path);
}

/** Document id of a pending upload's record: storage paths may hold characters document ids may not. */
export function uploadRecordId(path: string): string {
  return createHash("sha256").update(path).digest("hex");
}

/**
 * Which of a sender's unreferenced uploads in one deal go beyond the limit: the newest ones (upload time, then
 * path, so every trigger that looks at the same set picks the same files).
 */
export function uploadsOverLimit<T extends { storagePath: string; uploadedAtMs: number }>(unreferenced: readonly T[], limit: number): T[] {
  const ordered = [...unreferenced].sort(
    (a, b) => a.uploadedAtMs - b.uploadedAtMs || (a.storagePath < b.storagePath ? -1 : a.storagePath > b.storagePath ? 1 : 0),
  );
  return ordered.slice(limit);
}
