// The deployed triggers end to end: the Functions emulator runs functions/lib on real Firestore events,
// participants write with the web SDK as authenticated users (through firestore.rules), and the derived
// state is observed with snapshot listeners under a deadline until it equals the exact expected values.
import {
  collection,
  doc,
  getDoc,
  getDocs,
  onSnapshot,
  query,
  serverTimestamp,
  setDoc,
  updateDoc,
  where,
  type DocumentData,
  type DocumentSnapshot,
  type Timestamp,
} from "firebase/firestore";
import { FieldValue } from "firebase-admin/firestore";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { compareConversationOrder, searchQueryToken, textEdit, tombstone } from "@dealchat/model";
import { adminFirestore, signedInWebClient, type WebClient } from "../support/clients.ts";
import { uniqueId } from "../support/emulators.ts";
import { pollUntil, waitForSnapshot } from "../support/wait.ts";
import { newMessageFields } from "../support/messages.ts";

/**
 * Each function's first event starts its emulator worker, and concurrent transactions on one conversation wait
 * for each other in Google's emulator (pessimistic locks): on a busy 2-core machine a step can take tens of
 * seconds. Deadlines are generous; the values asserted are exact.
 */
const triggerDeadlineMs = 60_000;

describe("Cloud Functions through the Functions emulator", () => {
  let brand: WebClient;
  let influencer: WebClient;
  let dealId: string;
  const admin = adminFirestore();

  beforeAll(async () => {
    [brand, influencer] = await Promise.all([signedInWebClient("brand"), signedInWebClient("influencer")]);
    dealId = uniqueId("deal");
    const created = waitForSnapshot<FirebaseFirestore.DocumentSnapshot>(
      (next, fail) => admin.doc(`conversations/${dealId}`).onSnapshot(next, fail),
      (snap) => snap.exists,
      // The first event of a run pays the Functions emulator's cold start (a worker per function), slow on a busy machine.
      { what: "onDealWritten to create the conversation", timeoutMs: 50_000 },
    );
    // The platform creates deals with the admin SDK; the deal trigger creates the conversation.
    await admin.doc(`deals/${dealId}`).set({
      brandId: brand.user.uid,
      influencerId: influencer.user.uid,
      participants: [brand.user.uid, influencer.user.uid],
      status: "active",
      title: "Summer campaign",
      createdAt: FieldValue.serverTimestamp(),
      updatedAt: FieldValue.serverTimestamp(),
    });
    await created;
  }, 90_000);
  afterAll(async () => {
    await Promise.all([brand?.close(), influencer?.close()]);
  });

  /** Waits, as `who` with a web-SDK listener, until the conversation satisfies `accept` on a server snapshot. */
  function conversationUntil(who: WebClient, accept: (data: DocumentData) => boolean, what: string): Promise<DocumentData> {
    return waitForSnapshot<DocumentSnapshot>(
      (next, fail) => onSnapshot(doc(who.db, "conversations", dealId), { includeMetadataChanges: true }, next, fail),
      (snap) => !snap.metadata.fromCache && snap.exists() && accept(snap.data()),
      { what, timeoutMs: triggerDeadlineMs },
    ).then((snap) => snap.data()!);
  }

  function messageUntil(who: WebClient, messageId: string, accept: (data: DocumentData) => boolean, what: string): Promise<DocumentData> {
    return waitForSnapshot<DocumentSnapshot>(
      (next, fail) => onSnapshot(doc(who.db, "deals", dealId, "messages", messageId), { includeMetadataChanges: true }, next, fail),
      (snap) => !snap.metadata.fromCache && snap.exists() && accept(snap.data()),
      { what, timeoutMs: triggerDeadlineMs },
    ).then((snap) => snap.data()!);
  }

  function messageFields(who: WebClient, side: "brand" | "influencer", text: string) {
    return newMessageFields(who.user.uid, side, { text });
  }

  async function send(who: WebClient, side: "brand" | "influencer", text: string): Promise<string> {
    const id = uniqueId("msg");
    await setDoc(doc(who.db, "deals", dealId, "messages", id), messageFields(who, side, text));
    return id;
  }

  const createdAt = async (id: string) => ((await getDoc(doc(brand.db, "deals", dealId, "messages", id))).get("createdAt") as Timestamp).toMillis();

  it("mirrors the deal into a fresh conversation", async () => {
    const conv = await conversationUntil(brand, () => true, "the conversation");
    expect(conv).toMatchObject({
      dealId,
      brandId: brand.user.uid,
      influencerId: influencer.user.uid,
      participants: [brand.user.uid, influencer.user.uid],
      status: "active",
      lastMessage: null,
      unread: { brand: 0, influencer: 0 },
      hasUnread: { brand: false, influencer: false },
      readWatermark: { brand: null, influencer: null },
      responseTime: { brand: { count: 0, totalMs: 0, averageMs: null }, influencer: { count: 0, totalMs: 0, averageMs: null } },
    });
  });

  it("converges on exact counters, response times, summary and tokens as both sides write, read, edit and delete", async () => {
    const m1 = await send(brand, "brand", "Hi! The summer campaign brief is ready.");
    const m2 = await send(influencer, "influencer", "Thanks, looks great");
    const m3 = await send(brand, "brand", "Café shoot on Friday?");

    const conv = await conversationUntil(
      influencer,
      (c) =>
        c.lastMessage?.messageId === m3 &&
        c.unread.influencer === 2 &&
        c.unread.brand === 1 &&
        c.responseTime.brand.count === 1 &&
        c.responseTime.influencer.count === 1,
      "the three messages to be reflected",
    );
    const [t1, t2, t3] = [await createdAt(m1), await createdAt(m2), await createdAt(m3)];
    // Whole milliseconds (timestamps carry microseconds). The influencer owes m3's answer since m3.
    const [brandMs, influencerMs] = [Math.round(t3 - t2), Math.round(t2 - t1)];
    expect(conv.responseTime).toMatchObject({
      brand: { count: 1, totalMs: brandMs, averageMs: brandMs, medianMs: brandMs, p90Ms: brandMs, waitingSince: null, unansweredTurns: 0 },
      influencer: { count: 1, totalMs: influencerMs, averageMs: influencerMs, medianMs: influencerMs, p90Ms: influencerMs, unansweredTurns: 1 },
    });
    expect((conv.responseTime.influencer.waitingSince as Timestamp).toMillis()).toBe(t3);
    expect(conv.hasUnread).toEqual({ brand: true, influencer: true });
    expect(conv.lastMessage).toMatchObject({ senderId: brand.user.uid, senderSide: "brand", snippet: "Café shoot on Friday?", kind: "text" });
    expect((conv.lastActivityAt as Timestamp).toMillis()).toBe(t3);

    // The tokens came with the message (the client's tokenizer); nothing was written back onto any message.
    const third = (await getDoc(doc(brand.db, "deals", dealId, "messages", m3))).data()!;
    expect(third.searchTokens).toEqual(["cafe", "shoot", "friday", "caf", "sho", "fri", "shoo", "frid", "frida"]);
    expect(third.responseTimeMs).toBeUndefined();
    expect((conv.responseClock.answers as Array<{ side: string; ms: number }>).map((a) => [a.side, a.ms])).toEqual([
      ["influencer", Math.round(t2 - t1)],
      ["brand", Math.round(t3 - t2)],
    ]);

    // A search for a prefix of a diacritic word finds the message through the one token it allows.
    const token = searchQueryToken("CAFÉ");
    expect(token).toBe("cafe");
    const found = await getDocs(query(collection(influencer.db, "deals", dealId, "messages"), where("searchTokens", "array-contains", "fri")));
    expect(found.docs.map((d) => d.id)).toEqual([m3]);

    // The influencer reads everything: their unread count drops to zero and their read time is recorded.
    await updateDoc(doc(influencer.db, "conversations", dealId), { "readWatermark.influencer": serverTimestamp() });
    const read = await conversationUntil(influencer, (c) => c.unread.influencer === 0 && c.readAt?.influencer != null, "the read watermark to be applied");
    expect(read.hasUnread).toEqual({ brand: true, influencer: false });
    expect(read.unread.brand).toBe(1);

    // An edit of the last message re-derives its tokens and the summary.
    await updateDoc(doc(brand.db, "deals", dealId, "messages", m3), textEdit("Studio shoot on Friday?", serverTimestamp()));
    const edited = await conversationUntil(brand, (c) => c.lastMessage?.snippet === "Studio shoot on Friday?", "the edit to reach the summary");
    expect(edited.lastMessage.messageId).toBe(m3);
    const retokenized = await messageUntil(brand, m3, (m) => m.searchTokens?.includes("studio"), "m3's new tokens");
    expect(retokenized.searchTokens).not.toContain("cafe");

    // A new unread message, then its tombstone: the counter goes up and back down, the summary says so.
    const m4 = await send(brand, "brand", "Also a reel?");
    await conversationUntil(influencer, (c) => c.lastMessage?.messageId === m4 && c.unread.influencer === 1, "m4 to count as unread");
    await updateDoc(doc(brand.db, "deals", dealId, "messages", m4), tombstone(serverTimestamp()));
    const tombstoned = await conversationUntil(
      influencer,
      (c) => c.lastMessage?.kind === "deleted" && c.unread.influencer === 0,
      "the tombstone to be reflected",
    );
    expect(tombstoned.lastMessage).toMatchObject({ messageId: m4, snippet: "Message deleted", senderSide: "brand" });
    expect(tombstoned.hasUnread.influencer).toBe(false);
    expect((await messageUntil(brand, m4, (m) => Array.isArray(m.searchTokens) && m.searchTokens.length === 0, "m4's tokens to be removed")).deleted).toBe(
      true,
    );
    // The response-time figures did not move: edits and tombstones answer nothing.
    expect(tombstoned.responseTime).toEqual(conv.responseTime);
  }, 300_000);

  it("stays exact when both sides send at once (concurrent triggers on one conversation)", async () => {
    const burstDeal = uniqueId("deal");
    const created = waitForSnapshot<FirebaseFirestore.DocumentSnapshot>(
      (next, fail) => admin.doc(`conversations/${burstDeal}`).onSnapshot(next, fail),
      (snap) => snap.exists,
      { what: "the burst deal's conversation", timeoutMs: triggerDeadlineMs },
    );
    await admin.doc(`deals/${burstDeal}`).set({
      brandId: brand.user.uid,
      influencerId: influencer.user.uid,
      participants: [brand.user.uid, influencer.user.uid],
      status: "active",
      createdAt: FieldValue.serverTimestamp(),
      updatedAt: FieldValue.serverTimestamp(),
    });
    await created;
    const perSide = 6;
    const writes = Array.from({ length: perSide * 2 }, (_, i) => {
      const [who, side] = i % 2 === 0 ? [brand, "brand" as const] : [influencer, "influencer" as const];
      const ref = doc(who.db, "deals", burstDeal, "messages", uniqueId("burst"));
      return setDoc(ref, { ...messageFields(who, side, `burst ${i}`) }).then(() => ref.id);
    });
    await Promise.all(writes);

    // Counters and summary are exact. Response times are checked for consistency: the totals equal exactly the
    // answers the response clock records (nothing counted twice or lost by concurrent transactions). Which
    // message each one answers depends on what was visible when its trigger ran: in production createdAt is
    // the commit time and a trigger sees every earlier commit, while Google's emulator can stamp concurrent
    // writes out of commit order (see docs/functions.md).
    const last = (await admin.collection(`deals/${burstDeal}/messages`).orderBy("createdAt", "desc").limit(1).get()).docs[0]!;
    const conv = await waitForSnapshot<FirebaseFirestore.DocumentSnapshot>(
      (next, fail) => admin.doc(`conversations/${burstDeal}`).onSnapshot(next, fail),
      (snap) => snap.get("lastMessage.messageId") === last.id && snap.get("unread.brand") === perSide && snap.get("unread.influencer") === perSide,
      { what: "the burst's counters and summary to converge", timeoutMs: 90_000 },
    );
    expect(conv.get("lastActivityAt").toMillis()).toBe(last.get("createdAt").toMillis());
    const records = await pollUntil(
      async () => {
        const [messages, state] = await Promise.all([admin.collection(`deals/${burstDeal}/messages`).get(), admin.doc(`conversations/${burstDeal}`).get()]);
        const sums = { brand: { count: 0, totalMs: 0 }, influencer: { count: 0, totalMs: 0 } };
        for (const answer of (state.get("responseClock.answers") ?? []) as Array<{ side: "brand" | "influencer"; ms: number }>) {
          sums[answer.side].count += 1;
          sums[answer.side].totalMs += answer.ms;
        }
        const stored = state.get("responseTime") as Record<"brand" | "influencer", { count: number; totalMs: number }>;
        const tokenized = messages.docs.every((m) => Array.isArray(m.get("searchTokens")));
        return {
          sums,
          stored: {
            brand: { count: stored.brand.count, totalMs: stored.brand.totalMs },
            influencer: { count: stored.influencer.count, totalMs: stored.influencer.totalMs },
          },
          tokenized,
        };
      },
      (r) => r.tokenized && JSON.stringify(r.sums) === JSON.stringify(r.stored),
      { what: "response-time totals to equal the clock's answers", timeoutMs: 60_000, intervalMs: 250 },
    );
    expect(records.stored).toEqual(records.sums);
    expect(records.stored.brand.count + records.stored.influencer.count).toBeGreaterThan(0);

    // The correction pass: whatever order the emulator made the messages visible in, the clock ends with the
    // answers the definition gives on the model's conversation order (createdAt at its stored precision, then
    // message id: compareConversationOrder), one answer per message, including two sides' messages sharing a
    // millisecond. Worked out here by the rule itself, for live participant messages only: a side answers when it
    // owes, from the first message it had not answered; anything else is a nudge or starts a wait.
    const key = (t: FirebaseFirestore.Timestamp) => `${t.seconds}.${String(t.nanoseconds).padStart(9, "0")}`;
    const expected = await pollUntil(
      async () => {
        const answers = ((await admin.doc(`conversations/${burstDeal}`).get()).get("responseClock.answers") ?? []) as Array<{
          side: string;
          at: FirebaseFirestore.Timestamp;
          ms: number;
        }>;
        const docs = (await admin.collection(`deals/${burstDeal}/messages`).get()).docs.sort((a, b) =>
          compareConversationOrder({ createdAt: a.get("createdAt"), id: a.id }, { createdAt: b.get("createdAt"), id: b.id }),
        );
        let owed: string | null = null;
        let since = 0;
        const want: string[] = [];
        for (const d of docs) {
          const side = d.get("senderSide") as string;
          const createdAt = d.get("createdAt") as FirebaseFirestore.Timestamp;
          const t = createdAt.toMillis();
          if (owed === side) {
            want.push(`${side} ${key(createdAt)} ${Math.round(t - since)}`);
            owed = side === "brand" ? "influencer" : "brand";
            since = t;
          } else if (owed === null) {
            owed = side === "brand" ? "influencer" : "brand";
            since = t;
          }
        }
        return { want, stored: answers.map((a) => `${a.side} ${key(a.at)} ${a.ms}`) };
      },
      (r) => JSON.stringify(r.want) === JSON.stringify(r.stored),
      { what: "every answer to follow the definition on the model's conversation order", timeoutMs: 60_000, intervalMs: 250 },
    );
    expect(expected.stored).toEqual(expected.want);
  }, 240_000);

  it("refuses participants' writes to function-maintained fields", async () => {
    await expect(updateDoc(doc(brand.db, "conversations", dealId), { "unread.brand": 0 })).rejects.toMatchObject({ code: "permission-denied" });
    await expect(updateDoc(doc(influencer.db, "conversations", dealId), { "responseTime.influencer.count": 0 })).rejects.toMatchObject({
      code: "permission-denied",
    });
    await expect(
      setDoc(doc(brand.db, "deals", dealId, "messages", uniqueId("msg")), newMessageFields(brand.user.uid, "brand", { text: "forged", responseTimeMs: 1 })),
    ).rejects.toMatchObject({ code: "permission-denied" });
  });

  it("mirrors a status change and posts the platform's system message", async () => {
    const before = (await getDoc(doc(brand.db, "conversations", dealId))).data()!;
    await admin.doc(`deals/${dealId}`).update({ status: "completed", updatedAt: FieldValue.serverTimestamp() });
    const conv = await conversationUntil(
      brand,
      (c) => c.status === "completed" && c.lastMessage?.kind === "system",
      "the completed status and its system message",
    );
    expect(conv.lastMessage).toMatchObject({ senderId: "system", senderSide: "system", snippet: "Deal completed" });
    const system = await getDoc(doc(brand.db, "deals", dealId, "messages", conv.lastMessage.messageId));
    expect(system.data()).toMatchObject({ senderId: "system", senderSide: "system", text: "Deal completed", deleted: false });
    // System messages are nobody's unread and nobody's answer; the closing stops the influencer's clock (the
    // answer is still owed, but no longer waited for) and changes nothing else.
    expect(conv.unread).toEqual(before.unread);
    const closed = await conversationUntil(brand, (c) => c.responseTime.influencer.waitingSince === null, "the influencer's clock to stop");
    expect(before.responseTime.influencer.waitingSince).not.toBeNull();
    expect(closed.responseTime).toEqual({ brand: before.responseTime.brand, influencer: { ...before.responseTime.influencer, waitingSince: null } });
  }, 90_000);
});
