// Fixtures for the SDK's end-to-end tests: two real Auth-emulator users, deals seeded by the platform (admin
// SDK, as the backend creates them), and a way to wait on SDK subscriptions under a deadline.
import { initialConversation, newDeal, newMessage, type Attachment, type DealStatus, type Side } from "@dealchat/model";
import { afterAll, beforeAll } from "vitest";
import { Timestamp, type Firestore as AdminFirestore } from "firebase-admin/firestore";
import { getAuth } from "firebase/auth";
import { createDealChat, type DealChat } from "../src/index.ts";
import { adminFirestore, signedInWebClient, type WebClient } from "../../test/support/clients.ts";
import { uniqueId } from "../../test/support/emulators.ts";

export interface Party {
  client: WebClient;
  chat: DealChat;
  uid: string;
}

export async function brandAndInfluencer(options: { now?: () => number } = {}): Promise<{ brand: Party; influencer: Party }> {
  const [b, i] = await Promise.all([signedInWebClient("brand"), signedInWebClient("influencer")]);
  const party = (client: WebClient, side: "brand" | "influencer"): Party => ({
    client,
    uid: client.user.uid,
    chat: createDealChat({ firestore: client.db, auth: getAuth(client.app), storage: lazyStorage(client), side, ...(options.now ? { now: options.now } : {}) }),
  });
  return { brand: party(b, "brand"), influencer: party(i, "influencer") };
}

// Storage is only touched by the attachment tests; other tests must not need the Storage emulator.
function lazyStorage(client: WebClient) {
  return process.env.FIREBASE_STORAGE_EMULATOR_HOST ? client.storage() : undefined;
}

export async function closeAll(...parties: Array<Party | undefined>): Promise<void> {
  for (const p of parties) {
    p?.chat.dispose();
    await p?.client.close();
  }
}

export interface SeedDeal {
  brandId: string;
  influencerId: string;
  status?: DealStatus;
  dealId?: string;
  /** Conversation fields to override (unread counts, lastActivityAt…). */
  conversation?: Record<string, unknown>;
}

/** Creates a deal and its conversation entry the way the platform does (admin SDK, rules bypassed). */
export async function seedDeal(seed: SeedDeal): Promise<string> {
  const db = adminFirestore();
  const dealId = seed.dealId ?? uniqueId("deal");
  const now = Timestamp.now();
  const status = seed.status ?? "active";
  const batch = db.batch();
  const deal = newDeal({ brandId: seed.brandId, influencerId: seed.influencerId, status, title: `deal ${dealId}` }, now);
  batch.set(db.doc(`conversations/${dealId}`), { ...initialConversation(dealId, deal, now), lastActivityAt: now, ...seed.conversation });
  batch.set(db.doc(`deals/${dealId}`), deal);
  await batch.commit();
  return dealId;
}

/** A message written by the platform at a chosen time (old messages for the edit window, history pages). */
export async function seedMessage(
  db: AdminFirestore,
  dealId: string,
  message: {
    id?: string;
    senderId: string;
    senderSide: "brand" | "influencer" | "system";
    text?: string | null;
    createdAt: Date;
    searchTokens?: string[];
    attachments?: unknown[];
  },
): Promise<string> {
  const id = message.id ?? uniqueId("m");
  const attachments = message.attachments ?? [];
  await db.doc(`deals/${dealId}/messages/${id}`).set({
    ...newMessage(
      { senderId: message.senderId, senderSide: message.senderSide as Side, text: message.text ?? null, attachments: attachments as Attachment[] },
      Timestamp.fromDate(message.createdAt),
    ),
    senderSide: message.senderSide,
    ...(message.searchTokens ? { searchTokens: message.searchTokens } : {}),
  });
  return id;
}

/**
 * Records every value a subscription delivers; `until` waits (under a deadline, no fixed sleeps) for one that
 * matches. Subscriptions are started by the caller with `recorder.next` / `recorder.fail` as callbacks.
 */
export class Recorder<T> {
  readonly values: T[] = [];
  private error: Error | undefined;
  private waiters: Array<() => void> = [];
  readonly next = (value: T) => {
    this.values.push(value);
    this.wake();
  };
  readonly fail = (error: Error) => {
    this.error = error;
    this.wake();
  };
  get latest(): T | undefined {
    return this.values[this.values.length - 1];
  }
  private wake() {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }
  /** Position to pass as `from` so that only values delivered after this point count. */
  mark(): number {
    return this.values.length;
  }
  async until(accept: (value: T) => boolean, what: string, { from = 0, timeoutMs = 15_000 }: { from?: number; timeoutMs?: number } = {}): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    let seen = from;
    for (;;) {
      if (this.error) throw this.error;
      for (; seen < this.values.length; seen++) if (accept(this.values[seen]!)) return this.values[seen]!;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}; last value: ${describe(this.latest)}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }
}

function describe(value: unknown): string {
  try {
    return JSON.stringify(value, (_k, v) =>
      v && typeof v === "object" && "seconds" in v && "nanoseconds" in v ? `ts(${v.seconds}.${v.nanoseconds})` : v,
    ).slice(0, 2000);
  } catch {
    return String(value);
  }
}

/** Records every value a handle's store hands out, starting with the one `subscribe` replays. */
export function record<T>(store: { subscribe(listener: (value: T) => void): () => void }): { states: Recorder<T>; stop: () => void } {
  const states = new Recorder<T>();
  const stop = store.subscribe(states.next);
  return { states, stop };
}

export { adminFirestore, uniqueId };

/**
 * Registers the file's brand and influencer: signed in before its tests, disposed and closed after them.
 * `receive` hands them to the file's own variables.
 */
export function useBrandAndInfluencer(receive: (parties: { brand: Party; influencer: Party }) => void): void {
  let parties: { brand: Party; influencer: Party } | undefined;
  beforeAll(async () => {
    parties = await brandAndInfluencer();
    receive(parties);
  });
  afterAll(async () => {
    await closeAll(parties?.brand, parties?.influencer);
  });
}
