// The emulator runs any query, indexed or not; production refuses unindexed ones. Every query the SDK issues is
// captured through the `onQuery` hook while exercising every reading feature, and checked with the model's
// index checker against firestore.indexes.json.
import { readFileSync } from "node:fs";
import { checkQuery, type IndexConfig, type QuerySpec } from "@dealchat/model";
import { getAuth } from "firebase/auth";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDealChat, type DealChat, type HistoryInput } from "../src/index.ts";
import { Recorder, brandAndInfluencer, closeAll, record, seedDeal, type Party } from "./support.ts";

let brand: Party;
let influencer: Party;
const issued: QuerySpec[] = [];
let chat: DealChat;

beforeAll(async () => {
  ({ brand, influencer } = await brandAndInfluencer());
  chat = createDealChat({ firestore: brand.client.db, auth: getAuth(brand.client.app), side: "brand", onQuery: (spec) => issued.push(spec) });
});
afterAll(async () => {
  chat?.dispose();
  await closeAll(brand, influencer);
});

describe("queries and indexes", () => {
  it("issues only queries that firestore.indexes.json serves", async () => {
    const dealId = await seedDeal({ brandId: brand.uid, influencerId: influencer.uid });
    await seedDeal({ brandId: brand.uid, influencerId: influencer.uid, status: "completed" });
    // The conversation screen: sends, the live tail and an older page.
    const screen = chat.conversation(dealId, { tailSize: 1, pageSize: 1 });
    await screen.send({ text: "first" }).done;
    await screen.send({ text: "second" }).done;
    await record(screen).states.until((s) => !s.fromCache && s.messages.some((m) => m.status === "sent" && m.createdAt !== null), "the tail");
    await screen.loadOlder();
    expect(screen.getLatestValue().lastError).toBeNull();
    screen.dispose();

    // Conversation list: every filter combination, first page and a cursor page.
    for (const status of [undefined, "active", "completed"] as const) {
      for (const unreadOnly of [false, true]) {
        const list = chat.conversationList({ pageSize: 1, ...(status ? { status } : {}), unreadOnly });
        await record(list).states.until((s) => !s.loading && !s.fromCache, "the list");
        await list.loadMore();
        expect(list.getLatestValue().lastError).toBeNull();
        list.dispose();
      }
    }
    const totals = new Recorder<unknown>();
    const stopTotal = chat.watchUnreadTotal(totals.next, totals.fail);
    await totals.until(() => true, "the unread total");
    stopTotal();

    // History: every combination of the filters, and a cursor page.
    const day = 24 * 60 * 60_000;
    const variants: Array<Partial<HistoryInput>> = [];
    for (const senderSide of [undefined, "brand", "system"] as const)
      for (const attachmentsOnly of [false, true])
        for (const search of [undefined, "first"])
          for (const range of [
            {},
            { from: new Date(Date.now() - day) },
            { to: new Date(Date.now() + day) },
            { from: new Date(Date.now() - day), to: new Date(Date.now() + day) },
          ])
            variants.push({ ...(senderSide ? { senderSide } : {}), attachmentsOnly, ...(search ? { search } : {}), ...range });
    for (const variant of variants) {
      await chat.history({ dealId, ...variant });
      await chat.historyCount({ dealId, ...variant });
    }
    const page = await chat.history({ dealId, pageSize: 1 });
    await chat.history({ dealId, pageSize: 1, cursor: page.next! });

    const config = JSON.parse(readFileSync("firestore.indexes.json", "utf8")) as IndexConfig;
    const refused = issued.map((spec) => checkQuery(spec, config)).filter((check) => !check.ok);
    expect(refused.map((r) => (r.ok ? "" : r.message))).toEqual([]);
    // 6 list heads (+ cursor pages of the non-empty ones), the unread total, tail + older page, every history variant and its count.
    expect(issued.length).toBeGreaterThanOrEqual(6 + 1 + 2 + 2 * variants.length + 2);
    expect(issued.some((s) => s.startAfter !== undefined && s.collection === "conversations")).toBe(true);
    expect(new Set(issued.map((s) => s.collection.split("/").pop()))).toEqual(new Set(["conversations", "messages"]));
  });
});
