// The queries the functions issue, as QuerySpecs like every other DealChat query (model/src/queries.ts), so
// the index checker can cover them next to the SDK's and the handlers and the checker cannot drift apart.
import { limits, otherSide, paths, type QuerySpec, type Side, type TimestampLike } from "@dealchat/model";

/**
 * Messages `reader` has not read: from the other side, not tombstoned, created after the watermark and, when
 * `through` is given, at or before it (the response clock's position: the stored counter covers exactly the messages
 * up to there, and each later message adds itself, see handlers/messages.ts). Used with count().
 */
export function unreadCountQuery(dealId: string, reader: Side, watermark: TimestampLike | null, through?: TimestampLike): QuerySpec {
  return {
    collection: paths.messages(dealId),
    filters: [
      { field: "senderSide", op: "==", value: otherSide(reader) },
      { field: "deleted", op: "==", value: false },
      ...(watermark ? [{ field: "createdAt", op: ">" as const, value: watermark }] : []),
      ...(through ? [{ field: "createdAt", op: "<=" as const, value: through }] : []),
    ],
    orderBy: [],
  };
}

/**
 * The newest limits.responseTimeWindowMessages messages of a deal, newest first: what response times are
 * re-derived from (docs/response-times.md). Served by the automatic createdAt index.
 */
export function responseTimeWindowQuery(dealId: string): QuerySpec {
  return {
    collection: paths.messages(dealId),
    filters: [],
    orderBy: [
      { field: "createdAt", direction: "desc" },
      { field: "__name__", direction: "desc" },
    ],
    limit: limits.responseTimeWindowMessages,
  };
}
