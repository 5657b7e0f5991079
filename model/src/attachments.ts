// Attachment verification (docs/attachments.md): what the functions and storage.rules agree on about a file once
// it is stored. The functions check every upload by its bytes; storage.rules let the other side read a file only
// once the functions have marked the stored object verified, and the SDK shows a file as pending until then.
import type { Attachment, AttachmentContentType, AttachmentVerification, VerificationStatus } from "./schemas.ts";

/**
 * Custom metadata the functions set on a stored attachment once it is verified (value `verifiedMarker`). Clients
 * cannot set custom metadata at all (storage.rules refuse any on upload, and files are write-once), so its
 * presence means the platform wrote it. storage.rules read it to let the other participant download.
 */
export const verificationMetadataKey = "dealchatVerification";
export const verifiedMarker = "verified";

/**
 * File-name extensions a file of each content type may carry (lower case, without the dot). A name without any
 * extension is accepted; a name whose extension belongs to another kind of file (`invoice.pdf.exe`) is not.
 */
export const attachmentExtensions: Record<AttachmentContentType, readonly string[]> = {
  "image/jpeg": ["jpg", "jpeg", "jpe", "jfif"],
  "image/png": ["png"],
  "image/gif": ["gif"],
  "image/webp": ["webp"],
  "application/pdf": ["pdf"],
  "application/msword": ["doc", "dot"],
  "application/vnd.openxmlformats-officedocument.wordprocessingml.document": ["docx"],
  "application/vnd.ms-excel": ["xls", "xlt"],
  "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": ["xlsx"],
  "application/vnd.ms-powerpoint": ["ppt", "pps", "pot"],
  "application/vnd.openxmlformats-officedocument.presentationml.presentation": ["pptx"],
  "video/mp4": ["mp4", "m4v"],
  "video/quicktime": ["mov", "qt"],
  "video/webm": ["webm"],
};

/** What a reader calls each content type, for rejection reasons ("the file is not a PDF"). */
export const contentTypeLabels: Record<AttachmentContentType, string> = {
  "image/jpeg": "a JPEG image",
  "image/png": "a PNG image",
  "image/gif": "a GIF image",
  "image/webp": "a WebP image",
  "application/pdf": "a PDF",
  "application/msword": "a Word document",
  "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "a Word document",
  "application/vnd.ms-excel": "an Excel workbook",
  "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "an Excel workbook",
  "application/vnd.ms-powerpoint": "a PowerPoint presentation",
  "application/vnd.openxmlformats-officedocument.presentationml.presentation": "a PowerPoint presentation",
  "video/mp4": "an MP4 video",
  "video/quicktime": "a QuickTime video",
  "video/webm": "a WebM video",
};

/** The extension of a file name (lower case, without the dot), or null when it has none. */
export function fileExtension(name: string): string | null {
  const dot = name.lastIndexOf(".");
  return dot <= 0 || dot === name.length - 1 ? null : name.slice(dot + 1).toLowerCase();
}

/** An attachment's verification status as a reader should treat it: absent means the functions have not decided yet. */
export function verificationStatus(attachment: Pick<Attachment, "verification">): VerificationStatus {
  return attachment.verification?.status ?? "pending";
}

/**
 * Whether `viewerUid` may be offered the file: its uploader always (their own bytes), anyone else only once the
 * functions have verified it. storage.rules enforce the same for the other participant.
 */
export function mayDownload(attachment: Pick<Attachment, "verification">, senderId: string, viewerUid: string | null | undefined): boolean {
  const status = verificationStatus(attachment);
  if (status === "rejected") return false;
  return status === "verified" || (viewerUid != null && viewerUid === senderId);
}

/** The verified fields an app shows next to an attachment (dimensions, pages, duration), when known. */
export type AttachmentDetails = Omit<AttachmentVerification, "status" | "reason" | "checkedAt">;
