// The conversation list and the unread badge, end to end: conversations seeded by the platform (admin SDK),
// listed live by a real signed-in user through the SDK's conversation-list handle (chat.conversationList).
import { Timestamp } from "firebase-admin/firestore";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ConversationListHandle, ConversationListHandleState, ConversationListInput, UnreadTotal } from "../src/index.ts";
import { Recorder, adminFirestore, brandAndInfluencer, closeAll, seedDeal, type Party } from "./support.ts";

let brand: Party;
let influencer: Party;
const deals: string[] = []; // newest activity first
const minutesAgo = (m: number) => Timestamp.fromMillis(Date.now() - m * 60_000);

beforeAll(async () => {
  ({ brand, influencer } = await brandAndInfluencer());
  const summary = (text: string, at: Timestamp) => ({ messageId: "m", senderId: influencer.uid, senderSide: "influencer", snippet: text, kind: "text", at });
  // Five conversations of the brand with one influencer, 10 minutes apart; two of them unread for the brand.
  const shapes = [
    { status: "active", unread: 2 },
    { status: "completed", unread: 0 },
    { status: "active", unread: 0 },
    { status: "open", unread: 5 },
    { status: "cancelled", unread: 0 },
  ] as const;
  for (const [k, shape] of shapes.entries()) {
    const at = minutesAgo(10 * (k + 1));
    deals.push(
      await seedDeal({
        brandId: brand.uid,
        influencerId: influencer.uid,
        status: shape.status,
        conversation: {
          lastActivityAt: at,
          lastMessage: summary(`hello ${k}`, at),
          unread: { brand: shape.unread, influencer: 0 },
          hasUnread: { brand: shape.unread > 0, influencer: false },
        },
      }),
    );
  }
});
afterAll(async () => {
  await closeAll(brand, influencer);
});

const ids = (s: ConversationListHandleState) => s.items.map((c) => c.dealId);

/** A list handle whose states are recorded; an error in the state fails the waits. */
function openList(party: Party, input: ConversationListInput): { list: ConversationListHandle; states: Recorder<ConversationListHandleState> } {
  const states = new Recorder<ConversationListHandleState>();
  const list = party.chat.conversationList(input);
  list.subscribe((s) => (s.lastError ? states.fail(s.lastError) : states.next(s)));
  return { list, states };
}

describe("conversation list", () => {
  it("lists the user's conversations by last activity with cursor pagination", async () => {
    const { list, states } = openList(brand, { pageSize: 2 });
    const first = await states.until((s) => !s.loading && !s.fromCache && s.items.length === 2, "the first page");
    expect(ids(first)).toEqual(deals.slice(0, 2));
    expect(first.hasMore).toBe(true);
    expect(first.items[0]).toMatchObject({
      title: `deal ${deals[0]}`,
      status: "active",
      closed: false,
      mySide: "brand",
      otherParticipant: { uid: influencer.uid, side: "influencer" },
      unreadCount: 2,
      lastMessage: { snippet: "hello 0", senderSide: "influencer" },
    });
    expect(first.items[1]).toMatchObject({ status: "completed", closed: true });

    expect(await list.loadMore()).toBe(2);
    expect(await list.loadMore()).toBe(1);
    expect(await list.loadMore()).toBe(0);
    const all = states.latest!;
    expect(ids(all)).toEqual(deals);
    expect(all.hasMore).toBe(false);

    // New activity on the oldest conversation moves it to the top, live, without duplicating it; the ones it
    // pushes out of the live first page stay in place.
    await adminFirestore().doc(`conversations/${deals[4]}`).update({ lastActivityAt: Timestamp.now() });
    const moved = await states.until((s) => s.items[0]?.dealId === deals[4], "the revived conversation at the top");
    expect(ids(moved)).toEqual([deals[4], ...deals.slice(0, 4)]);
    const from = states.mark();
    await adminFirestore().doc(`conversations/${deals[2]}`).update({ lastActivityAt: Timestamp.now() });
    const again = await states.until((s) => s.items[0]?.dealId === deals[2], "the next revived conversation", { from });
    expect(ids(again)).toEqual([deals[2], deals[4], deals[0], deals[1], deals[3]]);

    // deals[1] was pushed out of the live first page; its badge still follows the counter.
    const db = adminFirestore();
    for (const unread of [4, 0]) {
      const mark = states.mark();
      await db.doc(`conversations/${deals[1]}`).update({ "unread.brand": unread, "hasUnread.brand": unread > 0 });
      const badge = await states.until((s) => s.items.find((c) => c.dealId === deals[1])?.unreadCount === unread, `the pushed-out badge at ${unread}`, {
        from: mark,
      });
      expect(ids(badge)).toEqual(ids(again));
    }
    list.dispose();
    expect(list.getLatestValue()).toMatchObject({ disposed: true, isLoadingMore: false });
  });

  it("filters by status and unread only, from the other side too", async () => {
    const { list: a, states: completed } = openList(brand, { status: "completed" });
    expect(ids(await completed.until((s) => !s.fromCache, "completed conversations"))).toEqual([deals[1]]);

    const { list: b, states: unread } = openList(brand, { unreadOnly: true });
    expect(ids(await unread.until((s) => !s.fromCache, "unread conversations"))).toEqual([deals[0], deals[3]]);

    const { list: c, states: theirs } = openList(influencer, { status: "active" });
    const seen = await theirs.until((s) => !s.fromCache, "the influencer's active conversations");
    expect(ids(seen).sort()).toEqual([deals[0]!, deals[2]!].sort()); // the first test moved deals[2] up
    expect(seen.items.find((c) => c.dealId === deals[0])).toMatchObject({
      mySide: "influencer",
      otherParticipant: { uid: brand.uid, side: "brand" },
      unreadCount: 0,
    });
    a.dispose();
    b.dispose();
    c.dispose();
  });

  it("keeps a live total of unread messages (the list-based count over the seeded entries: { side })", async () => {
    const totals = new Recorder<UnreadTotal>();
    // Without `side` the total comes from inboxes/{uid}, which the functions derive; these entries are seeded directly.
    const stop = brand.chat.watchUnreadTotal(totals.next, totals.fail, { side: "brand" });
    expect(await totals.until((t) => !t.fromCache, "the unread total")).toMatchObject({ total: 7, conversations: 2, capped: false });
    const db = adminFirestore();
    await db.doc(`conversations/${deals[2]}`).update({ "unread.brand": 3, "hasUnread.brand": true });
    await totals.until((t) => t.total === 10 && t.conversations === 3, "the total after a new unread conversation");
    const from = totals.mark();
    await db.doc(`conversations/${deals[2]}`).update({ "unread.brand": 0, "hasUnread.brand": false });
    await totals.until((t) => t.total === 7 && t.conversations === 2, "the total after reading it", { from });
    stop();
  });

  it("rejects bad list options with invalid-argument (the handle in its state, the callback API by throwing)", () => {
    for (const input of [{ pageSize: 0 }, { status: "archived" as never }]) {
      const list = brand.chat.conversationList(input);
      expect(list.getLatestValue()).toMatchObject({ loading: false, items: [], lastError: { code: "invalid-argument" } });
      list.dispose();
    }
    expect(() => brand.chat.watchConversations({ pageSize: 0 }, () => {})).toThrow(expect.objectContaining({ code: "invalid-argument" }));
    expect(() => brand.chat.watchConversations({ status: "archived" as never }, () => {})).toThrow(expect.objectContaining({ code: "invalid-argument" }));
  });
});
