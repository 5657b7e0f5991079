// The notification collections' cases for the firestore.rules contract suite (registered by
// firestore-rules-contract.test.ts, so that the drifted-limit check covers the generated notification
// constants too): push devices, the open conversation, preferences and the platform-only documents. Each case
// has a hand-written expectation that both the rules and the model's verdict (model/src/notifications.ts) must give.
import {
  conversationPreferencesDoc,
  conversationPreferencesVerdict,
  notificationLimits,
  notificationPaths,
  openConversationDoc,
  openConversationVerdict,
  preferencesDoc,
  preferencesVerdict,
  pushDeviceDoc,
  pushDeviceVerdict,
  type QuietHours,
} from "@dealchat/model";
import { at, type Data, firestoreAllows, type VerdictCase } from "./rules-engine-harness.ts";

export const NOW = Date.UTC(2026, 10, 30, 12, 0, 0);
const owner = "brand-1";
const other = "influencer-1";
const dealId = "deal-1";
export const validToken = `fcm_${"a".repeat(20)}:APA91b${"x".repeat(140)}`;
const deal = { brandId: owner, influencerId: other, participants: [owner, other], status: "active", createdAt: at(NOW - 1), updatedAt: at(NOW - 1) };

function deviceCase(name: string, expected: boolean, o: { uid?: string | null; token?: string; stored?: Data | null; data?: Data }): VerdictCase {
  return {
    name: `push device: ${name}`,
    expect: expected,
    run: (rules) => {
      const uid = o.uid === undefined ? owner : o.uid;
      const token = o.token ?? validToken;
      const stored = o.stored ?? null;
      const data = o.data ?? pushDeviceDoc(token, "android", at(NOW));
      return {
        rules: firestoreAllows(rules, {
          uid,
          nowMs: NOW,
          path: notificationPaths.pushDevice(owner, token),
          method: stored ? "update" : "create",
          stored,
          next: data,
        }),
        model: pushDeviceVerdict({ uid, nowMs: NOW }, owner, token, stored, data),
      };
    },
  };
}

function openCase(name: string, expected: boolean, o: { uid?: string; deviceId?: string; stored?: Data | null; data?: Data }): VerdictCase {
  return {
    name: `open conversation: ${name}`,
    expect: expected,
    run: (rules) => {
      const uid = o.uid ?? owner;
      const deviceId = o.deviceId ?? "tab_1";
      const stored = o.stored ?? null;
      const data = o.data ?? openConversationDoc(dealId, at(NOW), at(NOW + notificationLimits.openConversationTtlMs));
      return {
        rules: firestoreAllows(rules, {
          uid,
          nowMs: NOW,
          path: notificationPaths.openDevice(owner, deviceId),
          method: stored ? "update" : "create",
          stored,
          next: data,
        }),
        model: openConversationVerdict({ uid, nowMs: NOW }, owner, deviceId, stored, data),
      };
    },
  };
}

const quiet = (over: Partial<Record<keyof QuietHours, unknown>> = {}) => ({ startMinute: 22 * 60, endMinute: 7 * 60, timeZone: "Europe/Paris", ...over });
const prefs = (over: Data = {}) => ({ ...preferencesDoc({ push: true, email: true, mutedUntil: null, quietHours: quiet() as QuietHours }, at(NOW)), ...over });

function preferencesCase(name: string, expected: boolean, o: { uid?: string; stored?: Data | null; data?: Data }): VerdictCase {
  return {
    name: `preferences: ${name}`,
    expect: expected,
    run: (rules) => {
      const uid = o.uid ?? owner;
      const stored = o.stored ?? null;
      const data = o.data ?? prefs();
      return {
        rules: firestoreAllows(rules, {
          uid,
          nowMs: NOW,
          path: notificationPaths.preferences(owner),
          method: stored ? "update" : "create",
          stored,
          next: data,
        }),
        model: preferencesVerdict({ uid, nowMs: NOW }, owner, stored, data),
      };
    },
  };
}

const convPrefs = (over: Data = {}) => ({ ...conversationPreferencesDoc({ push: false, email: true, mutedUntil: at(NOW + 3_600_000) }, at(NOW)), ...over });

function conversationPreferencesCase(name: string, expected: boolean, o: { uid?: string; dealDoc?: Data; stored?: Data | null; data?: Data }): VerdictCase {
  return {
    name: `conversation preferences: ${name}`,
    expect: expected,
    run: (rules) => {
      const uid = o.uid ?? owner;
      const stored = o.stored ?? null;
      const data = o.data ?? convPrefs();
      const dealDoc = o.dealDoc ?? deal;
      const participant = uid === dealDoc.brandId || uid === dealDoc.influencerId;
      return {
        rules: firestoreAllows(rules, {
          uid,
          nowMs: NOW,
          path: notificationPaths.conversationPreferences(owner, dealId),
          method: stored ? "update" : "create",
          stored,
          next: data,
          documents: { [`deals/${dealId}`]: dealDoc },
        }),
        model: conversationPreferencesVerdict({ uid, nowMs: NOW }, owner, participant, stored, data),
      };
    },
  };
}

const L = notificationLimits;
const token = (length: number) => `t${"A".repeat(length - 1)}`;

export function notificationVerdictCases(): VerdictCase[] {
  return [
    deviceCase("registering a web token", true, { data: pushDeviceDoc(validToken, "web", at(NOW)) }),
    deviceCase("registering an iOS token", true, { data: pushDeviceDoc(validToken, "ios", at(NOW)) }),
    deviceCase("a token of the minimum length", true, { token: token(L.pushTokenMinLength) }),
    deviceCase("a token one shorter than the minimum", false, { token: token(L.pushTokenMinLength - 1) }),
    deviceCase("a token of the maximum length", true, { token: token(L.pushTokenMaxLength) }),
    deviceCase("a token one past the maximum length", false, { token: token(L.pushTokenMaxLength + 1) }),
    deviceCase("a token with a character FCM never uses", false, { token: `${validToken}!x` }),
    deviceCase("an unknown platform", false, { data: pushDeviceDoc(validToken, "blackberry" as "web", at(NOW)) }),
    deviceCase("a token that is not the document id", false, { data: pushDeviceDoc(`${validToken}b`, "web", at(NOW)) }),
    deviceCase("a client-clock updatedAt", false, { data: pushDeviceDoc(validToken, "web", at(NOW - 1)) }),
    deviceCase("an extra field", false, { data: { ...pushDeviceDoc(validToken, "web", at(NOW)), owner } }),
    deviceCase("someone else's devices", false, { uid: other }),
    deviceCase("signed out", false, { uid: null }),
    deviceCase("a refresh limits.pushTokenMinIntervalMs after the last", true, {
      stored: pushDeviceDoc(validToken, "web", at(NOW - L.pushTokenMinIntervalMs)),
    }),
    deviceCase("a refresh sooner than limits.pushTokenMinIntervalMs", false, {
      stored: pushDeviceDoc(validToken, "web", at(NOW - L.pushTokenMinIntervalMs + 1)),
    }),

    openCase("opening a conversation", true, {}),
    openCase("an expiry at openConversationMaxTtlMs", true, { data: openConversationDoc(dealId, at(NOW), at(NOW + L.openConversationMaxTtlMs)) }),
    openCase("an expiry one ms past openConversationMaxTtlMs", false, {
      data: openConversationDoc(dealId, at(NOW), at(NOW + L.openConversationMaxTtlMs + 1)),
    }),
    openCase("an expiry in the past", false, { data: openConversationDoc(dealId, at(NOW), at(NOW - 1)) }),
    openCase("closing (no conversation, expires now)", true, { data: openConversationDoc(null, at(NOW), at(NOW)) }),
    openCase("a deal id outside the id alphabet", false, { data: openConversationDoc("deal/1", at(NOW), at(NOW + 1_000)) }),
    openCase("a device id outside the id alphabet", false, { deviceId: "tab.1" }),
    openCase("another user's document", false, { uid: other }),
    openCase("an extra field", false, { data: { ...openConversationDoc(dealId, at(NOW), at(NOW + 1_000)), text: "x" } }),
    openCase("a refresh limits.openConversationMinIntervalMs after the last", true, {
      stored: openConversationDoc(dealId, at(NOW - L.openConversationMinIntervalMs), at(NOW + 1_000)),
    }),
    openCase("a refresh sooner than limits.openConversationMinIntervalMs", false, {
      stored: openConversationDoc(dealId, at(NOW - L.openConversationMinIntervalMs + 1), at(NOW + 1_000)),
    }),
    openCase("closing right after a refresh", true, {
      stored: openConversationDoc(dealId, at(NOW - 1), at(NOW + 1_000)),
      data: openConversationDoc(null, at(NOW), at(NOW)),
    }),

    preferencesCase("all on, quiet hours overnight", true, {}),
    preferencesCase("no quiet hours, muted for the maximum", true, { data: prefs({ quietHours: null, mutedUntil: at(NOW + L.muteMaxMs) }) }),
    preferencesCase("muted one ms past the maximum", false, { data: prefs({ mutedUntil: at(NOW + L.muteMaxMs + 1) }) }),
    preferencesCase("a mute that is not a time", false, { data: prefs({ mutedUntil: "tomorrow" }) }),
    preferencesCase("push as a string", false, { data: prefs({ push: "yes" }) }),
    preferencesCase("the last minute of the day", true, { data: prefs({ quietHours: quiet({ endMinute: L.minutesPerDay - 1 }) }) }),
    preferencesCase("a minute past the day", false, { data: prefs({ quietHours: quiet({ endMinute: L.minutesPerDay }) }) }),
    preferencesCase("a negative minute", false, { data: prefs({ quietHours: quiet({ startMinute: -1 }) }) }),
    preferencesCase("a fractional minute", false, { data: prefs({ quietHours: quiet({ startMinute: 1.5 }) }) }),
    preferencesCase("an empty quiet period", false, { data: prefs({ quietHours: quiet({ startMinute: 60, endMinute: 60 }) }) }),
    preferencesCase("a one-letter zone segment", true, { data: prefs({ quietHours: quiet({ timeZone: "Etc/A" }) }) }),
    preferencesCase("a three-segment zone", true, { data: prefs({ quietHours: quiet({ timeZone: "America/Argentina/Buenos_Aires" }) }) }),
    preferencesCase("a four-segment zone", false, { data: prefs({ quietHours: quiet({ timeZone: "America/Argentina/Buenos_Aires/X" }) }) }),
    preferencesCase("a zone name of the maximum length", true, { data: prefs({ quietHours: quiet({ timeZone: `${"A".repeat(30)}/${"B".repeat(30)}/CD` }) }) }),
    preferencesCase("a zone name one past the maximum length", false, {
      data: prefs({ quietHours: quiet({ timeZone: `${"A".repeat(30)}/${"B".repeat(30)}/CDE` }) }),
    }),
    preferencesCase("a first zone segment of 31 characters", false, { data: prefs({ quietHours: quiet({ timeZone: "A".repeat(31) }) }) }),
    preferencesCase("a later zone segment of 31 characters", false, { data: prefs({ quietHours: quiet({ timeZone: `Europe/${"B".repeat(31)}` }) }) }),
    preferencesCase("a zone with a space", false, { data: prefs({ quietHours: quiet({ timeZone: "Europe/Par is" }) }) }),
    preferencesCase("quiet hours with an extra field", false, { data: prefs({ quietHours: { ...quiet(), days: [1] } }) }),
    preferencesCase("an extra field", false, { data: { ...prefs(), digestEveryMinutes: 1 } }),
    preferencesCase("someone else's preferences", false, { uid: other }),
    preferencesCase("a change limits.preferencesMinIntervalMs after the last", true, {
      stored: preferencesDoc({ push: true, email: true, mutedUntil: null, quietHours: null }, at(NOW - L.preferencesMinIntervalMs)),
    }),
    preferencesCase("a change sooner than limits.preferencesMinIntervalMs", false, {
      stored: preferencesDoc({ push: true, email: true, mutedUntil: null, quietHours: null }, at(NOW - L.preferencesMinIntervalMs + 1)),
    }),

    conversationPreferencesCase("muting a deal of one's own", true, {}),
    conversationPreferencesCase("muting for the maximum", true, { data: convPrefs({ mutedUntil: at(NOW + L.muteMaxMs) }) }),
    conversationPreferencesCase("muting one ms past the maximum", false, { data: convPrefs({ mutedUntil: at(NOW + L.muteMaxMs + 1) }) }),
    conversationPreferencesCase("a deal one is not part of", false, { dealDoc: { ...deal, brandId: "someone-else" } }),
    conversationPreferencesCase("email as a number", false, { data: convPrefs({ email: 1 }) }),
    conversationPreferencesCase("an extra field", false, { data: { ...convPrefs(), quietHours: null } }),
    conversationPreferencesCase("someone else's preferences", false, { uid: other }),
    conversationPreferencesCase("a change sooner than limits.preferencesMinIntervalMs", false, {
      stored: conversationPreferencesDoc({ push: true, email: true, mutedUntil: null }, at(NOW - L.preferencesMinIntervalMs + 1)),
    }),
  ];
}
