// Sending, editing and deleting messages. Ids are generated on the client so that a send can be retried or
// queued offline without ever creating a second message: the server accepts the first write of an id and
// refuses any later one (a rewrite of an existing message is an update, which the rules only allow as an edit).
import { Id, MessageText, hasContent, limits, newMessage, paths, textEdit, tombstone, type Attachment } from "@dealchat/model";
import {
  collection,
  doc,
  getDocFromServer,
  serverTimestamp,
  setDoc,
  updateDoc,
  type DocumentReference,
  type DocumentSnapshot,
  type Timestamp,
} from "firebase/firestore";
import * as z from "zod/mini";
import { uploadAttachments, validateAttachment, type AttachmentInput, type UploadProgress } from "./attachments.ts";
import type { ClientContext } from "./context.ts";
import { DealChatError, parseInput, toDealChatError } from "./errors.ts";

export const SendInput = z.strictObject({
  dealId: z.string().check(z.minLength(1)),
  text: z.optional(MessageText),
  /** Reuse the id of an earlier attempt to retry it; omit for a new message. */
  messageId: z.optional(Id),
});
export type SendInput = z.input<typeof SendInput> & { files?: AttachmentInput[] };

export type SendOutcome = "sent" | "already-sent";

export interface SendHandle {
  /**
   * The message's id, known before anything reaches the server (use it to retry). It changes once the
   * server has refused the id because someone else's message already holds it (id squatting): the send then
   * goes on under a fresh id, files uploaded again under it, and this (and `ref`) report the final id.
   */
  readonly messageId: string;
  readonly ref: DocumentReference;
  /**
   * Resolves once the server has the message ("already-sent" when an earlier attempt with this id had
   * stored it); rejects with a DealChatError. While offline it stays pending and resolves after reconnecting.
   */
  done: Promise<SendOutcome>;
  /** Cancels attachment uploads that are still running (the message is then not sent). */
  cancel(): void;
}

/** Fresh ids tried after the first when the id is found taken by another user's message. */
export const SQUATTED_ID_RETRIES = 2;

export interface SendOptions {
  onProgress?: (progress: UploadProgress) => void;
}

/** A fresh client-generated message id. */
export function newMessageId(ctx: ClientContext, dealId: string): string {
  return doc(collection(ctx.db, paths.messages(dealId))).id;
}

export function sendMessage(ctx: ClientContext, input: SendInput, options: SendOptions = {}): SendHandle {
  const { files = [], ...fields } = input;
  const parsed = parseInput(SendInput, fields, "send");
  const text = parsed.text?.length ? parsed.text : null;
  // The same notion of blank as the rules: white space and invisible characters alone are not a message.
  if (!hasContent(text, files.length))
    throw new DealChatError("invalid-argument", "send: a message needs visible text or at least one attachment", "empty-message");
  if (files.length > limits.attachmentsPerMessage)
    throw new DealChatError("invalid-argument", `send: at most ${limits.attachmentsPerMessage} attachments per message`, "too-many-attachments");
  // Checked here, synchronously, so that a bad file is refused before any read or write.
  const names = files.map((f) => validateAttachment(f).name);
  if (new Set(names).size !== names.length) throw new DealChatError("invalid-argument", "send: attachments of one message need distinct names");
  const uid = ctx.uid;
  let messageId = parsed.messageId ?? newMessageId(ctx, parsed.dealId);
  let ref = doc(ctx.db, paths.message(parsed.dealId, messageId));
  let cancelUploads: () => void = () => {};
  let cancelled = false;

  const done = (async (): Promise<SendOutcome> => {
    let membership = await ctx.membership(parsed.dealId);
    // What this client knew may be stale (a deal reopened by the platform): the server has the last word.
    if (membership.closed) membership = await ctx.membership(parsed.dealId, { fresh: true }).catch(() => membership);
    if (membership.closed) throw dealClosed(parsed.dealId, membership.status);
    for (let attempt = 0; ; attempt++) {
      let attachments: Attachment[] = [];
      if (files.length > 0) {
        const uploads = uploadAttachments(ctx, {
          dealId: parsed.dealId,
          senderId: uid,
          messageId,
          files,
          ...(options.onProgress ? { onProgress: options.onProgress } : {}),
        });
        cancelUploads = uploads.cancel;
        if (cancelled) uploads.cancel();
        attachments = await uploads.done;
      }
      if (cancelled) throw new DealChatError("cancelled", "send: cancelled before the message was written", "upload-cancelled");
      const message = newMessage({ senderId: uid, senderSide: membership.side, text, attachments }, serverTimestamp());
      ctx.countWrites();
      try {
        await setDoc(ref, message);
        return "sent";
      } catch (e) {
        const outcome = await explainRefusedSend(ctx, parsed.dealId, ref, e);
        if (outcome !== "id-taken") return outcome;
        if (attempt >= SQUATTED_ID_RETRIES) {
          throw new DealChatError("already-exists", `send: message ids ${messageId} and earlier were taken by another user's messages`, "message-id-taken", {
            cause: e,
          });
        }
        // Someone else created a message under our id before we did. Nothing of ours is stored under it
        // (the files in our folder are orphans the platform sweeps), so the send goes on under a fresh id.
        messageId = newMessageId(ctx, parsed.dealId);
        ref = doc(ctx.db, paths.message(parsed.dealId, messageId));
      }
    }
  })();
  // Apps that only watch the live view may never await `done`; an unobserved rejection must not crash them.
  done.catch(() => {});

  return {
    get messageId() {
      return messageId;
    },
    get ref() {
      return ref;
    },
    done,
    cancel: () => {
      cancelled = true;
      cancelUploads();
    },
  };
}

function dealClosed(dealId: string, status: string): DealChatError {
  return new DealChatError("failed-precondition", `deal ${dealId} is ${status}: its conversation is read-only`, "deal-closed");
}

/**
 * The rules answer every refusal with PERMISSION_DENIED; this finds out which one it was: the same id already
 * stored by this user (a retry: success, not a duplicate), the id taken by someone else's message (the caller
 * sends under a fresh id), a closed deal, or a plain denial.
 */
async function explainRefusedSend(ctx: ClientContext, dealId: string, ref: DocumentReference, error: unknown): Promise<SendOutcome | "id-taken"> {
  const refused = toDealChatError(error, "send");
  if (refused.code !== "permission-denied") throw refused;
  const existing = await readFromServer(ctx, ref);
  if (existing) ctx.countReads(1);
  if (existing?.exists() && existing.get("senderId") === ctx.uid) return "already-sent";
  const membership = await ctx.membership(dealId, { fresh: true }).catch(() => undefined);
  if (membership?.closed) throw dealClosed(dealId, membership.status);
  if (existing?.exists()) return "id-taken";
  throw refused;
}

/**
 * The stored document, read from the server; undefined when the server cannot be reached. A refusal often comes
 * right after the connection was re-established (the first attempt committed but its acknowledgement was lost, so
 * the SDK wrote again): the read is tried a few times before the refusal is left unexplained.
 */
async function readFromServer(ctx: ClientContext, ref: DocumentReference): Promise<DocumentSnapshot | undefined> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await getDocFromServer(ref);
    } catch (e) {
      if (attempt >= EXPLAIN_READ_ATTEMPTS - 1 || toDealChatError(e, "send").code === "permission-denied") return undefined;
      await new Promise<void>((resolve) => ctx.setTimeoutTracked(resolve, 250 * 2 ** attempt));
    }
  }
}
const EXPLAIN_READ_ATTEMPTS = 4;

export const EditInput = z.strictObject({
  dealId: z.string().check(z.minLength(1)),
  messageId: z.string().check(z.minLength(1)),
  text: MessageText.check(z.refine((text) => hasContent(text, 0), "the text must not be blank")),
});
export type EditInput = z.input<typeof EditInput>;
export const DeleteInput = z.strictObject({ dealId: z.string().check(z.minLength(1)), messageId: z.string().check(z.minLength(1)) });
export type DeleteInput = z.input<typeof DeleteInput>;

/** Milliseconds left to edit or delete a message created at `createdAt` (0 when the window has closed). */
export function remainingEditMs(createdAt: Timestamp | Date | number | null, now: number = Date.now()): number {
  if (createdAt === null) return limits.editWindowMs; // pending: the window starts when the server stores it
  const created = typeof createdAt === "number" ? createdAt : createdAt instanceof Date ? createdAt.getTime() : createdAt.toMillis();
  return Math.max(0, created + limits.editWindowMs - now);
}

export async function editMessage(ctx: ClientContext, input: EditInput): Promise<void> {
  const { dealId, messageId, text } = parseInput(EditInput, input, "edit");
  await changeOwnMessage(ctx, dealId, messageId, "edit", textEdit(text, serverTimestamp()));
}

/** Tombstones a message: it keeps its place in the conversation but loses its text and attachments. */
export async function deleteMessage(ctx: ClientContext, input: DeleteInput): Promise<void> {
  const { dealId, messageId } = parseInput(DeleteInput, input, "delete");
  await changeOwnMessage(ctx, dealId, messageId, "delete", tombstone(serverTimestamp()));
}

async function changeOwnMessage(ctx: ClientContext, dealId: string, messageId: string, action: "edit" | "delete", change: Record<string, unknown>) {
  const uid = ctx.uid;
  const ref = doc(ctx.db, paths.message(dealId, messageId));
  let snap: DocumentSnapshot;
  try {
    snap = await getDocFromServer(ref);
  } catch (e) {
    throw toDealChatError(e, `${action} message ${messageId}`);
  }
  ctx.countReads(1);
  if (!snap.exists()) throw new DealChatError("not-found", `${action}: message ${messageId} does not exist in deal ${dealId}`);
  if (snap.get("senderId") !== uid) throw new DealChatError("permission-denied", `${action}: only the author can ${action} a message`, "not-author");
  if (snap.get("deleted") === true) throw new DealChatError("failed-precondition", `${action}: message ${messageId} was deleted`, "message-deleted");
  const membership = await ctx.membership(dealId);
  if (membership.closed) throw dealClosed(dealId, membership.status);
  const createdAt = snap.get("createdAt") as Timestamp | null;
  if (remainingEditMs(createdAt, ctx.now()) <= 0) throw windowClosed(action, messageId);
  // The rules accept one edit per limits.editMinIntervalMs (from the stored editedAt): wait out the rest of it.
  const editedAt = snap.get("editedAt") as Timestamp | null;
  const tooSoonBy = action === "edit" && editedAt ? editedAt.toMillis() + limits.editMinIntervalMs - ctx.now() : 0;
  if (tooSoonBy > 0) await ctx.wait(tooSoonBy + PACING_MARGIN_MS, `${action}: message ${messageId}`);
  ctx.countWrites();
  try {
    await updateDoc(ref, change);
  } catch (e) {
    const refused = toDealChatError(e, `${action} message ${messageId}`);
    if (refused.code !== "permission-denied") throw refused;
    // Our clock said the window was open; the server's says otherwise (or the deal closed meanwhile).
    const fresh = await ctx.membership(dealId, { fresh: true }).catch(() => undefined);
    if (fresh?.closed) throw dealClosed(dealId, fresh.status);
    // Author, not deleted, deal open: what is left is the server's clock on the edit window or on the pacing.
    if (action === "edit" && editedAt && ctx.now() - editedAt.toMillis() < limits.editMinIntervalMs + CLOCK_SKEW_MS)
      throw new DealChatError(
        "resource-exhausted",
        `edit: message ${messageId} was edited less than ${limits.editMinIntervalMs / 1000} s ago`,
        "too-frequent",
        { cause: e },
      );
    if (createdAt) throw windowClosed(action, messageId, e);
    throw refused;
  }
}

/** Waiting this much past a pacing interval measured on our clock absorbs the latency between two server stamps. */
export const PACING_MARGIN_MS = 300;
/** How far the device clock may be off the server's before a refusal is no longer blamed on pacing. */
const CLOCK_SKEW_MS = 5_000;

function windowClosed(action: string, messageId: string, cause?: unknown): DealChatError {
  return new DealChatError(
    "failed-precondition",
    `${action}: the ${limits.editWindowMs / 60_000}-minute window to ${action} message ${messageId} has closed`,
    "edit-window-closed",
    { cause },
  );
}
