export { DealChat, createDealChat, type CreateDealChatOptions } from "./client.ts";
export type {
  ConversationHandle,
  ConversationHandleState,
  ConversationMessage,
  ConversationOptions,
  ConversationSendInput,
  MessageStatus,
  OutgoingMessage,
} from "./conversation-handle.ts";
export type { ConversationListHandle, ConversationListHandleState } from "./conversation-list-handle.ts";
export { StateStore, type ReadableStore, type StoreListener } from "./store.ts";
export { DealChatError, toDealChatError, type DealChatErrorCode, type DealChatErrorReason } from "./errors.ts";
export { MEMBERSHIP_OFFLINE_WAIT_MS, systemClock, type Clock, type DealChatOptions, type UsageStats, type DealMembership } from "./context.ts";
export type {
  ConversationSummary,
  ConversationListInput,
  ConversationListState,
  ConversationListSubscription,
  OtherParticipant,
  UnreadTotal,
} from "./conversations.ts";
export type {
  ChatMessage,
  ConversationView,
  ConversationViewState,
  HistoryCount,
  HistoryCountInput,
  HistoryInput,
  HistoryPage,
  OpenConversationInput,
} from "./messages.ts";
// The model's limits and allowed values, so that an app checks input (file size, type, text length) as the SDK
// and the rules do without depending on the model package itself.
export { attachmentContentTypes, closedStatuses, dealStatuses, limits, sides } from "@dealchat/model";
export type { Attachment, DealStatus, LastMessageSummary, PublicProfile, ResponseTimeStats, Side } from "@dealchat/model";
export {
  remainingEditMs,
  SQUATTED_ID_RETRIES,
  type SendHandle,
  type SendInput,
  type SendOptions,
  type SendOutcome,
  type EditInput,
  type DeleteInput,
} from "./send.ts";
export { validateAttachment, type AttachmentInput, type AttachmentObjectUrl, type UploadProgress } from "./attachments.ts";
export { attachmentState, type AttachmentState } from "./attachment-verification.ts";
export { READ_THROTTLE_MS } from "./receipts.ts";
export { TYPING_REFRESH_MS, type TypingIndicator, type TypingState } from "./typing.ts";
export { PRESENCE_HEARTBEAT_MS, type PresenceConnection, type PresenceOptions, type PresenceState } from "./presence.ts";
export { toWebQuery } from "./query.ts";
export type { MyResponseStats } from "./response-times.ts";
export type { Unsubscribe } from "./lifecycle.ts";
export { connectDealChatEmulators, DEFAULT_EMULATOR_PORTS, type DealChatEmulatorPorts } from "./emulators.ts";
export type { ConversationNotificationSettings, NotificationSettingsView, OpenConversationHandle } from "./push.ts";
