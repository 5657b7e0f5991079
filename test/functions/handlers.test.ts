// Every trigger invoked in-process with firebase-functions-test against the Firestore emulator: each event
// delivered twice, and the events delivered in reversed order, must leave exactly the same state. The data
// lives in a project of its own, for which the Functions emulator has registered no triggers, so nothing but
// these explicit invocations derives anything from it.
import functionsTest from "firebase-functions-test";
import { getApp, getApps, initializeApp } from "firebase-admin/app";
import { getFirestore, Timestamp, type DocumentSnapshot } from "firebase-admin/firestore";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { handleConversationUpdated } from "../../functions/src/handlers/conversations.ts";
import { onDealWritten, onMessageCreated, onMessageUpdated } from "../../functions/src/index.ts";
import { statusMessageId } from "../../functions/src/handlers/deals.ts";
import { owedAnswersQuery, responseStatsRetentionMs, responseWindows, textEdit, tombstone as tombstoneOf, withOwedAnswers } from "@dealchat/model";
import { toAdminQuery } from "../../functions/src/store/query.ts";
import { projectId, uniqueId } from "../support/emulators.ts";
import { recordTasks, type RecordingTasks } from "../support/recording-tasks.ts";
import { at, dealData, messageData, newDealIds, seedDeal, type SeededDeal } from "./support.ts";

const isolatedProject = `${projectId}-handlers`;
const fft = functionsTest({ projectId: isolatedProject });
const db = getFirestore(getApps().some((a) => a.name === "[DEFAULT]") ? getApp() : initializeApp({ projectId: isolatedProject }));

const messageCreated = fft.wrap(onMessageCreated);
// The message trigger also enqueues the notifications' tasks; this project's are recorded here.
let enqueued: RecordingTasks;
beforeAll(async () => {
  enqueued = await recordTasks();
});
afterAll(async () => {
  await enqueued.stop();
});
const messageUpdated = fft.wrap(onMessageUpdated);
// The read-watermark part of onConversationWritten (its other part enqueues inbox tasks: test/notifications).
const conversationUpdated = (event: {
  id: string;
  time: string;
  params: Record<string, string>;
  data: { before: DocumentSnapshot; after: DocumentSnapshot };
}) =>
  handleConversationUpdated(
    { eventId: event.id, time: event.time, dealId: event.params.dealId!, before: event.data.before.data() ?? {}, after: event.data.after.data() ?? {} },
    db,
  );
const dealWritten = fft.wrap(onDealWritten);

afterAll(() => fft.cleanup());

interface Sent {
  id: string;
  event: { id: string; time: string; params: Record<string, string>; data: DocumentSnapshot };
}

/** Writes a message as the SDK would and captures the event its create trigger would receive. */
async function send(
  deal: SeededDeal,
  side: "brand" | "influencer",
  text: string | null,
  seconds: number,
  extra: Partial<ReturnType<typeof messageData>> = {},
  id = uniqueId("msg"),
): Promise<Sent> {
  const ref = db.doc(`deals/${deal.dealId}/messages/${id}`);
  await ref.set({ ...messageData(side === "brand" ? deal.brandId : deal.influencerId, side, text, at(seconds)), ...extra });
  return {
    id,
    event: { id: uniqueId("evt"), time: at(seconds).toDate().toISOString(), params: { dealId: deal.dealId, messageId: id }, data: await ref.get() },
  };
}

function changeEvent(params: Record<string, string>, before: DocumentSnapshot, after: DocumentSnapshot, time = new Date().toISOString()) {
  return { id: uniqueId("evt"), time, params, data: fft.makeChange(before, after) };
}

async function conversation(dealId: string) {
  const snap = await db.doc(`conversations/${dealId}`).get();
  expect(snap.exists).toBe(true);
  return snap.data()!;
}

async function message(dealId: string, id: string) {
  return (await db.doc(`deals/${dealId}/messages/${id}`).get()).data()!;
}

const millis = (t: unknown) => (t as Timestamp).toMillis();

/** The deal's answers as the conversation's response clock records them: [side, at (ms), response time (ms)]. */
async function clockAnswers(dealId: string) {
  const clock = (await conversation(dealId)).responseClock as { answers: Array<{ side: string; at: Timestamp; ms: number }> };
  return clock.answers.map((a) => [a.side, millis(a.at), a.ms]);
}

/**
 * A message's create event, then the conversation trigger its write causes (which keeps the participants'
 * responseStats). Both are delivered like production would: the conversation event carries the write it saw.
 */
async function messageCreatedThenStats(event: Sent["event"]) {
  const dealId = event.params.dealId!;
  const ref = db.doc(`conversations/${dealId}`);
  const before = await ref.get();
  const result = await messageCreated(event);
  const after = await ref.get();
  if (after.exists) {
    await conversationUpdated(changeEvent({ dealId }, before, after, event.time));
  }
  return result;
}

describe("onMessageCreated", () => {
  async function fiveMessages(deal: SeededDeal) {
    return [
      await send(deal, "brand", "Hello! Our summer campaign brief is attached.", 0),
      await send(deal, "brand", "Can you post on Friday?", 1),
      await send(deal, "influencer", "Thanks, Friday works.", 5),
      await send(deal, "influencer", "Café photos too?", 6),
      await send(deal, "brand", "Yes please", 9),
    ];
  }

  async function expectExactState(deal: SeededDeal, m: Sent[]) {
    const conv = await conversation(deal.dealId);
    expect(conv).toMatchObject({
      dealId: deal.dealId,
      brandId: deal.brandId,
      influencerId: deal.influencerId,
      participants: [deal.brandId, deal.influencerId],
      status: "active",
      unread: { brand: 2, influencer: 3 },
      hasUnread: { brand: true, influencer: true },
      readWatermark: { brand: null, influencer: null },
      readAt: { brand: null, influencer: null },
      // m3 (5 s) answers m1 (0 s), the first brand message it had not answered: 5 s (m2 is a nudge); m5 (9 s)
      // answers m3 (5 s): 4 s. m2 and m4 follow their own side and answer nothing. The influencer owes from 9 s.
      responseTime: {
        brand: { count: 1, totalMs: 4000, averageMs: 4000, medianMs: 4000, p90Ms: 4000, waitingSince: null, unansweredTurns: 0 },
        influencer: { count: 1, totalMs: 5000, averageMs: 5000, medianMs: 5000, p90Ms: 5000, unansweredTurns: 1 },
      },
      lastMessage: { messageId: m[4]!.id, senderId: deal.brandId, senderSide: "brand", snippet: "Yes please", kind: "text" },
    });
    expect(millis(conv.lastMessage.at)).toBe(at(9).toMillis());
    expect(millis(conv.lastActivityAt)).toBe(at(9).toMillis());
    expect(millis(conv.responseTime.influencer.waitingSince)).toBe(at(9).toMillis());

    expect(await clockAnswers(deal.dealId)).toEqual([
      ["influencer", at(5).toMillis(), 5000],
      ["brand", at(9).toMillis(), 4000],
    ]);
    const stored = await Promise.all(m.map((x) => message(deal.dealId, x.id)));
    // No function-written field on any message: one delivery per message to an open view.
    for (const s of stored) expect(s.responseTimeMs).toBeUndefined();
    expect(stored[0]!.searchTokens).toEqual(expect.arrayContaining(["hello", "summer", "campaign", "brief", "attached", "sum", "camp", "campa", "bri"]));
    expect(stored[0]!.searchTokens).not.toContain("our");
    expect(stored[3]!.searchTokens).toEqual(["cafe", "photos", "too", "caf", "pho", "phot", "photo"]);
  }

  it("derives the exact state with every event delivered twice, in order", async () => {
    const deal = await seedDeal(db);
    const m = await fiveMessages(deal);
    for (const { event } of m) {
      expect(await messageCreated(event)).toMatchObject({ outcome: "applied" });
      expect(await messageCreated(event)).toMatchObject({ outcome: "duplicate", cost: { writes: 0 } });
    }
    await expectExactState(deal, m);
    // The same invocation enqueued each message's push for its recipient once (named by the message: the second
    // delivery found the name taken), and the recipients' digest checks.
    const ofDeal = enqueued.tasks.filter((t) => (t.payload as { dealId?: string } | undefined)?.dealId === deal.dealId);
    const pushes = ofDeal.filter((t) => t.queue === "pushNotify");
    expect(pushes.map((t) => (t.payload as { side: string }).side).sort()).toEqual(["brand", "brand", "influencer", "influencer", "influencer"]);
    expect(new Set(pushes.map((t) => t.id)).size).toBe(m.length);
    expect(ofDeal.filter((t) => t.queue === "emailDigest").length).toBeGreaterThan(0);
  });

  it("derives the same exact state with the events in reversed order, then all redelivered", async () => {
    const deal = await seedDeal(db);
    const m = await fiveMessages(deal);
    // Without an event record, "duplicate" means "the stored state already reflects this message": the first
    // out-of-order event re-derives the clock from every stored message, so later ones may find nothing to change.
    const outcomes = [];
    for (const { event } of [...m].reverse()) outcomes.push((await messageCreated(event)).outcome);
    expect(outcomes[0]).toBe("applied");
    expect(outcomes.every((o) => o === "applied" || o === "duplicate")).toBe(true);
    for (const { event } of m) expect(await messageCreated(event)).toMatchObject({ outcome: "duplicate" });
    await expectExactState(deal, m);
  });

  it("keeps the response-time totals exact when the same message arrives under a second event id", async () => {
    const deal = await seedDeal(db);
    const question = await send(deal, "brand", "Rate?", 0);
    const answer = await send(deal, "influencer", "500", 2);
    for (const sent of [question, answer, answer]) {
      await messageCreated({ ...sent.event, id: uniqueId("evt") });
    }
    expect((await conversation(deal.dealId)).responseTime.influencer).toEqual({
      count: 1,
      totalMs: 2000,
      averageMs: 2000,
      medianMs: 2000,
      p90Ms: 2000,
      waitingSince: null,
      unansweredTurns: 0,
    });
  });

  it("skips messages of a deal that does not exist, and malformed messages, without writing state", async () => {
    const orphan = newDealIds();
    const lost = await send(orphan, "brand", "anyone?", 0);
    expect(await messageCreated(lost.event)).toMatchObject({ outcome: "skipped", reason: "no valid deal for this conversation" });
    expect((await db.doc(`conversations/${orphan.dealId}`).get()).exists).toBe(false);

    const deal = await seedDeal(db);
    const bad = await send(deal, "brand", "x", 0, { senderSide: "admin" as "brand" });
    expect(await messageCreated(bad.event)).toMatchObject({ outcome: "skipped", reason: "message does not match the schema" });
    expect((await db.doc(`conversations/${deal.dealId}`).get()).exists).toBe(false);
    expect((await message(deal.dealId, bad.id)).searchTokens).toEqual(["x"]);
  });

  it("skips, without throwing, a conversation document that does not match the model (a retried trigger would fail for days)", async () => {
    const deal = await seedDeal(db);
    const conversation = db.doc(`conversations/${deal.dealId}`);
    await conversation.set({ dealId: deal.dealId, brandId: deal.brandId, influencerId: deal.influencerId, unread: "lots" });
    const sent = await send(deal, "brand", "hello?", 1);
    expect(await messageCreated(sent.event)).toMatchObject({ outcome: "skipped" });
    expect((await conversation.get()).data()).toEqual({ dealId: deal.dealId, brandId: deal.brandId, influencerId: deal.influencerId, unread: "lots" });
    // The watermark and deal triggers meet the same document the same way.
    const before = await conversation.get();
    await conversation.update({ "readWatermark.influencer": at(2) });
    expect(await conversationUpdated(changeEvent({ dealId: deal.dealId }, before, await conversation.get()))).toMatchObject({ outcome: "skipped" });
    const dealRef = db.doc(`deals/${deal.dealId}`);
    const dealBefore = await dealRef.get();
    await dealRef.update({ status: "completed", updatedAt: at(3) });
    expect(await dealWritten(changeEvent({ dealId: deal.dealId }, dealBefore, await dealRef.get()))).toMatchObject({ outcome: "skipped" });
  });
});

describe("onMessageUpdated", () => {
  /** A brand question and an influencer answer with an attachment, both processed. */
  async function answerWithAttachment() {
    const deal = await seedDeal(db);
    const question = await send(deal, "brand", "Draft budget", 0);
    const id = uniqueId("msg");
    const attachment = {
      name: "contract.pdf",
      size: 1200,
      contentType: "application/pdf" as const,
      storagePath: `deals/${deal.dealId}/attachments/${deal.influencerId}/${id}/contract.pdf`,
    };
    const ref = db.doc(`deals/${deal.dealId}/messages/${id}`);
    await ref.set(messageData(deal.influencerId, "influencer", "Here is the contract", at(3), [attachment]));
    await messageCreated(question.event);
    await messageCreated({ id: uniqueId("evt"), time: at(3).toDate().toISOString(), params: { dealId: deal.dealId, messageId: id }, data: await ref.get() });
    const params = { dealId: deal.dealId, messageId: id };
    const edit = async () => {
      const before = await ref.get();
      await ref.update(textEdit("Here is the signed contract", at(4)));
      return changeEvent(params, before, await ref.get());
    };
    const tombstone = async () => {
      const before = await ref.get();
      await ref.update(tombstoneOf(at(5)));
      return changeEvent(params, before, await ref.get());
    };
    return { deal, id, ref, edit, tombstone };
  }

  it("re-derives tokens and the summary on an edit, then clears them on the tombstone, each event twice", async () => {
    const { deal, id, edit, tombstone } = await answerWithAttachment();
    const edited = await edit();
    expect(await messageUpdated(edited)).toMatchObject({ outcome: "applied" });
    expect(await messageUpdated(edited)).toMatchObject({ outcome: "duplicate" });
    expect((await message(deal.dealId, id)).searchTokens).toEqual(expect.arrayContaining(["signed", "contract", "sig"]));
    expect((await conversation(deal.dealId)).lastMessage).toMatchObject({ messageId: id, snippet: "Here is the signed contract", kind: "text" });

    const deleted = await tombstone();
    expect(await messageUpdated(deleted)).toMatchObject({ outcome: "applied" });
    expect(await messageUpdated(deleted)).toMatchObject({ outcome: "duplicate" });
    await expectTombstoned(deal, id);
  });

  it("never resurrects a tombstoned message when the edit event arrives after the tombstone", async () => {
    const scenario = await answerWithAttachment();
    const { deal, id } = scenario;
    const edit = await scenario.edit();
    const tombstone = await scenario.tombstone();
    expect(await messageUpdated(tombstone)).toMatchObject({ outcome: "applied" });
    expect(await messageUpdated(edit)).toMatchObject({ outcome: "applied" });
    expect(await messageUpdated(tombstone)).toMatchObject({ outcome: "duplicate" });
    expect(await messageUpdated(edit)).toMatchObject({ outcome: "duplicate" });
    await expectTombstoned(deal, id);
  });

  it("gives exact state when an edit overtakes every create event and has to create the conversation", async () => {
    const deal = await seedDeal(db);
    const question = await send(deal, "brand", "Budget?", 0);
    const answer = await send(deal, "influencer", "1000", 4);
    const ref = db.doc(`deals/${deal.dealId}/messages/${answer.id}`);
    await ref.update(textEdit("1200", at(5)));
    const edit = changeEvent({ dealId: deal.dealId, messageId: answer.id }, answer.event.data, await ref.get());

    expect(await messageUpdated(edit)).toMatchObject({ outcome: "applied" });
    expect(await conversation(deal.dealId)).toMatchObject({ unread: { brand: 1, influencer: 1 }, lastMessage: { messageId: answer.id, snippet: "1200" } });
    for (const event of [answer.event, question.event, edit, answer.event]) await (event === edit ? messageUpdated(event) : messageCreated(event));

    const conv = await conversation(deal.dealId);
    expect(conv).toMatchObject({
      unread: { brand: 1, influencer: 1 },
      hasUnread: { brand: true, influencer: true },
      lastMessage: { messageId: answer.id, snippet: "1200", kind: "text" },
      responseTime: {
        brand: { count: 0, totalMs: 0, averageMs: null, medianMs: null, p90Ms: null, unansweredTurns: 1 },
        influencer: { count: 1, totalMs: 4000, averageMs: 4000, medianMs: 4000, p90Ms: 4000, waitingSince: null, unansweredTurns: 0 },
      },
    });
    expect((await message(deal.dealId, answer.id)).searchTokens).toEqual(["1200", "120"]);
  });

  it("repairs search tokens that do not match the text (a lying or outdated client), on a create and on an edit", async () => {
    const deal = await seedDeal(db);
    const forged = await send(deal, "brand", "Summer brief", 0, { searchTokens: ["pwned", "everything"] });
    expect(await messageCreated(forged.event)).toMatchObject({ outcome: "applied" });
    expect((await message(deal.dealId, forged.id)).searchTokens).toEqual(["summer", "brief", "sum", "bri", "summ", "brie", "summe"]);
    const ref = db.doc(`deals/${deal.dealId}/messages/${forged.id}`);
    const before = await ref.get();
    await ref.update({ text: "Winter brief", editedAt: at(3) });
    const stale = changeEvent({ dealId: deal.dealId, messageId: forged.id }, before, await ref.get());
    expect(await messageUpdated(stale)).toMatchObject({ outcome: "applied" });
    expect((await message(deal.dealId, forged.id)).searchTokens).toEqual(["winter", "brief", "win", "bri", "wint", "brie", "winte"]);
  });

  it("ignores its own writes: an update that only changes function-written fields costs nothing", async () => {
    const { ref, deal, id, tombstone } = await answerWithAttachment();
    await messageUpdated(await tombstone());
    const before = await ref.get();
    await ref.update({ searchTokens: ["echo"], responseTimeMs: 1 });
    const echo = changeEvent({ dealId: deal.dealId, messageId: id }, before, await ref.get());
    expect(await messageUpdated(echo)).toEqual({ outcome: "ignored", reason: "only function-written fields changed", cost: { reads: 0, writes: 0 } });
  });

  async function expectTombstoned(deal: SeededDeal, id: string) {
    expect((await message(deal.dealId, id)).searchTokens).toEqual([]);
    const conv = await conversation(deal.dealId);
    expect(conv.lastMessage).toMatchObject({ messageId: id, senderSide: "influencer", snippet: "Message deleted", kind: "deleted" });
    expect(millis(conv.lastMessage.at)).toBe(at(3).toMillis());
    // The tombstoned message no longer counts as unread; the brand's question still does for the influencer.
    expect(conv.unread).toEqual({ brand: 0, influencer: 1 });
    expect(conv.hasUnread).toEqual({ brand: false, influencer: true });
    // The tombstoned answer no longer counts: the influencer owes the brand's question (0 s) again.
    expect(conv.responseTime.influencer).toMatchObject({ count: 0, totalMs: 0, averageMs: null, unansweredTurns: 1 });
    expect(millis(conv.responseTime.influencer.waitingSince)).toBe(at(0).toMillis());
    expect(await clockAnswers(deal.dealId)).toEqual([]);
  }
});

describe("onConversationWritten (read watermark)", () => {
  it("recounts unread from the current watermark and moves readAt forward only, under reordering and duplicates", async () => {
    const deal = await seedDeal(db);
    const sent = [
      await send(deal, "brand", "one", 0),
      await send(deal, "brand", "two", 1),
      await send(deal, "brand", "three", 2),
      await send(deal, "influencer", "reply", 3),
    ];
    for (const { event } of sent) await messageCreated(event);
    expect((await conversation(deal.dealId)).unread).toEqual({ brand: 1, influencer: 3 });

    const ref = db.doc(`conversations/${deal.dealId}`);
    const params = { dealId: deal.dealId };
    const v0 = await ref.get();
    await ref.update({ "readWatermark.influencer": at(1) });
    const v1 = await ref.get();
    await ref.update({ "readWatermark.influencer": at(2) });
    const v2 = await ref.get();
    const firstRead = changeEvent(params, v0, v1, "2026-01-05T10:00:00.000Z");
    const secondRead = changeEvent(params, v1, v2, "2026-01-05T10:05:00.000Z");

    // conversation, unread count(); one write (no event record: the recount and readAt = max(…) are idempotent).
    expect(await conversationUpdated(secondRead)).toMatchObject({ outcome: "applied", cost: { reads: 2, writes: 1 } });
    expect(await conversationUpdated(firstRead)).toMatchObject({ outcome: "duplicate", cost: { writes: 0 } });
    expect(await conversationUpdated(secondRead)).toMatchObject({ outcome: "duplicate" });
    expect(await conversationUpdated(firstRead)).toMatchObject({ outcome: "duplicate" });

    const conv = await conversation(deal.dealId);
    expect(conv.unread).toEqual({ brand: 1, influencer: 0 });
    expect(conv.hasUnread).toEqual({ brand: true, influencer: false });
    expect(millis(conv.readAt.influencer)).toBe(Date.parse("2026-01-05T10:05:00.000Z"));
    expect(conv.readAt.brand).toBeNull();

    const echo = changeEvent(params, v2, await ref.get());
    expect(await conversationUpdated(echo)).toMatchObject({ outcome: "ignored", cost: { reads: 0, writes: 0 } });
  });
});

describe("onDealWritten", () => {
  it("creates and mirrors the conversation and posts one system message per status change, under reordering and duplicates", async () => {
    const deal = newDealIds();
    const ref = db.doc(`deals/${deal.dealId}`);
    const params = { dealId: deal.dealId };
    const missing = await ref.get();
    await ref.set(dealData(deal, "open", at(0)));
    const v1 = await ref.get();
    await ref.set(dealData(deal, "active", at(60)));
    const v2 = await ref.get();
    await ref.set(dealData(deal, "completed", at(120)));
    const v3 = await ref.get();
    const create = changeEvent(params, missing, v1);
    const activate = changeEvent(params, v1, v2);
    const complete = changeEvent(params, v2, v3);

    for (const event of [complete, complete, activate, create, activate, create]) await dealWritten(event);

    const conv = await conversation(deal.dealId);
    expect(conv).toMatchObject({ status: "completed", brandId: deal.brandId, influencerId: deal.influencerId, lastMessage: null });
    expect(millis(conv.statusChangedAt)).toBe(at(120).toMillis());

    const system = await db.collection(`deals/${deal.dealId}/messages`).orderBy("createdAt").get();
    expect(system.docs.map((d) => [d.id, d.get("text"), d.get("senderSide"), d.get("senderId"), millis(d.get("createdAt"))])).toEqual([
      [statusMessageId(activate.id), "Deal is now active", "system", "system", at(60).toMillis()],
      [statusMessageId(complete.id), "Deal completed", "system", "system", at(120).toMillis()],
    ]);

    // The system messages' own create events, reversed and repeated: the summary ends on the newest.
    const events = await Promise.all(
      system.docs.map(async (d) => ({
        id: uniqueId("evt"),
        time: new Date().toISOString(),
        params: { dealId: deal.dealId, messageId: d.id },
        data: await d.ref.get(),
      })),
    );
    for (const event of [...events].reverse().concat(events)) await messageCreated(event);
    const after = await conversation(deal.dealId);
    expect(after.lastMessage).toMatchObject({ messageId: statusMessageId(complete.id), senderSide: "system", snippet: "Deal completed", kind: "system" });
    expect(after.unread).toEqual({ brand: 0, influencer: 0 });
    expect(after.responseTime.brand).toEqual({ count: 0, totalMs: 0, averageMs: null, medianMs: null, p90Ms: null, waitingSince: null, unansweredTurns: 0 });
  });

  it("derives the conversation's participants from brandId and influencerId, not from the deal's own list", async () => {
    const deal = newDealIds();
    const ref = db.doc(`deals/${deal.dealId}`);
    const missing = await ref.get();
    await ref.set({ ...dealData(deal, "open", at(0)), participants: [deal.influencerId, deal.brandId] });
    await dealWritten(changeEvent({ dealId: deal.dealId }, missing, await ref.get()));
    expect((await db.doc(`conversations/${deal.dealId}`).get()).get("participants")).toEqual([deal.brandId, deal.influencerId]);
  });

  it("mirrors a replaced participant into the conversation even when the rest of the deal is malformed", async () => {
    const deal = newDealIds();
    const ref = db.doc(`deals/${deal.dealId}`);
    const missing = await ref.get();
    await ref.set(dealData(deal, "active", at(0)));
    await dealWritten(changeEvent({ dealId: deal.dealId }, missing, await ref.get()));
    const before = await ref.get();
    const newBrand = uniqueId("new-brand");
    // The platform replaces the brand and, in the same write, stores a status the model does not know.
    await ref.update({ brandId: newBrand, status: "archived", updatedAt: at(1) });
    const result = await dealWritten(changeEvent({ dealId: deal.dealId }, before, await ref.get()));
    expect(result).toMatchObject({ outcome: "skipped" });
    const conversation = (await db.doc(`conversations/${deal.dealId}`).get()).data();
    expect(conversation).toMatchObject({ brandId: newBrand, influencerId: deal.influencerId, participants: [newBrand, deal.influencerId], status: "active" });
  });

  it("skips a malformed deal without creating a conversation", async () => {
    const deal = newDealIds();
    const ref = db.doc(`deals/${deal.dealId}`);
    const missing = await ref.get();
    await ref.set({ ...dealData(deal, "open", at(0)), status: "archived" });
    const result = await dealWritten(changeEvent({ dealId: deal.dealId }, missing, await ref.get()));
    expect(result).toMatchObject({ outcome: "skipped" });
    expect((await db.doc(`conversations/${deal.dealId}`).get()).exists).toBe(false);
  });
});

describe("response times (docs/response-times.md)", () => {
  const DAY = 86_400;
  const stats = async (uid: string) => {
    const snap = await db.doc(`responseStats/${uid}`).get();
    expect(snap.exists).toBe(true);
    return snap.data()!;
  };
  const answers = (entry: { answers: Array<{ at: Timestamp; ms: number }> }) => entry.answers.map((a) => [millis(a.at), a.ms]);
  /**
   * A user's windows as a reader gets them (client-sdk response-times.ts): their answers from responseStats/{uid}
   * (absent before their first answer), the answers they owe from their conversations (owedAnswersQuery).
   */
  const readerWindows = async (uid: string, side: "brand" | "influencer", nowMs: number) => {
    const snap = await db.doc(`responseStats/${uid}`).get();
    const owed = await toAdminQuery(db, owedAnswersQuery({ uid, side, since: Timestamp.fromMillis(nowMs - responseStatsRetentionMs) })).get();
    const debts = owed.docs.map((d) => ({ dealId: d.id, side, waitingSince: d.get(`responseTime.${side}.waitingSince`) as Timestamp }));
    return responseWindows(withOwedAnswers(snap.exists ? snap.data()!.deals : {}, debts), nowMs);
  };

  it("nudges and interleaved bursts, every event twice in a shuffled order: exact per-side and per-user statistics", async () => {
    const deal = await seedDeal(db);
    const m = {
      b1: await send(deal, "brand", "b1", 0),
      b2: await send(deal, "brand", "b2 (nudge)", 10),
      i1: await send(deal, "influencer", "i1", 30), // answers b1: 30 s
      i2: await send(deal, "influencer", "i2 (nudge)", 40),
      b3: await send(deal, "brand", "b3", 100), // answers i1 (30): 70 s
      i3: await send(deal, "influencer", "i3", 130), // answers b3 (100): 30 s
      i4: await send(deal, "influencer", "i4 (nudge)", 131),
      b4: await send(deal, "brand", "b4", 250), // answers i3 (130): 120 s
      b5: await send(deal, "brand", "b5 (nudge)", 251),
    };
    for (const key of ["i3", "b1", "b5", "i1", "b3", "i4", "b2", "b4", "i2"] as const) {
      expect(["applied", "duplicate"]).toContain((await messageCreatedThenStats(m[key].event)).outcome);
      expect(await messageCreatedThenStats(m[key].event)).toMatchObject({ outcome: "duplicate", cost: { writes: 0 } });
    }
    const conv = await conversation(deal.dealId);
    // brand [70 s, 120 s]: median (nearest rank 1 of 2) 70 s, p90 (rank 2) 120 s, mean 95 s.
    expect(conv.responseTime.brand).toEqual({
      count: 2,
      totalMs: 190_000,
      averageMs: 95_000,
      medianMs: 70_000,
      p90Ms: 120_000,
      waitingSince: null,
      unansweredTurns: 0,
    });
    // influencer [30 s, 30 s]; b4 (250) is unanswered, b5 a nudge: the influencer has owed since 250 s.
    expect(conv.responseTime.influencer).toMatchObject({ count: 2, totalMs: 60_000, averageMs: 30_000, medianMs: 30_000, p90Ms: 30_000, unansweredTurns: 1 });
    expect(millis(conv.responseTime.influencer.waitingSince)).toBe(at(250).toMillis());
    expect(await clockAnswers(deal.dealId)).toEqual([
      ["influencer", at(30).toMillis(), 30_000],
      ["brand", at(100).toMillis(), 70_000],
      ["influencer", at(130).toMillis(), 30_000],
      ["brand", at(250).toMillis(), 120_000],
    ]);

    const influencer = await stats(deal.influencerId);
    expect(influencer.uid).toBe(deal.influencerId);
    expect(Object.keys(influencer.deals)).toEqual([deal.dealId]);
    expect(answers(influencer.deals[deal.dealId])).toEqual([
      [at(30).toMillis(), 30_000],
      [at(130).toMillis(), 30_000],
    ]);
    // The debt is not in the user's document (a send writes only the answerer's): the conversation holds it, and a
    // reader merges it in (withOwedAnswers), which gives the windows the same figures.
    expect(influencer.deals[deal.dealId]).toMatchObject({ side: "influencer", unansweredTurns: 0, waitingSince: null });
    // Evaluated at the newest answer (250 s) at least, whatever the processing order (never moved back).
    expect(millis(influencer.computedAt)).toBeGreaterThanOrEqual(at(250).toMillis());
    expect(influencer.windows.d30).toMatchObject({ count: 2, totalMs: 60_000, averageMs: 30_000, medianMs: 30_000, p90Ms: 30_000, unansweredTurns: 0 });
    const merged = withOwedAnswers(influencer.deals, [{ dealId: deal.dealId, side: "influencer", waitingSince: conv.responseTime.influencer.waitingSince }]);
    const windows = responseWindows(merged, millis(influencer.computedAt));
    expect(windows.d30).toMatchObject({ count: 2, totalMs: 60_000, averageMs: 30_000, medianMs: 30_000, p90Ms: 30_000, unansweredTurns: 1 });
    expect(windows.d30.waitingSince?.toMillis()).toBe(at(250).toMillis());
    const brand = await stats(deal.brandId);
    expect(answers(brand.deals[deal.dealId])).toEqual([
      [at(100).toMillis(), 70_000],
      [at(250).toMillis(), 120_000],
    ]);
    expect(brand.windows.d90).toEqual({
      count: 2,
      totalMs: 190_000,
      averageMs: 95_000,
      medianMs: 70_000,
      p90Ms: 120_000,
      unansweredTurns: 0,
      waitingSince: null,
    });
  });

  it("corrects a later message's response time when an earlier one becomes visible after it (any event order, duplicates)", async () => {
    const deal = await seedDeal(db);
    const question = await send(deal, "brand", "Rate?", 0);
    const late = await send(deal, "influencer", "Let me check", 100);
    await messageCreatedThenStats(question.event);
    await messageCreatedThenStats(late.event);
    expect(await clockAnswers(deal.dealId)).toEqual([["influencer", at(100).toMillis(), 100_000]]);
    // A message created at 50 s becomes visible only now: it is the answer (50 s), and "Let me check" a nudge.
    const early = await send(deal, "influencer", "500", 50);
    expect(await messageCreatedThenStats(early.event)).toMatchObject({ outcome: "applied" });
    for (const event of [late.event, { ...late.event, id: uniqueId("evt") }, question.event, early.event]) await messageCreatedThenStats(event);
    expect(await clockAnswers(deal.dealId)).toEqual([["influencer", at(50).toMillis(), 50_000]]);
    expect((await conversation(deal.dealId)).responseTime.influencer).toEqual({
      count: 1,
      totalMs: 50_000,
      averageMs: 50_000,
      medianMs: 50_000,
      p90Ms: 50_000,
      waitingSince: null,
      unansweredTurns: 0,
    });
    expect(answers((await stats(deal.influencerId)).deals[deal.dealId])).toEqual([[at(50).toMillis(), 50_000]]);
  });

  it("orders messages with equal timestamps by id: the later id answers in 0 ms", async () => {
    const deal = await seedDeal(db);
    const base = uniqueId("same");
    const influencerFirst = await send(deal, "influencer", "question", 5, {}, `${base}-a`);
    const brandSecond = await send(deal, "brand", "answer", 5, {}, `${base}-b`);
    for (const sent of [brandSecond, influencerFirst, brandSecond]) await messageCreated({ ...sent.event, id: uniqueId("evt") });
    expect(await clockAnswers(deal.dealId)).toEqual([["brand", at(5).toMillis(), 0]]);
    const conv = await conversation(deal.dealId);
    expect(conv.responseTime.brand).toMatchObject({ count: 1, medianMs: 0, unansweredTurns: 0 });
    expect(conv.responseTime.influencer).toMatchObject({ count: 0, unansweredTurns: 1 });
  });

  it("stops the clock while the deal is completed and resumes it when the deal reopens", async () => {
    const deal = await seedDeal(db, "active");
    const question = await send(deal, "brand", "Final numbers?", 10);
    const dealRef = db.doc(`deals/${deal.dealId}`);
    const statusChange = async (status: "completed" | "open", seconds: number) => {
      const before = await dealRef.get();
      await dealRef.set(dealData(deal, status, at(seconds)));
      const event = changeEvent({ dealId: deal.dealId }, before, await dealRef.get(), at(seconds).toDate().toISOString());
      await dealWritten(event);
      const ref = db.doc(`deals/${deal.dealId}/messages/${statusMessageId(event.id)}`);
      return { id: uniqueId("evt"), time: event.time, params: { dealId: deal.dealId, messageId: ref.id }, data: await ref.get() };
    };
    await messageCreatedThenStats(question.event);
    const completed = await statusChange("completed", 100);
    expect(completed.data.get("statusChange")).toEqual({ from: "active", to: "completed" });
    await messageCreatedThenStats(completed);
    // Closed: the influencer still owes the answer, but no clock runs.
    expect((await conversation(deal.dealId)).responseTime.influencer).toMatchObject({ count: 0, unansweredTurns: 1, waitingSince: null });
    // The influencer has answered nothing yet: no document; the debt of a closed deal is in no window.
    expect((await db.doc(`responseStats/${deal.influencerId}`).get()).exists).toBe(false);
    expect((await readerWindows(deal.influencerId, "influencer", at(200).toMillis())).d30).toMatchObject({ unansweredTurns: 0, waitingSince: null });

    const reopened = await statusChange("open", 400);
    await messageCreatedThenStats(reopened);
    // Open again: 90 s had passed before the closing (10 → 100), so the clock reads as if started at 400 − 90 = 310 s.
    const waiting = (await conversation(deal.dealId)).responseTime.influencer;
    expect(millis(waiting.waitingSince)).toBe(at(310).toMillis());
    const reopenedWindows = await readerWindows(deal.influencerId, "influencer", at(420).toMillis());
    expect(reopenedWindows.d30).toMatchObject({ unansweredTurns: 1 });
    expect(reopenedWindows.d30.waitingSince?.toMillis()).toBe(at(310).toMillis());

    const answer = await send(deal, "influencer", "Here they are", 450);
    for (const event of [answer.event, reopened, completed, question.event, answer.event]) await messageCreated({ ...event, id: uniqueId("evt") });
    // (100 − 10) + (450 − 400) = 140 s, not 440 s.
    expect(await clockAnswers(deal.dealId)).toEqual([["influencer", at(450).toMillis(), 140_000]]);
    expect((await conversation(deal.dealId)).responseTime.influencer).toEqual({
      count: 1,
      totalMs: 140_000,
      averageMs: 140_000,
      medianMs: 140_000,
      p90Ms: 140_000,
      waitingSince: null,
      unansweredTurns: 0,
    });
  });

  it("keeps a user's 30- and 90-day windows across deals exact under reordering, duplicates and a deleted answer", async () => {
    const influencerId = uniqueId("influencer");
    const dealA = await seedDeal(db, "active", newDealIds(uniqueId("brand"), influencerId));
    const dealB = await seedDeal(db, "active", newDealIds(uniqueId("brand"), influencerId));
    const a = [await send(dealA, "brand", "A?", 0), await send(dealA, "influencer", "A!", 60)]; // 60 s, on day 0
    const b = [await send(dealB, "brand", "B?", 40 * DAY), await send(dealB, "influencer", "B!", 40 * DAY + 600)]; // 600 s, on day 40
    const b2 = [await send(dealB, "brand", "B2?", 40 * DAY + 700), await send(dealB, "influencer", "B2!", 40 * DAY + 760)]; // 60 s
    for (const sent of [...b2, ...b, ...a].reverse()) await messageCreatedThenStats(sent.event);
    for (const sent of [...a, ...b, ...b2]) expect(await messageCreatedThenStats(sent.event)).toMatchObject({ outcome: "duplicate" });

    let doc = await stats(influencerId);
    // The latest event time that changed this user's part: the first out-of-order event of deal B re-derived it whole.
    expect(millis(doc.computedAt)).toBeGreaterThanOrEqual(at(40 * DAY + 760).toMillis());
    // 30 days back from day 40: B's 600 s and 60 s → sorted [60, 600] s: median 60 s, p90 600 s. A's answer is 40 days old.
    expect(doc.windows.d30).toEqual({
      count: 2,
      totalMs: 660_000,
      averageMs: 330_000,
      medianMs: 60_000,
      p90Ms: 600_000,
      unansweredTurns: 0,
      waitingSince: null,
    });
    // 90 days: [60, 60, 600] s: median rank 2 = 60 s, p90 rank 3 = 600 s, mean 240 s.
    expect(doc.windows.d90).toEqual({
      count: 3,
      totalMs: 720_000,
      averageMs: 240_000,
      medianMs: 60_000,
      p90Ms: 600_000,
      unansweredTurns: 0,
      waitingSince: null,
    });
    expect(answers(doc.deals[dealA.dealId])).toEqual([[at(60).toMillis(), 60_000]]);

    // B's 600 s answer is deleted (within its edit window): the wait runs on to the next answer, B2! at +760 s
    // (B2? is a nudge): 760 s. 90 days: [60, 760] s.
    const ref = db.doc(`deals/${dealB.dealId}/messages/${b[1]!.id}`);
    const before = await ref.get();
    await ref.update(tombstoneOf(at(40 * DAY + 800)));
    const tombstone = changeEvent(
      { dealId: dealB.dealId, messageId: b[1]!.id },
      before,
      await ref.get(),
      at(40 * DAY + 800)
        .toDate()
        .toISOString(),
    );
    const conversationRef = db.doc(`conversations/${dealB.dealId}`);
    const conversationBefore = await conversationRef.get();
    expect(await messageUpdated(tombstone)).toMatchObject({ outcome: "applied" });
    expect(await messageUpdated(tombstone)).toMatchObject({ outcome: "duplicate" });
    const statsEvent = changeEvent({ dealId: dealB.dealId }, conversationBefore, await conversationRef.get(), tombstone.time);
    // The statistics moved with the tombstone's own transaction: the conversation's update event is an echo.
    expect(await conversationUpdated(statsEvent)).toMatchObject({ outcome: "ignored", cost: { reads: 0, writes: 0 } });
    doc = await stats(influencerId);
    expect(doc.windows.d90).toEqual({
      count: 2,
      totalMs: 820_000,
      averageMs: 410_000,
      medianMs: 60_000,
      p90Ms: 760_000,
      unansweredTurns: 0,
      waitingSince: null,
    });
    expect(doc.windows.d30).toMatchObject({ count: 1, medianMs: 760_000 });
    expect(await clockAnswers(dealB.dealId)).toEqual([["influencer", at(40 * DAY + 760).toMillis(), 760_000]]);
    // Deal A's brand answered nothing (no document) and has owed an answer since A! (60 s): the conversation says so.
    expect((await db.doc(`responseStats/${dealA.brandId}`).get()).exists).toBe(false);
    const brandA = await readerWindows(dealA.brandId, "brand", at(120).toMillis());
    expect(brandA.d30).toMatchObject({ count: 0, medianMs: null, unansweredTurns: 1 });
    expect(brandA.d30.waitingSince?.toMillis()).toBe(at(60).toMillis());
  });

  it("applies a message's own event even when a late message's re-derivation already took it into the clock", async () => {
    const deal = await seedDeal(db);
    const q = await send(deal, "brand", "question", 0);
    const x = await send(deal, "brand", "nudge", 30);
    for (const sent of [q, x]) await messageCreated(sent.event);
    // y is stored but its event is still on its way; z (created before x) becomes visible late and is processed first.
    const y = await send(deal, "influencer", "newest", 40);
    const z = await send(deal, "influencer", "late", 20);
    expect(await messageCreated(z.event)).toMatchObject({ outcome: "applied" });
    const between = await conversation(deal.dealId);
    expect(between.responseClock.through.messageId).toBe(y.id);
    expect(between.lastMessage.messageId).toBe(x.id);
    // y's own event: the clock already holds it, but its summary (and count) are still its event's to apply.
    expect(await messageCreated(y.event)).toMatchObject({ outcome: "applied" });
    expect(await conversation(deal.dealId)).toMatchObject({ lastMessage: { messageId: y.id, snippet: "newest" }, unread: { brand: 2, influencer: 2 } });
  });

  it("costs the message trigger 2 reads and 1 write on a send (3 and 2 on an answer), whatever the deal's length; only a late message reads the window", async () => {
    // The deal trigger creates the conversation first, as in production.
    const deal = newDealIds();
    const dealRef = db.doc(`deals/${deal.dealId}`);
    const missing = await dealRef.get();
    await seedDeal(db, "active", deal);
    await dealWritten(changeEvent({ dealId: deal.dealId }, missing, await dealRef.get()));
    const sent = [await send(deal, "brand", "one", 0), await send(deal, "influencer", "two", 5), await send(deal, "brand", "three", 9)];
    const nudge = await send(deal, "brand", "three and a half", 9.5);
    // A first message: message, conversation = 2 reads (no query: the clock steps and the receiver's counter adds the
    // message); the conversation = 1 write (tokens came with the message). Nobody answered: no statistics touched.
    expect(await messageCreated(sent[0]!.event)).toMatchObject({ outcome: "applied", cost: { reads: 2, writes: 1 } });
    // An answer: also the answerer's responseStats (1 read, 1 write); the side that now owes is not touched.
    expect(await messageCreated(sent[1]!.event)).toMatchObject({ outcome: "applied", cost: { reads: 3, writes: 2 } });
    expect((await db.doc(`responseStats/${deal.brandId}`).get()).exists).toBe(false);
    expect(await messageCreated(sent[2]!.event)).toMatchObject({ outcome: "applied", cost: { reads: 3, writes: 2 } });
    // A follow-up (a nudge): 2 reads, 1 write.
    expect(await messageCreated(nudge.event)).toMatchObject({ outcome: "applied", cost: { reads: 2, writes: 1 } });
    expect(await conversation(deal.dealId)).toMatchObject({ unread: { brand: 1, influencer: 3 } });
    // The newest message's redelivery: the clock already holds it; both counters are recounted (2 count()), unchanged.
    expect(await messageCreated(nudge.event)).toMatchObject({ outcome: "duplicate", cost: { reads: 4, writes: 0 } });
    // A message that became visible late: the window (5 messages) is re-derived and both sides recounted; it answers
    // nothing new (a nudge after "two"), so nobody's statistics change.
    const late = await send(deal, "influencer", "late", 7);
    expect(await messageCreated(late.event)).toMatchObject({ outcome: "applied", cost: { reads: 2 + 5 + 2, writes: 1 } });
    expect(await conversation(deal.dealId)).toMatchObject({ unread: { brand: 2, influencer: 3 } });
    // A message at the clock's very instant (same timestamp, later id) may already be counted: it is recounted, not added.
    const tie = await send(deal, "influencer", "tie", 9.5, {}, `${nudge.id}-z`);
    await messageCreated(tie.event);
    await messageCreated(tie.event);
    expect(await conversation(deal.dealId)).toMatchObject({ unread: { brand: 3, influencer: 3 } });
  });
});

describe("redeliveries as production makes them: concurrent copies, interleaved with new writes, random orders across handlers", () => {
  /** A small seeded PRNG, so a failing order can be replayed from the seed in the test name. */
  function random(seed: number) {
    let a = seed >>> 0;
    return () => {
      a = (a + 0x6d2b79f5) >>> 0;
      let t = a;
      t = Math.imul(t ^ (t >>> 15), t | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
    };
  }
  const shuffled = <T>(items: readonly T[], next: () => number) => {
    const copy = [...items];
    for (let i = copy.length - 1; i > 0; i--) {
      const j = Math.floor(next() * (i + 1));
      [copy[i], copy[j]] = [copy[j]!, copy[i]!];
    }
    return copy;
  };
  const script: Array<["brand" | "influencer", number]> = [
    ["brand", 0],
    ["brand", 4],
    ["influencer", 9],
    ["brand", 15],
    ["influencer", 16],
    ["influencer", 30],
    ["brand", 31],
    ["brand", 45],
  ];
  type Delivery = () => Promise<unknown>;

  /** The state every order must end in: the same messages processed once each, in order, without concurrency. */
  async function reference() {
    const deal = await seedDeal(db);
    for (const [i, [side, seconds]] of script.entries()) await messageCreatedThenStats((await send(deal, side, `step ${i}`, seconds, {}, `m${i}`)).event);
    const ref = db.doc(`conversations/${deal.dealId}`);
    const before = await ref.get();
    await ref.update({ "readWatermark.influencer": at(20) });
    await conversationUpdated(changeEvent({ dealId: deal.dealId }, before, await ref.get(), "2026-01-05T09:00:21.000Z"));
    return { deal, state: await comparable(deal) };
  }

  async function comparable(deal: SeededDeal) {
    const conv = await conversation(deal.dealId);
    const [brand, influencer] = await Promise.all([db.doc(`responseStats/${deal.brandId}`).get(), db.doc(`responseStats/${deal.influencerId}`).get()]);
    const entry = (snap: DocumentSnapshot) => {
      const e = snap.get(`deals.${deal.dealId}`) as { answers: Array<{ at: Timestamp; ms: number }>; unansweredTurns: number } | undefined;
      return e ? { answers: e.answers.map((a) => [millis(a.at), a.ms]), unansweredTurns: e.unansweredTurns } : null;
    };
    return {
      unread: conv.unread,
      hasUnread: conv.hasUnread,
      lastMessage: { messageId: conv.lastMessage.messageId, snippet: conv.lastMessage.snippet, at: millis(conv.lastMessage.at) },
      lastActivityAt: millis(conv.lastActivityAt),
      readAt: conv.readAt.influencer ? millis(conv.readAt.influencer) : null,
      responseTime: JSON.stringify(conv.responseTime),
      answers: await clockAnswers(deal.dealId),
      stats: { brand: entry(brand), influencer: entry(influencer) },
    };
  }

  it.each([1, 2, 3])(
    "seed %i: every event delivered 2–3 times, copies at once, new messages written meanwhile: the reference state",
    async (seed) => {
      const { state: want } = await reference();
      const next = random(seed);
      const deal = await seedDeal(db);
      const convRef = db.doc(`conversations/${deal.dealId}`);
      const delivered: Delivery[] = [];
      /** Delivers `copies` of a delivery at once, and re-delivers a random earlier one alongside. */
      const burst = async (delivery: Delivery) => {
        delivered.push(delivery);
        const copies = 2 + Math.floor(next() * 2);
        const extra = delivered[Math.floor(next() * delivered.length)]!;
        await Promise.all([...Array.from({ length: copies }, () => delivery()), extra()]);
      };
      // Each conversation write's own update event (the statistics trigger), captured as the message handler runs.
      const conversationEvent = async (run: () => Promise<unknown>, time: string) => {
        const before = await convRef.get();
        await run();
        const after = await convRef.get();
        return () => conversationUpdated(changeEvent({ dealId: deal.dealId }, before, after, time));
      };
      let watermarkDone = false;
      for (const [i, [side, seconds]] of script.entries()) {
        const sent = await send(deal, side, `step ${i}`, seconds, {}, `m${i}`);
        const create: Delivery = () => messageCreated({ ...sent.event, id: uniqueId("evt") });
        await burst(create);
        await burst(await conversationEvent(create, sent.event.time));
        if (!watermarkDone && seconds >= 20) {
          // The influencer reads up to 20 s while messages keep arriving.
          const before = await convRef.get();
          await convRef.update({ "readWatermark.influencer": at(20) });
          const read = changeEvent({ dealId: deal.dealId }, before, await convRef.get(), "2026-01-05T09:00:21.000Z");
          await burst(() => conversationUpdated(read));
          watermarkDone = true;
        }
      }
      // Everything once more, all at once, in a random order across handlers.
      await Promise.all(shuffled(delivered, next).map((d) => d()));
      // The statistics trigger of the final conversation write (production delivers one for every write).
      const final = await convRef.get();
      const { responseClock: _clock, ...withoutClock } = final.data()!;
      const beforeClock = { exists: true, data: () => withoutClock } as unknown as DocumentSnapshot;
      await conversationUpdated(changeEvent({ dealId: deal.dealId }, beforeClock, final, "2026-01-05T09:01:00.000Z"));
      expect(await comparable(deal)).toEqual(want);
    },
    120_000,
  );
});
