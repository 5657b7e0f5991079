// Triggers retry transient errors themselves (the emulator ignores `retry: true`, and production should not wait
// for a platform retry either): a handler whose transactions fail a few times with the errors the emulator and
// production produce still converges to the exact state, and a real failure is not retried.
import { getApps, initializeApp } from "firebase-admin/app";
import { getFirestore, type Firestore } from "firebase-admin/firestore";
import { describe, expect, it } from "vitest";
import { handleMessageCreated } from "../../functions/src/handlers/messages.ts";
import { isTransient, runCounted } from "../../functions/src/store/counted.ts";
import { projectId, uniqueId } from "../support/emulators.ts";
import { at, messageData, seedDeal } from "./support.ts";

const isolatedProject = `${projectId}-transient`;
const app = getApps().find((a) => a.name === isolatedProject) ?? initializeApp({ projectId: isolatedProject }, isolatedProject);
const db = getFirestore(app);

/** The same database, but its next `failures` transactions fail with `error` before doing anything. */
function flaky(real: Firestore, failures: number, error: () => Error): { db: Firestore; attempts: () => number } {
  let calls = 0;
  const proxy = new Proxy(real, {
    get(target, property, receiver) {
      if (property !== "runTransaction") return Reflect.get(target, property, receiver);
      return (...args: Parameters<Firestore["runTransaction"]>) => {
        calls += 1;
        if (calls <= failures) return Promise.reject(error());
        return target.runTransaction(...args);
      };
    },
  });
  return { db: proxy, attempts: () => calls };
}

const grpcError = (code: number, message: string) => Object.assign(new Error(`${code} ${message}`), { code });

describe("transient errors inside triggers", () => {
  it.each([
    ["a transaction the emulator dropped", () => new Error("Transaction is invalid or closed.")],
    ["ABORTED (contention)", () => grpcError(10, "ABORTED: Transaction lock timeout")],
    ["UNAVAILABLE (connection lost)", () => grpcError(14, "UNAVAILABLE: No connection established")],
  ])("%s three times: the create handler still converges to the exact state", async (_what, error) => {
    const deal = await seedDeal(db);
    const id = uniqueId("msg");
    await db.doc(`deals/${deal.dealId}/messages/${id}`).set(messageData(deal.brandId, "brand", "Hello after a hiccup", at(5)));
    const flakyDb = flaky(db, 3, error);
    const result = await handleMessageCreated({ eventId: uniqueId("evt"), dealId: deal.dealId, messageId: id }, flakyDb.db);
    expect(result).toMatchObject({ outcome: "applied" });
    expect(flakyDb.attempts()).toBe(4);
    const conversation = (await db.doc(`conversations/${deal.dealId}`).get()).data();
    expect(conversation).toMatchObject({ unread: { brand: 0, influencer: 1 }, lastMessage: { messageId: id, snippet: "Hello after a hiccup" } });
    expect((await db.doc(`deals/${deal.dealId}/messages/${id}`).get()).get("searchTokens")).toContain("hello");
  });

  it("gives up after a bounded number of attempts, leaving the event to the platform's retry", async () => {
    const flakyDb = flaky(db, 100, () => grpcError(14, "UNAVAILABLE"));
    await expect(runCounted(flakyDb.db, async () => ({ outcome: "applied" as const }), { attempts: 3, initialDelayMs: 1 })).rejects.toMatchObject({ code: 14 });
    expect(flakyDb.attempts()).toBe(3);
  });

  it("does not retry a real failure (a bug or a refused write is not transient)", async () => {
    const flakyDb = flaky(db, 100, () => grpcError(3, "INVALID_ARGUMENT: bad field"));
    await expect(runCounted(flakyDb.db, async () => ({ outcome: "applied" as const }))).rejects.toMatchObject({ code: 3 });
    expect(flakyDb.attempts()).toBe(1);
    expect(isTransient(new TypeError("Cannot read properties of undefined"))).toBe(false);
    expect(isTransient(grpcError(7, "PERMISSION_DENIED"))).toBe(false);
  });
});
