// What an app shows for an attachment while and after the functions check it (docs/attachments.md): pending until
// its bytes are verified, then its details and a preview; rejected with the reason. The other side is never
// offered the bytes of a file that is pending or rejected (storage.rules refuse them too); the uploader may always
// read their own file back.
import { mayDownload, storagePaths, verificationStatus, type Attachment, type AttachmentDetails, type VerificationStatus } from "@dealchat/model";
import { getBytes, ref as storageRef } from "firebase/storage";
import type { ClientContext } from "./context.ts";
import { DealChatError, toDealChatError } from "./errors.ts";
import type { AttachmentObjectUrl } from "./attachments.ts";

export interface AttachmentState {
  status: VerificationStatus;
  /** Why the file was rejected ("the file is not a PDF: it is a program …"), for rejected files. */
  reason?: string;
  /** Verified details: width/height/orientation, pageCount, durationMs, detectedType, size; `missing` names what could not be read. */
  details?: AttachmentDetails;
  /** Whether this user may download the bytes now (the app shows a download action only then). */
  canDownload: boolean;
  /** Whether a preview image exists (images, once verified). */
  hasPreview: boolean;
}

/** The uploader's uid, from the attachment's own folder (deals/{dealId}/attachments/{senderId}/…). */
export const uploaderOf = (attachment: Pick<Attachment, "storagePath">): string => attachment.storagePath.split("/")[3] ?? "";

/** The state of one attachment as `viewerUid` should see it. */
export function attachmentState(attachment: Pick<Attachment, "storagePath" | "verification">, viewerUid: string | null): AttachmentState {
  const status = verificationStatus(attachment);
  const v = attachment.verification;
  const { status: _s, reason, checkedAt: _c, ...details } = v ?? { status: "pending" as const, checkedAt: null };
  return {
    status,
    ...(status === "rejected" && reason ? { reason } : {}),
    ...(status === "verified" ? { details } : {}),
    canDownload: mayDownload(attachment, uploaderOf(attachment), viewerUid),
    hasPreview: status === "verified" && typeof v?.previewPath === "string",
  };
}

/** Throws when this user may not download the file (yet): failed-precondition with reason attachment-pending or attachment-rejected. */
export function assertDownloadable(ctx: ClientContext, attachment: Pick<Attachment, "storagePath" | "verification">): void {
  const state = attachmentState(attachment, ctx.uid);
  if (state.canDownload) return;
  if (state.status === "rejected")
    throw new DealChatError(
      "failed-precondition",
      `${attachment.storagePath} was rejected: ${state.reason ?? "it failed verification"}`,
      "attachment-rejected",
    );
  throw new DealChatError("failed-precondition", `${attachment.storagePath} is still being checked`, "attachment-pending");
}

/** The largest preview the functions write (a 320 px wide WebP is a few tens of KiB). */
const previewMaxBytes = 2 * 1024 * 1024;

/** The image's WebP preview, downloaded through storage.rules; not-found when the attachment has none (yet). */
export async function attachmentPreviewBlob(ctx: ClientContext, attachment: Pick<Attachment, "storagePath" | "verification">): Promise<Blob> {
  const state = attachmentState(attachment, ctx.uid);
  if (!state.hasPreview) {
    if (state.status === "rejected") assertDownloadable(ctx, attachment);
    throw new DealChatError("not-found", `${attachment.storagePath} has no preview${state.status === "pending" ? " yet (still being checked)" : ""}`);
  }
  const [, dealId, , senderId, messageId, fileName] = attachment.storagePath.split("/");
  const path = storagePaths.preview(dealId ?? "", senderId ?? "", messageId ?? "", fileName ?? "");
  try {
    return new Blob([await getBytes(storageRef(ctx.storage, path), previewMaxBytes)], { type: "image/webp" });
  } catch (e) {
    throw toDealChatError(e, `downloading the preview of ${attachment.storagePath}`);
  }
}

/** A local `blob:` URL of the preview for an <img>; `revoke()` frees it (dispose() revokes the rest). */
export async function attachmentPreviewObjectUrl(
  ctx: ClientContext,
  attachment: Pick<Attachment, "storagePath" | "verification">,
): Promise<AttachmentObjectUrl> {
  const url = URL.createObjectURL(await attachmentPreviewBlob(ctx, attachment));
  return { url, revoke: ctx.registry.add(() => URL.revokeObjectURL(url)) };
}
