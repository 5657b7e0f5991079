// The SDK on the hardened boundary: the rules' notion of blank text, read receipts on closed deals, the write
// pacing the rules enforce (the SDK waits instead of failing), and documents that do not match the model.
import { isBlank, limits, newMessage } from "@dealchat/model";
import { Timestamp } from "firebase-admin/firestore";
import { describe, expect, it, vi } from "vitest";
import type { ConversationViewState, TypingState } from "../src/index.ts";
import { Recorder, adminFirestore, record, seedDeal, seedMessage, type Party, useBrandAndInfluencer } from "./support.ts";

let brand: Party;
let influencer: Party;

useBrandAndInfluencer((parties) => ({ brand, influencer } = parties));

describe("blank text", () => {
  it.each(["", "   ", "\u200b\u200b", "\u00a0\u3000", "\ufeff\u2060\t\n"])("send(%j) is refused locally, as the rules would refuse it", async (text) => {
    const dealId = await seedDeal({ brandId: brand.uid, influencerId: influencer.uid });
    expect(isBlank(text)).toBe(true);
    const screen = brand.chat.conversation(dealId, { watchTyping: false });
    try {
      const writes = brand.chat.stats().documentWrites;
      const sending = screen.send({ text });
      await expect(sending.done).rejects.toMatchObject({ code: "invalid-argument", reason: "empty-message" });
      expect(screen.getLatestValue().messages.find((m) => m.id === sending.messageId)).toMatchObject({ status: "failed", error: { reason: "empty-message" } });
      await expect(screen.edit("any", text)).rejects.toMatchObject({ code: "invalid-argument" });
      expect(brand.chat.stats().documentWrites).toBe(writes);
      // The callback API refuses it synchronously.
      expect(() => brand.chat.send({ dealId, text })).toThrow(expect.objectContaining({ code: "invalid-argument", reason: "empty-message" }));
    } finally {
      screen.dispose();
    }
  });

  it("a visible character among invisible ones is a message", async () => {
    const dealId = await seedDeal({ brandId: brand.uid, influencerId: influencer.uid });
    const screen = brand.chat.conversation(dealId, { watchTyping: false });
    await expect(screen.send({ text: "\u200b👍\u200b" }).done).resolves.toBe("sent");
    screen.dispose();
  });
});

describe("read receipts on a closed deal", () => {
  it.each(["completed", "cancelled"] as const)("markRead on a %s deal moves the watermark (the badge can clear)", async (status) => {
    const dealId = await seedDeal({ brandId: brand.uid, influencerId: influencer.uid, status });
    const screen = influencer.chat.conversation(dealId, { watchTyping: false });
    await screen.markRead();
    screen.dispose();
    const stored = await adminFirestore().doc(`conversations/${dealId}`).get();
    expect(stored.get("readWatermark.influencer")).toBeInstanceOf(Timestamp);
  });
});

describe("pacing", () => {
  it("a second edit right after the first waits out limits.editMinIntervalMs instead of failing", async () => {
    const dealId = await seedDeal({ brandId: brand.uid, influencerId: influencer.uid });
    const screen = brand.chat.conversation(dealId, { watchTyping: false });
    const { messageId, done } = screen.send({ text: "first" });
    await done;
    await screen.edit(messageId, "second");
    const started = Date.now();
    await screen.edit(messageId, "third");
    screen.dispose();
    expect(Date.now() - started).toBeGreaterThanOrEqual(limits.editMinIntervalMs / 2);
    expect((await adminFirestore().doc(`deals/${dealId}/messages/${messageId}`).get()).get("text")).toBe("third");
  });

  it("typing again right after stop comes back on once the pacing interval has passed, without an error", async () => {
    const dealId = await seedDeal({ brandId: brand.uid, influencerId: influencer.uid });
    const theirs = influencer.chat.conversation(dealId);
    const mine = brand.chat.conversation(dealId, { watchTyping: false });
    const { states } = record(theirs);
    try {
      await states.until((s) => !s.loading && !s.otherTyping, "the conversation, nobody typing");
      // The state has no "typing listener answered" signal; a second listener on the same document shares the
      // handle's Firestore target, so its first answer says the handle's is in place too.
      const probe = new Recorder<TypingState>();
      const stopProbe = influencer.chat.watchTyping(dealId, probe.next, probe.fail);
      await probe.until((s) => !s.typing, "the initial not-typing state");
      stopProbe();
      mine.typing();
      const on = await states.until((s) => s.otherTyping, "the brand typing");
      await mine.stopTyping();
      const off = await states.until((s) => !s.otherTyping, "the indicator off", { from: states.values.indexOf(on) + 1 });
      mine.typing(); // the user starts the next message at once
      await states.until((s) => s.otherTyping, "the indicator on again", { from: states.values.indexOf(off) + 1 });
      expect(mine.getLatestValue().lastError).toBeNull();
      await mine.stopTyping();
    } finally {
      theirs.dispose();
      mine.dispose();
    }
  });
});

describe("documents that do not match the model", () => {
  it("a malformed message is left out of the conversation; the others still show", async () => {
    const dealId = await seedDeal({ brandId: brand.uid, influencerId: influencer.uid });
    const good = await seedMessage(adminFirestore(), dealId, {
      senderId: brand.uid,
      senderSide: "brand",
      text: "fine",
      createdAt: new Date(Date.now() - 2_000),
    });
    // Written by something other than the SDK or the functions: a senderSide the model does not know.
    await adminFirestore()
      .doc(`deals/${dealId}/messages/malformed`)
      .set({ ...newMessage({ senderId: brand.uid, senderSide: "brand", text: "odd", attachments: [] }, Timestamp.now()), senderSide: "admin" });
    const screen = influencer.chat.conversation(dealId, { watchTyping: false });
    try {
      const state = await record(screen).states.until((s) => s.messages.some((m) => m.id === good), "the well-formed message");
      expect(state.messages.map((m) => m.id)).toEqual([good]);
      expect(state.lastError).toBeNull();
    } finally {
      screen.dispose();
    }
  });
});

// The handle's own case is in conversation-handle.test.ts ("older pages and the lifecycle").
describe("lifecycle of a callback view's older pages", () => {
  it("loadOlder() after unsubscribe() attaches no listener, and one in flight at unsubscribe() settles", async () => {
    const dealId = await seedDeal({ brandId: brand.uid, influencerId: influencer.uid });
    const start = Date.now() - 3_600_000;
    for (let i = 0; i < 6; i++)
      await seedMessage(adminFirestore(), dealId, { senderId: brand.uid, senderSide: "brand", text: `m${i}`, createdAt: new Date(start + i * 1_000) });
    const listenersBefore = influencer.chat.stats().activeListeners;

    const views = new Recorder<ConversationViewState>();
    const view = influencer.chat.openConversation({ dealId, tailSize: 2, pageSize: 2 }, views.next, views.fail);
    await views.until((s) => !s.fromCache && s.messages.length === 2, "the tail");
    const inFlight = view.loadOlder();
    view.unsubscribe();
    await expect(inFlight).resolves.toBe(0);
    await expect(view.loadOlder()).resolves.toBe(0);
    expect(influencer.chat.stats().activeListeners).toBe(listenersBefore);
  });
});

describe("console output", () => {
  it("refusals the SDK predicts put nothing on the console; a refusal only the server can make is the Firebase SDK's to log", async () => {
    const methods = ["log", "info", "warn", "error", "debug"] as const;
    const spies = methods.map((m) => vi.spyOn(console, m));
    // The Firebase SDK's logger prefixes every line with the component, e.g. "@firebase/firestore:".
    const firebaseLines = () =>
      spies
        .flatMap((s) => s.mock.calls)
        .map((args) => args.map(String).join(" "))
        .filter((line) => line.includes("@firebase/"));
    try {
      const closed = brand.chat.conversation(await seedDeal({ brandId: brand.uid, influencerId: influencer.uid, status: "completed" }), { watchTyping: false });
      const active = brand.chat.conversation(await seedDeal({ brandId: brand.uid, influencerId: influencer.uid }), { watchTyping: false });
      await record(closed).states.until((s) => !s.loading && s.readOnly, "the closed deal");
      await record(active).states.until((s) => !s.loading && !s.fromCache, "the active deal");
      await expect(closed.send({ text: "too late" }).done).rejects.toMatchObject({ reason: "deal-closed" });
      await expect(active.send({ text: " \u200b " }).done).rejects.toMatchObject({ reason: "empty-message" });
      await expect(active.send({ files: [{ name: "run.exe", contentType: "application/x-msdownload", data: new Uint8Array(8) }] }).done).rejects.toMatchObject({
        reason: "file-type-not-allowed",
      });
      closed.typing();
      await record(closed).states.until((s) => s.lastError?.reason === "deal-closed", "typing refused");
      // Leaving the screens switches typing off: not in the closed deal, where the rules would refuse it.
      closed.dispose();
      active.dispose();
      expect(firebaseLines()).toEqual([]);

      // The deal closes behind the client's back (no view open, so nothing tells it): only the server can refuse.
      const dealId = await seedDeal({ brandId: brand.uid, influencerId: influencer.uid });
      await brand.chat.send({ dealId, text: "while it was active" }).done;
      await adminFirestore().doc(`deals/${dealId}`).update({ status: "cancelled" });
      await expect(brand.chat.send({ dealId, text: "after it was cancelled" }).done).rejects.toMatchObject({ reason: "deal-closed" });
      // The Node build (gRPC) logs the refused write stream as a warning (the browser build only at debug level:
      // test/browser/offline-reload.test.ts); the SDK leaves Firebase's global log level to the app (README).
      // Writes leave this client in order, so a typing switch-off refused in the closed deal would have been
      // logged before it: the one refusal on the console is the send's.
      expect(firebaseLines().filter((line) => line.includes("PERMISSION_DENIED"))).toHaveLength(1);
    } finally {
      for (const s of spies) s.mockRestore();
    }
  });
});
