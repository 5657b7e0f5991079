// The query the profile fan-out issues, as a QuerySpec so that the index checker covers it (test/indexes.test.ts).
import { paths, type QuerySpec, type Side } from "@dealchat/model";

/** One page of the conversations where `uid` is on `side`, in document-id order (served by the automatic single-field index). */
export function conversationsOfParticipantQuery(uid: string, side: Side, pageSize: number, afterDealId?: string): QuerySpec {
  return {
    collection: paths.conversations(),
    filters: [{ field: side === "brand" ? "brandId" : "influencerId", op: "==", value: uid }],
    orderBy: [{ field: "__name__", direction: "asc" }],
    limit: pageSize,
    ...(afterDealId ? { startAfter: [afterDealId] } : {}),
  };
}
