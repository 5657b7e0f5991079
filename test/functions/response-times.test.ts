// The response-time definition (docs/response-times.md) on hand-built conversations: every expected value is
// worked out by hand in the comment next to it. Pure: no emulator.
import { Timestamp } from "firebase-admin/firestore";
import { describe, expect, it } from "vitest";
import {
  limits,
  nearestRank,
  responseWindow,
  responseWindows,
  summarizeResponseTimes,
  withOwedAnswers,
  systemMessage,
  type DealStatus,
  type Message,
  type UserDealResponses,
} from "@dealchat/model";
import {
  deriveResponseTimes,
  nextUserDeals,
  responseTimeStats,
  userDealEntry,
  usersWithChangedAnswers,
  type StoredMessage,
} from "../../functions/src/domain/response-times.ts";

const T0 = Date.UTC(2026, 0, 5, 9, 0, 0);
const s = (seconds: number) => Timestamp.fromMillis(T0 + seconds * 1000);
const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;

function msg(id: string, side: "brand" | "influencer", seconds: number, over: Partial<Message> = {}): StoredMessage {
  return {
    id,
    message: {
      senderId: side === "brand" ? "uid-brand" : "uid-influencer",
      senderSide: side,
      text: id,
      attachments: [],
      hasAttachments: false,
      createdAt: s(seconds),
      editedAt: null,
      deleted: false,
      deletedAt: null,
      ...over,
    },
  };
}
const deleted = (m: StoredMessage): StoredMessage => ({ ...m, message: { ...m.message, deleted: true, text: null, deletedAt: m.message.createdAt } });
const status = (id: string, seconds: number, from: DealStatus, to: DealStatus): StoredMessage => ({
  id,
  message: systemMessage(`→ ${to}`, s(seconds), { from, to }) as Message,
});

/** The same derivation for every order the messages are given in (here: as given, reversed, and rotated). */
function derive(messages: StoredMessage[], complete = true) {
  const result = deriveResponseTimes(messages, complete);
  for (const order of [[...messages].reverse(), [...messages.slice(2), ...messages.slice(0, 2)]]) {
    expect(deriveResponseTimes(order, complete)).toEqual(result);
  }
  return result;
}
const perMessage = (d: ReturnType<typeof deriveResponseTimes>) => Object.fromEntries(d.perMessage);

describe("response-time definition", () => {
  it("a nudge does not reset the clock: asked 09:00, nudged 11:00, answered 11:05 is 2 h 05 min", () => {
    const d = derive([msg("b1", "brand", 0), msg("b2", "brand", 2 * 3600), msg("i1", "influencer", 2 * 3600 + 5 * 60)]);
    expect(perMessage(d)).toEqual({ b1: null, b2: null, i1: 2 * HOUR + 5 * MIN });
    // The brand now owes the influencer an answer, counted from 11:05.
    expect(d.owedBy).toBe("brand");
    expect(d.waitingSinceMs).toBe(T0 + (2 * 3600 + 5 * 60) * 1000);
    const stats = responseTimeStats(d, Timestamp.fromMillis);
    expect(stats.influencer).toEqual({
      count: 1,
      totalMs: 7_500_000,
      averageMs: 7_500_000,
      medianMs: 7_500_000,
      p90Ms: 7_500_000,
      waitingSince: null,
      unansweredTurns: 0,
    });
    expect(stats.brand).toMatchObject({ count: 0, averageMs: null, medianMs: null, p90Ms: null, unansweredTurns: 1 });
    expect(stats.brand.waitingSince?.toMillis()).toBe(T0 + 7_500_000);
  });

  it("interleaved bursts: each answer counts from the first message of the other side's turn", () => {
    const d = derive([
      msg("b1", "brand", 0),
      msg("b2", "brand", 10),
      msg("i1", "influencer", 30), // answers b1: 30 s
      msg("i2", "influencer", 40), // nudge
      msg("b3", "brand", 100), // answers i1 (30): 70 s
      msg("i3", "influencer", 130), // answers b3 (100): 30 s
      msg("i4", "influencer", 131), // nudge
      msg("b4", "brand", 250), // answers i3 (130): 120 s
      msg("b5", "brand", 251), // nudge
    ]);
    expect(perMessage(d)).toEqual({ b1: null, b2: null, i1: 30_000, i2: null, b3: 70_000, i3: 30_000, i4: null, b4: 120_000, b5: null });
    const stats = responseTimeStats(d, Timestamp.fromMillis);
    // brand [70 s, 120 s]: median = nearest rank ceil(0.5·2) = 1st = 70 s; p90 = ceil(0.9·2) = 2nd = 120 s; mean 95 s.
    expect(stats.brand).toMatchObject({
      count: 2,
      totalMs: 190_000,
      averageMs: 95_000,
      medianMs: 70_000,
      p90Ms: 120_000,
      unansweredTurns: 0,
      waitingSince: null,
    });
    expect(stats.influencer).toMatchObject({ count: 2, totalMs: 60_000, averageMs: 30_000, medianMs: 30_000, p90Ms: 30_000, unansweredTurns: 1 });
    // b4 at 250 starts the influencer's wait; b5 is a nudge.
    expect(stats.influencer.waitingSince?.toMillis()).toBe(T0 + 250_000);
  });

  it("tombstoned messages are neither questions nor answers", () => {
    // A deleted question: the clock starts at the brand's next live message (60), answered at 90 → 30 s.
    const question = derive([deleted(msg("b1", "brand", 0)), msg("b2", "brand", 60), msg("i1", "influencer", 90)]);
    expect(perMessage(question)).toEqual({ b1: null, b2: null, i1: 30_000 });
    // A deleted answer: the influencer still owed until i2 at 50 → 50 s; i1 carries nothing.
    const answer = derive([msg("b1", "brand", 0), deleted(msg("i1", "influencer", 20)), msg("i2", "influencer", 50)]);
    expect(perMessage(answer)).toEqual({ b1: null, i1: null, i2: 50_000 });
    // Only a deleted answer: the influencer owes again, from 0, and nothing is counted.
    const unanswered = derive([msg("b1", "brand", 0), deleted(msg("i1", "influencer", 20))]);
    expect(responseTimeStats(unanswered, Timestamp.fromMillis).influencer).toMatchObject({ count: 0, unansweredTurns: 1 });
    expect(unanswered.waitingSinceMs).toBe(T0);
  });

  it("the clock stands still while the deal is closed, and the debt survives the reopening", () => {
    const asked = msg("b1", "brand", 0);
    const completed = status("s1", 100, "active", "completed");
    const reopened = status("s2", 400, "completed", "open");
    // Closed at 100: the influencer still owes (1 unanswered turn) but no clock runs, so no waitingSince.
    const closed = derive([asked, completed]);
    expect(responseTimeStats(closed, Timestamp.fromMillis).influencer).toMatchObject({ unansweredTurns: 1, waitingSince: null });
    // Reopened at 400: the 100 s already waited still count, so the clock reads as if started at 0 + 300 s.
    const open = derive([asked, completed, reopened]);
    expect(open.waitingSinceMs).toBe(T0 + 300_000);
    // Answered at 450: (100 − 0) + (450 − 400) = 150 s, not 450 s.
    const answered = derive([asked, completed, reopened, msg("i1", "influencer", 450)]);
    expect(perMessage(answered)).toEqual({ b1: null, i1: 150_000 });
    // Two closed periods: 0→100 open, 100–200 cancelled, 200–300 open, 300–350 completed, answered at 380:
    // 100 + 100 + 30 = 230 s.
    const twice = derive([
      asked,
      status("c1", 100, "active", "cancelled"),
      status("o1", 200, "cancelled", "active"),
      status("c2", 300, "active", "completed"),
      status("o2", 350, "completed", "active"),
      msg("i1", "influencer", 380),
    ]);
    expect(perMessage(twice)).toEqual({ b1: null, i1: 230_000 });
    // A status change between two open statuses pauses nothing: 0 → 50 active → answered at 80 = 80 s.
    expect(perMessage(derive([asked, status("a", 50, "open", "active"), msg("i1", "influencer", 80)]))).toEqual({ b1: null, i1: 80_000 });
  });

  it("orders equal timestamps by message id: the later id answers in 0 ms", () => {
    expect(perMessage(derive([msg("a", "brand", 10), msg("b", "influencer", 10)]))).toEqual({ a: null, b: 0 });
    const reversed = derive([msg("b", "brand", 10), msg("a", "influencer", 10), msg("c", "influencer", 10)]);
    // a (influencer) comes first; b (brand) answers it in 0 ms; c answers b in 0 ms.
    expect(perMessage(reversed)).toEqual({ a: null, b: 0, c: 0 });
    expect(responseTimeStats(reversed, Timestamp.fromMillis).brand).toMatchObject({ count: 1, medianMs: 0 });
  });

  it("a late message re-derives the ones after it (the correction pass is a re-run on the stored messages)", () => {
    const before = derive([msg("b1", "brand", 0), msg("i2", "influencer", 100)]);
    expect(perMessage(before)).toEqual({ b1: null, i2: 100_000 });
    // i1 (50) becomes visible after i2 was processed: i1 now answers in 50 s and i2 is a nudge.
    const after = derive([msg("b1", "brand", 0), msg("i2", "influencer", 100), msg("i1", "influencer", 50)]);
    expect(perMessage(after)).toEqual({ b1: null, i1: 50_000, i2: null });
  });

  it("a truncated window leaves its first turn undecided (it may answer something older)", () => {
    const d = derive([msg("i1", "influencer", 0), msg("i2", "influencer", 5), msg("b1", "brand", 20), msg("i3", "influencer", 50)], false);
    // i1 and i2 may answer an older brand message, and the brand's wait behind b1 may have started before i1:
    // all three are left as stored. From b1 on the order is known: i3 answers b1 in 30 s.
    expect(perMessage(d)).toEqual({ i3: 30_000 });
    // The window starts inside a closed period when its first status change reopens the deal: b1's turn and i1
    // (which answers it) are undecided; b2 answers i1 (130) in 10 s.
    const closedStart = derive([msg("b1", "brand", 0), status("s", 100, "completed", "active"), msg("i1", "influencer", 130), msg("b2", "brand", 140)], false);
    expect(perMessage(closedStart)).toEqual({ b2: 10_000 });
  });
});

describe("summaries and windows", () => {
  it("median and p90 are nearest-rank values of the list", () => {
    expect(summarizeResponseTimes([5, 1, 3, 2, 4])).toEqual({ count: 5, totalMs: 15, averageMs: 3, medianMs: 3, p90Ms: 5 });
    // 10 values 1..10: median = 5th = 5, p90 = 9th = 9; mean 5.5 rounds to 6.
    expect(summarizeResponseTimes([10, 9, 8, 7, 6, 5, 4, 3, 2, 1])).toEqual({ count: 10, totalMs: 55, averageMs: 6, medianMs: 5, p90Ms: 9 });
    expect(summarizeResponseTimes([])).toEqual({ count: 0, totalMs: 0, averageMs: null, medianMs: null, p90Ms: null });
    expect(nearestRank([7], 0.9)).toBe(7);
  });

  const now = T0 + 100 * DAY;
  const at = (daysAgo: number) => Timestamp.fromMillis(now - daysAgo * DAY);
  const deals: Record<string, UserDealResponses> = {
    d1: {
      side: "influencer",
      answers: [
        { at: at(95), ms: 1 * MIN },
        { at: at(60), ms: 10 * MIN },
        { at: at(10), ms: 2 * MIN },
      ],
      waitingSince: null,
      unansweredTurns: 0,
    },
    d2: { side: "brand", answers: [{ at: at(5), ms: 4 * MIN }], waitingSince: at(2), unansweredTurns: 1 },
    d3: { side: "influencer", answers: [], waitingSince: at(40), unansweredTurns: 1 },
    // Owed in a closed deal: paused, left out of every window.
    d4: { side: "influencer", answers: [], waitingSince: null, unansweredTurns: 1 },
  };

  it("a user's rolling windows take the answers given, and the debts started, within them", () => {
    // 30 days: answers 2 and 4 min (median ceil(1) = 2 min, p90 = 4 min); debts: d2 (2 days ago). d3 is 40 days old.
    expect(responseWindow(deals, now, 30 * DAY)).toEqual({
      count: 2,
      totalMs: 6 * MIN,
      averageMs: 3 * MIN,
      medianMs: 2 * MIN,
      p90Ms: 4 * MIN,
      unansweredTurns: 1,
      waitingSince: at(2),
    });
    // 90 days: 10, 2, 4 min → sorted 2, 4, 10: median = 2nd = 4 min, p90 = 3rd = 10 min; debts d2 and d3, oldest d3.
    const d90 = responseWindows(deals, now).d90;
    expect(d90).toMatchObject({ count: 3, totalMs: 16 * MIN, averageMs: 320_000, medianMs: 4 * MIN, p90Ms: 10 * MIN, unansweredTurns: 2 });
    expect(d90.waitingSince?.toMillis()).toBe(at(40).toMillis());
  });

  it("replaces one deal's entry, drops answers older than the longest window and keeps the newest answers", () => {
    const from = now - 90 * DAY;
    const next = nextUserDeals(deals, "d3", null, from);
    expect(Object.keys(next).sort()).toEqual(["d1", "d2", "d4"]);
    expect(next.d1!.answers.map((a) => a.ms)).toEqual([10 * MIN, 2 * MIN]);

    const many = Array.from({ length: limits.responseStatsMaxAnswers }, (_, i) => ({ at: Timestamp.fromMillis(now - (i + 1) * 1000), ms: i }));
    const capped = nextUserDeals(
      { old: { side: "brand", answers: many, waitingSince: null, unansweredTurns: 0 } },
      "new",
      { side: "influencer", answers: [{ at: Timestamp.fromMillis(now), ms: 7 }], waitingSince: null, unansweredTurns: 0 },
      from,
    );
    const kept = Object.values(capped).reduce((n, e) => n + e.answers.length, 0);
    expect(kept).toBe(limits.responseStatsMaxAnswers);
    // The oldest answer (ms = limit − 1) made room for the new one.
    expect(capped.old!.answers.map((a) => a.ms)).not.toContain(limits.responseStatsMaxAnswers - 1);
    expect(capped.new!.answers).toHaveLength(1);
  });

  it("a user's entry holds their own answers in the deal; the debt is merged in from the conversation", () => {
    const d = deriveResponseTimes([msg("b1", "brand", 0), msg("i1", "influencer", 30), msg("b2", "brand", 90)], true);
    expect(userDealEntry(d.clock, "uid-influencer", null, 0)).toEqual({
      side: "influencer",
      answers: [{ at: s(30), ms: 30_000 }],
      waitingSince: null,
      unansweredTurns: 0,
    });
    expect(userDealEntry(d.clock, "uid-brand", null, 0)).toEqual({
      side: "brand",
      answers: [{ at: s(90), ms: 60_000 }],
      waitingSince: null,
      unansweredTurns: 0,
    });
    // Someone who replaced the brand gave none of these answers.
    expect(userDealEntry(d.clock, "uid-new-brand", null, 0)).toBeNull();
    // The influencer owes since b2 (90 s): the conversation says so (responseTime.influencer.waitingSince), and the
    // reader's merge gives the entry the windows count.
    const stats = responseTimeStats(d, Timestamp.fromMillis);
    const merged = withOwedAnswers({ d1: userDealEntry(d.clock, "uid-influencer", null, 0)! }, [
      { dealId: "d1", side: "influencer", waitingSince: stats.influencer.waitingSince! },
    ]);
    expect(merged.d1).toEqual({ side: "influencer", answers: [{ at: s(30), ms: 30_000 }], waitingSince: s(90), unansweredTurns: 1 });
  });

  it("on a send only the answerer's statistics change; an answer falling off the clock's bounded list changes nobody's", () => {
    const base = [msg("b1", "brand", 0), msg("i1", "influencer", 30)];
    const before = deriveResponseTimes(base, true).clock;
    const nudge = deriveResponseTimes([...base, msg("i2", "influencer", 40)], true).clock;
    expect(usersWithChangedAnswers(before, nudge)).toEqual([]);
    const answer = deriveResponseTimes([...base, msg("i2", "influencer", 40), msg("b2", "brand", 90)], true).clock;
    expect(usersWithChangedAnswers(nudge, answer)).toEqual(["uid-brand"]);

    // A deal at the clock's bound: every answer pushes the oldest out of the clock, which stays in its user's entry.
    const turns = Array.from({ length: limits.responseAnswersPerDeal + 1 }, (_, i) =>
      msg(`m${String(i).padStart(4, "0")}`, i % 2 === 0 ? "brand" : "influencer", i),
    );
    const full = deriveResponseTimes(turns, true).clock;
    expect(full.answers).toHaveLength(limits.responseAnswersPerDeal);
    const next = deriveResponseTimes([...turns, msg("m9999", limits.responseAnswersPerDeal % 2 === 0 ? "influencer" : "brand", 10_000)], true).clock;
    expect(usersWithChangedAnswers(full, next)).toEqual([next.answers.at(-1)!.senderId]);
    const dropped = full.answers[0]!;
    const previous = userDealEntry(full, dropped.senderId, null, -Infinity)!;
    const kept = userDealEntry(next, dropped.senderId, previous, -Infinity)!;
    expect(kept.answers[0]).toEqual({ at: dropped.at, ms: dropped.ms });
    // The dropped answer's author is the one answering now: their entry keeps it and gains the new answer.
    expect(dropped.senderId).toBe(next.answers.at(-1)!.senderId);
    expect(kept.answers).toEqual([...previous.answers, { at: next.answers.at(-1)!.at, ms: next.answers.at(-1)!.ms }]);
  });
});
