// The pure parts of notifications, in-process: the push decision's order, quiet hours across midnight and time
// zones, the delivery switch (recorded only inside the Functions emulator on a demo project), the collapse tag.
import { describe, expect, it } from "vitest";
import { minuteOfDay, pushDecision, quietPeriodEnd, type PushDecisionInput } from "@dealchat/model";
import { collapseTag, pushTitle } from "../../functions/src/domain/push-message.ts";
import { defaultTransport, recordsInsteadOfSending } from "../../functions/src/handlers/push-delivery.ts";
import { notificationSettings, pushPayload } from "../../functions/src/notification-triggers.ts";
import { db } from "./support.ts";

const t = (ms: number) => ({ seconds: Math.floor(ms / 1000), nanoseconds: 0, toMillis: () => ms });
const noon = Date.UTC(2026, 5, 1, 12, 0, 0);
const base: PushDecisionInput = {
  nowMs: noon,
  unread: 2,
  fresh: 1,
  lastPushAtMs: null,
  throttleMs: 60_000,
  preferences: { push: true, mutedUntil: null, quietHours: null },
  conversation: { push: true, mutedUntil: null },
  activeHere: false,
  devices: 1,
};

describe("pushDecision", () => {
  it("decides in the documented order", () => {
    expect(pushDecision(base)).toEqual({ action: "send" });
    expect(pushDecision({ ...base, unread: 0, fresh: 0 })).toMatchObject({ action: "none", reason: "nothing-unread" });
    expect(pushDecision({ ...base, fresh: 0 })).toMatchObject({ action: "none", reason: "nothing-new" });
    expect(pushDecision({ ...base, preferences: { ...base.preferences, push: false } })).toMatchObject({ reason: "push-off" });
    expect(pushDecision({ ...base, conversation: { push: false, mutedUntil: null } })).toMatchObject({ reason: "conversation-muted" });
    expect(pushDecision({ ...base, conversation: { push: true, mutedUntil: t(noon + 1) } })).toMatchObject({ reason: "conversation-muted" });
    expect(pushDecision({ ...base, conversation: { push: true, mutedUntil: t(noon) } })).toEqual({ action: "send" });
    expect(pushDecision({ ...base, preferences: { ...base.preferences, mutedUntil: t(noon + 1) } })).toMatchObject({ reason: "muted" });
    expect(pushDecision({ ...base, activeHere: true })).toMatchObject({ action: "suppress", reason: "active-in-conversation" });
    expect(pushDecision({ ...base, devices: 0 })).toMatchObject({ action: "suppress", reason: "no-device" });
    expect(pushDecision({ ...base, lastPushAtMs: noon - 59_999 })).toEqual({ action: "defer", atMs: noon + 1, reason: "throttled" });
    expect(pushDecision({ ...base, lastPushAtMs: noon - 60_000 })).toEqual({ action: "send" });
  });

  it("holds pushes in quiet hours until they end, across midnight and in the user's zone", () => {
    const overnight = { startMinute: 22 * 60, endMinute: 7 * 60, timeZone: "Europe/Paris" };
    const parisMidnight = Date.UTC(2026, 5, 1, 22, 0, 0); // 00:00 in Paris (UTC+2 in June)
    expect(minuteOfDay(parisMidnight, "Europe/Paris")).toBe(0);
    expect(quietPeriodEnd(overnight, parisMidnight)).toBe(Date.UTC(2026, 5, 2, 5, 0, 0));
    expect(quietPeriodEnd(overnight, noon)).toBeNull();
    expect(pushDecision({ ...base, nowMs: parisMidnight + 30_000, preferences: { ...base.preferences, quietHours: overnight } })).toEqual({
      action: "defer",
      atMs: Date.UTC(2026, 5, 2, 5, 0, 0),
      reason: "quiet-hours",
    });
    // A zone this runtime does not know counts as UTC.
    expect(minuteOfDay(noon, "Nowhere/Atlantis")).toBe(12 * 60);
  });
});

describe("delivery switch", () => {
  it("records only inside the Functions emulator on a demo project; everything else sends", () => {
    expect(recordsInsteadOfSending({ FUNCTIONS_EMULATOR: "true", GCLOUD_PROJECT: "demo-dealchat" })).toBe(true);
    expect(recordsInsteadOfSending({ FUNCTIONS_EMULATOR: "true", FIREBASE_CONFIG: JSON.stringify({ projectId: "demo-x" }) })).toBe(true);
    expect(recordsInsteadOfSending({ FUNCTIONS_EMULATOR: "true", GCLOUD_PROJECT: "influencerconnect-prod" })).toBe(false);
    expect(recordsInsteadOfSending({ GCLOUD_PROJECT: "demo-dealchat" })).toBe(false);
    expect(recordsInsteadOfSending({ FUNCTIONS_EMULATOR: "1", GCLOUD_PROJECT: "demo-dealchat" })).toBe(false);
    expect(recordsInsteadOfSending({ K_SERVICE: "pushnotify", GCLOUD_PROJECT: "influencerconnect-prod" })).toBe(false);
    expect(defaultTransport(db, { GCLOUD_PROJECT: "influencerconnect-prod" }).kind).toBe("fcm");
    expect(defaultTransport(db, { FUNCTIONS_EMULATOR: "true", GCLOUD_PROJECT: "demo-dealchat" }).kind).toBe("recording");
  });

  it("one collapse tag per deal, within Web Push's 32-character Topic limit", () => {
    expect(collapseTag("deal-1")).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(collapseTag("deal-1")).toBe(collapseTag("deal-1"));
    expect(collapseTag("deal-1")).not.toBe(collapseTag("deal-2"));
    expect(pushTitle(1, null)).toBe("New message");
    expect(pushTitle(3, "Acme × Jo")).toBe("3 new messages in Acme × Jo");
  });
});

describe("task payloads and settings", () => {
  it("drops a malformed payload instead of failing (a retry would fail the same way)", () => {
    expect(pushPayload({ dealId: "deal-1", side: "brand", etaMs: 1 })).toEqual({ dealId: "deal-1", side: "brand" });
    for (const bad of [null, {}, { dealId: "deal-1" }, { dealId: "deal-1", side: "system" }, { dealId: "a/b", side: "brand" }, { dealId: 7, side: "brand" }]) {
      expect(pushPayload(bad)).toBeNull();
    }
  });

  it("reads the intervals from the environment, ignoring values that are not positive numbers", () => {
    expect(notificationSettings({}).pushThrottleMs).toBe(60_000);
    expect(notificationSettings({ NOTIFY_PUSH_THROTTLE_SECONDS: "120", NOTIFY_DIGEST_DELAY_SECONDS: "-5" })).toMatchObject({
      pushThrottleMs: 120_000,
      digestDelayMs: 30 * 60_000,
    });
  });
});
