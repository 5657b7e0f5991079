// responseStats/{uid}: functions-written, readable by its owner only (get), never listed, never written by clients.
import { collection, deleteDoc, doc, getDoc, getDocs, setDoc, Timestamp, updateDoc } from "firebase/firestore";
import { describe, it } from "vitest";
import { userResponseStats } from "@dealchat/model";
import { expectOutcome, roles, seedDeal } from "./harness.ts";

export function describeResponseStatsRules(): void {
  describe("responseStats", () => {
    it.each(roles.map((role) => [role, role === "influencer"] as const))("%s reading the influencer's statistics → allowed %s", async (role, allowed) => {
      const f = await seedDeal();
      await f.admin((db) => setDoc(doc(db, "responseStats", f.influencerId), userResponseStats(f.influencerId, {}, Timestamp.now())));
      await expectOutcome(allowed, `${role} get`, () => getDoc(doc(f.as(role), "responseStats", f.influencerId)));
    });

    it("the owner cannot list the collection, nor create, change or delete their own document", async () => {
      const f = await seedDeal();
      const mine = doc(f.as("brand"), "responseStats", f.brandId);
      await expectOutcome(false, "list", () => getDocs(collection(f.as("brand"), "responseStats")));
      await expectOutcome(false, "create", () => setDoc(mine, userResponseStats(f.brandId, {}, Timestamp.now())));
      await f.admin((db) => setDoc(doc(db, "responseStats", f.brandId), userResponseStats(f.brandId, {}, Timestamp.now())));
      await expectOutcome(true, "get", () => getDoc(mine));
      await expectOutcome(false, "update", () => updateDoc(mine, { "windows.d30.count": 0 }));
      await expectOutcome(false, "delete", () => deleteDoc(mine));
    });
  });
}
