// Messages end to end: live tail and older pages, sending (pending state, retries, offline queue, closed
// deals), edit and delete within the window, read receipts. Two real Auth-emulator users, real rules. Screens
// are conversation handles (chat.conversation) and act through them; what a screen does not do (the send API's
// id semantics: retries of an id, squatted ids, synchronous input checks; edits seeded by a test) goes through
// the chat's own methods.
import { limits, searchTokens } from "@dealchat/model";
import { disableNetwork, doc, enableNetwork, getDocFromCache } from "firebase/firestore";
import { getAuth } from "firebase/auth";
import { describe, expect, it, vi } from "vitest";
import { DealChatError, MEMBERSHIP_OFFLINE_WAIT_MS, createDealChat, type Clock, type ConversationHandleState } from "../src/index.ts";
import { Recorder, adminFirestore, brandAndInfluencer, closeAll, seedDeal, seedMessage, type Party, useBrandAndInfluencer } from "./support.ts";

let brand: Party;
let influencer: Party;

useBrandAndInfluencer((parties) => ({ brand, influencer } = parties));

const newDeal = (status: "active" | "completed" = "active") => seedDeal({ brandId: brand.uid, influencerId: influencer.uid, status });

/** A conversation handle (typing not watched, so that listener counts are the messages' and the entry's). */
function open(party: Party, dealId: string, sizes: { tailSize?: number; pageSize?: number } = {}) {
  const states = new Recorder<ConversationHandleState>();
  const handle = party.chat.conversation(dealId, { ...sizes, watchTyping: false });
  handle.subscribe((s) => (s.lastError ? states.fail(s.lastError) : states.next(s)));
  const view = { loadOlder: () => handle.loadOlder(), unsubscribe: () => handle.dispose() };
  return { handle, states, view, ready: states.until((s) => !s.loading && !s.fromCache && s.conversation !== null, "the first server snapshot") };
}

/** `count` brand messages "m 0"… one second apart, recent enough for the author's edit window; oldest first. */
async function seedEditableBrandMessages(dealId: string, count: number): Promise<string[]> {
  const db = adminFirestore();
  const start = Date.now() - 3 * 60_000;
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    ids.push(await seedMessage(db, dealId, { senderId: brand.uid, senderSide: "brand", text: `m ${i}`, createdAt: new Date(start + i * 1000) }));
  }
  return ids;
}

/** The brand edits one message (to "<text>, edited") and tombstones another; resolves when the view shows both. */
async function editAndTombstone(
  states: Recorder<ConversationHandleState>,
  dealId: string,
  target: { edit: string; tombstone: string },
  where: string,
): Promise<ConversationHandleState> {
  const from = states.mark();
  const original = states.latest?.messages.find((m) => m.id === target.edit)?.text;
  if (!original) throw new Error(`message ${target.edit} is not in the view ${where}`);
  const edited = `${original}, edited`;
  await brand.chat.edit({ dealId, messageId: target.edit, text: edited });
  await brand.chat.delete({ dealId, messageId: target.tombstone });
  return states.until(
    (s) => s.messages.some((m) => m.id === target.edit && m.text === edited) && s.messages.some((m) => m.id === target.tombstone && m.deleted),
    `the edit and the tombstone ${where}`,
    { from },
  );
}

async function messageIds(dealId: string): Promise<string[]> {
  const snap = await adminFirestore().collection(`deals/${dealId}/messages`).orderBy("createdAt", "desc").get();
  return snap.docs.map((d) => d.id);
}

describe("sending and the live tail", () => {
  it("shows a send as pending to the sender, then delivers it to the other side's live tail", async () => {
    const dealId = await newDeal();
    const mine = open(brand, dealId);
    const theirs = open(influencer, dealId);
    await Promise.all([mine.ready, theirs.ready]);

    const handle = mine.handle.send({ text: "Hello from the brand" });
    const pending = await mine.states.until((s) => s.messages.some((m) => m.id === handle.messageId && m.pending), "the pending message");
    expect(pending.hasPendingWrites).toBe(true);
    expect(pending.messages.find((m) => m.id === handle.messageId)).toMatchObject({ status: "pending", isMine: true });
    await expect(handle.done).resolves.toBe("sent");
    const acknowledged = await mine.states.until(
      (s) => s.messages.some((m) => m.id === handle.messageId && !m.pending && m.createdAt !== null),
      "the acknowledged message",
    );
    expect(acknowledged.messages.find((m) => m.id === handle.messageId)).toMatchObject({ status: "sent", error: null });

    const delivered = await theirs.states.until((s) => s.messages.some((m) => m.id === handle.messageId), "the message on the other side");
    const message = delivered.messages.find((m) => m.id === handle.messageId)!;
    expect(message).toMatchObject({ text: "Hello from the brand", senderId: brand.uid, senderSide: "brand", isMine: false, pending: false, deleted: false });
    expect(message.createdAt).not.toBeNull();
    mine.view.unsubscribe();
    theirs.view.unsubscribe();
  });

  it("recognizes a retried send of the same id instead of duplicating or overwriting it", async () => {
    const dealId = await newDeal();
    const first = brand.chat.send({ dealId, text: "original" });
    await expect(first.done).resolves.toBe("sent");
    const retry = brand.chat.send({ dealId, messageId: first.messageId, text: "original (retried)" });
    await expect(retry.done).resolves.toBe("already-sent");
    expect(await messageIds(dealId)).toEqual([first.messageId]);
    const stored = await adminFirestore().doc(`deals/${dealId}/messages/${first.messageId}`).get();
    expect(stored.get("text")).toBe("original");
  });

  it("does not let a participant overwrite the other side's message: a send onto a taken id goes on under a fresh id", async () => {
    const dealId = await newDeal();
    const first = brand.chat.send({ dealId, text: "brand's message" });
    await first.done;
    const hijack = influencer.chat.send({ dealId, messageId: first.messageId, text: "influencer's overwrite" });
    await expect(hijack.done).resolves.toBe("sent");
    expect(hijack.messageId).not.toBe(first.messageId);
    expect((await adminFirestore().doc(`deals/${dealId}/messages/${first.messageId}`).get()).data()).toMatchObject({
      senderId: brand.uid,
      text: "brand's message",
    });
    expect((await adminFirestore().doc(`deals/${dealId}/messages/${hijack.messageId}`).get()).data()).toMatchObject({
      senderId: influencer.uid,
      text: "influencer's overwrite",
    });
  });

  it("queues sends made offline (pending, from cache) and stores each id exactly once after reconnecting", async () => {
    const dealId = await newDeal();
    const mine = open(brand, dealId);
    await mine.ready;
    await disableNetwork(brand.client.db);
    try {
      const offline = brand.chat.send({ dealId, text: "written on the train" });
      // The app retries the same message while still offline (say, the user tapped "retry").
      const retried = brand.chat.send({ dealId, messageId: offline.messageId, text: "written on the train" });
      const shown = await mine.states.until((s) => s.messages.some((m) => m.id === offline.messageId), "the offline message in the view");
      expect(shown.messages.find((m) => m.id === offline.messageId)).toMatchObject({ pending: true });
      expect(shown.hasPendingWrites).toBe(true);
      let settled = false;
      void offline.done.finally(() => (settled = true));
      await Promise.resolve();
      expect(settled).toBe(false);

      await enableNetwork(brand.client.db);
      const outcomes = await Promise.all([offline.done, retried.done]);
      // One of them stores the message; the other finds it stored by this user. When the reconnecting stream
      // loses the first write's acknowledgement, the Firebase SDK sends it again and that attempt finds it too,
      // so both may say "already-sent": what must hold is that neither fails and the id is stored once.
      expect(outcomes).toContain("already-sent");
      for (const outcome of outcomes) expect(["sent", "already-sent"]).toContain(outcome);
      await mine.states.until((s) => s.messages.some((m) => m.id === offline.messageId && !m.pending) && !s.hasPendingWrites, "the acknowledged message");
      expect(await messageIds(dealId)).toEqual([offline.messageId]);
    } finally {
      await enableNetwork(brand.client.db);
      mine.view.unsubscribe();
    }
  });

  it("sends into a deal this client has never read wait out a lost connection, share one read of the deal, and are stored", async () => {
    const dealId = await newDeal();
    const db = brand.client.db;
    await disableNetwork(db);
    try {
      const readsBefore = brand.chat.stats().documentReads;
      const first = brand.chat.send({ dealId, text: "sent while the network restarts" });
      const second = brand.chat.send({ dealId, text: "and another" });
      // Queued behind the sends' reads of the deal: once it is answered, the cache has already answered them
      // (it holds nothing: a get() alone would have failed with "the client is offline").
      await getDocFromCache(doc(db, `deals/${dealId}`)).catch(() => undefined);
      let failedEarly: unknown;
      void Promise.all([first.done, second.done]).catch((e: unknown) => (failedEarly = e));
      await enableNetwork(db);
      expect(await Promise.all([first.done, second.done])).toEqual(["sent", "sent"]);
      expect(failedEarly).toBeUndefined();
      expect((await messageIds(dealId)).sort()).toEqual([first.messageId, second.messageId].sort());
      // One read of the deal for both sends.
      expect(brand.chat.stats().documentReads - readsBefore).toBe(1);
    } finally {
      await enableNetwork(db);
    }
  });

  it(`a send that cannot learn its deal gives up with unavailable after ${MEMBERSHIP_OFFLINE_WAIT_MS / 1000} s offline, and leaves no listener behind`, async () => {
    const dealId = await newDeal();
    const db = brand.client.db;
    // The chat's clock is the test's: the give-up timer fires when the test says so.
    const timers: Array<{ ms: number; task: () => void }> = [];
    const clock: Clock = { now: () => Date.now(), setTimeout: (task, ms) => timers.push({ ms, task }), clearTimeout: () => {} };
    const chat = createDealChat({ firestore: db, auth: getAuth(brand.client.app), side: "brand", clock });
    await disableNetwork(db);
    try {
      const idle = chat.stats().activeSubscriptions;
      const send = chat.send({ dealId, text: "never leaves the phone" });
      const giveUp = await vi.waitFor(() => {
        const timer = timers.find((t) => t.ms === MEMBERSHIP_OFFLINE_WAIT_MS);
        if (!timer) throw new Error("the send has not started waiting for the connection");
        return timer;
      });
      expect(chat.stats().activeSubscriptions).toBe(idle + 2); // the listener on the deal and the give-up timer
      giveUp.task();
      await expect(send.done).rejects.toMatchObject({ code: "unavailable" });
      expect(chat.stats().activeSubscriptions).toBe(idle);
      expect(await messageIds(dealId)).toEqual([]);
    } finally {
      await enableNetwork(db);
      chat.dispose();
    }
  });

  it("refuses a send to a closed deal with failed-precondition / deal-closed", async () => {
    const dealId = await newDeal("completed");
    const handle = brand.chat.send({ dealId, text: "too late" });
    await expect(handle.done).rejects.toMatchObject({ name: "DealChatError", code: "failed-precondition", reason: "deal-closed" });
    expect(await messageIds(dealId)).toEqual([]);
  });

  it("explains the server's refusal when the deal closed after the client last saw it", async () => {
    const dealId = await newDeal();
    await brand.chat.send({ dealId, text: "while it was active" }).done; // the client now believes the deal is active
    await adminFirestore().doc(`deals/${dealId}`).update({ status: "cancelled" });
    const handle = brand.chat.send({ dealId, text: "after it was cancelled" });
    const error = await handle.done.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DealChatError);
    expect(error).toMatchObject({ code: "failed-precondition", reason: "deal-closed" });
    expect((await messageIds(dealId)).includes(handle.messageId)).toBe(false);
  });

  it("rejects invalid input with invalid-argument before writing anything", async () => {
    const dealId = await newDeal();
    const writes = brand.chat.stats().documentWrites;
    expect(() => brand.chat.send({ dealId, text: "" })).toThrow(expect.objectContaining({ code: "invalid-argument" }));
    expect(() => brand.chat.send({ dealId, text: "x".repeat(limits.textMaxLength + 1) })).toThrow(expect.objectContaining({ code: "invalid-argument" }));
    expect(() => brand.chat.send({ dealId, text: "hi", messageId: "no/slashes" })).toThrow(expect.objectContaining({ code: "invalid-argument" }));
    expect(() => brand.chat.send({ dealId: "", text: "hi" })).toThrow(DealChatError);
    expect(brand.chat.stats().documentWrites).toBe(writes);
  });

  it("refuses a deal the user is not part of with permission-denied", async () => {
    const dealId = await seedDeal({ brandId: "someone-else", influencerId: influencer.uid });
    await expect(brand.chat.send({ dealId, text: "let me in" }).done).rejects.toMatchObject({ code: "permission-denied", reason: "not-participant" });
  });
});

describe("pagination", () => {
  it("loads older pages without gaps or duplicates at the seam while new messages arrive", async () => {
    const dealId = await newDeal();
    const db = adminFirestore();
    const start = Date.now() - 60 * 60_000;
    for (let i = 0; i < 25; i++) {
      await seedMessage(db, dealId, {
        senderId: i % 2 ? brand.uid : influencer.uid,
        senderSide: i % 2 ? "brand" : "influencer",
        text: `old ${i}`,
        createdAt: new Date(start + i * 1000),
      });
    }
    const theirs = open(influencer, dealId, { tailSize: 10, pageSize: 7 });
    const first = await theirs.ready;
    expect(first.messages.map((m) => m.text)).toEqual(Array.from({ length: 10 }, (_, k) => `old ${24 - k}`));
    expect(first.hasOlder).toBe(true);

    // The brand keeps sending while the influencer scrolls back.
    const sends: Array<Promise<unknown>> = [];
    let state = first;
    for (let page = 0; state.hasOlder && page < 10; page++) {
      sends.push(brand.chat.send({ dealId, text: `new ${page}` }).done);
      await theirs.view.loadOlder();
      state = theirs.states.latest!;
    }
    await Promise.all(sends);
    const expected = await messageIds(dealId);
    expect(expected).toHaveLength(25 + sends.length);
    const final = await theirs.states.until((s) => s.messages.length === expected.length, "every message in the view");
    expect(final.messages.map((m) => m.id)).toEqual(expected);
    expect(final.hasOlder).toBe(false);
    theirs.view.unsubscribe();
  });
});

describe("older pages stay live", () => {
  it("shows an edit and a tombstone of a message in an older page, and stops the page's listener on unsubscribe", async () => {
    const dealId = await newDeal();
    const ids = await seedEditableBrandMessages(dealId, 10);
    const listenersBefore = influencer.chat.stats().activeListeners;
    const theirs = open(influencer, dealId, { tailSize: 4, pageSize: 4 });
    await theirs.ready;
    await theirs.view.loadOlder();
    const paged = theirs.states.latest!;
    expect(paged.messages.map((m) => m.text)).toEqual(["m 9", "m 8", "m 7", "m 6", "m 5", "m 4", "m 3", "m 2"]);
    expect(influencer.chat.stats().activeListeners).toBe(listenersBefore + 3); // tail, conversation, one older page

    const updated = await editAndTombstone(theirs.states, dealId, { edit: ids[4]!, tombstone: ids[3]! }, "in the older page");
    expect(updated.messages.map((m) => m.id)).toEqual(ids.slice(2).reverse());

    theirs.view.unsubscribe();
    expect(influencer.chat.stats().activeListeners).toBe(listenersBefore);
  });
});

describe("messages pushed out of the live tail stay live", () => {
  it("shows an edit and a tombstone of a message new sends pushed out of the tail, with one tail listener again", async () => {
    const dealId = await newDeal();
    const ids = await seedEditableBrandMessages(dealId, 6);
    const listenersBefore = influencer.chat.stats().activeListeners;
    const theirs = open(influencer, dealId, { tailSize: 3, pageSize: 3 });
    const first = await theirs.ready;
    expect(first.messages.map((m) => m.text)).toEqual(["m 5", "m 4", "m 3"]);

    // Three new messages push m 5, m 4 and m 3 out of a tail of 3.
    for (let i = 0; i < 3; i++) await brand.chat.send({ dealId, text: `new ${i}` }).done;
    const pushed = await theirs.states.until((s) => s.messages.length === 6, "the new messages next to the pushed-out ones");
    expect(pushed.messages.map((m) => m.text)).toEqual(["new 2", "new 1", "new 0", "m 5", "m 4", "m 3"]);

    const updated = await editAndTombstone(theirs.states, dealId, { edit: ids[4]!, tombstone: ids[3]! }, "of pushed-out messages");
    expect(updated.messages.map((m) => m.text)).toEqual(["new 2", "new 1", "new 0", "m 5", "m 4, edited", null]);
    expect(influencer.chat.stats().activeListeners).toBe(listenersBefore + 2); // the tail (now without a limit) and the conversation

    // Older pages continue below the pushed-out messages, without a gap or a duplicate.
    await theirs.view.loadOlder();
    expect(theirs.states.latest!.messages.map((m) => m.id)).toEqual(await messageIds(dealId));
    theirs.view.unsubscribe();
    expect(influencer.chat.stats().activeListeners).toBe(listenersBefore);
  });
});

describe("history queries", () => {
  it("combines date range, sender side, attachments only and search (whole word and prefix)", async () => {
    const dealId = await newDeal();
    const db = adminFirestore();
    const t0 = Date.now() - 24 * 60 * 60_000;
    const at = (minutes: number) => new Date(t0 + minutes * 60_000);
    const file = (name: string, senderId: string, id: string) => ({
      name,
      size: 10,
      contentType: "application/pdf",
      storagePath: `deals/${dealId}/attachments/${senderId}/${id}/${name}`,
    });
    const seed = (id: string, side: "brand" | "influencer", text: string, minutes: number, withFile = false) => {
      const senderId = side === "brand" ? brand.uid : influencer.uid;
      return seedMessage(db, dealId, {
        id,
        senderId,
        senderSide: side,
        text,
        createdAt: at(minutes),
        searchTokens: searchTokens(text),
        ...(withFile ? { attachments: [file("brief.pdf", senderId, id)] } : {}),
      });
    };
    await seed("m1", "brand", "Let's negotiate the contract", 1);
    await seed("m2", "influencer", "Contract signed, see attached", 2, true);
    await seed("m3", "brand", "Négociation terminée", 3);
    await seed("m4", "influencer", "Posting schedule attached", 4, true);
    await seed("m5", "brand", "Contractual details follow", 5, true);

    const ids = async (input: Parameters<Party["chat"]["history"]>[0]) => (await brand.chat.history(input)).messages.map((m) => m.id);
    expect(await ids({ dealId })).toEqual(["m5", "m4", "m3", "m2", "m1"]);
    expect(await ids({ dealId, senderSide: "influencer" })).toEqual(["m4", "m2"]);
    expect(await ids({ dealId, attachmentsOnly: true })).toEqual(["m5", "m4", "m2"]);
    expect(await ids({ dealId, from: at(2), to: at(4) })).toEqual(["m3", "m2"]);
    expect(await ids({ dealId, search: "signed" })).toEqual(["m2"]); // whole word
    expect(await ids({ dealId, search: "contract" })).toEqual(["m5", "m2", "m1"]); // a word, and the prefix of "contractual"
    expect(await ids({ dealId, search: "CONTR" })).toEqual(["m5", "m2", "m1"]); // prefix, case-folded
    expect(await ids({ dealId, search: "negociation" })).toEqual(["m3"]); // diacritics folded
    expect(await ids({ dealId, search: "nego" })).toEqual(["m3", "m1"]);
    expect(await ids({ dealId, search: "contract signed" })).toEqual(["m2"]); // every word
    expect(await ids({ dealId, search: "contr", senderSide: "brand", attachmentsOnly: true })).toEqual(["m5"]);
    expect(await ids({ dealId, search: "contr", from: at(2), to: at(6) })).toEqual(["m5", "m2"]);

    const page1 = await brand.chat.history({ dealId, pageSize: 2 });
    const page2 = await brand.chat.history({ dealId, pageSize: 2, cursor: page1.next! });
    const page3 = await brand.chat.history({ dealId, pageSize: 2, cursor: page2.next! });
    expect([...page1.messages, ...page2.messages, ...page3.messages].map((m) => m.id)).toEqual(["m5", "m4", "m3", "m2", "m1"]);
    expect(page3.next).toBeNull();
  });

  it("rejects bad history input with invalid-argument", async () => {
    await expect(brand.chat.history({ dealId: "d", search: "the of" })).rejects.toMatchObject({ code: "invalid-argument" });
    await expect(brand.chat.history({ dealId: "d", from: new Date(2), to: new Date(1) })).rejects.toMatchObject({ code: "invalid-argument" });
    await expect(brand.chat.history({ dealId: "d", pageSize: 0 })).rejects.toMatchObject({ code: "invalid-argument" });
  });

  it("does not read another deal's history", async () => {
    const dealId = await seedDeal({ brandId: "someone-else", influencerId: "another-one" });
    await expect(brand.chat.history({ dealId })).rejects.toMatchObject({ code: "permission-denied" });
  });
});

describe("edit and delete within the window", () => {
  it("edits and tombstones recent messages, seen live by the other side", async () => {
    const dealId = await newDeal();
    const mine = open(brand, dealId);
    const theirs = open(influencer, dealId);
    await Promise.all([mine.ready, theirs.ready]);
    const sent = mine.handle.send({ text: "first draft" });
    await sent.done;
    await mine.handle.edit(sent.messageId, "final version");
    const edited = await theirs.states.until((s) => s.messages.some((m) => m.id === sent.messageId && m.text === "final version"), "the edit");
    expect(edited.messages.find((m) => m.id === sent.messageId)!.editedAt).not.toBeNull();

    await mine.handle.delete(sent.messageId);
    const deleted = await theirs.states.until((s) => s.messages.some((m) => m.id === sent.messageId && m.deleted), "the tombstone");
    expect(deleted.messages.find((m) => m.id === sent.messageId)).toMatchObject({ text: null, attachments: [], deleted: true });
    await expect(mine.handle.edit(sent.messageId, "revive")).rejects.toMatchObject({
      code: "failed-precondition",
      reason: "message-deleted",
    });
    mine.view.unsubscribe();
    theirs.view.unsubscribe();
  });

  it("exposes the remaining time and refuses once the window has closed", async () => {
    const dealId = await newDeal();
    const db = adminFirestore();
    const fourMinutesAgo = new Date(Date.now() - 4 * 60_000);
    const sixMinutesAgo = new Date(Date.now() - 6 * 60_000);
    const recent = await seedMessage(db, dealId, { senderId: brand.uid, senderSide: "brand", text: "recent", createdAt: fourMinutesAgo });
    const old = await seedMessage(db, dealId, { senderId: brand.uid, senderSide: "brand", text: "old", createdAt: sixMinutesAgo });

    const left = brand.chat.remainingEditMs({ createdAt: { toMillis: () => fourMinutesAgo.getTime() } });
    expect(left).toBeGreaterThan(50_000);
    expect(left).toBeLessThanOrEqual(60_000);
    expect(brand.chat.remainingEditMs({ createdAt: { toMillis: () => sixMinutesAgo.getTime() } })).toBe(0);

    await brand.chat.edit({ dealId, messageId: recent, text: "recent, edited" });
    const writes = brand.chat.stats().documentWrites;
    await expect(brand.chat.edit({ dealId, messageId: old, text: "old, edited" })).rejects.toMatchObject({
      code: "failed-precondition",
      reason: "edit-window-closed",
    });
    await expect(brand.chat.delete({ dealId, messageId: old })).rejects.toMatchObject({ code: "failed-precondition", reason: "edit-window-closed" });
    expect(brand.chat.stats().documentWrites).toBe(writes); // refused locally: nothing was sent
    expect((await db.doc(`deals/${dealId}/messages/${old}`).get()).get("text")).toBe("old");
    await expect(influencer.chat.edit({ dealId, messageId: recent, text: "not mine" })).rejects.toMatchObject({
      code: "permission-denied",
      reason: "not-author",
    });
  });

  it("maps the server's refusal to edit-window-closed when the client's clock is behind", async () => {
    // A device whose clock runs 2 minutes slow believes a 6-minute-old message is still editable.
    const slow = await brandAndInfluencer({ now: () => Date.now() - 2 * 60_000 });
    try {
      const dealId = await seedDeal({ brandId: slow.brand.uid, influencerId: slow.influencer.uid });
      const db = adminFirestore();
      const createdAt = new Date(Date.now() - 6 * 60_000);
      const id = await seedMessage(db, dealId, { senderId: slow.brand.uid, senderSide: "brand", text: "old", createdAt });
      expect(slow.brand.chat.remainingEditMs({ createdAt: { toMillis: () => createdAt.getTime() } })).toBeGreaterThan(0);
      const writes = slow.brand.chat.stats().documentWrites;
      await expect(slow.brand.chat.edit({ dealId, messageId: id, text: "edited" })).rejects.toMatchObject({
        code: "failed-precondition",
        reason: "edit-window-closed",
      });
      await expect(slow.brand.chat.delete({ dealId, messageId: id })).rejects.toMatchObject({ code: "failed-precondition", reason: "edit-window-closed" });
      expect(slow.brand.chat.stats().documentWrites).toBe(writes + 2); // the server was asked and said no
      expect((await db.doc(`deals/${dealId}/messages/${id}`).get()).data()).toMatchObject({ text: "old", deleted: false });
    } finally {
      await closeAll(slow.brand, slow.influencer);
    }
  });
});

describe("read receipts", () => {
  it("marks read with one throttled watermark write; the sender sees read state per message", async () => {
    const dealId = await newDeal();
    const mine = open(brand, dealId);
    await mine.ready;
    const a = mine.handle.send({ text: "one" });
    const b = mine.handle.send({ text: "two" });
    await Promise.all([a.done, b.done]);
    const before = await mine.states.until((s) => s.messages.filter((m) => !m.pending && m.createdAt !== null).length === 2, "both messages acknowledged");
    expect(before.messages.every((m) => !m.readByOther)).toBe(true);

    // The influencer's screen marks read on every incoming message: the calls are folded.
    const theirs = open(influencer, dealId);
    await theirs.ready;
    const writes = influencer.chat.stats().documentWrites;
    await Promise.all([theirs.handle.markRead(), theirs.handle.markRead(), theirs.handle.markRead(), theirs.handle.markRead()]);
    expect(influencer.chat.stats().documentWrites - writes).toBe(2); // leading write + one trailing write for the rest
    theirs.view.unsubscribe();

    const read = await mine.states.until((s) => s.messages.length === 2 && s.messages.every((m) => m.readByOther), "both messages read by the influencer");
    expect(read.conversation?.otherReadWatermark).not.toBeNull();
    const stored = await adminFirestore().doc(`conversations/${dealId}`).get();
    expect(stored.get("readWatermark.influencer")).toBeTruthy();
    expect(stored.get("readWatermark.brand")).toBeNull();
    mine.view.unsubscribe();
  });
});
