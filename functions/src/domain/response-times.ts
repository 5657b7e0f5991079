// The response-time definition (docs/response-times.md) as one pure pass over a deal's messages in conversation
// order. Nothing here depends on the order events arrive in: the handlers re-run it on the stored messages, so
// a message that lands before later ones re-derives their response times (the correction pass).
import {
  compareConversationOrder,
  isWritableStatus,
  limits,
  otherSide,
  sides,
  summarizeResponseTimes,
  type Message,
  type ResponseClock,
  type ResponseTimeStats,
  type Side,
  type TimestampLike,
  type UserDealResponses,
} from "@dealchat/model";

export interface StoredMessage {
  id: string;
  message: Message;
}

export interface Answer {
  messageId: string;
  side: Side;
  senderId: string;
  at: TimestampLike;
  ms: number;
}

export interface ResponseTimeDerivation {
  /**
   * The response time each message should carry: a number when it answers, null when it does not. Messages
   * the window cannot decide (the first turn of a truncated window) are absent and keep what they have.
   */
  perMessage: Map<string, number | null>;
  /** Every answer in the window, in conversation order. */
  answers: Answer[];
  /** The side that owes an answer now, if any. */
  owedBy: Side | null;
  /** When the owing side's clock counts from (ms), shifted forward by closed time; null while the deal is closed. */
  waitingSinceMs: number | null;
  /** The same instant as a timestamp: the unanswered message's own createdAt when no closed time shifts it. */
  waitingSince: TimestampLike | null;
  /** The clock after the last message: what the conversation stores, so the next message is applied in O(1). */
  clock: ResponseClock;
}

/** The model's conversation order (createdAt, then message id) over stored messages. */
export function conversationOrder(a: StoredMessage, b: StoredMessage): number {
  return compareConversationOrder({ createdAt: a.message.createdAt, id: a.id }, { createdAt: b.message.createdAt, id: b.id });
}

/** A very early instant standing for "closed since before the window" (a stored clock cannot hold -Infinity). */
const closedBeforeWindowMs = Number.MIN_SAFE_INTEGER;

/** The clock of a deal before its first message. */
export function emptyClock(): ResponseClock {
  return { through: null, decided: true, owedBy: null, sinceMs: 0, since: null, pausedMs: 0, closedSinceMs: null, answers: [] };
}

/**
 * One step of the definition: `clock` after the message `id`, which must come after `clock.through` in conversation
 * order. Returns the next clock (the input is not changed) and the message's own response time: a number when it
 * answers, null when it does not, undefined when the clock cannot decide it (the first turn of a truncated window).
 *
 * - A participant's live message starts a wait for the other side when nobody owes; when its sender owes, it
 *   answers: its response time runs from the first unanswered message of the other side (not the latest: a
 *   nudge does not reset the clock), minus the time the deal was closed in between; when the other side owes,
 *   it is a nudge and changes nothing.
 * - Tombstoned messages are neither questions, nudges nor answers. System messages only open and close the
 *   deal (their statusChange): while it is closed the clock stands still.
 */
export function stepClock(clock: ResponseClock, id: string, message: Message): { clock: ResponseClock; responseTimeMs: number | null | undefined } {
  const next: ResponseClock = { ...clock, through: { at: message.createdAt, messageId: id } };
  const t = message.createdAt.toMillis();
  if (message.senderSide === "system") {
    const change = message.statusChange;
    if (change) {
      const closes = !isWritableStatus(change.to);
      if (closes && next.closedSinceMs === null) next.closedSinceMs = t;
      else if (!closes && next.closedSinceMs !== null) {
        if (next.owedBy) next.pausedMs += t - Math.max(next.closedSinceMs, next.sinceMs);
        next.closedSinceMs = null;
      }
    }
    return { clock: next, responseTimeMs: undefined };
  }
  if (message.deleted) return { clock: next, responseTimeMs: next.decided ? null : undefined };
  const side = message.senderSide;
  if (next.owedBy === side) {
    // The clock stopped when the deal closed (the platform may still post while it is closed).
    const end = next.closedSinceMs ?? t;
    // Whole milliseconds: timestamps carry microseconds, the statistics do not need them.
    const ms = Math.max(0, Math.round(end - next.sinceMs - next.pausedMs));
    const decided = next.decided;
    if (decided) {
      const answers = [...next.answers, { side, senderId: message.senderId, at: message.createdAt, ms }];
      next.answers = answers.slice(Math.max(0, answers.length - limits.responseAnswersPerDeal));
    }
    next.decided = true;
    next.owedBy = otherSide(side);
    next.sinceMs = t;
    next.since = message.createdAt;
    next.pausedMs = 0;
    return { clock: next, responseTimeMs: decided ? ms : undefined };
  }
  if (next.owedBy === null) {
    next.owedBy = otherSide(side);
    next.sinceMs = t;
    next.since = message.createdAt;
    next.pausedMs = 0;
  }
  return { clock: next, responseTimeMs: next.decided ? null : undefined };
}

/**
 * Walks the messages in conversation order (stepClock). `complete` says the list is the deal's whole history;
 * otherwise it is the newest window, and the messages of its first turn (which may answer something older) are
 * left undecided.
 */
export function deriveResponseTimes(messages: readonly StoredMessage[], complete: boolean): ResponseTimeDerivation {
  const ordered = [...messages].sort(conversationOrder);
  const perMessage = new Map<string, number | null>();
  const answers: Answer[] = [];
  let clock = emptyClock();
  clock.decided = complete;
  // Whether the deal was closed when the window starts: the first status change says what it changed from.
  const firstChange = ordered.find((m) => m.message.statusChange)?.message.statusChange;
  if (firstChange && !isWritableStatus(firstChange.from)) clock.closedSinceMs = closedBeforeWindowMs;
  for (const { id, message } of ordered) {
    const step = stepClock(clock, id, message);
    clock = step.clock;
    if (step.responseTimeMs === undefined) continue;
    perMessage.set(id, step.responseTimeMs);
    if (step.responseTimeMs !== null && message.senderSide !== "system") {
      answers.push({ messageId: id, side: message.senderSide, senderId: message.senderId, at: message.createdAt, ms: step.responseTimeMs });
    }
  }
  return { perMessage, answers, ...clockOutcome(clock), clock };
}

/** Who owes and since when, as a clock says. */
function clockOutcome(clock: ResponseClock): Pick<ResponseTimeDerivation, "owedBy" | "waitingSinceMs" | "waitingSince"> {
  const waiting = clock.owedBy !== null && clock.closedSinceMs === null;
  return {
    owedBy: clock.owedBy,
    waitingSinceMs: waiting ? clock.sinceMs + clock.pausedMs : null,
    waitingSince: waiting && clock.pausedMs === 0 ? clock.since : null,
  };
}

/** What the statistics are derived from, read off a stored clock (its answers are the deal's newest). */
export function clockDerivation(clock: ResponseClock): ResponseTimeDerivation {
  return {
    perMessage: new Map(),
    answers: clock.answers.map((a) => ({ messageId: "", side: a.side, senderId: a.senderId, at: a.at, ms: a.ms })),
    ...clockOutcome(clock),
    clock,
  };
}

/** The owing side's waitingSince as a stored timestamp (null when nobody owes or the deal is closed). */
function waitingTimestamp<T extends TimestampLike>(derivation: ResponseTimeDerivation, toTimestamp: (ms: number) => T): TimestampLike | null {
  if (derivation.waitingSinceMs === null) return null;
  return derivation.waitingSince ?? toTimestamp(Math.round(derivation.waitingSinceMs));
}

/** conversations/{dealId}.responseTime from a derivation; `toTimestamp` builds the SDK's Timestamp. */
export function responseTimeStats<T extends TimestampLike>(
  derivation: ResponseTimeDerivation,
  toTimestamp: (ms: number) => T,
): Record<Side, ResponseTimeStats> {
  const stats = {} as Record<Side, ResponseTimeStats>;
  for (const side of sides) {
    const owes = derivation.owedBy === side;
    stats[side] = {
      ...summarizeResponseTimes(derivation.answers.filter((a) => a.side === side).map((a) => a.ms)),
      waitingSince: owes ? waitingTimestamp(derivation, toTimestamp) : null,
      unansweredTurns: owes ? 1 : 0,
    };
  }
  return stats;
}

/**
 * The part of the deal's answers the clock decides: all of them, or — when the clock holds only the deal's newest
 * limits.responseAnswersPerDeal answers — those from its oldest kept answer on (ms). Answers before it fell off the
 * clock earlier and stay in the users' statistics as they were.
 */
export function clockRangeStartMs(clock: ResponseClock): number {
  return clock.answers.length >= limits.responseAnswersPerDeal ? clock.answers[0]!.at.toMillis() : Number.NEGATIVE_INFINITY;
}

/** `uid`'s answers in the clock from `fromMs` on, as {at, ms}. */
function answersOf(clock: ResponseClock, uid: string, fromMs: number): Array<{ side: Side; at: TimestampLike; ms: number }> {
  return clock.answers.filter((a) => a.senderId === uid && a.at.toMillis() >= fromMs).map((a) => ({ side: a.side, at: a.at, ms: a.ms }));
}

/**
 * The users whose answers in this deal differ between two clocks, over the range the new clock decides: on a send
 * only the answerer (a question or a nudge changes nobody's), on a re-derivation whoever's answers moved. An answer
 * that merely fell off the clock's bounded list changes nobody's statistics.
 */
export function usersWithChangedAnswers(before: ResponseClock | null, after: ResponseClock): string[] {
  const from = clockRangeStartMs(after);
  const uids = new Set([...(before?.answers ?? []), ...after.answers].map((a) => a.senderId));
  return [...uids].filter((uid) => {
    const a = before ? answersOf(before, uid, from) : [];
    const b = answersOf(after, uid, from);
    return a.length !== b.length || a.some((x, i) => x.ms !== b[i]!.ms || x.at.toMillis() !== b[i]!.at.toMillis() || x.side !== b[i]!.side);
  });
}

/**
 * `uid`'s part of a deal in responseStats/{uid} after the clock moved to `clock`: their own answers (by senderId, so
 * answers given before a participant was replaced stay with whoever gave them) since `fromMs` — the clock's, plus the
 * entry's older ones the clock no longer holds. Debts are not kept here: who owes an answer is on the conversation
 * (responseTime.<side>.waitingSince), where the message trigger writes it anyway, and readers merge it in
 * (model withOwedAnswers). Null when there is nothing to keep.
 */
export function userDealEntry(clock: ResponseClock, uid: string, previous: UserDealResponses | null, fromMs: number): UserDealResponses | null {
  const rangeStart = clockRangeStartMs(clock);
  const own = answersOf(clock, uid, rangeStart);
  const kept = (previous?.answers ?? []).filter((a) => a.at.toMillis() < rangeStart);
  const answers = [...kept, ...own.map(({ at, ms }) => ({ at, ms }))].filter((a) => a.at.toMillis() > fromMs);
  const side = own[0]?.side ?? previous?.side;
  if (answers.length === 0 || !side) return null;
  return { side, answers, waitingSince: null, unansweredTurns: 0 };
}

/**
 * responseStats/{uid}.deals after replacing one deal's entry: every entry's answers older than `fromMs` dropped,
 * empty entries removed, and at most limits.responseStatsMaxAnswers answers kept (the newest).
 */
export function nextUserDeals(
  current: Record<string, UserDealResponses>,
  dealId: string,
  entry: UserDealResponses | null,
  fromMs: number,
): Record<string, UserDealResponses> {
  const deals: Record<string, UserDealResponses> = {};
  for (const [id, e] of Object.entries({ ...current, [dealId]: entry })) {
    if (!e) continue;
    const answers = e.answers.filter((a) => a.at.toMillis() > fromMs);
    if (answers.length > 0 || e.unansweredTurns > 0) deals[id] = { ...e, answers };
  }
  const all = Object.entries(deals).flatMap(([id, e]) => e.answers.map((a) => ({ id, ms: a.at.toMillis() })));
  if (all.length > limits.responseStatsMaxAnswers) {
    all.sort((a, b) => b.ms - a.ms);
    // The oldest kept answer; equal instants at the cut are kept or dropped together with the stable rule below.
    const cut = all[limits.responseStatsMaxAnswers - 1]!.ms;
    let keepAtCut = all.slice(0, limits.responseStatsMaxAnswers).filter((a) => a.ms === cut).length;
    for (const [id, e] of Object.entries(deals).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
      const answers = e.answers.filter((a) => {
        const ms = a.at.toMillis();
        if (ms > cut) return true;
        if (ms < cut || keepAtCut === 0) return false;
        keepAtCut -= 1;
        return true;
      });
      if (answers.length > 0 || e.unansweredTurns > 0) deals[id] = { ...e, answers };
      else delete deals[id];
    }
  }
  return deals;
}
