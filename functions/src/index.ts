import { initializeApp } from "firebase-admin/app";
import { FieldValue, getFirestore } from "firebase-admin/firestore";
import { onDocumentCreated } from "firebase-functions/v2/firestore";

initializeApp();

/** Keeps the conversation's last-activity time in step with its messages. */
export const onMessageCreated = onDocumentCreated("deals/{dealId}/messages/{messageId}", async (event) => {
  const { dealId } = event.params;
  await getFirestore()
    .doc(`conversations/${dealId}`)
    .set({ lastMessageId: event.params.messageId, lastActivityAt: FieldValue.serverTimestamp() }, { merge: true });
});
