// The SDK's entry point: one object per signed-in app instance, every feature a method, one dispose().
import type { AttachmentVerification, Side } from "@dealchat/model";
import { attachmentBlob, attachmentBytes, attachmentObjectUrl, validateAttachment, type AttachmentInput, type AttachmentObjectUrl } from "./attachments.ts";
import { attachmentPreviewBlob, attachmentPreviewObjectUrl, attachmentState, type AttachmentState } from "./attachment-verification.ts";
import { ClientContext, type DealChatOptions, type UsageStats } from "./context.ts";
import {
  watchConversations,
  watchUnreadTotal,
  type ConversationListInput,
  type ConversationListState,
  type ConversationListSubscription,
  type UnreadTotal,
} from "./conversations.ts";
import { openConversationHandle, type ConversationHandle, type ConversationOptions } from "./conversation-handle.ts";
import { openConversationListHandle, type ConversationListHandle } from "./conversation-list-handle.ts";
import type { DealChatError } from "./errors.ts";
import type { Unsubscribe } from "./lifecycle.ts";
import {
  historyCount,
  historyPage,
  openConversation,
  type ConversationView,
  type ConversationViewState,
  type HistoryCount,
  type HistoryCountInput,
  type HistoryInput,
  type HistoryPage,
} from "./messages.ts";
import { connectPresence, watchPresence, type PresenceConnection, type PresenceOptions, type PresenceState } from "./presence.ts";
import { ReadReceipts } from "./receipts.ts";
import { myResponseStats, watchMyResponseStats, type MyResponseStats } from "./response-times.ts";
import {
  deleteMessage,
  editMessage,
  newMessageId,
  remainingEditMs,
  sendMessage,
  type DeleteInput,
  type EditInput,
  type SendHandle,
  type SendInput,
  type SendOptions,
} from "./send.ts";
import { typingIndicator, watchTyping, type TypingIndicator, type TypingState } from "./typing.ts";
import * as push from "./push.ts";

export interface CreateDealChatOptions extends DealChatOptions {
  /** The user's role, used to list their conversations (brands list by brandId, influencers by influencerId). */
  side?: Side;
}

export class DealChat {
  private readonly ctx: ClientContext;
  private readonly side: Side | undefined;
  private readonly receipts: ReadReceipts;

  constructor(options: CreateDealChatOptions) {
    this.ctx = new ClientContext(options);
    this.side = options.side;
    this.receipts = new ReadReceipts(this.ctx);
  }

  // Handles: one object per screen that owns its state (a store) and its actions. See README, "Quick start".
  /**
   * One conversation: live messages with their delivery status, older pages, read state, typing, and every
   * action on it. Opens its listeners now; `dispose()` ends them (chat.dispose() too).
   */
  conversation(dealId: string, options?: ConversationOptions): ConversationHandle {
    return openConversationHandle(this.ctx, { receipts: this.receipts, defaultSide: this.side }, dealId, options);
  }
  /** The user's conversations, live and paginated, newest activity first. Errors go to the state's lastError. */
  conversationList(input?: ConversationListInput): ConversationListHandle {
    return openConversationListHandle(this.ctx, this.side, input);
  }

  // 1. Conversations (callback API)
  watchConversations(
    input: ConversationListInput,
    onChange: (s: ConversationListState) => void,
    onError?: (e: DealChatError) => void,
  ): ConversationListSubscription {
    return watchConversations(this.ctx, this.side, input, onChange, onError);
  }
  /** Unread messages across all the user's deals, from inboxes/{uid} (1 read, no cap). `input.side` counts one side only, from the list. */
  watchUnreadTotal(onChange: (t: UnreadTotal) => void, onError?: (e: DealChatError) => void, input: { side?: Side } = {}): Unsubscribe {
    if (input.side) return watchUnreadTotal(this.ctx, this.side, input, onChange, onError);
    return push.watchInboxTotal(this.ctx, onChange, onError);
  }

  // 2. Messages
  openConversation(
    input: { dealId: string; tailSize?: number; pageSize?: number },
    onChange: (s: ConversationViewState) => void,
    onError?: (e: DealChatError) => void,
  ): ConversationView {
    return openConversation(this.ctx, input, onChange, onError);
  }
  history(input: HistoryInput): Promise<HistoryPage> {
    return historyPage(this.ctx, input);
  }
  /** How many messages match `history`'s filters or search: an aggregation on the server, nothing downloaded. */
  historyCount(input: HistoryCountInput): Promise<HistoryCount> {
    return historyCount(this.ctx, input);
  }

  // 3–5. Send, attachments, edit and delete
  newMessageId(dealId: string): string {
    return newMessageId(this.ctx, dealId);
  }
  send(input: SendInput, options?: SendOptions): SendHandle {
    return sendMessage(this.ctx, input, options);
  }
  edit(input: EditInput): Promise<void> {
    return editMessage(this.ctx, input);
  }
  delete(input: DeleteInput): Promise<void> {
    return deleteMessage(this.ctx, input);
  }
  /** Milliseconds left to edit or delete a message (by this client's clock). */
  remainingEditMs(message: { createdAt: { toMillis(): number } | null }): number {
    return remainingEditMs(message.createdAt === null ? null : message.createdAt.toMillis(), this.ctx.now());
  }
  validateAttachment(file: AttachmentInput) {
    return validateAttachment(file);
  }
  /** The file's bytes, downloaded through storage.rules (there are no download links: see README, "Downloads"). */
  attachmentBytes(attachment: { storagePath: string; size: number; verification?: AttachmentVerification }): Promise<ArrayBuffer> {
    return attachmentBytes(this.ctx, attachment);
  }
  /** The file as a Blob of its content type, downloaded through storage.rules. */
  attachmentBlob(attachment: { storagePath: string; size: number; contentType: string; verification?: AttachmentVerification }): Promise<Blob> {
    return attachmentBlob(this.ctx, attachment);
  }
  /** A local `blob:` URL of the file for display; call `revoke()` when done (dispose() revokes the rest). */
  attachmentObjectUrl(attachment: {
    storagePath: string;
    size: number;
    contentType: string;
    verification?: AttachmentVerification;
  }): Promise<AttachmentObjectUrl> {
    return attachmentObjectUrl(this.ctx, attachment);
  }
  /** Pending, verified (with details) or rejected (with the reason), and whether this user may download it now. */
  attachmentState(attachment: { storagePath: string; verification?: AttachmentVerification }): AttachmentState {
    return attachmentState(attachment, this.ctx.uid);
  }
  /** An image's small WebP preview (limits.previewWidthPx wide) as a local `blob:` URL; not-found until it exists. */
  attachmentPreviewObjectUrl(attachment: { storagePath: string; verification?: AttachmentVerification }): Promise<AttachmentObjectUrl> {
    return attachmentPreviewObjectUrl(this.ctx, attachment);
  }
  /** The preview as a Blob (image/webp). */
  attachmentPreviewBlob(attachment: { storagePath: string; verification?: AttachmentVerification }): Promise<Blob> {
    return attachmentPreviewBlob(this.ctx, attachment);
  }

  // 6. Read receipts
  markRead(dealId: string): Promise<void> {
    return this.receipts.markRead(dealId);
  }

  // 7. Typing and presence
  typing(dealId: string, onError?: (e: DealChatError) => void): TypingIndicator {
    return typingIndicator(this.ctx, dealId, onError);
  }
  watchTyping(dealId: string, onChange: (s: TypingState) => void, onError?: (e: DealChatError) => void): Unsubscribe {
    return watchTyping(this.ctx, dealId, onChange, onError);
  }
  connectPresence(options?: PresenceOptions): Promise<PresenceConnection> {
    return connectPresence(this.ctx, options);
  }
  watchPresence(uid: string, onChange: (s: PresenceState) => void, onError?: (e: DealChatError) => void): Unsubscribe {
    return watchPresence(this.ctx, uid, onChange, onError);
  }

  // 8. Response times (each conversation's `responseTimes` holds both sides' figures in that deal)
  /** The signed-in user's own response times across deals, over the last 30 and 90 days (1 read + 1 per deal owed). */
  myResponseStats(): Promise<MyResponseStats> {
    return myResponseStats(this.ctx, this.side);
  }
  watchMyResponseStats(onChange: (s: MyResponseStats) => void, onError?: (e: DealChatError) => void): Unsubscribe {
    return watchMyResponseStats(this.ctx, onChange, onError, this.side);
  }

  // Notifications (push.ts, docs/notifications.md)
  registerPushToken(token: string, options: { platform: "web" | "android" | "ios" }): Promise<void> {
    return push.registerPushToken(this.ctx, token, options);
  }
  unregisterPushToken(token: string): Promise<void> {
    return push.unregisterPushToken(this.ctx, token);
  }
  /** While open, this device shows `dealId`: its messages are not pushed to the user. */
  showingConversation(dealId: string, onError?: (e: DealChatError) => void): push.OpenConversationHandle {
    return push.openConversationOnDevice(this.ctx, dealId, onError);
  }
  notificationPreferences(): Promise<push.NotificationSettingsView> {
    return push.notificationPreferences(this.ctx);
  }
  setNotificationPreferences(change: Partial<push.NotificationSettingsView>): Promise<push.NotificationSettingsView> {
    return push.setNotificationPreferences(this.ctx, change);
  }
  conversationNotificationPreferences(dealId: string): Promise<push.ConversationNotificationSettings> {
    return push.conversationNotificationPreferences(this.ctx, dealId);
  }
  setConversationNotificationPreferences(
    dealId: string,
    change: Partial<push.ConversationNotificationSettings>,
  ): Promise<push.ConversationNotificationSettings> {
    return push.setConversationNotificationPreferences(this.ctx, dealId, change);
  }

  // 9. Lifecycle
  /** Listener, write and read counts of this client. */
  stats(): UsageStats {
    return this.ctx.stats();
  }
  /** Ends every subscription, heartbeat, timer and upload this client started. The client is unusable afterwards. */
  dispose(): void {
    this.ctx.registry.dispose();
  }
}

export function createDealChat(options: CreateDealChatOptions): DealChat {
  return new DealChat(options);
}
