// Every Firestore and Storage path DealChat uses, built in one place.

export const collections = {
  deals: "deals",
  messages: "messages",
  conversations: "conversations",
  typing: "typing",
  presence: "presence",
  responseStats: "responseStats",
} as const;

export const paths = {
  deal: (dealId: string) => `deals/${dealId}`,
  messages: (dealId: string) => `deals/${dealId}/messages`,
  message: (dealId: string, messageId: string) => `deals/${dealId}/messages/${messageId}`,
  conversations: () => `conversations`,
  /** Shared conversation state of a deal; its id is the deal id. */
  conversation: (dealId: string) => `conversations/${dealId}`,
  typingCollection: (dealId: string) => `deals/${dealId}/typing`,
  typing: (dealId: string, uid: string) => `deals/${dealId}/typing/${uid}`,
  presence: (uid: string) => `presence/${uid}`,
  /** A user's response-time statistics across deals (functions-written, readable by that user). */
  responseStats: (uid: string) => `responseStats/${uid}`,
} as const;

export const storagePaths = {
  /** Folder of one message's files: the sender's uid is in the path so rules can check the uploader. */
  messageFolder: (dealId: string, senderId: string, messageId: string) => `deals/${dealId}/attachments/${senderId}/${messageId}`,
  attachment: (dealId: string, senderId: string, messageId: string, fileName: string) => `deals/${dealId}/attachments/${senderId}/${messageId}/${fileName}`,
  /** An image attachment's WebP preview, written by the functions beside the attachments (same segments). */
  preview: (dealId: string, senderId: string, messageId: string, fileName: string) => `deals/${dealId}/previews/${senderId}/${messageId}/${fileName}`,
} as const;
