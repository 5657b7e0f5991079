// firestore.indexes.json against every query the model builds, with Firestore's index selection rules
// (model/src/index-checker.ts). The emulator accepts queries without indexes; production refuses them.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import {
  checkQuery,
  conversationListQuery,
  describeIndex,
  indexServes,
  messageHistoryQuery,
  queryCatalog,
  requiredIndex,
  type CompositeIndex,
  type IndexConfig,
  type QuerySpec,
  type CatalogEntry,
} from "@dealchat/model";
import { responseTimeWindowQuery, unreadCountQuery } from "../functions/src/domain/queries.ts";
import { notificationQueries } from "./notifications/queries.ts";

const config = JSON.parse(readFileSync("firestore.indexes.json", "utf8")) as IndexConfig;
const someTime = { seconds: 1_700_000_000, nanoseconds: 0, toMillis: () => 1_700_000_000_000 };

/** The model's query builders in every combination, plus the queries the Cloud Functions issue. */
function everyQuery(): CatalogEntry[] {
  const functionsQueries: CatalogEntry[] = (["brand", "influencer"] as const).flatMap((side) => [
    { label: `functions unreadCountQuery ${side} without watermark`, spec: unreadCountQuery("deal-1", side, null) },
    { label: `functions unreadCountQuery ${side} with watermark`, spec: unreadCountQuery("deal-1", side, someTime) },
    { label: `functions unreadCountQuery ${side} up to the clock`, spec: unreadCountQuery("deal-1", side, null, someTime) },
    { label: `functions unreadCountQuery ${side} with watermark, up to the clock`, spec: unreadCountQuery("deal-1", side, someTime, someTime) },
  ]);
  functionsQueries.push({ label: "functions responseTimeWindowQuery", spec: responseTimeWindowQuery("deal-1") });
  functionsQueries.push(...notificationQueries(someTime));
  return [...queryCatalog(), ...functionsQueries];
}

describe("firestore.indexes.json", () => {
  it("serves every combination of every query builder, and the functions' queries", () => {
    const catalog = everyQuery();
    expect(catalog.length).toBeGreaterThan(100);
    const failures = catalog.flatMap(({ label, spec }) => {
      const result = checkQuery(spec, config);
      return result.ok ? [] : [`${label}: ${result.message}`];
    });
    expect(failures).toEqual([]);
  });

  it("holds no index that no query uses", () => {
    const catalog = everyQuery();
    const unused = config.indexes.filter((index) => !catalog.some(({ spec }) => indexServes(index, spec)));
    expect(unused.map(describeIndex)).toEqual([]);
  });

  it("is well formed: every field has exactly one of order or arrayConfig, scopes and groups are known", () => {
    for (const index of config.indexes) {
      expect(["conversations", "messages"]).toContain(index.collectionGroup);
      expect(["COLLECTION", "COLLECTION_GROUP"]).toContain(index.queryScope);
      expect(index.fields.length).toBeGreaterThan(1);
      for (const field of index.fields) expect(Number(!!field.order) + Number(!!field.arrayConfig), `${describeIndex(index)} ${field.fieldPath}`).toBe(1);
    }
  });
});

describe("index checker (Firestore's index rules)", () => {
  const spec = (filters: QuerySpec["filters"], orderBy: QuerySpec["orderBy"], extra: Partial<QuerySpec> = {}): QuerySpec => ({
    collection: "deals/d1/messages",
    filters,
    orderBy,
    ...extra,
  });
  const index = (fields: CompositeIndex["fields"], queryScope: CompositeIndex["queryScope"] = "COLLECTION"): CompositeIndex => ({
    collectionGroup: "messages",
    queryScope,
    fields,
  });
  const desc = (fieldPath: string) => ({ fieldPath, order: "DESCENDING" as const });
  const asc = (fieldPath: string) => ({ fieldPath, order: "ASCENDING" as const });

  it("single-field queries need no composite index, in either direction", () => {
    const empty: IndexConfig = { indexes: [] };
    expect(checkQuery(messageHistoryQuery({ dealId: "d1" }), empty)).toMatchObject({ ok: true, servedBy: "single-field" });
    expect(checkQuery(spec([{ field: "createdAt", op: ">=", value: 1 }], [{ field: "createdAt", direction: "asc" }]), empty)).toMatchObject({ ok: true });
    expect(checkQuery(spec([{ field: "searchTokens", op: "array-contains", value: "x" }], []), empty)).toMatchObject({ ok: true });
    expect(checkQuery(spec([], []), empty)).toMatchObject({ ok: true });
  });

  it("a single field ordered against its __name__ direction needs a composite index", () => {
    const q = spec(
      [],
      [
        { field: "createdAt", direction: "desc" },
        { field: "__name__", direction: "asc" },
      ],
    );
    expect(checkQuery(q, { indexes: [] })).toMatchObject({ ok: false });
    expect(checkQuery(q, { indexes: [index([desc("createdAt"), asc("__name__")])] })).toMatchObject({ ok: true, servedBy: "composite" });
  });

  it("equality-only queries are served by merging single-field indexes", () => {
    const q = spec(
      [
        { field: "senderSide", op: "==", value: "brand" },
        { field: "hasAttachments", op: "==", value: true },
      ],
      [],
    );
    expect(checkQuery(q, { indexes: [] })).toMatchObject({ ok: true, servedBy: "merged-single-field" });
  });

  it("equality fields match in any order, orderings in exactly the query's order and direction", () => {
    const q = messageHistoryQuery({ dealId: "d1", senderSide: "brand", attachmentsOnly: true });
    expect(checkQuery(q, { indexes: [index([asc("hasAttachments"), asc("senderSide"), desc("createdAt")])] }).ok).toBe(true);
    expect(checkQuery(q, { indexes: [index([desc("senderSide"), asc("hasAttachments"), desc("createdAt")])] }).ok).toBe(true);
    expect(checkQuery(q, { indexes: [index([asc("senderSide"), asc("hasAttachments"), asc("createdAt")])] }).ok).toBe(false);
    expect(checkQuery(q, { indexes: [index([asc("senderSide"), desc("createdAt")])] }).ok).toBe(false);
    expect(checkQuery(q, { indexes: [index([asc("senderSide"), asc("hasAttachments"), asc("deleted"), desc("createdAt")])] }).ok).toBe(false);
  });

  it("array-contains needs arrayConfig CONTAINS, not an ordered field", () => {
    const q = messageHistoryQuery({ dealId: "d1", searchToken: "hello" });
    expect(checkQuery(q, { indexes: [index([asc("searchTokens"), desc("createdAt")])] }).ok).toBe(false);
    expect(checkQuery(q, { indexes: [index([{ fieldPath: "searchTokens", arrayConfig: "CONTAINS" }, desc("createdAt")])] }).ok).toBe(true);
  });

  it("an inequality on an unordered field is appended to the orderings", () => {
    const q = spec(
      [
        { field: "senderSide", op: "==", value: "brand" },
        { field: "size", op: ">", value: 3 },
      ],
      [],
    );
    expect(requiredIndex(q)).toEqual(index([asc("senderSide"), asc("size")]));
  });

  it("a range on the ordered field adds no index field", () => {
    const withRange = messageHistoryQuery({ dealId: "d1", senderSide: "influencer", from: { seconds: 1, nanoseconds: 0, toMillis: () => 1000 } });
    expect(requiredIndex(withRange)).toEqual(requiredIndex(messageHistoryQuery({ dealId: "d1", senderSide: "influencer" })));
  });

  it("collection-group queries need collection-group indexes, also for single fields unless overridden", () => {
    const group = spec([{ field: "senderId", op: "==", value: "u" }], [{ field: "createdAt", direction: "desc" }], {
      collection: "messages",
      collectionGroup: true,
    });
    expect(checkQuery(group, { indexes: [index([asc("senderId"), desc("createdAt")])] }).ok).toBe(false);
    expect(checkQuery(group, { indexes: [index([asc("senderId"), desc("createdAt")], "COLLECTION_GROUP")] }).ok).toBe(true);
    const single = spec([{ field: "senderId", op: "==", value: "u" }], [], { collection: "messages", collectionGroup: true });
    expect(checkQuery(single, { indexes: [] }).ok).toBe(false);
    expect(
      checkQuery(single, {
        indexes: [],
        fieldOverrides: [{ collectionGroup: "messages", fieldPath: "senderId", indexes: [{ order: "ASCENDING", queryScope: "COLLECTION_GROUP" }] }],
      }).ok,
    ).toBe(true);
  });

  it("a field override that drops a single-field index makes its queries need a composite", () => {
    const q = messageHistoryQuery({ dealId: "d1" });
    expect(checkQuery(q, { indexes: [], fieldOverrides: [{ collectionGroup: "messages", fieldPath: "createdAt", indexes: [] }] }).ok).toBe(false);
  });

  it("names the missing index in firestore.indexes.json form", () => {
    const result = checkQuery(conversationListQuery({ uid: "u1", side: "influencer", status: "active", unreadOnly: true }), { indexes: [] });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.message).toContain("conversations (collection): influencerId ASC, status ASC, hasUnread.influencer ASC, lastActivityAt DESC");
    expect(result.missing).toEqual({
      collectionGroup: "conversations",
      queryScope: "COLLECTION",
      fields: [asc("influencerId"), asc("status"), asc("hasUnread.influencer"), desc("lastActivityAt")],
    });
  });

  it("limitToLast needs the index of the reversed query, which the server runs", () => {
    const newestLast = { ...messageHistoryQuery({ dealId: "d1", senderSide: "brand" }), limit: undefined, limitToLast: 20 };
    expect(requiredIndex(newestLast)).toEqual(index([asc("senderSide"), asc("createdAt")]));
    expect(checkQuery(newestLast, { indexes: [index([asc("senderSide"), desc("createdAt")])] }).ok).toBe(false);
  });

  it("refuses a document path as a collection", () => {
    expect(() => checkQuery({ collection: "deals/d1", filters: [], orderBy: [] }, { indexes: [] })).toThrow(RangeError);
  });
});
