// The notification documents on Google's engine: inboxes (owner get), push devices, the open conversation,
// preferences (owner-written, validated, paced). Every allow is granted and refused at least once, and the
// valid cases carry every optional value (a mute, quiet hours, a deal id) so that each expression is evaluated.
import { collection, deleteDoc, doc, getDoc, getDocs, serverTimestamp, setDoc, Timestamp } from "firebase/firestore";
import { describe, it } from "vitest";
import { inboxDoc, notificationLimits, notificationPaths } from "@dealchat/model";
import { expectOutcome, roles, seedDeal } from "./harness.ts";

const token = (label: string) => `${label}_${"k".repeat(40)}:APA91b${"w".repeat(100)}`;
const inMs = (ms: number) => Timestamp.fromMillis(Date.now() + ms);
const quietHours = { startMinute: 1320, endMinute: 420, timeZone: "Europe/Paris" };

export function describeNotificationRules(): void {
  describe("notification documents", () => {
    it.each(roles.map((role) => [role, role === "brand"] as const))("%s reading the brand's inbox → allowed %s", async (role, allowed) => {
      const f = await seedDeal();
      const inbox = inboxDoc(f.brandId, { brand: { unread: 1, conversations: 1 }, influencer: { unread: 0, conversations: 0 } }, Timestamp.now());
      await f.admin((db) => setDoc(doc(db, notificationPaths.inbox(f.brandId)), inbox));
      await expectOutcome(allowed, `${role} get`, () => getDoc(doc(f.as(role), notificationPaths.inbox(f.brandId))));
    });

    it("push devices: the owner registers, refreshes (paced), lists and unregisters; the other side and strangers cannot", async () => {
      const f = await seedDeal();
      const t = token("a");
      const mine = doc(f.as("brand"), notificationPaths.pushDevice(f.brandId, t));
      const device = { token: t, platform: "web", updatedAt: serverTimestamp() };
      await expectOutcome(false, "the other side registering for the brand", () =>
        setDoc(doc(f.as("influencer"), notificationPaths.pushDevice(f.brandId, t)), device),
      );
      await expectOutcome(false, "an unknown platform", () => setDoc(mine, { ...device, platform: "tizen" }));
      await expectOutcome(false, "a token that is not the id", () => setDoc(mine, { ...device, token: token("b") }));
      await expectOutcome(false, "a malformed token", () =>
        setDoc(doc(f.as("brand"), notificationPaths.pushDevice(f.brandId, "short")), { ...device, token: "short" }),
      );
      await expectOutcome(true, "registering", () => setDoc(mine, device));
      await expectOutcome(false, "re-registering at once", () => setDoc(mine, device));
      await f.admin((db) => setDoc(doc(db, notificationPaths.pushDevice(f.brandId, t)), { token: t, platform: "web", updatedAt: inMs(-5_000) }));
      await expectOutcome(true, "re-registering later", () => setDoc(mine, { ...device, platform: "android" }));
      await expectOutcome(true, "listing one's devices", () => getDocs(collection(f.as("brand"), notificationPaths.pushDevices(f.brandId))));
      await expectOutcome(false, "a stranger listing them", () => getDocs(collection(f.as("stranger"), notificationPaths.pushDevices(f.brandId))));
      await expectOutcome(false, "the other side deleting one", () => deleteDoc(doc(f.as("influencer"), notificationPaths.pushDevice(f.brandId, t))));
      await expectOutcome(true, "unregistering", () => deleteDoc(mine));
    });

    it("the open conversation: owner-written, bounded expiry, paced refresh, closing at once", async () => {
      const f = await seedDeal();
      const mine = doc(f.as("influencer"), notificationPaths.openDevice(f.influencerId, "phone_1"));
      const open = (over: Record<string, unknown> = {}) => ({
        dealId: f.dealId,
        updatedAt: serverTimestamp(),
        expiresAt: inMs(notificationLimits.openConversationTtlMs),
        ...over,
      });
      await expectOutcome(false, "someone else's device", () => setDoc(doc(f.as("brand"), notificationPaths.openDevice(f.influencerId, "phone_1")), open()));
      await expectOutcome(false, "a device id outside the alphabet", () =>
        setDoc(doc(f.as("influencer"), notificationPaths.openDevice(f.influencerId, "phone.1")), open()),
      );
      await expectOutcome(false, "an expiry past the bound", () =>
        setDoc(mine, open({ expiresAt: inMs(notificationLimits.openConversationMaxTtlMs + 60_000) })),
      );
      await expectOutcome(false, "a deal id outside the alphabet", () => setDoc(mine, open({ dealId: "a/b" })));
      await expectOutcome(true, "opening", () => setDoc(mine, open()));
      await expectOutcome(false, "refreshing at once", () => setDoc(mine, open()));
      await expectOutcome(true, "closing at once", () => setDoc(mine, open({ dealId: null, expiresAt: serverTimestamp() })));
      await f.admin((db) =>
        setDoc(doc(db, notificationPaths.openDevice(f.influencerId, "phone_1")), { dealId: f.dealId, updatedAt: inMs(-5_000), expiresAt: inMs(5_000) }),
      );
      await expectOutcome(true, "refreshing later", () => setDoc(mine, open()));
      await expectOutcome(true, "reading one's own", () => getDoc(mine));
      await expectOutcome(false, "the other side reading it", () => getDoc(doc(f.as("brand"), notificationPaths.openDevice(f.influencerId, "phone_1"))));
      await expectOutcome(false, "the other side deleting it", () => deleteDoc(doc(f.as("brand"), notificationPaths.openDevice(f.influencerId, "phone_1"))));
      await expectOutcome(true, "deleting one's own", () => deleteDoc(mine));
    });

    it("preferences: owner-written, bounded, paced", async () => {
      const f = await seedDeal();
      const mine = doc(f.as("brand"), notificationPaths.preferences(f.brandId));
      const prefs = (over: Record<string, unknown> = {}) => ({
        push: true,
        email: false,
        mutedUntil: inMs(3_600_000),
        quietHours,
        updatedAt: serverTimestamp(),
        ...over,
      });
      await expectOutcome(false, "someone else's", () => setDoc(doc(f.as("influencer"), notificationPaths.preferences(f.brandId)), prefs()));
      await expectOutcome(false, "a minute past the day", () => setDoc(mine, prefs({ quietHours: { ...quietHours, endMinute: 1440 } })));
      await expectOutcome(false, "an empty quiet period", () => setDoc(mine, prefs({ quietHours: { ...quietHours, endMinute: 1320 } })));
      await expectOutcome(false, "a zone with a space", () => setDoc(mine, prefs({ quietHours: { ...quietHours, timeZone: "Europe/Par is" } })));
      await expectOutcome(false, "a mute past the bound", () => setDoc(mine, prefs({ mutedUntil: inMs(notificationLimits.muteMaxMs + 86_400_000) })));
      await expectOutcome(false, "push as a string", () => setDoc(mine, prefs({ push: "no" })));
      await expectOutcome(true, "saving", () => setDoc(mine, prefs()));
      await expectOutcome(false, "saving again at once", () => setDoc(mine, prefs({ quietHours: null, mutedUntil: null })));
      await f.admin((db) => setDoc(doc(db, notificationPaths.preferences(f.brandId)), { ...prefs(), updatedAt: inMs(-5_000) }));
      await expectOutcome(true, "saving later", () => setDoc(mine, prefs({ quietHours: null, mutedUntil: null })));
      await expectOutcome(true, "reading one's own", () => getDoc(mine));
      await expectOutcome(false, "the other side reading them", () => getDoc(doc(f.as("influencer"), notificationPaths.preferences(f.brandId))));
    });

    it("conversation preferences: only for one's own deal, bounded, paced", async () => {
      const f = await seedDeal();
      const mine = doc(f.as("brand"), notificationPaths.conversationPreferences(f.brandId, f.dealId));
      const prefs = (over: Record<string, unknown> = {}) => ({ push: false, email: true, mutedUntil: inMs(3_600_000), updatedAt: serverTimestamp(), ...over });
      await expectOutcome(false, "a deal one is not part of", () =>
        setDoc(doc(f.as("brand"), notificationPaths.conversationPreferences(f.brandId, f.otherDealId)), prefs()),
      );
      await expectOutcome(false, "someone else's", () =>
        setDoc(doc(f.as("influencer"), notificationPaths.conversationPreferences(f.brandId, f.dealId)), prefs()),
      );
      await expectOutcome(false, "an extra field", () => setDoc(mine, prefs({ quietHours })));
      await expectOutcome(true, "muting the deal", () => setDoc(mine, prefs()));
      await expectOutcome(false, "changing again at once", () => setDoc(mine, prefs({ mutedUntil: null })));
      await f.admin((db) => setDoc(doc(db, notificationPaths.conversationPreferences(f.brandId, f.dealId)), { ...prefs(), updatedAt: inMs(-5_000) }));
      await expectOutcome(true, "changing later", () => setDoc(mine, prefs({ mutedUntil: null })));
      await expectOutcome(true, "listing one's own", () => getDocs(collection(f.as("brand"), `${notificationPaths.preferences(f.brandId)}/conversations`)));
      await expectOutcome(false, "a stranger listing them", () =>
        getDocs(collection(f.as("stranger"), `${notificationPaths.preferences(f.brandId)}/conversations`)),
      );
    });

    it("platform-only collections: nobody reads or writes them", async () => {
      const f = await seedDeal();
      await f.admin((db) => setDoc(doc(db, notificationPaths.conversationState(f.brandId, f.dealId)), { lastPushAt: null, notifiedUpTo: null, pushes: 0 }));
      await expectOutcome(false, "notification state", () => getDoc(doc(f.as("brand"), notificationPaths.conversationState(f.brandId, f.dealId))));
      await expectOutcome(false, "mail", () =>
        setDoc(doc(f.as("brand"), notificationPaths.mail("x")), { toUids: [f.influencerId], message: { subject: "hi" } }),
      );
    });
  });
}
