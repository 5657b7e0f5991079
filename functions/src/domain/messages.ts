// Pure rules for the fields the functions derive on a message document.
import { Message, searchTokens, storagePaths, type Attachment } from "@dealchat/model";

/**
 * Fields the functions may write on a message: a search-token repair. Clients write them too, but never alone (an
 * edit also moves editedAt, a tombstone deleted), so an update that changes nothing else is the functions' own echo.
 * responseTimeMs is no longer written; messages stored before keep it, and it never makes an update meaningful.
 */
export const functionWrittenMessageFields = ["searchTokens", "responseTimeMs"] as const;

/** Parses a stored message; null when it does not have the shape the rules enforce (never worth a crash). */
export function parseMessage(data: unknown): Message | null {
  const parsed = Message.safeParse(data);
  return parsed.success ? parsed.data : null;
}

/** The search tokens a message should carry in its current state: none once tombstoned. */
export function tokensFor(message: Pick<Message, "text" | "deleted">): string[] {
  return message.deleted ? [] : searchTokens(message.text);
}

export function sameTokens(a: readonly string[] | undefined, b: readonly string[]): boolean {
  return a !== undefined && a.length === b.length && a.every((t, i) => t === b[i]);
}

/** True when before and after differ only in function-written fields (or not at all). */
export function onlyFunctionFieldsChanged(before: Record<string, unknown>, after: Record<string, unknown>): boolean {
  const ignored = new Set<string>(functionWrittenMessageFields);
  const keys = new Set([...Object.keys(before), ...Object.keys(after)].filter((k) => !ignored.has(k)));
  for (const key of keys) {
    const [a, b] = key === "attachments" ? [clientAttachmentFields(before[key]), clientAttachmentFields(after[key])] : [before[key], after[key]];
    if (!deepEqual(a, b)) return false;
  }
  return true;
}

/** Attachment entries without the platform's `verification` (the upload trigger writes it; it changes nothing else). */
function clientAttachmentFields(list: unknown): unknown {
  if (!Array.isArray(list)) return list;
  return list.map((a) => {
    if (!a || typeof a !== "object") return a;
    const { verification: _platform, ...client } = a as Record<string, unknown>;
    return client;
  });
}

/** Deep equality of stored values; Timestamps compare by instant. */
export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
  if (typeof (a as { isEqual?: unknown }).isEqual === "function") return (a as { isEqual: (o: unknown) => boolean }).isEqual(b);
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  if (ka.length !== kb.length) return false;
  return ka.every((k) => deepEqual((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
}

/**
 * Storage objects to delete when a message is tombstoned: the attachments it had, but only those inside
 * this message's own folder. storagePath is client-written, so a forged path must never make the platform
 * delete someone else's file.
 */
export function attachmentPathsToDelete(dealId: string, messageId: string, senderId: string, attachments: readonly unknown[]): string[] {
  const folder = `${storagePaths.messageFolder(dealId, senderId, messageId)}/`;
  const paths = new Set<string>();
  for (const candidate of attachments) {
    const path = (candidate as Partial<Attachment> | null)?.storagePath;
    if (typeof path !== "string" || !path.startsWith(folder)) continue;
    const name = path.slice(folder.length);
    if (name === "" || name.includes("/") || name === "." || name === "..") continue;
    paths.add(path);
  }
  return [...paths];
}
