// Message create, edit and tombstone. Both handlers re-read the message and derive everything from the
// stored state instead of the event payload, so a late or repeated event converges on the same result.
// A send costs the trigger 2 reads (message, conversation) and 1 write (the conversation): the
// message is never written back (its search tokens come from the client), and the response times advance one step
// on the conversation's clock. An answer also reads and writes the answerer's responseStats document (3 reads,
// 2 writes); who owes an answer is on the conversation, so the other side's document is not touched.
import { Timestamp, type Firestore } from "firebase-admin/firestore";
import { logger } from "firebase-functions";
import { limits, otherSide, paths, sides, type ConversationState, type Message, type ResponseClock, type Side } from "@dealchat/model";
import { db as defaultDb, bucket, storageReachable } from "../app.ts";
import { compareTimes, laterOf, nextLastMessage } from "../domain/conversation.ts";
import { attachmentPathsToDelete, deepEqual, onlyFunctionFieldsChanged, parseMessage, sameTokens, tokensFor } from "../domain/messages.ts";
import { responseTimeWindowQuery } from "../domain/queries.ts";
import { clockDerivation, deriveResponseTimes, emptyClock, responseTimeStats, stepClock, type StoredMessage } from "../domain/response-times.ts";
import { runCounted, type CountedTransaction } from "../store/counted.ts";
import { toAdminQuery } from "../store/query.ts";
import { readUserStats, writeUserStats, type UserStatsWrite } from "./response-stats.ts";
import { alreadyProcessed, countUnread, eventRecordRef, eventTime, loadConversation, noCost, recordEvent, type HandlerResult } from "./shared.ts";
import { forgetFiles } from "./verification.ts";

export interface MessageEvent {
  eventId: string;
  /** RFC 3339 time of the write; the per-user rolling windows are evaluated at the latest one seen. */
  time?: string;
  dealId: string;
  messageId: string;
}

interface ReconcileOptions {
  /** The message's event record, or null for a create (idempotent by the response clock's position, see below). */
  eventRecord: { handler: string } | null;
  /**
   * A tombstone: the message leaves the response times, so the clock is re-derived from the window, and the
   * receiver's unread count is recomputed. An edit changes neither.
   */
  deletion: boolean;
  /** A create: apply the message to the clock and recount the receiver's unread messages. */
  creation: boolean;
}

/**
 * The clock after `message`: one O(1) step when it comes after the last message applied (the common send), or a
 * re-derivation from the deal's newest limits.responseTimeWindowMessages messages when it does not (a message that
 * became visible late, a redelivered older event, a tombstone, a conversation from before the clock existed).
 * `clock` is null when the stored clock does not change; `stepped` says it took the O(1) step.
 */
async function nextClock(
  tx: CountedTransaction,
  db: Firestore,
  dealId: string,
  messageId: string,
  message: Message,
  state: ConversationState,
  rederive: boolean,
): Promise<{ clock: ResponseClock | null; stepped: boolean }> {
  const stored = state.responseClock ?? (state.lastMessage === null ? emptyClock() : undefined);
  if (!rederive && stored) {
    if (stored.through?.messageId === messageId) return { clock: null, stepped: false };
    // Strictly later in time: a message sharing the position's timestamp may already be in the unread count
    // (it counts createdAt <= the position), so it takes the re-derivation and a recount instead.
    if (stored.through === null || compareTimes(message.createdAt, stored.through.at) > 0) {
      return { clock: stepClock(stored, messageId, message).clock, stepped: true };
    }
  }
  // The correction pass: the whole (bounded) window is re-derived, so a message that became visible late
  // fixes the answers after it, and the statistics follow the definition. Read without a lock: a transactional
  // query would lock the deal's newest messages, and a client's next message into the deal would wait on it (under
  // load the emulator then refuses that write). A message the read misses is later than the position or not: its own
  // event steps the clock over it, or takes this pass again and finds it.
  const window = await tx.getQueryUnlocked(toAdminQuery(db, responseTimeWindowQuery(dealId)));
  const messages: StoredMessage[] = [];
  for (const doc of window.docs) {
    const parsed = doc.id === messageId ? message : parseMessage(doc.data());
    if (parsed) messages.push({ id: doc.id, message: parsed });
    else logger.warn("message does not match the model; left out of response times", { dealId, messageId: doc.id });
  }
  const clock = deriveResponseTimes(messages, window.size < limits.responseTimeWindowMessages).clock;
  return { clock: stored && deepEqual(clock, stored) ? null : clock, stepped: false };
}

async function reconcile(event: MessageEvent, options: ReconcileOptions, db: Firestore): Promise<HandlerResult> {
  const { dealId, messageId } = event;
  return runCounted(db, async (tx) => {
    const record = options.eventRecord ? eventRecordRef(db, options.eventRecord.handler, event.eventId) : null;
    if (record && (await alreadyProcessed(tx, record))) return { outcome: "duplicate" as const };
    const finish = (outcome: "applied" | "skipped") => {
      if (record && options.eventRecord) recordEvent(tx, record, options.eventRecord.handler, dealId, outcome);
    };

    // 1. Reads: the message as stored now (never the event's copy), then its conversation.
    const messageRef = db.doc(paths.message(dealId, messageId));
    const messageSnap = await tx.getDoc(messageRef);
    const message = parseMessage(messageSnap.data());
    if (!messageSnap.exists || !message) {
      finish("skipped");
      return { outcome: "skipped" as const, reason: messageSnap.exists ? "message does not match the schema" : "message no longer exists" };
    }
    const conversation = await loadConversation(tx, db, dealId);
    if (!conversation) {
      finish("skipped");
      return { outcome: "skipped" as const, reason: "no valid deal for this conversation" };
    }
    const state = conversation.state;
    const conversationUpdate: Record<string, unknown> = {};

    // 2. Response times: the clock (one step, or a re-derivation), the deal's statistics read off it, and the
    // per-user statistics of whoever's answers it changed (response-stats.ts: the answerer, on an answer).
    let stepped = false;
    let userStats: UserStatsWrite[] = [];
    if (options.creation || options.deletion) {
      // The clock may already hold this message (a redelivery, or a re-derivation for a late message read it from the
      // window before its own event came): then it stays as it is, and the summary and count below still run, since
      // only this message's own event is sure to bring them up to date.
      const next = await nextClock(tx, db, dealId, messageId, message, state, options.deletion);
      stepped = next.stepped;
      const clock = next.clock;
      if (clock) {
        // Evaluated no earlier than the newest message the clock holds, so its answers fall inside the windows.
        const time = clock.through ? laterOf(eventTime(event.time), Timestamp.fromMillis(clock.through.at.toMillis())) : eventTime(event.time);
        userStats = await readUserStats(tx, db, dealId, state.responseClock ?? null, clock, time);
        state.responseClock = clock;
        conversationUpdate.responseClock = clock;
        const stats = responseTimeStats(clockDerivation(clock), Timestamp.fromMillis);
        if (!deepEqual(stats, state.responseTime)) {
          state.responseTime = stats;
          conversationUpdate.responseTime = stats;
        }
      }
    }

    // 3. Unread, kept as of the clock's position (shared.ts countUnread): a message the clock stepped over (strictly
    // later than every message counted so far) adds itself to its receiver's counter, with no query, so the send path
    // reads no range of messages; anything else (a re-derivation, a tombstone, a new conversation) recounts both sides
    // with count() up to the new position. Exact under duplicates and reordering: a message is either after the
    // position (not counted yet, added once as the position moves past it) or at/before it (counted by a recount).
    const side: Side | null = message.senderSide === "system" ? null : message.senderSide;
    const setUnread = (reader: Side, unread: number) => {
      if (unread !== state.unread[reader] || conversation.isNew) conversationUpdate[`unread.${reader}`] = unread;
      if (unread > 0 !== state.hasUnread[reader] || conversation.isNew) conversationUpdate[`hasUnread.${reader}`] = unread > 0;
      state.unread[reader] = unread;
      state.hasUnread[reader] = unread > 0;
    };
    if (stepped && !conversation.isNew) {
      const reader = side ? otherSide(side) : null;
      const watermark = reader ? state.readWatermark[reader] : null;
      if (reader && !message.deleted && (watermark === null || compareTimes(message.createdAt, watermark) > 0)) setUnread(reader, state.unread[reader] + 1);
    } else if (options.creation || options.deletion || conversation.isNew) {
      for (const reader of sides) setUnread(reader, await countUnread(tx, db, dealId, state, reader));
    }

    // 4. The list entry's summary and ordering.
    const lastMessage = nextLastMessage(state.lastMessage, messageId, message);
    if (!deepEqual(lastMessage, state.lastMessage)) {
      state.lastMessage = lastMessage;
      conversationUpdate.lastMessage = lastMessage;
    }
    const lastActivityAt = laterOf(state.lastActivityAt, message.createdAt);
    if (lastActivityAt !== state.lastActivityAt) {
      state.lastActivityAt = lastActivityAt;
      conversationUpdate.lastActivityAt = lastActivityAt;
    }

    // 5. Search tokens: written by the client with the message; repaired only when they differ from the tokenizer's
    // (a client that lied, an outdated client, a message from before clients wrote them).
    const tokens = tokensFor(message);
    const repairTokens = !sameTokens(message.searchTokens, tokens);

    // 6. Writes (all reads happen before any write, a Firestore transaction requirement).
    if (repairTokens) tx.update(messageRef, { searchTokens: tokens });
    if (conversation.isNew) tx.set(conversation.ref, { ...state });
    else if (Object.keys(conversationUpdate).length > 0) tx.update(conversation.ref, conversationUpdate);
    writeUserStats(tx, userStats);
    finish("applied");
    const changed = repairTokens || conversation.isNew || Object.keys(conversationUpdate).length > 0 || userStats.length > 0;
    return { outcome: changed || record ? ("applied" as const) : ("duplicate" as const) };
  });
}

/**
 * A new message. No event record: every effect is derived from stored state (the clock's position, count(),
 * lastMessage moving forward), so a redelivery finds nothing to change and writes nothing. Effects that must happen
 * once per message (a notification) need their own idempotency key, e.g. the message id.
 */
export function handleMessageCreated(event: MessageEvent, db: Firestore = defaultDb()): Promise<HandlerResult> {
  return reconcile(event, { eventRecord: null, creation: true, deletion: false }, db);
}

export interface MessageUpdate extends MessageEvent {
  before: Record<string, unknown>;
  after: Record<string, unknown>;
}

/** An edit or a tombstone. The functions' own writes (a search-token repair) come back here and are ignored. */
export async function handleMessageUpdated(event: MessageUpdate, db: Firestore = defaultDb()): Promise<HandlerResult> {
  if (onlyFunctionFieldsChanged(event.before, event.after)) {
    return { outcome: "ignored", reason: "only function-written fields changed", cost: noCost() };
  }
  const tombstoned = event.after.deleted === true;
  // A tombstone takes the message out of the response times (docs/response-times.md); an edit changes nothing there.
  const deletion = event.before.deleted !== event.after.deleted;
  const result = await reconcile(event, { eventRecord: { handler: "messageUpdated" }, creation: false, deletion }, db);
  // Outside the transaction (Storage is not transactional) and also on a duplicate: a redelivery usually
  // means the first attempt failed, possibly after its commit and before this clean-up.
  if (tombstoned) await deleteAttachmentFiles(event);
  return result;
}

async function deleteAttachmentFiles(event: MessageUpdate): Promise<void> {
  const senderId = typeof event.before.senderId === "string" ? event.before.senderId : null;
  if (!senderId || !storageReachable()) return;
  const attachments = [
    ...(Array.isArray(event.before.attachments) ? event.before.attachments : []),
    ...(Array.isArray(event.after.attachments) ? event.after.attachments : []),
  ];
  const files = attachmentPathsToDelete(event.dealId, event.messageId, senderId, attachments);
  if (files.length === 0) return;
  try {
    const storage = await bucket();
    // A missing file is what we want (ignoreNotFound); any other failure must not fail the tombstone either.
    await Promise.all(
      files.map((path) =>
        storage
          .file(path)
          .delete({ ignoreNotFound: true })
          .catch((error: unknown) => logger.warn(`could not delete ${path}`, { error: String(error) })),
      ),
    );
    // Their previews and verdict records go too (handlers/verification.ts).
    await forgetFiles(defaultDb(), storage, files);
  } catch (error) {
    logger.warn("attachment clean-up skipped: Storage is not usable here", { dealId: event.dealId, messageId: event.messageId, error: String(error) });
  }
}
