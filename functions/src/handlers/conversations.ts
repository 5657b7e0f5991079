// conversations/{dealId} updated. Two kinds of change matter here, and both are derived from the stored
// conversation, so no event record is needed (a redelivery finds nothing to change and writes nothing):
// - a participant moved their read watermark: recount that side's unread messages (an aggregation, not a read of
//   the messages) and record when they read;
// - the message trigger advanced the response clock: replace this deal's entry in both participants'
//   responseStats/{uid} (kept off the message trigger's transaction, so a send's delivery path stays short).
// Every other update (the functions' own summary, counter or readAt writes) is ignored without a read.
import { Timestamp, type Firestore } from "firebase-admin/firestore";
import { ResponseClock, sides, type Side, type TimestampLike } from "@dealchat/model";
import { db as defaultDb } from "../app.ts";
import { compareTimes, laterOf } from "../domain/conversation.ts";
import { deepEqual } from "../domain/messages.ts";
import { clockDerivation } from "../domain/response-times.ts";
import { runCounted } from "../store/counted.ts";
import { readUserStats, writeUserStats } from "./response-stats.ts";
import { countUnread, eventTime, noCost, parseConversation, type HandlerResult } from "./shared.ts";

export interface ConversationUpdate {
  eventId: string;
  /** RFC 3339 time of the write (the watermark move, or the functions' write of the clock). */
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

/** What the per-user statistics read off a clock: the answers and who owes since when (not its position). */
function statisticsView(data: Record<string, unknown>): unknown {
  const parsed = ResponseClock.safeParse(data.responseClock);
  if (!parsed.success) return null;
  const { answers, owedBy, waitingSinceMs } = clockDerivation(parsed.data);
  return { answers: answers.map((a) => [a.senderId, a.at, a.ms]), owedBy, waitingSinceMs, brandId: data.brandId, influencerId: data.influencerId };
}

/**
 * True when the update changed what the participants' statistics are made of: an answer, who owes, since when, or
 * who the participants are. A nudge moves the clock's position only and is ignored without a read.
 */
export function statisticsChanged(before: Record<string, unknown>, after: Record<string, unknown>): boolean {
  return after.responseClock !== undefined && !deepEqual(statisticsView(before), statisticsView(after));
}

export async function handleConversationUpdated(event: ConversationUpdate, db: Firestore = defaultDb()): Promise<HandlerResult> {
  const moved = movedWatermarks(event.before, event.after);
  const statistics = statisticsChanged(event.before, event.after);
  if (moved.length === 0 && !statistics) return { outcome: "ignored", reason: "no read watermark or response clock moved", cost: noCost() };
  const time = eventTime(event.time);
  return runCounted(db, async (tx) => {
    const ref = db.collection("conversations").doc(event.dealId);
    const snap = await tx.getDoc(ref);
    if (!snap.exists) return { outcome: "skipped" as const, reason: "conversation no longer exists" };
    const state = parseConversation(event.dealId, snap.data());
    if (!state) return { outcome: "skipped" as const, reason: "conversation does not match the model" };

    // Read watermarks: the current watermark, not the event's, so an older event processed late still counts
    // against the newest; readAt only moves forward.
    const update: Record<string, unknown> = {};
    for (const side of moved) {
      const unread = await countUnread(tx, db, event.dealId, state, side);
      const readAt = laterOf(state.readAt?.[side] ?? null, time);
      if (unread !== state.unread[side]) update[`unread.${side}`] = unread;
      if (unread > 0 !== state.hasUnread[side]) update[`hasUnread.${side}`] = unread > 0;
      if (!deepEqual(readAt, state.readAt?.[side] ?? null)) update[`readAt.${side}`] = readAt;
    }

    // Per-user statistics from the stored clock (the current one, whichever event brought us here); computedAt only
    // moves forward, so processing order does not matter.
    // Evaluated no earlier than the newest message the clock holds, so its answers fall inside the windows.
    const clock = state.responseClock;
    const computedAt = clock?.through ? laterOf(time, Timestamp.fromMillis(clock.through.at.toMillis())) : time;
    const userStats = statistics && clock ? await readUserStats(tx, db, event.dealId, state, clockDerivation(clock), computedAt) : [];

    if (Object.keys(update).length > 0) tx.update(ref, update);
    writeUserStats(tx, userStats);
    return { outcome: Object.keys(update).length > 0 || userStats.length > 0 ? ("applied" as const) : ("duplicate" as const) };
  });
}
