// Message create, edit and tombstone. Both handlers re-read the message and derive everything from the
// stored state instead of the event payload, so a late or repeated event converges on the same result.
import type { Firestore } from "firebase-admin/firestore";
import { logger } from "firebase-functions";
import { otherSide, paths, type Message, type Side } from "@dealchat/model";
import { db as defaultDb, bucket, storageReachable } from "../app.ts";
import { addResponseTime, laterOf, nextLastMessage, responseTimeMs } from "../domain/conversation.ts";
import { attachmentPathsToDelete, onlyFunctionFieldsChanged, parseMessage, sameTokens, tokensFor } from "../domain/messages.ts";
import { previousParticipantMessageQuery } from "../domain/queries.ts";
import { runCounted, type CountedTransaction } from "../store/counted.ts";
import { toAdminQuery } from "../store/query.ts";
import { alreadyProcessed, eventRecordRef, loadConversation, noCost, recordEvent, unreadQuery, type HandlerResult } from "./shared.ts";

export interface MessageEvent {
  eventId: string;
  dealId: string;
  messageId: string;
}

interface ReconcileOptions {
  /** Derive this message's response time if it has none yet (the create event). */
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

    if (side && options.responseTime && message.responseTimeMs === undefined) {
      const ms = await answeredGap(tx, db, dealId, message);
      if (ms !== null) {
        // The message's own responseTimeMs is the guard: written in the same transaction as the running
        // total, it keeps the total exact even if the same message is seen under another event id.
        messageUpdate.responseTimeMs = ms;
        state.responseTime[side] = addResponseTime(state.responseTime[side], ms);
        conversationUpdate[`responseTime.${side}`] = state.responseTime[side];
      }
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
    if (conversation.isNew) tx.set(conversation.ref, { ...state });
    else if (Object.keys(conversationUpdate).length > 0) tx.update(conversation.ref, conversationUpdate);
    recordEvent(tx, record, handler, dealId, "applied");
    return { outcome: "applied" as const };
  });
}

/** The gap to the other side's message that this one answers, from the latest earlier participant message. */
async function answeredGap(tx: CountedTransaction, db: Firestore, dealId: string, message: Message): Promise<number | null> {
  const previous = await tx.getQuery(toAdminQuery(db, previousParticipantMessageQuery(dealId, message.createdAt)));
  const earlier = previous.docs[0]?.data();
  if (!earlier) return null;
  return responseTimeMs(message, { senderSide: earlier.senderSide, createdAt: earlier.createdAt });
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
  // No response time here: the message's own create event derives it whenever it arrives, even after this one.
  const result = await reconcile("messageUpdated", event, { responseTime: false, recountUnread: event.before.deleted !== event.after.deleted }, db);
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
  } catch (error) {
    logger.warn("attachment clean-up skipped: Storage is not usable here", { dealId: event.dealId, messageId: event.messageId, error: String(error) });
  }
}
