// Typing indicators: deals/{dealId}/typing/{uid} with an expiry time, so an indicator disappears by itself
// when the typist's app dies. While the user keeps typing, the document is refreshed at most once per
// TYPING_REFRESH_MS (half the TTL, so it never lapses mid-burst): a 30 s burst costs 6 writes, not one per key.
// Switching off is a write too (the indicator expires the moment it is written), never a delete: the rules pace
// every write after the first to one per limits.typingMinIntervalMs, and a delete-and-create cycle would escape
// that. An indicator that is on may always be switched off; switching on again soon after waits out the interval.
import { Typing, inEnglish, limits, paths, typingOff, typingOn, type Side } from "@dealchat/model";
import { Timestamp, doc, serverTimestamp, setDoc } from "firebase/firestore";
import type { ClientContext } from "./context.ts";
import { DealChatError, toDealChatError } from "./errors.ts";
import type { Unsubscribe } from "./lifecycle.ts";
import { PACING_MARGIN_MS } from "./send.ts";

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
  /** Client time of the last write of either kind, and of the last "on" write. */
  let lastWriteAt = Number.NEGATIVE_INFINITY;
  let lastOnAt = Number.NEGATIVE_INFINITY;
  let active = false;
  let writes = 0;
  /** A switch-on waiting for the pacing interval to pass. */
  let deferred: Unsubscribe | undefined;
  let chain: Promise<unknown> = Promise.resolve();
  const enqueue = (op: () => Promise<void>) => {
    chain = chain.then(op).catch((e: unknown) => onError(toDealChatError(e, "typing indicator")));
    return chain as Promise<void>;
  };
  const keystroke = (): void => {
    const now = ctx.now();
    if (active && now - lastOnAt < TYPING_REFRESH_MS) return;
    if (deferred) return;
    const wait = lastWriteAt + limits.typingMinIntervalMs + PACING_MARGIN_MS - now;
    if (wait > 0) {
      deferred = ctx.setTimeoutTracked(() => {
        deferred = undefined;
        keystroke();
      }, wait);
      return;
    }
    active = true;
    lastWriteAt = now;
    lastOnAt = now;
    writes += 1;
    ctx.countWrites();
    void enqueue(async () => {
      const { side, closed, status } = await ctx.membership(dealId);
      if (closed) throw new DealChatError("failed-precondition", `deal ${dealId} is ${status}: nobody can type in it`, "deal-closed");
      try {
        await setDoc(ref, typingOn(side, serverTimestamp(), Timestamp.fromMillis(now + limits.typingTtlMs)));
      } catch (e) {
        const refused = toDealChatError(e, "typing indicator");
        const fresh = refused.code === "permission-denied" ? await ctx.membership(dealId, { fresh: true }).catch(() => undefined) : undefined;
        if (fresh?.closed)
          throw new DealChatError("failed-precondition", `deal ${dealId} is ${fresh.status}: nobody can type in it`, "deal-closed", { cause: e });
        throw refused;
      }
    });
  };
  return {
    keystroke,
    async stop() {
      deferred?.();
      deferred = undefined;
      if (!active) return;
      active = false;
      lastOnAt = Number.NEGATIVE_INFINITY;
      lastWriteAt = ctx.now();
      writes += 1;
      ctx.countWrites();
      await enqueue(async () => {
        const { side, closed } = await ctx.membership(dealId);
        // Nobody can write typing in a closed deal (the rules refuse it, and the Firebase SDK would log the refusal);
        // an indicator left on there expires by itself.
        if (closed) return;
        await setDoc(ref, typingOff(side, serverTimestamp()));
      });
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
export function watchTyping(
  ctx: ClientContext,
  dealId: string,
  onChange: (state: TypingState) => void,
  onError: (e: DealChatError) => void = () => {},
): Unsubscribe {
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
          const parsed = snap.exists() ? Typing.safeParse(snap.data({ serverTimestamps: "estimate" }), inEnglish) : undefined;
          // A document that does not match the model counts as not typing (and is reported once).
          if (parsed && !parsed.success) ctx.reportMalformed(snap.ref.path, parsed.error.issues[0]?.message ?? "unexpected shape");
          const expiresAt = parsed?.success ? (parsed.data.expiresAt as Timestamp) : undefined;
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
