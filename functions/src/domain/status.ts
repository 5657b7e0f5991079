// System messages the platform posts when a deal changes status.
import type { DealStatus, Message, TimestampLike } from "@dealchat/model";

const statusTexts: Record<DealStatus, string> = {
  open: "Deal reopened",
  active: "Deal is now active",
  completed: "Deal completed",
  cancelled: "Deal cancelled",
};

export function statusChangeText(status: DealStatus): string {
  return statusTexts[status];
}

export function systemMessage(text: string, createdAt: TimestampLike): Message {
  return {
    senderId: "system",
    senderSide: "system",
    text,
    attachments: [],
    hasAttachments: false,
    createdAt,
    editedAt: null,
    deleted: false,
    deletedAt: null,
  };
}
