// profiles/{uid}: platform-written; its owner reads it, nobody else does. The other participant of a shared deal
// sees the public part through the conversation entry's copy (docs/security.md, "Profiles"), which follows the
// deal's membership: a stranger never reads it, and a removed participant loses it with the entry.
import { collection, deleteDoc, doc, getDoc, getDocs, setDoc, Timestamp, updateDoc } from "firebase/firestore";
import { describe, expect, it } from "vitest";
import { newProfile } from "@dealchat/model";
import { uniqueId } from "../support/emulators.ts";
import { expectOutcome, roles, seedDeal } from "./harness.ts";

const influencerProfile = { displayName: "Ines Influencer", avatarUrl: "https://cdn.example.com/a/ines.png" };
const brandProfile = { displayName: "Acme Brand", avatarUrl: null };

export function describeProfileRules(): void {
  describe("profiles", () => {
    it.each(roles.map((role) => [role, role === "influencer"] as const))("%s reading the influencer's profile document → allowed %s", async (role, allowed) => {
      const f = await seedDeal();
      await f.admin((db) => setDoc(doc(db, "profiles", f.influencerId), newProfile(influencerProfile, Timestamp.now())));
      await expectOutcome(allowed, `${role} get`, () => getDoc(doc(f.as(role), "profiles", f.influencerId)));
    });

    it("nobody lists profiles, and no client writes one, not even its owner", async () => {
      const f = await seedDeal();
      const mine = doc(f.as("influencer"), "profiles", f.influencerId);
      await expectOutcome(false, "list", () => getDocs(collection(f.as("influencer"), "profiles")));
      await expectOutcome(false, "create", () => setDoc(mine, newProfile(influencerProfile, Timestamp.now())));
      await f.admin((db) => setDoc(doc(db, "profiles", f.influencerId), newProfile(influencerProfile, Timestamp.now())));
      await expectOutcome(false, "update", () => updateDoc(mine, { displayName: "Someone else" }));
      await expectOutcome(false, "delete", () => deleteDoc(mine));
      // Nor the copy on the conversation entry: the watermark is the only client-writable field there.
      await expectOutcome(false, "the copy on the entry", () =>
        updateDoc(doc(f.as("influencer"), "conversations", f.dealId), { "profiles.influencer": { displayName: "Fake", avatarUrl: null } }),
      );
    });

    it.each(roles.map((role) => [role, role === "brand" || role === "influencer"] as const))(
      "%s reading the copies on the conversation entry → allowed %s",
      async (role, allowed) => {
        const f = await seedDeal();
        await f.admin((db) => updateDoc(doc(db, "conversations", f.dealId), { profiles: { brand: brandProfile, influencer: influencerProfile } }));
        await expectOutcome(allowed, `${role} get`, () => getDoc(doc(f.as(role), "conversations", f.dealId)));
      },
    );

    it("a removed participant reads neither the entry's copies nor the profile of the one they shared the deal with", async () => {
      const f = await seedDeal();
      await f.admin(async (db) => {
        await setDoc(doc(db, "profiles", f.influencerId), newProfile(influencerProfile, Timestamp.now()));
        await updateDoc(doc(db, "conversations", f.dealId), { profiles: { brand: brandProfile, influencer: influencerProfile } });
      });
      await expectOutcome(true, "while a participant", () => getDoc(doc(f.as("brand"), "conversations", f.dealId)));
      // The platform replaces the brand; the functions mirror it onto the entry (with the new brand's profile).
      const newBrand = uniqueId("new-brand");
      await f.admin(async (db) => {
        await updateDoc(doc(db, "deals", f.dealId), { brandId: newBrand, participants: [newBrand, f.influencerId] });
        await updateDoc(doc(db, "conversations", f.dealId), { brandId: newBrand, participants: [newBrand, f.influencerId], "profiles.brand": null });
      });
      await expectOutcome(false, "removed brand, the entry", () => getDoc(doc(f.as("brand"), "conversations", f.dealId)));
      await expectOutcome(false, "removed brand, the profile", () => getDoc(doc(f.as("brand"), "profiles", f.influencerId)));
      const stillThere = await getDoc(doc(f.as("influencer"), "conversations", f.dealId));
      expect(stillThere.get("profiles")).toEqual({ brand: null, influencer: influencerProfile });
    });
  });
}
