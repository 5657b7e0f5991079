// The deal's title and the participants' public profiles on the conversation entry: the deal trigger copies
// them, and a profile change fans out to every conversation of that user. Events are delivered in-process
// (firebase-functions-test) twice and out of order, in a project of their own (no registered triggers), so
// nothing but these invocations writes the entries.
import functionsTest from "firebase-functions-test";
import { getApp, getApps, initializeApp } from "firebase-admin/app";
import { getFirestore, Timestamp, type DocumentSnapshot } from "firebase-admin/firestore";
import { afterAll, describe, expect, it } from "vitest";
import { newProfile, type PublicProfile } from "@dealchat/model";
import { onDealWritten, onProfileWritten } from "../../functions/src/index.ts";
import { handleProfileWritten, PROFILE_FANOUT_PAGE } from "../../functions/src/handlers/profiles.ts";
import { projectId, uniqueId } from "../support/emulators.ts";
import { at, dealData, newDealIds } from "./support.ts";

const isolatedProject = `${projectId}-profiles`;
const fft = functionsTest({ projectId: isolatedProject });
const db = getFirestore(getApps().some((a) => a.name === "[DEFAULT]") ? getApp() : initializeApp({ projectId: isolatedProject }));
const dealWritten = fft.wrap(onDealWritten);
const profileWritten = fft.wrap(onProfileWritten);
afterAll(() => fft.cleanup());

const change = (params: Record<string, string>, before: DocumentSnapshot, after: DocumentSnapshot) => ({
  id: uniqueId("evt"),
  time: new Date().toISOString(),
  params,
  data: fft.makeChange(before, after),
});

async function writeProfile(uid: string, profile: PublicProfile | null) {
  const ref = db.doc(`profiles/${uid}`);
  const before = await ref.get();
  if (profile) await ref.set(newProfile(profile, Timestamp.now()));
  else await ref.delete();
  return change({ uid }, before, await ref.get());
}

/** Creates the deal and delivers its create event (twice). */
async function createDeal(deal = newDealIds(), title = "Summer campaign") {
  const ref = db.doc(`deals/${deal.dealId}`);
  const missing = await ref.get();
  await ref.set({ ...dealData(deal, "open", at(0)), title });
  const event = change({ dealId: deal.dealId }, missing, await ref.get());
  await dealWritten(event);
  await dealWritten(event);
  return deal;
}

const entry = async (dealId: string) => (await db.doc(`conversations/${dealId}`).get()).data()!;

const ines = { displayName: "Ines", avatarUrl: "https://cdn.example.com/ines.png" };
const acme = { displayName: "Acme", avatarUrl: null };

describe("the deal trigger copies the title and both profiles", () => {
  it("onto a new entry, and a title change follows the newest deal version whatever the event order", async () => {
    const deal = newDealIds();
    await writeProfile(deal.influencerId, ines);
    await createDeal(deal, "Spring launch");
    expect(await entry(deal.dealId)).toMatchObject({ title: "Spring launch", profiles: { brand: null, influencer: ines } });

    const ref = db.doc(`deals/${deal.dealId}`);
    const v1 = await ref.get();
    await ref.update({ title: "Spring launch (v2)", updatedAt: at(10) });
    const v2 = await ref.get();
    await ref.update({ title: "Spring launch (final)", status: "active", updatedAt: at(20) });
    const v3 = await ref.get();
    const second = change({ dealId: deal.dealId }, v1, v2);
    const third = change({ dealId: deal.dealId }, v2, v3);
    for (const event of [third, second, third, second]) await dealWritten(event);
    expect(await entry(deal.dealId)).toMatchObject({ title: "Spring launch (final)", status: "active" });
  });

  it("replaces a removed participant's profile with the new one's (and fills entries written before the copies existed)", async () => {
    const deal = newDealIds();
    const newBrand = uniqueId("new-brand");
    await writeProfile(deal.brandId, acme);
    await writeProfile(newBrand, { displayName: "Globex", avatarUrl: null });
    await createDeal(deal);
    // An entry from before the copies: no title, no profiles.
    const { FieldValue } = await import("firebase-admin/firestore");
    await db.doc(`conversations/${deal.dealId}`).update({ title: FieldValue.delete(), profiles: FieldValue.delete() });

    const ref = db.doc(`deals/${deal.dealId}`);
    const before = await ref.get();
    await ref.update({ brandId: newBrand, participants: [newBrand, deal.influencerId], updatedAt: at(30) });
    const event = change({ dealId: deal.dealId }, before, await ref.get());
    await dealWritten(event);
    await dealWritten(event);
    expect(await entry(deal.dealId)).toMatchObject({
      brandId: newBrand,
      title: "Summer campaign",
      profiles: { brand: { displayName: "Globex", avatarUrl: null }, influencer: null },
    });
  });
});

describe("a profile change fans out to the user's conversations", () => {
  it("on both sides, idempotent under duplicates and stale events, and a deleted profile clears the copies", async () => {
    const uid = uniqueId("user");
    const asInfluencer = await createDeal(newDealIds(uniqueId("brand"), uid));
    const asBrand = await createDeal(newDealIds(uid, uniqueId("influencer")));
    const unrelated = await createDeal();

    const first = await writeProfile(uid, ines);
    const renamed = await writeProfile(uid, { ...ines, displayName: "Ines R." });
    // The newer event first, then the stale one, then both again: every copy ends on the profile as it is now.
    for (const event of [renamed, first, renamed, first]) await profileWritten(event);
    expect((await entry(asInfluencer.dealId)).profiles).toEqual({ brand: null, influencer: { ...ines, displayName: "Ines R." } });
    expect((await entry(asBrand.dealId)).profiles).toEqual({ brand: { ...ines, displayName: "Ines R." }, influencer: null });
    expect((await entry(unrelated.dealId)).profiles).toEqual({ brand: null, influencer: null });
    // Nothing left to change: a redelivery writes nothing.
    expect(await handleProfileWritten({ eventId: first.id, uid }, db)).toMatchObject({ outcome: "applied", updated: 0, cost: { writes: 0 } });

    await profileWritten(await writeProfile(uid, null));
    expect((await entry(asInfluencer.dealId)).profiles.influencer).toBeNull();
    expect((await entry(asBrand.dealId)).profiles.brand).toBeNull();
  });

  it("works in pages: a user in more conversations than one page holds gets every copy", async () => {
    const uid = uniqueId("busy");
    const n = PROFILE_FANOUT_PAGE + 3;
    const batch = db.batch();
    const dealIds: string[] = [];
    for (let i = 0; i < n; i++) {
      const dealId = uniqueId("deal");
      dealIds.push(dealId);
      batch.set(db.doc(`conversations/${dealId}`), {
        dealId,
        brandId: uniqueId("brand"),
        influencerId: uid,
        participants: ["b", uid],
        profiles: { brand: null, influencer: null },
      });
    }
    await batch.commit();
    await db.doc(`profiles/${uid}`).set(newProfile(ines, Timestamp.now()));
    const result = await handleProfileWritten({ eventId: uniqueId("evt"), uid }, db);
    expect(result.updated).toBe(n);
    const copies = await Promise.all(dealIds.map(async (id) => (await db.doc(`conversations/${id}`).get()).get("profiles.influencer")));
    expect(copies.every((c) => c?.displayName === "Ines")).toBe(true);
  });
});
