// Shared fixtures for the firestore.rules matrix: one RulesTestEnvironment on the running emulator with the
// rules firebase-tools loaded from the repo's firestore.rules (never replaced), seeded through the
// rules-disabled admin context, and one Firestore handle per role.
import { readFileSync } from "node:fs";
import { assertFails, assertSucceeds, initializeTestEnvironment, type RulesTestEnvironment } from "@firebase/rules-unit-testing";
import { doc, setDoc, Timestamp, type Firestore } from "firebase/firestore";
import { initialConversation, newDeal, type DealStatus } from "@dealchat/model";
import { firestoreEmulator, projectId, uniqueId } from "../support/emulators.ts";

let env: Promise<RulesTestEnvironment> | undefined;

/**
 * The matrix runs in a project of its own, where no Cloud Functions are deployed: in the app's project the
 * functions react to every seeded deal (they create its conversation entry), which races the cases that need a
 * state the functions would change. The repo's firestore.rules are loaded once, when the environment is created;
 * loading them again would reset the coverage counters the matrix accumulates.
 */
export const rulesProjectId = `${projectId}-rules`;

export function rulesEnv(): Promise<RulesTestEnvironment> {
  env ??= (async () => {
    const { host, port } = firestoreEmulator();
    return initializeTestEnvironment({ projectId: rulesProjectId, firestore: { host, port, rules: rulesSource() } });
  })();
  return env;
}

export const rulesSource = (): string => readFileSync("firestore.rules", "utf8");

/** The roles of the matrix. `admin` bypasses rules (the platform); every other role goes through them. */
export const roles = ["brand", "influencer", "stranger", "otherDealParticipant", "unauthenticated"] as const;
export type Role = (typeof roles)[number];

export interface DealFixture {
  dealId: string;
  brandId: string;
  influencerId: string;
  /** Uids that are signed in but not participants of this deal. */
  strangerId: string;
  /** A participant (brand side) of another, separate deal. */
  otherDealBrandId: string;
  otherDealId: string;
  /** Firestore as each role. */
  as: (role: Role) => Firestore;
  /** Firestore with rules disabled, for seeding and for reading back what a write did. */
  admin: <T>(fn: (db: Firestore) => Promise<T>) => Promise<T>;
  uidOf: (role: Role) => string | null;
}

/** A fresh deal (and its conversation entry, and another deal for the "other deal" role), unique per call. */
export async function seedDeal(status: DealStatus = "active"): Promise<DealFixture> {
  const testEnv = await rulesEnv();
  const dealId = uniqueId("deal");
  const otherDealId = uniqueId("other-deal");
  const brandId = uniqueId("brand");
  const influencerId = uniqueId("influencer");
  const strangerId = uniqueId("stranger");
  const otherDealBrandId = uniqueId("other-brand");
  const otherDealInfluencerId = uniqueId("other-influencer");
  const admin = async <T>(fn: (db: Firestore) => Promise<T>): Promise<T> => {
    let result!: T;
    await testEnv.withSecurityRulesDisabled(async (ctx) => {
      result = await fn(ctx.firestore() as unknown as Firestore);
    });
    return result;
  };
  await admin(async (db) => {
    await setDoc(doc(db, "deals", dealId), dealDoc(brandId, influencerId, status));
    await setDoc(doc(db, "conversations", dealId), conversationDoc(dealId, brandId, influencerId, status));
    await setDoc(doc(db, "deals", otherDealId), dealDoc(otherDealBrandId, otherDealInfluencerId, "active"));
    await setDoc(doc(db, "conversations", otherDealId), conversationDoc(otherDealId, otherDealBrandId, otherDealInfluencerId, "active"));
  });
  const uids: Record<Role, string | null> = {
    brand: brandId,
    influencer: influencerId,
    stranger: strangerId,
    otherDealParticipant: otherDealBrandId,
    unauthenticated: null,
  };
  const as = (role: Role): Firestore => {
    const uid = uids[role];
    const ctx = uid === null ? testEnv.unauthenticatedContext() : testEnv.authenticatedContext(uid);
    return ctx.firestore() as unknown as Firestore;
  };
  return { dealId, brandId, influencerId, strangerId, otherDealBrandId, otherDealId, as, admin, uidOf: (role) => uids[role] };
}

export function dealDoc(brandId: string, influencerId: string, status: DealStatus) {
  return newDeal({ brandId, influencerId, status, title: "Spring campaign" }, Timestamp.now());
}

export function conversationDoc(dealId: string, brandId: string, influencerId: string, status: DealStatus) {
  const now = Timestamp.now();
  return initialConversation(dealId, { brandId, influencerId, status, createdAt: now }, now);
}

/** Asserts the expected outcome, naming the case when it does not hold. */
export async function expectOutcome(allowed: boolean, what: string, attempt: () => Promise<unknown>): Promise<void> {
  try {
    if (allowed) await assertSucceeds(attempt());
    else await assertFails(attempt());
  } catch (error) {
    throw new Error(`${what}: expected ${allowed ? "ALLOW" : "DENY"} — ${(error as Error).message}`);
  }
}
