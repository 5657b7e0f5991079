// Read receipts: marking a conversation read moves this side's watermark (one small write, never one per
// message); the functions recompute the unread counter from it. Calls are throttled per deal so that an app
// calling markRead on every incoming message while the conversation is open costs at most one write per interval.
import { limits, paths, watermarkMove } from "@dealchat/model";
import { doc, serverTimestamp, updateDoc } from "firebase/firestore";
import type { ClientContext } from "./context.ts";
import { toDealChatError } from "./errors.ts";
import { PACING_MARGIN_MS } from "./send.ts";

/** At most one watermark write per deal per this interval; calls in between are folded into one trailing write. */
export const READ_THROTTLE_MS = 2_000;

interface DealThrottle {
  /** When the last watermark write was sent (client clock). */
  lastSentAt: number;
  /** When the server answered it (client clock); the rules pace from the stored time of that write. */
  lastAnsweredAt: number;
  inFlight?: Promise<void>;
  /** The one write that stands for every call made since the last one was sent. */
  trailing?: Promise<void>;
}

export class ReadReceipts {
  private readonly throttles = new Map<string, DealThrottle>();
  constructor(
    private readonly ctx: ClientContext,
    private readonly throttleMs = READ_THROTTLE_MS,
  ) {}

  /** Marks everything in the conversation up to the server's current time as read by this user. */
  markRead(dealId: string): Promise<void> {
    const state = this.throttles.get(dealId) ?? { lastSentAt: Number.NEGATIVE_INFINITY, lastAnsweredAt: Number.NEGATIVE_INFINITY };
    this.throttles.set(dealId, state);
    if (state.trailing) return state.trailing;
    if (!state.inFlight && this.earliestNextWrite(state) <= this.ctx.now()) return this.send(dealId, state);
    // The trailing write waits for the server's answer to the previous one: the rules measure the watermark's
    // pacing from the stored time of that write, which a slow acknowledgement (the membership read, a loaded
    // backend) pushes later than the moment it was sent.
    const afterAnswer = () =>
      this.ctx.wait(this.earliestNextWrite(state) - this.ctx.now(), `marking deal ${dealId} read`).then(() => {
        state.trailing = undefined;
        return this.send(dealId, state);
      });
    const trailing = state.inFlight ? state.inFlight.catch(() => {}).then(afterAnswer) : afterAnswer();
    state.trailing = trailing;
    trailing.catch(() => {
      if (state.trailing === trailing) state.trailing = undefined;
    });
    return trailing;
  }

  private earliestNextWrite(state: DealThrottle): number {
    return Math.max(state.lastSentAt + this.throttleMs, state.lastAnsweredAt + limits.watermarkMinIntervalMs + PACING_MARGIN_MS);
  }

  private send(dealId: string, state: DealThrottle): Promise<void> {
    state.lastSentAt = this.ctx.now();
    const written = this.write(dealId).finally(() => {
      state.lastAnsweredAt = this.ctx.now();
      if (state.inFlight === written) state.inFlight = undefined;
    });
    state.inFlight = written;
    written.catch(() => {});
    return written;
  }

  private async write(dealId: string): Promise<void> {
    const { side } = await this.ctx.membership(dealId);
    const what = `marking deal ${dealId} read`;
    const move = () => updateDoc(doc(this.ctx.db, paths.conversation(dealId)), watermarkMove(side, serverTimestamp()));
    this.ctx.countWrites();
    try {
      await move();
    } catch (first) {
      // The same user's other device (or tab) may have moved this watermark a moment ago: the rules refuse a
      // second move within limits.watermarkMinIntervalMs. Tried once more after the interval; a refusal for
      // any other reason (no longer a participant) repeats and is reported.
      if (toDealChatError(first, what).code !== "permission-denied") throw toDealChatError(first, what);
      await this.ctx.wait(limits.watermarkMinIntervalMs + PACING_MARGIN_MS, what);
      this.ctx.countWrites();
      try {
        await move();
      } catch (e) {
        throw toDealChatError(e, what);
      }
    }
  }
}
