// The last step of a push: production hands the message to FCM (firebase-admin messaging); emulator runs
// record it in a Firestore collection the tests read, because there is no FCM emulator. The recording path
// needs BOTH signs of an emulator run: FUNCTIONS_EMULATOR=true (set by the Functions emulator only) and a
// demo- project id (which Google has no backend for). A deployed function has neither, so it always sends.
import { FieldValue, type Firestore } from "firebase-admin/firestore";
import type { MulticastMessage } from "firebase-admin/messaging";
import { notificationCollections } from "@dealchat/model";

export interface TokenResult {
  token: string;
  ok: boolean;
  /** FCM's error code ("messaging/registration-token-not-registered", …) when not ok. */
  errorCode?: string;
}

export interface PushTransport {
  readonly kind: "fcm" | "recording";
  send(message: MulticastMessage, context: { uid: string; dealId: string }): Promise<TokenResult[]>;
}

/** FCM's answers that mean "this token will never work again": the device is removed. */
export const invalidTokenCodes: readonly string[] = ["messaging/registration-token-not-registered", "messaging/invalid-registration-token"];

export function projectIdOf(env: NodeJS.ProcessEnv): string {
  if (env.GCLOUD_PROJECT) return env.GCLOUD_PROJECT;
  try {
    return (JSON.parse(env.FIREBASE_CONFIG ?? "{}") as { projectId?: string }).projectId ?? "";
  } catch {
    return "";
  }
}

/** True only inside the Functions emulator on a demo project (docs/notifications.md, "Emulator runs"). */
export function recordsInsteadOfSending(env: NodeJS.ProcessEnv = process.env): boolean {
  return env.FUNCTIONS_EMULATOR === "true" && projectIdOf(env).startsWith("demo-");
}

export function fcmTransport(): PushTransport {
  return {
    kind: "fcm",
    async send(message) {
      const { getMessaging } = await import("firebase-admin/messaging");
      const response = await getMessaging().sendEachForMulticast(message);
      return response.responses.map((r, i) => ({
        token: message.tokens[i]!,
        ok: r.success,
        ...(r.error ? { errorCode: r.error.code } : {}),
      }));
    },
  };
}

/**
 * Records the message as FCM would receive it and answers per token as FCM would: success, or the error a test
 * declared for that token in emulatorFcmTokenErrors/{token} ({ code }).
 */
export function recordingTransport(db: Firestore): PushTransport {
  return {
    kind: "recording",
    async send(message, context) {
      const refs = message.tokens.map((t) => db.collection(notificationCollections.simulatedTokenErrors).doc(t));
      const declared = refs.length > 0 ? await db.getAll(...refs) : [];
      const results = message.tokens.map((token, i) => {
        const code = declared[i]?.get("code");
        return typeof code === "string" ? { token, ok: false, errorCode: code } : { token, ok: true };
      });
      await db.collection(notificationCollections.recordedPushes).add({
        uid: context.uid,
        dealId: context.dealId,
        // The exact MulticastMessage (plain JSON: strings, numbers, booleans, nested maps).
        message: JSON.parse(JSON.stringify(message)),
        results,
        recordedAt: FieldValue.serverTimestamp(),
      });
      return results;
    },
  };
}

export function defaultTransport(db: Firestore, env: NodeJS.ProcessEnv = process.env): PushTransport {
  return recordsInsteadOfSending(env) ? recordingTransport(db) : fcmTransport();
}
