// What a screen needs without writing a Firestore path (issue 11, item 4): the deal's title and the other
// participant's public profile in every list item and in the conversation state (the Cloud Functions copy them
// onto the conversation entry: no extra read per row), response times and read times per side, the model's
// limits re-exported, and the number of messages matching a history filter or search as a server-side count.
import { Timestamp } from "firebase-admin/firestore";
import { newDeal, setProfile } from "@dealchat/model";
import { describe, expect, it } from "vitest";
import { attachmentContentTypes, limits, type ConversationHandleState, type ConversationListHandleState } from "../src/index.ts";
import { Recorder, adminFirestore, seedDeal, seedMessage, type Party, uniqueId, useBrandAndInfluencer } from "./support.ts";
import { FUNCTIONS_DEADLINE_MS } from "../../test/support/wait.ts";

// Triggers run one after another in the emulator, behind every other suite's writes on a shared machine.
// The first trigger of a run may wait for a Functions worker to start (scripts/ gives workers 180 s).
const FIRST_TRIGGER_DEADLINE_MS = 180_000;

let brand: Party;
let influencer: Party;

useBrandAndInfluencer((parties) => ({ brand, influencer } = parties));

describe("title and the other participant's profile", () => {
  it(
    "reach every list item and the conversation state through the functions' copies, and follow a profile change live",
    async () => {
      const db = adminFirestore();
      await setProfile(db, influencer.uid, { displayName: "Ines", avatarUrl: "https://cdn.example.com/ines.png" }, Timestamp.now());
      await setProfile(db, brand.uid, { displayName: "Acme", avatarUrl: null }, Timestamp.now());
      // The platform creates the deal only: the deal trigger creates the entry with the title and both profiles.
      const dealId = uniqueId("deal");
      await db
        .doc(`deals/${dealId}`)
        .set(newDeal({ brandId: brand.uid, influencerId: influencer.uid, status: "active", title: "Autumn launch" }, Timestamp.now()));

      const list = brand.chat.conversationList();
      const conversation = influencer.chat.conversation(dealId);
      try {
        const items = new Recorder<ConversationListHandleState>();
        list.subscribe(items.next);
        const item = (s: ConversationListHandleState) => s.items.find((c) => c.dealId === dealId);
        const listed = await items.until((s) => item(s)?.otherParticipant.profile !== null && item(s) !== undefined, "the item with the copies", {
          timeoutMs: FIRST_TRIGGER_DEADLINE_MS,
        });
        expect(item(listed)).toMatchObject({
          title: "Autumn launch",
          status: "active",
          otherParticipant: { uid: influencer.uid, side: "influencer", profile: { displayName: "Ines", avatarUrl: "https://cdn.example.com/ines.png" } },
          profiles: { brand: { displayName: "Acme", avatarUrl: null } },
        });

        const states = new Recorder<ConversationHandleState>();
        conversation.subscribe(states.next);
        const opened = await states.until((s) => !s.loading && s.otherParticipant?.profile != null, "the conversation with the copies");
        expect(opened).toMatchObject({
          title: "Autumn launch",
          dealStatus: "active",
          otherParticipant: { uid: brand.uid, side: "brand", profile: { displayName: "Acme", avatarUrl: null } },
          responseTimes: { brand: { count: 0, medianMs: null }, influencer: { count: 0, medianMs: null } },
          readAt: { brand: null, influencer: null },
        });

        // A profile change fans out to the entry; both screens follow it without reopening.
        const from = items.mark();
        await setProfile(db, influencer.uid, { displayName: "Ines R.", avatarUrl: null }, Timestamp.now());
        await items.until((s) => item(s)?.otherParticipant.profile?.displayName === "Ines R.", "the renamed influencer in the list", {
          from,
          timeoutMs: FUNCTIONS_DEADLINE_MS,
        });
        // A title change of the deal too.
        await db.doc(`deals/${dealId}`).update({ title: "Autumn launch (EU)", updatedAt: Timestamp.now() });
        await states.until((s) => s.title === "Autumn launch (EU)", "the new title in the conversation", { timeoutMs: FUNCTIONS_DEADLINE_MS });
        // Marking read shows as the reader's read time (recorded by the functions) on the other side.
        const brandSide = brand.chat.conversation(dealId);
        try {
          await brandSide.markRead();
          await states.until((s) => s.readAt?.brand != null, "the brand's read time", { timeoutMs: FUNCTIONS_DEADLINE_MS });
        } finally {
          brandSide.dispose();
        }
      } finally {
        list.dispose();
        conversation.dispose();
      }
    },
    FIRST_TRIGGER_DEADLINE_MS + 3 * FUNCTIONS_DEADLINE_MS,
  );
});

describe("limits and allowed content types", () => {
  it("are re-exported from the SDK, the same values the model and the rules use", () => {
    expect(limits.textMaxLength).toBe(4000);
    expect(limits.attachmentMaxBytes).toBe(25 * 1024 * 1024);
    expect(attachmentContentTypes).toContain("application/pdf");
    expect(() => brand.chat.validateAttachment({ name: "x.exe", contentType: "application/x-msdownload", data: new Uint8Array(1) })).toThrowError(
      /not allowed/,
    );
  });
});

describe("historyCount", () => {
  it("counts the matches of a filter or a search on the server (one read), with from inclusive and to exclusive", async () => {
    const dealId = await seedDeal({ brandId: brand.uid, influencerId: influencer.uid });
    const db = adminFirestore();
    const t0 = Date.UTC(2026, 5, 1, 12, 0, 0);
    const at = (minutes: number) => new Date(t0 + minutes * 60_000);
    for (let i = 0; i < 12; i++) {
      const side = i % 3 === 0 ? "influencer" : "brand";
      await seedMessage(db, dealId, {
        senderId: side === "brand" ? brand.uid : influencer.uid,
        senderSide: side,
        text: i % 4 === 0 ? `invoice ${i}` : `hello ${i}`,
        createdAt: at(i),
        searchTokens: i % 4 === 0 ? ["invoice", "inv", "invo", "invoi", "invoic"] : ["hello", "hel", "hell"],
      });
    }
    const before = brand.chat.stats().documentReads;
    expect(await brand.chat.historyCount({ dealId })).toEqual({ count: 12, exact: true });
    expect(brand.chat.stats().documentReads - before).toBe(1);
    expect(await brand.chat.historyCount({ dealId, senderSide: "influencer" })).toEqual({ count: 4, exact: true });
    expect(await brand.chat.historyCount({ dealId, search: "invoice" })).toEqual({ count: 3, exact: true });
    expect(await brand.chat.historyCount({ dealId, search: "invoice hello" })).toMatchObject({ exact: false });
    // from is inclusive, to exclusive: [2, 5) holds messages 2, 3 and 4, and matches what history returns.
    const range = { dealId, from: at(2), to: at(5) };
    expect(await brand.chat.historyCount(range)).toEqual({ count: 3, exact: true });
    expect((await brand.chat.history(range)).messages.map((m) => m.text)).toEqual(["invoice 4", "hello 3", "hello 2"]);
    // Same errors as history.
    await expect(brand.chat.historyCount({ dealId, from: at(5), to: at(2) })).rejects.toMatchObject({ code: "invalid-argument" });
    await expect(brand.chat.historyCount({ dealId, search: "the" })).rejects.toMatchObject({ code: "invalid-argument" });
    await expect(influencer.chat.historyCount({ dealId: await seedDeal({ brandId: "someone", influencerId: "else" }) })).rejects.toMatchObject({
      code: "permission-denied",
    });
  });
});
