// Read watermark moved by a participant: recount that side's unread messages (an aggregation, not a read
// of the messages) and record when they read. The functions' own writes to the conversation come back here
// too; they never move a watermark and are ignored without a read.
import type { Firestore } from "firebase-admin/firestore";
import { sides, type Side, type TimestampLike } from "@dealchat/model";
import { db as defaultDb } from "../app.ts";
import { compareTimes, laterOf } from "../domain/conversation.ts";
import { runCounted } from "../store/counted.ts";
import { alreadyProcessed, eventRecordRef, eventTime, noCost, parseConversation, recordEvent, unreadQuery, type HandlerResult } from "./shared.ts";

export interface ConversationUpdate {
  eventId: string;
  /** RFC 3339 time of the write that moved the watermark. */
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
  const readTime = eventTime(event.time);
  const handler = "readWatermark";
  return runCounted(db, async (tx) => {
    const record = eventRecordRef(db, handler, event.eventId);
    if (await alreadyProcessed(tx, record)) return { outcome: "duplicate" as const };
    const ref = db.collection("conversations").doc(event.dealId);
    const snap = await tx.getDoc(ref);
    if (!snap.exists) {
      recordEvent(tx, record, handler, event.dealId, "skipped");
      return { outcome: "skipped" as const, reason: "conversation no longer exists" };
    }
    const state = parseConversation(event.dealId, snap.data());
    if (!state) {
      recordEvent(tx, record, handler, event.dealId, "skipped");
      return { outcome: "skipped" as const, reason: "conversation does not match the model" };
    }
    const update: Record<string, unknown> = {};
    for (const side of moved) {
      // The current watermark, not the event's: an older event processed late still counts against the newest.
      const unread = await tx.count(unreadQuery(db, event.dealId, side, watermarkOf(state as unknown as Record<string, unknown>, side)));
      update[`unread.${side}`] = unread;
      update[`hasUnread.${side}`] = unread > 0;
      update[`readAt.${side}`] = laterOf(state.readAt?.[side] ?? null, readTime);
    }
    tx.update(ref, update);
    recordEvent(tx, record, handler, event.dealId, "applied");
    return { outcome: "applied" as const };
  });
}
