// The one order of a conversation's messages, used by everything that folds messages in sequence (the response
// clock, the last-message summary, the tests that check them): createdAt at the precision it is stored with
// (Firestore keeps microseconds), then the message id. Two messages never compare equal, so every copy of the
// data folds them the same way, whatever order their events were processed in.
import type { TimestampLike } from "./schemas.ts";

/** Negative, zero or positive as `a` is before, at or after `b`, at the stored precision (not rounded to ms). */
export function compareTimestamps(a: TimestampLike, b: TimestampLike): number {
  return a.seconds !== b.seconds ? a.seconds - b.seconds : a.nanoseconds - b.nanoseconds;
}

/** A message's place in the conversation order. */
export interface OrderedMessageKey {
  createdAt: TimestampLike;
  id: string;
}

/** Conversation order: createdAt, then message id (ascending, by code unit) when two share a timestamp. */
export function compareConversationOrder(a: OrderedMessageKey, b: OrderedMessageKey): number {
  return compareTimestamps(a.createdAt, b.createdAt) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}
