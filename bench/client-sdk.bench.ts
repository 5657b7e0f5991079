// Client SDK figures against the running emulators: delivery latency from one user's send to the other user's
// live tail, what opening a conversation and listing conversations cost in document reads, and how many writes
// typing and marking read cost. Counts come from the SDK's own usage counters (what the server delivered).
// Screens are measured through the handles an app uses (chat.conversation, chat.conversationList).
import { getAuth } from "firebase/auth";
import { collection, doc, getDocs, onSnapshot, serverTimestamp, setDoc } from "firebase/firestore";
import {
  createDealChat,
  toWebQuery,
  type ConversationHandleState,
  type ConversationListHandleState,
  type ConversationViewState,
  type DealChat,
} from "../client-sdk/src/index.ts";
import { bundleForBrowsers } from "../client-sdk/test/bundle.ts";
import { brandAndInfluencer, closeAll, seedDeal, seedMessage, Recorder, uniqueId, type Party } from "../client-sdk/test/support.ts";
import { messageHistoryQuery, newMessage } from "@dealchat/model";
import { Timestamp } from "firebase-admin/firestore";
import { adminFirestore } from "../test/support/clients.ts";
import { setBackgroundTriggers } from "./emulator-hub.ts";
import { percentile, type BenchRow } from "./table.ts";

const SENDS = 40;

export async function run(): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  const bundle = await bundleForBrowsers();
  const bundleNotes = "esbuild, browser platform, minified; includes the Firestore and Storage SDKs (Auth is imported by the app)";
  rows.push({ benchmark: "client-sdk browser bundle", metric: "size", value: Math.round(bundle.bytes / 1024), unit: "KiB", notes: bundleNotes });
  rows.push({ benchmark: "client-sdk browser bundle", metric: "gzip size", value: Math.round(bundle.gzipBytes / 1024), unit: "KiB", notes: bundleNotes });
  const { brand, influencer } = await brandAndInfluencer();
  try {
    // 1. send → the other user's live tail.
    const dealId = await seedDeal({ brandId: brand.uid, influencerId: influencer.uid });
    const view = new Recorder<ConversationHandleState>();
    // Typing is not watched, so that the reads are the messages' alone.
    const open = influencer.chat.conversation(dealId, { tailSize: 10, watchTyping: false });
    open.subscribe(view.next);
    await view.until((s) => !s.loading && !s.fromCache, "the influencer's view");
    const readsBeforeSends = influencer.chat.stats().documentReads;
    const latencies: number[] = [];
    for (let i = 0; i < SENDS; i++) {
      const from = view.mark();
      const started = performance.now();
      const handle = brand.chat.send({ dealId, text: `latency probe ${i}` });
      await view.until((s) => s.messages.some((m) => m.id === handle.messageId), "the probe", { from });
      latencies.push(performance.now() - started);
      await handle.done;
    }
    const viewReads = influencer.chat.stats().documentReads - readsBeforeSends;
    open.dispose();
    latencies.sort((a, b) => a - b);
    const notes = `${SENDS} sequential sends brand → influencer through the SDK, Firestore emulator, functions running`;
    rows.push({ benchmark: "client-sdk send → other side's live tail", metric: "p50", value: percentile(latencies, 50), unit: "ms", notes });
    rows.push({ benchmark: "client-sdk send → other side's live tail", metric: "p99", value: percentile(latencies, 99), unit: "ms", notes });
    rows.push({
      benchmark: "client-sdk open view while 40 messages arrive",
      metric: "document reads",
      value: viewReads,
      unit: "reads",
      notes:
        "what the receiving view's listeners delivered during 40 sequential sends (tail of 10), incl. the tail's one switch to an unlimited listener at the first push-out",
    });

    // 2. Opening a conversation: 60 messages stored, tail of 30, then one older page of 30.
    const bigDeal = await seedDeal({ brandId: brand.uid, influencerId: influencer.uid });
    const db = adminFirestore();
    const start = Date.now() - 60 * 60_000;
    await Promise.all(
      Array.from({ length: 60 }, (_, i) =>
        seedMessage(db, bigDeal, { senderId: brand.uid, senderSide: "brand", text: `m${i}`, createdAt: new Date(start + i * 1000) }),
      ),
    );
    const fresh = freshClient(influencer.client);
    const before = fresh.stats().documentReads;
    const opened = new Recorder<ConversationHandleState>();
    const conversation = fresh.conversation(bigDeal, { tailSize: 30, pageSize: 30, watchTyping: false });
    conversation.subscribe(opened.next);
    await opened.until((s) => !s.loading && !s.fromCache && s.messages.length === 30 && s.conversation !== null, "the opened conversation");
    const openReads = fresh.stats().documentReads - before;
    rows.push({
      benchmark: "client-sdk open a conversation",
      metric: "document reads",
      value: openReads,
      unit: "reads",
      notes: "chat.conversation (typing not watched): tail of 30 messages + the conversation document + the deal document (60 stored)",
    });
    const beforeOlder = fresh.stats().documentReads;
    await conversation.loadOlder();
    rows.push({
      benchmark: "client-sdk load an older page",
      metric: "document reads",
      value: fresh.stats().documentReads - beforeOlder,
      unit: "reads",
      notes: "page of 30",
    });
    conversation.dispose();
    fresh.dispose();

    // 3. Listing 20 conversations out of 25.
    for (let i = 0; i < 25; i++) await seedDeal({ brandId: brand.uid, influencerId: `influencer-${i}` });
    const lister = freshClient(brand.client, "brand");
    const listed = new Recorder<ConversationListHandleState>();
    const list = lister.conversationList({ pageSize: 20 });
    list.subscribe(listed.next);
    await listed.until((s) => !s.fromCache && s.items.length === 20, "20 conversations");
    rows.push({
      benchmark: "client-sdk list 20 conversations",
      metric: "document reads",
      value: lister.stats().documentReads,
      unit: "reads",
      notes: "chat.conversationList: one query, page of 20 (27 conversations stored); title and the other's profile come with each row",
    });
    list.dispose();
    const totals = new Recorder<{ fromCache: boolean }>();
    const beforeTotal = lister.stats().documentReads;
    const stop = lister.watchUnreadTotal(totals.next, totals.fail);
    await totals.until((t) => !t.fromCache, "the unread total");
    rows.push({
      benchmark: "client-sdk live unread total",
      metric: "document reads",
      value: lister.stats().documentReads - beforeTotal,
      unit: "reads",
      notes: "no unread conversation: one query costs at least 1 read; +1 per unread conversation",
    });
    stop();
    lister.dispose();

    // 4. A 30 s typing burst in real time: a keystroke every 150 ms, then stop.
    const typist = freshClient(brand.client);
    const typingErrors: Error[] = [];
    const typing = typist.typing(dealId, (e) => typingErrors.push(e));
    const burstEnd = Date.now() + 30_000;
    let keystrokes = 0;
    while (Date.now() < burstEnd) {
      typing.keystroke();
      keystrokes += 1;
      await new Promise((resolve) => setTimeout(resolve, 150));
    }
    await typing.stop();
    if (typingErrors.length > 0) throw typingErrors[0];
    rows.push({
      benchmark: "client-sdk typing burst of 30 s",
      metric: "writes",
      value: typing.writes,
      unit: "writes",
      notes: `${keystrokes} keystrokes (every 150 ms, real time) + stop; refresh every 5 s`,
    });
    typist.dispose();

    // 5. Marking read on every incoming message: 10 calls in a row.
    const reader = freshClient(influencer.client);
    const beforeWrites = reader.stats().documentWrites;
    await Promise.all(Array.from({ length: 10 }, () => reader.markRead(dealId)));
    rows.push({
      benchmark: "client-sdk mark read ×10 within 2 s",
      metric: "writes",
      value: reader.stats().documentWrites - beforeWrites,
      unit: "writes",
      notes: "throttled: a leading and one trailing watermark write",
    });
    reader.dispose();

    // 6. The SDK's overhead over the plain web SDK, both ways interleaved in one run.
    rows.push(...(await overheadRows(brand, influencer)));

    // 7. The receiving view's work per new message does not grow with what it holds: one view holding 20
    // messages and one holding 2,000 (tail of 100 + 19 older pages) receive the same sends.
    rows.push(...(await viewSizeRows(brand, influencer)));
  } finally {
    await closeAll(brand, influencer);
  }
  return rows;
}

const HELD = 2_000;
const SIZE_SENDS = 30;

async function viewSizeRows(brand: Party, influencer: Party): Promise<BenchRow[]> {
  // The held messages are written with the triggers off: 2,000 create events would otherwise keep the Functions
  // emulator (one invocation at a time) busy for minutes, during these probes and the benches after them.
  const dealId = uniqueId("deal");
  const db = adminFirestore();
  const start = Date.now() - 24 * 3_600_000;
  await setBackgroundTriggers(false);
  try {
    for (let batchStart = 0; batchStart < HELD; batchStart += 500) {
      const batch = db.batch();
      for (let i = batchStart; i < Math.min(HELD, batchStart + 500); i++) {
        batch.set(
          db.doc(`deals/${dealId}/messages/held-${String(i).padStart(5, "0")}`),
          newMessage({ senderId: brand.uid, senderSide: "brand", text: `held ${i}`, attachments: [] }, Timestamp.fromMillis(start + i * 1000)),
        );
      }
      await batch.commit();
    }
    await seedDeal({ dealId, brandId: brand.uid, influencerId: influencer.uid });
  } finally {
    await setBackgroundTriggers(true);
  }
  const small = new Recorder<ConversationViewState>();
  const large = new Recorder<ConversationViewState>();
  const smallChat = freshClient(influencer.client);
  const largeChat = freshClient(influencer.client);
  const smallView = smallChat.openConversation({ dealId, tailSize: 20 }, small.next, small.fail);
  const largeView = largeChat.openConversation({ dealId, tailSize: 100, pageSize: 100 }, large.next, large.fail);
  await small.until((s) => !s.fromCache && s.messages.length === 20, "the small view");
  await large.until((s) => !s.fromCache && s.messages.length === 100, "the large view's tail");
  while ((large.latest?.messages.length ?? 0) < HELD) await largeView.loadOlder();
  const seen = { small: [] as number[], large: [] as number[] };
  for (let i = 0; i < SIZE_SENDS; i++) {
    const fromSmall = small.mark();
    const fromLarge = large.mark();
    const started = performance.now();
    const handle = brand.chat.send({ dealId, text: `size probe ${i}` });
    const arrived = (s: ConversationViewState) => s.messages.some((m) => m.id === handle.messageId);
    await Promise.all([
      small.until(arrived, "the probe in the small view", { from: fromSmall }).then(() => seen.small.push(performance.now() - started)),
      large.until(arrived, "the probe in the large view", { from: fromLarge }).then(() => seen.large.push(performance.now() - started)),
    ]);
    await handle.done;
  }
  smallView.unsubscribe();
  largeView.unsubscribe();
  smallChat.dispose();
  largeChat.dispose();
  seen.small.sort((a, b) => a - b);
  seen.large.sort((a, b) => a - b);
  const notes = `${SIZE_SENDS} sends seen by two views of the same deal in one process: tail of 20, and ${HELD} held (tail of 100 + 19 pages)`;
  const benchmark = `client-sdk new message, view holding ${HELD} ÷ view holding 20`;
  return [
    { benchmark, metric: "p50 ratio", value: percentile(seen.large, 50) / percentile(seen.small, 50), unit: "×", notes },
    { benchmark, metric: "p99 ratio", value: percentile(seen.large, 99) / percentile(seen.small, 99), unit: "×", notes },
  ];
}

function freshClient(client: { db: import("firebase/firestore").Firestore; app: import("firebase/app").FirebaseApp }, side?: "brand" | "influencer"): DealChat {
  return createDealChat({ firestore: client.db, auth: getAuth(client.app), ...(side ? { side } : {}) });
}

const OVERHEAD_SENDS = 200;

/**
 * Raw: the brand's web SDK `setDoc` of a new message, seen by the influencer's plain `onSnapshot` of the newest
 * 30. SDK: `chat.send`, seen by `openConversation` (tail of 30). Same emulators, rules and functions, alternating
 * sends, and one deal watched by both listeners of the same client: each path's message lands in the same query
 * target, with the same trigger work behind it, so the comparison holds what the emulator does around it equal
 * (with two deals, one path's trigger work fell on the other path's sends, and the ratio measured that).
 */
async function overheadRows(brand: Party, influencer: Party): Promise<BenchRow[]> {
  const dealId = await seedDeal({ brandId: brand.uid, influencerId: influencer.uid });
  const plainSeenAt = new Map<string, number>();
  const plain = new Recorder<string[]>();
  const stopPlain = onSnapshot(
    toWebQuery(influencer.client.db, messageHistoryQuery({ dealId, pageSize: 30 })),
    (snap) => {
      const now = performance.now();
      for (const d of snap.docs) if (!plainSeenAt.has(d.id)) plainSeenAt.set(d.id, now);
      plain.next(snap.docs.map((d) => d.id));
    },
    plain.fail,
  );
  const viewSeenAt = new Map<string, number>();
  const view = new Recorder<ConversationViewState>();
  const open = influencer.chat.openConversation(
    { dealId, tailSize: 30 },
    (state) => {
      const now = performance.now();
      for (const m of state.messages) if (!viewSeenAt.has(m.id)) viewSeenAt.set(m.id, now);
      view.next(state);
    },
    view.fail,
  );
  await view.until((s) => !s.fromCache, "the SDK view");
  await plain.until(() => true, "the plain listener");
  const times = { raw: [] as number[], sdk: [] as number[] };
  const arrivedIn = (seenAt: Map<string, number>, id: string, started: number) => seenAt.get(id)! - started;
  for (let i = 0; i < OVERHEAD_SENDS; i++) {
    const rawRef = doc(collection(brand.client.db, `deals/${dealId}/messages`));
    const fromPlain = plain.mark();
    let started = performance.now();
    const written = setDoc(rawRef, newMessage({ senderId: brand.uid, senderSide: "brand", text: `raw ${i}`, attachments: [] }, serverTimestamp()));
    await plain.until((ids) => ids.includes(rawRef.id), "the raw message", { from: fromPlain });
    times.raw.push(arrivedIn(plainSeenAt, rawRef.id, started));
    await written;
    const fromView = view.mark();
    started = performance.now();
    const handle = brand.chat.send({ dealId, text: `sdk ${i}` });
    await view
      .until((s) => s.messages.some((m) => m.id === handle.messageId), "the SDK message", { from: fromView })
      .catch(async (e: unknown) => {
        throw new Error(`${await whereIsMessage(influencer, dealId, handle.messageId, plain.latest)} (${String(e).slice(0, 120)})`);
      });
    times.sdk.push(arrivedIn(viewSeenAt, handle.messageId, started));
    await handle.done;
  }
  stopPlain();
  open.unsubscribe();
  times.raw.sort((a, b) => a - b);
  times.sdk.sort((a, b) => a - b);
  const notes = `${OVERHEAD_SENDS} alternating sends each way brand → influencer, one deal watched by both (tail of 30), functions running; raw p50 ${percentile(times.raw, 50).toFixed(1)} ms, SDK p50 ${percentile(times.sdk, 50).toFixed(1)} ms`;
  const benchmark = "client-sdk send → view, SDK ÷ plain web SDK";
  return [
    { benchmark, metric: "p50 ratio", value: percentile(times.sdk, 50) / percentile(times.raw, 50), unit: "×", notes },
    { benchmark, metric: "p99 ratio", value: percentile(times.sdk, 99) / percentile(times.raw, 99), unit: "×", notes },
  ];
}

/** Where a message the SDK view did not show can be found: the server, a one-off query, a plain listener. */
async function whereIsMessage(reader: Party, dealId: string, messageId: string, plainListenerIds: string[] | undefined): Promise<string> {
  const stored = (await adminFirestore().doc(`deals/${dealId}/messages/${messageId}`).get()).exists;
  const queried = await getDocs(toWebQuery(reader.client.db, messageHistoryQuery({ dealId, pageSize: 30 })))
    .then((snap) => snap.docs.some((d) => d.id === messageId))
    .catch((e: unknown) => `query failed: ${String(e)}`);
  return `the SDK view missed message ${messageId}: stored ${stored}, in a one-off query ${queried}, in a plain listener ${plainListenerIds?.includes(messageId) ?? "no snapshot"}`;
}
