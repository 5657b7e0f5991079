// The document a participant's client writes to send a text message, as firestore.rules accept it.
import { serverTimestamp } from "firebase/firestore";

export function newMessageFields(senderId: string, senderSide: string, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    senderId,
    senderSide,
    text: "Hello",
    attachments: [],
    hasAttachments: false,
    createdAt: serverTimestamp(),
    editedAt: null,
    deleted: false,
    deletedAt: null,
    ...overrides,
  };
}
