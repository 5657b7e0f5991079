// Fixtures of the notification tests: an admin Firestore on a project of its own (the Functions emulator has
// registered no triggers for it, so only the explicit handler calls derive anything), an injected clock, a
// scheduler that records tasks and refuses a taken name as Cloud Tasks does, and the recording FCM transport.
import { getApps, initializeApp } from "firebase-admin/app";
import { getFirestore, Timestamp, type Firestore } from "firebase-admin/firestore";
import { initialConversation, newDeal, notificationDefaults, type ConversationState, type NotificationSettings } from "@dealchat/model";
import type { NotifyDeps } from "../../functions/src/handlers/notifications.ts";
import { recordingTransport } from "../../functions/src/handlers/push-delivery.ts";
import type { TaskQueueName, TaskScheduler } from "../../functions/src/handlers/tasks.ts";
import { projectId, uniqueId } from "../support/emulators.ts";

export const isolatedProject = `${projectId}-notify`;
const app = getApps().find((a) => a.name === "notify-tests") ?? initializeApp({ projectId: isolatedProject }, "notify-tests");
export const db: Firestore = getFirestore(app);

/** A fixed instant so that windows and orderings are exact numbers. */
export const baseMs = Date.UTC(2026, 0, 5, 9, 0, 0);
export const at = (seconds: number): Timestamp => Timestamp.fromMillis(baseMs + seconds * 1000);

export interface ScheduledTask {
  queue: TaskQueueName;
  payload: Record<string, unknown>;
  name: string;
  etaMs: number;
}

export class RecordingScheduler implements TaskScheduler {
  readonly tasks: ScheduledTask[] = [];
  private readonly names = new Set<string>();
  async schedule(queue: TaskQueueName, payload: Record<string, unknown>, options: { name: string; etaMs: number }) {
    if (this.names.has(options.name)) return "exists" as const;
    this.names.add(options.name);
    this.tasks.push({ queue, payload, ...options });
    return "enqueued" as const;
  }
}

export class Clock {
  constructor(public ms: number = baseMs) {}
  readonly now = () => this.ms;
  set(seconds: number) {
    this.ms = baseMs + seconds * 1000;
  }
}

export const testSettings: NotificationSettings = { ...notificationDefaults };

export function notifyDeps(clock: Clock, scheduler = new RecordingScheduler()): NotifyDeps & { scheduler: RecordingScheduler } {
  return { db, now: clock.now, scheduler, transport: recordingTransport(db), settings: testSettings };
}

export interface Seeded {
  dealId: string;
  brandId: string;
  influencerId: string;
}

/** A deal and its conversation as the platform writes them (admin SDK), optionally with stored counters. */
export async function seedDeal(over: Partial<ConversationState> = {}, ids: Partial<Seeded> = {}): Promise<Seeded> {
  const seeded = { dealId: uniqueId("deal"), brandId: uniqueId("brand"), influencerId: uniqueId("infl"), ...ids };
  const deal = newDeal({ brandId: seeded.brandId, influencerId: seeded.influencerId, status: "active", title: "Summer campaign" }, at(0));
  await db.doc(`deals/${seeded.dealId}`).set(deal);
  await db.doc(`conversations/${seeded.dealId}`).set({ ...initialConversation(seeded.dealId, deal, at(0)), ...over });
  return seeded;
}
