// The conversation list and the unread badge: both are queries built by model/src/queries.ts over
// conversations/{dealId}, so one document per conversation carries everything a list row shows.
import {
  Conversation,
  DealStatus,
  MAX_PAGE_SIZE,
  Side,
  closedStatuses,
  conversationListQuery,
  noResponseTimes,
  type LastMessageSummary,
  type ResponseTimeStats,
} from "@dealchat/model";
import type { DocumentSnapshot, Timestamp } from "firebase/firestore";
import * as z from "zod/mini";
import type { ClientContext } from "./context.ts";
import { DealChatError, parseInput } from "./errors.ts";
import type { Unsubscribe } from "./lifecycle.ts";
import { openLiveWindow, type WindowState } from "./window.ts";

export interface ConversationSummary {
  dealId: string;
  status: DealStatus;
  /** Completed or cancelled: the conversation is read-only. */
  closed: boolean;
  mySide: Side;
  otherParticipant: { uid: string; side: Side };
  lastMessage: LastMessageSummary | null;
  lastActivityAt: Timestamp | null;
  /** Messages the current user has not read. */
  unreadCount: number;
  /** Everything the other side created at or before this time has been read by them. */
  otherReadWatermark: Timestamp | null;
  /** Both sides' watermarks: everything created at or before it has been read by that side (null: nothing yet). */
  readWatermarks: Record<Side, Timestamp | null>;
  /** When each side last marked the conversation read, as recorded by the functions (null: never). */
  readAt: Record<Side, Timestamp | null>;
  /**
   * How fast each side replies in this deal (docs/response-times.md): count, mean, median and p90 of its answers,
   * `waitingSince` while it owes an answer on an open deal, and `unansweredTurns` (1 while it owes one).
   */
  responseTimes: Record<Side, ResponseTimeStats>;
}

export const ConversationListInput = z.object({
  side: z.optional(Side),
  status: z.optional(DealStatus),
  unreadOnly: z.optional(z.boolean()),
  pageSize: z.optional(z.int().check(z.minimum(1), z.maximum(MAX_PAGE_SIZE))),
});
export type ConversationListInput = z.input<typeof ConversationListInput>;

export type ConversationListState = WindowState<ConversationSummary>;

export interface ConversationListSubscription {
  /** Loads the next page of older conversations; resolves with how many were added. */
  loadMore(): Promise<number>;
  unsubscribe: Unsubscribe;
}

const ConversationDoc = z.partial(Conversation);

export function parseConversation(snap: DocumentSnapshot, uid: string): ConversationSummary {
  const parsed = ConversationDoc.safeParse(snap.data({ serverTimestamps: "estimate" }) ?? {});
  if (!parsed.success) throw new DealChatError("internal", `conversation ${snap.id} has an unexpected shape: ${parsed.error.message}`);
  const c = parsed.data;
  const mySide: Side = c.brandId === uid ? "brand" : "influencer";
  const otherSide: Side = mySide === "brand" ? "influencer" : "brand";
  const status = c.status ?? "open";
  return {
    dealId: snap.id,
    status,
    closed: closedStatuses.includes(status),
    mySide,
    otherParticipant: { uid: (otherSide === "brand" ? c.brandId : c.influencerId) ?? "", side: otherSide },
    lastMessage: c.lastMessage ?? null,
    lastActivityAt: (c.lastActivityAt as Timestamp | undefined) ?? null,
    unreadCount: c.unread?.[mySide] ?? 0,
    otherReadWatermark: (c.readWatermark?.[otherSide] as Timestamp | null | undefined) ?? null,
    readWatermarks: {
      brand: (c.readWatermark?.brand as Timestamp | null | undefined) ?? null,
      influencer: (c.readWatermark?.influencer as Timestamp | null | undefined) ?? null,
    },
    readAt: { brand: (c.readAt?.brand as Timestamp | null | undefined) ?? null, influencer: (c.readAt?.influencer as Timestamp | null | undefined) ?? null },
    responseTimes: c.responseTime ?? { brand: noResponseTimes(), influencer: noResponseTimes() },
  };
}

const byActivityDesc = (a: ConversationSummary, b: ConversationSummary) =>
  (b.lastActivityAt?.toMillis() ?? 0) - (a.lastActivityAt?.toMillis() ?? 0) || (a.dealId < b.dealId ? 1 : a.dealId > b.dealId ? -1 : 0);

function resolveSide(side: Side | undefined, defaultSide: Side | undefined): Side {
  const chosen = side ?? defaultSide;
  if (!chosen)
    throw new DealChatError(
      "invalid-argument",
      "the user's side (brand or influencer) is needed to list conversations: pass `side` here or to createDealChat()",
    );
  return chosen;
}

export function watchConversations(
  ctx: ClientContext,
  defaultSide: Side | undefined,
  input: ConversationListInput,
  onChange: (state: ConversationListState) => void,
  onError: (error: DealChatError) => void = () => {},
): ConversationListSubscription {
  const options = parseInput(ConversationListInput, input, "watchConversations");
  const uid = ctx.uid;
  const side = resolveSide(options.side, defaultSide);
  const base = { uid, side, status: options.status, unreadOnly: options.unreadOnly, pageSize: options.pageSize };
  const window = openLiveWindow<ConversationSummary>(
    ctx,
    {
      spec: (cursor) => conversationListQuery(cursor ? { ...base, after: cursor as [Timestamp, string] } : base),
      parse: (snap) => {
        try {
          return parseConversation(snap, uid);
        } catch (e) {
          ctx.reportMalformed(snap.ref.path, (e as Error).message);
          return null;
        }
      },
      id: (c) => c.dealId,
      cursor: (c) => (c.lastActivityAt ? [c.lastActivityAt, c.dealId] : undefined),
      compare: byActivityDesc,
    },
    (state) => {
      for (const c of state.items) ctx.noteConversation(c.dealId, c);
      onChange(state);
    },
    onError,
    "the conversation list",
  );
  return window;
}

export interface UnreadTotal {
  /** Sum of this user's unread counts over their conversations. */
  total: number;
  /** Conversations with something unread. */
  conversations: number;
  /** More than MAX_PAGE_SIZE conversations are unread: `total` counts the most recent MAX_PAGE_SIZE of them. */
  capped: boolean;
  fromCache: boolean;
}

/**
 * Live total unread count: one listener on the "unread only" conversation list (MAX_PAGE_SIZE rows).
 * Cost: one read per conversation that has unread messages when it starts (at least 1), then one read per
 * conversation whose counter changes. Conversations with nothing unread are never read.
 */
export function watchUnreadTotal(
  ctx: ClientContext,
  defaultSide: Side | undefined,
  input: { side?: Side },
  onChange: (total: UnreadTotal) => void,
  onError: (error: DealChatError) => void = () => {},
): Unsubscribe {
  const uid = ctx.uid;
  const side = resolveSide(parseInput(z.object({ side: z.optional(Side) }), input, "watchUnreadTotal").side, defaultSide);
  const spec = conversationListQuery({ uid, side, unreadOnly: true, pageSize: MAX_PAGE_SIZE });
  let last = "";
  return ctx.listenToQuery(
    ctx.query(spec),
    // With metadata changes, the server's confirmation of a cached result is delivered too (fromCache → false).
    { includeMetadataChanges: true },
    (snap) => {
      let total = 0;
      for (const d of snap.docs) total += parseConversation(d, uid).unreadCount;
      const next: UnreadTotal = { total, conversations: snap.size, capped: snap.size >= MAX_PAGE_SIZE, fromCache: snap.metadata.fromCache };
      const key = JSON.stringify(next);
      if (key === last) return;
      last = key;
      onChange(next);
    },
    onError,
    "the unread total",
  );
}
