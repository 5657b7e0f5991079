// The handle-based API: a conversation (and the conversation list) as an object owning its state in a store,
// the user's messages with a delivery status that survives a refusal, one error channel for sends, and a
// lifecycle without leaks or hangs. Two real Auth-emulator users, real rules.
import { limits } from "@dealchat/model";
import { getAuth } from "firebase/auth";
import { disableNetwork, enableNetwork } from "firebase/firestore";
import { describe, expect, it } from "vitest";
import {
  PRESENCE_HEARTBEAT_MS,
  READ_THROTTLE_MS,
  createDealChat,
  type Clock,
  type ConversationHandle,
  type ConversationHandleState,
  type ConversationListHandleState,
} from "../src/index.ts";
import {
  type Recorder,
  adminFirestore,
  brandAndInfluencer,
  closeAll,
  record,
  seedDeal,
  seedMessage,
  type Party,
  uniqueId,
  useBrandAndInfluencer,
} from "./support.ts";
import { pollUntil } from "../../test/support/wait.ts";

let brand: Party;
let influencer: Party;

useBrandAndInfluencer((parties) => ({ brand, influencer } = parties));

const newDeal = (status: "active" | "completed" = "active") => seedDeal({ brandId: brand.uid, influencerId: influencer.uid, status });

const ready = (states: Recorder<ConversationHandleState>) =>
  states.until((s) => !s.loading && !s.fromCache && s.conversation !== null, "the conversation from the server");
const messageOf = (s: ConversationHandleState, id: string) => s.messages.find((m) => m.id === id);

async function storedIds(dealId: string): Promise<string[]> {
  return (await adminFirestore().collection(`deals/${dealId}/messages`).get()).docs.map((d) => d.id);
}

describe("the store", () => {
  it("replays the current value to every new subscriber at once, and stops calling after unsubscribe", async () => {
    const dealId = await newDeal();
    const handle = brand.chat.conversation(dealId);
    try {
      const first: ConversationHandleState[] = [];
      const stopFirst = handle.subscribe((s) => first.push(s));
      expect(first).toEqual([handle.getLatestValue()]); // synchronously, before anything arrived
      expect(first[0]).toMatchObject({ dealId, loading: true, messages: [], lastError: null, disposed: false });

      // Detached methods work (React: useSyncExternalStore(handle.subscribe, handle.getLatestValue)).
      const { subscribe, getLatestValue } = handle;
      const { states, stop } = record({ subscribe });
      expect(getLatestValue()).toBe(handle.getLatestValue());
      const loaded = await ready(states);
      expect(loaded).toMatchObject({ dealStatus: "active", readOnly: false, title: `deal ${dealId}`, hasOlder: false, messages: [] });
      expect(loaded.conversation).toMatchObject({ dealId, mySide: "brand", otherParticipant: { uid: influencer.uid } });

      const late: ConversationHandleState[] = [];
      handle.subscribe((s) => late.push(s))();
      expect(late).toEqual([handle.getLatestValue()]);

      stopFirst();
      const heard = first.length;
      stop();
      await handle.send({ text: "after the listeners left" }).done;
      expect(first).toHaveLength(heard);
      expect(handle.getLatestValue().messages.some((m) => m.text === "after the listeners left")).toBe(true);
    } finally {
      handle.dispose();
    }
  });
});

describe("message status", () => {
  it("a send is in the state at once as pending, then sent; the other side sees it as sent", async () => {
    const dealId = await newDeal();
    const mine = brand.chat.conversation(dealId);
    const theirs = influencer.chat.conversation(dealId);
    try {
      const me = record(mine);
      const them = record(theirs);
      await Promise.all([ready(me.states), ready(them.states)]);

      const sending = mine.send({ text: "Hello" });
      expect(messageOf(mine.getLatestValue(), sending.messageId)).toMatchObject({ status: "pending", isMine: true, text: "Hello", error: null });
      expect(mine.getLatestValue().hasPendingWrites).toBe(true);
      await expect(sending.done).resolves.toBe("sent");
      const sent = await me.states.until((s) => messageOf(s, sending.messageId)?.status === "sent", "the message sent");
      expect(messageOf(sent, sending.messageId)).toMatchObject({ pending: false, error: null });
      expect(sent.messages.filter((m) => m.id === sending.messageId)).toHaveLength(1);

      const delivered = await them.states.until((s) => messageOf(s, sending.messageId) !== undefined, "the message on the other side");
      expect(messageOf(delivered, sending.messageId)).toMatchObject({ status: "sent", isMine: false, text: "Hello" });
    } finally {
      mine.dispose();
      theirs.dispose();
    }
  });

  it("a send the server refuses stays visible as failed after the rollback; retry() under the same id succeeds once the deal reopens", async () => {
    const dealId = await newDeal();
    const handle = brand.chat.conversation(dealId);
    try {
      const { states } = record(handle);
      await ready(states);
      // The platform closes the deal; the conversation entry (what this client watches) does not say so yet.
      await adminFirestore().doc(`deals/${dealId}`).update({ status: "cancelled" });

      const from = states.mark();
      const sending = handle.send({ text: "are we still on?" });
      const id = sending.messageId;
      await expect(sending.done).rejects.toMatchObject({ code: "failed-precondition", reason: "deal-closed" });
      const failed = handle.getLatestValue();
      expect(messageOf(failed, id)).toMatchObject({
        status: "failed",
        text: "are we still on?",
        error: { code: "failed-precondition", reason: "deal-closed" },
      });
      // The Firebase SDK has dropped the refused write from its cache by now: the tail holds no pending write.
      const settled = await states.until((s) => !s.hasPendingWrites && !s.fromCache && s.messages.length > 0, "no pending write left", { from });
      expect(messageOf(settled, id)?.status).toBe("failed");
      expect(settled.messages.filter((m) => m.id === id)).toHaveLength(1);
      expect(await storedIds(dealId)).toEqual([]);

      await adminFirestore().doc(`deals/${dealId}`).update({ status: "active" });
      const again = handle.retry(id);
      expect(again.messageId).toBe(id);
      expect(messageOf(handle.getLatestValue(), id)).toMatchObject({ status: "pending", error: null });
      await expect(again.done).resolves.toBe("sent");
      await states.until((s) => messageOf(s, id)?.status === "sent" && !messageOf(s, id)?.pending, "the retried message sent");
      expect(await storedIds(dealId)).toEqual([id]);
    } finally {
      handle.dispose();
    }
  });

  it("send never throws: bad input rejects done with invalid-argument and shows the message as failed", async () => {
    const dealId = await newDeal();
    const handle = brand.chat.conversation(dealId);
    try {
      await ready(record(handle).states);
      const writes = brand.chat.stats().documentWrites;
      const cases = [
        { input: { text: " \u200b\u00a0 " }, reason: "empty-message" },
        { input: { text: "x".repeat(limits.textMaxLength + 1) } },
        { input: { text: "hi", messageId: "no/slashes" } },
        { input: { files: [{ name: "virus.exe", contentType: "application/x-msdownload", data: new Uint8Array(3) }] }, reason: "file-type-not-allowed" },
      ];
      for (const { input, reason } of cases) {
        let sending: ReturnType<ConversationHandle["send"]> | undefined;
        expect(() => {
          sending = handle.send(input);
        }).not.toThrow();
        await expect(sending!.done).rejects.toMatchObject({ name: "DealChatError", code: "invalid-argument", ...(reason ? { reason } : {}) });
        expect(messageOf(handle.getLatestValue(), sending!.messageId)).toMatchObject({ status: "failed", error: { code: "invalid-argument" } });
        handle.discard(sending!.messageId);
        expect(messageOf(handle.getLatestValue(), sending!.messageId)).toBeUndefined();
      }
      expect(brand.chat.stats().documentWrites).toBe(writes);
      await expect(handle.retry("never-sent").done).rejects.toMatchObject({ code: "not-found" });
    } finally {
      handle.dispose();
    }
  });
});

describe("offline", () => {
  it("a send made offline is pending, the state says it comes from the cache, and it is sent after reconnecting", async () => {
    const dealId = await newDeal();
    const handle = brand.chat.conversation(dealId);
    try {
      const { states } = record(handle);
      await ready(states);
      await disableNetwork(brand.client.db);
      const sending = handle.send({ text: "written on the train" });
      const offline = await states.until((s) => s.fromCache && messageOf(s, sending.messageId)?.status === "pending", "the pending message, from the cache");
      expect(offline.hasPendingWrites).toBe(true);
      await enableNetwork(brand.client.db);
      await expect(sending.done).resolves.toMatch(/^(sent|already-sent)$/);
      await states.until((s) => !s.fromCache && messageOf(s, sending.messageId)?.status === "sent", "the message sent after reconnecting");
      expect(await storedIds(dealId)).toEqual([sending.messageId]);
    } finally {
      await enableNetwork(brand.client.db);
      handle.dispose();
    }
  });
});

describe("offline across reloads", () => {
  it("a handle opened on a cache holding unacknowledged sends shows them as pending, then sent when the network is back", async () => {
    // A reload with Firestore's persistent cache: the new page's handle has no record of the sends, only the
    // cache's pending writes. In Node the cache is in memory, so a second handle on the same Firestore instance
    // stands in for the reloaded page (the browser test does it across a real reload, with IndexedDB).
    const dealId = await newDeal();
    const before = brand.chat.conversation(dealId);
    let after: ConversationHandle | undefined;
    try {
      await ready(record(before).states);
      await disableNetwork(brand.client.db);
      const sending = before.send({ text: "sent before the reload" });
      // In the cache: the view holds the written document (a local record has no createdAt).
      await record(before).states.until((s) => messageOf(s, sending.messageId)?.createdAt != null, "the write in the cache");
      before.dispose();

      after = brand.chat.conversation(dealId);
      const { states } = record(after);
      const reloaded = await states.until((s) => messageOf(s, sending.messageId)?.status === "pending", "the cached send, pending");
      expect(reloaded).toMatchObject({ fromCache: true, hasPendingWrites: true });
      expect(messageOf(reloaded, sending.messageId)).toMatchObject({ text: "sent before the reload", isMine: true, error: null });

      await enableNetwork(brand.client.db);
      await states.until((s) => !s.fromCache && messageOf(s, sending.messageId)?.status === "sent", "the cached send, sent");
      expect(await storedIds(dealId)).toEqual([sending.messageId]);
    } finally {
      await enableNetwork(brand.client.db);
      before.dispose();
      after?.dispose();
    }
  });
});

describe("deals the user cannot open", () => {
  it("an unknown deal is not-found, in the state and for a send; someone else's deal is permission-denied / not-participant", async () => {
    const unknown = brand.chat.conversation(uniqueId("no-such-deal"));
    const foreign = brand.chat.conversation(await seedDeal({ brandId: "someone-else", influencerId: influencer.uid }));
    try {
      const missing = await record(unknown).states.until((s) => s.lastError?.code === "not-found", "not-found");
      expect(missing).toMatchObject({ loading: false, messages: [] });
      const sending = unknown.send({ text: "anyone there?" });
      await expect(sending.done).rejects.toMatchObject({ code: "not-found" });
      expect(messageOf(unknown.getLatestValue(), sending.messageId)).toMatchObject({ status: "failed", error: { code: "not-found" } });

      await record(foreign).states.until((s) => s.lastError?.reason === "not-participant", "not-participant");
      await expect(foreign.send({ text: "let me in" }).done).rejects.toMatchObject({ code: "permission-denied", reason: "not-participant" });
    } finally {
      unknown.dispose();
      foreign.dispose();
    }
  });

  it("a closed deal is read-only in the state, and markRead still works on it", async () => {
    const dealId = await newDeal("completed");
    const handle = influencer.chat.conversation(dealId);
    try {
      const loaded = await ready(record(handle).states);
      expect(loaded).toMatchObject({ readOnly: true, dealStatus: "completed" });
      await handle.markRead();
      expect((await adminFirestore().doc(`conversations/${dealId}`).get()).get("readWatermark.influencer")).not.toBeNull();
    } finally {
      handle.dispose();
    }
  });
});

describe("older pages and the lifecycle", () => {
  async function dealWithHistory(count: number): Promise<string> {
    const dealId = await newDeal();
    const start = Date.now() - 3_600_000;
    for (let i = 0; i < count; i++)
      await seedMessage(adminFirestore(), dealId, { senderId: brand.uid, senderSide: "brand", text: `m${i}`, createdAt: new Date(start + i * 1_000) });
    return dealId;
  }

  it("loadOlder shows isLoadingOlder while it runs and hasOlder until the first message", async () => {
    const dealId = await dealWithHistory(5);
    const handle = influencer.chat.conversation(dealId, { tailSize: 2, pageSize: 2 });
    try {
      const { states } = record(handle);
      const first = await ready(states);
      expect(first.messages.map((m) => m.text)).toEqual(["m4", "m3"]);
      expect(first).toMatchObject({ hasOlder: true, isLoadingOlder: false });
      const loading = handle.loadOlder();
      expect(handle.getLatestValue().isLoadingOlder).toBe(true);
      expect(handle.loadOlder()).toBe(loading); // one page at a time
      await expect(loading).resolves.toBe(2);
      expect(handle.getLatestValue()).toMatchObject({ isLoadingOlder: false, hasOlder: true });
      await handle.loadOlder();
      const last = handle.getLatestValue();
      expect(last.messages.map((m) => m.text)).toEqual(["m4", "m3", "m2", "m1", "m0"]);
      expect(last).toMatchObject({ hasOlder: false, isLoadingOlder: false, lastError: null });
    } finally {
      handle.dispose();
    }
  });

  it("dispose() settles a loadOlder in flight; loadOlder after dispose attaches no listener; nothing is left running", async () => {
    const dealId = await dealWithHistory(6);
    const before = influencer.chat.stats();
    const handle = influencer.chat.conversation(dealId, { tailSize: 2, pageSize: 2 });
    const { states } = record(handle);
    await ready(states);
    const inFlight = handle.loadOlder();
    handle.dispose();
    await expect(inFlight).resolves.toBe(0);
    await expect(handle.loadOlder()).resolves.toBe(0);
    expect(influencer.chat.stats()).toMatchObject({ activeListeners: before.activeListeners, activeSubscriptions: before.activeSubscriptions });
    expect(states.latest).toMatchObject({ disposed: true, isLoadingOlder: false });
    await expect(handle.send({ text: "after dispose" }).done).rejects.toMatchObject({ reason: "disposed" });
  });

  it("chat.dispose() disposes the handles it opened", async () => {
    const extra = await brandAndInfluencer();
    const b = extra.brand;
    const dealId = await seedDeal({ brandId: b.uid, influencerId: influencer.uid });
    const handle = b.chat.conversation(dealId);
    const list = b.chat.conversationList();
    await ready(record(handle).states);
    b.chat.dispose();
    expect(handle.getLatestValue().disposed).toBe(true);
    expect(list.getLatestValue().disposed).toBe(true);
    expect(b.chat.stats()).toMatchObject({ activeListeners: 0, activeSubscriptions: 0 });
    await closeAll(extra.brand, extra.influencer);
  });
});

describe("the injectable clock", () => {
  /** Time that moves only when the test says so; timers run when their time comes. */
  class ManualClock implements Clock {
    private offset = 0;
    /** Set by freeze(): from then on only advance() moves the clock, not the machine's time. */
    private frozenAt: number | undefined;
    private readonly timers = new Map<number, { at: number; task: () => void }>();
    private nextId = 1;
    now = () => (this.frozenAt ?? Date.now()) + this.offset;
    /** Stops real time from moving the clock, so a timer armed `ms` ahead fires at exactly advance(ms). */
    freeze(): void {
      this.frozenAt = Date.now();
    }
    setTimeout = (task: () => void, ms: number) => {
      const id = this.nextId++;
      this.timers.set(id, { at: this.now() + ms, task });
      return id;
    };
    clearTimeout = (handle: unknown) => {
      this.timers.delete(handle as number);
    };
    get pending(): number {
      return this.timers.size;
    }
    /** Milliseconds until the earliest timer is due, on this clock. */
    get nextDueIn(): number {
      return Math.min(...[...this.timers.values()].map((t) => t.at)) - this.now();
    }
    advance(ms: number): void {
      this.offset += ms;
      for (const [id, timer] of [...this.timers].sort((a, b) => a[1].at - b[1].at)) {
        if (timer.at > this.now()) continue;
        this.timers.delete(id);
        timer.task();
      }
    }
  }

  /** The influencer's client on a ManualClock, with a new deal's conversation loaded (typing not watched). */
  async function loadedOnManualClock() {
    const dealId = await newDeal();
    const clock = new ManualClock();
    const chat = createDealChat({ firestore: influencer.client.db, auth: getAuth(influencer.client.app), side: "influencer", clock });
    const handle = chat.conversation(dealId, { watchTyping: false });
    try {
      await ready(record(handle).states);
    } catch (e) {
      chat.dispose();
      throw e;
    }
    return { clock, chat, handle };
  }

  it("the throttled read receipt is scheduled on the injected clock, and settles when the client is disposed first", async () => {
    const { clock, chat, handle } = await loadedOnManualClock();
    try {
      await handle.markRead();
      const writes = chat.stats().documentWrites;
      const trailing = handle.markRead(); // within READ_THROTTLE_MS: folded into one trailing write
      expect(clock.pending).toBe(1);
      expect(chat.stats().documentWrites).toBe(writes);
      chat.dispose();
      expect(clock.pending).toBe(0);
      await expect(trailing).rejects.toMatchObject({ code: "cancelled", reason: "disposed" });
      expect(chat.stats().documentWrites).toBe(writes);
    } finally {
      chat.dispose();
    }
  });

  it("the trailing read receipt is paced from the server's answer to the leading one, not from when it was sent", async () => {
    const { clock, chat, handle } = await loadedOnManualClock();
    try {
      const leading = handle.markRead();
      const trailing = handle.markRead();
      // The leading write is slow to be answered (as under load): the throttle interval passes meanwhile, but the
      // trailing write is not scheduled before the answer, or it could land within the rules' pacing interval.
      clock.advance(READ_THROTTLE_MS * 2);
      expect(clock.pending).toBe(0);
      await leading;
      await pollUntil(
        async () => clock.pending,
        (n) => n === 1,
        { what: "the trailing write scheduled after the answer" },
      );
      expect(clock.nextDueIn).toBeGreaterThan(limits.watermarkMinIntervalMs);
      expect(clock.nextDueIn).toBeLessThan(READ_THROTTLE_MS);
      chat.dispose();
      await expect(trailing).rejects.toMatchObject({ code: "cancelled", reason: "disposed" });
    } finally {
      chat.dispose();
    }
  });

  it("marking read on a second device right after the first waits out the rules' pacing instead of failing", async () => {
    const dealId = await newDeal();
    const device = () => createDealChat({ firestore: influencer.client.db, auth: getAuth(influencer.client.app), side: "influencer" });
    const [phone, laptop] = [device(), device()];
    try {
      await phone.markRead(dealId);
      const first = (await adminFirestore().doc(`conversations/${dealId}`).get()).get("readWatermark.influencer");
      await laptop.markRead(dealId); // the server refuses a move within limits.watermarkMinIntervalMs of the last
      const second = (await adminFirestore().doc(`conversations/${dealId}`).get()).get("readWatermark.influencer");
      expect(second.toMillis() - first.toMillis()).toBeGreaterThanOrEqual(limits.watermarkMinIntervalMs);
    } finally {
      phone.dispose();
      laptop.dispose();
    }
  });

  it("the other side's typing indicator turns off when the injected clock reaches its expiry, without a new snapshot", async () => {
    const dealId = await newDeal();
    const clock = new ManualClock();
    const chat = createDealChat({ firestore: influencer.client.db, auth: getAuth(influencer.client.app), side: "influencer", clock });
    try {
      const handle = chat.conversation(dealId);
      const { states } = record(handle);
      await ready(states);
      const typing = brand.chat.conversation(dealId, { watchTyping: false });
      typing.typing();
      await states.until((s) => s.otherTyping, "the brand typing");
      expect(clock.pending).toBeGreaterThanOrEqual(1);
      clock.advance(limits.typingTtlMs + 1);
      expect(handle.getLatestValue().otherTyping).toBe(false);
      typing.dispose();
    } finally {
      chat.dispose();
    }
  });

  it("the presence heartbeat and the other side's presence expiry run on the injected clock", async () => {
    const dealId = await newDeal();
    const clock = new ManualClock();
    const chat = createDealChat({ firestore: influencer.client.db, auth: getAuth(influencer.client.app), side: "influencer", clock });
    const brandDevice = await brand.chat.connectPresence();
    try {
      const handle = chat.conversation(dealId, { watchPresence: true, watchTyping: false });
      const { states } = record(handle);
      await states.until((s) => s.otherPresence?.online === true, "the brand online");

      // This device's heartbeat: the next one is written when the injected clock says its interval has passed.
      // Frozen first: on a busy machine a millisecond of real time between arming and advance() fired it early.
      clock.freeze();
      await chat.connectPresence();
      const writes = chat.stats().documentWrites;
      clock.advance(PRESENCE_HEARTBEAT_MS - 1);
      expect(chat.stats().documentWrites).toBe(writes);
      clock.advance(1);
      expect(chat.stats().documentWrites).toBe(writes + 1);

      // The brand's entry expires on this client's clock (its device never said goodbye), without a new snapshot.
      clock.advance(limits.presenceTtlMs);
      expect(handle.getLatestValue().otherPresence).toMatchObject({ online: false });
      chat.dispose();
      expect(clock.pending).toBe(0);
    } finally {
      chat.dispose();
      await brandDevice.disconnect();
    }
  });
});

describe("the conversation list handle", () => {
  it("replays its state, pages with hasMore / isLoadingMore, and disposes", async () => {
    const extra = await brandAndInfluencer();
    const b = extra.brand;
    try {
      for (let k = 0; k < 3; k++) await seedDeal({ brandId: b.uid, influencerId: influencer.uid });
      const list = b.chat.conversationList({ pageSize: 2 });
      const { states } = record<ConversationListHandleState>(list);
      expect(states.values[0]).toMatchObject({ loading: true, items: [], lastError: null });
      const first = await states.until((s) => !s.loading && !s.fromCache, "the first page");
      expect(first.items).toHaveLength(2);
      expect(first.hasMore).toBe(true);
      // A conversation opened from the list (which told the client the user's role) still gets the deal's title.
      const opened = b.chat.conversation(first.items[0]!.dealId);
      expect((await ready(record(opened).states)).title).toBe(`deal ${first.items[0]!.dealId}`);
      opened.dispose();
      const more = list.loadMore();
      expect(list.getLatestValue().isLoadingMore).toBe(true);
      await expect(more).resolves.toBe(1);
      expect(list.getLatestValue()).toMatchObject({ isLoadingMore: false, hasMore: false });
      expect(list.getLatestValue().items).toHaveLength(3);
      list.dispose();
      await expect(list.loadMore()).resolves.toBe(0);
      expect(b.chat.stats().activeListeners).toBe(0);
    } finally {
      await closeAll(extra.brand, extra.influencer);
    }
  });

  it("reports a missing side through lastError instead of throwing", () => {
    const chat = createDealChat({ firestore: brand.client.db, auth: getAuth(brand.client.app) });
    try {
      const list = chat.conversationList();
      expect(list.getLatestValue()).toMatchObject({ loading: false, lastError: { code: "invalid-argument" } });
    } finally {
      chat.dispose();
    }
  });
});
