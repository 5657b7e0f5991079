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
import { FieldValue, getFirestore, type Firestore } from "firebase-admin/firestore";
import { conversationListQuery, messageHistoryQuery } from "@dealchat/model";
import { toWebQuery } from "../client-sdk/src/query.ts";
import { handleConversationUpdated } from "../functions/src/handlers/conversations.ts";
import { handleDealWritten } from "../functions/src/handlers/deals.ts";
import { handleMessageCreated, handleMessageUpdated } from "../functions/src/handlers/messages.ts";
import type { HandlerResult } from "../functions/src/handlers/shared.ts";
import { toAdminQuery } from "../functions/src/store/query.ts";
import { adminFirestore, signedInWebClient, type WebClient } from "../test/support/clients.ts";
import { projectId, uniqueId } from "../test/support/emulators.ts";
import { at, dealData, messageData, newDealIds, seedDeal } from "../test/functions/support.ts";
import { setBackgroundTriggers } from "./emulator-hub.ts";
import { percentile, type BenchRow } from "./table.ts";

const LATENCY_SAMPLES = 60;
const WARM_UP = 3;
const PAGE_SIZE = 20;

/** Rules reads per client write, from firestore.rules: every path reads the deal through dealData() once. */
const rulesGets = { messageCreate: 1, messageUpdate: 1, watermarkMove: 1, conversationList: 0 } as const;

export async function run(): Promise<BenchRow[]> {
  return [...(await triggerLatency()), ...(await derivedState()), ...(await deliveryWithAndWithoutTriggers()), ...(await costPerAction())];
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
      const seen = new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no conversation update for ${id} within 15 s`)), 15_000);
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

function costRows(action: string, client: { reads: number; writes: number }, rules: number, handler: HandlerResult, breakdown: string): BenchRow[] {
  const name = `functions: Firestore cost of "${action}"`;
  return [
    {
      benchmark: name,
      metric: "document reads",
      value: client.reads + rules + handler.cost.reads,
      unit: "reads",
      notes: `client ${client.reads} + rules get() ${rules} + trigger ${handler.cost.reads} (${breakdown})`,
    },
    {
      benchmark: name,
      metric: "document writes",
      value: client.writes + handler.cost.writes,
      unit: "writes",
      notes: `client ${client.writes} + trigger ${handler.cost.writes}`,
    },
  ];
}

export async function costPerAction(): Promise<BenchRow[]> {
  const db = isolatedDb();
  const deal = await seedDeal(db);
  const event = () => uniqueId("bench-evt");
  const messages = db.collection(`deals/${deal.dealId}/messages`);

  // A conversation with history: the brand asked, the influencer answers (a response time is derived).
  await messages.doc("q").set(messageData(deal.brandId, "brand", "Can you share the draft?", at(0)));
  await handleMessageCreated({ eventId: event(), dealId: deal.dealId, messageId: "q" }, db);
  const sendRef = messages.doc("a");
  await sendRef.set(messageData(deal.influencerId, "influencer", "Here is the draft for the summer campaign", at(30)));
  const send = await handleMessageCreated({ eventId: event(), dealId: deal.dealId, messageId: "a" }, db);

  const beforeEdit = (await sendRef.get()).data()!;
  await sendRef.update({ text: "Here is the final draft for the summer campaign", editedAt: at(40) });
  const edit = await handleMessageUpdated(
    { eventId: event(), dealId: deal.dealId, messageId: "a", before: beforeEdit, after: (await sendRef.get()).data()! },
    db,
  );

  const beforeDelete = (await sendRef.get()).data()!;
  await sendRef.update({ text: null, attachments: [], hasAttachments: false, deleted: true, deletedAt: at(50) });
  const remove = await handleMessageUpdated(
    { eventId: event(), dealId: deal.dealId, messageId: "a", before: beforeDelete, after: (await sendRef.get()).data()! },
    db,
  );

  const conversationRef = db.doc(`conversations/${deal.dealId}`);
  const beforeRead = (await conversationRef.get()).data()!;
  await conversationRef.update({ "readWatermark.brand": at(60) });
  const markRead = await handleConversationUpdated(
    { eventId: event(), time: new Date().toISOString(), dealId: deal.dealId, before: beforeRead, after: (await conversationRef.get()).data()! },
    db,
  );

  // The functions' own echoes (their writes re-trigger the update triggers) cost nothing: checked, not assumed.
  const echoBefore = (await sendRef.get()).data()!;
  const echo = await handleMessageUpdated(
    { eventId: event(), dealId: deal.dealId, messageId: "a", before: echoBefore, after: { ...echoBefore, searchTokens: ["x"] } },
    db,
  );
  if (echo.cost.reads + echo.cost.writes !== 0) throw new Error(`an echo update cost ${JSON.stringify(echo.cost)}`);

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
    ...costRows(
      "send a message",
      { reads: 0, writes: 1 },
      rulesGets.messageCreate,
      send,
      "event record, message, conversation, response-time window of the deal's 2 messages, unread count(), 2 responseStats",
    ),
    ...costRows("edit a message", { reads: 0, writes: 1 }, rulesGets.messageUpdate, edit, "event record, message, conversation"),
    ...costRows(
      "delete a message",
      { reads: 0, writes: 1 },
      rulesGets.messageUpdate,
      remove,
      "event record, message, conversation, response-time window of 2 messages, unread count(), 2 responseStats",
    ),
    ...costRows("mark read", { reads: 0, writes: 1 }, rulesGets.watermarkMove, markRead, "event record, conversation, unread count()"),
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
function whenDoc(ref: FirebaseFirestore.DocumentReference, accept: (snap: FirebaseFirestore.DocumentSnapshot) => boolean, what: string): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      stop();
      reject(new Error(`${what} did not happen within 30 s`));
    }, 30_000);
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
async function derivedState(): Promise<BenchRow[]> {
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
      const searchable = whenDoc(admin.doc(`deals/${deal.dealId}/messages/${id}`), (s) => Array.isArray(s.get("searchTokens")), "the message's search tokens");
      const started = performance.now();
      await setDoc(doc(brand.db, "deals", deal.dealId, "messages", id), messageData(brand.user.uid, "brand", `searchable proposal ${i}`, serverTimestamp()));
      await searchable;
      searchLag.push(performance.now() - started);
    }
  } finally {
    await brand.close();
  }
  conversationLag.sort((a, b) => a - b);
  searchLag.sort((a, b) => a - b);
  const dealNotes = `${DERIVED_SAMPLES} deals written by the platform one after another, warm Functions emulator; until the entry exists`;
  const searchNotes = `${DERIVED_SAMPLES} web-SDK sends one after another, warm; until the trigger has written the message's search tokens`;
  return [
    { benchmark: "functions: new deal → its conversation entry exists", metric: "p50", value: percentile(conversationLag, 50), unit: "ms", notes: dealNotes },
    { benchmark: "functions: new deal → its conversation entry exists", metric: "p99", value: percentile(conversationLag, 99), unit: "ms", notes: dealNotes },
    { benchmark: "functions: send → message searchable", metric: "p50", value: percentile(searchLag, 50), unit: "ms", notes: searchNotes },
    { benchmark: "functions: send → message searchable", metric: "p99", value: percentile(searchLag, 99), unit: "ms", notes: searchNotes },
  ];
}

const DELIVERY_SAMPLES = 40;

/**
 * Whether the triggers slow delivery itself: a web-SDK send seen by the other participant's plain listener on the
 * newest messages, with the Functions emulator's triggers on, then off, then on again (one run, same emulators).
 */
async function deliveryWithAndWithoutTriggers(): Promise<BenchRow[]> {
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
  const sample = async (label: string): Promise<number> => {
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
    return performance.now() - started;
  };
  const on: number[] = [];
  const off: number[] = [];
  try {
    for (let i = 0; i < DELIVERY_SAMPLES / 2; i++) on.push(await sample("on"));
    await setBackgroundTriggers(false);
    for (let i = 0; i < DELIVERY_SAMPLES; i++) off.push(await sample("off"));
  } finally {
    await setBackgroundTriggers(true);
  }
  try {
    for (let i = 0; i < DELIVERY_SAMPLES / 2; i++) on.push(await sample("on"));
  } finally {
    stop();
    await Promise.all([brand.close(), influencer.close()]);
  }
  on.sort((a, b) => a - b);
  off.sort((a, b) => a - b);
  const notes = `${DELIVERY_SAMPLES} web-SDK sends each, triggers on (half before, half after) and off (Emulator Hub switch); on p50 ${percentile(on, 50).toFixed(1)} ms, off p50 ${percentile(off, 50).toFixed(1)} ms`;
  const benchmark = "functions: delivery with triggers on ÷ off";
  return [
    { benchmark, metric: "p50 ratio", value: percentile(on, 50) / percentile(off, 50), unit: "×", notes },
    { benchmark, metric: "p99 ratio", value: percentile(on, 99) / percentile(off, 99), unit: "×", notes },
  ];
}
