// Attachment files: checked against the model's limits (the same ones storage.rules enforces) before a byte
// is sent, uploaded resumably with progress and cancel, and read back through rules-guarded Storage calls only.
// There are no download URLs: a getDownloadURL link carries a token that bypasses storage.rules (it works
// without sign-in and after the user has left the deal), so the SDK downloads the bytes with the user's
// credentials and, for display, wraps them in a local object URL that the app revokes.
import { AttachmentContentType, FileName, maxBytesFor, storagePaths, type Attachment } from "@dealchat/model";
import { getBytes, ref as storageRef, uploadBytesResumable, type UploadTask } from "firebase/storage";
import type * as z from "zod/mini";
import type { ClientContext } from "./context.ts";
import { DealChatError, parseInput, toDealChatError } from "./errors.ts";
import { assertDownloadable } from "./attachment-verification.ts";

export interface AttachmentInput {
  name: string;
  contentType: string;
  /** The file's bytes: a Blob/File in browsers, a Uint8Array anywhere. */
  data: Blob | Uint8Array | ArrayBuffer;
}

export interface UploadProgress {
  /** Bytes stored so far over all files of the message. */
  bytesTransferred: number;
  totalBytes: number;
  /** 0..1 */
  fraction: number;
  /** Per file, in input order. */
  files: Array<{ name: string; contentType: string; bytesTransferred: number; totalBytes: number }>;
}

/** Progress of files checked by validateAttachment, `transferred[i]` bytes of file i stored so far. */
export function uploadProgress(checked: Array<{ name: string; contentType: string; size: number }>, transferred: number[]): UploadProgress {
  const totalBytes = checked.reduce((sum, c) => sum + c.size, 0);
  const bytesTransferred = transferred.reduce((a, b) => a + b, 0);
  return {
    bytesTransferred,
    totalBytes,
    fraction: totalBytes === 0 ? 1 : bytesTransferred / totalBytes,
    files: checked.map((c, i) => ({ name: c.name, contentType: c.contentType, bytesTransferred: transferred[i] ?? 0, totalBytes: c.size })),
  };
}

export const byteLength = (data: AttachmentInput["data"]) =>
  data instanceof Uint8Array ? data.byteLength : data instanceof ArrayBuffer ? data.byteLength : data.size;

/** Checks a file against the model's limits; throws invalid-argument naming what is wrong. */
export function validateAttachment(file: AttachmentInput): { name: string; contentType: z.infer<typeof AttachmentContentType>; size: number } {
  const name = parseInput(FileName, file.name, "attachment name");
  const type = AttachmentContentType.safeParse(file.contentType);
  if (!type.success)
    throw new DealChatError("invalid-argument", `attachment ${name}: content type ${file.contentType} is not allowed`, "file-type-not-allowed");
  const size = byteLength(file.data);
  if (size <= 0) throw new DealChatError("invalid-argument", `attachment ${name} is empty`);
  const max = maxBytesFor(type.data);
  if (size > max) throw new DealChatError("invalid-argument", `attachment ${name} is ${size} bytes; the limit is ${max}`, "file-too-large");
  return { name, contentType: type.data, size };
}

export interface UploadBatch {
  done: Promise<Attachment[]>;
  cancel(): void;
}

/** Uploads every file of one message (all validated first); resolves with the attachment references. */
export function uploadAttachments(
  ctx: ClientContext,
  args: { dealId: string; senderId: string; messageId: string; files: AttachmentInput[]; onProgress?: (p: UploadProgress) => void },
): UploadBatch {
  const checked = args.files.map(validateAttachment);
  const names = new Set(checked.map((c) => c.name));
  if (names.size !== checked.length) throw new DealChatError("invalid-argument", "attachments of one message need distinct names");
  const storage = ctx.storage;
  const transferred = checked.map(() => 0);
  const tasks: UploadTask[] = [];
  const report = () => args.onProgress?.(uploadProgress(checked, transferred));

  const done = Promise.all(
    checked.map(async (c, i): Promise<Attachment> => {
      const path = storagePaths.attachment(args.dealId, args.senderId, args.messageId, c.name);
      const file = args.files[i]!;
      const data = file.data instanceof ArrayBuffer ? new Uint8Array(file.data) : file.data;
      const task = uploadBytesResumable(storageRef(storage, path), data, { contentType: c.contentType });
      tasks.push(task);
      const stop = ctx.registry.add(() => task.cancel());
      try {
        await new Promise<void>((resolve, reject) => {
          task.on(
            "state_changed",
            (s) => {
              transferred[i] = s.bytesTransferred;
              report();
            },
            reject,
            resolve,
          );
        });
      } catch (e) {
        for (const other of tasks) other.cancel();
        throw toDealChatError(e, `uploading ${c.name}`);
      } finally {
        stop();
      }
      ctx.countWrites();
      return { name: c.name, size: c.size, contentType: c.contentType, storagePath: path };
    }),
  );
  done.catch(() => {});
  return {
    done,
    cancel: () => {
      for (const t of tasks) t.cancel();
    },
  };
}

/**
 * The file's bytes through storage.rules. Refused before any request while the file is pending (for the other side)
 * or rejected (failed-precondition, reason attachment-pending / attachment-rejected). A verified image is the
 * functions' re-encoded copy, whose size is `verification.size`.
 */
export async function attachmentBytes(ctx: ClientContext, attachment: Pick<Attachment, "storagePath" | "size" | "verification">): Promise<ArrayBuffer> {
  assertDownloadable(ctx, attachment);
  try {
    return await getBytes(storageRef(ctx.storage, attachment.storagePath), Math.max(attachment.size, attachment.verification?.size ?? 0));
  } catch (e) {
    throw toDealChatError(e, `downloading ${attachment.storagePath}`);
  }
}

/** The file as a Blob of its content type, downloaded through storage.rules (browsers and Node alike). */
export async function attachmentBlob(
  ctx: ClientContext,
  attachment: Pick<Attachment, "storagePath" | "size" | "verification"> & { contentType: string },
): Promise<Blob> {
  return new Blob([await attachmentBytes(ctx, attachment)], { type: attachment.contentType });
}

export interface AttachmentObjectUrl {
  /** A `blob:` URL of this page (an <img src>, a link's href); nobody else can open it. */
  url: string;
  /** Releases the bytes. Also done by `chat.dispose()`; calling it twice is harmless. */
  revoke(): void;
}

/**
 * A local object URL for showing or saving the file, in place of a download link: the bytes come through
 * storage.rules with the user's credentials, the URL lives only in this page, and `revoke()` frees it.
 */
export async function attachmentObjectUrl(
  ctx: ClientContext,
  attachment: Pick<Attachment, "storagePath" | "size" | "verification"> & { contentType: string },
): Promise<AttachmentObjectUrl> {
  const blob = await attachmentBlob(ctx, attachment);
  const url = URL.createObjectURL(blob);
  // Counted in stats().activeSubscriptions until revoked, so a leaked URL shows.
  return { url, revoke: ctx.registry.add(() => URL.revokeObjectURL(url)) };
}
