// Reading messages: the live view of one conversation (newest messages live, older pages on demand, read
// state of the other side) and one-off history queries with the seed's filters and search.
import {
  type Attachment,
  MAX_PAGE_SIZE,
  Side,
  inEnglish,
  limits,
  matchesSearch,
  Message as MessageSchema,
  messageHistoryCountQuery,
  messageHistoryQuery,
  paths,
  searchQueryToken,
  searchWords,
  type Message,
} from "@dealchat/model";
import { Timestamp, doc, getCountFromServer, getDocsFromServer, type DocumentSnapshot, type QuerySnapshot } from "firebase/firestore";
import * as z from "zod/mini";
import type { ClientContext } from "./context.ts";
import { parseConversation, type ConversationSummary } from "./conversations.ts";
import { DealChatError, parseInput, toDealChatError } from "./errors.ts";
import type { Unsubscribe } from "./lifecycle.ts";
import { openLiveWindow } from "./window.ts";

export interface ChatMessage {
  id: string;
  dealId: string;
  senderId: string;
  senderSide: Message["senderSide"];
  text: string | null;
  attachments: Attachment[];
  hasAttachments: boolean;
  /** Server time; an estimate while the send is pending. */
  createdAt: Timestamp | null;
  editedAt: Timestamp | null;
  deleted: boolean;
  /** Written locally and not yet acknowledged by the server (show a clock icon). */
  pending: boolean;
  isMine: boolean;
  /** The other side's read watermark covers this message (only meaningful for my messages). */
  readByOther: boolean;
}

/**
 * A message document as the app sees it, or null when the document does not match the model's Message shape
 * (written by something other than DealChat's SDK and functions): it is left out and reported once.
 */
export function parseMessage(snap: DocumentSnapshot, dealId: string, uid: string, otherWatermark: Timestamp | null, ctx?: ClientContext): ChatMessage | null {
  const parsed = MessageSchema.safeParse(snap.data({ serverTimestamps: "estimate" }) ?? {}, inEnglish);
  if (!parsed.success) {
    ctx?.reportMalformed(snap.ref.path, parsed.error.issues[0]?.message ?? "unexpected shape");
    return null;
  }
  const data = parsed.data;
  const createdAt = data.createdAt as Timestamp;
  const pending = snap.metadata.hasPendingWrites;
  return {
    id: snap.id,
    dealId,
    senderId: data.senderId,
    senderSide: data.senderSide,
    text: data.text,
    attachments: data.attachments,
    hasAttachments: data.hasAttachments,
    createdAt,
    editedAt: (data.editedAt as Timestamp | null) ?? null,
    deleted: data.deleted,
    pending,
    isMine: data.senderId === uid,
    readByOther: isReadBy({ pending, createdAt }, otherWatermark),
  };
}

/** The other side's watermark covers a message the server has stored. */
function isReadBy(m: { pending: boolean; createdAt: Timestamp | null }, otherWatermark: Timestamp | null): boolean {
  return !m.pending && m.createdAt !== null && otherWatermark !== null && m.createdAt.toMillis() <= otherWatermark.toMillis();
}

const byCreatedDesc = (a: ChatMessage, b: ChatMessage) => {
  // Pending sends have no server time yet and belong at the newest end, as the server will put them.
  const am = a.pending && !a.createdAt ? Number.POSITIVE_INFINITY : (a.createdAt?.toMillis() ?? 0);
  const bm = b.pending && !b.createdAt ? Number.POSITIVE_INFINITY : (b.createdAt?.toMillis() ?? 0);
  if (am !== bm) return bm - am;
  const an = a.createdAt?.nanoseconds ?? 0;
  const bn = b.createdAt?.nanoseconds ?? 0;
  if (an !== bn) return bn - an;
  return a.id < b.id ? 1 : a.id > b.id ? -1 : 0;
};

export const OpenConversationInput = z.object({
  dealId: z.string().check(z.minLength(1)),
  /** How many of the newest messages stay live. */
  tailSize: z._default(z.int().check(z.minimum(1), z.maximum(MAX_PAGE_SIZE)), 30),
  /** Size of each older page. */
  pageSize: z._default(z.int().check(z.minimum(1), z.maximum(MAX_PAGE_SIZE)), 30),
});
export type OpenConversationInput = z.input<typeof OpenConversationInput>;

export interface ConversationViewState {
  /** Newest first: the live tail, then every older page loaded so far, without gaps or duplicates. */
  messages: ChatMessage[];
  conversation: ConversationSummary | null;
  hasOlder: boolean;
  fromCache: boolean;
  hasPendingWrites: boolean;
}

export interface ConversationView {
  /** Loads the next older page; resolves with the number of messages added. */
  loadOlder(): Promise<number>;
  unsubscribe: Unsubscribe;
}

/**
 * Opens a conversation: one listener on the newest `tailSize` messages and one on the conversation document
 * (status and the other side's read watermark). Cost: tailSize + 1 document reads to open, then one read per
 * new or changed message; each older page is a listener too, costing one read per message when it loads.
 */
export function openConversation(
  ctx: ClientContext,
  input: OpenConversationInput,
  onChange: (state: ConversationViewState) => void,
  onError: (error: DealChatError) => void = () => {},
): ConversationView {
  const options = parseInput(OpenConversationInput, input, "openConversation");
  const uid = ctx.uid;
  const { dealId } = options;
  let conversation: ConversationSummary | null = null;
  let latest: Omit<ConversationViewState, "conversation"> | undefined;

  const emit = () => {
    if (!latest) return;
    const watermark = conversation?.otherReadWatermark ?? null;
    // Read state depends on the conversation document too, so it is derived at emit time; a message whose read
    // state did not change is passed on as the same object (apps can skip re-rendering it).
    const messages = latest.messages.map((m) => {
      const read = isReadBy(m, watermark);
      return read === m.readByOther ? m : { ...m, readByOther: read };
    });
    onChange({ ...latest, messages, conversation });
  };

  const stopConversation = ctx.listenToDoc(
    doc(ctx.db, paths.conversation(dealId)),
    {},
    (snap) => {
      conversation = snap.exists() ? parseConversation(snap, uid) : null;
      if (conversation) ctx.noteConversation(dealId, conversation);
      emit();
    },
    onError,
    `conversation ${dealId}`,
  );

  const window = openLiveWindow<ChatMessage>(
    ctx,
    {
      spec: (cursor) =>
        messageHistoryQuery({ dealId, pageSize: cursor ? options.pageSize : options.tailSize, ...(cursor ? { before: cursor as [Timestamp, string] } : {}) }),
      parse: (snap) => parseMessage(snap, dealId, uid, conversation?.otherReadWatermark ?? null, ctx),
      id: (m) => m.id,
      cursor: (m) => (m.pending || !m.createdAt ? undefined : [m.createdAt, m.id]),
      compare: byCreatedDesc,
    },
    (state) => {
      latest = { messages: state.items, hasOlder: state.hasMore, fromCache: state.fromCache, hasPendingWrites: state.hasPendingWrites };
      emit();
    },
    onError,
    `messages of deal ${dealId}`,
  );

  let stopped = false;
  return {
    loadOlder: () => window.loadMore(),
    unsubscribe: () => {
      if (stopped) return;
      stopped = true;
      window.unsubscribe();
      stopConversation();
    },
  };
}

export const HistoryInput = z
  .object({
    dealId: z.string().check(z.minLength(1)),
    /** Messages created at or after this instant (inclusive), by the server's createdAt. */
    from: z.optional(z.date()),
    /** Messages created before this instant (exclusive): `to` of one page is `from` of the next without overlap. */
    to: z.optional(z.date()),
    senderSide: z.optional(z.union([Side, z.literal("system")])),
    attachmentsOnly: z.optional(z.boolean()),
    /** Words to find: every word must match, as a whole word or (from 3 characters) a prefix. */
    search: z.optional(z.string().check(z.maxLength(limits.textMaxLength))),
    pageSize: z.optional(z.int().check(z.minimum(1), z.maximum(MAX_PAGE_SIZE))),
    /** The `next` cursor of the previous page. */
    cursor: z.optional(z.tuple([z.custom<Timestamp>((v) => typeof (v as Timestamp)?.toMillis === "function"), z.string()])),
  })
  .check(z.refine((o) => !o.from || !o.to || o.from < o.to, "`from` must be before `to`"));
export type HistoryInput = z.input<typeof HistoryInput>;

export interface HistoryPage {
  /** Newest first. */
  messages: ChatMessage[];
  /** Pass as `cursor` for the next (older) page; null when this was the last page. */
  next: [Timestamp, string] | null;
}

/**
 * One page of a deal's history with any combination of date range, sender side, attachments only and search.
 * The longest search word is the indexed array-contains filter (model searchQueryToken); the other words are
 * checked on the page (model matchesSearch), so a multi-word search may return short pages: follow `next`.
 */
export async function historyPage(ctx: ClientContext, input: HistoryInput): Promise<HistoryPage> {
  const options = parseInput(HistoryInput, input, "history");
  const uid = ctx.uid;
  const serverWord = options.search !== undefined ? searchQueryToken(options.search) : null;
  if (options.search !== undefined && serverWord === null) throw new DealChatError("invalid-argument", "history: the search has no searchable word");
  const spec = messageHistoryQuery({
    dealId: options.dealId,
    ...(options.from ? { from: Timestamp.fromDate(options.from) } : {}),
    ...(options.to ? { to: Timestamp.fromDate(options.to) } : {}),
    ...(options.senderSide ? { senderSide: options.senderSide } : {}),
    ...(options.attachmentsOnly ? { attachmentsOnly: true } : {}),
    ...(serverWord ? { searchToken: serverWord } : {}),
    ...(options.pageSize ? { pageSize: options.pageSize } : {}),
    ...(options.cursor ? { before: options.cursor } : {}),
  });
  let snap: QuerySnapshot;
  try {
    snap = await getDocsFromServer(ctx.query(spec));
  } catch (e) {
    throw toDealChatError(e, `history of deal ${options.dealId}`);
  }
  ctx.countReads(Math.max(1, snap.size));
  const last = snap.docs[snap.docs.length - 1];
  const next: [Timestamp, string] | null = last && snap.size >= (spec.limit ?? Number.POSITIVE_INFINITY) ? [last.get("createdAt") as Timestamp, last.id] : null;
  const messages = snap.docs
    // The other words of a multi-word search are checked on the page (one array-contains per query).
    .filter((d) => options.search === undefined || matchesSearch(d.get("text") as string | null, options.search))
    .map((d) => parseMessage(d, options.dealId, uid, null, ctx))
    .filter((m) => m !== null);
  return { messages, next };
}

/** The filters of `history`, without its paging: what `historyCount` counts. */
export type HistoryCountInput = Omit<HistoryInput, "pageSize" | "cursor">;

export interface HistoryCount {
  /** Messages matching the filters (tombstones and system messages included, as `history` returns them). */
  count: number;
  /**
   * False for a search of several words: the server counts the messages holding the longest word, and `history`
   * checks the other words on each page, so `count` is an upper bound of what `history` returns.
   */
  exact: boolean;
}

/**
 * How many messages match a history filter or search: a `count()` aggregation on the server (no message is
 * downloaded; billed one read per 1,000 matches, and one for none), served by the same index as `history`.
 */
export async function historyCount(ctx: ClientContext, input: HistoryCountInput): Promise<HistoryCount> {
  const { pageSize: _pageSize, cursor: _cursor, ...filters } = (input ?? {}) as HistoryInput;
  const options = parseInput(HistoryInput, filters, "historyCount");
  void ctx.uid; // signed in, or a clear error before any network call
  const serverWord = options.search !== undefined ? searchQueryToken(options.search) : null;
  if (options.search !== undefined && serverWord === null) throw new DealChatError("invalid-argument", "historyCount: the search has no searchable word");
  const spec = messageHistoryCountQuery({
    dealId: options.dealId,
    ...(options.from ? { from: Timestamp.fromDate(options.from) } : {}),
    ...(options.to ? { to: Timestamp.fromDate(options.to) } : {}),
    ...(options.senderSide ? { senderSide: options.senderSide } : {}),
    ...(options.attachmentsOnly ? { attachmentsOnly: true } : {}),
    ...(serverWord ? { searchToken: serverWord } : {}),
  });
  let count: number;
  try {
    count = (await getCountFromServer(ctx.query(spec))).data().count;
  } catch (e) {
    throw toDealChatError(e, `counting messages of deal ${options.dealId}`);
  }
  ctx.countReads(Math.max(1, Math.ceil(count / 1000)));
  return { count, exact: options.search === undefined || new Set(searchWords(options.search)).size <= 1 };
}
