// A deal written by the platform (admin SDK): create or mirror its conversation, and when its status
// changes, post the system message that tells both sides.
import type { Firestore } from "firebase-admin/firestore";
import {
  Deal,
  DealSides,
  DealStatus,
  inEnglish,
  initialConversation,
  paths,
  profileCopyField,
  sameProfile,
  sides as sides_,
  type ConversationState,
  type PublicProfile,
} from "@dealchat/model";
import { db as defaultDb } from "../app.ts";
import { compareTimes } from "../domain/conversation.ts";
import { statusChangeText, systemMessage } from "../domain/status.ts";
import { runCounted, type CountedTransaction } from "../store/counted.ts";
import { participantProfiles } from "./profiles.ts";
import { alreadyProcessed, eventRecordRef, noCost, parseConversation, recordEvent, type HandlerResult } from "./shared.ts";

export interface DealWrite {
  eventId: string;
  time: string;
  dealId: string;
  before: Record<string, unknown> | null;
  after: Record<string, unknown> | null;
}

/** Id of the system message of one status change: derived from the event, so a redelivery rewrites the same doc. */
export function statusMessageId(eventId: string): string {
  return `status-${eventId.replace(/[^A-Za-z0-9_-]/g, "_")}`;
}

/** The `profiles.<side>` updates that make the entry's copies those of the deal's current participants. */
async function profileUpdate(
  tx: CountedTransaction,
  db: Firestore,
  sides: DealSides,
  stored: ConversationState["profiles"],
): Promise<Record<string, PublicProfile | null>> {
  const current = await participantProfiles(tx, db, sides);
  const update: Record<string, PublicProfile | null> = {};
  for (const side of sides_) if (!stored || !sameProfile(stored[side], current[side])) update[profileCopyField(side)] = current[side];
  return update;
}

export async function handleDealWritten(event: DealWrite, db: Firestore = defaultDb()): Promise<HandlerResult> {
  if (!event.after) return { outcome: "ignored", reason: "deal deleted", cost: noCost() };
  const parsed = Deal.safeParse(event.after, inEnglish);
  if (!parsed.success) {
    const reason = `deal does not match the schema: ${parsed.error.issues[0]?.message}`;
    // Membership is security: even a deal the model refuses must not leave a removed participant in the
    // conversation entry, whose copy of brandId/influencerId the list rule reads.
    const sides = DealSides.safeParse(event.after);
    return sides.success ? mirrorMembershipOnly(event, sides.data, reason, db) : { outcome: "skipped", reason, cost: noCost() };
  }
  const deal = parsed.data;
  const before = DealStatus.safeParse(event.before?.status);
  const previousStatus = before.success ? before.data : null;
  const statusChanged = previousStatus !== null && previousStatus !== deal.status;
  // The deal version's own time orders status changes (events carry no order of their own).
  const dealTime = deal.updatedAt;
  const handler = "dealWritten";

  return runCounted(db, async (tx) => {
    const record = eventRecordRef(db, handler, event.eventId);
    if (await alreadyProcessed(tx, record)) return { outcome: "duplicate" as const };
    const ref = db.doc(paths.conversation(event.dealId));
    const snap = await tx.getDoc(ref);
    if (!snap.exists) {
      // The participants' public profiles are copied once here; profile changes fan out (handlers/profiles.ts).
      tx.set(ref, { ...initialConversation(event.dealId, deal, dealTime, await participantProfiles(tx, db, deal)) });
    } else {
      const state = parseConversation(event.dealId, snap.data());
      if (!state) {
        recordEvent(tx, record, handler, event.dealId, "skipped");
        return { outcome: "skipped" as const, reason: "conversation does not match the model" };
      }
      const update: Record<string, unknown> = {};
      if (state.brandId !== deal.brandId) update.brandId = deal.brandId;
      if (state.influencerId !== deal.influencerId) update.influencerId = deal.influencerId;
      // Membership is brandId/influencerId (model sideOf); the copy's participants always follow those two.
      const participants = [deal.brandId, deal.influencerId];
      if (state.participants.join("/") !== participants.join("/")) update.participants = participants;
      const newer = !state.statusChangedAt || compareTimes(dealTime, state.statusChangedAt) > 0;
      if (newer && state.status !== deal.status) update.status = deal.status;
      if (newer) update.statusChangedAt = dealTime;
      // The title follows the newest deal version (entries written before the copy existed take any version's).
      const title = deal.title ?? null;
      if ((newer || state.title === undefined) && state.title !== title) update.title = title;
      // A new participant's profile replaces the removed one's (read now, so it is current whatever the event order).
      if (update.participants || !state.profiles) Object.assign(update, await profileUpdate(tx, db, deal, state.profiles));
      if (Object.keys(update).length > 0) tx.update(ref, update);
    }
    if (statusChanged && previousStatus !== null) {
      tx.set(
        db.doc(paths.message(event.dealId, statusMessageId(event.eventId))),
        systemMessage(statusChangeText(deal.status), dealTime, { from: previousStatus, to: deal.status }),
      );
    }
    recordEvent(tx, record, handler, event.dealId, "applied");
    return { outcome: "applied" as const };
  });
}

/** A malformed deal whose two sides are still valid: only the conversation's membership copy follows it. */
async function mirrorMembershipOnly(event: DealWrite, sides: DealSides, reason: string, db: Firestore): Promise<HandlerResult> {
  const handler = "dealWritten";
  return runCounted(db, async (tx) => {
    const record = eventRecordRef(db, handler, event.eventId);
    if (await alreadyProcessed(tx, record)) return { outcome: "duplicate" as const };
    const ref = db.doc(paths.conversation(event.dealId));
    const snap = await tx.getDoc(ref);
    const stored = snap.exists ? snap.data() : undefined;
    if (stored && (stored.brandId !== sides.brandId || stored.influencerId !== sides.influencerId)) {
      const profiles = await profileUpdate(tx, db, sides, stored.profiles as ConversationState["profiles"]);
      tx.update(ref, { brandId: sides.brandId, influencerId: sides.influencerId, participants: [sides.brandId, sides.influencerId], ...profiles });
    }
    recordEvent(tx, record, handler, event.dealId, "skipped");
    return { outcome: "skipped" as const, reason: `${reason}; membership mirrored` };
  });
}
