// Fixtures shared by the functions tests and the functions benchmark: deals and messages shaped as the
// platform and the SDK write them.
import { Timestamp, type Firestore } from "firebase-admin/firestore";
import { newDeal, newMessage, type Attachment, type DealStatus } from "@dealchat/model";
import { uniqueId } from "../support/emulators.ts";

/** A fixed instant, so that response times and orderings in the in-process tests are exact numbers. */
export const baseMs = Date.UTC(2026, 0, 5, 9, 0, 0);
export const at = (seconds: number): Timestamp => Timestamp.fromMillis(baseMs + seconds * 1000);

export interface SeededDeal {
  dealId: string;
  brandId: string;
  influencerId: string;
}

export function dealData(deal: SeededDeal, status: DealStatus, updatedAt: Timestamp, createdAt: Timestamp = at(0)) {
  return { ...newDeal({ brandId: deal.brandId, influencerId: deal.influencerId, status, title: "Summer campaign" }, createdAt), updatedAt };
}

export function newDealIds(brandId = uniqueId("brand"), influencerId = uniqueId("influencer")): SeededDeal {
  return { dealId: uniqueId("deal"), brandId, influencerId };
}

/** A deal as the platform creates it (admin SDK). */
export async function seedDeal(db: Firestore, status: DealStatus = "active", ids: SeededDeal = newDealIds()): Promise<SeededDeal> {
  await db.doc(`deals/${ids.dealId}`).set(dealData(ids, status, at(0)));
  return ids;
}

export function messageData(senderId: string, senderSide: "brand" | "influencer", text: string | null, createdAt: unknown, attachments: Attachment[] = []) {
  return newMessage({ senderId, senderSide, text, attachments }, createdAt);
}
