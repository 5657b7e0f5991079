// The document a participant's client writes to send a text message, as firestore.rules accept it (the model's
// builder, with overrides for the attacks).
import { serverTimestamp } from "firebase/firestore";
import { newMessage, type Side } from "@dealchat/model";

export function newMessageFields(senderId: string, senderSide: string, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return { ...newMessage({ senderId, senderSide: senderSide as Side, text: "Hello", attachments: [] }, serverTimestamp()), ...overrides };
}
