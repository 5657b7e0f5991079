// Trigger adapters: turn Firestore events into handler calls and log what each did. The logic lives in
// handlers/ (transactions) and domain/ (pure rules); nothing here decides anything.
import { logger } from "firebase-functions";
import { onDocumentCreated, onDocumentUpdated, onDocumentWritten } from "firebase-functions/v2/firestore";
import { onSchedule } from "firebase-functions/v2/scheduler";
import { onObjectFinalized } from "firebase-functions/v2/storage";
import { limits } from "@dealchat/model";
import { bucket, db, storageReachable } from "./app.ts";
import { handleAttachmentFinalized, handleDealMembershipChanged, sweepOrphanedUploads } from "./handlers/attachments.ts";
import { handleConversationUpdated } from "./handlers/conversations.ts";
import { handleDealWritten } from "./handlers/deals.ts";
import { handleMessageCreated, handleMessageUpdated } from "./handlers/messages.ts";
import { handleProfileWritten } from "./handlers/profiles.ts";
import { handleMessageAttachmentsCreated, resolveNeverUploaded, retryTransientStorage } from "./handlers/verification.ts";
import type { HandlerResult } from "./handlers/shared.ts";
import { scheduleConversationInbox, scheduleMessageNotifications } from "./notification-triggers.ts";

// Every handler is idempotent and order-safe, so retrying a failed event is always safe.
const options = { retry: true } as const;

function report(name: string, eventId: string, params: Record<string, string>, result: HandlerResult): HandlerResult {
  const entry = { eventId, ...params, ...result };
  if (result.outcome === "skipped") logger.warn(`${name} skipped an event`, entry);
  else logger.debug(`${name} ${result.outcome}`, entry);
  return result;
}

// One trigger per new message for the conversation state, the notifications' tasks and the attachments' verdicts:
// each of these as a trigger of its own cost an invocation per send (the Functions emulator's CPU, production's
// invocations), and the attachments' one did nothing for a message without files.
export const onMessageCreated = onDocumentCreated({ document: "deals/{dealId}/messages/{messageId}", ...options }, async (event) => {
  const { dealId, messageId } = event.params;
  const result = report("onMessageCreated", event.id, event.params, await handleMessageCreated({ eventId: event.id, time: event.time, dealId, messageId }));
  // After the conversation state (its transaction is not held while the tasks are enqueued); a skipped message
  // (no deal, malformed) notifies nobody.
  if (result.outcome !== "skipped") await scheduleMessageNotifications(event.id, { dealId, messageId }, event.data?.data() ?? {}, event.time);
  // Copies the verdicts of a new message's already-verified files into its attachment entries (docs/attachments.md).
  if (event.data?.get("hasAttachments") === true) {
    // Without a usable bucket (none configured for this app) the verdict copy still runs, without the Storage check:
    // the attachments' part must not fail the conversation state's invocation.
    const storage = storageReachable()
      ? await bucket().catch((error: unknown) => {
          logger.warn("attachment verdicts: Storage is not usable here", { eventId: event.id, ...event.params, error: String(error) });
          return undefined;
        })
      : undefined;
    const attachments = await handleMessageAttachmentsCreated({ dealId, messageId }, db(), storage);
    logger.debug(`onMessageCreated attachments ${attachments.outcome}`, { eventId: event.id, ...event.params, ...attachments });
  }
  return result;
});

export const onMessageUpdated = onDocumentUpdated({ document: "deals/{dealId}/messages/{messageId}", ...options }, async (event) => {
  const { dealId, messageId } = event.params;
  const before = event.data?.before.data() ?? {};
  const after = event.data?.after.data() ?? {};
  return report(
    "onMessageUpdated",
    event.id,
    event.params,
    await handleMessageUpdated({ eventId: event.id, time: event.time, dealId, messageId, before, after }),
  );
});

// The one trigger on conversations/{dealId}: a participant's read-watermark move (unread recount) and the inbox tasks
// (notification-triggers.ts). One invocation per conversation write: the functions' own writes (every send's summary
// and counters) no longer fire a second trigger that finds nothing to do.
export const onConversationWritten = onDocumentWritten({ document: "conversations/{dealId}", ...options }, async (event) => {
  const before = event.data?.before.exists ? (event.data.before.data() ?? null) : null;
  const after = event.data?.after.exists ? (event.data.after.data() ?? null) : null;
  const { dealId } = event.params;
  if (before && after) {
    report("onConversationWritten", event.id, event.params, await handleConversationUpdated({ eventId: event.id, time: event.time, dealId, before, after }));
  }
  return scheduleConversationInbox(event.id, dealId, before, after);
});

export const onDealWritten = onDocumentWritten({ document: "deals/{dealId}", ...options }, async (event) => {
  const before = event.data?.before.exists ? (event.data.before.data() ?? null) : null;
  const after = event.data?.after.exists ? (event.data.after.data() ?? null) : null;
  const result = await handleDealWritten({ eventId: event.id, time: event.time, dealId: event.params.dealId, before, after });
  return report("onDealWritten", event.id, event.params, result);
});

// A profile's public part is copied onto the user's conversations (functions/src/handlers/profiles.ts).
export const onProfileWritten = onDocumentWritten({ document: "profiles/{uid}", ...options }, async (event) => {
  const result = await handleProfileWritten({ eventId: event.id, uid: event.params.uid });
  logger.debug(`onProfileWritten ${result.outcome}`, { eventId: event.id, ...event.params, ...result });
  return result;
});

// ---- Attachment files (functions/src/handlers/attachments.ts) ----

export const onAttachmentFinalized = onObjectFinalized({ ...options }, async (event) => {
  const deps = { db: db(), bucket: await bucket(event.data.bucket) };
  // The handler is idempotent: after a dropped Storage connection it simply runs again.
  const result = await retryTransientStorage(() => handleAttachmentFinalized(event.data, deps));
  const entry = { eventId: event.id, name: event.data.name, ...result };
  if (result.outcome === "deleted") logger.warn("onAttachmentFinalized deleted a file", entry);
  else logger.debug(`onAttachmentFinalized ${result.outcome}`, entry);
  return result;
});

// A long backlog is worked off over several runs: what one run leaves, the next one finds.
export const sweepOrphanedAttachments = onSchedule({ schedule: `every ${limits.orphanSweepIntervalMinutes} minutes`, timeoutSeconds: 540 }, async () => {
  const deps = { db: db(), bucket: await bucket() };
  const result = await sweepOrphanedUploads(deps);
  const never = await resolveNeverUploaded(deps);
  logger.info("sweepOrphanedAttachments", {
    deleted: result.deleted.length,
    referenced: result.referenced.length,
    neverUploaded: never.rejected.length,
    settled: never.settled.length,
  });
});

export const onDealMembershipChanged = onDocumentWritten({ document: "deals/{dealId}", timeoutSeconds: 540, ...options }, async (event) => {
  if (!storageReachable()) return { outcome: "ignored", reason: "Storage is not reachable here" };
  const before = event.data?.before.exists ? (event.data.before.data() ?? null) : null;
  const after = event.data?.after.exists ? (event.data.after.data() ?? null) : null;
  const result = await handleDealMembershipChanged({ dealId: event.params.dealId, before, after }, { bucket: await bucket() });
  logger.debug(`onDealMembershipChanged ${result.outcome}`, { eventId: event.id, ...event.params, ...result });
  return result;
});
export { emailDigest, inboxRecompute, notificationSettings, onPushTokenRegistered, pushNotify } from "./notification-triggers.ts";
