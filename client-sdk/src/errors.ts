// One error type for everything the SDK throws, with Firebase-style status codes so that apps can branch on
// `code` (and on `reason` for the product-level causes the server expresses only as a generic denial).
import { inEnglish } from "@dealchat/model";
import type * as z from "zod/mini";

export type DealChatErrorCode =
  | "invalid-argument"
  | "permission-denied"
  | "failed-precondition"
  | "not-found"
  | "already-exists"
  | "unavailable"
  | "unauthenticated"
  | "cancelled"
  | "resource-exhausted"
  | "deadline-exceeded"
  | "aborted"
  | "internal"
  | "unknown";

/** Why a request was refused, when the SDK could establish it. */
export type DealChatErrorReason =
  | "deal-closed"
  | "edit-window-closed"
  | "not-author"
  | "message-deleted"
  | "not-participant"
  | "file-too-large"
  | "file-type-not-allowed"
  | "too-many-attachments"
  | "upload-cancelled"
  /** Blank text (white space or invisible characters only) and no attachment. */
  | "empty-message"
  /** A write sooner than the rules' pacing interval for that document (limits.*MinIntervalMs). */
  | "too-frequent"
  | "message-id-taken"
  /** The functions have not verified the file yet: only its uploader may read it (docs/attachments.md). */
  | "attachment-pending"
  /** The functions rejected the file (its bytes are not what it claims, or it is damaged); it is deleted. */
  | "attachment-rejected"
  | "disposed";

export class DealChatError extends Error {
  override readonly name = "DealChatError";
  constructor(
    readonly code: DealChatErrorCode,
    message: string,
    readonly reason?: DealChatErrorReason,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

const firebaseCodes = new Set<string>([
  "invalid-argument",
  "permission-denied",
  "failed-precondition",
  "not-found",
  "already-exists",
  "unavailable",
  "unauthenticated",
  "cancelled",
  "resource-exhausted",
  "deadline-exceeded",
  "aborted",
  "internal",
]);

/** The Firebase status code of an SDK error ("permission-denied"), without the service prefix Storage adds. */
export function firebaseCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code !== "string") return undefined;
  return code.startsWith("storage/") ? code.slice("storage/".length) : code;
}

/** Wraps anything thrown by the Firebase SDKs (or by us) into a DealChatError, keeping the cause. */
export function toDealChatError(error: unknown, context: string): DealChatError {
  if (error instanceof DealChatError) return error;
  const code = firebaseCode(error);
  const message = error instanceof Error ? error.message : String(error);
  if (code === "unauthorized") return new DealChatError("permission-denied", `${context}: ${message}`, undefined, { cause: error });
  if (code === "canceled") return new DealChatError("cancelled", `${context}: ${message}`, "upload-cancelled", { cause: error });
  if (code === "object-not-found") return new DealChatError("not-found", `${context}: ${message}`, undefined, { cause: error });
  const mapped: DealChatErrorCode = code && firebaseCodes.has(code) ? (code as DealChatErrorCode) : "unknown";
  return new DealChatError(mapped, `${context}: ${message}`, undefined, { cause: error });
}

/** Validates SDK input with zod; failures become invalid-argument errors naming the offending fields. */
export function parseInput<T extends z.ZodMiniType>(schema: T, input: unknown, what: string): z.infer<T> {
  const result = schema.safeParse(input, inEnglish);
  if (result.success) return result.data;
  const details = result.error.issues.map((i) => `${i.path.length ? i.path.join(".") : "(input)"}: ${i.message}`).join("; ");
  throw new DealChatError("invalid-argument", `${what}: ${details}`, undefined, { cause: result.error });
}
