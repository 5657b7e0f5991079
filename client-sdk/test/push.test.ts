// Notifications through the SDK as an app uses it, with the Cloud Functions and the Cloud Tasks emulator: the
// device registers its FCM token, the other side sends, and the push the functions built is recorded (there is no
// FCM emulator); a device showing the conversation gets none; the badge comes from inboxes/{uid}; bad input gets
// invalid-argument before any write and the rules refuse what the SDK would never send.
import { describe, expect, it } from "vitest";
import { doc, setDoc, serverTimestamp } from "firebase/firestore";
import { notificationCollections, notificationPaths, pushDeviceDoc } from "@dealchat/model";
import { DealChatError, type UnreadTotal } from "../src/index.ts";
import { Recorder, adminFirestore, seedDeal, type Party, uniqueId, useBrandAndInfluencer } from "./support.ts";
import { pollUntil, FUNCTIONS_DEADLINE_MS } from "../../test/support/wait.ts";

const fcmToken = (label: string) => `${label}_${uniqueId("t").replace(/[^A-Za-z0-9_-]/g, "")}:APA91b${"Z".repeat(120)}`;

let brand: Party;
let influencer: Party;
useBrandAndInfluencer((parties) => ({ brand, influencer } = parties));

async function recordedFor(uid: string, dealId: string) {
  const snap = await adminFirestore().collection(notificationCollections.recordedPushes).where("uid", "==", uid).where("dealId", "==", dealId).get();
  return snap.docs.map((d) => d.data());
}

describe("push tokens and preferences: bad input", () => {
  it("refuses a malformed token, an unknown platform and preferences outside their bounds with invalid-argument", async () => {
    const refused = async (p: Promise<unknown>) => {
      const error = await p.then(
        () => null,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(DealChatError);
      expect((error as DealChatError).code).toBe("invalid-argument");
    };
    await refused(brand.chat.registerPushToken("short", { platform: "web" }));
    await refused(brand.chat.registerPushToken(`${fcmToken("a")} spaces`, { platform: "web" }));
    await refused(brand.chat.registerPushToken(fcmToken("a"), { platform: "symbian" as "web" }));
    await refused(brand.chat.unregisterPushToken("a/b"));
    await refused(brand.chat.setNotificationPreferences({ quietHours: { startMinute: 1440, endMinute: 60, timeZone: "UTC" } }));
    await refused(brand.chat.setNotificationPreferences({ quietHours: { startMinute: 60, endMinute: 60, timeZone: "UTC" } }));
    await refused(brand.chat.setNotificationPreferences({ quietHours: { startMinute: 0, endMinute: 60, timeZone: "Mars/Olympus_Mons" } }));
    await refused(brand.chat.setNotificationPreferences({ mutedUntil: new Date(Date.now() + 400 * 86_400_000) }));
    await refused(brand.chat.setNotificationPreferences({ push: "yes" as unknown as boolean }));
    await refused(brand.chat.setConversationNotificationPreferences("deal/1", { push: false }));
    expect(brand.chat.stats().documentWrites).toBe(0);
  });

  it("registers, re-registers and unregisters; preferences round-trip; the rules refuse another user's documents", async () => {
    const token = fcmToken("web");
    await brand.chat.registerPushToken(token, { platform: "web" });
    // At once again (paced by the rules): already registered, so it resolves.
    await brand.chat.registerPushToken(token, { platform: "web" });
    expect((await adminFirestore().doc(notificationPaths.pushDevice(brand.uid, token)).get()).get("platform")).toBe("web");
    await brand.chat.unregisterPushToken(token);
    expect((await adminFirestore().doc(notificationPaths.pushDevice(brand.uid, token)).get()).exists).toBe(false);

    const quietHours = { startMinute: 22 * 60, endMinute: 7 * 60, timeZone: "Europe/Paris" };
    await brand.chat.setNotificationPreferences({ email: false, quietHours });
    expect(await brand.chat.notificationPreferences()).toEqual({ push: true, email: false, mutedUntil: null, quietHours });
    // At once again: the rules accept one write per second, and the SDK waits out the rest instead of failing.
    await brand.chat.setNotificationPreferences({ push: false });
    expect(await brand.chat.notificationPreferences()).toEqual({ push: false, email: false, mutedUntil: null, quietHours });
    const dealId = await seedDeal({ brandId: brand.uid, influencerId: influencer.uid });
    const until = new Date(Date.now() + 3_600_000);
    await brand.chat.setConversationNotificationPreferences(dealId, { mutedUntil: until });
    expect(await brand.chat.conversationNotificationPreferences(dealId)).toEqual({ push: true, email: true, mutedUntil: until });
    await brand.chat.setConversationNotificationPreferences(dealId, { mutedUntil: null, email: false });
    expect(await brand.chat.conversationNotificationPreferences(dealId)).toEqual({ push: true, email: false, mutedUntil: null });

    // What an attacker with a valid account tries: someone else's devices, preferences and inbox.
    const attempt = (p: Promise<unknown>) =>
      p.then(
        () => "allowed",
        (e: { code?: string }) => e.code,
      );
    const db = influencer.client.db;
    expect(await attempt(setDoc(doc(db, notificationPaths.pushDevice(brand.uid, token)), pushDeviceDoc(token, "web", serverTimestamp())))).toBe(
      "permission-denied",
    );
    expect(
      await attempt(
        setDoc(doc(db, notificationPaths.preferences(brand.uid)), {
          push: false,
          email: false,
          mutedUntil: null,
          quietHours: null,
          updatedAt: serverTimestamp(),
        }),
      ),
    ).toBe("permission-denied");
    const stranger = await seedDeal({ brandId: uniqueId("b"), influencerId: uniqueId("i") });
    expect(await attempt(brand.chat.setConversationNotificationPreferences(stranger, { push: false }))).toBe("permission-denied");
    // Back to the defaults: the quiet hours above would hold this user's pushes in the tests below at night in Paris.
    await brand.chat.setNotificationPreferences({ push: true, email: true, quietHours: null });
  });
});

describe("with the Cloud Functions and the Tasks emulator", () => {
  it(
    "pushes to an away participant's device, records the FCM message, and keeps the badge exact from the inbox",
    async () => {
      // Whatever an earlier test left: the defaults (no quiet hours, which would hold the push at this hour).
      expect(await brand.chat.notificationPreferences()).toEqual({ push: true, email: true, mutedUntil: null, quietHours: null });
      const dealId = await seedDeal({ brandId: brand.uid, influencerId: influencer.uid });
      const token = fcmToken("android");
      await brand.chat.registerPushToken(token, { platform: "android" });
      const totals = new Recorder<UnreadTotal>();
      const stop = brand.chat.watchUnreadTotal(totals.next, totals.fail);

      const sentAt = Date.now();
      const sending = influencer.chat.send({ dealId, text: "Draft is ready for review" });
      await sending.done;
      const messageId = sending.messageId;
      const [push] = await pollUntil(
        () => recordedFor(brand.uid, dealId),
        (list) => list.length > 0,
        { timeoutMs: FUNCTIONS_DEADLINE_MS, what: "the recorded push" },
      );
      expect(push!.message).toMatchObject({
        tokens: [token],
        notification: { title: `New message in deal ${dealId}`, body: "Draft is ready for review" },
        data: { type: "dealchat.newMessages", dealId, messageId, unread: "1" },
      });
      expect(push!.recordedAt.toMillis()).toBeGreaterThanOrEqual(sentAt - 5_000);
      await totals.until((t) => !t.fromCache && t.total === 1 && t.conversations === 1, "the inbox total", { timeoutMs: FUNCTIONS_DEADLINE_MS });
      await brand.chat.markRead(dealId);
      await totals.until((t) => t.total === 0, "the inbox total after markRead", { timeoutMs: FUNCTIONS_DEADLINE_MS });
      stop();
    },
    3 * FUNCTIONS_DEADLINE_MS,
  );

  it(
    "does not push to a participant who has the conversation open, nor for an edit",
    async () => {
      const dealId = await seedDeal({ brandId: brand.uid, influencerId: influencer.uid });
      await influencer.chat.registerPushToken(fcmToken("ios"), { platform: "ios" });
      const showing = influencer.chat.showingConversation(dealId);
      await pollUntil(
        () => adminFirestore().collection(notificationPaths.openDevices(influencer.uid)).where("dealId", "==", dealId).get(),
        (s) => s.size === 1,
        { what: "the open conversation entry" },
      );
      const sending = brand.chat.send({ dealId, text: "Quick question" });
      await sending.done;
      await brand.chat.edit({ dealId, messageId: sending.messageId, text: "Quick question (edited)" });
      const state = await pollUntil(
        () => adminFirestore().doc(notificationPaths.conversationState(influencer.uid, dealId)).get(),
        (s) => s.exists && s.get("notifiedUpTo") !== null,
        { timeoutMs: FUNCTIONS_DEADLINE_MS, what: "the push task's decision" },
      );
      expect(state.get("pushes")).toBe(0);
      expect(await recordedFor(influencer.uid, dealId)).toEqual([]);
      await showing.close();
    },
    3 * FUNCTIONS_DEADLINE_MS,
  );
});
