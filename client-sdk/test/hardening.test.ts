// The SDK on the hardened boundary: the rules' notion of blank text, read receipts on closed deals, the write
// pacing the rules enforce (the SDK waits instead of failing), and documents that do not match the model.
import { isBlank, limits, newMessage } from "@dealchat/model";
import { Timestamp } from "firebase-admin/firestore";
import { describe, expect, it } from "vitest";
import type { ChatMessage, ConversationViewState, TypingState } from "../src/index.ts";
import { Recorder, adminFirestore, seedDeal, seedMessage, type Party, useBrandAndInfluencer } from "./support.ts";

let brand: Party;
let influencer: Party;

useBrandAndInfluencer((parties) => ({ brand, influencer } = parties));

describe("blank text", () => {
  it.each(["", "   ", "\u200b\u200b", "\u00a0\u3000", "\ufeff\u2060\t\n"])("send(%j) is refused locally, as the rules would refuse it", async (text) => {
    const dealId = await seedDeal({ brandId: brand.uid, influencerId: influencer.uid });
    expect(isBlank(text)).toBe(true);
    expect(() => brand.chat.send({ dealId, text })).toThrow(expect.objectContaining({ code: "invalid-argument", reason: "empty-message" }));
    await expect(brand.chat.edit({ dealId, messageId: "any", text })).rejects.toMatchObject({ code: "invalid-argument" });
  });

  it("a visible character among invisible ones is a message", async () => {
    const dealId = await seedDeal({ brandId: brand.uid, influencerId: influencer.uid });
    await expect(brand.chat.send({ dealId, text: "\u200b👍\u200b" }).done).resolves.toBe("sent");
  });
});

describe("read receipts on a closed deal", () => {
  it.each(["completed", "cancelled"] as const)("markRead on a %s deal moves the watermark (the badge can clear)", async (status) => {
    const dealId = await seedDeal({ brandId: brand.uid, influencerId: influencer.uid, status });
    await influencer.chat.markRead(dealId);
    const stored = await adminFirestore().doc(`conversations/${dealId}`).get();
    expect(stored.get("readWatermark.influencer")).toBeInstanceOf(Timestamp);
  });
});

describe("pacing", () => {
  it("a second edit right after the first waits out limits.editMinIntervalMs instead of failing", async () => {
    const dealId = await seedDeal({ brandId: brand.uid, influencerId: influencer.uid });
    const { messageId, done } = brand.chat.send({ dealId, text: "first" });
    await done;
    await brand.chat.edit({ dealId, messageId, text: "second" });
    const started = Date.now();
    await brand.chat.edit({ dealId, messageId, text: "third" });
    expect(Date.now() - started).toBeGreaterThanOrEqual(limits.editMinIntervalMs / 2);
    expect((await adminFirestore().doc(`deals/${dealId}/messages/${messageId}`).get()).get("text")).toBe("third");
  });

  it("typing again right after stop comes back on once the pacing interval has passed, without an error", async () => {
    const dealId = await seedDeal({ brandId: brand.uid, influencerId: influencer.uid });
    const states = new Recorder<TypingState>();
    const errors: Error[] = [];
    const stop = influencer.chat.watchTyping(dealId, states.next, states.fail);
    try {
      await states.until((s) => !s.typing, "the initial not-typing state");
      const typing = brand.chat.typing(dealId, (e) => errors.push(e));
      typing.keystroke();
      const on = await states.until((s) => s.typing, "the brand typing");
      await typing.stop();
      const off = await states.until((s) => !s.typing, "the indicator off", { from: states.values.indexOf(on) + 1 });
      typing.keystroke(); // the user starts the next message at once
      await states.until((s) => s.typing, "the indicator on again", { from: states.values.indexOf(off) + 1 });
      expect(errors).toEqual([]);
      await typing.stop();
    } finally {
      stop();
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
    const views = new Recorder<ConversationViewState>();
    const view = influencer.chat.openConversation({ dealId }, views.next, views.fail);
    try {
      const state = await views.until((s) => s.messages.some((m: ChatMessage) => m.id === good), "the well-formed message");
      expect(state.messages.map((m) => m.id)).toEqual([good]);
    } finally {
      view.unsubscribe();
    }
  });
});

describe("lifecycle of a view's older pages", () => {
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
