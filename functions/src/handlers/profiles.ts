// A user's profile changed (profiles/{uid}, platform-written): copy its public part onto every conversation
// the user takes part in, so that the other participant reads it with the conversation (docs/security.md,
// "Profiles"). Idempotent and order-safe without an event record: each page re-reads the profile inside its
// transaction and writes what it holds now, so a duplicate or a stale event writes the current value (or
// nothing, when the copies already hold it). Bounded: pages of PROFILE_FANOUT_PAGE conversations, one
// transaction each.
import type { DocumentReference, Firestore } from "firebase-admin/firestore";
import { DealSides, paths, profileCopyField, publicProfileOf, sameProfile, sides, type PublicProfile, type Side } from "@dealchat/model";
import { db as defaultDb } from "../app.ts";
import { conversationsOfParticipantQuery } from "../domain/profile-queries.ts";
import { runCounted, type Cost, type CountedTransaction } from "../store/counted.ts";
import { toAdminQuery } from "../store/query.ts";
import type { HandlerResult } from "./shared.ts";

/** Conversations updated per transaction (a read and at most a write each). */
export const PROFILE_FANOUT_PAGE = 100;

/** Both participants' public profiles as they are now (2 reads). */
export async function participantProfiles(tx: CountedTransaction, db: Firestore, deal: DealSides): Promise<Record<Side, PublicProfile | null>> {
  const [brand, influencer] = await Promise.all([tx.getDoc(db.doc(paths.profile(deal.brandId))), tx.getDoc(db.doc(paths.profile(deal.influencerId)))]);
  return { brand: brand.exists ? publicProfileOf(brand.data()) : null, influencer: influencer.exists ? publicProfileOf(influencer.data()) : null };
}

export interface ProfileWrite {
  eventId: string;
  uid: string;
}

export async function handleProfileWritten(event: ProfileWrite, db: Firestore = defaultDb()): Promise<HandlerResult & { updated: number }> {
  const cost: Cost = { reads: 0, writes: 0 };
  let updated = 0;
  const profileRef = db.doc(paths.profile(event.uid));
  for (const side of sides) {
    let after: string | undefined;
    for (;;) {
      const page = await runCounted(db, async (tx) => {
        const snap = await tx.getDoc(profileRef);
        const copy = snap.exists ? publicProfileOf(snap.data()) : null;
        const conversations = await tx.getQuery(toAdminQuery(db, conversationsOfParticipantQuery(event.uid, side, PROFILE_FANOUT_PAGE, after)));
        let writes = 0;
        for (const conversation of conversations.docs) {
          const members = DealSides.safeParse(conversation.data());
          const stored = (conversation.get("profiles") ?? undefined) as Record<Side, PublicProfile | null> | undefined;
          // Still this side (the query and the read are one snapshot), and the copy differs.
          if (!members.success || (side === "brand" ? members.data.brandId : members.data.influencerId) !== event.uid) continue;
          if (stored && sameProfile(stored[side], copy)) continue;
          if (stored) tx.update(conversation.ref as DocumentReference, { [profileCopyField(side)]: copy });
          // An entry written before the copies existed gets both, so that it always holds a whole map.
          else tx.update(conversation.ref as DocumentReference, { profiles: await participantProfiles(tx, db, members.data) });
          writes += 1;
        }
        return { size: conversations.size, last: conversations.docs.at(-1)?.id, writes };
      });
      cost.reads += page.cost.reads;
      cost.writes += page.cost.writes;
      updated += page.writes;
      if (page.size < PROFILE_FANOUT_PAGE || !page.last) break;
      after = page.last;
    }
  }
  return { outcome: "applied", cost, updated };
}
