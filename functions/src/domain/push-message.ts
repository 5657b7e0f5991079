// The FCM message for "new messages in a deal", built exactly as production sends it (firebase-admin
// MulticastMessage). One notification per conversation: every platform's collapse key is the same tag, so a
// later push replaces the visible one ("3 new messages…") instead of stacking a second.
import { createHash } from "node:crypto";
import type { MulticastMessage } from "firebase-admin/messaging";
import { limits } from "@dealchat/model";

export interface PushContent {
  tokens: string[];
  dealId: string;
  /** The newest announced message (for deep links straight to it). */
  messageId: string;
  dealTitle: string | null;
  /** The recipient's unread messages in this deal. */
  unread: number;
  /** The newest message's text, or null: never the text of a muted deal, of an attachment-only or deleted message. */
  preview: string | null;
  /** The recipient's unread total across deals (the app icon badge), when known. */
  badge: number | null;
}

/** ≤ 32 URL-safe characters: the limit of Web Push's Topic header, also fine for Android tags and apns-collapse-id. */
export function collapseTag(dealId: string): string {
  return `d${createHash("sha256").update(dealId).digest("base64url").slice(0, 31)}`;
}

export function pushTitle(unread: number, dealTitle: string | null): string {
  const what = unread === 1 ? "New message" : `${unread} new messages`;
  return dealTitle ? `${what} in ${dealTitle}` : what;
}

export function pushMessage(c: PushContent): MulticastMessage {
  const tag = collapseTag(c.dealId);
  const title = pushTitle(c.unread, c.dealTitle);
  const body = c.preview === null ? "Open the conversation to read it." : c.preview.slice(0, limits.snippetLength);
  return {
    tokens: c.tokens,
    notification: { title, body },
    // Deep link: the app opens deals/{dealId} (strings only: FCM data values are strings).
    data: { type: "dealchat.newMessages", dealId: c.dealId, messageId: c.messageId, unread: String(c.unread) },
    android: {
      collapseKey: tag,
      priority: "high",
      notification: { tag, notificationCount: c.unread },
    },
    apns: {
      headers: { "apns-collapse-id": tag, "apns-priority": "10" },
      payload: { aps: { threadId: c.dealId, ...(c.badge === null ? {} : { badge: c.badge }) } },
    },
    webpush: {
      headers: { Topic: tag, Urgency: "high" },
      notification: { tag, renotify: true },
    },
  };
}
