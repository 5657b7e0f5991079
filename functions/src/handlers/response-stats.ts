// responseStats/{uid}: each participant's part of the deal, replaced whole from the deal's derivation inside the
// message trigger's transaction, and the rolling windows re-evaluated across all their deals. Derived from stored
// messages, never incremented, so duplicates and reordering leave the same document.
import { Timestamp, type DocumentReference, type Firestore } from "firebase-admin/firestore";
import { logger } from "firebase-functions";
import { inEnglish, paths, responseStatsRetentionMs, sides, userResponseStats, UserResponseStats, type ConversationState } from "@dealchat/model";
import { laterOf } from "../domain/conversation.ts";
import { deepEqual } from "../domain/messages.ts";
import { nextUserDeals, userDealEntry, type ResponseTimeDerivation } from "../domain/response-times.ts";
import type { CountedTransaction } from "../store/counted.ts";

export interface UserStatsWrite {
  ref: DocumentReference;
  data: ReturnType<typeof userResponseStats>;
}

/**
 * Reads both participants' documents (reads come before writes in a transaction) and returns those that change.
 * The windows are evaluated at the latest event time seen (`computedAt` only moves forward), so the document
 * does not depend on the order events are processed in.
 */
export async function readUserStats(
  tx: CountedTransaction,
  db: Firestore,
  dealId: string,
  state: Pick<ConversationState, "brandId" | "influencerId">,
  derivation: ResponseTimeDerivation,
  time: Timestamp,
): Promise<UserStatsWrite[]> {
  const writes: UserStatsWrite[] = [];
  for (const side of sides) {
    const uid = side === "brand" ? state.brandId : state.influencerId;
    const ref = db.doc(paths.responseStats(uid));
    const snap = await tx.getDoc(ref);
    let current: UserResponseStats | null = null;
    if (snap.exists) {
      const parsed = UserResponseStats.safeParse(snap.data(), inEnglish);
      if (parsed.success) current = parsed.data;
      // Rebuilt rather than skipped: every deal's next derivation restores its own entry.
      else logger.error("responseStats does not match the model; rebuilding it", { uid, problem: parsed.error.issues[0]?.message });
    }
    const computedAt = current ? laterOf(current.computedAt, time) : time;
    const fromMs = computedAt.toMillis() - responseStatsRetentionMs;
    const entry = userDealEntry(derivation, side, uid, fromMs, Timestamp.fromMillis);
    // This deal's part unchanged: nothing to write (the windows move with time; readers re-evaluate them for now).
    if (current && deepEqual(entry, current.deals[dealId] ?? null)) continue;
    if (!current && entry === null) continue;
    const next = userResponseStats(uid, nextUserDeals(current?.deals ?? {}, dealId, entry, fromMs), computedAt);
    writes.push({ ref, data: next });
  }
  return writes;
}

export function writeUserStats(tx: CountedTransaction, writes: readonly UserStatsWrite[]): void {
  for (const { ref, data } of writes) tx.set(ref, data);
}
