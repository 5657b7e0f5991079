// Typing indicators: deals/{dealId}/typing/{uid} with an expiry time, so an indicator disappears by itself
// when the typist's app dies. While the user keeps typing, the document is refreshed at most once per
// TYPING_REFRESH_MS (half the TTL, so it never lapses mid-burst): a 30 s burst costs 6 writes, not one per key.
import { limits, paths, type Side } from "@dealchat/model";
import { Timestamp, deleteDoc, doc, serverTimestamp, setDoc } from "firebase/firestore";
import type { ClientContext } from "./context.ts";
import { DealChatError, toDealChatError } from "./errors.ts";
import type { Unsubscribe } from "./lifecycle.ts";

export const TYPING_REFRESH_MS = limits.typingTtlMs / 2;

export interface TypingIndicator {
  /** Call on every keystroke; writes only when the indicator would otherwise expire soon. */
  keystroke(): void;
  /** Clears the indicator at once (after sending, on blur). */
  stop(): Promise<void>;
  /** Writes issued so far by this indicator. */
  readonly writes: number;
}

/** `onError` receives failed background writes (the keystroke itself never throws), e.g. deal-closed. */
export function typingIndicator(ctx: ClientContext, dealId: string, onError: (e: DealChatError) => void = () => {}): TypingIndicator {
  const uid = ctx.uid;
  const ref = doc(ctx.db, paths.typing(dealId, uid));
  let lastWriteAt = Number.NEGATIVE_INFINITY;
  let active = false;
  let writes = 0;
  let chain: Promise<unknown> = Promise.resolve();
  const enqueue = (op: () => Promise<void>) => {
    chain = chain.then(op).catch((e: unknown) => onError(toDealChatError(e, "typing indicator")));
    return chain as Promise<void>;
  };
  return {
    keystroke() {
      const now = ctx.now();
      if (active && now - lastWriteAt < TYPING_REFRESH_MS) return;
      active = true;
      lastWriteAt = now;
      writes += 1;
      ctx.countWrites();
      void enqueue(async () => {
        const { side, closed, status } = await ctx.membership(dealId);
        if (closed) throw new DealChatError("failed-precondition", `deal ${dealId} is ${status}: nobody can type in it`, "deal-closed");
        try {
          await setDoc(ref, { side, updatedAt: serverTimestamp(), expiresAt: Timestamp.fromMillis(now + limits.typingTtlMs) });
        } catch (e) {
          const refused = toDealChatError(e, "typing indicator");
          const fresh = refused.code === "permission-denied" ? await ctx.membership(dealId, { fresh: true }).catch(() => undefined) : undefined;
          if (fresh?.closed) throw new DealChatError("failed-precondition", `deal ${dealId} is ${fresh.status}: nobody can type in it`, "deal-closed", { cause: e });
          throw refused;
        }
      });
    },
    async stop() {
      if (!active) return;
      active = false;
      lastWriteAt = Number.NEGATIVE_INFINITY;
      writes += 1;
      ctx.countWrites();
      await enqueue(() => deleteDoc(ref));
    },
    get writes() {
      return writes;
    },
  };
}

export interface TypingState {
  /** The other participant is typing right now (their indicator has not expired). */
  typing: boolean;
  side: Side;
  uid: string;
}

/** Watches the other participant's indicator; flips back to not typing when it expires, without a new snapshot. */
export function watchTyping(ctx: ClientContext, dealId: string, onChange: (state: TypingState) => void, onError: (e: DealChatError) => void = () => {}): Unsubscribe {
  let stopped = false;
  let stopListener: Unsubscribe = () => {};
  let stopTimer: Unsubscribe = () => {};
  ctx
    .membership(dealId)
    .then((m) => {
      if (stopped) return;
      let last: boolean | undefined;
      const publish = (typing: boolean) => {
        if (typing === last) return;
        last = typing;
        onChange({ typing, side: m.otherSide, uid: m.otherUid });
      };
      stopListener = ctx.listenToDoc(
        doc(ctx.db, paths.typing(dealId, m.otherUid)),
        {},
        (snap) => {
          stopTimer();
          const expiresAt = snap.exists() ? (snap.get("expiresAt") as Timestamp | undefined) : undefined;
          const left = expiresAt ? expiresAt.toMillis() - ctx.now() : 0;
          publish(left > 0);
          if (left > 0) stopTimer = ctx.setTimeoutTracked(() => publish(false), left);
        },
        onError,
        `typing in deal ${dealId}`,
      );
    })
    .catch((e) => onError(toDealChatError(e, `typing in deal ${dealId}`)));
  const unsubscribe = () => {
    stopped = true;
    stopTimer();
    stopListener();
  };
  return ctx.registry.add(unsubscribe);
}
