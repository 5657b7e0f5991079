// responseStats/{uid}: each user's own answers per deal, and the rolling windows over them across deals. Kept inside
// the message trigger's transaction, together with the clock it is read off: only a user whose answers in the deal
// changed has their document read and written (on a send: the answerer, on an answer; nobody on a question or a
// nudge), so an answer costs one read and one write here. Each entry follows from the stored clock (and the entry's
// own answers older than the clock's bounded list), so duplicates and reordering leave the same document. Who owes
// an answer is not stored here but on the conversation (responseTime.<side>.waitingSince), written by the same
// transaction; readers merge the two (model withOwedAnswers, client-sdk response-times.ts).
import type { Timestamp, DocumentReference, Firestore } from "firebase-admin/firestore";
import { logger } from "firebase-functions";
import { inEnglish, paths, responseStatsRetentionMs, userResponseStats, UserResponseStats, type ResponseClock } from "@dealchat/model";
import { laterOf } from "../domain/conversation.ts";
import { deepEqual } from "../domain/messages.ts";
import { nextUserDeals, userDealEntry, usersWithChangedAnswers } from "../domain/response-times.ts";
import type { CountedTransaction } from "../store/counted.ts";

export interface UserStatsWrite {
  ref: DocumentReference;
  data: ReturnType<typeof userResponseStats>;
}

/**
 * Reads the documents of the users whose answers differ between the stored clock and the next one (reads come
 * before writes in a transaction) and returns those that change. The windows are evaluated at `time` or later
 * (`computedAt` only moves forward), so the document does not depend on the order events are processed in.
 */
export async function readUserStats(
  tx: CountedTransaction,
  db: Firestore,
  dealId: string,
  before: ResponseClock | null,
  after: ResponseClock,
  time: Timestamp,
): Promise<UserStatsWrite[]> {
  const writes: UserStatsWrite[] = [];
  for (const uid of usersWithChangedAnswers(before, after)) {
    const ref = db.doc(paths.responseStats(uid));
    const snap = await tx.getDoc(ref);
    let current: UserResponseStats | null = null;
    if (snap.exists) {
      const parsed = UserResponseStats.safeParse(snap.data(), inEnglish);
      if (parsed.success) current = parsed.data;
      // Rebuilt rather than skipped: every deal's next answer restores its own entry.
      else logger.error("responseStats does not match the model; rebuilding it", { uid, problem: parsed.error.issues[0]?.message });
    }
    const computedAt = current ? laterOf(current.computedAt, time) : time;
    const fromMs = computedAt.toMillis() - responseStatsRetentionMs;
    const entry = userDealEntry(after, uid, current?.deals[dealId] ?? null, fromMs);
    if (current && deepEqual(entry, current.deals[dealId] ?? null)) continue;
    if (!current && entry === null) continue;
    writes.push({ ref, data: userResponseStats(uid, nextUserDeals(current?.deals ?? {}, dealId, entry, fromMs), computedAt) });
  }
  return writes;
}

export function writeUserStats(tx: CountedTransaction, writes: readonly UserStatsWrite[]): void {
  for (const { ref, data } of writes) tx.set(ref, data);
}
