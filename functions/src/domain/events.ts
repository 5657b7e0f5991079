// Idempotency records: one document per (handler, event) in `processedEvents`, written in the same
// transaction as the handler's effect. A redelivered event finds its record and changes nothing.

export const processedEventsCollection = "processedEvents";
/** How long a record is kept (a TTL policy on expireAt deletes it); redeliveries happen within minutes. */
export const processedEventRetentionMs = 7 * 24 * 60 * 60 * 1000;

/** Document id of an event's record: ids may hold any character, so slashes are escaped. */
export function processedEventId(handler: string, eventId: string): string {
  if (!eventId) throw new Error("an event without an id cannot be processed idempotently");
  return `${handler}:${eventId.replace(/%/g, "%25").replace(/\//g, "%2F")}`;
}
