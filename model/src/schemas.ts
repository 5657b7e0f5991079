// The shapes of DealChat's documents. Who writes each field is documented in docs/data-model.md and
// enforced by firestore.rules; these schemas validate input on the way in and documents on the way out.
// zod/mini: the same validation as classic zod with tree-shakable functions instead of methods, so the client
// SDK's browser bundle carries only the checks it uses (classic zod adds ~440 KiB minified).
import * as z from "zod/mini";
import { en } from "zod/locales";

/** Parse options for English messages: zod/mini loads no locale by itself, and a global one would be the app's choice. */
export const inEnglish = { error: en().localeError };

/** Both SDKs' Timestamp classes (web and admin) satisfy this. */
export interface TimestampLike {
  seconds: number;
  nanoseconds: number;
  toMillis(): number;
}
export const timestamp = z.custom<TimestampLike>((v) => typeof v === "object" && v !== null && typeof (v as TimestampLike).toMillis === "function", {
  error: "expected a Firestore Timestamp",
});

export const dealStatuses = ["open", "active", "completed", "cancelled"] as const;
export const DealStatus = z.enum(dealStatuses);
export type DealStatus = z.infer<typeof DealStatus>;
/** Conversations of these deals are read-only. */
export const closedStatuses: readonly DealStatus[] = ["completed", "cancelled"];

export const sides = ["brand", "influencer"] as const;
export const Side = z.enum(sides);
export type Side = z.infer<typeof Side>;
export const otherSide = (side: Side): Side => (side === "brand" ? "influencer" : "brand");

/**
 * Uid-like ids: Firebase Auth uids and our generated ids fit in this. They become Storage path segments, so the
 * alphabet is one both the rules' RE2 and JavaScript read the same way (a character class, no escapes needed).
 */
export const idAlphabet = "A-Za-z0-9_-";
export const idMaxLength = 128;
export const Id = z.string().check(z.regex(new RegExp(`^[${idAlphabet}]{1,${idMaxLength}}$`), `ids are 1–${idMaxLength} characters of A–Z a–z 0–9 _ -`));

export const Deal = z.object({
  brandId: Id,
  influencerId: Id,
  /** [brandId, influencerId]: lets rules and queries ask "is uid a participant" in one step. */
  /**
   * A copy of [brandId, influencerId] for the platform's array-contains queries. It decides nothing (membership is
   * sideOf: brandId and influencerId), so a stale or odd copy does not make the deal unreadable for the functions.
   */
  participants: z.optional(z.array(z.string())),
  status: DealStatus,
  title: z.optional(z.string().check(z.maxLength(200))),
  createdAt: timestamp,
  updatedAt: timestamp,
});
export type Deal = z.infer<typeof Deal>;
/** The two fields that decide membership (sideOf), parsed on their own when the rest of a deal is malformed. */
export const DealSides = z.pick(Deal, { brandId: true, influencerId: true });
export type DealSides = z.infer<typeof DealSides>;

export const limits = {
  textMaxLength: 4000,
  attachmentsPerMessage: 10,
  attachmentMaxBytes: 25 * 1024 * 1024,
  /** Video drafts (videoContentTypes) have their own bound: a few minutes of phone video at 1080p. */
  videoMaxBytes: 500 * 1024 * 1024,
  /**
   * Uploads one user may make into one deal per UTC day, counted by the functions when they verify an upload
   * (rules cannot count); an upload past it is rejected and deleted (docs/attachments.md).
   */
  uploadsPerUserAndDealPerDay: 200,
  /** Width of an image attachment's WebP preview (never enlarged). */
  previewWidthPx: 320,
  fileNameMaxLength: 200,
  /** Edit and delete are allowed to the author for this long after createdAt. */
  editWindowMs: 5 * 60 * 1000,
  snippetLength: 140,
  searchTokensPerMessage: 200,
  /** Clients set typing expiresAt ≈ now + typingTtlMs; the rules accept at most now + typingMaxTtlMs (clock skew). */
  typingTtlMs: 10_000,
  typingMaxTtlMs: 30_000,
  /** Clients refresh their connection's expiresAt ≈ now + presenceTtlMs; the rules cap it at now + presenceMaxTtlMs. */
  presenceTtlMs: 90_000,
  presenceMaxTtlMs: 5 * 60 * 1000,
  /** Devices or tabs per presence document: the rules check each entry, and they have no loops. */
  presenceMaxConnections: 10,
  /**
   * Minimum time between two writes of one document of each kind, enforced by the rules from the stored
   * document's own server time (no extra read). Each write lands on the other side's listeners, so these bound
   * what one participant can make the other pay: at most one read per interval per document.
   * Typing: the SDK refreshes every typingTtlMs / 2; switching an indicator off is always allowed.
   */
  typingMinIntervalMs: 2_000,
  /** Read watermark moves: the SDK throttles markRead to one write per 2 s. */
  watermarkMinIntervalMs: 1_000,
  /** Text edits of one message (a tombstone is final and needs no limit). */
  editMinIntervalMs: 2_000,
  /** Presence document writes (all of a user's tabs share it; the SDK retries a refused heartbeat once). */
  presenceMinIntervalMs: 1_000,
  /**
   * Storage: an uploaded attachment that no message references this long after its upload is an orphan; the
   * functions' scheduled sweep (every orphanSweepIntervalMinutes) deletes it. Rules cannot count or wait, so
   * this lives in the functions only.
   */
  orphanUploadGraceMs: 60 * 60 * 1000,
  orphanSweepIntervalMinutes: 15,
  /**
   * Storage: unreferenced uploads kept per sender and deal (three full messages in flight). The functions
   * delete an upload that would go past it; rules cannot count files.
   */
  pendingUploadsPerSenderAndDeal: 30,
  /**
   * Response times are re-derived from a deal's newest messages on every create or tombstone (docs/response-times.md):
   * at most this many, read in one ordered query inside the trigger's transaction.
   */
  responseTimeWindowMessages: 500,
  /**
   * Answers kept per deal in conversations/{dealId}.responseClock (the newest): the per-deal statistics and the
   * per-user entries are derived from them, so this bounds the conversation document (about 60 bytes an answer).
   */
  responseAnswersPerDeal: 200,
  /** Answers kept per user in responseStats/{uid} (the newest; older ones and those outside the longest window are dropped). */
  responseStatsMaxAnswers: 2_000,
} as const;

/** The rolling windows of the per-user statistics (responseStats/{uid}.windows). */
export const responseStatsWindows = { d30: 30 * 24 * 60 * 60 * 1000, d90: 90 * 24 * 60 * 60 * 1000 } as const;
export type ResponseStatsWindow = keyof typeof responseStatsWindows;
/** The longest window: answers older than this are never kept. */
export const responseStatsRetentionMs = Math.max(...Object.values(responseStatsWindows));

export const attachmentContentTypes = [
  "image/jpeg",
  "image/png",
  "image/gif",
  "image/webp",
  "application/pdf",
  "application/msword",
  "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
  "application/vnd.ms-excel",
  "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
  "application/vnd.ms-powerpoint",
  "application/vnd.openxmlformats-officedocument.presentationml.presentation",
  "video/mp4",
  "video/quicktime",
  "video/webm",
] as const;
export const AttachmentContentType = z.enum(attachmentContentTypes);
export type AttachmentContentType = z.infer<typeof AttachmentContentType>;
/** Content types bounded by limits.videoMaxBytes instead of limits.attachmentMaxBytes. */
export const videoContentTypes = ["video/mp4", "video/quicktime", "video/webm"] as const satisfies readonly AttachmentContentType[];
/** The largest file of a content type (storage.rules and firestore.rules enforce the same bound). */
export const maxBytesFor = (contentType: string): number =>
  (videoContentTypes as readonly string[]).includes(contentType) ? limits.videoMaxBytes : limits.attachmentMaxBytes;

/** Code points a file name may not contain: slashes (they would make a folder), and C0/DEL/C1 control characters. */
export const fileNameForbiddenCodePoints: ReadonlyArray<number | readonly [number, number]> = [[0x00, 0x1f], 0x2f, 0x5c, [0x7f, 0x9f]];

/** A character class over code points, as JavaScript (`u` flag) and RE2 spell it. */
export function codePointClass(codePoints: ReadonlyArray<number | readonly [number, number]>, syntax: "js" | "re2", negated = false): string {
  const hex = (cp: number) => cp.toString(16).toUpperCase().padStart(4, "0");
  const one = (cp: number) => (syntax === "js" ? `\\u{${hex(cp)}}` : `\\x{${hex(cp)}}`);
  return `[${negated ? "^" : ""}${codePoints.map((c) => (typeof c === "number" ? one(c) : `${one(c[0])}-${one(c[1])}`)).join("")}]`;
}

export const FileName = z.string().check(
  z.minLength(1),
  z.maxLength(limits.fileNameMaxLength),
  z.regex(new RegExp(`^${codePointClass(fileNameForbiddenCodePoints, "js", true)}+$`, "u"), "file names may not contain slashes or control characters"),
  z.refine((name) => name !== "." && name !== "..", "a file name cannot be '.' or '..'"),
);

/** The platform's verdict on an uploaded file (absent on an attachment until the functions have checked it: pending). */
export const verificationStatuses = ["pending", "verified", "rejected"] as const;
export const VerificationStatus = z.enum(verificationStatuses);
export type VerificationStatus = z.infer<typeof VerificationStatus>;

/**
 * Written by the functions only, from the file's bytes (docs/attachments.md): the attachment's `verification`.
 * `size` is the byte size of what the other side downloads (an image is re-encoded without its camera metadata);
 * `missing` names metadata the functions could not extract for this kind of file (e.g. a WebM video's duration).
 */
export const AttachmentVerification = z.object({
  status: z.enum(["verified", "rejected"]),
  /** Why a file was rejected, in words an app can show ("the file is not a PDF"). */
  reason: z.optional(z.string().check(z.maxLength(300))),
  /** The type its bytes show (file-type's MIME type), when recognised. */
  detectedType: z.optional(z.string()),
  size: z.optional(z.int().check(z.nonnegative())),
  width: z.optional(z.int().check(z.positive())),
  height: z.optional(z.int().check(z.positive())),
  /** EXIF orientation (1–8) the camera recorded; the stored image is already rotated upright. */
  orientation: z.optional(z.int().check(z.minimum(1), z.maximum(8))),
  pageCount: z.optional(z.int().check(z.nonnegative())),
  durationMs: z.optional(z.number().check(z.nonnegative())),
  /** The WebP preview (storagePaths.preview), for images. */
  previewPath: z.optional(z.string()),
  missing: z.optional(z.array(z.string())),
  checkedAt: timestamp,
});
export type AttachmentVerification = z.infer<typeof AttachmentVerification>;

export const Attachment = z
  .object({
    name: FileName,
    size: z.int().check(z.positive(), z.maximum(limits.videoMaxBytes)),
    contentType: AttachmentContentType,
    /** deals/{dealId}/attachments/{senderId}/{messageId}/{name} */
    storagePath: z.string().check(z.minLength(1), z.maxLength(1024)),
    /** Platform-owned (fieldOwnership.attachment.platform): absent while the file is being checked. */
    verification: z.optional(AttachmentVerification),
  })
  .check(z.refine((a) => a.size <= maxBytesFor(a.contentType), "the file is larger than its content type allows"));
export type Attachment = z.infer<typeof Attachment>;

export const MessageText = z.string().check(z.maxLength(limits.textMaxLength));

/**
 * deals/{dealId}/messages/{messageId}. The id is generated by the client, so a retried send is a
 * create of the same id, which the rules refuse instead of duplicating.
 */
export const Message = z.object({
  senderId: z.string(),
  /** The sender's role in the deal; "system" for platform-authored messages. */
  senderSide: z.enum(["brand", "influencer", "system"]),
  text: z.nullable(MessageText),
  attachments: z.array(Attachment).check(z.maxLength(limits.attachmentsPerMessage)),
  /** attachments.length > 0, stored so "attachments only" is an equality filter. */
  hasAttachments: z.boolean(),
  createdAt: timestamp,
  editedAt: z.nullable(timestamp),
  /** Tombstone: a deleted message keeps its place but loses its text and attachments. */
  deleted: z.boolean(),
  deletedAt: z.nullable(timestamp),
  /**
   * The message's search tokens (model searchTokens of its text; [] once tombstoned), written by the client with
   * the message, its edits and its tombstone. The rules bound their number; the message trigger recomputes them
   * and repairs a list that differs (docs/functions.md#search-tokens-written-by-the-client). Optional: messages
   * stored before clients wrote them carry the functions' copy or none.
   */
  searchTokens: z.optional(z.array(z.string())),
  /** Written by the platform on status-change system messages: the deal's status before and after. */
  statusChange: z.optional(z.object({ from: DealStatus, to: DealStatus })),
});
export type Message = z.infer<typeof Message>;

export const LastMessageSummary = z.object({
  messageId: z.string(),
  senderId: z.string(),
  senderSide: z.enum(["brand", "influencer", "system"]),
  /** Text snippet, or a label ("📎 2 attachments", "Message deleted", system text). */
  snippet: z.string(),
  kind: z.enum(["text", "attachment", "system", "deleted"]),
  at: timestamp,
});
export type LastMessageSummary = z.infer<typeof LastMessageSummary>;

export const PerSide = <T extends z.ZodMiniType>(value: T) => z.object({ brand: value, influencer: value });

const durationMs = z.number().check(z.nonnegative());

/** count, total, mean, median and p90 (nearest rank) of a list of response times. */
export const ResponseTimeSummary = z.object({
  count: z.int().check(z.nonnegative()),
  totalMs: durationMs,
  averageMs: z.nullable(durationMs),
  medianMs: z.nullable(durationMs),
  p90Ms: z.nullable(durationMs),
});
export type ResponseTimeSummary = z.infer<typeof ResponseTimeSummary>;

/**
 * One side's response times in one deal (conversations/{dealId}.responseTime.<side>), derived from the deal's
 * newest limits.responseTimeWindowMessages messages. `medianMs`, `p90Ms`, `waitingSince` and `unansweredTurns`
 * default for documents written before they existed (the next derivation writes them).
 */
export const ResponseTimeStats = z.object({
  count: z.int().check(z.nonnegative()),
  totalMs: durationMs,
  averageMs: z.nullable(durationMs),
  medianMs: z._default(z.nullable(durationMs), null),
  p90Ms: z._default(z.nullable(durationMs), null),
  /** When this side owes an answer and the deal is open: the instant its clock counts from (null otherwise). */
  waitingSince: z._default(z.nullable(timestamp), null),
  /** 1 when this side owes an answer (even while the deal is closed and the clock is paused), else 0. */
  unansweredTurns: z._default(z.int().check(z.nonnegative()), 0),
});
export type ResponseTimeStats = z.infer<typeof ResponseTimeStats>;

/** One answer a user gave: when, and how long the other side had waited. */
export const ResponseAnswer = z.object({ at: timestamp, ms: durationMs });
export type ResponseAnswer = z.infer<typeof ResponseAnswer>;

/** A user's part of one deal in responseStats/{uid}: replaced whole whenever the deal is re-derived. */
export const UserDealResponses = z.object({
  side: Side,
  /** This user's answers in the deal within the longest window, oldest first. */
  answers: z.array(ResponseAnswer),
  waitingSince: z.nullable(timestamp),
  unansweredTurns: z.int().check(z.nonnegative()),
});
export type UserDealResponses = z.infer<typeof UserDealResponses>;

/** A user's statistics over one rolling window, across deals. */
export const ResponseWindowStats = z.object({
  ...ResponseTimeSummary.shape,
  /** Answers this user owes now, in deals whose wait started within the window. */
  unansweredTurns: z.int().check(z.nonnegative()),
  /** The oldest of those waits (open deals only), or null. */
  waitingSince: z.nullable(timestamp),
});
export type ResponseWindowStats = z.infer<typeof ResponseWindowStats>;

/**
 * responseStats/{uid}: written by the functions only, readable by that user (and the platform). `windows` is as of
 * `computedAt`; readers can re-evaluate them for another instant from `deals` (model `responseWindows`).
 */
export const UserResponseStats = z.object({
  uid: Id,
  deals: z.record(z.string(), UserDealResponses),
  windows: z.object({ d30: ResponseWindowStats, d90: ResponseWindowStats }),
  computedAt: timestamp,
});
export type UserResponseStats = z.infer<typeof UserResponseStats>;

/** One answer in a deal's response clock: who answered (side and uid), when, and after how long. */
export const ClockAnswer = z.object({ side: Side, senderId: z.string(), at: timestamp, ms: durationMs });
export type ClockAnswer = z.infer<typeof ClockAnswer>;

/**
 * conversations/{dealId}.responseClock, platform-only: the response-time definition's state after the messages
 * applied so far (docs/response-times.md), so a new message at the end of the conversation is applied in O(1)
 * instead of re-deriving the deal's window. `through` is the last message applied in conversation order.
 */
export const ResponseClock = z.object({
  through: z.nullable(z.object({ at: timestamp, messageId: z.string() })),
  /** False while the clock was rebuilt from a truncated window and its first turn has not ended (nothing decided yet). */
  decided: z.boolean(),
  owedBy: z.nullable(Side),
  /** The owing side's clock start (ms, and the message's own timestamp). */
  sinceMs: z.number(),
  since: z.nullable(timestamp),
  pausedMs: z.number(),
  /** When the deal closed (ms), null while open; a very negative value when it was closed before the window. */
  closedSinceMs: z.nullable(z.number()),
  /** The deal's newest limits.responseAnswersPerDeal answers, oldest first. */
  answers: z.array(ClockAnswer),
});
export type ResponseClock = z.infer<typeof ResponseClock>;

/**
 * conversations/{dealId}: the conversation list entry and shared state of one deal. Everything is written by
 * the platform (admin SDK, Cloud Functions) except `readWatermark.<side>`, which each participant moves forward.
 */
export const Conversation = z.object({
  dealId: z.string(),
  brandId: Id,
  influencerId: Id,
  participants: z.array(Id).check(z.length(2)),
  status: DealStatus,
  lastMessage: z.nullable(LastMessageSummary),
  lastActivityAt: timestamp,
  unread: PerSide(z.int().check(z.nonnegative())),
  /** unread.<side> > 0, stored so "unread only" is an equality filter next to the ordering on lastActivityAt. */
  hasUnread: PerSide(z.boolean()),
  /** Client-written: everything created at or before this time has been read by that side. */
  readWatermark: PerSide(z.nullable(timestamp)),
  /** Function-written: when that side last read (the server time its watermark change was processed). */
  readAt: PerSide(z.nullable(timestamp)),
  responseTime: PerSide(ResponseTimeStats),
  /** Function-written: updatedAt of the deal version whose status is mirrored (an older deal event never overwrites a newer one). */
  statusChangedAt: z.optional(timestamp),
  /** Function-written: the response-time state the statistics above are derived from (absent until the first message). */
  responseClock: z.optional(ResponseClock),
});
export type Conversation = z.infer<typeof Conversation>;
/** The conversation document as the functions read and write it. */
export type ConversationState = Conversation;

/** deals/{dealId}/typing/{uid}: written only by that user; stale once expiresAt has passed. */
export const Typing = z.object({
  side: Side,
  updatedAt: timestamp,
  expiresAt: timestamp,
});
export type Typing = z.infer<typeof Typing>;

/**
 * presence/{uid}: written only by that user. One entry per device or tab (connection id) so that one
 * tab going away does not mark a user offline while another is open; an entry is stale after expiresAt.
 */
export const Presence = z.object({
  connections: z
    .record(Id, z.object({ lastSeen: timestamp, expiresAt: timestamp }))
    .check(z.refine((connections) => Object.keys(connections).length <= limits.presenceMaxConnections, `at most ${limits.presenceMaxConnections} connections`)),
  lastSeen: timestamp,
});
export type Presence = z.infer<typeof Presence>;
