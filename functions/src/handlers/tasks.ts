// Cloud Tasks: the notification functions schedule their delayed work (inbox recompute, trailing pushes,
// digests) as named tasks. A task's name is derived from what it stands for (user, conversation, time slot), so
// enqueueing the same work twice is refused by Cloud Tasks (ALREADY_EXISTS) and counts as done: that is the
// coalescing, and why a duplicated trigger never doubles the work.
import { createHash } from "node:crypto";
import { getApp, getApps, initializeApp, type App } from "firebase-admin/app";

export const taskQueues = { inbox: "inboxRecompute", push: "pushNotify", digest: "emailDigest" } as const;
export type TaskQueueName = (typeof taskQueues)[keyof typeof taskQueues];

export interface TaskScheduler {
  /** Schedules `payload` on `queue` for `etaMs` under `name`; "exists" when that name was already taken. */
  schedule(queue: TaskQueueName, payload: Record<string, unknown>, options: { name: string; etaMs: number }): Promise<"enqueued" | "exists">;
}

/**
 * A Cloud Tasks id for `parts`: a hash first, because Cloud Tasks spreads load by the name's prefix and
 * sequential prefixes (a uid, a time) concentrate it (ids are [A-Za-z0-9_-], ≤ 500 characters).
 */
export function taskName(...parts: Array<string | number>): string {
  return createHash("sha256").update(parts.join("\u0000")).digest("hex").slice(0, 40);
}

/**
 * The app that enqueues. Against the Tasks emulator it names the emulator's service account itself: otherwise the
 * admin SDK asks the GCP metadata server for one (a network request the emulator suite warns about) before
 * falling back to that same account.
 */
function tasksApp(env: NodeJS.ProcessEnv = process.env): App {
  if (env.CLOUD_TASKS_EMULATOR_HOST) {
    const name = "dealchat-tasks-emulator";
    return getApps().find((a) => a.name === name) ?? initializeApp({ serviceAccountId: "emulated-service-acct@email.com" }, name);
  }
  return getApps().some((a) => a.name === "[DEFAULT]") ? getApp() : initializeApp();
}

/** The admin SDK's task queues (the Cloud Tasks emulator when CLOUD_TASKS_EMULATOR_HOST is set). */
export function cloudTasksScheduler(): TaskScheduler {
  return {
    async schedule(queue, payload, { name, etaMs }) {
      const { getFunctions } = await import("firebase-admin/functions");
      try {
        await getFunctions(tasksApp())
          .taskQueue(queue)
          .enqueue(payload, { id: name, scheduleTime: new Date(Math.max(etaMs, Date.now())) });
        return "enqueued";
      } catch (error) {
        if ((error as { code?: string }).code === "functions/task-already-exists") return "exists";
        throw error;
      }
    },
  };
}

/**
 * The Tasks emulator dispatches a task as soon as it is enqueued, whatever its scheduleTime (firebase-tools
 * taskQueue.js never reads it). Cloud Tasks never runs a task early, and the inbox's exactness argument relies on
 * that, so in emulator runs a task that arrives up to `maxWaitMs` before its ETA waits for it; a longer delay
 * (a throttled push, a digest) is decided at once, which the handlers treat as "too early" (docs/notifications.md).
 */
export async function emulatedEta(etaMs: unknown, maxWaitMs = 5_000, env: NodeJS.ProcessEnv = process.env): Promise<void> {
  if (env.FUNCTIONS_EMULATOR !== "true" || typeof etaMs !== "number") return;
  const wait = etaMs - Date.now();
  if (wait > 0 && wait <= maxWaitMs) await new Promise((resolve) => setTimeout(resolve, wait));
}
