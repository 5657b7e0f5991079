// Trigger and task-queue adapters of the inbox, push and digest (handlers/inbox.ts, handlers/notifications.ts).
// None of them runs inside the message write path: a new message and a conversation counter change only enqueue
// named Cloud Tasks (from the message and conversation triggers in index.ts); the tasks do the reading and writing
// (docs/notifications.md).
import { logger } from "firebase-functions";
import { onDocumentCreated } from "firebase-functions/v2/firestore";
import { onTaskDispatched } from "firebase-functions/v2/tasks";
import { Id, notificationDefaults, Side, type NotificationSettings } from "@dealchat/model";
import { db } from "./app.ts";
import { inboxUidsToRecompute, recomputeInbox, scheduleInboxRecompute } from "./handlers/inbox.ts";
import { handleDigestTask, handlePushTask, handlePushTokenRegistered, scheduleForNewMessage, type NotifyDeps } from "./handlers/notifications.ts";
import { defaultTransport } from "./handlers/push-delivery.ts";
import { cloudTasksScheduler, emulatedEta } from "./handlers/tasks.ts";

/** The configurable intervals, from the environment (functions/.env or the deployment) with the model's defaults. */
export function notificationSettings(env: NodeJS.ProcessEnv = process.env): NotificationSettings {
  const seconds = (name: string, fallbackMs: number) => {
    const v = Number(env[name]);
    return Number.isFinite(v) && v > 0 ? v * 1000 : fallbackMs;
  };
  return {
    pushThrottleMs: seconds("NOTIFY_PUSH_THROTTLE_SECONDS", notificationDefaults.pushThrottleMs),
    digestDelayMs: seconds("NOTIFY_DIGEST_DELAY_SECONDS", notificationDefaults.digestDelayMs),
    digestWindowMs: seconds("NOTIFY_DIGEST_WINDOW_SECONDS", notificationDefaults.digestWindowMs),
    digestMaxConversations: notificationDefaults.digestMaxConversations,
    inboxCoalesceMs: seconds("NOTIFY_INBOX_COALESCE_SECONDS", notificationDefaults.inboxCoalesceMs),
  };
}

function deps(): NotifyDeps {
  const firestore = db();
  return { db: firestore, now: Date.now, scheduler: cloudTasksScheduler(), transport: defaultTransport(firestore), settings: notificationSettings() };
}

const retried = { retry: true } as const;
// Tasks: retried with backoff by Cloud Tasks; every handler is idempotent (derived state, named mail, push state).
const taskOptions = { retryConfig: { maxAttempts: 5, minBackoffSeconds: 5 }, rateLimits: { maxConcurrentDispatches: 50 } } as const;

const bad = (what: string, data: unknown) => {
  logger.error(`${what}: malformed task payload, dropped`, { data });
  return { outcome: "ignored" };
};

/**
 * The inbox's part of a conversation write: when a side's counters or membership changed, an inboxRecompute task per
 * affected user. Run by the one conversations/{dealId} trigger, onConversationWritten (index.ts), together with the
 * read-watermark recount, so a conversation write costs one invocation and the functions' own writes no echo.
 */
export async function scheduleConversationInbox(
  eventId: string,
  dealId: string,
  before: Record<string, unknown> | null,
  after: Record<string, unknown> | null,
): Promise<{ outcome: string; scheduled?: unknown }> {
  const uids = inboxUidsToRecompute(before, after);
  if (uids.length === 0) return { outcome: "ignored" };
  const scheduled = await scheduleInboxRecompute(uids, cloudTasksScheduler(), Date.now(), notificationSettings().inboxCoalesceMs);
  logger.debug("onConversationWritten scheduled inbox recomputes", { eventId, dealId, uids, scheduled });
  return { outcome: "scheduled", scheduled };
}

/**
 * The notifications' part of a new message: a pushNotify task for the recipient (named by the message) and a digest
 * check, enqueued without any Firestore operation. Run by the one message trigger, onMessageCreated (index.ts), after
 * the conversation state, so a send costs one invocation fewer; a failure fails that invocation, whose retry finds the
 * conversation state already applied and enqueues again (named tasks: nothing twice).
 */
export async function scheduleMessageNotifications(
  eventId: string,
  params: { dealId: string; messageId: string },
  data: Record<string, unknown>,
  eventTime: string,
): Promise<{ outcome: string; scheduled: unknown }> {
  const createdAt = data.createdAt as { toMillis?: () => number } | undefined;
  const createdAtMs = typeof createdAt?.toMillis === "function" ? createdAt.toMillis() : Date.parse(eventTime);
  const scheduled = await scheduleForNewMessage({ ...params, senderSide: String(data.senderSide), createdAtMs }, deps());
  logger.debug("onMessageCreated notifications scheduled", { eventId, ...params, scheduled });
  return { outcome: "scheduled", scheduled };
}

export const onPushTokenRegistered = onDocumentCreated({ document: "pushTokens/{uid}/devices/{token}", ...retried }, async (event) => {
  const result = await handlePushTokenRegistered(event.params.uid, event.params.token, db());
  if (result.removed.length > 0) logger.info("push token moved to another user", { uid: event.params.uid, removedFrom: result.removed });
  return result;
});

export const inboxRecompute = onTaskDispatched(taskOptions, async (request) => {
  const uid = (request.data as { uid?: unknown }).uid;
  if (typeof uid !== "string" || uid.length === 0) return void bad("inboxRecompute", request.data);
  await emulatedEta((request.data as { etaMs?: unknown }).etaMs);
  const result = await recomputeInbox(uid, db());
  logger.debug(`inboxRecompute ${result.outcome}`, { uid, ...result.cost });
});

/** The payload of a push or digest task, or null when it is not one (logged and dropped: a retry would not fix it). */
export function pushPayload(data: unknown): { dealId: string; side: Side } | null {
  const d = data as { dealId?: unknown; side?: unknown } | null;
  return typeof d?.dealId === "string" && Id.safeParse(d.dealId).success && Side.safeParse(d.side).success ? { dealId: d.dealId, side: d.side as Side } : null;
}

export const pushNotify = onTaskDispatched(taskOptions, async (request) => {
  const task = pushPayload(request.data);
  if (!task) return void bad("pushNotify", request.data);
  await emulatedEta((request.data as { etaMs?: unknown }).etaMs);
  const outcome = await handlePushTask(task, deps());
  logger.debug(`pushNotify ${outcome.action}`, { ...task, ...outcome });
});

export const emailDigest = onTaskDispatched(taskOptions, async (request) => {
  const task = pushPayload(request.data);
  if (!task) return void bad("emailDigest", request.data);
  await emulatedEta((request.data as { etaMs?: unknown }).etaMs);
  const outcome = await handleDigestTask(task, deps());
  logger.debug(`emailDigest ${outcome.action}`, { ...task, ...outcome });
});
