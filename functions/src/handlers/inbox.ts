// inboxes/{uid}: the user's exact unread total across deals, derived (never incremented) from the
// conversations' own counters with two aggregation queries, one per side. Changes to a conversation's counters
// only schedule a recompute (a named Cloud Task per user and time slot), so a burst of messages across many deals
// writes the inbox at most once per slot instead of once per message (docs/notifications.md, "Inbox").
import { AggregateField, Timestamp, type Firestore } from "firebase-admin/firestore";
import { Inbox, inboxDoc, inEnglish, notificationDefaults, notificationPaths, sides, type Side } from "@dealchat/model";
import { deepEqual } from "../domain/messages.ts";
import { inboxSideQuery } from "../domain/notification-queries.ts";
import { isTransient, type Cost } from "../store/counted.ts";
import { toAdminQuery } from "../store/query.ts";
import { taskName, taskQueues, type TaskScheduler } from "./tasks.ts";

export interface InboxRecomputeResult {
  outcome: "written" | "unchanged";
  inbox: ReturnType<typeof inboxDoc>;
  cost: Cost;
}

/** Recomputes and stores the inbox of `uid` in one transaction (a concurrent recompute retries on top of it). */
export async function recomputeInbox(uid: string, db: Firestore, now: () => number = Date.now): Promise<InboxRecomputeResult> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await recomputeOnce(uid, db, now);
    } catch (error) {
      if (attempt >= 5 || !isTransient(error)) throw error;
      await new Promise((resolve) => setTimeout(resolve, 25 * 2 ** attempt * Math.random()));
    }
  }
}

function recomputeOnce(uid: string, db: Firestore, now: () => number): Promise<InboxRecomputeResult> {
  return db.runTransaction(async (tx) => {
    const cost: Cost = { reads: 1, writes: 0 };
    const ref = db.doc(notificationPaths.inbox(uid));
    const stored = await tx.get(ref);
    const perSide = {} as Record<Side, { unread: number; conversations: number }>;
    for (const side of sides) {
      const query = toAdminQuery(db, inboxSideQuery(uid, side));
      // Only conversations with hasUnread hold a non-zero counter, so their sum is the side's whole total.
      const snap = await tx.get(query.aggregate({ unread: AggregateField.sum(`unread.${side}`), conversations: AggregateField.count() }));
      const { unread, conversations } = snap.data();
      // Billed one read per 1,000 index entries, and one for none.
      cost.reads += Math.max(1, Math.ceil(conversations / 1000));
      perSide[side] = { unread: Number(unread ?? 0), conversations };
    }
    const parsed = stored.exists ? Inbox.safeParse(stored.data(), inEnglish) : null;
    const computedAt = Timestamp.fromMillis(Math.max(now(), parsed?.success ? parsed.data.computedAt.toMillis() : 0));
    const next = inboxDoc(uid, perSide, computedAt);
    if (parsed?.success) {
      const { computedAt: _a, ...same } = parsed.data;
      const { computedAt: _b, ...want } = next;
      if (deepEqual(same, want)) return { outcome: "unchanged" as const, inbox: next, cost };
    }
    tx.set(ref, next);
    cost.writes += 1;
    return { outcome: "written" as const, inbox: next, cost };
  });
}

/**
 * Schedules the recompute of each uid's inbox for the end of the current slot (notificationDefaults.inboxCoalesceMs).
 * Cloud Tasks never runs a task before its time, so the recompute reads every change that scheduled it; a second
 * change in the same slot finds the name taken and rides on the same task.
 */
export async function scheduleInboxRecompute(
  uids: readonly string[],
  scheduler: TaskScheduler,
  nowMs: number,
  slotMs: number = notificationDefaults.inboxCoalesceMs,
): Promise<Array<"enqueued" | "exists">> {
  const slot = Math.floor(nowMs / slotMs) + 1;
  const etaMs = slot * slotMs;
  return Promise.all(uids.map((uid) => scheduler.schedule(taskQueues.inbox, { uid, etaMs }, { name: taskName("inbox", uid, slot), etaMs })));
}

/** The participants whose inbox a conversation write changes: a counter, or membership, moved. */
export function inboxUidsToRecompute(before: Record<string, unknown> | null, after: Record<string, unknown> | null): string[] {
  const uids = new Set<string>();
  const get = (d: Record<string, unknown> | null, path: string) =>
    path.split(".").reduce<unknown>((v, k) => (v && typeof v === "object" ? (v as Record<string, unknown>)[k] : undefined), d);
  for (const side of sides) {
    const idField = side === "brand" ? "brandId" : "influencerId";
    const changed =
      get(before, `unread.${side}`) !== get(after, `unread.${side}`) ||
      get(before, `hasUnread.${side}`) !== get(after, `hasUnread.${side}`) ||
      get(before, idField) !== get(after, idField);
    if (!changed) continue;
    for (const d of [before, after]) {
      const uid = get(d, idField);
      if (typeof uid === "string" && uid.length > 0) uids.add(uid);
    }
  }
  return [...uids];
}
