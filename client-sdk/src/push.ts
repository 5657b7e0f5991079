// Notifications on the device side (docs/notifications.md): registering the FCM token the app obtained, saying
// which conversation this device shows (so the functions do not push what the user is reading), the user's
// notification preferences, and the unread badge from inboxes/{uid} (one document, however many deals).
import {
  ConversationPreferences,
  Inbox,
  NotificationPreferences,
  PushPlatform,
  PushToken,
  QuietHours,
  conversationPreferencesDoc,
  defaultConversationPreferences,
  defaultPreferences,
  Id,
  inEnglish,
  notificationLimits,
  notificationPaths,
  openConversationDoc,
  preferencesDoc,
  pushDeviceDoc,
  quietHoursVerdict,
} from "@dealchat/model";
import { type DocumentSnapshot, Timestamp, deleteDoc, doc, getDoc, getDocFromServer, serverTimestamp, setDoc } from "firebase/firestore";
import * as z from "zod/mini";
import type { ClientContext } from "./context.ts";
import type { UnreadTotal } from "./conversations.ts";
import { DealChatError, parseInput, toDealChatError } from "./errors.ts";
import { PACING_MARGIN_MS } from "./send.ts";
import type { Unsubscribe } from "./lifecycle.ts";

// ---- push tokens -----------------------------------------------------------------------------------------------

const RegisterInput = z.object({ token: PushToken, platform: PushPlatform });

/**
 * Stores the FCM registration token of this device for the signed-in user (pushTokens/{uid}/devices/{token}).
 * Call it on every app start and whenever FCM hands out a new token: a token not refreshed for 60 days is stale
 * and dropped by the functions, and one FCM reports invalid is deleted at the next push. 1 write.
 */
export async function registerPushToken(ctx: ClientContext, token: string, options: { platform: PushPlatform }): Promise<void> {
  const input = parseInput(RegisterInput, { token, platform: options?.platform }, "registerPushToken");
  const ref = doc(ctx.db, notificationPaths.pushDevice(ctx.uid, input.token));
  ctx.countWrites();
  try {
    await setDoc(ref, pushDeviceDoc(input.token, input.platform, serverTimestamp()));
  } catch (e) {
    const error = toDealChatError(e, "registering the push token");
    // The rules pace re-registration (notificationLimits.pushTokenMinIntervalMs): a token registered a moment ago
    // for the same platform is registered, which is what the caller wants.
    if (error.code === "permission-denied") {
      const stored = await getDocFromServer(ref).catch(() => null);
      ctx.countReads(1);
      if (stored?.exists() && stored.get("platform") === input.platform) return;
    }
    throw error;
  }
}

/** Removes this device's token (sign-out): the user's pushes stop reaching it. 1 write. */
export async function unregisterPushToken(ctx: ClientContext, token: string): Promise<void> {
  const valid = parseInput(PushToken, token, "unregisterPushToken");
  ctx.countWrites();
  try {
    await deleteDoc(doc(ctx.db, notificationPaths.pushDevice(ctx.uid, valid)));
  } catch (e) {
    throw toDealChatError(e, "unregistering the push token");
  }
}

// ---- the conversation this device shows -------------------------------------------------------------------------

const deviceIds = new WeakMap<ClientContext, string>();
/** One id per client instance (a tab, an app process): its own openConversations entry. */
function deviceIdOf(ctx: ClientContext): string {
  let id = deviceIds.get(ctx);
  if (!id) {
    id = randomId();
    deviceIds.set(ctx, id);
  }
  return id;
}
const randomId = () => Array.from(crypto.getRandomValues(new Uint8Array(12)), (b) => b.toString(16).padStart(2, "0")).join("");

export interface OpenConversationHandle {
  /** The device no longer shows this conversation (pushes for it resume). */
  close(): Promise<void>;
}

/**
 * Marks `dealId` as open on this device until close(): no push for its messages while it is, refreshed every
 * openConversationTtlMs / 2 (an app that dies stops suppressing pushes within openConversationTtlMs). 1 write per refresh.
 */
export function openConversationOnDevice(ctx: ClientContext, dealId: string, onError: (e: DealChatError) => void = () => {}): OpenConversationHandle {
  const valid = parseInput(Id, dealId, "showingConversation");
  const ref = doc(ctx.db, notificationPaths.openDevice(ctx.uid, deviceIdOf(ctx)));
  let closed = false;
  const write = async () => {
    ctx.countWrites();
    await setDoc(ref, openConversationDoc(valid, serverTimestamp(), Timestamp.fromMillis(ctx.now() + notificationLimits.openConversationTtlMs)));
  };
  const first = write().catch((e: unknown) => onError(toDealChatError(e, "marking the conversation open")));
  const stopTimer = ctx.setIntervalTracked(() => {
    if (!closed) write().catch((e: unknown) => onError(toDealChatError(e, "refreshing the open conversation")));
  }, notificationLimits.openConversationTtlMs / 2);
  return {
    async close() {
      if (closed) return;
      closed = true;
      stopTimer();
      await first;
      ctx.countWrites();
      try {
        // Closing expires at the server's time of the write (always allowed by the rules).
        await setDoc(ref, openConversationDoc(null, serverTimestamp(), serverTimestamp()));
      } catch (e) {
        throw toDealChatError(e, "closing the open conversation");
      }
    },
  };
}

// ---- preferences ---------------------------------------------------------------------------------------------------

export interface NotificationSettingsView {
  push: boolean;
  email: boolean;
  mutedUntil: Date | null;
  quietHours: QuietHours | null;
}
export interface ConversationNotificationSettings {
  push: boolean;
  email: boolean;
  mutedUntil: Date | null;
}

const MuteInput = z.optional(z.nullable(z.date()));
const PreferencesInput = z.strictObject({
  push: z.optional(z.boolean()),
  email: z.optional(z.boolean()),
  mutedUntil: MuteInput,
  quietHours: z.optional(z.nullable(QuietHours)),
});
const ConversationPreferencesInput = z.strictObject({ push: z.optional(z.boolean()), email: z.optional(z.boolean()), mutedUntil: MuteInput });

function checkMute(ctx: ClientContext, mutedUntil: Date | null | undefined, what: string): void {
  if (!mutedUntil) return;
  if (Number.isNaN(mutedUntil.getTime()) || mutedUntil.getTime() > ctx.now() + notificationLimits.muteMaxMs) {
    throw new DealChatError("invalid-argument", `${what}: mutedUntil must be a valid date at most ${notificationLimits.muteMaxMs / 86_400_000} days ahead`);
  }
}
const toDate = (t: { toMillis(): number } | null) => (t ? new Date(t.toMillis()) : null);

/**
 * The rules accept one write of a preferences document per notificationLimits.preferencesMinIntervalMs (from its
 * stored updatedAt): a change made right after another waits out the rest instead of failing.
 */
async function waitOutPreferencesPacing(ctx: ClientContext, stored: DocumentSnapshot): Promise<void> {
  const updatedAt = stored.get("updatedAt") as { toMillis?: () => number } | undefined;
  const last = typeof updatedAt?.toMillis === "function" ? updatedAt.toMillis() : null;
  const wait = last === null ? 0 : last + notificationLimits.preferencesMinIntervalMs - ctx.now();
  if (wait > 0) await ctx.wait(wait + PACING_MARGIN_MS, "changing notification preferences");
}

async function readPreferences(ctx: ClientContext): Promise<{ view: NotificationSettingsView; snap: DocumentSnapshot }> {
  const snap = await getDoc(doc(ctx.db, notificationPaths.preferences(ctx.uid))).catch((e: unknown) => {
    throw toDealChatError(e, "reading notification preferences");
  });
  ctx.countReads(1);
  const parsed = snap.exists() ? NotificationPreferences.safeParse(snap.data(), inEnglish) : null;
  const p = parsed?.success ? parsed.data : defaultPreferences;
  return { view: { push: p.push, email: p.email, mutedUntil: toDate(p.mutedUntil), quietHours: p.quietHours }, snap };
}

export async function notificationPreferences(ctx: ClientContext): Promise<NotificationSettingsView> {
  return (await readPreferences(ctx)).view;
}

/** Changes some of the user's preferences (the rest keep their value). 1 read, 1 write. */
export async function setNotificationPreferences(ctx: ClientContext, change: Partial<NotificationSettingsView>): Promise<NotificationSettingsView> {
  const input = parseInput(PreferencesInput, change, "setNotificationPreferences");
  checkMute(ctx, input.mutedUntil, "setNotificationPreferences");
  if (input.quietHours) {
    const problem = quietHoursVerdict(input.quietHours);
    if (problem) throw new DealChatError("invalid-argument", `setNotificationPreferences: ${problem}`);
    try {
      new Intl.DateTimeFormat("en", { timeZone: input.quietHours.timeZone });
    } catch {
      throw new DealChatError("invalid-argument", `setNotificationPreferences: unknown time zone ${input.quietHours.timeZone}`);
    }
  }
  const { view: current, snap } = await readPreferences(ctx);
  const next = { ...current, ...Object.fromEntries(Object.entries(input).filter(([, v]) => v !== undefined)) } as NotificationSettingsView;
  await waitOutPreferencesPacing(ctx, snap);
  ctx.countWrites();
  try {
    await setDoc(
      doc(ctx.db, notificationPaths.preferences(ctx.uid)),
      preferencesDoc({ ...next, mutedUntil: next.mutedUntil ? Timestamp.fromDate(next.mutedUntil) : null }, serverTimestamp()),
    );
  } catch (e) {
    throw toDealChatError(e, "saving notification preferences");
  }
  return next;
}

async function readConversationPreferences(ctx: ClientContext, dealId: string): Promise<{ view: ConversationNotificationSettings; snap: DocumentSnapshot }> {
  const snap = await getDoc(doc(ctx.db, notificationPaths.conversationPreferences(ctx.uid, dealId))).catch((e: unknown) => {
    throw toDealChatError(e, "reading the conversation's notification preferences");
  });
  ctx.countReads(1);
  const parsed = snap.exists() ? ConversationPreferences.safeParse(snap.data(), inEnglish) : null;
  const p = parsed?.success ? parsed.data : defaultConversationPreferences;
  return { view: { push: p.push, email: p.email, mutedUntil: toDate(p.mutedUntil) }, snap };
}

export async function conversationNotificationPreferences(ctx: ClientContext, dealId: string): Promise<ConversationNotificationSettings> {
  return (await readConversationPreferences(ctx, parseInput(Id, dealId, "conversationNotificationPreferences"))).view;
}

/** Mutes or silences one deal for the signed-in user (only a deal they are part of). 1 read, 1 write. */
export async function setConversationNotificationPreferences(
  ctx: ClientContext,
  dealId: string,
  change: Partial<ConversationNotificationSettings>,
): Promise<ConversationNotificationSettings> {
  const valid = parseInput(Id, dealId, "setConversationNotificationPreferences");
  const input = parseInput(ConversationPreferencesInput, change, "setConversationNotificationPreferences");
  checkMute(ctx, input.mutedUntil, "setConversationNotificationPreferences");
  const { view: current, snap } = await readConversationPreferences(ctx, valid);
  const next = { ...current, ...Object.fromEntries(Object.entries(input).filter(([, v]) => v !== undefined)) } as ConversationNotificationSettings;
  await waitOutPreferencesPacing(ctx, snap);
  ctx.countWrites();
  try {
    await setDoc(
      doc(ctx.db, notificationPaths.conversationPreferences(ctx.uid, valid)),
      conversationPreferencesDoc({ ...next, mutedUntil: next.mutedUntil ? Timestamp.fromDate(next.mutedUntil) : null }, serverTimestamp()),
    );
  } catch (e) {
    throw toDealChatError(e, "saving the conversation's notification preferences");
  }
  return next;
}

// ---- the unread badge --------------------------------------------------------------------------------------------

/**
 * Live unread total across all the user's deals (both sides), from inboxes/{uid}: 1 read when it starts and 1 per
 * change, however many deals; never capped. The functions keep the document exact within about a second.
 */
export function watchInboxTotal(ctx: ClientContext, onChange: (total: UnreadTotal) => void, onError: (e: DealChatError) => void = () => {}): Unsubscribe {
  const uid = ctx.uid;
  let last = "";
  return ctx.listenToDoc(
    doc(ctx.db, notificationPaths.inbox(uid)),
    { includeMetadataChanges: true },
    (snap) => {
      const parsed = snap.exists() ? Inbox.safeParse(snap.data(), inEnglish) : undefined;
      if (parsed && !parsed.success) ctx.reportMalformed(snap.ref.path, parsed.error.issues[0]?.message ?? "unexpected shape");
      const inbox = parsed?.success ? parsed.data : null;
      const next: UnreadTotal = {
        total: inbox?.unreadTotal ?? 0,
        conversations: inbox?.conversationsWithUnread ?? 0,
        capped: false,
        fromCache: snap.metadata.fromCache,
      };
      const key = JSON.stringify(next);
      if (key === last) return;
      last = key;
      onChange(next);
    },
    onError,
    "the unread total",
  );
}
