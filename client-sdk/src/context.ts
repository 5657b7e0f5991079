// State shared by every part of one DealChat client: the Firebase handles, the clock, the registry of live
// subscriptions, usage counters, and what the client knows about the deals it has touched.
import { Deal, closedStatuses, paths, sideOf, type DealStatus, type QuerySpec, type Side } from "@dealchat/model";
import * as z from "zod/mini";
import type { Auth } from "firebase/auth";
import {
  doc,
  getDoc,
  getDocFromServer,
  onSnapshot,
  type DocumentReference,
  type DocumentSnapshot,
  type Firestore,
  type Query,
  type QuerySnapshot,
  type SnapshotListenOptions,
} from "firebase/firestore";
import type { FirebaseStorage } from "firebase/storage";
import { DealChatError, toDealChatError } from "./errors.ts";
import { SubscriptionRegistry, type Unsubscribe } from "./lifecycle.ts";
import { toWebQuery } from "./query.ts";

const PartialDeal = z.partial(Deal);
/**
 * How long a send waits for the connection when it needs the deal's document and the cache does not hold it.
 * Longer than the Firebase SDK takes to restart its streams; short enough that the app can show a failed send.
 */
export const MEMBERSHIP_OFFLINE_WAIT_MS = 30_000;

export interface DealChatOptions {
  firestore: Firestore;
  /** The signed-in user's Auth instance; every call acts as `auth.currentUser`. */
  auth: Auth;
  /** Needed only for attachments. */
  storage?: FirebaseStorage;
  /** Milliseconds since the epoch; injectable so apps and tests can reason about windows and expiry. */
  now?: () => number;
  /**
   * Where every timer of the SDK is scheduled (throttled read receipts, typing and presence expiry, pacing
   * waits, heartbeats); its `now` is the default for `now`. Defaults to the platform's timers and Date.now.
   */
  clock?: Clock;
  /** Called with every QuerySpec the client issues (for logging, or checking them against the indexes). */
  onQuery?: (spec: QuerySpec) => void;
}

/** What the client has cost so far, counted from what the Firebase SDK delivered and acknowledged. */
export interface UsageStats {
  /** Snapshot listeners currently attached to Firestore. */
  activeListeners: number;
  /** Listeners, heartbeats and expiry timers still running (all ended by dispose()). */
  activeSubscriptions: number;
  /** Documents delivered by the server (listener changes and one-off reads): what Firestore bills as reads. */
  documentReads: number;
  /** Document writes sent (each set/update/delete counts one). */
  documentWrites: number;
}

/** The SDK's time source and timer scheduler, injectable as a whole (tests drive it by hand). */
export interface Clock {
  now(): number;
  setTimeout(task: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (task, ms) => setTimeout(task, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

export interface DealMembership {
  dealId: string;
  side: Side;
  otherSide: Side;
  otherUid: string;
  status: DealStatus;
  closed: boolean;
  /** The deal's title, when the client has read the deal document (null otherwise). */
  title: string | null;
}

export class ClientContext {
  readonly db: Firestore;
  readonly auth: Auth;
  readonly storageInstance: FirebaseStorage | undefined;
  readonly now: () => number;
  readonly clock: Clock;
  private readonly onQuery: ((spec: QuerySpec) => void) | undefined;
  readonly registry = new SubscriptionRegistry();
  private listeners = 0;
  private reads = 0;
  private writes = 0;
  private readonly memberships = new Map<string, DealMembership>();
  /** Deals whose document this client has read (so their membership carries the title). */
  private readonly dealsRead = new Set<string>();
  /** Membership reads under way, by freshness and deal. */
  private readonly membershipReads = new Map<string, Promise<DealMembership>>();

  constructor(options: DealChatOptions) {
    this.db = options.firestore;
    this.auth = options.auth;
    this.storageInstance = options.storage;
    this.clock = options.clock ?? systemClock;
    this.now = options.now ?? (() => this.clock.now());
    this.onQuery = options.onQuery;
  }

  /** The web SDK query for a spec built by model/src/queries.ts: the only way the SDK makes queries. */
  query(spec: QuerySpec): Query {
    this.onQuery?.(spec);
    return toWebQuery(this.db, spec);
  }

  get uid(): string {
    this.assertLive();
    const user = this.auth.currentUser;
    if (!user) throw new DealChatError("unauthenticated", "DealChat needs a signed-in user (auth.currentUser is null)");
    return user.uid;
  }

  get storage(): FirebaseStorage {
    if (!this.storageInstance)
      throw new DealChatError("failed-precondition", "attachments need a FirebaseStorage instance: pass `storage` to createDealChat()");
    return this.storageInstance;
  }

  assertLive(): void {
    if (this.registry.isDisposed) throw new DealChatError("failed-precondition", "this DealChat client has been disposed", "disposed");
  }

  stats(): UsageStats {
    return { activeListeners: this.listeners, activeSubscriptions: this.registry.size, documentReads: this.reads, documentWrites: this.writes };
  }

  countWrites(n = 1): void {
    this.writes += n;
  }

  countReads(n: number): void {
    this.reads += n;
  }

  /** onSnapshot for a query, registered for dispose() and counted. */
  listenToQuery(q: Query, options: SnapshotListenOptions, next: (snap: QuerySnapshot) => void, error: (e: DealChatError) => void, what: string): Unsubscribe {
    this.assertLive();
    let first = true;
    const stop = onSnapshot(
      q,
      options,
      (snap) => {
        if (!snap.metadata.fromCache) {
          // Billing: the first server snapshot reads every document in it; later ones read what changed.
          // An empty result still costs one read.
          if (first) this.reads += Math.max(1, snap.size);
          else this.reads += snap.docChanges().filter((c) => c.type !== "removed" && !c.doc.metadata.hasPendingWrites).length;
          first = false;
        }
        deliver(() => next(snap), error, what);
      },
      (e) => error(toDealChatError(e, what)),
    );
    return this.trackListener(stop);
  }

  /** onSnapshot for one document, registered for dispose() and counted. */
  listenToDoc(
    ref: DocumentReference,
    options: SnapshotListenOptions,
    next: (snap: DocumentSnapshot) => void,
    error: (e: DealChatError) => void,
    what: string,
  ): Unsubscribe {
    this.assertLive();
    let lastCounted: unknown;
    const stop = onSnapshot(
      ref,
      options,
      (snap) => {
        if (!snap.metadata.fromCache && !snap.metadata.hasPendingWrites) {
          const version = JSON.stringify(snap.data() ?? null);
          if (version !== lastCounted) {
            lastCounted = version;
            this.reads += 1;
          }
        }
        deliver(() => next(snap), error, what);
      },
      (e) => error(toDealChatError(e, what)),
    );
    return this.trackListener(stop);
  }

  private trackListener(stop: Unsubscribe): Unsubscribe {
    this.listeners += 1;
    return this.registry.add(() => {
      this.listeners -= 1;
      stop();
    });
  }

  /** A repeating task on the injectable clock (one timeout re-armed after each run), cleared by dispose(). */
  setIntervalTracked(task: () => void, ms: number): Unsubscribe {
    let handle: unknown;
    const arm = () => {
      handle = this.clock.setTimeout(() => {
        arm();
        task();
      }, ms);
    };
    arm();
    return this.registry.add(() => this.clock.clearTimeout(handle));
  }

  /** A one-off task on the injectable clock, under the registry so that dispose() clears it. */
  setTimeoutTracked(task: () => void, ms: number): Unsubscribe {
    let unsubscribe: Unsubscribe = () => {};
    const handle = this.clock.setTimeout(() => {
      unsubscribe();
      task();
    }, ms);
    unsubscribe = this.registry.add(() => this.clock.clearTimeout(handle));
    return unsubscribe;
  }

  /**
   * Waits `ms` on the client's clock. Settles either way: rejects with cancelled/"disposed" when the client is
   * disposed first, so a caller waiting out a pacing interval never hangs.
   */
  wait(ms: number, what: string): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      let fired = false;
      const rejectOnDispose = this.registry.add(() => {
        if (!fired) reject(new DealChatError("cancelled", `${what}: the client was disposed first`, "disposed"));
      });
      this.setTimeoutTracked(
        () => {
          fired = true;
          rejectOnDispose();
          resolve();
        },
        Math.max(0, ms),
      );
    });
  }

  /** What the client already knows of the user's role in a deal, without reading anything. */
  knownMembership(dealId: string): DealMembership | undefined {
    return this.memberships.get(dealId);
  }

  private readonly reportedMalformed = new Set<string>();

  /**
   * A document that does not match the model is left out of what the app sees; this says so once per document
   * (on the console: it is a data problem for the platform's operators, not an error the app can act on).
   */
  reportMalformed(path: string, problem: string): void {
    if (this.reportedMalformed.has(path)) return;
    this.reportedMalformed.add(path);
    console.warn(`DealChat: ignoring ${path}, which does not match the data model: ${problem}`);
  }

  /**
   * The current user's role in a deal. Read once from the deal document (rules let only participants read it)
   * and remembered, so sends queued while offline do not need the network. `fresh` re-reads from the server;
   * `fromDeal` reads the deal unless this client already has (a membership noted from a conversation entry has no title).
   */
  async membership(dealId: string, { fresh = false, fromDeal = false }: { fresh?: boolean; fromDeal?: boolean } = {}): Promise<DealMembership> {
    const known = this.memberships.get(dealId);
    // `fromDeal`: what only the deal document has (its title) is wanted, not just the role a conversation entry gives.
    if (known && !fresh && (!fromDeal || this.dealsRead.has(dealId))) return known;
    // Sends fired together into a deal this client has not read yet share one read instead of paying one each.
    const key = `${fresh ? "server" : "any"}:${dealId}`;
    const inFlight = this.membershipReads.get(key);
    if (inFlight) return inFlight;
    const read = this.readMembership(dealId, fresh).finally(() => this.membershipReads.delete(key));
    this.membershipReads.set(key, read);
    return read;
  }

  private async readMembership(dealId: string, fresh: boolean): Promise<DealMembership> {
    const uid = this.uid;
    const ref = doc(this.db, paths.deal(dealId));
    const what = `reading deal ${dealId}`;
    const notParticipant = (error: DealChatError) =>
      error.code === "permission-denied"
        ? new DealChatError("permission-denied", `you are not a participant of deal ${dealId}`, "not-participant", { cause: error })
        : error;
    let snap: DocumentSnapshot;
    try {
      snap = fresh ? await getDocFromServer(ref) : await getDoc(ref);
    } catch (e) {
      const error = notParticipant(toDealChatError(e, what));
      // Offline and the deal not cached: the SDK's network restarting, or a device between networks. The write
      // that follows would wait for the connection, so this read does too, within a bound (a `fresh` read is
      // a second opinion whose callers go on without it).
      if (error.code !== "unavailable" || fresh) throw error;
      snap = await this.firstServerSnapshot(ref, MEMBERSHIP_OFFLINE_WAIT_MS, what).catch((later: DealChatError) => {
        throw notParticipant(later);
      });
    }
    if (!snap.metadata.fromCache) this.reads += 1;
    if (!snap.exists()) throw new DealChatError("not-found", `deal ${dealId} does not exist`);
    const parsed = PartialDeal.safeParse(snap.data());
    if (!parsed.success) throw new DealChatError("internal", `deal ${dealId} has an unexpected shape: ${parsed.error.message}`);
    const deal = parsed.data;
    const side = deal.brandId && deal.influencerId ? sideOf({ brandId: deal.brandId, influencerId: deal.influencerId }, uid) : null;
    if (!side || !deal.status) throw new DealChatError("permission-denied", `you are not a participant of deal ${dealId}`, "not-participant");
    const membership: DealMembership = {
      dealId,
      side,
      otherSide: side === "brand" ? "influencer" : "brand",
      otherUid: (side === "brand" ? deal.influencerId : deal.brandId)!,
      status: deal.status,
      closed: closedStatuses.includes(deal.status),
      title: deal.title ?? null,
    };
    this.memberships.set(dealId, membership);
    this.dealsRead.add(dealId);
    return membership;
  }

  /**
   * The document as soon as the server (or the cache, once it holds it) has it: a listener, which unlike a get()
   * waits out a disconnection. Fails with `unavailable` after `timeoutMs`, and with the listener's error.
   */
  private firstServerSnapshot(ref: DocumentReference, timeoutMs: number, what: string): Promise<DocumentSnapshot> {
    this.assertLive();
    return new Promise<DocumentSnapshot>((resolve, reject) => {
      let settled = false;
      let untrack: Unsubscribe = () => {};
      const settle = (finish: () => void) => {
        if (settled) return;
        settled = true;
        cancelTimer();
        untrack();
        finish();
      };
      const cancelTimer = this.setTimeoutTracked(
        () => settle(() => reject(new DealChatError("unavailable", `${what}: no connection to Firestore for ${timeoutMs / 1000} s`))),
        timeoutMs,
      );
      const stop = onSnapshot(
        ref,
        (snap) => {
          // Offline with nothing cached, the SDK says "does not exist" from its cache: not an answer yet.
          if (snap.metadata.fromCache && !snap.exists()) return;
          settle(() => resolve(snap));
        },
        (e) => settle(() => reject(toDealChatError(e, what))),
      );
      untrack = this.trackListener(stop);
      if (settled) untrack();
    });
  }

  /**
   * Learns the membership from a conversation document the app is already listening to (it carries both uids
   * and the status), so sending needs no extra read and a status change reaches the send path at once.
   */
  noteConversation(dealId: string, c: { mySide: Side; otherParticipant: { uid: string }; status: DealStatus; title?: string | null }): void {
    if (!c.otherParticipant.uid) return;
    // The entry's copy of the title is live (the platform updates it); the deal document's is as read.
    const title = c.title ?? this.memberships.get(dealId)?.title ?? null;
    this.memberships.set(dealId, {
      dealId,
      side: c.mySide,
      otherSide: c.mySide === "brand" ? "influencer" : "brand",
      otherUid: c.otherParticipant.uid,
      status: c.status,
      closed: closedStatuses.includes(c.status),
      title,
    });
  }
}

/** A document that fails to parse, or an app callback that throws, is reported through onError, never thrown into the Firebase SDK. */
function deliver(action: () => void, error: (e: DealChatError) => void, what: string): void {
  try {
    action();
  } catch (e) {
    error(toDealChatError(e, what));
  }
}
