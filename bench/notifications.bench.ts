// Notification figures (docs/notifications.md):
// - cost: the Firestore reads and writes the notification work adds to a send (push task, inbox recompute, digest
//   check), handlers run in-process on their own project with an injected clock, next to the send's own trigger;
// - latency: a participant sends with the web SDK, the push the functions built is recorded (emulator delivery
//   step) — send → recorded push, through the message trigger, the Tasks emulator and the push task;
// - inbox burst: messages to one brand across many deals, written together; how many times the brand's inbox
//   document was written, its highest write rate in any second, and when it became exact.
import { doc, serverTimestamp, setDoc } from "firebase/firestore";
import { getApps, initializeApp } from "firebase-admin/app";
import { getFirestore, Timestamp, type Firestore } from "firebase-admin/firestore";
import { Inbox, newMessage, notificationCollections, notificationDefaults, notificationPaths, pushDeviceDoc } from "@dealchat/model";
import { handleMessageCreated } from "../functions/src/handlers/messages.ts";
import { recomputeInbox } from "../functions/src/handlers/inbox.ts";
import { handleDigestTask, handlePushTask, type NotifyDeps } from "../functions/src/handlers/notifications.ts";
import { recordingTransport } from "../functions/src/handlers/push-delivery.ts";
import type { TaskScheduler } from "../functions/src/handlers/tasks.ts";
import { adminFirestore, signedInWebClient } from "../test/support/clients.ts";
import { projectId, uniqueId } from "../test/support/emulators.ts";
import { at, dealData, messageData, newDealIds, seedDeal } from "../test/functions/support.ts";
import { percentile, type BenchRow } from "./table.ts";

const PUSH_SAMPLES = 20;
const WARM_UP = 2;
const BURST_DEALS = 25;
const BURST_MESSAGES = 100;

export async function run(): Promise<BenchRow[]> {
  return [...(await costPerSend()), ...(await sendToPush()), ...(await inboxBurst())];
}

function isolatedDb(): Firestore {
  const name = "bench-notify";
  const app = getApps().find((a) => a.name === name) ?? initializeApp({ projectId: `${projectId}-bench-notify` }, name);
  return getFirestore(app);
}

const noScheduler: TaskScheduler = { schedule: async () => "enqueued" };

async function costPerSend(): Promise<BenchRow[]> {
  const db = isolatedDb();
  const deal = await seedDeal(db);
  const token = `bench_${"t".repeat(40)}:APA91b${"x".repeat(100)}`;
  await db.doc(notificationPaths.pushDevice(deal.brandId, token)).set(pushDeviceDoc(token, "android", at(0)));
  let nowMs = at(10).toMillis();
  const deps: NotifyDeps = { db, now: () => nowMs, scheduler: noScheduler, transport: recordingTransport(db), settings: { ...notificationDefaults } };
  const messages = db.collection(`deals/${deal.dealId}/messages`);

  await messages.doc("m1").set(messageData(deal.influencerId, "influencer", "First draft attached", at(10)));
  const send = await handleMessageCreated({ eventId: uniqueId("evt"), dealId: deal.dealId, messageId: "m1" }, db);
  const push = await handlePushTask({ dealId: deal.dealId, side: "brand" }, deps);
  const inbox = await recomputeInbox(deal.brandId, db, deps.now);
  await messages.doc("m2").set(messageData(deal.influencerId, "influencer", "And the captions", at(20)));
  nowMs = at(20).toMillis();
  const held = await handlePushTask({ dealId: deal.dealId, side: "brand" }, deps);
  nowMs = at(10).toMillis() + notificationDefaults.digestDelayMs;
  const digest = await handleDigestTask({ dealId: deal.dealId, side: "brand" }, deps);
  if (push.action !== "send" || held.action !== "defer") throw new Error(`unexpected push decisions: ${push.action}, ${held.action}`);

  const notes = "in-process handlers, injected clock; enqueueing a task is an HTTP call, no Firestore operation";
  const total = { reads: send.cost.reads + push.cost.reads + inbox.cost.reads, writes: send.cost.writes + push.cost.writes + inbox.cost.writes };
  return [
    {
      benchmark: "send incl. notification work (trigger + push sent + inbox)",
      metric: "reads / writes",
      value: total.reads,
      unit: `reads, ${total.writes} writes`,
      notes: "the first message of a window to an away recipient; the digest check is once per 30-min slot (row below)",
    },
    { benchmark: "send: message trigger (for comparison)", metric: "reads / writes", value: send.cost.reads, unit: `reads, ${send.cost.writes} writes`, notes },
    { benchmark: "send: push task, first message (sent)", metric: "reads / writes", value: push.cost.reads, unit: `reads, ${push.cost.writes} writes`, notes },
    {
      benchmark: "send: push task, inside the throttle window (held)",
      metric: "reads / writes",
      value: held.cost.reads,
      unit: `reads, ${held.cost.writes} writes`,
      notes,
    },
    {
      benchmark: "send: inbox recompute (at most one per user per second)",
      metric: "reads / writes",
      value: inbox.cost.reads,
      unit: `reads, ${inbox.cost.writes} writes`,
      notes: "two aggregation queries (1 read per 1,000 conversations) + the inbox document",
    },
    {
      benchmark: "send: digest check (one per recipient, deal and 30-min slot)",
      metric: "reads / writes",
      value: digest.cost.reads,
      unit: `reads, ${digest.cost.writes} writes`,
      notes: `outcome ${digest.action}: mail + state written when sent`,
    },
  ];
}

async function sendToPush(): Promise<BenchRow[]> {
  const admin = adminFirestore();
  const [brand, influencer] = await Promise.all([signedInWebClient("bench-push-brand"), signedInWebClient("bench-push-influencer")]);
  const token = `benchpush_${"p".repeat(40)}:APA91b${"y".repeat(100)}`;
  await admin.doc(notificationPaths.pushDevice(brand.user.uid, token)).set(pushDeviceDoc(token, "web", Timestamp.now()));
  // One deal per sample: each message is the first of its conversation, so it is pushed at once (no throttle).
  const deals: string[] = [];
  for (let i = 0; i < WARM_UP + PUSH_SAMPLES; i++) {
    const dealId = uniqueId("bench-push-deal");
    await admin
      .doc(`deals/${dealId}`)
      .set(dealData({ dealId, brandId: brand.user.uid, influencerId: influencer.user.uid }, "active", Timestamp.now(), Timestamp.now()));
    deals.push(dealId);
  }
  const samples: number[] = [];
  try {
    for (const [i, dealId] of deals.entries()) {
      const recorded = new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no recorded push for ${dealId} within 60 s`)), 60_000);
        const stop = admin
          .collection(notificationCollections.recordedPushes)
          .where("dealId", "==", dealId)
          .onSnapshot((s) => {
            if (s.empty) return;
            clearTimeout(timer);
            stop();
            resolve();
          }, reject);
      });
      const started = performance.now();
      await setDoc(
        doc(influencer.db, "deals", dealId, "messages", uniqueId("m")),
        newMessage({ senderId: influencer.user.uid, senderSide: "influencer", text: `sample ${i}`, attachments: [] }, serverTimestamp()),
      );
      await recorded;
      if (i >= WARM_UP) samples.push(performance.now() - started);
    }
  } finally {
    await Promise.all([brand.close(), influencer.close()]);
  }
  samples.sort((a, b) => a - b);
  const notes = `${PUSH_SAMPLES} sequential sends, each the first of its deal; web SDK write → push recorded by the emulator delivery step`;
  return [
    { benchmark: "send → recorded push (Functions + Tasks emulators)", metric: "p50", value: percentile(samples, 50), unit: "ms", notes },
    { benchmark: "send → recorded push (Functions + Tasks emulators)", metric: "p99", value: percentile(samples, 99), unit: "ms", notes },
  ];
}

async function inboxBurst(): Promise<BenchRow[]> {
  const admin = adminFirestore();
  const brandId = uniqueId("bench-burst-brand");
  const deals = [];
  for (let i = 0; i < BURST_DEALS; i++) {
    const ids = newDealIds(brandId);
    await admin.doc(`deals/${ids.dealId}`).set(dealData(ids, "active", Timestamp.now(), Timestamp.now()));
    deals.push(ids);
  }
  // Wait for the conversations (the deal trigger creates them) so the burst measures messages only.
  await Promise.all(
    deals.map(
      (d) =>
        new Promise<void>((resolve, reject) => {
          const stop = admin.doc(`conversations/${d.dealId}`).onSnapshot((s) => {
            if (!s.exists) return;
            stop();
            resolve();
          }, reject);
        }),
    ),
  );
  const writes: number[] = [];
  let exactAt = 0;
  const started = Date.now();
  const exact = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`inbox not exact within 180 s (last writes: ${writes.length})`)), 180_000);
    const stop = admin.doc(notificationPaths.inbox(brandId)).onSnapshot((s) => {
      if (!s.exists || !s.updateTime) return;
      writes.push(s.updateTime.toMillis());
      if (Inbox.parse(s.data()).unreadTotal === BURST_MESSAGES) {
        exactAt = Date.now();
        clearTimeout(timer);
        stop();
        resolve();
      }
    }, reject);
  });
  const writer = admin.bulkWriter();
  for (let i = 0; i < BURST_MESSAGES; i++) {
    const d = deals[i % BURST_DEALS]!;
    void writer.set(admin.doc(`deals/${d.dealId}/messages/${uniqueId("burst")}`), messageData(d.influencerId, "influencer", `burst ${i}`, Timestamp.now()));
  }
  await writer.close();
  const written = Date.now();
  await exact;
  let maxPerSecond = 0;
  for (const t of writes) maxPerSecond = Math.max(maxPerSecond, writes.filter((u) => u >= t && u < t + 1000).length);
  const notes = `${BURST_MESSAGES} messages to one brand across ${BURST_DEALS} deals, written in ${written - started} ms`;
  return [
    { benchmark: "inbox burst: inbox document writes", metric: "writes per message", value: writes.length / BURST_MESSAGES, unit: "ratio", notes },
    {
      benchmark: "inbox burst: inbox document writes",
      metric: "max in any 1 s",
      value: maxPerSecond,
      unit: "writes",
      notes: "Firestore sustains ~1/s per document",
    },
    { benchmark: "inbox burst: exact total after the last write", metric: "latency", value: exactAt - written, unit: "ms", notes },
  ];
}
