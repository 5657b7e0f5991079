// The notification functions' queries in every shape, for the index test (test/indexes.test.ts).
import type { CatalogEntry, TimestampLike } from "@dealchat/model";
import {
  inboxSideQuery,
  openDevicesQuery,
  pushDevicesQuery,
  tokenRegistrationsQuery,
  unreadEdgeQuery,
} from "../../functions/src/domain/notification-queries.ts";

export function notificationQueries(someTime: TimestampLike): CatalogEntry[] {
  const once: CatalogEntry[] = [{ label: "notifications tokenRegistrationsQuery", spec: tokenRegistrationsQuery("token-1") }];
  return once.concat(
    (["brand", "influencer"] as const).flatMap((side) => [
      { label: `notifications inboxSideQuery ${side}`, spec: inboxSideQuery("user-1", side) },
      ...(["newest", "oldest"] as const).flatMap((edge) => [
        { label: `notifications unreadEdgeQuery ${side} ${edge} without watermark`, spec: unreadEdgeQuery("deal-1", side, null, edge) },
        { label: `notifications unreadEdgeQuery ${side} ${edge} with watermark`, spec: unreadEdgeQuery("deal-1", side, someTime, edge) },
      ]),
      { label: "notifications openDevicesQuery", spec: openDevicesQuery("user-1", "deal-1") },
      { label: "notifications pushDevicesQuery", spec: pushDevicesQuery("user-1") },
    ]),
  );
}
