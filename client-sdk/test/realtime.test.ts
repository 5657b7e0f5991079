// Typing indicators, presence and the SDK's lifecycle, end to end with two real users.
import { limits, presenceDoc, presenceEntry, typingOn } from "@dealchat/model";
import { Timestamp } from "firebase-admin/firestore";
import { getAuth } from "firebase/auth";
import { describe, expect, it } from "vitest";
import { TYPING_REFRESH_MS, createDealChat, type ConversationViewState, type PresenceState, type TypingState } from "../src/index.ts";
import { Recorder, adminFirestore, seedDeal, type Party, useBrandAndInfluencer } from "./support.ts";

let brand: Party;
let influencer: Party;

useBrandAndInfluencer((parties) => ({ brand, influencer } = parties));

describe("typing indicators", () => {
  it("shows the other side typing, clears on stop and expires by itself", async () => {
    const dealId = await seedDeal({ brandId: brand.uid, influencerId: influencer.uid });
    const states = new Recorder<TypingState>();
    const stop = influencer.chat.watchTyping(dealId, states.next, states.fail);
    await states.until((s) => !s.typing, "the initial not-typing state");

    const typing = brand.chat.typing(dealId);
    typing.keystroke();
    const shown = await states.until((s) => s.typing, "the brand typing");
    expect(shown).toMatchObject({ side: "brand", uid: brand.uid });
    await typing.stop();
    await states.until((s) => !s.typing, "the indicator cleared", { from: states.values.indexOf(shown) + 1 });

    // A crashed app leaves its document behind: it stops counting once expiresAt passes, with no new write.
    // The mark comes before the write: the listener can deliver it before the admin SDK's write resolves. The
    // expiry leaves a loaded machine time to deliver the document while it still counts.
    const from = states.mark();
    await adminFirestore()
      .doc(`deals/${dealId}/typing/${brand.uid}`)
      .set(typingOn("brand", Timestamp.now(), Timestamp.fromMillis(Date.now() + 4_000)));
    const abandoned = await states.until((s) => s.typing, "the abandoned indicator", { from });
    await states.until((s) => !s.typing, "the abandoned indicator to expire", { from: states.values.indexOf(abandoned) + 1 });
    stop();
  });

  it("writes at most once per refresh interval while typing (30 s burst, fake clock)", async () => {
    const dealId = await seedDeal({ brandId: brand.uid, influencerId: influencer.uid });
    // 30 s pass in an instant on this clock while the writes reach the server in real time; starting it 7 s
    // behind keeps every expiresAt (clock + 10 s) inside what the rules accept (after now, at most now + 30 s).
    let now = Date.now() - 7_000;
    const chat = createDealChat({ firestore: brand.client.db, auth: getAuth(brand.client.app), now: () => now });
    const errors: Error[] = [];
    try {
      const typing = chat.typing(dealId, (e) => errors.push(e));
      for (let t = 0; t < 30_000; t += 150) {
        typing.keystroke();
        now += 150;
      }
      expect(typing.writes).toBe(30_000 / TYPING_REFRESH_MS);
      await typing.stop();
      expect(typing.writes).toBe(30_000 / TYPING_REFRESH_MS + 1);
      // The fake clock squeezes 30 s of refreshes into well under a second of real time, faster than the rules'
      // pacing (limits.typingMinIntervalMs) lets refreshes through: the only errors may be those refusals.
      expect(errors.filter((e) => (e as { code?: string }).code !== "permission-denied")).toEqual([]);
      // Switching off is a paced write, never a delete, and an indicator that is on may always be switched off.
      const stored = await adminFirestore().doc(`deals/${dealId}/typing/${brand.uid}`).get();
      expect(stored.get("expiresAt").toMillis()).toBe(stored.get("updatedAt").toMillis());
    } finally {
      chat.dispose();
    }
  });

  it("refuses typing in a closed deal", async () => {
    const dealId = await seedDeal({ brandId: brand.uid, influencerId: influencer.uid, status: "completed" });
    const errors = new Recorder<Error>();
    const chat = createDealChat({ firestore: brand.client.db, auth: getAuth(brand.client.app) });
    try {
      const typing = chat.typing(dealId, errors.next);
      typing.keystroke();
      expect(await errors.until(() => true, "the refusal")).toMatchObject({ code: "failed-precondition", reason: "deal-closed" });
    } finally {
      chat.dispose();
    }
  });
});

describe("presence", () => {
  it("is online while any device is connected, offline after the last one leaves, and expires on a crash", async () => {
    const states = new Recorder<PresenceState>();
    const stop = influencer.chat.watchPresence(brand.uid, states.next, states.fail);
    await states.until((s) => !s.online, "the brand offline at first");

    // Two tabs of the same user: two clients, two connection entries.
    const tab2 = createDealChat({ firestore: brand.client.db, auth: getAuth(brand.client.app) });
    try {
      let from = states.mark();
      const phone = await brand.chat.connectPresence();
      const laptop = await tab2.connectPresence();
      expect(phone.connectionId).not.toBe(laptop.connectionId);
      await states.until((s) => s.online && s.connections === 2, "two connections", { from });

      from = states.mark();
      await phone.setActive(false); // the phone app went to the background
      await states.until((s) => s.online && s.connections === 1, "one connection left", { from });
      from = states.mark();
      await laptop.disconnect(); // the tab closed
      const offline = await states.until((s) => !s.online && s.connections === 0, "offline", { from });
      expect(offline.lastSeen).toBeInstanceOf(Date);
      from = states.mark();
      await phone.setActive(true);
      await states.until((s) => s.online && s.connections === 1, "back in the foreground", { from });
      from = states.mark();
      await phone.disconnect();
      await states.until((s) => !s.online, "offline again", { from });

      // A crashed device never says goodbye: its entry expires on its own.
      from = states.mark();
      await adminFirestore()
        .doc(`presence/${brand.uid}`)
        .set(presenceDoc(Timestamp.now(), { crashed: presenceEntry(Timestamp.now(), Timestamp.fromMillis(Date.now() + 1_500)) }));
      const crashed = await states.until((s) => s.online && s.connections === 1, "the crashed device online", { from });
      await states.until((s) => !s.online, "the crashed device expired", { from: states.values.indexOf(crashed) + 1 });
      // The next connection drops the stale entry rather than accumulating it.
      from = states.mark();
      const next = await brand.chat.connectPresence();
      await states.until((s) => s.online, "online again", { from });
      const stored = await adminFirestore().doc(`presence/${brand.uid}`).get();
      expect(Object.keys(stored.get("connections"))).toEqual([next.connectionId]);
      await next.disconnect();
    } finally {
      tab2.dispose();
      stop();
    }
  });

  it("refreshes its entry on every heartbeat", async () => {
    const states = new Recorder<FirebaseFirestore.DocumentSnapshot>();
    const stop = adminFirestore().doc(`presence/${influencer.uid}`).onSnapshot(states.next, states.fail);
    const connection = await influencer.chat.connectPresence({ heartbeatMs: limits.presenceMinIntervalMs + 500 });
    const expiry = (snap: FirebaseFirestore.DocumentSnapshot) =>
      (snap.get(`connections.${connection.connectionId}.expiresAt`) as Timestamp | undefined)?.toMillis();
    const first = await states.until((s) => expiry(s) !== undefined, "the first heartbeat");
    await states.until((s) => (expiry(s) ?? 0) > expiry(first)!, "a later heartbeat", { from: states.values.indexOf(first) + 1 });
    await connection.disconnect();
    stop();
  });

  it("validates the heartbeat interval against the presence TTL", async () => {
    await expect(brand.chat.connectPresence({ heartbeatMs: limits.presenceTtlMs })).rejects.toMatchObject({ code: "invalid-argument" });
  });
});

describe("lifecycle", () => {
  it("every subscription returns an unsubscribe, and dispose() ends them all", async () => {
    const dealId = await seedDeal({ brandId: brand.uid, influencerId: influencer.uid });
    const chat = createDealChat({ firestore: influencer.client.db, auth: getAuth(influencer.client.app), side: "influencer" });
    expect(chat.stats()).toMatchObject({ activeListeners: 0, activeSubscriptions: 0 });

    const view = new Recorder<ConversationViewState>();
    const conversation = chat.openConversation({ dealId }, view.next, view.fail);
    const list = chat.watchConversations({}, () => {});
    const unread = chat.watchUnreadTotal(() => {});
    const typing = new Recorder<TypingState>();
    const stopTyping = chat.watchTyping(dealId, typing.next);
    const stopPresence = chat.watchPresence(brand.uid, () => {});
    await view.until((s) => !s.fromCache, "the conversation");
    await typing.until(() => true, "the typing state");
    expect(chat.stats().activeListeners).toBe(6); // messages + conversation doc, list, unread, typing doc, presence doc

    conversation.unsubscribe();
    conversation.unsubscribe(); // idempotent
    list.unsubscribe();
    expect(chat.stats().activeListeners).toBe(3);
    unread();
    stopTyping();
    stopPresence();
    expect(chat.stats()).toMatchObject({ activeListeners: 0, activeSubscriptions: 0 });

    // dispose() ends whatever is still running, and nothing is delivered afterwards.
    const later = new Recorder<ConversationViewState>();
    chat.openConversation({ dealId }, later.next);
    chat.watchConversations({}, () => {});
    const presence = await chat.connectPresence();
    expect(presence.connectionId).toBeTruthy();
    await later.until((s) => !s.fromCache, "the second view");
    expect(chat.stats().activeSubscriptions).toBeGreaterThanOrEqual(4);
    chat.dispose();
    expect(chat.stats()).toMatchObject({ activeListeners: 0, activeSubscriptions: 0 });
    const delivered = later.values.length;
    await brand.chat.send({ dealId, text: "after dispose" }).done;
    // The brand's own view proves the message is out there; the disposed client must not see it.
    const proof = new Recorder<ConversationViewState>();
    const brandView = brand.chat.openConversation({ dealId }, proof.next);
    await proof.until((s) => s.messages.some((m) => m.text === "after dispose") && !s.fromCache, "the message");
    brandView.unsubscribe();
    expect(later.values.length).toBe(delivered);
    expect(() => chat.openConversation({ dealId }, () => {})).toThrow(expect.objectContaining({ code: "failed-precondition", reason: "disposed" }));
  });
});
