// deals/{dealId}/typing/{uid} and presence/{uid}: owner-written, expiring, shape-validated; plus deny-by-default.
import { collection, deleteDoc, doc, documentId, getDoc, getDocs, query, serverTimestamp, setDoc, Timestamp, updateDoc, where } from "firebase/firestore";
import { describe, it } from "vitest";
import { limits, typingOff, typingOn, type Side } from "@dealchat/model";
import { uniqueId } from "../support/emulators.ts";
import { expectOutcome, roles, seedDeal, type DealFixture, type Role } from "./harness.ts";

type Data = Record<string, unknown>;
const isParticipant = (role: Role) => role === "brand" || role === "influencer";
const inMs = (ms: number) => Timestamp.fromMillis(Date.now() + ms);

function typing(side: string, overrides: Data = {}): Data {
  return { side, updatedAt: serverTimestamp(), expiresAt: inMs(limits.typingTtlMs), ...overrides };
}

function presence(connections: Record<string, Data>, overrides: Data = {}): Data {
  return { connections, lastSeen: serverTimestamp(), ...overrides };
}
const connection = (overrides: Data = {}): Data => ({ lastSeen: serverTimestamp(), expiresAt: inMs(limits.presenceTtlMs), ...overrides });

export function describeTypingAndPresenceRules(): void {
  describe("typing indicators", () => {
    const typingRef = (f: DealFixture, role: Role, uid: string) => doc(f.as(role), "deals", f.dealId, "typing", uid);

    it.each(roles.map((role) => [role, isParticipant(role)] as const))("%s writing their own typing document → allowed %s", async (role, allowed) => {
      const f = await seedDeal();
      const uid = f.uidOf(role) ?? "nobody";
      const side = role === "influencer" ? "influencer" : "brand";
      await expectOutcome(allowed, `${role} typing`, () => setDoc(typingRef(f, role, uid), typing(side)));
      await expectOutcome(allowed, `${role} switching off at once (update)`, () => setDoc(typingRef(f, role, uid), typingOff(side as Side, serverTimestamp())));
    });

    it.each(roles.map((role) => [role, isParticipant(role)] as const))("%s reading and listing who is typing → allowed %s", async (role, allowed) => {
      const f = await seedDeal();
      await f.admin((db) => setDoc(doc(db, "deals", f.dealId, "typing", f.brandId), { side: "brand", updatedAt: Timestamp.now(), expiresAt: inMs(10_000) }));
      await expectOutcome(allowed, `${role} get`, () => getDoc(typingRef(f, role, f.brandId)));
      await expectOutcome(allowed, `${role} list`, () => getDocs(collection(f.as(role), "deals", f.dealId, "typing")));
    });

    // [case, role, allowed, uid of the document written, data]
    type TypingCase = [string, "brand" | "influencer", boolean, (f: DealFixture) => string, () => Data];
    const cases: TypingCase[] = [
      ["writing the other participant's document", "brand", false, (f) => f.influencerId, () => typing("brand")],
      ["writing the other participant's document with their side", "influencer", false, (f) => f.brandId, () => typing("brand")],
      ["claiming the other side", "influencer", false, (f) => f.influencerId, () => typing("brand")],
      ["a client-clock updatedAt", "brand", false, (f) => f.brandId, () => typing("brand", { updatedAt: Timestamp.now() })],
      ["an expiry already past", "brand", false, (f) => f.brandId, () => typing("brand", { expiresAt: inMs(-1_000) })],
      ["an expiry at the maximum TTL", "brand", true, (f) => f.brandId, () => typing("brand", { expiresAt: inMs(limits.typingMaxTtlMs - 2_000) })],
      ["an expiry beyond the maximum TTL", "brand", false, (f) => f.brandId, () => typing("brand", { expiresAt: inMs(limits.typingMaxTtlMs + 5_000) })],
      ["an expiry that is not a timestamp", "brand", false, (f) => f.brandId, () => typing("brand", { expiresAt: "soon" })],
      ["an unknown field", "influencer", false, (f) => f.influencerId, () => typing("influencer", { text: "draft..." })],
      ["a missing expiresAt", "influencer", false, (f) => f.influencerId, () => ({ side: "influencer", updatedAt: serverTimestamp() })],
    ];
    it.each(cases)("%s (as %s) → allowed %s", async (what, role, allowed, uidOf, data) => {
      const f = await seedDeal();
      await expectOutcome(allowed, what, () => setDoc(typingRef(f, role, uidOf(f)), data()));
    });

    it("a stranger cannot type into the deal under their own uid, nor a participant of another deal", async () => {
      const f = await seedDeal();
      await expectOutcome(false, "stranger", () => setDoc(typingRef(f, "stranger", f.strangerId), typing("brand")));
      await expectOutcome(false, "other deal's brand", () => setDoc(typingRef(f, "otherDealParticipant", f.otherDealBrandId), typing("brand")));
    });

    it("the typist switches their own indicator off; nobody else can, and nobody deletes it", async () => {
      const f = await seedDeal();
      await setDoc(typingRef(f, "brand", f.brandId), typing("brand"));
      for (const role of ["influencer", "stranger", "otherDealParticipant", "unauthenticated"] as const) {
        await expectOutcome(false, `${role} switching the brand's indicator off`, () =>
          setDoc(typingRef(f, role, f.brandId), typingOff("brand", serverTimestamp())),
        );
        await expectOutcome(false, `${role} deleting the brand's indicator`, () => deleteDoc(typingRef(f, role, f.brandId)));
      }
      // A delete-and-create cycle would escape the pacing, so even the typist switches off by a write.
      await expectOutcome(false, "brand deleting their own", () => deleteDoc(typingRef(f, "brand", f.brandId)));
      await expectOutcome(true, "brand switching their own off", () => setDoc(typingRef(f, "brand", f.brandId), typingOff("brand", serverTimestamp())));
    });

    it("typing writes are paced: one per limits.typingMinIntervalMs, except switching an indicator that is on off", async () => {
      const f = await seedDeal();
      const mine = typingRef(f, "brand", f.brandId);
      const stored = (agoMs: number, on: boolean) =>
        f.admin((db) =>
          setDoc(
            doc(db, "deals", f.dealId, "typing", f.brandId),
            on
              ? typingOn("brand", Timestamp.fromMillis(Date.now() - agoMs), inMs(limits.typingTtlMs - agoMs))
              : typingOff("brand", Timestamp.fromMillis(Date.now() - agoMs)),
          ),
        );
      await stored(0, true);
      await expectOutcome(false, "a refresh right after switching on", () => setDoc(mine, typing("brand")));
      await expectOutcome(true, "switching off right after switching on", () => setDoc(mine, typingOff("brand", serverTimestamp())));
      await expectOutcome(false, "switching on right after switching off", () => setDoc(mine, typing("brand")));
      await expectOutcome(false, "switching off twice", () => setDoc(mine, typingOff("brand", serverTimestamp())));
      await stored(limits.typingMinIntervalMs + 500, false);
      await expectOutcome(true, "switching on once the interval has passed", () => setDoc(mine, typing("brand")));
      await stored(limits.typingMinIntervalMs + 500, true);
      await expectOutcome(true, "a refresh once the interval has passed", () => setDoc(mine, typing("brand")));
    });

    it.each(["completed", "cancelled"] as const)("a %s deal takes no typing writes", async (status) => {
      const f = await seedDeal(status);
      await f.admin((db) =>
        setDoc(doc(db, "deals", f.dealId, "typing", f.influencerId), { side: "influencer", updatedAt: Timestamp.now(), expiresAt: inMs(10_000) }),
      );
      await expectOutcome(false, "brand typing", () => setDoc(typingRef(f, "brand", f.brandId), typing("brand")));
      await expectOutcome(false, "influencer clearing", () => setDoc(typingRef(f, "influencer", f.influencerId), typingOff("influencer", serverTimestamp())));
      await expectOutcome(true, "still readable", () => getDoc(typingRef(f, "influencer", f.influencerId)));
    });
  });

  describe("presence", () => {
    it.each(roles.map((role) => [role, role !== "unauthenticated"] as const))(
      "%s reading a known user's presence → allowed %s; listing everyone's → denied",
      async (role, allowed) => {
        const f = await seedDeal();
        await f.admin((db) => setDoc(doc(db, "presence", f.brandId), { connections: {}, lastSeen: Timestamp.now() }));
        await expectOutcome(allowed, `${role} get`, () => getDoc(doc(f.as(role), "presence", f.brandId)));
        await expectOutcome(false, `${role} list`, () => getDocs(collection(f.as(role), "presence")));
        await expectOutcome(false, `${role} list by a known id`, () =>
          getDocs(query(collection(f.as(role), "presence"), where(documentId(), "==", f.brandId))),
        );
      },
    );

    it.each(roles.map((role) => [role, role !== "unauthenticated"] as const))(
      "%s writing their own presence → allowed %s; deleting it → denied",
      async (role, allowed) => {
        const f = await seedDeal();
        const uid = f.uidOf(role) ?? uniqueId("anonymous");
        const ref = doc(f.as(role), "presence", uid);
        await expectOutcome(allowed, `${role} create`, () => setDoc(ref, presence({ tab1: connection() })));
        if (allowed) {
          // Updates are paced from the stored lastSeen: back-date it as if the last write was a while ago.
          await f.admin((db) => updateDoc(doc(db, "presence", uid), { lastSeen: Timestamp.fromMillis(Date.now() - limits.presenceMinIntervalMs - 500) }));
        }
        await expectOutcome(allowed, `${role} update`, () => setDoc(ref, presence({ tab1: connection(), phone: connection() })));
        await expectOutcome(false, `${role} update again at once`, () => setDoc(ref, presence({ tab1: connection() })));
        await expectOutcome(false, `${role} delete`, () => deleteDoc(ref));
      },
    );

    it("nobody writes or deletes another user's presence", async () => {
      const f = await seedDeal();
      await f.admin((db) => setDoc(doc(db, "presence", f.brandId), { connections: {}, lastSeen: Timestamp.now() }));
      for (const role of ["influencer", "stranger", "otherDealParticipant", "unauthenticated"] as const) {
        await expectOutcome(false, `${role} writing the brand's presence`, () =>
          setDoc(doc(f.as(role), "presence", f.brandId), presence({ tab1: connection() })),
        );
        await expectOutcome(false, `${role} deleting the brand's presence`, () => deleteDoc(doc(f.as(role), "presence", f.brandId)));
      }
    });

    const connections = (count: number) => Object.fromEntries(Array.from({ length: count }, (_, i) => [`c${i}`, connection()]));
    // Built when the case runs: expiries are relative to the request time.
    const cases: Array<[string, boolean, () => Data]> = [
      ["no connections (offline)", true, () => presence({})],
      ["connections at the limit", true, () => presence(connections(limits.presenceMaxConnections))],
      ["one connection over the limit", false, () => presence(connections(limits.presenceMaxConnections + 1))],
      [
        "a stale connection kept next to a live one",
        true,
        () =>
          presence({
            old: connection({ lastSeen: Timestamp.fromMillis(Date.now() - 600_000), expiresAt: Timestamp.fromMillis(Date.now() - 510_000) }),
            tab: connection(),
          }),
      ],
      ["a client-clock lastSeen on the document", false, () => presence({ tab: connection() }, { lastSeen: Timestamp.now() })],
      ["an unknown top-level field", false, () => presence({ tab: connection() }, { status: "online" })],
      ["the old free-form shape", false, () => ({ state: "online" })],
      ["a connection expiring beyond the maximum TTL", false, () => presence({ tab: connection({ expiresAt: inMs(limits.presenceMaxTtlMs + 60_000) }) })],
      ["a connection seen in the future", false, () => presence({ tab: connection({ lastSeen: inMs(3_600_000), expiresAt: inMs(3_700_000) }) })],
      ["a connection expiring before it was seen", false, () => presence({ tab: connection({ expiresAt: inMs(-60_000) }) })],
      ["a connection with an unknown field", false, () => presence({ tab: connection({ device: "ios" }) })],
      ["a connection that is not a map", false, () => presence({ tab: "online" as unknown as Data })],
      ["a connection id outside the id alphabet", false, () => presence({ "tab one": connection() })],
      ["a connection id that looks like two joined ids", false, () => presence({ "tab/phone": connection() })],
      ["a bad tenth connection id", false, () => presence({ ...connections(9), "tab.10": connection() })],
      ["connections that are not a map", false, () => presence(["tab"] as unknown as Record<string, Data>)],
    ];
    it.each(cases)("owner writing %s → allowed %s", async (what, allowed, data) => {
      const f = await seedDeal();
      await expectOutcome(allowed, what, () => setDoc(doc(f.as("influencer"), "presence", f.influencerId), data()));
    });
  });

  describe("everything else is denied by default", () => {
    it.each(roles.map((role) => [role] as const))("%s reading or writing an undeclared collection → denied", async (role) => {
      const f = await seedDeal();
      const uid = f.uidOf(role) ?? "nobody";
      await expectOutcome(false, `${role} write users/{uid}`, () => setDoc(doc(f.as(role), "users", uid), { name: "x" }));
      await expectOutcome(false, `${role} read users/{uid}`, () => getDoc(doc(f.as(role), "users", uid)));
      await expectOutcome(false, `${role} write under a deal`, () => setDoc(doc(f.as(role), "deals", f.dealId, "notes", uniqueId("n")), { text: "x" }));
      await expectOutcome(false, `${role} read under a deal`, () => getDocs(collection(f.as(role), "deals", f.dealId, "notes")));
    });
  });
}
