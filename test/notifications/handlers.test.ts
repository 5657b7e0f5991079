// The inbox, push and digest handlers invoked in-process against the Firestore emulator with an injected clock
// (no sleeps): the away/active decision, collapse and throttle windows, mute, quiet hours, invalid and stale
// tokens, digest timing and windows, duplicated and reordered tasks, a message deleted before its window closes.
import { Timestamp } from "firebase-admin/firestore";
import { beforeEach, describe, expect, it } from "vitest";
import {
  Inbox,
  newMessage,
  notificationCollections,
  notificationPaths,
  openConversationDoc,
  pushDeviceDoc,
  tombstone,
  notificationLimits,
  type Side,
} from "@dealchat/model";
import { inboxUidsToRecompute, recomputeInbox, scheduleInboxRecompute } from "../../functions/src/handlers/inbox.ts";
import { handleDigestTask, handlePushTask, handlePushTokenRegistered, scheduleForNewMessage } from "../../functions/src/handlers/notifications.ts";
import { collapseTag } from "../../functions/src/domain/push-message.ts";
import { taskQueues } from "../../functions/src/handlers/tasks.ts";
import { uniqueId } from "../support/emulators.ts";
import { at, baseMs, Clock, db, notifyDeps, RecordingScheduler, seedDeal, testSettings, type Seeded } from "./support.ts";

const token = (label: string) => `tok_${label}_${uniqueId("x").replace(/[^A-Za-z0-9_-]/g, "")}:APA91b${"q".repeat(60)}`;

async function send(deal: Seeded, from: Side, seconds: number, text: string | null = "Hello there"): Promise<string> {
  const id = uniqueId("msg");
  const senderId = from === "brand" ? deal.brandId : deal.influencerId;
  await db.doc(`deals/${deal.dealId}/messages/${id}`).set(newMessage({ senderId, senderSide: from, text, attachments: [] }, at(seconds)));
  return id;
}

async function registerDevice(uid: string, tok: string, updatedAt = at(0)) {
  await db.doc(notificationPaths.pushDevice(uid, tok)).set(pushDeviceDoc(tok, "android", updatedAt));
}

async function recordedPushes(uid: string, dealId: string) {
  const snap = await db.collection(notificationCollections.recordedPushes).where("uid", "==", uid).where("dealId", "==", dealId).get();
  return snap.docs.map((d) => d.data()).sort((a, b) => a.recordedAt.toMillis() - b.recordedAt.toMillis());
}

describe("push: away, throttle, collapse", () => {
  let clock: Clock;
  beforeEach(() => {
    clock = new Clock();
  });

  it("the first message pushes at once; the next ones in the throttle window are held and then collapse into one update", async () => {
    const deal = await seedDeal();
    const tok = token("a");
    await registerDevice(deal.influencerId, tok);
    const deps = notifyDeps(clock);
    const first = await send(deal, "brand", 10, "Can you post on Friday?");
    clock.set(10);
    const sent = await handlePushTask({ dealId: deal.dealId, side: "influencer" }, deps);
    expect(sent.action).toBe("send");
    const [push] = await recordedPushes(deal.influencerId, deal.dealId);
    const tag = collapseTag(deal.dealId);
    expect(push?.message).toEqual({
      tokens: [tok],
      notification: { title: "New message in Summer campaign", body: "Can you post on Friday?" },
      data: { type: "dealchat.newMessages", dealId: deal.dealId, messageId: first, unread: "1" },
      android: { collapseKey: tag, priority: "high", notification: { tag, notificationCount: 1 } },
      apns: { headers: { "apns-collapse-id": tag, "apns-priority": "10" }, payload: { aps: { threadId: deal.dealId } } },
      webpush: { headers: { Topic: tag, Urgency: "high" }, notification: { tag, renotify: true } },
    });

    // Two more within the window: held until lastPushAt + throttle, one task for both.
    await send(deal, "brand", 20);
    clock.set(20);
    const held = await handlePushTask({ dealId: deal.dealId, side: "influencer" }, deps);
    expect(held).toMatchObject({ action: "defer", reason: "throttled", atMs: baseMs + 10_000 + testSettings.pushThrottleMs, rescheduled: "enqueued" });
    await send(deal, "brand", 30, "And one more thing");
    clock.set(30);
    expect((await handlePushTask({ dealId: deal.dealId, side: "influencer" }, deps)).rescheduled).toBe("exists");
    expect(deps.scheduler.tasks.filter((t) => t.queue === taskQueues.push)).toHaveLength(1);

    // The window closes: one push that updates the same notification and says 3.
    clock.ms = baseMs + 10_000 + testSettings.pushThrottleMs;
    expect((await handlePushTask({ dealId: deal.dealId, side: "influencer" }, deps)).action).toBe("send");
    const pushes = await recordedPushes(deal.influencerId, deal.dealId);
    expect(pushes).toHaveLength(2);
    expect(pushes[1]!.message.notification).toEqual({ title: "3 new messages in Summer campaign", body: "And one more thing" });
    expect(pushes[1]!.message.android.collapseKey).toBe(tag);
  });

  it("duplicated and reordered tasks never push twice", async () => {
    const deal = await seedDeal();
    await registerDevice(deal.brandId, token("b"));
    const deps = notifyDeps(clock);
    await send(deal, "influencer", 5);
    await send(deal, "influencer", 6);
    clock.set(7);
    // The task of the second message runs first, then the first message's, then both again.
    const outcomes = [];
    for (let i = 0; i < 4; i++) outcomes.push((await handlePushTask({ dealId: deal.dealId, side: "brand" }, deps)).action);
    expect(outcomes).toEqual(["send", "none", "none", "none"]);
    const pushes = await recordedPushes(deal.brandId, deal.dealId);
    expect(pushes).toHaveLength(1);
    expect(pushes[0]!.message.data.unread).toBe("2");
    // Concurrent duplicates: the transaction lets one of them announce.
    await send(deal, "influencer", 100);
    clock.set(100);
    const concurrent = await Promise.all([1, 2, 3].map(() => handlePushTask({ dealId: deal.dealId, side: "brand" }, deps)));
    expect(concurrent.filter((o) => o.action === "send")).toHaveLength(1);
    expect(await recordedPushes(deal.brandId, deal.dealId)).toHaveLength(2);
  });

  it("a message deleted before the window closes is not announced", async () => {
    const deal = await seedDeal();
    await registerDevice(deal.influencerId, token("c"));
    const deps = notifyDeps(clock);
    await send(deal, "brand", 10);
    clock.set(10);
    await handlePushTask({ dealId: deal.dealId, side: "influencer" }, deps);
    const regretted = await send(deal, "brand", 15, "Oops, wrong deal");
    clock.set(15);
    expect((await handlePushTask({ dealId: deal.dealId, side: "influencer" }, deps)).action).toBe("defer");
    await db.doc(`deals/${deal.dealId}/messages/${regretted}`).update(tombstone(at(16)));
    clock.ms = baseMs + 10_000 + testSettings.pushThrottleMs;
    expect(await handlePushTask({ dealId: deal.dealId, side: "influencer" }, deps)).toMatchObject({ action: "none", reason: "nothing-new" });
    expect(await recordedPushes(deal.influencerId, deal.dealId)).toHaveLength(1);
  });

  it("nothing for what was read, or for a system message", async () => {
    const deal = await seedDeal();
    await registerDevice(deal.influencerId, token("d"));
    const deps = notifyDeps(clock);
    await send(deal, "brand", 10);
    await db.doc(`conversations/${deal.dealId}`).update({ "readWatermark.influencer": at(11) });
    clock.set(12);
    expect(await handlePushTask({ dealId: deal.dealId, side: "influencer" }, deps)).toMatchObject({ action: "none", reason: "nothing-new" });
    const scheduled = await scheduleForNewMessage({ dealId: deal.dealId, messageId: "sys", senderSide: "system", createdAtMs: baseMs }, deps);
    expect(scheduled).toEqual([]);
  });

  it("active in the conversation on a device: no push, and not later either; another deal open does not count", async () => {
    const deal = await seedDeal();
    await registerDevice(deal.influencerId, token("e"));
    const deps = notifyDeps(clock);
    await db.doc(notificationPaths.openDevice(deal.influencerId, "phone")).set(openConversationDoc(deal.dealId, at(0), at(60)));
    await db.doc(notificationPaths.openDevice(deal.influencerId, "laptop")).set(openConversationDoc("another-deal", at(0), at(600)));
    await send(deal, "brand", 10);
    clock.set(10);
    expect(await handlePushTask({ dealId: deal.dealId, side: "influencer" }, deps)).toMatchObject({ action: "suppress", reason: "active-in-conversation" });
    // The open entry expires (the app died): the next message pushes, the seen one is not re-announced.
    await send(deal, "brand", 70, "Still there?");
    clock.set(70);
    expect((await handlePushTask({ dealId: deal.dealId, side: "influencer" }, deps)).action).toBe("send");
    const [push] = await recordedPushes(deal.influencerId, deal.dealId);
    expect(push!.message.notification.title).toBe("2 new messages in Summer campaign");
  });

  it("mute, push off and quiet hours", async () => {
    const deal = await seedDeal();
    await registerDevice(deal.influencerId, token("f"));
    const deps = notifyDeps(clock);
    const prefsRef = db.doc(notificationPaths.preferences(deal.influencerId));
    const convPrefsRef = db.doc(notificationPaths.conversationPreferences(deal.influencerId, deal.dealId));
    await convPrefsRef.set({ push: true, email: true, mutedUntil: at(50), updatedAt: at(0) });
    await send(deal, "brand", 10);
    clock.set(10);
    expect(await handlePushTask({ dealId: deal.dealId, side: "influencer" }, deps)).toMatchObject({ action: "suppress", reason: "conversation-muted" });
    await convPrefsRef.set({ push: true, email: true, mutedUntil: null, updatedAt: at(0) });
    await prefsRef.set({ push: false, email: true, mutedUntil: null, quietHours: null, updatedAt: at(0) });
    await send(deal, "brand", 60);
    clock.set(60);
    expect(await handlePushTask({ dealId: deal.dealId, side: "influencer" }, deps)).toMatchObject({ action: "suppress", reason: "push-off" });
    // Quiet 08:30–10:00 UTC; baseMs is 09:00 UTC: held until 10:00, then sent.
    await prefsRef.set({ push: true, email: true, mutedUntil: null, quietHours: { startMinute: 510, endMinute: 600, timeZone: "UTC" }, updatedAt: at(0) });
    await send(deal, "brand", 120);
    clock.set(120);
    const quiet = await handlePushTask({ dealId: deal.dealId, side: "influencer" }, deps);
    expect(quiet).toMatchObject({ action: "defer", reason: "quiet-hours", atMs: Date.UTC(2026, 0, 5, 10, 0, 0) });
    clock.ms = Date.UTC(2026, 0, 5, 10, 0, 0);
    expect((await handlePushTask({ dealId: deal.dealId, side: "influencer" }, deps)).action).toBe("send");
    expect(await recordedPushes(deal.influencerId, deal.dealId)).toHaveLength(1);
  });

  it("prunes tokens FCM reports invalid and tokens not refreshed for 60 days; keeps the rest", async () => {
    const deal = await seedDeal();
    const [good, gone, stale] = [token("good"), token("gone"), token("stale")];
    await registerDevice(deal.influencerId, good);
    await registerDevice(deal.influencerId, gone);
    await registerDevice(deal.influencerId, stale, Timestamp.fromMillis(baseMs + 10_000 - notificationLimits.pushTokenStaleMs - 1));
    await db.doc(`${notificationCollections.simulatedTokenErrors}/${gone}`).set({ code: "messaging/registration-token-not-registered" });
    const deps = notifyDeps(clock);
    await send(deal, "brand", 10);
    clock.set(10);
    const outcome = await handlePushTask({ dealId: deal.dealId, side: "influencer" }, deps);
    expect(outcome.action).toBe("send");
    expect(outcome.results).toEqual(
      expect.arrayContaining([
        { token: good, ok: true },
        { token: gone, ok: false, errorCode: "messaging/registration-token-not-registered" },
      ]),
    );
    expect(outcome.results!.map((r) => r.token)).not.toContain(stale);
    const left = await db.collection(notificationPaths.pushDevices(deal.influencerId)).get();
    expect(left.docs.map((d) => d.id)).toEqual([good]);
  });

  it("a token registered by another user leaves the previous user's devices (a device changing hands), idempotently", async () => {
    const tok = token("shared");
    const [first, second] = [uniqueId("u1"), uniqueId("u2")];
    await registerDevice(first, tok);
    await registerDevice(first, token("own"));
    await registerDevice(second, tok);
    expect(await handlePushTokenRegistered(second, tok, db)).toEqual({ removed: [first] });
    expect(await handlePushTokenRegistered(second, tok, db)).toEqual({ removed: [] });
    expect((await db.doc(notificationPaths.pushDevice(first, tok)).get()).exists).toBe(false);
    expect((await db.collection(notificationPaths.pushDevices(first)).get()).size).toBe(1);
    expect((await db.doc(notificationPaths.pushDevice(second, tok)).get()).exists).toBe(true);
  });

  it("the first message of a deal whose conversation no trigger has created yet is pushed (the deal decides)", async () => {
    const deal = await seedDeal();
    await db.doc(`conversations/${deal.dealId}`).delete();
    await registerDevice(deal.influencerId, token("g"));
    const deps = notifyDeps(clock);
    await send(deal, "brand", 10);
    clock.set(10);
    expect((await handlePushTask({ dealId: deal.dealId, side: "influencer" }, deps)).action).toBe("send");
    expect(await recordedPushes(deal.influencerId, deal.dealId)).toHaveLength(1);
  });

  it("no device: nothing sent, nothing announced later", async () => {
    const deal = await seedDeal();
    const deps = notifyDeps(clock);
    await send(deal, "brand", 10);
    clock.set(10);
    expect(await handlePushTask({ dealId: deal.dealId, side: "influencer" }, deps)).toMatchObject({ action: "suppress", reason: "no-device" });
  });
});

describe("email digest", () => {
  const delay = testSettings.digestDelayMs / 1000;
  const window = testSettings.digestWindowMs / 1000;

  async function mails(uid: string) {
    const snap = await db.collection("mail").where("toUids", "array-contains", uid).get();
    return snap.docs.map((d) => ({ id: d.id, ...d.data() }));
  }

  it("once unread for the delay and away since: one email; duplicates and the window hold the next", async () => {
    const deal = await seedDeal();
    const clock = new Clock();
    const deps = notifyDeps(clock);
    await send(deal, "brand", 0, "Contract attached");
    // The counters as the message trigger maintains them (this project has no triggers).
    await db.doc(`conversations/${deal.dealId}`).update({ "unread.influencer": 1, "hasUnread.influencer": true });
    const scheduled = new RecordingScheduler();
    await scheduleForNewMessage({ dealId: deal.dealId, messageId: "m", senderSide: "brand", createdAtMs: baseMs }, { ...deps, scheduler: scheduled });
    expect(scheduled.tasks.find((t) => t.queue === taskQueues.digest)?.etaMs).toBe(baseMs + testSettings.digestDelayMs);

    clock.set(delay - 1);
    expect(await handleDigestTask({ dealId: deal.dealId, side: "influencer" }, deps)).toMatchObject({ action: "none", reason: "nothing-waiting" });
    clock.set(delay);
    const sent = await handleDigestTask({ dealId: deal.dealId, side: "influencer" }, deps);
    expect(sent.action).toBe("sent");
    const [mail] = await mails(deal.influencerId);
    expect(mail).toMatchObject({
      toUids: [deal.influencerId],
      message: { subject: "1 unread message in 1 deal", text: expect.stringContaining("Summer campaign: 1 unread") },
    });
    expect((mail as unknown as { message: { html: string } }).message.html).toContain("<li>Summer campaign: 1 unread</li>");

    // Duplicates (sequential and concurrent) inside the window: no second email, one deferred check.
    const again = await Promise.all([1, 2].map(() => handleDigestTask({ dealId: deal.dealId, side: "influencer" }, deps)));
    expect(again.map((o) => o.action)).toEqual(["defer", "defer"]);
    expect(await mails(deal.influencerId)).toHaveLength(1);
    clock.set(delay + window);
    expect((await handleDigestTask({ dealId: deal.dealId, side: "influencer" }, deps)).action).toBe("sent");
    expect(await mails(deal.influencerId)).toHaveLength(2);
  });

  it("not when the user was online after the message arrived, is online now, or turned email off", async () => {
    const deal = await seedDeal();
    const clock = new Clock();
    const deps = notifyDeps(clock);
    await send(deal, "brand", 0);
    await db.doc(`conversations/${deal.dealId}`).update({ "unread.influencer": 1, "hasUnread.influencer": true });
    clock.set(delay + 1);
    await db.doc(`presence/${deal.influencerId}`).set({ connections: {}, lastSeen: at(5) });
    expect(await handleDigestTask({ dealId: deal.dealId, side: "influencer" }, deps)).toMatchObject({ action: "none", reason: "nothing-waiting" });
    await db.doc(`presence/${deal.influencerId}`).set({ connections: { tab: { lastSeen: at(delay), expiresAt: at(delay + 60) } }, lastSeen: at(delay) });
    expect(await handleDigestTask({ dealId: deal.dealId, side: "influencer" }, deps)).toMatchObject({ action: "none", reason: "online" });
    await db.doc(`presence/${deal.influencerId}`).delete();
    await db.doc(notificationPaths.preferences(deal.influencerId)).set({ push: true, email: false, mutedUntil: null, quietHours: null, updatedAt: at(0) });
    expect(await handleDigestTask({ dealId: deal.dealId, side: "influencer" }, deps)).toMatchObject({ action: "none", reason: "email-off" });
    expect(await mails(deal.influencerId)).toHaveLength(0);
  });
});

describe("inbox: exact, derived, coalesced", () => {
  it("sums every deal's counter on both sides, beyond any page size, and is idempotent", async () => {
    const uid = uniqueId("brand");
    const unreadPerDeal = Array.from({ length: 120 }, (_, i) => i % 4);
    await Promise.all(
      unreadPerDeal.map((n) => seedDeal({ unread: { brand: n, influencer: 1 }, hasUnread: { brand: n > 0, influencer: true } }, { brandId: uid })),
    );
    await seedDeal({ unread: { brand: 9, influencer: 5 }, hasUnread: { brand: true, influencer: true } }, { influencerId: uid });
    const first = await recomputeInbox(uid, db, () => baseMs);
    const expected = unreadPerDeal.reduce((a, b) => a + b, 0) + 5;
    expect(first.inbox).toMatchObject({ unreadTotal: expected, conversationsWithUnread: 90 + 1, bySide: { influencer: { unread: 5, conversations: 1 } } });
    expect(first.outcome).toBe("written");
    expect((await recomputeInbox(uid, db, () => baseMs + 1)).outcome).toBe("unchanged");
    expect(Inbox.parse((await db.doc(notificationPaths.inbox(uid)).get()).data())).toMatchObject({ unreadTotal: expected });
  });

  it("concurrent, duplicated and reordered recomputes converge on the final counters", async () => {
    const uid = uniqueId("brand");
    const deals = await Promise.all(Array.from({ length: 8 }, () => seedDeal({}, { brandId: uid })));
    // Counter changes interleaved with recomputes that may run in any order.
    // Each change is followed by a duplicated recompute, with clocks running backwards (a late task).
    for (const [i, d] of deals.entries()) {
      await db.doc(`conversations/${d.dealId}`).update({ "unread.brand": i + 1, "hasUnread.brand": true });
      await recomputeInbox(uid, db, () => baseMs + 7 - i);
      await recomputeInbox(uid, db, () => baseMs + 7 - i);
    }
    // The last change races two concurrent recomputes: the transactions serialize them on the inbox document.
    await Promise.all([
      db.doc(`conversations/${deals[0]!.dealId}`).update({ "unread.brand": 0, "hasUnread.brand": false }),
      recomputeInbox(uid, db, () => baseMs),
      recomputeInbox(uid, db, () => baseMs),
    ]);
    await recomputeInbox(uid, db, () => baseMs - 10_000);
    const inbox = Inbox.parse((await db.doc(notificationPaths.inbox(uid)).get()).data());
    expect(inbox.unreadTotal).toBe(2 + 3 + 4 + 5 + 6 + 7 + 8);
    expect(inbox.conversationsWithUnread).toBe(7);
    // computedAt only moves forward, whatever clock the late recompute had.
    expect(inbox.computedAt.toMillis()).toBe(baseMs + 7);
  });

  it("schedules one task per user and slot, whatever the number of counter changes", async () => {
    const scheduler = new RecordingScheduler();
    const results = [];
    for (let i = 0; i < 50; i++) results.push(...(await scheduleInboxRecompute(["u1", "u2"], scheduler, baseMs + i * 10)));
    expect(results.filter((r) => r === "enqueued")).toHaveLength(2);
    expect(scheduler.tasks.every((t) => t.etaMs === baseMs + 1_000)).toBe(true);
    await scheduleInboxRecompute(["u1"], scheduler, baseMs + 1_000);
    expect(scheduler.tasks).toHaveLength(3);
  });

  it("recomputes only for a counter or membership change", () => {
    const conv = { brandId: "b", influencerId: "i", unread: { brand: 1, influencer: 0 }, hasUnread: { brand: true, influencer: false }, lastActivityAt: 1 };
    expect(inboxUidsToRecompute(conv, { ...conv, lastActivityAt: 2 })).toEqual([]);
    expect(inboxUidsToRecompute(conv, { ...conv, unread: { brand: 2, influencer: 0 } })).toEqual(["b"]);
    expect(inboxUidsToRecompute(conv, { ...conv, brandId: "b2" }).sort()).toEqual(["b", "b2"]);
    expect(inboxUidsToRecompute(null, conv).sort()).toEqual(["b", "i"]);
    expect(inboxUidsToRecompute(conv, null).sort()).toEqual(["b", "i"]);
  });
});
