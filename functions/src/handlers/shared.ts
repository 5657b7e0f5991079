// Reads and writes shared by the handlers. Every handler runs in one transaction: check the event record,
// read the current state, derive, write the effect and the event record together.
import { FieldValue, Timestamp, type DocumentReference, type Firestore, type Query } from "firebase-admin/firestore";
import { logger } from "firebase-functions";
import { Conversation, Deal, inEnglish, initialConversation, paths, type ConversationState, type Side, type TimestampLike } from "@dealchat/model";
import { processedEventId, processedEventRetentionMs, processedEventsCollection } from "../domain/events.ts";
import type { Cost, CountedTransaction } from "../store/counted.ts";
import { toAdminQuery } from "../store/query.ts";
import { unreadCountQuery } from "../domain/queries.ts";

export type Outcome = "applied" | "duplicate" | "ignored" | "skipped";

export interface HandlerResult {
  outcome: Outcome;
  /** Why an event was skipped or ignored, for the logs. */
  reason?: string;
  cost: Cost;
}

export const noCost = (): Cost => ({ reads: 0, writes: 0 });

export function eventRecordRef(db: Firestore, handler: string, eventId: string): DocumentReference {
  return db.collection(processedEventsCollection).doc(processedEventId(handler, eventId));
}

/** True when the event was already processed; the caller then returns without touching anything. */
export async function alreadyProcessed(tx: CountedTransaction, ref: DocumentReference): Promise<boolean> {
  return (await tx.getDoc(ref)).exists;
}

export function recordEvent(tx: CountedTransaction, ref: DocumentReference, handler: string, dealId: string, outcome: Outcome): void {
  tx.set(ref, {
    handler,
    dealId,
    outcome,
    processedAt: FieldValue.serverTimestamp(),
    expireAt: Timestamp.fromMillis(Date.now() + processedEventRetentionMs),
  });
}

export interface LoadedConversation {
  ref: DocumentReference;
  state: ConversationState;
  /** Missing until now: the caller must create it with a full set instead of an update. */
  isNew: boolean;
}

/**
 * The conversation of a deal, or a fresh one built from the deal when the deal trigger has not created it
 * yet (events arrive in any order). Null when neither exists or the deal is malformed.
 */
export async function loadConversation(tx: CountedTransaction, db: Firestore, dealId: string): Promise<LoadedConversation | null> {
  const ref = db.doc(paths.conversation(dealId));
  const snap = await tx.getDoc(ref);
  if (snap.exists) {
    const state = parseConversation(dealId, snap.data());
    return state ? { ref, state, isNew: false } : null;
  }
  // Unlocked: the deal is the platform's to write, and its own trigger brings the conversation up to date after a change.
  const dealSnap = await tx.getDocUnlocked(db.doc(paths.deal(dealId)));
  const deal = Deal.safeParse(dealSnap.data());
  if (!dealSnap.exists || !deal.success) return null;
  return { ref, state: initialConversation(dealId, deal.data, deal.data.updatedAt), isNew: true };
}

/**
 * A stored conversation checked against the model, or null (logged) when it does not match: a malformed document
 * is skipped, never thrown on inside a retried trigger (a retry would only fail the same way, for days).
 */
export function parseConversation(dealId: string, data: unknown): ConversationState | null {
  const parsed = Conversation.safeParse(data, inEnglish);
  if (parsed.success) return parsed.data;
  logger.error("conversation does not match the model; skipping", {
    dealId,
    problem: parsed.error.issues.slice(0, 3).map((i) => `${i.path.join(".")}: ${i.message}`),
  });
  return null;
}

/** Messages `reader` has not read, as an admin query for count(). */
export function unreadQuery(db: Firestore, dealId: string, reader: Side, watermark: TimestampLike | null, through?: TimestampLike): Query {
  return toAdminQuery(db, unreadCountQuery(dealId, reader, watermark, through));
}

/**
 * The unread count of `reader` as the conversation keeps it: the messages up to the response clock's position (a
 * later message adds itself when its own event steps the clock). No clock yet (a conversation from before it): all
 * messages; a clock that has applied nothing: none, without a query. Counted without a lock, so clients' new
 * messages never wait on it: one the count misses is either after the position (it adds itself) or at or before it,
 * and then its own event finds it not strictly later and recounts.
 */
export async function countUnread(tx: CountedTransaction, db: Firestore, dealId: string, state: ConversationState, reader: Side): Promise<number> {
  const clock = state.responseClock;
  if (clock && clock.through === null) return 0;
  return tx.countUnlocked(unreadQuery(db, dealId, reader, state.readWatermark[reader], clock?.through?.at));
}

export function eventTime(time: string | undefined): Timestamp {
  const ms = time ? Date.parse(time) : Number.NaN;
  return Number.isNaN(ms) ? Timestamp.now() : Timestamp.fromMillis(ms);
}
