// Pure rules for the derived conversation state: no SDK calls here, only values in and values out, so the
// order-safety and idempotency arguments can be read (and tested) without an emulator.
import { compareConversationOrder, compareTimestamps, limits, type LastMessageSummary, type Message, type TimestampLike } from "@dealchat/model";

export type { ConversationState, ResponseTimeStats } from "@dealchat/model";

/** The model's timestamp order (model/src/order.ts), at the stored precision. */
export const compareTimes = compareTimestamps;

export function laterOf<T extends TimestampLike>(a: T | null | undefined, b: T): T {
  return a && compareTimes(a, b) >= 0 ? a : b;
}

/** True when the message (at, messageId) comes after `than` in the model's conversation order (createdAt, then id). */
export function isAfter(at: TimestampLike, messageId: string, than: { at: TimestampLike; messageId: string }): boolean {
  return compareConversationOrder({ createdAt: at, id: messageId }, { createdAt: than.at, id: than.messageId }) > 0;
}

function snippetOf(text: string): string {
  const oneLine = text.replace(/\s+/g, " ").trim();
  const chars = Array.from(oneLine);
  return chars.length <= limits.snippetLength ? oneLine : `${chars.slice(0, limits.snippetLength - 1).join("")}…`;
}

/** The list entry's summary of a message in its current state (edited, tombstoned or system). */
export function summarize(messageId: string, message: Message): LastMessageSummary {
  const base = { messageId, senderId: message.senderId, senderSide: message.senderSide, at: message.createdAt };
  if (message.deleted) return { ...base, snippet: "Message deleted", kind: "deleted" };
  if (message.senderSide === "system") return { ...base, snippet: snippetOf(message.text ?? ""), kind: "system" };
  const text = message.text?.trim() ?? "";
  if (text !== "") return { ...base, snippet: snippetOf(text), kind: "text" };
  const n = message.attachments.length;
  return { ...base, snippet: n === 1 ? "📎 1 attachment" : `📎 ${n} attachments`, kind: "attachment" };
}

/**
 * The lastMessage after seeing `message`: it only moves forward in (createdAt, id) order, and when it is the
 * same message it is re-summarized (an edit or a tombstone of the last message).
 */
export function nextLastMessage(current: LastMessageSummary | null, messageId: string, message: Message): LastMessageSummary | null {
  if (current === null || current.messageId === messageId || isAfter(message.createdAt, messageId, current)) {
    return summarize(messageId, message);
  }
  return current;
}
