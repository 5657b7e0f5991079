// Response-time statistics as pure functions over values the functions derived (docs/response-times.md): the
// summary of a list of response times, and a user's rolling windows across deals. The functions store them and
// the SDK re-evaluates a user's windows for the current instant, so both use these and nothing else.
import {
  responseStatsWindows,
  type ResponseStatsWindow,
  type ResponseTimeSummary,
  type ResponseWindowStats,
  type TimestampLike,
  type UserDealResponses,
} from "./schemas.ts";

/**
 * The nearest-rank percentile of an ascending list: the smallest value with at least p of the list at or below
 * it (`sorted[ceil(p·n) − 1]`). Always a response time that happened; null for an empty list.
 */
export function nearestRank(sorted: readonly number[], p: number): number | null {
  if (sorted.length === 0) return null;
  const rank = Math.max(1, Math.ceil(p * sorted.length));
  return sorted[rank - 1]!;
}

/** count, total, mean (rounded to the ms), median and p90 of some response times, exact over the list given. */
export function summarizeResponseTimes(values: readonly number[]): ResponseTimeSummary {
  const sorted = [...values].sort((a, b) => a - b);
  const totalMs = sorted.reduce((sum, v) => sum + v, 0);
  return {
    count: sorted.length,
    totalMs,
    averageMs: sorted.length === 0 ? null : Math.round(totalMs / sorted.length),
    medianMs: nearestRank(sorted, 0.5),
    p90Ms: nearestRank(sorted, 0.9),
  };
}

/**
 * A user's statistics over the window ending at `nowMs`: the answers given within it across deals, and the answers
 * owed now in open deals whose wait started within it (`waitingSince` the oldest of them).
 */
export function responseWindow<T extends TimestampLike>(
  deals: Record<string, Omit<UserDealResponses, "waitingSince"> & { waitingSince: T | null }>,
  nowMs: number,
  windowMs: number,
): ResponseWindowStats {
  const from = nowMs - windowMs;
  const values: number[] = [];
  let unansweredTurns = 0;
  let waitingSince: T | null = null;
  for (const entry of Object.values(deals)) {
    for (const answer of entry.answers) if (answer.at.toMillis() > from && answer.at.toMillis() <= nowMs) values.push(answer.ms);
    // A debt in a closed deal has no waitingSince (its clock is paused) and is left out until the deal reopens.
    if (entry.unansweredTurns > 0 && entry.waitingSince !== null && entry.waitingSince.toMillis() > from) {
      unansweredTurns += entry.unansweredTurns;
      if (waitingSince === null || entry.waitingSince.toMillis() < waitingSince.toMillis()) waitingSince = entry.waitingSince;
    }
  }
  return { ...summarizeResponseTimes(values), unansweredTurns, waitingSince };
}

/** Every window of responseStatsWindows at `nowMs`. */
export function responseWindows<T extends TimestampLike>(
  deals: Record<string, Omit<UserDealResponses, "waitingSince"> & { waitingSince: T | null }>,
  nowMs: number,
): Record<ResponseStatsWindow, ResponseWindowStats> {
  return {
    d30: responseWindow(deals, nowMs, responseStatsWindows.d30),
    d90: responseWindow(deals, nowMs, responseStatsWindows.d90),
  };
}

/** A deal where the user owes an answer, as owedAnswersQuery returns it (the conversation's responseTime.<side>). */
export interface OwedAnswer<T extends TimestampLike> {
  dealId: string;
  side: UserDealResponses["side"];
  waitingSince: T;
}

/**
 * responseStats/{uid}.deals (the user's answers) with the answers they owe now merged in from their conversations
 * (owedAnswersQuery): the per-deal entries responseWindows reads. The functions keep the debts on the conversation
 * only, so that a send writes at most one per-user document (docs/response-times.md).
 */
export function withOwedAnswers<T extends TimestampLike>(
  deals: Record<string, UserDealResponses>,
  owed: readonly OwedAnswer<T>[],
): Record<string, Omit<UserDealResponses, "waitingSince"> & { waitingSince: TimestampLike | null }> {
  const merged: Record<string, Omit<UserDealResponses, "waitingSince"> & { waitingSince: TimestampLike | null }> = { ...deals };
  for (const debt of owed) {
    merged[debt.dealId] = { side: debt.side, answers: deals[debt.dealId]?.answers ?? [], waitingSince: debt.waitingSince, unansweredTurns: 1 };
  }
  return merged;
}
