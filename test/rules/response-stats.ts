// responseStats/{uid}: functions-written, readable by its owner only (get), never listed, never written by clients.
import { collection, deleteDoc, doc, getDoc, getDocs, setDoc, Timestamp, updateDoc } from "firebase/firestore";
import { describe, it } from "vitest";
import { owedAnswersQuery, responseStatsRetentionMs, userResponseStats } from "@dealchat/model";
import { toWebQuery } from "@dealchat/client-sdk";
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

    // The debts part of a user's statistics is read from their conversations (owedAnswersQuery): only their own.
    it("each side lists the deals where it owes an answer; nobody lists another user's", async () => {
      const f = await seedDeal();
      const since = Timestamp.fromMillis(Date.now() - responseStatsRetentionMs);
      const owed = (role: (typeof roles)[number], uid: string, side: "brand" | "influencer") => () =>
        getDocs(toWebQuery(f.as(role), owedAnswersQuery({ uid, side, since })));
      await expectOutcome(true, "brand, own uid", owed("brand", f.brandId, "brand"));
      await expectOutcome(true, "influencer, own uid", owed("influencer", f.influencerId, "influencer"));
      await expectOutcome(false, "brand, the influencer's uid", owed("brand", f.influencerId, "influencer"));
      await expectOutcome(false, "stranger, the brand's uid", owed("stranger", f.brandId, "brand"));
      await expectOutcome(false, "unauthenticated, the brand's uid", owed("unauthenticated", f.brandId, "brand"));
    });
  });
}
