// Typing indicators, presence and the SDK's lifecycle, end to end with two real users.
import { limits, presenceDoc, presenceEntry, typingOn } from "@dealchat/model";
import { Timestamp } from "firebase-admin/firestore";
import { getAuth } from "firebase/auth";
import { describe, expect, it } from "vitest";
import { TYPING_REFRESH_MS, createDealChat, type ConversationHandleState, type ConversationViewState, type TypingState } from "../src/index.ts";
import { Recorder, adminFirestore, record, seedDeal, type Party, useBrandAndInfluencer } from "./support.ts";

let brand: Party;
let influencer: Party;

useBrandAndInfluencer((parties) => ({ brand, influencer } = parties));

describe("typing indicators", () => {
  it("shows the other side typing, clears on stop and expires by itself", async () => {
    const dealId = await seedDeal({ brandId: brand.uid, influencerId: influencer.uid });
    // Both conversation screens (the influencer's watches typing by default).
    const theirs = influencer.chat.conversation(dealId);
    const mine = brand.chat.conversation(dealId, { watchTyping: false });
    const { states, stop } = record(theirs);
    // The callback API's typing state also says who types.
    const who = new Recorder<TypingState>();
    const stopWho = influencer.chat.watchTyping(dealId, who.next, who.fail);
    await states.until((s) => !s.loading && !s.otherTyping, "the conversation, nobody typing");
    // The state has no "typing listener answered" signal; the second listener on the same document shares the
    // handle's Firestore target, so its first answer says the handle's is in place too.
    await who.until((s) => !s.typing, "the initial not-typing state");

    mine.typing();
    const shown = await states.until((s) => s.otherTyping, "the brand typing");
    expect(shown.otherParticipant).toMatchObject({ uid: brand.uid, side: "brand" });
    expect(await who.until((s) => s.typing, "the brand typing (callback API)")).toMatchObject({ side: "brand", uid: brand.uid });
    stopWho();
    await mine.stopTyping();
    await states.until((s) => !s.otherTyping, "the indicator cleared", { from: states.values.indexOf(shown) + 1 });
    expect(mine.getLatestValue().lastError).toBeNull();

    // A crashed app leaves its document behind: it stops counting once expiresAt passes, with no new write.
    // The mark comes before the write: the listener can deliver it before the admin SDK's write resolves. The
    // expiry leaves a loaded machine time to deliver the document while it still counts.
    const from = states.mark();
    await adminFirestore()
      .doc(`deals/${dealId}/typing/${brand.uid}`)
      .set(typingOn("brand", Timestamp.now(), Timestamp.fromMillis(Date.now() + 4_000)));
    const abandoned = await states.until((s) => s.otherTyping, "the abandoned indicator", { from });
    await states.until((s) => !s.otherTyping, "the abandoned indicator to expire", { from: states.values.indexOf(abandoned) + 1 });
    stop();
    theirs.dispose();
    mine.dispose();
  });

  it("writes at most once per refresh interval while typing (30 s burst, fake clock)", async () => {
    const dealId = await seedDeal({ brandId: brand.uid, influencerId: influencer.uid });
    // 30 s pass in an instant on this clock while the writes reach the server in real time; starting it 7 s
    // behind keeps every expiresAt (clock + 10 s) inside what the rules accept (after now, at most now + 30 s).
    let now = Date.now() - 7_000;
    const chat = createDealChat({ firestore: brand.client.db, auth: getAuth(brand.client.app), now: () => now });
    const errors: Error[] = [];
    try {
      const screen = chat.conversation(dealId, { watchTyping: false });
      // Every error the handle reports (typing writes included) lands in lastError.
      const stopErrors = screen.subscribeWithSelector(
        (s) => ({ lastError: s.lastError }),
        ({ lastError }) => lastError && errors.push(lastError),
      );
      const writesBefore = chat.stats().documentWrites;
      for (let t = 0; t < 30_000; t += 150) {
        screen.typing();
        now += 150;
      }
      expect(chat.stats().documentWrites - writesBefore).toBe(30_000 / TYPING_REFRESH_MS);
      await screen.stopTyping();
      expect(chat.stats().documentWrites - writesBefore).toBe(30_000 / TYPING_REFRESH_MS + 1);
      stopErrors();
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
    const chat = createDealChat({ firestore: brand.client.db, auth: getAuth(brand.client.app) });
    try {
      const screen = chat.conversation(dealId, { watchTyping: false });
      const { states } = record(screen);
      screen.typing();
      const refused = await states.until((s) => s.lastError !== null, "the refusal");
      expect(refused.lastError).toMatchObject({ code: "failed-precondition", reason: "deal-closed" });
      await states.until((s) => s.readOnly, "the deal shown read-only");
    } finally {
      chat.dispose();
    }
  });
});

describe("presence", () => {
  it("is online while any device is connected, offline after the last one leaves, and expires on a crash", async () => {
    // The influencer's conversation screen with the brand's presence.
    const dealId = await seedDeal({ brandId: brand.uid, influencerId: influencer.uid });
    const screen = influencer.chat.conversation(dealId, { watchPresence: true, watchTyping: false });
    const recorded = record(screen);
    // What the screen shows of the other side's presence (null until it is known).
    const states = {
      mark: () => recorded.states.mark(),
      /** Where a presence value was first delivered (the states after it carry the same object until it changes). */
      indexOf: (p: ConversationHandleState["otherPresence"]) => recorded.states.values.findIndex((s) => s.otherPresence === p),
      until: (accept: (p: NonNullable<ConversationHandleState["otherPresence"]>) => boolean, what: string, options?: { from?: number }) =>
        recorded.states.until((s) => s.otherPresence !== null && accept(s.otherPresence), what, options).then((s) => s.otherPresence!),
    };
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
      await states.until((s) => !s.online, "the crashed device expired", { from: states.indexOf(crashed) + 1 });
      // The next connection drops the stale entry rather than accumulating it.
      from = states.mark();
      const next = await brand.chat.connectPresence();
      await states.until((s) => s.online, "online again", { from });
      const stored = await adminFirestore().doc(`presence/${brand.uid}`).get();
      expect(Object.keys(stored.get("connections"))).toEqual([next.connectionId]);
      await next.disconnect();
    } finally {
      tab2.dispose();
      recorded.stop();
      screen.dispose();
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

// The callback API stays supported for apps that keep state themselves: its subscriptions and their lifecycle.
describe("lifecycle of the callback API", () => {
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
