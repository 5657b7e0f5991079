// deals/{dealId} (platform-written) and conversations/{dealId} (platform-written list entry whose only
// client-writable field is the caller's own read watermark).
import {
  collection,
  deleteDoc,
  deleteField,
  doc,
  getDoc,
  getDocs,
  limit,
  orderBy,
  query,
  serverTimestamp,
  setDoc,
  Timestamp,
  updateDoc,
  where,
} from "firebase/firestore";
import { describe, expect, it } from "vitest";
import { conversationListQuery, dealStatuses, limits, watermarkMove } from "@dealchat/model";
import { uniqueId } from "../support/emulators.ts";
import { conversationDoc, dealDoc, expectOutcome, roles, seedDeal, type DealFixture, type Role } from "./harness.ts";
import { toWebQuery } from "@dealchat/client-sdk";

type Data = Record<string, unknown>;
const isParticipant = (role: Role) => role === "brand" || role === "influencer";

export function describeDealRules(): void {
  describe("deals", () => {
    it.each(roles.map((role) => [role, isParticipant(role)] as const))("%s reading the deal → allowed %s", async (role, allowed) => {
      const f = await seedDeal();
      await expectOutcome(allowed, `${role} get deal`, () => getDoc(doc(f.as(role), "deals", f.dealId)));
    });

    it("a deal that does not exist reads as missing for anyone signed in (not as denied), and never without sign-in", async () => {
      const f = await seedDeal();
      const missing = uniqueId("deal");
      const snap = await getDoc(doc(f.as("stranger"), "deals", missing));
      expect(snap.exists()).toBe(false);
      await expectOutcome(false, "unauthenticated get of a missing deal", () => getDoc(doc(f.as("unauthenticated"), "deals", missing)));
      await expectOutcome(false, "stranger reading the messages of a missing deal", () => getDocs(collection(f.as("stranger"), "deals", missing, "messages")));
    });

    it("participants list their deals by brandId or influencerId; a list by participants or without that constraint is denied", async () => {
      const f = await seedDeal();
      const deals = collection(f.as("brand"), "deals");
      await expectOutcome(true, "brand by brandId", () => getDocs(query(deals, where("brandId", "==", f.brandId))));
      // Membership is brandId/influencerId only (model sideOf): `participants` is a platform copy that decides nothing.
      await expectOutcome(false, "brand by participants", () => getDocs(query(deals, where("participants", "array-contains", f.brandId))));
      await expectOutcome(true, "influencer by influencerId", () =>
        getDocs(query(collection(f.as("influencer"), "deals"), where("influencerId", "==", f.influencerId), where("status", "==", "active"))),
      );
      await expectOutcome(false, "brand without a participant constraint", () => getDocs(query(deals, where("status", "==", "active"), limit(5))));
      await expectOutcome(false, "brand listing everything", () => getDocs(deals));
      await expectOutcome(false, "brand by the influencer's id", () => getDocs(query(deals, where("influencerId", "==", f.influencerId))));
      await expectOutcome(false, "stranger by the brand's id", () => getDocs(query(collection(f.as("stranger"), "deals"), where("brandId", "==", f.brandId))));
      await expectOutcome(false, "unauthenticated by the brand's id", () =>
        getDocs(query(collection(f.as("unauthenticated"), "deals"), where("brandId", "==", f.brandId))),
      );
      const mine = await getDocs(query(collection(f.as("otherDealParticipant"), "deals"), where("brandId", "==", f.otherDealBrandId)));
      expect(mine.docs.map((d) => d.id)).toEqual([f.otherDealId]);
    });

    const dealWrites: Array<[string, (f: DealFixture) => Data]> = [
      ["activating it (status)", () => ({ status: "active" })],
      ["completing it (status)", () => ({ status: "completed" })],
      ["adding themself as participant", (f) => ({ participants: [f.brandId, f.strangerId], influencerId: f.strangerId })],
      ["changing the title", () => ({ title: "Mine now" })],
    ];
    it.each(roles.flatMap((role) => dealWrites.map(([what, change]) => [role, what, change] as const)))(
      "%s %s → denied; clients never write deals",
      async (role, _what, change) => {
        const f = await seedDeal("open");
        await expectOutcome(false, `${role} update`, () => updateDoc(doc(f.as(role), "deals", f.dealId), change(f)));
      },
    );

    it.each(roles.map((role) => [role] as const))("%s creating or deleting a deal → denied", async (role) => {
      const f = await seedDeal();
      const uid = f.uidOf(role) ?? "nobody";
      await expectOutcome(false, `${role} create`, () => setDoc(doc(f.as(role), "deals", uniqueId("deal")), dealDoc(uid, f.influencerId, "active")));
      await expectOutcome(false, `${role} delete`, () => deleteDoc(doc(f.as(role), "deals", f.dealId)));
    });

    it("the platform (rules disabled) creates, changes and deletes deals", async () => {
      const f = await seedDeal();
      const id = uniqueId("deal");
      await expectOutcome(true, "admin create", () => f.admin((db) => setDoc(doc(db, "deals", id), dealDoc(f.brandId, f.influencerId, "open"))));
      await expectOutcome(true, "admin update", () => f.admin((db) => updateDoc(doc(db, "deals", id), { status: "completed" })));
      await expectOutcome(true, "admin delete", () => f.admin((db) => deleteDoc(doc(db, "deals", id))));
    });
  });

  describe("conversations: read", () => {
    it.each(roles.map((role) => [role, isParticipant(role)] as const))("%s reading the conversation entry → allowed %s", async (role, allowed) => {
      const f = await seedDeal();
      await expectOutcome(allowed, `${role} get conversation`, () => getDoc(doc(f.as(role), "conversations", f.dealId)));
    });

    it.each(roles.map((role) => [role, isParticipant(role)] as const))(
      "%s reading the conversation entry of their deal before the functions created it → allowed %s",
      async (role, allowed) => {
        const f = await seedDeal();
        await f.admin((db) => deleteDoc(doc(db, "conversations", f.dealId)));
        await expectOutcome(allowed, `${role} get missing conversation`, async () => {
          const snap = await getDoc(doc(f.as(role), "conversations", f.dealId));
          expect(snap.exists()).toBe(false);
        });
      },
    );

    it("nobody reads a conversation entry with neither entry nor deal", async () => {
      const f = await seedDeal();
      for (const role of roles) await expectOutcome(false, `${role} get`, () => getDoc(doc(f.as(role), "conversations", uniqueId("no-such-deal"))));
    });

    it("each side runs conversationListQuery with every filter combination and a cursor", async () => {
      const f = await seedDeal();
      for (const side of ["brand", "influencer"] as const) {
        const uid = side === "brand" ? f.brandId : f.influencerId;
        for (const status of [undefined, ...dealStatuses])
          for (const unreadOnly of [undefined, true])
            for (const after of [undefined, [Timestamp.now(), f.dealId] as [Timestamp, string]]) {
              const spec = conversationListQuery({
                uid,
                side,
                ...(status ? { status } : {}),
                ...(unreadOnly ? { unreadOnly } : {}),
                ...(after ? { after } : {}),
              });
              await expectOutcome(true, `${side} list ${JSON.stringify({ status, unreadOnly, cursor: !!after })}`, () => getDocs(toWebQuery(f.as(side), spec)));
            }
      }
      const page = await getDocs(toWebQuery(f.as("brand"), conversationListQuery({ uid: f.brandId, side: "brand" })));
      expect(page.docs.map((d) => d.id)).toEqual([f.dealId]);
    });

    it("conversation lists without the caller's own participant constraint are denied", async () => {
      const f = await seedDeal();
      const attempts: Array<[Role, string, () => Promise<unknown>]> = [
        ["brand", "no filter", () => getDocs(query(collection(f.as("brand"), "conversations"), orderBy("lastActivityAt", "desc"), limit(20)))],
        ["brand", "status only", () => getDocs(query(collection(f.as("brand"), "conversations"), where("status", "==", "active")))],
        ["brand", "the other side's uid", () => getDocs(toWebQuery(f.as("brand"), conversationListQuery({ uid: f.influencerId, side: "influencer" })))],
        ["stranger", "the brand's uid", () => getDocs(toWebQuery(f.as("stranger"), conversationListQuery({ uid: f.brandId, side: "brand" })))],
        [
          "otherDealParticipant",
          "this deal's influencer",
          () => getDocs(toWebQuery(f.as("otherDealParticipant"), conversationListQuery({ uid: f.influencerId, side: "influencer" }))),
        ],
        ["unauthenticated", "the brand's uid", () => getDocs(toWebQuery(f.as("unauthenticated"), conversationListQuery({ uid: f.brandId, side: "brand" })))],
      ];
      for (const [role, what, attempt] of attempts) await expectOutcome(false, `${role} listing conversations by ${what}`, attempt);
    });
  });

  describe("conversations: read watermark and everything else", () => {
    const ref = (f: DealFixture, role: Role) => doc(f.as(role), "conversations", f.dealId);
    const hourAgo = () => Timestamp.fromMillis(Date.now() - 3_600_000);

    it.each(roles.map((role) => [role, isParticipant(role)] as const))("%s moving their own watermark to now → allowed %s", async (role, allowed) => {
      const f = await seedDeal();
      const side = role === "influencer" ? "influencer" : "brand";
      await expectOutcome(allowed, `${role} watermark`, () => updateDoc(ref(f, role), { [`readWatermark.${side}`]: serverTimestamp() }));
    });

    it("a participant's watermark lands on the server time and leaves the other side alone", async () => {
      const f = await seedDeal();
      await updateDoc(ref(f, "influencer"), { "readWatermark.influencer": serverTimestamp() });
      const stored = await f.admin((db) => getDoc(doc(db, "conversations", f.dealId)));
      expect(stored.get("readWatermark.influencer")).toBeInstanceOf(Timestamp);
      expect(stored.get("readWatermark.brand")).toBeNull();
    });

    // [case, role, allowed, fields the platform stored first (field paths), change]
    // Stored fields that depend on the time are functions: they must be built when the case runs.
    type WatermarkCase = [string, "brand" | "influencer", boolean, Data | (() => Data), (f: DealFixture) => Data];
    const cases: WatermarkCase[] = [
      // The watermark is the server time of the write (what markRead sends), nothing chosen by the client.
      ["to a past message time", "brand", false, {}, () => ({ "readWatermark.brand": hourAgo() })],
      [
        "forward from an earlier watermark",
        "influencer",
        true,
        { "readWatermark.influencer": Timestamp.fromMillis(Date.now() - 7_200_000) },
        () => ({ "readWatermark.influencer": serverTimestamp() }),
      ],
      [
        "to the same watermark again",
        "brand",
        false,
        { "readWatermark.brand": Timestamp.fromMillis(1_700_000_000_000) },
        () => ({ "readWatermark.brand": Timestamp.fromMillis(1_700_000_000_000) }),
      ],
      // Paced: one move per limits.watermarkMinIntervalMs, measured from the stored watermark (no extra read).
      [
        "again at once (the stored watermark is now)",
        "brand",
        false,
        () => ({ "readWatermark.brand": Timestamp.now() }),
        () => ({ "readWatermark.brand": serverTimestamp() }),
      ],
      [
        "again after the interval",
        "brand",
        true,
        () => ({ "readWatermark.brand": Timestamp.fromMillis(Date.now() - limits.watermarkMinIntervalMs - 500) }),
        () => ({ "readWatermark.brand": serverTimestamp() }),
      ],
      ["backwards", "brand", false, { "readWatermark.brand": Timestamp.now() }, () => ({ "readWatermark.brand": hourAgo() })],
      ["back to null", "influencer", false, { "readWatermark.influencer": Timestamp.now() }, () => ({ "readWatermark.influencer": null })],
      ["into the future", "brand", false, {}, () => ({ "readWatermark.brand": Timestamp.fromMillis(Date.now() + 3_600_000) })],
      ["to a non-timestamp", "brand", false, {}, () => ({ "readWatermark.brand": "now" })],
      ["someone else's (the other side's) watermark", "brand", false, {}, () => ({ "readWatermark.influencer": serverTimestamp() })],
      ["both watermarks at once", "influencer", false, {}, () => ({ "readWatermark.influencer": serverTimestamp(), "readWatermark.brand": serverTimestamp() })],
      [
        "removing the other side's watermark",
        "brand",
        false,
        {},
        () => ({ "readWatermark.brand": serverTimestamp(), "readWatermark.influencer": deleteField() }),
      ],
      ["adding a third side", "brand", false, {}, () => ({ "readWatermark.brand": serverTimestamp(), "readWatermark.system": serverTimestamp() })],
      [
        "resetting their unread counter",
        "brand",
        false,
        { "unread.brand": 4, "hasUnread.brand": true },
        () => ({ "readWatermark.brand": serverTimestamp(), "unread.brand": 0 }),
      ],
      ["inflating the other side's unread counter", "influencer", false, {}, () => ({ "unread.brand": 99 })],
      ["clearing hasUnread", "brand", false, { "unread.brand": 4, "hasUnread.brand": true }, () => ({ "hasUnread.brand": false })],
      ["writing readAt (function-only)", "brand", false, {}, () => ({ "readAt.brand": serverTimestamp() })],
      [
        "forging the last message",
        "influencer",
        false,
        {},
        (f) => ({ lastMessage: { messageId: "x", senderId: f.influencerId, senderSide: "influencer", snippet: "fake", kind: "text", at: Timestamp.now() } }),
      ],
      ["bumping lastActivityAt", "brand", false, {}, () => ({ lastActivityAt: serverTimestamp() })],
      ["reopening via the mirrored status", "brand", false, {}, () => ({ status: "open" })],
      ["swapping participants", "brand", false, {}, (f) => ({ influencerId: f.strangerId, participants: [f.brandId, f.strangerId] })],
      ["forging response times", "influencer", false, {}, () => ({ "responseTime.influencer": { count: 1, totalMs: 1, averageMs: 1 } })],
      ["adding an unknown field", "brand", false, {}, () => ({ pinned: true })],
    ];

    it.each(cases)("%s (as %s) → allowed %s", async (_what, role, allowed, storedFields, change) => {
      const f = await seedDeal();
      const stored = typeof storedFields === "function" ? storedFields() : storedFields;
      if (Object.keys(stored).length > 0) {
        await f.admin((db) => updateDoc(doc(db, "conversations", f.dealId), stored));
      }
      await expectOutcome(allowed, _what, () => updateDoc(ref(f, role), change(f)));
    });

    it.each(["completed", "cancelled"] as const)("a %s deal stays readable, so its participants can still mark it read", async (status) => {
      const f = await seedDeal(status);
      await expectOutcome(true, "brand watermark", () => updateDoc(ref(f, "brand"), watermarkMove("brand", serverTimestamp())));
      await expectOutcome(true, "influencer watermark", () => updateDoc(ref(f, "influencer"), watermarkMove("influencer", serverTimestamp())));
      await expectOutcome(false, "stranger", () => updateDoc(ref(f, "stranger"), watermarkMove("brand", serverTimestamp())));
      await expectOutcome(true, "still readable", () => getDoc(ref(f, "brand")));
    });

    it("the deal, not the entry's copy, decides the side: a removed brand cannot move their former side's watermark", async () => {
      const f = await seedDeal("active");
      // The platform replaces the brand; the functions have not copied the change into the entry yet.
      const newBrand = uniqueId("new-brand");
      await f.admin((db) => updateDoc(doc(db, "deals", f.dealId), { brandId: newBrand, participants: [newBrand, f.influencerId] }));
      await expectOutcome(false, "removed brand moving the brand watermark", () => updateDoc(ref(f, "brand"), watermarkMove("brand", serverTimestamp())));
      await expectOutcome(true, "the influencer is unaffected", () => updateDoc(ref(f, "influencer"), watermarkMove("influencer", serverTimestamp())));
    });

    it("a participant removed from participants only (brandId unchanged) is decided by brandId", async () => {
      const f = await seedDeal("active");
      await f.admin((db) => updateDoc(doc(db, "deals", f.dealId), { participants: [f.strangerId, f.influencerId] }));
      await expectOutcome(true, "brand (brandId) still moves the watermark", () => updateDoc(ref(f, "brand"), watermarkMove("brand", serverTimestamp())));
      await expectOutcome(false, "stranger listed in participants cannot", () => updateDoc(ref(f, "stranger"), watermarkMove("brand", serverTimestamp())));
      await expectOutcome(false, "stranger listed in participants cannot read the deal", () => getDoc(doc(f.as("stranger"), "deals", f.dealId)));
    });

    it.each(roles.map((role) => [role] as const))("%s creating or deleting a conversation entry → denied", async (role) => {
      const f = await seedDeal();
      const uid = f.uidOf(role) ?? "nobody";
      const newDealId = uniqueId("deal");
      await expectOutcome(false, `${role} create`, () =>
        setDoc(doc(f.as(role), "conversations", newDealId), conversationDoc(newDealId, uid, f.influencerId, "active")),
      );
      await expectOutcome(false, `${role} delete`, () => deleteDoc(ref(f, role)));
    });

    it("the platform (rules disabled) writes counters and summaries", async () => {
      const f = await seedDeal();
      await expectOutcome(true, "admin counters", () =>
        f.admin((db) => updateDoc(doc(db, "conversations", f.dealId), { "unread.brand": 3, "hasUnread.brand": true, lastActivityAt: serverTimestamp() })),
      );
    });
  });
}
