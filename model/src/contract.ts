// The write contract: every document shape a client or the platform writes, who owns which field, and the
// model's own verdict on a client write. firestore.rules enforce the same verdicts (their constants are
// generated from this file, see rules-constants.ts); test/contract/ compiles the rules with our rules engine and
// checks, case by case, that the rules and `clientWriteVerdict` agree. The SDK, the functions and the test
// fixtures build their documents with the builders below, so a field name lives here and nowhere else.
import * as z from "zod/mini";
import {
  Attachment,
  AttachmentContentType,
  closedStatuses,
  codePointClass,
  type Deal,
  type DealStatus,
  type ResponseTimeStats,
  type UserDealResponses,
  UserResponseStats,
  dealStatuses,
  FileName,
  Id,
  limits,
  maxBytesFor,
  type ConversationState,
  type Side,
  type TimestampLike,
  timestamp,
} from "./schemas.ts";
import { responseWindows } from "./response-times.ts";
import { verificationMetadataKey, verifiedMarker } from "./attachments.ts";
import { searchTokens } from "./search.ts";

// ---- membership: the one definition ------------------------------------------------------------------

/**
 * A user's side in a deal: `brandId` and `influencerId` decide, and nothing else does (`participants` is a
 * derived copy for the platform's array-contains queries). Every rule, the Storage rules included, uses this.
 */
export function sideOf(deal: Pick<Deal, "brandId" | "influencerId">, uid: string | null | undefined): Side | null {
  if (!uid) return null;
  if (uid === deal.brandId) return "brand";
  if (uid === deal.influencerId) return "influencer";
  return null;
}

/** Statuses whose conversation accepts new messages, edits and typing; every other status is read-only. */
export const writableStatuses: readonly DealStatus[] = dealStatuses.filter((s) => !closedStatuses.includes(s));
export const isWritableStatus = (status: unknown): boolean => typeof status === "string" && (writableStatuses as readonly string[]).includes(status);

// ---- blank text -------------------------------------------------------------------------------------

/**
 * Characters that do not make a message: Unicode White_Space (tabs, line breaks, every space separator, NEL)
 * plus the invisible format characters people paste to get round a blank check (zero-width space, non-joiner,
 * joiner, word joiner, byte-order mark, Mongolian vowel separator). Single code points or inclusive ranges.
 */
export const blankCodePoints: ReadonlyArray<number | readonly [number, number]> = [
  [0x09, 0x0d],
  0x20,
  0x85,
  0xa0,
  0x1680,
  0x180e,
  [0x2000, 0x200d],
  0x2028,
  0x2029,
  0x202f,
  0x205f,
  0x2060,
  0x3000,
  0xfeff,
];

/** The blank class in RE2 syntax, as the rules' `matches()` reads it. */
export const blankClassRe2 = codePointClass(blankCodePoints, "re2");
const blankText = new RegExp(`^${codePointClass(blankCodePoints, "js")}*$`, "u");

/** True when `text` has nothing a reader would see: empty, or only blank characters. */
export const isBlank = (text: string): boolean => blankText.test(text);

/** A message needs visible text or at least one attachment. */
export const hasContent = (text: string | null | undefined, attachmentCount: number): boolean =>
  (typeof text === "string" && !isBlank(text)) || attachmentCount > 0;

/** Text length as Firestore's rules count it (`string.size()`): UTF-16 code units, like JavaScript's `length`. */
export const textLength = (text: string): number => text.length;

// ---- field ownership --------------------------------------------------------------------------------

/** Who writes each field of each document. "client" fields are the only ones a client write may carry. */
export const fieldOwnership = {
  message: {
    client: ["senderId", "senderSide", "text", "attachments", "hasAttachments", "createdAt", "editedAt", "deleted", "deletedAt", "searchTokens"],
    platform: ["statusChange"],
  },
  conversation: {
    client: ["readWatermark"],
    platform: [
      "dealId",
      "brandId",
      "influencerId",
      "participants",
      "status",
      "statusChangedAt",
      "lastMessage",
      "lastActivityAt",
      "unread",
      "hasUnread",
      "readAt",
      "responseTime",
      "responseClock",
    ],
  },
  typing: { client: ["side", "updatedAt", "expiresAt"], platform: [] },
  presence: { client: ["connections", "lastSeen"], platform: [] },
  presenceConnection: { client: ["lastSeen", "expiresAt"], platform: [] },
  attachment: { client: ["name", "size", "contentType", "storagePath"], platform: ["verification"] },
  deal: { client: [], platform: ["brandId", "influencerId", "participants", "status", "title", "createdAt", "updatedAt"] },
  responseStats: { client: [], platform: Object.keys(UserResponseStats.shape) },
} as const satisfies Record<string, { client: readonly string[]; platform: readonly string[] }>;

export const messageClientFields = fieldOwnership.message.client;

// ---- builders -----------------------------------------------------------------------------------------
// Generic over the time value `T`: clients pass the SDK's serverTimestamp() sentinel (the rules require
// request.time), the platform and tests pass a Timestamp.

export interface NewMessageInput {
  senderId: string;
  senderSide: Side;
  text: string | null;
  attachments: Attachment[];
}

/**
 * A new participant message, exactly the fields the rules accept on create. The search tokens are computed here,
 * by the shared tokenizer, and written with the message: no function writes them back (one delivery per message).
 */
export function newMessage<T>(input: NewMessageInput, now: T) {
  return {
    senderId: input.senderId,
    senderSide: input.senderSide,
    text: input.text,
    attachments: input.attachments,
    hasAttachments: input.attachments.length > 0,
    createdAt: now,
    editedAt: null,
    deleted: false,
    deletedAt: null,
    searchTokens: searchTokens(input.text),
  };
}

/**
 * The platform's message (deal status changes): sender "system", never edited. A status change carries the status
 * before and after, which is what pauses and resumes the response-time clock (docs/response-times.md).
 */
export function systemMessage<T>(text: string, createdAt: T, statusChange?: { from: DealStatus; to: DealStatus }) {
  return {
    ...newMessage({ senderId: "system", senderSide: "system" as Side, text, attachments: [] }, createdAt),
    senderSide: "system" as const,
    ...(statusChange ? { statusChange } : {}),
  };
}

/** The update that edits a message's text, with the new text's search tokens. */
export const textEdit = <T>(text: string, now: T) => ({ text, editedAt: now, searchTokens: searchTokens(text) });

/** The update that tombstones a message: it keeps its place, loses text, attachments and search tokens, and is final. */
export const tombstone = <T>(now: T) => ({
  deleted: true,
  deletedAt: now,
  text: null,
  attachments: [] as Attachment[],
  hasAttachments: false,
  searchTokens: [] as string[],
});

/** The field path of a side's read watermark, for `update()` calls. */
export const watermarkField = (side: Side) => `readWatermark.${side}` as const;

/** The update that marks a conversation read by `side` up to `now` (the rules require request.time). */
export const watermarkMove = <T>(side: Side, now: T) => ({ [watermarkField(side)]: now }) as Record<`readWatermark.${Side}`, T>;

/** A typing indicator that is on until `expiresAt`. */
export const typingOn = <T, E>(side: Side, now: T, expiresAt: E) => ({ side, updatedAt: now, expiresAt });

/** A typing indicator switched off: it expires the moment it is written. */
export const typingOff = <T>(side: Side, now: T) => ({ side, updatedAt: now, expiresAt: now });

/** One connection's entry in presence/{uid}.connections. */
export const presenceEntry = <T, E>(now: T, expiresAt: E) => ({ lastSeen: now, expiresAt });

/** The field path of one connection, for `update()` calls. */
export const presenceConnectionField = (connectionId: string) => `connections.${connectionId}` as const;

/** A whole presence document holding the given connections. */
export const presenceDoc = <T, C>(now: T, connections: Record<string, C>) => ({ connections, lastSeen: now });

export const noResponseTimes = (): ResponseTimeStats => ({
  count: 0,
  totalMs: 0,
  averageMs: null,
  medianMs: null,
  p90Ms: null,
  waitingSince: null,
  unansweredTurns: 0,
});

/** responseStats/{uid}: a user's part of each deal, and the windows evaluated at `computedAt`. */
export function userResponseStats<T extends TimestampLike>(uid: string, deals: Record<string, UserDealResponses>, computedAt: T) {
  return { uid, deals, windows: responseWindows(deals, computedAt.toMillis()), computedAt };
}

/** conversations/{dealId} as the platform first writes it: a mirror of the deal, nothing read, no message. */
export function initialConversation(
  dealId: string,
  deal: Pick<Deal, "brandId" | "influencerId" | "status" | "createdAt">,
  statusChangedAt: TimestampLike,
): ConversationState {
  return {
    dealId,
    brandId: deal.brandId,
    influencerId: deal.influencerId,
    // Derived from the two fields that decide membership (sideOf), never copied from the deal's own list.
    participants: [deal.brandId, deal.influencerId],
    status: deal.status,
    statusChangedAt,
    lastMessage: null,
    lastActivityAt: deal.createdAt,
    unread: { brand: 0, influencer: 0 },
    hasUnread: { brand: false, influencer: false },
    readWatermark: { brand: null, influencer: null },
    readAt: { brand: null, influencer: null },
    responseTime: { brand: noResponseTimes(), influencer: noResponseTimes() },
  };
}

// ---- the model's verdict on a client write ------------------------------------------------------------

/** What a client write is checked against: who writes, when (request.time), and the stored documents. */
export interface WriteContext {
  uid: string | null;
  /** request.time in milliseconds. */
  nowMs: number;
  /** The deal as stored, or null when it does not exist. */
  deal: Pick<Deal, "brandId" | "influencerId" | "status"> | null;
}

/** A timestamp as milliseconds, or NaN when `v` is not one. */
const ms = (v: unknown): number => (timestamp.safeParse(v).success ? (v as TimestampLike).toMillis() : Number.NaN);
const isTimestampAt = (v: unknown, at: number) => ms(v) === at;
const exactKeys = (doc: Record<string, unknown>, keys: readonly string[]) => {
  const own = Object.keys(doc);
  return own.length === keys.length && keys.every((k) => own.includes(k));
};
const changedKeys = (before: Record<string, unknown>, after: Record<string, unknown>) => {
  const keys = new Set([...Object.keys(before), ...Object.keys(after)]);
  return [...keys].filter((k) => !(k in before) || !(k in after) || !sameValue(before[k], after[k]));
};
function sameValue(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  const ta = ms(a);
  if (!Number.isNaN(ta)) return ta === ms(b);
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => sameValue(x, b[i]));
  if (a && b && typeof a === "object" && typeof b === "object") {
    const ra = a as Record<string, unknown>;
    const rb = b as Record<string, unknown>;
    return exactKeys(rb, Object.keys(ra)) && Object.keys(ra).every((k) => sameValue(ra[k], rb[k]));
  }
  return false;
}

/** An attachment a participant may reference: the model's Attachment, stored in their own folder of this message. */
const { verification: _platformOwned, ...clientAttachmentShape } = Attachment.shape;
const AttachmentEntry = z.strictObject(clientAttachmentShape);
const validAttachments = (list: unknown, folder: string) =>
  Array.isArray(list) &&
  list.length <= limits.attachmentsPerMessage &&
  list.every(
    (a) =>
      AttachmentEntry.safeParse(a).success &&
      (a as Attachment).size <= maxBytesFor((a as Attachment).contentType) &&
      (a as Attachment).storagePath === folder + (a as Attachment).name,
  );
const validText = (text: unknown) => text === null || (typeof text === "string" && textLength(text) <= limits.textMaxLength);
/**
 * Client-written search tokens, as far as rules can check them: a list of at most limits.searchTokensPerMessage
 * entries (rules have no loops to check each token). Wrong tokens only change which searches find the writer's own
 * message, and the message trigger repairs them (docs/security.md).
 */
const validTokens = (tokens: unknown) => Array.isArray(tokens) && tokens.length <= limits.searchTokensPerMessage;

/** A refusal reason, or null when the write is allowed. */
export type Verdict = string | null;

export function newMessageVerdict(ctx: WriteContext, dealId: string, messageId: string, m: Record<string, unknown>): Verdict {
  if (!ctx.uid) return "not signed in";
  if (!Id.safeParse(messageId).success) return "message id outside the id alphabet";
  if (!ctx.deal) return "no such deal";
  const side = sideOf(ctx.deal, ctx.uid);
  if (!side) return "not a participant";
  if (!isWritableStatus(ctx.deal.status)) return "deal is read-only";
  if (!exactKeys(m, messageClientFields)) return "fields other than a new message's";
  if (m.senderId !== ctx.uid) return "spoofed sender";
  if (m.senderSide !== side) return "wrong side";
  if (!isTimestampAt(m.createdAt, ctx.nowMs)) return "createdAt is not the server time";
  if (m.editedAt !== null || m.deletedAt !== null || m.deleted !== false) return "not a live, unedited message";
  if (!validText(m.text)) return "text too long or not a string";
  if (!Array.isArray(m.attachments) || m.attachments.length > limits.attachmentsPerMessage) return "too many attachments";
  if (m.hasAttachments !== m.attachments.length > 0) return "hasAttachments disagrees";
  if (!hasContent(m.text as string | null, m.attachments.length)) return "blank message";
  if (!validAttachments(m.attachments, `deals/${dealId}/attachments/${ctx.uid}/${messageId}/`)) return "invalid attachment";
  if (!validTokens(m.searchTokens)) return "search tokens not a bounded list";
  return null;
}

/** The author may still change a stored message: their own, live, on their current side of a writable deal, within the edit window. */
function authorMayChange(ctx: WriteContext, stored: Record<string, unknown>): Verdict {
  if (!ctx.uid) return "not signed in";
  if (!ctx.deal) return "no such deal";
  if (stored.senderId !== ctx.uid) return "not the author";
  if (stored.senderSide !== sideOf(ctx.deal, ctx.uid)) return "no longer on that side";
  if (!isWritableStatus(ctx.deal.status)) return "deal is read-only";
  if (stored.deleted !== false) return "message was deleted";
  if (!(ctx.nowMs < ms(stored.createdAt) + limits.editWindowMs)) return "edit window closed";
  return null;
}

export function messageUpdateVerdict(ctx: WriteContext, stored: Record<string, unknown>, next: Record<string, unknown>): Verdict {
  const author = authorMayChange(ctx, stored);
  if (author) return author;
  const changed = changedKeys(stored, next);
  const isEdit = changed.every((k) => k === "text" || k === "editedAt" || k === "searchTokens");
  if (isEdit) {
    if (!isTimestampAt(next.editedAt, ctx.nowMs)) return "editedAt is not the server time";
    if (!validText(next.text)) return "text too long or not a string";
    if (!validTokens(next.searchTokens)) return "search tokens not a bounded list";
    if (!hasContent(next.text as string | null, Array.isArray(next.attachments) ? next.attachments.length : 0)) return "blank message";
    const lastEdit = ms(stored.editedAt);
    if (!Number.isNaN(lastEdit) && ctx.nowMs < lastEdit + limits.editMinIntervalMs) return "edited too often";
    return null;
  }
  const isTombstone = changed.every((k) => ["deleted", "deletedAt", "text", "attachments", "hasAttachments", "searchTokens"].includes(k));
  if (!isTombstone) return "changes fields an edit or a tombstone does not";
  if (next.deleted !== true || !isTimestampAt(next.deletedAt, ctx.nowMs) || next.text !== null) return "not a tombstone";
  if (!Array.isArray(next.attachments) || next.attachments.length !== 0 || next.hasAttachments !== false) return "not a tombstone";
  if (!Array.isArray(next.searchTokens) || next.searchTokens.length !== 0) return "a tombstone keeps search tokens";
  return null;
}

export function watermarkVerdict(ctx: WriteContext, stored: Record<string, unknown>, next: Record<string, unknown>): Verdict {
  if (!ctx.uid) return "not signed in";
  if (!ctx.deal) return "no such deal";
  const side = sideOf(ctx.deal, ctx.uid);
  if (!side) return "not a participant of the deal";
  const changed = changedKeys(stored, next);
  if (!changed.every((k) => k === "readWatermark")) return "changes fields other than readWatermark";
  const before = (stored.readWatermark ?? {}) as Record<string, unknown>;
  const after = (next.readWatermark ?? {}) as Record<string, unknown>;
  if (typeof next.readWatermark !== "object" || next.readWatermark === null) return "readWatermark is not a map";
  if (!changedKeys(before, after).every((k) => k === side)) return "moves the other side's watermark";
  if (!isTimestampAt(after[side], ctx.nowMs)) return "watermark is not the server time";
  const previous = ms(before[side]);
  if (!Number.isNaN(previous) && ctx.nowMs < previous + limits.watermarkMinIntervalMs) return "moved too often";
  return null;
}

/** `stored` is the typing document before the write, or null on a create. */
export function typingVerdict(ctx: WriteContext, typistUid: string, stored: Record<string, unknown> | null, t: Record<string, unknown>): Verdict {
  if (!ctx.uid || ctx.uid !== typistUid) return "not the typist";
  if (!ctx.deal) return "no such deal";
  const side = sideOf(ctx.deal, ctx.uid);
  if (!side) return "not a participant";
  if (!isWritableStatus(ctx.deal.status)) return "deal is read-only";
  if (!exactKeys(t, fieldOwnership.typing.client)) return "fields other than a typing indicator's";
  if (t.side !== side) return "wrong side";
  if (!isTimestampAt(t.updatedAt, ctx.nowMs)) return "updatedAt is not the server time";
  const expires = ms(t.expiresAt);
  const switchingOff = expires === ctx.nowMs;
  if (!switchingOff && !(expires > ctx.nowMs && expires <= ctx.nowMs + limits.typingMaxTtlMs)) return "expiry out of bounds";
  if (stored) {
    const wasOn = ms(stored.expiresAt) > ctx.nowMs;
    const last = ms(stored.updatedAt);
    // Switching an indicator that is on off is always allowed; anything else waits for the interval.
    if (!(switchingOff && wasOn) && !Number.isNaN(last) && ctx.nowMs < last + limits.typingMinIntervalMs) return "written too often";
  }
  return null;
}

/** `stored` is the presence document before the write, or null on a create. */
export function presenceVerdict(ctx: WriteContext, ownerUid: string, stored: Record<string, unknown> | null, p: Record<string, unknown>): Verdict {
  if (!ctx.uid || ctx.uid !== ownerUid) return "not the owner";
  if (!exactKeys(p, fieldOwnership.presence.client)) return "fields other than presence's";
  if (!isTimestampAt(p.lastSeen, ctx.nowMs)) return "lastSeen is not the server time";
  const connections = p.connections;
  if (!connections || typeof connections !== "object" || Array.isArray(connections) || timestamp.safeParse(connections).success)
    return "connections is not a map";
  const entries = Object.entries(connections as Record<string, unknown>);
  if (entries.length > limits.presenceMaxConnections) return "too many connections";
  for (const [id, c] of entries) {
    if (!Id.safeParse(id).success) return "connection id outside the id alphabet";
    if (!c || typeof c !== "object" || !exactKeys(c as Record<string, unknown>, fieldOwnership.presenceConnection.client)) return "malformed connection";
    const { lastSeen, expiresAt } = c as Record<string, unknown>;
    const seen = ms(lastSeen);
    const expires = ms(expiresAt);
    if (Number.isNaN(seen) || Number.isNaN(expires)) return "connection times are not timestamps";
    if (!(seen <= ctx.nowMs && expires > seen && expires <= ctx.nowMs + limits.presenceMaxTtlMs)) return "connection times out of bounds";
  }
  if (stored) {
    const last = ms(stored.lastSeen);
    if (!Number.isNaN(last) && ctx.nowMs < last + limits.presenceMinIntervalMs) return "written too often";
  }
  return null;
}

/** deals/{dealId} as the platform writes it; `participants` is always derived from the two sides. */
export function newDeal<T>(input: { brandId: string; influencerId: string; status: DealStatus; title?: string }, now: T) {
  return {
    brandId: input.brandId,
    influencerId: input.influencerId,
    participants: [input.brandId, input.influencerId],
    status: input.status,
    ...(input.title === undefined ? {} : { title: input.title }),
    createdAt: now,
    updatedAt: now,
  };
}

// ---- Storage: the model's verdict on an attachment upload, download or listing ------------------------------

/** The object an upload would create, as storage.rules see it (request.resource). */
export interface UploadObject {
  size: number;
  contentType: string | null;
  /** Custom metadata: the SDK sets none (so a client can never choose firebaseStorageDownloadTokens). */
  metadata: Record<string, string>;
  contentDisposition: string | null;
  contentEncoding: string | null;
}

export interface AttachmentPath {
  dealId: string;
  senderId: string;
  messageId: string;
  fileName: string;
}

const validAttachmentPath = (p: AttachmentPath) =>
  Id.safeParse(p.dealId).success && Id.safeParse(p.senderId).success && Id.safeParse(p.messageId).success && FileName.safeParse(p.fileName).success;

/** `exists`: a file is already stored at that path (files are write-once). */
export function uploadVerdict(ctx: Omit<WriteContext, "nowMs">, path: AttachmentPath, object: UploadObject, exists: boolean): Verdict {
  if (!ctx.uid) return "not signed in";
  if (ctx.uid !== path.senderId) return "not the sender's own folder";
  if (exists) return "files are write-once";
  if (!validAttachmentPath(path)) return "a path segment outside the model";
  if (!AttachmentContentType.safeParse(object.contentType).success) return "content type not allowed";
  if (!(object.size > 0 && object.size <= maxBytesFor(object.contentType as string))) return "size out of bounds";
  if (Object.keys(object.metadata).length > 0) return "custom metadata";
  if (object.contentDisposition !== null || object.contentEncoding !== null) return "metadata the SDK never sets";
  if (!ctx.deal) return "no such deal";
  if (!sideOf(ctx.deal, ctx.uid)) return "not a participant";
  if (!isWritableStatus(ctx.deal.status)) return "deal is read-only";
  return null;
}

/**
 * Downloading an attachment: a participant; the other participant only once the functions have marked the stored
 * object verified (its custom metadata, which no client can set). `stored` is the object (its custom metadata), or
 * null when there is none (then Storage answers not-found).
 */
export function downloadVerdict(ctx: Omit<WriteContext, "nowMs">, path: AttachmentPath, stored: { metadata: Record<string, string> } | null): Verdict {
  if (!validAttachmentPath(path)) return "a path segment outside the model";
  if (!ctx.deal || !sideOf(ctx.deal, ctx.uid)) return "not a participant";
  // A missing object is Storage's not-found, not a refusal.
  if (ctx.uid !== path.senderId && stored !== null && stored.metadata[verificationMetadataKey] !== verifiedMarker) return "not verified yet";
  return null;
}

/** Downloading an image's preview (storagePaths.preview): the functions write it only for verified images. */
export function previewDownloadVerdict(ctx: Omit<WriteContext, "nowMs">, path: AttachmentPath): Verdict {
  if (!validAttachmentPath(path)) return "a path segment outside the model";
  if (!ctx.deal || !sideOf(ctx.deal, ctx.uid)) return "not a participant";
  return null;
}

/** Listing a sender's folder: only one's own (another participant's would reveal pending message ids). */
export function listVerdict(ctx: Omit<WriteContext, "nowMs">, dealId: string, senderId: string): Verdict {
  if (!ctx.uid || ctx.uid !== senderId) return "not one's own folder";
  if (!Id.safeParse(dealId).success || !Id.safeParse(senderId).success) return "a path segment outside the model";
  if (!ctx.deal || !sideOf(ctx.deal, ctx.uid)) return "not a participant";
  return null;
}
