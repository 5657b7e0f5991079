// Read receipts: marking a conversation read moves this side's watermark (one small write, never one per
// message); the functions recompute the unread counter from it. Calls are throttled per deal so that an app
// calling markRead on every incoming message while the conversation is open costs at most one write per interval.
import { paths, watermarkMove } from "@dealchat/model";
import { doc, serverTimestamp, updateDoc } from "firebase/firestore";
import type { ClientContext } from "./context.ts";
import { DealChatError, toDealChatError } from "./errors.ts";

/** At most one watermark write per deal per this interval; calls in between are folded into one trailing write. */
export const READ_THROTTLE_MS = 2_000;

interface DealThrottle {
  lastWriteAt: number;
  /** The trailing write scheduled for calls that arrived during the interval. */
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
    const state = this.throttles.get(dealId) ?? { lastWriteAt: Number.NEGATIVE_INFINITY };
    this.throttles.set(dealId, state);
    if (state.trailing) return state.trailing;
    const wait = state.lastWriteAt + this.throttleMs - this.ctx.now();
    if (wait <= 0) {
      state.lastWriteAt = this.ctx.now();
      return this.write(dealId);
    }
    state.trailing = new Promise<void>((resolve, reject) => {
      let fired = false;
      // dispose() clears the timer; the caller's promise must still settle.
      const settleOnDispose = this.ctx.registry.add(() => {
        if (!fired) reject(new DealChatError("cancelled", `marking deal ${dealId} read: the client was disposed first`, "disposed"));
      });
      this.ctx.setTimeoutTracked(() => {
        fired = true;
        settleOnDispose();
        state.trailing = undefined;
        state.lastWriteAt = this.ctx.now();
        this.write(dealId).then(resolve, reject);
      }, wait);
    });
    state.trailing.catch(() => {});
    return state.trailing;
  }

  private async write(dealId: string): Promise<void> {
    const { side } = await this.ctx.membership(dealId);
    this.ctx.countWrites();
    try {
      await updateDoc(doc(this.ctx.db, paths.conversation(dealId)), watermarkMove(side, serverTimestamp()));
    } catch (e) {
      throw toDealChatError(e, `marking deal ${dealId} read`);
    }
  }
}
