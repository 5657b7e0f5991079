// Message create, edit and tombstone. Both handlers re-read the message and derive everything from the
// stored state instead of the event payload, so a late or repeated event converges on the same result.
import { FieldValue, Timestamp, type DocumentReference, type Firestore } from "firebase-admin/firestore";
import { logger } from "firebase-functions";
import { limits, otherSide, paths, type Side } from "@dealchat/model";
import { db as defaultDb, bucket, storageReachable } from "../app.ts";
import { laterOf, nextLastMessage } from "../domain/conversation.ts";
import { attachmentPathsToDelete, deepEqual, onlyFunctionFieldsChanged, parseMessage, sameTokens, tokensFor } from "../domain/messages.ts";
import { responseTimeWindowQuery } from "../domain/queries.ts";
import { deriveResponseTimes, responseTimeStats, type StoredMessage } from "../domain/response-times.ts";
import { runCounted } from "../store/counted.ts";
import { toAdminQuery } from "../store/query.ts";
import { alreadyProcessed, eventRecordRef, eventTime, loadConversation, noCost, recordEvent, unreadQuery, type HandlerResult } from "./shared.ts";
import { readUserStats, writeUserStats } from "./response-stats.ts";
import { forgetFiles } from "./verification.ts";

export interface MessageEvent {
  eventId: string;
  /** RFC 3339 time of the write; the per-user rolling windows are evaluated at the latest one seen. */
  time?: string;
  dealId: string;
  messageId: string;
}

interface ReconcileOptions {
  /** Re-derive the deal's response times from its stored messages (a create, or a tombstone). */
  responseTime: boolean;
  /** Recount the unread messages of the side that receives this one (a create, or a tombstone). */
  recountUnread: boolean;
}

async function reconcile(handler: string, event: MessageEvent, options: ReconcileOptions, db: Firestore): Promise<HandlerResult> {
  const { dealId, messageId } = event;
  return runCounted(db, async (tx) => {
    const record = eventRecordRef(db, handler, event.eventId);
    if (await alreadyProcessed(tx, record)) return { outcome: "duplicate" as const };

    const messageRef = db.doc(paths.message(dealId, messageId));
    const messageSnap = await tx.getDoc(messageRef);
    const message = parseMessage(messageSnap.data());
    if (!messageSnap.exists || !message) {
      recordEvent(tx, record, handler, dealId, "skipped");
      return { outcome: "skipped" as const, reason: messageSnap.exists ? "message does not match the schema" : "message no longer exists" };
    }
    const conversation = await loadConversation(tx, db, dealId);
    if (!conversation) {
      recordEvent(tx, record, handler, dealId, "skipped");
      return { outcome: "skipped" as const, reason: "no valid deal for this conversation" };
    }

    // All reads happen before any write (a Firestore transaction requirement).
    const messageUpdate: Record<string, unknown> = {};
    const conversationUpdate: Record<string, unknown> = {};
    const state = conversation.state;
    const side: Side | null = message.senderSide === "system" ? null : message.senderSide;

    const corrections: Array<[DocumentReference, Record<string, unknown>]> = [];
    let userStats: Awaited<ReturnType<typeof readUserStats>> = [];
    if (options.responseTime) {
      // The correction pass: the whole (bounded) window is re-derived, so a message that became visible late
      // fixes the response times of the messages after it, and the statistics follow the definition.
      const window = await tx.getQuery(toAdminQuery(db, responseTimeWindowQuery(dealId)));
      const stored: StoredMessage[] = [];
      for (const doc of window.docs) {
        const parsed = doc.id === messageId ? message : parseMessage(doc.data());
        if (parsed) stored.push({ id: doc.id, message: parsed });
        else logger.warn("message does not match the model; left out of response times", { dealId, messageId: doc.id });
      }
      const derivation = deriveResponseTimes(stored, window.size < limits.responseTimeWindowMessages);
      for (const { id, message: m } of stored) {
        if (!derivation.perMessage.has(id)) continue;
        const want = derivation.perMessage.get(id) ?? null;
        if (want === (m.responseTimeMs ?? null)) continue;
        const value = want === null ? FieldValue.delete() : want;
        if (id === messageId) messageUpdate.responseTimeMs = value;
        else corrections.push([db.doc(paths.message(dealId, id)), { responseTimeMs: value }]);
      }
      const stats = responseTimeStats(derivation, Timestamp.fromMillis);
      if (!deepEqual(stats, state.responseTime)) {
        state.responseTime = stats;
        conversationUpdate.responseTime = stats;
      }
      userStats = await readUserStats(tx, db, dealId, state, derivation, eventTime(event.time));
    }
    // A conversation this handler creates (its deal event has not been processed yet) may already have
    // history: count both sides rather than starting from zero.
    const readers: Side[] = conversation.isNew ? ["brand", "influencer"] : side && options.recountUnread ? [otherSide(side)] : [];
    for (const reader of readers) {
      state.unread[reader] = await tx.count(unreadQuery(db, dealId, reader, state.readWatermark[reader]));
      state.hasUnread[reader] = state.unread[reader] > 0;
      conversationUpdate[`unread.${reader}`] = state.unread[reader];
      conversationUpdate[`hasUnread.${reader}`] = state.hasUnread[reader];
    }

    const tokens = tokensFor(message);
    if (!sameTokens(message.searchTokens, tokens)) messageUpdate.searchTokens = tokens;

    const lastMessage = nextLastMessage(state.lastMessage, messageId, message);
    if (lastMessage !== state.lastMessage) {
      state.lastMessage = lastMessage;
      conversationUpdate.lastMessage = lastMessage;
    }
    const lastActivityAt = laterOf(state.lastActivityAt, message.createdAt);
    if (lastActivityAt !== state.lastActivityAt) {
      state.lastActivityAt = lastActivityAt;
      conversationUpdate.lastActivityAt = lastActivityAt;
    }

    if (Object.keys(messageUpdate).length > 0) tx.update(messageRef, messageUpdate);
    for (const [ref, update] of corrections) tx.update(ref, update);
    writeUserStats(tx, userStats);
    if (conversation.isNew) tx.set(conversation.ref, { ...state });
    else if (Object.keys(conversationUpdate).length > 0) tx.update(conversation.ref, conversationUpdate);
    recordEvent(tx, record, handler, dealId, "applied");
    return { outcome: "applied" as const };
  });
}

export function handleMessageCreated(event: MessageEvent, db: Firestore = defaultDb()): Promise<HandlerResult> {
  return reconcile("messageCreated", event, { responseTime: true, recountUnread: true }, db);
}

export interface MessageUpdate extends MessageEvent {
  before: Record<string, unknown>;
  after: Record<string, unknown>;
}

/** An edit or a tombstone. The functions' own writes (tokens, response time) come back here and are ignored. */
export async function handleMessageUpdated(event: MessageUpdate, db: Firestore = defaultDb()): Promise<HandlerResult> {
  if (onlyFunctionFieldsChanged(event.before, event.after)) {
    return { outcome: "ignored", reason: "only function-written fields changed", cost: noCost() };
  }
  const tombstoned = event.after.deleted === true;
  // A tombstone takes the message out of the response times (docs/response-times.md); an edit changes nothing there.
  const deletion = event.before.deleted !== event.after.deleted;
  const result = await reconcile("messageUpdated", event, { responseTime: deletion, recountUnread: deletion }, db);
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
