// The platform's side of a deal, for the backend (firebase-admin): deals and their conversation entries are
// created and closed by the platform, never by the apps. Typed structurally so the model stays free of any
// Firebase package: pass firebase-admin's Firestore (`getFirestore()`), and its Timestamp for the times.
import { initialConversation, newDeal } from "./contract.ts";
import { paths } from "./paths.ts";
import { newProfile } from "./profiles.ts";
import type { DealStatus, PublicProfile, TimestampLike } from "./schemas.ts";

/** What the helpers use of firebase-admin's Firestore. */
export interface PlatformFirestore {
  doc(path: string): { update(data: Record<string, unknown>): Promise<unknown>; set(data: Record<string, unknown>): Promise<unknown> };
  batch(): { set(ref: never, data: Record<string, unknown>): unknown; commit(): Promise<unknown> };
}

export interface PlatformDealInput {
  /** The deal's id in the platform (the conversation's id too); ids are 1–128 characters of A–Z a–z 0–9 _ -. */
  dealId: string;
  /** The Firebase Auth uids of the two participants: they alone decide who may read and write the conversation. */
  brandId: string;
  influencerId: string;
  title?: string;
  /** Default "open". */
  status?: DealStatus;
}

/**
 * Creates deals/{dealId} and its conversations/{dealId} entry in one batch, so both participants see the deal in
 * their conversation list at once (the functions' deal trigger would create the entry too, a moment later; it
 * finds it there and leaves it). `now` is the creation time (firebase-admin `Timestamp.now()`).
 */
export async function createDeal(db: PlatformFirestore, input: PlatformDealInput, now: TimestampLike): Promise<string> {
  const deal = newDeal(
    { brandId: input.brandId, influencerId: input.influencerId, status: input.status ?? "open", ...(input.title ? { title: input.title } : {}) },
    now,
  );
  const batch = db.batch();
  batch.set(db.doc(paths.conversation(input.dealId)) as never, initialConversation(input.dealId, deal, now) as unknown as Record<string, unknown>);
  batch.set(db.doc(paths.deal(input.dealId)) as never, deal);
  await batch.commit();
  return input.dealId;
}

/**
 * Moves a deal to another status (e.g. "completed" closes the conversation: read-only for both sides). The
 * functions mirror it into the conversation entry and post the system message that tells both sides.
 */
export async function setDealStatus(db: PlatformFirestore, dealId: string, status: DealStatus, now: TimestampLike): Promise<void> {
  await db.doc(paths.deal(dealId)).update({ status, updatedAt: now });
}

/**
 * Writes a user's public profile (profiles/{uid}: display name and an https avatar URL the platform chose, or
 * null). The functions copy it onto every conversation the user takes part in, where the other participant
 * reads it; call it again whenever the name or avatar changes.
 */
export async function setProfile(db: PlatformFirestore, uid: string, profile: PublicProfile, now: TimestampLike): Promise<void> {
  await db.doc(paths.profile(uid)).set(newProfile(profile, now));
}
