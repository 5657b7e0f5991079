// The queries the functions issue, as QuerySpecs like every other DealChat query (model/src/queries.ts), so
// the index checker can cover them next to the SDK's and the handlers and the checker cannot drift apart.
import { otherSide, paths, type QuerySpec, type Side, type TimestampLike } from "@dealchat/model";

/** Messages `reader` has not read: from the other side, not tombstoned, created after the watermark. Used with count(). */
export function unreadCountQuery(dealId: string, reader: Side, watermark: TimestampLike | null): QuerySpec {
  return {
    collection: paths.messages(dealId),
    filters: [
      { field: "senderSide", op: "==", value: otherSide(reader) },
      { field: "deleted", op: "==", value: false },
      ...(watermark ? [{ field: "createdAt", op: ">" as const, value: watermark }] : []),
    ],
    orderBy: [],
  };
}

/** The latest participant (non-system) message created before `before`: the one a new message may answer. */
export function previousParticipantMessageQuery(dealId: string, before: TimestampLike): QuerySpec {
  return {
    collection: paths.messages(dealId),
    filters: [
      { field: "senderSide", op: "in", value: ["brand", "influencer"] },
      { field: "createdAt", op: "<", value: before },
    ],
    orderBy: [{ field: "createdAt", direction: "desc" }],
    limit: 1,
  };
}
