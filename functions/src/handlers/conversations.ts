// conversations/{dealId} updated. One kind of change matters here: a participant moved their read watermark, so
// that side's unread messages are recounted (an aggregation, not a read of the messages) and the time they read is
// recorded. Derived from the stored conversation, so no event record is needed (a redelivery finds nothing to
// change and writes nothing). Every other update (the functions' own summary, counter, clock or readAt writes) is
// ignored without a read: an invocation that does nothing (docs/functions.md, "Invocations per send").
import type { Firestore } from "firebase-admin/firestore";
import { sides, type Side, type TimestampLike } from "@dealchat/model";
import { db as defaultDb } from "../app.ts";
import { compareTimes, laterOf } from "../domain/conversation.ts";
import { deepEqual } from "../domain/messages.ts";
import { runCounted } from "../store/counted.ts";
import { countUnread, eventTime, noCost, parseConversation, type HandlerResult } from "./shared.ts";

export interface ConversationUpdate {
  eventId: string;
  /** RFC 3339 time of the write (the watermark move). */
  time: string;
  dealId: string;
  before: Record<string, unknown>;
  after: Record<string, unknown>;
}

function watermarkOf(data: Record<string, unknown>, side: Side): TimestampLike | null {
  const value = (data.readWatermark as Record<string, unknown> | undefined)?.[side];
  return value && typeof (value as TimestampLike).toMillis === "function" ? (value as TimestampLike) : null;
}

export function movedWatermarks(before: Record<string, unknown>, after: Record<string, unknown>): Side[] {
  return sides.filter((side) => {
    const a = watermarkOf(before, side);
    const b = watermarkOf(after, side);
    return a === null || b === null ? a !== b : compareTimes(a, b) !== 0;
  });
}

export async function handleConversationUpdated(event: ConversationUpdate, db: Firestore = defaultDb()): Promise<HandlerResult> {
  const moved = movedWatermarks(event.before, event.after);
  if (moved.length === 0) return { outcome: "ignored", reason: "no read watermark moved", cost: noCost() };
  const time = eventTime(event.time);
  return runCounted(db, async (tx) => {
    const ref = db.collection("conversations").doc(event.dealId);
    const snap = await tx.getDoc(ref);
    if (!snap.exists) return { outcome: "skipped" as const, reason: "conversation no longer exists" };
    const state = parseConversation(event.dealId, snap.data());
    if (!state) return { outcome: "skipped" as const, reason: "conversation does not match the model" };

    // The current watermark, not the event's, so an older event processed late still counts against the newest;
    // readAt only moves forward.
    const update: Record<string, unknown> = {};
    for (const side of moved) {
      const unread = await countUnread(tx, db, event.dealId, state, side);
      const readAt = laterOf(state.readAt?.[side] ?? null, time);
      if (unread !== state.unread[side]) update[`unread.${side}`] = unread;
      if (unread > 0 !== state.hasUnread[side]) update[`hasUnread.${side}`] = unread > 0;
      if (!deepEqual(readAt, state.readAt?.[side] ?? null)) update[`readAt.${side}`] = readAt;
    }
    if (Object.keys(update).length > 0) tx.update(ref, update);
    return { outcome: Object.keys(update).length > 0 ? ("applied" as const) : ("duplicate" as const) };
  });
}
