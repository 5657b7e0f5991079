// Push notifications and email digests (docs/notifications.md). A new message only schedules work: one push task
// for its recipient and one digest check at createdAt + digest delay. The tasks decide from the stored state at
// the time they run (model pushDecision), so a duplicated, late or reordered task announces nothing twice, an edit
// never notifies (there is no task for it), and a message deleted before its push goes out is not announced.
import { FieldValue, Timestamp, type DocumentReference, type Firestore } from "firebase-admin/firestore";
import escapeHtml from "escape-html";
import {
  ConversationNotificationState,
  ConversationPreferences,
  Deal,
  Inbox,
  inEnglish,
  NotificationPreferences,
  OpenConversation,
  PushDevice,
  UserNotificationState,
  conversationListQuery,
  defaultConversationPreferences,
  defaultPreferences,
  notificationCollections,
  notificationLimits,
  notificationPaths,
  otherSide,
  paths,
  Presence,
  pushDecision,
  sides,
  type ConversationState,
  type NotificationSettings,
  type PushDecision,
  type Side,
  type TimestampLike,
} from "@dealchat/model";
import { laterOf } from "../domain/conversation.ts";
import { openDevicesQuery, pushDevicesQuery, tokenRegistrationsQuery, unreadEdgeQuery } from "../domain/notification-queries.ts";
import { pushMessage } from "../domain/push-message.ts";
import { unreadCountQuery } from "../domain/queries.ts";
import { runCounted, type Cost, type CountedTransaction } from "../store/counted.ts";
import { toAdminQuery } from "../store/query.ts";
import { invalidTokenCodes, type PushTransport, type TokenResult } from "./push-delivery.ts";
import { parseConversation } from "./shared.ts";
import { taskName, taskQueues, type TaskScheduler } from "./tasks.ts";

export interface NotifyDeps {
  db: Firestore;
  now: () => number;
  scheduler: TaskScheduler;
  transport: PushTransport;
  settings: NotificationSettings;
}

// ---- scheduling from a new message -----------------------------------------------------------------------

export interface NewMessageRef {
  dealId: string;
  messageId: string;
  senderSide: string;
  /** The message's createdAt in milliseconds (the digest check is due digestDelayMs after it). */
  createdAtMs: number;
}

/**
 * What a new message schedules: a push task for the other side (named by the message, so a duplicated trigger
 * enqueues nothing new) and a digest check. System messages (deal status changes) are nobody's unread message
 * and notify nobody.
 */
export async function scheduleForNewMessage(m: NewMessageRef, deps: Pick<NotifyDeps, "scheduler" | "settings" | "now">): Promise<string[]> {
  if (m.senderSide !== "brand" && m.senderSide !== "influencer") return [];
  const side = otherSide(m.senderSide);
  const pushEta = deps.now();
  const digestEta = m.createdAtMs + deps.settings.digestDelayMs;
  const results = await Promise.all([
    deps.scheduler.schedule(taskQueues.push, { dealId: m.dealId, side, etaMs: pushEta }, { name: taskName("push", m.dealId, m.messageId), etaMs: pushEta }),
    deps.scheduler.schedule(
      taskQueues.digest,
      { dealId: m.dealId, side, etaMs: digestEta },
      // One check per recipient and deal and delay-sized slot: a burst of messages schedules one.
      { name: taskName("digest", m.dealId, side, Math.floor(digestEta / deps.settings.digestDelayMs)), etaMs: digestEta },
    ),
  ]);
  return results;
}

// ---- push --------------------------------------------------------------------------------------------------

export interface PushTask {
  dealId: string;
  /** The recipient's side in the deal (the uid is read from the conversation when the task runs). */
  side: Side;
}

export type PushOutcome = PushDecision & {
  uid?: string;
  cost: Cost;
  results?: TokenResult[];
  pruned?: string[];
  rescheduled?: "enqueued" | "exists";
};

/** A stored document checked against the model, or `fallback` when missing or malformed (never a crash in a retried task). */
function parseOr<T, F>(schema: { safeParse: (v: unknown, o: typeof inEnglish) => { success: boolean; data?: T } }, data: unknown, fallback: F): T | F {
  if (data === undefined) return fallback;
  const parsed = schema.safeParse(data, inEnglish);
  return parsed.success ? (parsed.data as T) : fallback;
}

export function uidOn(state: Pick<ConversationState, "brandId" | "influencerId">, side: Side): string {
  return side === "brand" ? state.brandId : state.influencerId;
}

export async function handlePushTask(task: PushTask, deps: NotifyDeps): Promise<PushOutcome> {
  const { db } = deps;
  const nowMs = deps.now();
  const staleBefore = nowMs - notificationLimits.pushTokenStaleMs;
  let send: { uid: string; message: ReturnType<typeof pushMessage> } | null = null;
  let stale: DocumentReference[] = [];

  const decided = await runCounted(db, async (tx) => {
    stale = [];
    send = null;
    const convSnap = await tx.getDoc(db.doc(paths.conversation(task.dealId)));
    const conversation = convSnap.exists ? parseConversation(task.dealId, convSnap.data()) : null;
    // The first message of a new deal may be pushed before any trigger created the conversation: the deal decides.
    let deal: Deal | null = null;
    if (!conversation) {
      deal = parseOr(Deal, (await tx.getDoc(db.doc(paths.deal(task.dealId)))).data(), null);
      if (!deal) return { action: "none" as const, reason: "nothing-unread" as const };
    }
    const uid = uidOn(conversation ?? deal!, task.side);
    const stateRef = db.doc(notificationPaths.conversationState(uid, task.dealId));
    const state = parseOr(ConversationNotificationState, (await tx.getDoc(stateRef)).data(), { lastPushAt: null, notifiedUpTo: null, pushes: 0 });
    const watermark = conversation ? conversation.readWatermark[task.side] : null;
    const since = state.notifiedUpTo ? laterOf(watermark, state.notifiedUpTo) : watermark;
    // The message range is read without a lock: the next message into this deal must not wait for a push decision.
    // A message written after these reads has its own push task, and notifiedUpTo only moves forward.
    const newest = await tx.getQueryUnlocked(toAdminQuery(db, unreadEdgeQuery(task.dealId, task.side, since, "newest")));
    const fresh = newest.empty ? 0 : await tx.countUnlocked(toAdminQuery(db, unreadCountQuery(task.dealId, task.side, since)));
    const unread = newest.empty
      ? 0
      : since === watermark
        ? fresh
        : await tx.countUnlocked(toAdminQuery(db, unreadCountQuery(task.dealId, task.side, watermark)));
    if (newest.empty) return { action: "none" as const, reason: "nothing-new" as const, uid };
    // Inside the throttle window pushDecision answers "later" before looking at anything else, so the preferences,
    // open devices and tokens are not read for it (the same rule, applied before those reads).
    const windowEnd = state.lastPushAt ? state.lastPushAt.toMillis() + deps.settings.pushThrottleMs : null;
    if (windowEnd !== null && nowMs < windowEnd) return { action: "defer" as const, atMs: windowEnd, reason: "throttled" as const, uid };

    const prefs = parseOr(NotificationPreferences, (await tx.getDoc(db.doc(notificationPaths.preferences(uid)))).data(), defaultPreferences);
    const convPrefs = parseOr(
      ConversationPreferences,
      (await tx.getDoc(db.doc(notificationPaths.conversationPreferences(uid, task.dealId)))).data(),
      defaultConversationPreferences,
    );
    const open = await tx.getQuery(toAdminQuery(db, openDevicesQuery(uid, task.dealId)));
    const activeHere = open.docs.some((d) => {
      const o = OpenConversation.safeParse(d.data());
      return o.success && o.data.dealId === task.dealId && o.data.expiresAt.toMillis() > nowMs;
    });
    const deviceSnap = await tx.getQuery(toAdminQuery(db, pushDevicesQuery(uid)));
    const devices: PushDevice[] = [];
    for (const d of deviceSnap.docs) {
      const parsed = PushDevice.safeParse(d.data());
      if (!parsed.success || parsed.data.token !== d.id || parsed.data.updatedAt.toMillis() < staleBefore) stale.push(d.ref);
      else devices.push(parsed.data);
    }

    const decision = pushDecision({
      nowMs,
      unread,
      fresh,
      lastPushAtMs: state.lastPushAt?.toMillis() ?? null,
      throttleMs: deps.settings.pushThrottleMs,
      preferences: prefs,
      conversation: convPrefs,
      activeHere,
      devices: devices.length,
    });
    const newestDoc = newest.docs[0]!;
    const newestAt = newestDoc.get("createdAt") as Timestamp;
    if (decision.action === "suppress") {
      // Handled for good: these messages are never announced later (after a mute ends, or the app closes).
      tx.set(stateRef, { ...state, notifiedUpTo: newestAt });
    } else if (decision.action === "send") {
      deal ??= parseOr(Deal, (await tx.getDoc(db.doc(paths.deal(task.dealId)))).data(), null);
      const inbox = parseOr(Inbox, (await tx.getDoc(db.doc(notificationPaths.inbox(uid)))).data(), null);
      const text = newestDoc.get("text");
      const muted = convPrefs.mutedUntil !== null || !convPrefs.push;
      send = {
        uid,
        message: pushMessage({
          tokens: devices.map((d) => d.token),
          dealId: task.dealId,
          messageId: newestDoc.id,
          dealTitle: deal?.title ?? null,
          unread,
          preview: !muted && typeof text === "string" ? text : null,
          badge: inbox ? Math.max(inbox.unreadTotal, unread) : null,
        }),
      };
      tx.set(stateRef, { lastPushAt: Timestamp.fromMillis(nowMs), notifiedUpTo: newestAt, pushes: state.pushes + 1 });
    }
    return { ...decision, uid };
  });

  const outcome: PushOutcome = { ...decided };
  const toDelete = [...stale];
  const pending = send as { uid: string; message: ReturnType<typeof pushMessage> } | null;
  if (pending) {
    // After the commit: the state already says "announced", so a retried task cannot send twice (at most once).
    const results = await deps.transport.send(pending.message, { uid: pending.uid, dealId: task.dealId });
    outcome.results = results;
    const invalid = results.filter((r) => !r.ok && r.errorCode && invalidTokenCodes.includes(r.errorCode)).map((r) => r.token);
    toDelete.push(...invalid.map((t) => db.doc(notificationPaths.pushDevice(pending.uid, t))));
  }
  if (toDelete.length > 0) {
    const batch = db.batch();
    for (const ref of toDelete) batch.delete(ref);
    await batch.commit();
    outcome.cost = { ...outcome.cost, writes: outcome.cost.writes + toDelete.length };
    outcome.pruned = toDelete.map((r) => r.id);
  }
  if (decided.action === "defer" && decided.uid) {
    // The later push updates the same notification (collapse tag): one task per user, deal and due time.
    outcome.rescheduled = await deps.scheduler.schedule(
      taskQueues.push,
      { dealId: task.dealId, side: task.side, etaMs: decided.atMs },
      { name: taskName("push-at", decided.uid, task.dealId, decided.atMs), etaMs: decided.atMs },
    );
  }
  return outcome;
}

// ---- email digest ------------------------------------------------------------------------------------------

export interface DigestTask {
  dealId: string;
  side: Side;
}

export interface DigestOutcome {
  action: "sent" | "none" | "defer";
  reason?: string;
  uid?: string;
  mailId?: string;
  atMs?: number;
  cost: Cost;
  rescheduled?: "enqueued" | "exists";
}

interface Waiting {
  dealId: string;
  title: string | null;
  unread: number;
  oldestUnreadAt: TimestampLike;
}

async function waitingConversations(
  tx: CountedTransaction,
  db: Firestore,
  uid: string,
  maxCount: number,
): Promise<Array<{ state: ConversationState; side: Side }>> {
  const out: Array<{ state: ConversationState; side: Side }> = [];
  for (const side of sides) {
    const snap = await tx.getQueryUnlocked(toAdminQuery(db, conversationListQuery({ uid, side, unreadOnly: true, pageSize: maxCount })));
    for (const d of snap.docs) {
      const state = parseConversation(d.id, d.data());
      if (state && state.unread[side] > 0) out.push({ state, side });
    }
  }
  return out;
}

/** The digest of `uid`: once per digest window, only for what has waited digestDelayMs while they were away. */
export async function handleDigestTask(task: DigestTask, deps: NotifyDeps): Promise<DigestOutcome> {
  const { db, settings } = deps;
  const nowMs = deps.now();
  const decided = await runCounted(db, async (tx): Promise<Omit<DigestOutcome, "cost">> => {
    const convSnap = await tx.getDoc(db.doc(paths.conversation(task.dealId)));
    const conversation = convSnap.exists ? parseConversation(task.dealId, convSnap.data()) : null;
    if (!conversation) return { action: "none", reason: "no conversation" };
    const uid = uidOn(conversation, task.side);
    const stateRef = db.doc(notificationPaths.userState(uid));
    const state = parseOr(UserNotificationState, (await tx.getDoc(stateRef)).data(), { lastDigestAt: null, digests: 0 });
    const prefs = parseOr(NotificationPreferences, (await tx.getDoc(db.doc(notificationPaths.preferences(uid)))).data(), defaultPreferences);
    if (!prefs.email) return { action: "none", reason: "email-off", uid };
    if (state.lastDigestAt && nowMs < state.lastDigestAt.toMillis() + settings.digestWindowMs) {
      return { action: "defer", reason: "digest-window", uid, atMs: state.lastDigestAt.toMillis() + settings.digestWindowMs };
    }
    const presence = parseOr(Presence, (await tx.getDoc(db.doc(paths.presence(uid)))).data(), null);
    if (presence && Object.values(presence.connections).some((c) => c.expiresAt.toMillis() > nowMs)) return { action: "none", reason: "online", uid };
    const lastSeenMs = presence?.lastSeen.toMillis() ?? 0;

    const candidates = await waitingConversations(tx, db, uid, settings.digestMaxConversations);
    const mutedSnap = await tx.getQuery(db.collection(`${notificationPaths.preferences(uid)}/conversations`).where("email", "==", false));
    const emailOff = new Set(mutedSnap.docs.map((d) => d.id));
    const waiting: Waiting[] = [];
    for (const { state: c, side } of candidates) {
      if (emailOff.has(c.dealId)) continue;
      const oldest = await tx.getQueryUnlocked(toAdminQuery(db, unreadEdgeQuery(c.dealId, side, c.readWatermark[side], "oldest")));
      const oldestAt = oldest.docs[0]?.get("createdAt") as Timestamp | undefined;
      // Waited long enough, and the user has not been online since it arrived (else they saw the badge).
      if (!oldestAt || oldestAt.toMillis() > nowMs - settings.digestDelayMs || lastSeenMs >= oldestAt.toMillis()) continue;
      waiting.push({ dealId: c.dealId, title: null, unread: c.unread[side], oldestUnreadAt: oldestAt });
    }
    if (waiting.length === 0) return { action: "none", reason: "nothing-waiting", uid };
    for (const w of waiting) w.title = parseOr(Deal, (await tx.getDoc(db.doc(paths.deal(w.dealId)))).data(), null)?.title ?? null;

    const mailId = `digest-${uid}-${state.digests + 1}`;
    const mailRef = db.doc(notificationPaths.mail(mailId));
    if ((await tx.getDoc(mailRef)).exists) return { action: "none", reason: "already-sent", uid };
    tx.set(mailRef, digestMail(uid, waiting));
    tx.set(stateRef, { lastDigestAt: Timestamp.fromMillis(nowMs), digests: state.digests + 1 });
    return { action: "sent", uid, mailId };
  });
  const outcome: DigestOutcome = { ...decided };
  if (decided.action === "defer" && decided.uid && decided.atMs) {
    outcome.rescheduled = await deps.scheduler.schedule(
      taskQueues.digest,
      { dealId: task.dealId, side: task.side, etaMs: decided.atMs },
      { name: taskName("digest-at", decided.uid, decided.atMs), etaMs: decided.atMs },
    );
  }
  return outcome;
}

/** A "Trigger Email from Firestore" document: the extension sends it to the address of users/{uid} (toUids). */
export function digestMail(uid: string, waiting: readonly Waiting[]) {
  const total = waiting.reduce((n, w) => n + w.unread, 0);
  const subject = `${total} unread message${total === 1 ? "" : "s"} in ${waiting.length} deal${waiting.length === 1 ? "" : "s"}`;
  const line = (w: Waiting) => `${w.title ?? `Deal ${w.dealId}`}: ${w.unread} unread`;
  const text = ["These conversations are waiting for your answer:", "", ...waiting.map((w) => `- ${line(w)}`)].join("\n");
  const html = `<p>These conversations are waiting for your answer:</p><ul>${waiting.map((w) => `<li>${escapeHtml(line(w))}</li>`).join("")}</ul>`;
  return {
    toUids: [uid],
    message: { subject, text, html },
    dealchat: { kind: "digest", deals: waiting.map((w) => w.dealId), createdAt: FieldValue.serverTimestamp() },
  };
}

// ---- a device changing hands ------------------------------------------------------------------------------------

/**
 * A token just registered by `uid` belongs to this device now: registrations of the same token by other users
 * (a shared or handed-down device, a sign-out without unregister) are deleted, so their pushes stop appearing on
 * it. Idempotent: a repeated event finds nothing left to delete.
 */
export async function handlePushTokenRegistered(uid: string, token: string, db: Firestore): Promise<{ removed: string[] }> {
  const snap = await toAdminQuery(db, tokenRegistrationsQuery(token)).get();
  const others = snap.docs.filter((d) => d.ref.parent.parent?.id !== uid && d.ref.parent.parent?.parent.id === notificationCollections.pushTokens);
  if (others.length > 0) {
    const batch = db.batch();
    for (const d of others) batch.delete(d.ref);
    await batch.commit();
  }
  return { removed: others.map((d) => d.ref.parent.parent!.id) };
}
