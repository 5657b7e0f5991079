// Cloud Functions figures: trigger latency through the Functions emulator, and Firestore cost per user action.
//
// Latency: a participant writes a message with the web SDK; the other participant's snapshot listener on the
// conversation sees the trigger's update. Sequential samples, after a warm-up that pays the cold start.
//
// Cost: the handlers run in-process on realistic data (their own project in the emulator, where no trigger
// fires) and report the reads and writes their counting transaction issued. The client's own operations and
// the rules' get() calls are added from firestore.rules (each rule path reads the deal at most once).
import { doc, onSnapshot, serverTimestamp, setDoc, type DocumentSnapshot } from "firebase/firestore";
import { getApps, initializeApp } from "firebase-admin/app";
import { FieldValue, getFirestore, Timestamp, type Firestore } from "firebase-admin/firestore";
import { conversationListQuery, messageHistoryQuery, searchQueryToken, textEdit, tombstone } from "@dealchat/model";
import { toWebQuery } from "../client-sdk/src/query.ts";
import { handleConversationUpdated } from "../functions/src/handlers/conversations.ts";
import { handleDealWritten } from "../functions/src/handlers/deals.ts";
import { inboxUidsToRecompute } from "../functions/src/handlers/inbox.ts";
import { handleMessageCreated, handleMessageUpdated } from "../functions/src/handlers/messages.ts";
import type { HandlerResult } from "../functions/src/handlers/shared.ts";
import { toAdminQuery } from "../functions/src/store/query.ts";
import { adminFirestore, signedInWebClient, type WebClient } from "../test/support/clients.ts";
import { projectId, uniqueId } from "../test/support/emulators.ts";
import { at, dealData, messageData, newDealIds, seedDeal } from "../test/functions/support.ts";
import { isolateFunctionsEmulator } from "./cpu-affinity.ts";
import { setBackgroundTriggers } from "./emulator-hub.ts";
import { TICKS_PER_SECOND, cpuTicks, machineQuiet } from "./machine.ts";
import { percentile, type BenchRow } from "./table.ts";

const LATENCY_SAMPLES = 60;
const WARM_UP = 3;
const PAGE_SIZE = 20;

/** Rules reads per client write, from firestore.rules: every path reads the deal through dealData() once. */
const rulesGets = { messageCreate: 1, messageUpdate: 1, watermarkMove: 1, conversationList: 0 } as const;

export async function run(): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  // A part that fails (a deadline missed on a loaded machine) is a row saying so; the other parts keep their figures.
  for (const [name, part] of [
    ["trigger latency", triggerLatency],
    ["derived state", derivedState],
    ["delivery with triggers on and off", deliveryWithAndWithoutTriggers],
    ["cost per action", costPerAction],
  ] as const) {
    try {
      rows.push(...(await part()));
    } catch (error) {
      const message = (error instanceof Error ? error.message : String(error)).split("\n")[0]!.slice(0, 200);
      process.stderr.write(`functions: ${name} failed: ${message}\n`);
      rows.push({ benchmark: `functions: ${name}`, metric: "part failed", value: Number.NaN, unit: "", notes: message });
    }
  }
  return rows;
}

async function triggerLatency(): Promise<BenchRow[]> {
  const admin = adminFirestore();
  const [brand, influencer] = await Promise.all([signedInWebClient("bench-brand"), signedInWebClient("bench-influencer")]);
  try {
    const dealId = uniqueId("bench-deal");
    await admin.doc(`deals/${dealId}`).set({
      ...dealData({ dealId, brandId: brand.user.uid, influencerId: influencer.user.uid }, "active", at(0)),
      createdAt: FieldValue.serverTimestamp(),
      updatedAt: FieldValue.serverTimestamp(),
    });
    await new Promise<void>((resolve, reject) => {
      const stop = admin.doc(`conversations/${dealId}`).onSnapshot((s) => {
        if (!s.exists) return;
        stop();
        resolve();
      }, reject);
    });

    // One listener for the whole run, as the influencer; each sample waits for its own message id.
    let waiting: { id: string; resolve: () => void } | null = null;
    let serverSnapshot!: () => void;
    const listening = new Promise<void>((r) => (serverSnapshot = r));
    const stop = onSnapshot(doc(influencer.db, "conversations", dealId), { includeMetadataChanges: true }, (snap: DocumentSnapshot) => {
      if (snap.metadata.fromCache) return;
      serverSnapshot();
      if (waiting && snap.get("lastMessage.messageId") === waiting.id) waiting.resolve();
    });
    await listening;

    const samples: number[] = [];
    for (let i = 0; i < WARM_UP + LATENCY_SAMPLES; i++) {
      const [writer, side]: [WebClient, "brand" | "influencer"] = i % 2 === 0 ? [brand, "brand"] : [influencer, "influencer"];
      const id = uniqueId("bench-msg");
      // The warm-up sends also wait out what earlier sections left queued in the Functions emulator (their push,
      // digest and inbox tasks), so the measured sends see a drained pipeline.
      const deadlineMs = i < WARM_UP ? 120_000 : 30_000;
      const seen = new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no conversation update for ${id} within ${deadlineMs / 1000} s`)), deadlineMs);
        waiting = {
          id,
          resolve: () => {
            clearTimeout(timer);
            resolve();
          },
        };
      });
      const started = performance.now();
      await setDoc(doc(writer.db, "deals", dealId, "messages", id), { ...messageData(writer.user.uid, side, `sample ${i}`, serverTimestamp()) });
      await seen;
      if (i >= WARM_UP) samples.push(performance.now() - started);
    }
    stop();
    samples.sort((a, b) => a - b);
    const notes = `${samples.length} sequential web-SDK sends (after ${WARM_UP} warm-up), seen by the other side's listener; Functions emulator`;
    const name = "functions: message write → conversation update seen by a listener";
    return [
      { benchmark: name, metric: "p50", value: percentile(samples, 50), unit: "ms", notes },
      { benchmark: name, metric: "p99", value: percentile(samples, 99), unit: "ms", notes },
    ];
  } finally {
    await Promise.all([brand.close(), influencer.close()]);
  }
}

/** The handlers' Firestore, in a project of its own so that no trigger of the running emulator interferes. */
function isolatedDb(): Firestore {
  const name = "functions-bench";
  const app = getApps().find((a) => a.name === name) ?? initializeApp({ projectId: `${projectId}-bench` }, name);
  return getFirestore(app);
}

interface ChainCost {
  reads: number;
  writes: number;
  /** Trigger invocations the action caused (its own and those of the functions' writes). */
  invocations: number;
  /** Invocations that found nothing to do (an echo of the functions' own write), at no cost. */
  echoes: number;
  breakdown: string[];
}

function costRows(action: string, client: { reads: number; writes: number }, rules: number, chain: ChainCost): BenchRow[] {
  const name = `functions: Firestore cost of "${action}"`;
  return [
    {
      benchmark: name,
      metric: "document reads",
      value: client.reads + rules + chain.reads,
      unit: "reads",
      notes: `client ${client.reads} + rules get() ${rules} + triggers ${chain.reads} (${chain.breakdown.join("; ")})`,
    },
    {
      benchmark: name,
      metric: "document writes",
      value: client.writes + chain.writes,
      unit: "writes",
      notes: `client ${client.writes} + triggers ${chain.writes}; measured after the functions' own writes settled`,
    },
    {
      benchmark: name,
      metric: "trigger invocations",
      value: chain.invocations,
      unit: "invocations",
      notes: `of which ${chain.echoes} found nothing to do (0 reads, 0 writes)`,
    },
  ];
}

/**
 * Runs an action's trigger and then every trigger its writes would fire in production (the conversation's update
 * trigger for a conversation write, the message's update trigger for a message write), until nothing changes.
 */
async function settle(db: Firestore, dealId: string, messageId: string | null, first: () => Promise<HandlerResult>, label: string): Promise<ChainCost> {
  const conversationRef = db.doc(`conversations/${dealId}`);
  const messageRef = messageId ? db.doc(`deals/${dealId}/messages/${messageId}`) : null;
  const chain: ChainCost = { reads: 0, writes: 0, invocations: 0, echoes: 0, breakdown: [] };
  /** `other`: the invocation's other work that issues no Firestore operation (enqueueing tasks), so it is no echo. */
  const account = (name: string, r: HandlerResult, other = false) => {
    chain.reads += r.cost.reads;
    chain.writes += r.cost.writes;
    chain.invocations += 1;
    if (r.cost.reads + r.cost.writes === 0 && !other) chain.echoes += 1;
    chain.breakdown.push(`${name} ${r.cost.reads}r/${r.cost.writes}w${other ? " + tasks" : ""}`);
  };
  let conversationBefore = (await conversationRef.get()).data() ?? {};
  let messageBefore = messageRef ? ((await messageRef.get()).data() ?? {}) : {};
  account(label, await first());
  // onMessageCreated also enqueues the push and digest tasks (no Firestore operation) in the same invocation.
  if (label === "onMessageCreated") chain.breakdown[chain.breakdown.length - 1] += " + tasks";
  for (let round = 0; round < 5; round++) {
    const conversationAfter = (await conversationRef.get()).data() ?? {};
    const messageAfter = messageRef ? ((await messageRef.get()).data() ?? {}) : {};
    const pending: Array<Promise<void>> = [];
    if (JSON.stringify(conversationAfter) !== JSON.stringify(conversationBefore)) {
      const before = conversationBefore;
      // onConversationWritten: the watermark recount, and the inbox tasks when a side's counters changed.
      const inbox = inboxUidsToRecompute(before, conversationAfter).length > 0;
      pending.push(
        handleConversationUpdated({ eventId: uniqueId("bench-evt"), time: new Date().toISOString(), dealId, before, after: conversationAfter }, db).then((r) =>
          account("onConversationWritten", r, inbox),
        ),
      );
    }
    if (messageRef && messageId && JSON.stringify(messageAfter) !== JSON.stringify(messageBefore)) {
      const before = messageBefore;
      pending.push(
        handleMessageUpdated({ eventId: uniqueId("bench-evt"), dealId, messageId, before, after: messageAfter }, db).then((r) =>
          account("onMessageUpdated", r),
        ),
      );
    }
    if (pending.length === 0) break;
    conversationBefore = conversationAfter;
    messageBefore = messageAfter;
    await Promise.all(pending);
  }
  return chain;
}

export async function costPerAction(): Promise<BenchRow[]> {
  const db = isolatedDb();
  const event = () => uniqueId("bench-evt");
  // Messages of the last hour, not of the fixed test calendar: an answer older than the statistics' 90-day window
  // would be dropped from the answerer's document and its write not counted.
  const startMs = Date.now() - 3_600_000;
  const recent = (seconds: number) => Timestamp.fromMillis(startMs + seconds * 1000);
  // The deal trigger creates the conversation first, as in production, so the first message is a plain send.
  const deal = newDealIds();
  await db.doc(`deals/${deal.dealId}`).set(dealData(deal, "active", at(0)));
  await handleDealWritten({ eventId: event(), time: new Date().toISOString(), dealId: deal.dealId, before: null, after: dealData(deal, "active", at(0)) }, db);
  const messages = db.collection(`deals/${deal.dealId}/messages`);
  const created = (id: string) => () => handleMessageCreated({ eventId: event(), time: new Date().toISOString(), dealId: deal.dealId, messageId: id }, db);

  // A conversation with history: 40 messages, then a question, a nudge and the answer.
  let first: ChainCost | undefined;
  for (let i = 0; i < 40; i++) {
    const side = i % 2 === 0 ? "brand" : "influencer";
    await messages.doc(`h${i}`).set(messageData(side === "brand" ? deal.brandId : deal.influencerId, side, `history ${i}`, recent(i)));
    const cost = await settle(db, deal.dealId, `h${i}`, created(`h${i}`), "onMessageCreated");
    first ??= cost;
  }
  await messages.doc("q").set(messageData(deal.brandId, "brand", "Can you share the draft?", recent(100)));
  await settle(db, deal.dealId, "q", created("q"), "onMessageCreated");
  await messages.doc("n").set(messageData(deal.brandId, "brand", "Any news?", recent(110)));
  const nudge = await settle(db, deal.dealId, "n", created("n"), "onMessageCreated");
  const sendRef = messages.doc("a");
  await sendRef.set(messageData(deal.influencerId, "influencer", "Here is the draft for the summer campaign", recent(130)));
  const answer = await settle(db, deal.dealId, "a", created("a"), "onMessageCreated");

  const beforeEdit = (await sendRef.get()).data()!;
  await sendRef.update(textEdit("Here is the final draft for the summer campaign", recent(140)));
  const afterEdit = (await sendRef.get()).data()!;
  const edit = await settle(
    db,
    deal.dealId,
    null,
    () => handleMessageUpdated({ eventId: event(), dealId: deal.dealId, messageId: "a", before: beforeEdit, after: afterEdit }, db),
    "onMessageUpdated",
  );

  const beforeDelete = (await sendRef.get()).data()!;
  await sendRef.update(tombstone(recent(150)));
  const afterDelete = (await sendRef.get()).data()!;
  const remove = await settle(
    db,
    deal.dealId,
    null,
    () => handleMessageUpdated({ eventId: event(), dealId: deal.dealId, messageId: "a", before: beforeDelete, after: afterDelete }, db),
    "onMessageUpdated",
  );

  const conversationRef = db.doc(`conversations/${deal.dealId}`);
  const beforeRead = (await conversationRef.get()).data()!;
  await conversationRef.update({ "readWatermark.brand": recent(160) });
  const afterRead = (await conversationRef.get()).data()!;
  const markRead = await settle(
    db,
    deal.dealId,
    null,
    () => handleConversationUpdated({ eventId: event(), time: new Date().toISOString(), dealId: deal.dealId, before: beforeRead, after: afterRead }, db),
    "onConversationWritten",
  );

  // A page of the conversation list: one query, one read per returned conversation.
  const brandId = uniqueId("bench-brand");
  for (let i = 0; i < PAGE_SIZE + 5; i++) {
    const ids = newDealIds(brandId);
    await db.doc(`deals/${ids.dealId}`).set(dealData(ids, "active", at(i)));
    await handleDealWritten({ eventId: event(), time: new Date().toISOString(), dealId: ids.dealId, before: null, after: dealData(ids, "active", at(i)) }, db);
  }
  const page = await toAdminQuery(db, conversationListQuery({ uid: brandId, side: "brand", pageSize: PAGE_SIZE })).get();
  const listReads = Math.max(1, page.size);

  return [
    ...costRows("send a message (the first of a deal)", { reads: 0, writes: 1 }, rulesGets.messageCreate, first!),
    ...costRows("send a message (a follow-up: a nudge, deal of 42 messages)", { reads: 0, writes: 1 }, rulesGets.messageCreate, nudge),
    ...costRows("send a message (an answer, deal of 43 messages)", { reads: 0, writes: 1 }, rulesGets.messageCreate, answer),
    ...costRows("edit a message", { reads: 0, writes: 1 }, rulesGets.messageUpdate, edit),
    ...costRows("delete a message", { reads: 0, writes: 1 }, rulesGets.messageUpdate, remove),
    ...costRows("mark read", { reads: 0, writes: 1 }, rulesGets.watermarkMove, markRead),
    {
      benchmark: `functions: Firestore cost of "list a page of conversations"`,
      metric: "document reads",
      value: listReads + rulesGets.conversationList,
      unit: "reads",
      notes: `conversationListQuery, page of ${PAGE_SIZE} out of ${PAGE_SIZE + 5}; rules need no get(); no trigger`,
    },
  ];
}

/** Resolves when `ref` first satisfies `accept`, or rejects after 30 s. */
function whenDoc(
  ref: FirebaseFirestore.DocumentReference,
  accept: (snap: FirebaseFirestore.DocumentSnapshot) => boolean,
  what: string,
  timeoutMs = 30_000,
): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      stop();
      reject(new Error(`${what} did not happen within ${timeoutMs / 1000} s`));
    }, timeoutMs);
    const stop = ref.onSnapshot((snap) => {
      if (!accept(snap)) return;
      clearTimeout(timer);
      stop();
      resolve();
    }, reject);
  });
}

const DERIVED_SAMPLES = 20;

/** How soon derived state follows: a new deal's conversation entry, and a new message's search tokens (warm). */
export async function derivedState(): Promise<BenchRow[]> {
  const admin = adminFirestore();
  const conversationLag: number[] = [];
  for (let i = 0; i < DERIVED_SAMPLES; i++) {
    const ids = newDealIds();
    const visible = whenDoc(admin.doc(`conversations/${ids.dealId}`), (s) => s.exists, "the new deal's conversation");
    const started = performance.now();
    await admin
      .doc(`deals/${ids.dealId}`)
      .set({ ...dealData(ids, "active", at(0)), createdAt: FieldValue.serverTimestamp(), updatedAt: FieldValue.serverTimestamp() });
    await visible;
    conversationLag.push(performance.now() - started);
  }
  const deal = await seedDeal(admin);
  const brand = await signedInWebClient("bench-search");
  await admin.doc(`deals/${deal.dealId}`).update({ brandId: brand.user.uid, participants: [brand.user.uid, deal.influencerId] });
  const searchLag: number[] = [];
  try {
    for (let i = 0; i < DERIVED_SAMPLES; i++) {
      const id = uniqueId("bench-search-msg");
      // A word no other message has, so the search's first result is this message.
      const word = `proposal${uniqueId("w").replace(/[^a-z0-9]/gi, "")}`;
      const token = searchQueryToken(word)!;
      const found = new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`${id} not found by a search within 30 s`)), 30_000);
        const stop = admin
          .collection(`deals/${deal.dealId}/messages`)
          .where("searchTokens", "array-contains", token)
          .onSnapshot((snap) => {
            if (!snap.docs.some((d) => d.id === id)) return;
            clearTimeout(timer);
            stop();
            resolve();
          }, reject);
      });
      const started = performance.now();
      await setDoc(doc(brand.db, "deals", deal.dealId, "messages", id), messageData(brand.user.uid, "brand", `searchable ${word}`, serverTimestamp()));
      await found;
      searchLag.push(performance.now() - started);
    }
  } finally {
    await brand.close();
  }
  conversationLag.sort((a, b) => a - b);
  searchLag.sort((a, b) => a - b);
  const dealNotes = `${DERIVED_SAMPLES} deals written by the platform one after another, warm Functions emulator; until the entry exists`;
  const searchNotes = `${DERIVED_SAMPLES} web-SDK sends one after another; until a listening search (searchTokens array-contains) returns the message: the tokens come with the message`;
  return [
    { benchmark: "functions: new deal → its conversation entry exists", metric: "p50", value: percentile(conversationLag, 50), unit: "ms", notes: dealNotes },
    { benchmark: "functions: new deal → its conversation entry exists", metric: "p99", value: percentile(conversationLag, 99), unit: "ms", notes: dealNotes },
    { benchmark: "functions: send → message searchable", metric: "p50", value: percentile(searchLag, 50), unit: "ms", notes: searchNotes },
    { benchmark: "functions: send → message searchable", metric: "p99", value: percentile(searchLag, 99), unit: "ms", notes: searchNotes },
  ];
}

const DELIVERY_SAMPLES = 100;
/** Settled samples wait for an idle machine before and after each send, so there are fewer of them. */
const SETTLED_SAMPLES = 40;
/**
 * Whether the triggers slow delivery: a web-SDK send seen by the other participant's plain listener on the newest
 * messages, with the Functions emulator's triggers on, then off, then on again (one run, same emulators).
 * - Back to back: the next send goes out as soon as the previous one was delivered, while its triggers still run
 *   (a lively conversation). This is the target's comparison.
 * - Settled: each send starts on an idle machine and is followed by a wait until the machine is idle again; the
 *   machine's CPU time in between is the whole work one send sets off. If settled sends with the triggers on are
 *   delivered as fast as with them off, the functions' existence (event delivery, a lock a trigger holds) costs
 *   delivery nothing, and what back-to-back sends lose is CPU: the triggers' work of earlier sends running on the
 *   same two cores as the Firestore emulator and the clients. Production runs the functions elsewhere.
 */
export async function deliveryWithAndWithoutTriggers(): Promise<BenchRow[]> {
  const admin = adminFirestore();
  const [brand, influencer] = await Promise.all([signedInWebClient("bench-raw-brand"), signedInWebClient("bench-raw-influencer")]);
  const dealId = uniqueId("bench-raw-deal");
  await admin.doc(`deals/${dealId}`).set({
    ...dealData({ dealId, brandId: brand.user.uid, influencerId: influencer.user.uid }, "active", at(0)),
    createdAt: FieldValue.serverTimestamp(),
    updatedAt: FieldValue.serverTimestamp(),
  });
  const seen = new Set<string>();
  let wake: () => void = () => {};
  const stop = onSnapshot(toWebQuery(influencer.db, messageHistoryQuery({ dealId, pageSize: 30 })), (snap) => {
    for (const d of snap.docs) seen.add(d.id);
    wake();
  });
  /** `afterTrigger`: resolves, with the delivery time, once the message trigger has handled the send too. */
  const send = async (label: string, { afterTrigger = false } = {}): Promise<number> => {
    const id = uniqueId(label);
    const arrived = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${id} not delivered within 30 s`)), 30_000);
      wake = () => {
        if (!seen.has(id)) return;
        clearTimeout(timer);
        resolve();
      };
    });
    const started = performance.now();
    await setDoc(doc(brand.db, "deals", dealId, "messages", id), messageData(brand.user.uid, "brand", `delivery ${label}`, serverTimestamp()));
    await arrived;
    const took = performance.now() - started;
    // Attached only now: a listener attached before the send made the emulator register its target while it
    // delivered the message, which only the "on" samples paid. whenDoc also accepts the snapshot it starts with.
    if (afterTrigger)
      await whenDoc(admin.doc(`conversations/${dealId}`), (snap) => snap.get("lastMessage.messageId") === id, "a settled send's trigger", 120_000);
    return took;
  };
  const backToBack = async (into: number[], label: string, n: number) => {
    for (let i = 0; i < n; i++) into.push(await send(label));
  };
  /** Settled sends: delivery times, and the machine's CPU milliseconds from each send until it was idle again. */
  const settled = async (into: { delivery: number[]; cpuMs: number[] }, label: string, n: number, afterTrigger: boolean) => {
    for (let i = 0; i < n; i++) {
      await machineQuiet();
      const before = cpuTicks();
      // With the triggers on, the idle wait starts once the message trigger has run (the machine can be idle for a
      // moment between the write and the event's delivery to the Functions emulator).
      into.delivery.push(await send(label, { afterTrigger }));
      await machineQuiet();
      const after = cpuTicks();
      if (before && after) into.cpuMs.push(((after.busy - before.busy) * 1000) / TICKS_PER_SECOND);
    }
  };
  /**
   * Unmeasured sends until the message trigger has handled one (the conversation's summary shows it): the triggers'
   * workers are started, and re-enabling the triggers replaces them (firebase-tools reloads its worker pool), so
   * without this the first "on" samples after the switch measure a worker's cold start, reported apart in
   * "functions: message write → conversation update" (first event), not the steady state compared here.
   */
  const warmUp = async () => {
    for (let i = 0; i < WARM_UP; i++) {
      const id = uniqueId("warm");
      const handled = whenDoc(admin.doc(`conversations/${dealId}`), (snap) => snap.get("lastMessage.messageId") === id, "a warm-up send's trigger");
      await setDoc(doc(brand.db, "deals", dealId, "messages", id), messageData(brand.user.uid, "brand", "warm-up", serverTimestamp()));
      await handled;
    }
  };
  const on: number[] = [];
  const off: number[] = [];
  const settledOn = { delivery: [] as number[], cpuMs: [] as number[] };
  const settledOff = { delivery: [] as number[], cpuMs: [] as number[] };
  let pinned: Pinned = "not measured";
  try {
    await warmUp();
    await settled(settledOn, "settled-on", SETTLED_SAMPLES / 2, true);
    await backToBack(on, "on", DELIVERY_SAMPLES / 2);
    await setBackgroundTriggers(false);
    await settled(settledOff, "settled-off", SETTLED_SAMPLES, false);
    await backToBack(off, "off", DELIVERY_SAMPLES);
  } finally {
    await setBackgroundTriggers(true);
  }
  try {
    // Settled first again: the back-to-back sends leave a queue of trigger work behind them.
    await warmUp();
    await settled(settledOn, "settled-on", SETTLED_SAMPLES / 2, true);
    await backToBack(on, "on", DELIVERY_SAMPLES / 2);
    pinned = await backToBackOnACoreApart(warmUp, backToBack);
  } finally {
    stop();
    await Promise.all([brand.close(), influencer.close()]);
  }
  for (const list of [on, off, settledOn.delivery, settledOff.delivery, settledOn.cpuMs, settledOff.cpuMs]) list.sort((a, b) => a - b);
  const p50 = (list: number[]) => percentile(list, 50).toFixed(1);
  const notes = `${DELIVERY_SAMPLES} web-SDK sends each, back to back, triggers on (half before, half after, each after ${WARM_UP} warm-up sends handled) and off (Emulator Hub switch); on p50 ${p50(on)} ms, off p50 ${p50(off)} ms`;
  const benchmark = "functions: delivery with triggers on ÷ off";
  const settledBenchmark = "functions: delivery with triggers on ÷ off, each send on an idle machine";
  const settledNotes = `${SETTLED_SAMPLES} web-SDK sends each way, same run, each started once the machine was idle (/proc/stat) and followed by a wait until it was idle again; on p50 ${p50(settledOn.delivery)} ms, off p50 ${p50(settledOff.delivery)} ms`;
  const rows: BenchRow[] = [
    { benchmark, metric: "p50 ratio", value: percentile(on, 50) / percentile(off, 50), unit: "×", notes },
    { benchmark, metric: "p99 ratio", value: percentile(on, 99) / percentile(off, 99), unit: "×", notes },
    {
      benchmark: settledBenchmark,
      metric: "p50 ratio",
      value: percentile(settledOn.delivery, 50) / percentile(settledOff.delivery, 50),
      unit: "×",
      notes: settledNotes,
    },
    {
      benchmark: settledBenchmark,
      metric: "p99 ratio",
      value: percentile(settledOn.delivery, 99) / percentile(settledOff.delivery, 99),
      unit: "×",
      notes: settledNotes,
    },
  ];
  const pinnedBenchmark = "functions: delivery with triggers on ÷ off, the Functions emulator on a core of its own";
  if (typeof pinned === "string") {
    rows.push({ benchmark: pinnedBenchmark, metric: "p50 ratio", value: Number.NaN, unit: "×", notes: `not measured: ${pinned}` });
  } else {
    for (const list of [pinned.on, pinned.off]) list.sort((a, b) => a - b);
    const pinnedNotes = `${DELIVERY_SAMPLES} back-to-back web-SDK sends each way, same run, after the rows above; ${pinned.description} (taskset); on p50 ${p50(pinned.on)} ms, off p50 ${p50(pinned.off)} ms`;
    rows.push(
      { benchmark: pinnedBenchmark, metric: "p50 ratio", value: percentile(pinned.on, 50) / percentile(pinned.off, 50), unit: "×", notes: pinnedNotes },
      { benchmark: pinnedBenchmark, metric: "p99 ratio", value: percentile(pinned.on, 99) / percentile(pinned.off, 99), unit: "×", notes: pinnedNotes },
    );
  }
  if (settledOn.cpuMs.length > 0) {
    const cpuNotes = `the settled sends above: the whole machine's busy CPU time from the send until it was idle again (all cores; ${TICKS_PER_SECOND} ticks/s)`;
    rows.push(
      { benchmark: "functions: machine CPU per send, triggers on", metric: "p50", value: percentile(settledOn.cpuMs, 50), unit: "ms", notes: cpuNotes },
      { benchmark: "functions: machine CPU per send, triggers off", metric: "p50", value: percentile(settledOff.cpuMs, 50), unit: "ms", notes: cpuNotes },
    );
  }
  return rows;
}

/** Back-to-back delivery times with the Functions emulator pinned apart, or why they could not be measured. */
type Pinned = { on: number[]; off: number[]; description: string } | string;

/**
 * The back-to-back comparison again, with the Functions emulator and its workers on a core of their own and the
 * Firestore emulator and the clients on the other(s): the triggers still run, and still read and write through the
 * same Firestore emulator, but no longer take CPU from the delivery path, as in production where functions run on
 * their own instances. Delivery with one core fewer is slower in both arms; the ratio is what compares.
 */
async function backToBackOnACoreApart(warmUp: () => Promise<void>, backToBack: (into: number[], label: string, n: number) => Promise<void>): Promise<Pinned> {
  const isolation = isolateFunctionsEmulator();
  if (typeof isolation === "string") return isolation;
  const on: number[] = [];
  const off: number[] = [];
  try {
    await warmUp();
    await backToBack(on, "pinned-on", DELIVERY_SAMPLES / 2);
    await setBackgroundTriggers(false);
    try {
      await backToBack(off, "pinned-off", DELIVERY_SAMPLES);
    } finally {
      await setBackgroundTriggers(true);
    }
    await warmUp();
    await backToBack(on, "pinned-on", DELIVERY_SAMPLES / 2);
  } finally {
    isolation.restore();
  }
  return { on, off, description: isolation.description };
}
