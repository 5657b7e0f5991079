// Presence: presence/{uid} holds one entry per connection (device or tab), each with an expiry time. A
// connection refreshes its entry every heartbeat (PRESENCE_HEARTBEAT_MS = 30 s, a third of the model's 90 s
// TTL, so two lost heartbeats are tolerated); it removes its entry when the app goes to the background or
// closes; a crashed app's entry simply expires. A user is online while any entry is unexpired.
import { Presence, collections, inEnglish, limits, paths, presenceConnectionField, presenceDoc, presenceEntry } from "@dealchat/model";
import { Timestamp, collection, deleteField, doc, getDocFromServer, serverTimestamp, setDoc, updateDoc, type FieldValue } from "firebase/firestore";
import type { ClientContext } from "./context.ts";
import { DealChatError, toDealChatError } from "./errors.ts";
import type { Unsubscribe } from "./lifecycle.ts";
import { PACING_MARGIN_MS } from "./send.ts";

export const PRESENCE_HEARTBEAT_MS = 30_000;

export interface PresenceConnection {
  readonly connectionId: string;
  /** Foreground (true) keeps the heartbeat; background (false) removes this connection's entry. */
  setActive(active: boolean): Promise<void>;
  /** Removes this connection's entry and stops the heartbeat. */
  disconnect(): Promise<void>;
}

export interface PresenceOptions {
  heartbeatMs?: number;
  /** In browsers: follow document visibility and page hide automatically (default true). */
  followPageLifecycle?: boolean;
}

export async function connectPresence(ctx: ClientContext, options: PresenceOptions = {}): Promise<PresenceConnection> {
  const uid = ctx.uid;
  const heartbeatMs = options.heartbeatMs ?? PRESENCE_HEARTBEAT_MS;
  // At least the rules' pacing interval (one presence write per limits.presenceMinIntervalMs), below the TTL.
  if (!(heartbeatMs > limits.presenceMinIntervalMs && heartbeatMs < limits.presenceTtlMs))
    throw new DealChatError("invalid-argument", `heartbeatMs must be between ${limits.presenceMinIntervalMs} and ${limits.presenceTtlMs}`);
  const ref = doc(ctx.db, paths.presence(uid));
  const connectionId = doc(collection(ctx.db, collections.presence)).id;
  let active = false;
  let stopHeartbeat: Unsubscribe = () => {};

  /**
   * The rules pace writes to one per limits.presenceMinIntervalMs for the whole document, which all of the user's
   * tabs share: a write refused because another tab wrote a moment ago is tried once more after the interval.
   */
  const paced = async (what: string, write: () => Promise<void>) => {
    ctx.countWrites();
    try {
      await write();
    } catch (first) {
      if (toDealChatError(first, what).code !== "permission-denied") throw toDealChatError(first, what);
      await ctx.wait(limits.presenceMinIntervalMs + PACING_MARGIN_MS, what);
      ctx.countWrites();
      try {
        await write();
      } catch (e) {
        throw toDealChatError(e, what);
      }
    }
  };

  const beat = (prune: Record<string, FieldValue> = {}) =>
    paced("presence heartbeat", async () => {
      const entry = presenceEntry(serverTimestamp(), Timestamp.fromMillis(ctx.now() + limits.presenceTtlMs));
      if (Object.keys(prune).length > 0) await updateDoc(ref, { [presenceConnectionField(connectionId)]: entry, lastSeen: serverTimestamp(), ...prune });
      else await setDoc(ref, presenceDoc(serverTimestamp(), { [connectionId]: entry }), { merge: true });
    });

  const goOnline = async () => {
    if (active) return;
    active = true;
    // Entries left behind by crashed tabs are dropped by the next connection that starts.
    const prune: Record<string, FieldValue> = {};
    const existing = await getDocFromServer(ref).catch(() => undefined);
    if (existing) ctx.countReads(1);
    const connections = (existing?.get("connections") ?? {}) as Record<string, { expiresAt?: Timestamp }>;
    for (const [id, c] of Object.entries(connections))
      if (!c.expiresAt || c.expiresAt.toMillis() <= ctx.now()) prune[presenceConnectionField(id)] = deleteField();
    await beat(existing?.exists() ? prune : {});
    stopHeartbeat = ctx.setIntervalTracked(() => void beat().catch(() => {}), heartbeatMs);
  };

  const goOffline = async () => {
    if (!active) return;
    active = false;
    stopHeartbeat();
    await paced("presence offline", () => updateDoc(ref, { [presenceConnectionField(connectionId)]: deleteField(), lastSeen: serverTimestamp() }));
  };

  let stopLifecycle: Unsubscribe = () => {};
  type Listen = (type: string, listener: () => void) => void;
  const page = (globalThis as { document?: { visibilityState?: string; addEventListener: Listen; removeEventListener: Listen } }).document;
  if ((options.followPageLifecycle ?? true) && page) {
    const onVisibility = () => void (page.visibilityState === "hidden" ? goOffline() : goOnline()).catch(() => {});
    const onPageHide = () => void goOffline().catch(() => {});
    page.addEventListener("visibilitychange", onVisibility);
    globalThis.addEventListener?.("pagehide", onPageHide);
    stopLifecycle = ctx.registry.add(() => {
      page.removeEventListener("visibilitychange", onVisibility);
      globalThis.removeEventListener?.("pagehide", onPageHide);
    });
  }

  await goOnline();
  // dispose() of the client takes this connection offline (best effort: the entry expires anyway).
  const stopOnDispose = ctx.registry.add(() => void goOffline().catch(() => {}));
  return {
    connectionId,
    setActive: (value) => (value ? goOnline() : goOffline()),
    disconnect: async () => {
      stopLifecycle();
      await goOffline();
      stopOnDispose();
    },
  };
}

export interface PresenceState {
  uid: string;
  online: boolean;
  /** Unexpired connections (devices or tabs). */
  connections: number;
  lastSeen: Date | null;
}

/** Watches a user's presence; turns offline by itself when the last entry expires (a crashed app). */
export function watchPresence(
  ctx: ClientContext,
  uid: string,
  onChange: (state: PresenceState) => void,
  onError: (e: DealChatError) => void = () => {},
): Unsubscribe {
  let stopTimer: Unsubscribe = () => {};
  let latest: Record<string, { expiresAt?: Timestamp; lastSeen?: Timestamp }> = {};
  let lastSeen: Date | null = null;
  const evaluate = () => {
    stopTimer();
    const now = ctx.now();
    const live = Object.values(latest).filter((c) => c.expiresAt && c.expiresAt.toMillis() > now);
    const lastBeat = Math.max(lastSeen?.getTime() ?? 0, ...Object.values(latest).map((c) => c.lastSeen?.toMillis() ?? 0));
    onChange({ uid, online: live.length > 0, connections: live.length, lastSeen: lastBeat > 0 ? new Date(lastBeat) : null });
    if (live.length > 0) {
      const nextExpiry = Math.min(...live.map((c) => c.expiresAt!.toMillis()));
      stopTimer = ctx.setTimeoutTracked(evaluate, Math.max(0, nextExpiry - now) + 1);
    }
  };
  const stop = ctx.listenToDoc(
    doc(ctx.db, paths.presence(uid)),
    {},
    (snap) => {
      const parsed = snap.exists() ? Presence.safeParse(snap.data({ serverTimestamps: "estimate" }), inEnglish) : undefined;
      // A document that does not match the model counts as offline (and is reported once), never as a crash.
      if (parsed && !parsed.success) ctx.reportMalformed(snap.ref.path, parsed.error.issues[0]?.message ?? "unexpected shape");
      const data = parsed?.success ? parsed.data : undefined;
      latest = (data?.connections ?? {}) as typeof latest;
      lastSeen = (data?.lastSeen as Timestamp | undefined)?.toDate() ?? null;
      evaluate();
    },
    onError,
    `presence of ${uid}`,
  );
  return ctx.registry.add(() => {
    stopTimer();
    stop();
  });
}
