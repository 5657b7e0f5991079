// The queries of the notification functions, as QuerySpecs (model/src/queries.ts) so that the index checker
// covers them (test/indexes.test.ts) like every other query.
import { notificationCollections, notificationLimits, notificationPaths, paths, type QuerySpec, type Side, type TimestampLike } from "@dealchat/model";
import { unreadCountQuery } from "./queries.ts";

/** A user's conversations on one side that have something unread: the inbox sums and counts these (aggregation only). */
export function inboxSideQuery(uid: string, side: Side): QuerySpec {
  return {
    collection: paths.conversations(),
    filters: [
      { field: side === "brand" ? "brandId" : "influencerId", op: "==", value: uid },
      { field: `hasUnread.${side}`, op: "==", value: true },
    ],
    orderBy: [],
  };
}

/** The newest (or oldest) message `reader` has not read and that is newer than `since`. */
export function unreadEdgeQuery(dealId: string, reader: Side, since: TimestampLike | null, edge: "newest" | "oldest"): QuerySpec {
  return {
    ...unreadCountQuery(dealId, reader, since),
    orderBy: [{ field: "createdAt", direction: edge === "newest" ? "desc" : "asc" }],
    limit: 1,
  };
}

/** The devices of a user that show this deal (their expiry is checked by the reader). */
export function openDevicesQuery(uid: string, dealId: string): QuerySpec {
  return { collection: notificationPaths.openDevices(uid), filters: [{ field: "dealId", op: "==", value: dealId }], orderBy: [], limit: 10 };
}

/** A user's registered push tokens, the most recently refreshed first. */
export function pushDevicesQuery(uid: string): QuerySpec {
  return {
    collection: notificationPaths.pushDevices(uid),
    filters: [],
    orderBy: [{ field: "updatedAt", direction: "desc" }],
    limit: notificationLimits.pushDevicesPerUser,
  };
}

/** Every registration of one FCM token, whoever registered it (a collection-group query; firestore.indexes.json fieldOverrides). */
export function tokenRegistrationsQuery(token: string): QuerySpec {
  return {
    collection: notificationCollections.pushDevices,
    collectionGroup: true,
    filters: [{ field: "token", op: "==", value: token }],
    orderBy: [],
    limit: 20,
  };
}
