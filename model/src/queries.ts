// Every query DealChat issues, described once as data. The client SDK (web SDK) and the functions (admin
// SDK) turn a QuerySpec into their SDK's query; the index checker reads the same specs against
// firestore.indexes.json, so a query can never ship without its index.
import type { DealStatus, Side, TimestampLike } from "./schemas.ts";
import { paths } from "./paths.ts";

export type FilterOp = "==" | "!=" | "<" | "<=" | ">" | ">=" | "array-contains" | "array-contains-any" | "in" | "not-in";
export type Direction = "asc" | "desc";

export interface FieldFilter {
  field: string;
  op: FilterOp;
  value: unknown;
}
export interface Ordering {
  field: string;
  direction: Direction;
}

export interface QuerySpec {
  /** Collection path (e.g. "deals/d1/messages") or, with collectionGroup, the collection id. */
  collection: string;
  collectionGroup?: boolean;
  filters: FieldFilter[];
  orderBy: Ordering[];
  limit?: number;
  /** For pagination: values of the orderBy fields (in order) of the last document of the previous page. */
  startAfter?: unknown[];
  /** endBefore cursor values, for reading the page before a known document. */
  endBefore?: unknown[];
  /** endAt cursor values: the query ends with this position, included (a range that grows only at its start). */
  endAt?: unknown[];
  /** limitToLast instead of limit (web SDK only). */
  limitToLast?: number;
}

export const DEFAULT_PAGE_SIZE = 20;
export const MAX_PAGE_SIZE = 100;

export interface ConversationListOptions {
  uid: string;
  /** The user's side: brands list by brandId, influencers by influencerId (an equality the rules can prove). */
  side: Side;
  status?: DealStatus;
  unreadOnly?: boolean;
  pageSize?: number;
  /** Cursor: [lastActivityAt, dealId] of the last conversation of the previous page. */
  after?: [TimestampLike, string];
}

/** A user's conversations, most recently active first. One query, O(page) document reads. */
export function conversationListQuery(options: ConversationListOptions): QuerySpec {
  const filters: FieldFilter[] = [{ field: options.side === "brand" ? "brandId" : "influencerId", op: "==", value: options.uid }];
  if (options.status) filters.push({ field: "status", op: "==", value: options.status });
  if (options.unreadOnly) filters.push({ field: `hasUnread.${options.side}`, op: "==", value: true });
  return {
    collection: paths.conversations(),
    filters,
    orderBy: [
      { field: "lastActivityAt", direction: "desc" },
      { field: "__name__", direction: "desc" },
    ],
    limit: clampPageSize(options.pageSize),
    ...(options.after ? { startAfter: options.after } : {}),
  };
}

export interface MessageHistoryOptions {
  dealId: string;
  /** Inclusive lower and exclusive upper bounds on createdAt. */
  from?: TimestampLike;
  to?: TimestampLike;
  senderSide?: Side | "system";
  attachmentsOnly?: boolean;
  /** One normalized search token (see search.ts); whole word or prefix. */
  searchToken?: string;
  pageSize?: number;
  /** Cursor: [createdAt, messageId] of the oldest message of the previous (newer) page. */
  before?: [TimestampLike, string];
}

/** Messages of one deal, newest first, with any combination of the history filters. */
export function messageHistoryQuery(options: MessageHistoryOptions): QuerySpec {
  const filters: FieldFilter[] = [];
  if (options.searchToken) filters.push({ field: "searchTokens", op: "array-contains", value: options.searchToken });
  if (options.senderSide) filters.push({ field: "senderSide", op: "==", value: options.senderSide });
  if (options.attachmentsOnly) filters.push({ field: "hasAttachments", op: "==", value: true });
  if (options.from) filters.push({ field: "createdAt", op: ">=", value: options.from });
  if (options.to) filters.push({ field: "createdAt", op: "<", value: options.to });
  return {
    collection: paths.messages(options.dealId),
    filters,
    orderBy: [
      { field: "createdAt", direction: "desc" },
      { field: "__name__", direction: "desc" },
    ],
    limit: clampPageSize(options.pageSize),
    ...(options.before ? { startAfter: options.before } : {}),
  };
}

/**
 * How many messages match a history filter (an aggregation: `count()` over the same filters and ordering as
 * messageHistoryQuery, without limit or cursor, so the same index serves it).
 */
export function messageHistoryCountQuery(options: Omit<MessageHistoryOptions, "pageSize" | "before">): QuerySpec {
  const { before: _before, pageSize: _pageSize, ...filters } = options as MessageHistoryOptions;
  const { limit: _limit, startAfter: _startAfter, ...unlimited } = messageHistoryQuery(filters);
  return unlimited;
}

/**
 * A list query without its limit, from its newest item down to a known position (included): the range only
 * grows at the newest end, so one listener keeps every item in it live however many arrive.
 */
export function downToPosition(spec: QuerySpec, position: unknown[]): QuerySpec {
  const { limit: _limit, limitToLast: _limitToLast, ...unlimited } = spec;
  return { ...unlimited, endAt: position };
}

function clampPageSize(pageSize = DEFAULT_PAGE_SIZE): number {
  if (!Number.isInteger(pageSize) || pageSize < 1) throw new RangeError(`pageSize must be a positive integer, got ${pageSize}`);
  return Math.min(pageSize, MAX_PAGE_SIZE);
}

export interface OwedAnswersOptions {
  uid: string;
  side: Side;
  /** Only waits that started after this instant (the longest statistics window): older ones are in no window. */
  since: TimestampLike;
}

/**
 * The deals where `uid` owes an answer now and the deal is open, oldest wait first: the debts part of the user's
 * response statistics (docs/response-times.md). The message trigger keeps `responseTime.<side>.waitingSince` on
 * the conversation, so a send writes no per-user document for the side that now owes. O(deals owed) reads, at
 * most MAX_PAGE_SIZE.
 */
export function owedAnswersQuery(options: OwedAnswersOptions): QuerySpec {
  const waitingSince = `responseTime.${options.side}.waitingSince`;
  return {
    collection: paths.conversations(),
    filters: [
      { field: options.side === "brand" ? "brandId" : "influencerId", op: "==", value: options.uid },
      { field: waitingSince, op: ">", value: options.since },
    ],
    orderBy: [{ field: waitingSince, direction: "asc" }],
    limit: MAX_PAGE_SIZE,
  };
}
