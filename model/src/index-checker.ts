// Which index a QuerySpec needs, and whether firestore.indexes.json has it. Pure: no I/O, no SDK.
//
// The emulator runs every query with or without an index, so a missing composite index normally shows up
// only in production ("FAILED_PRECONDITION: The query requires an index"). This checker applies Firestore's
// index selection rules to our query specs instead:
//  - A query is normalized first: explicit orderBy fields; then inequality fields (<, <=, >, >=, !=, not-in)
//    that are not ordered yet, by field path, ascending; then __name__ in the direction of the last ordering.
//  - Equality filters (==, in) and array membership (array-contains, array-contains-any) come before the
//    orderings in an index, in any order among themselves; membership needs `arrayConfig: CONTAINS`.
//  - The orderings must follow in exactly the query's order and directions, then __name__ (implicit in every
//    index, in the direction of the index's last field, or spelled out as the last field).
//  - Queries touching a single field (plus __name__) are served by the automatic single-field indexes,
//    unless a fieldOverride removes the one they need. Queries with only equality filters and no ordering
//    but __name__ ascending are served by merging single-field indexes.
// Index merging of several composite indexes is deliberately not modelled: the checker may ask for an
// index that production could do without, never the other way round.
import type { FieldFilter, QuerySpec } from "./queries.ts";

export type IndexOrder = "ASCENDING" | "DESCENDING";
export type QueryScope = "COLLECTION" | "COLLECTION_GROUP";

export interface IndexField {
  fieldPath: string;
  order?: IndexOrder;
  arrayConfig?: "CONTAINS";
}

export interface CompositeIndex {
  collectionGroup: string;
  queryScope: QueryScope;
  fields: IndexField[];
}

export interface FieldOverride {
  collectionGroup: string;
  fieldPath: string;
  indexes: Array<{ order?: IndexOrder; arrayConfig?: "CONTAINS"; queryScope: QueryScope }>;
}

/** The shape of firestore.indexes.json. */
export interface IndexConfig {
  indexes: CompositeIndex[];
  fieldOverrides?: FieldOverride[];
}

export type IndexCheck =
  | { ok: true; servedBy: "single-field" | "merged-single-field"; index?: undefined }
  | { ok: true; servedBy: "composite"; index: CompositeIndex }
  | { ok: false; missing: CompositeIndex; message: string };

const equalityOps = new Set<FieldFilter["op"]>(["==", "in"]);
const membershipOps = new Set<FieldFilter["op"]>(["array-contains", "array-contains-any"]);
const inequalityOps = new Set<FieldFilter["op"]>(["<", "<=", ">", ">=", "!=", "not-in"]);
const NAME = "__name__";

const toOrder = (direction: "asc" | "desc"): IndexOrder => (direction === "asc" ? "ASCENDING" : "DESCENDING");

/** The collection group (last collection id) a spec queries. */
export function collectionGroupOf(spec: QuerySpec): string {
  const segments = spec.collection.split("/").filter(Boolean);
  if (!spec.collectionGroup && segments.length % 2 === 0) {
    throw new RangeError(`"${spec.collection}" is a document path, not a collection`);
  }
  return segments[segments.length - 1]!;
}

interface NormalizedQuery {
  collectionGroup: string;
  queryScope: QueryScope;
  /** Equality and membership fields, deduplicated, in the order the query names them. */
  equalities: IndexField[];
  /** Orderings after normalization, without the trailing __name__. */
  orderings: Array<{ fieldPath: string; order: IndexOrder }>;
  nameOrder: IndexOrder;
}

export function normalizeQuery(spec: QuerySpec): NormalizedQuery {
  const orderings: Array<{ fieldPath: string; order: IndexOrder }> = [];
  let nameOrder: IndexOrder | undefined;
  // The SDKs run limitToLast as the reversed query (and reverse the page locally): the server scans the
  // index in the opposite directions, so that is the index it needs.
  const orderBy =
    spec.limitToLast === undefined
      ? spec.orderBy
      : spec.orderBy.map((o) => ({ ...o, direction: o.direction === "asc" ? ("desc" as const) : ("asc" as const) }));
  for (const o of orderBy) {
    if (o.field === NAME) {
      nameOrder = toOrder(o.direction);
      break; // nothing after __name__ can change the order
    }
    if (!orderings.some((x) => x.fieldPath === o.field)) orderings.push({ fieldPath: o.field, order: toOrder(o.direction) });
  }
  const inequalityFields = [...new Set(spec.filters.filter((f) => inequalityOps.has(f.op) && f.field !== NAME).map((f) => f.field))].sort();
  for (const field of inequalityFields) {
    if (!orderings.some((x) => x.fieldPath === field)) orderings.push({ fieldPath: field, order: "ASCENDING" });
  }
  const equalities: IndexField[] = [];
  for (const f of spec.filters) {
    if (f.field === NAME || orderings.some((o) => o.fieldPath === f.field)) continue;
    if (equalityOps.has(f.op)) {
      if (!equalities.some((e) => e.fieldPath === f.field && e.order)) equalities.push({ fieldPath: f.field, order: "ASCENDING" });
    } else if (membershipOps.has(f.op)) {
      if (!equalities.some((e) => e.fieldPath === f.field && e.arrayConfig)) equalities.push({ fieldPath: f.field, arrayConfig: "CONTAINS" });
    }
  }
  const defaultNameOrder: IndexOrder = spec.limitToLast === undefined ? "ASCENDING" : "DESCENDING";
  return {
    collectionGroup: collectionGroupOf(spec),
    queryScope: spec.collectionGroup ? "COLLECTION_GROUP" : "COLLECTION",
    equalities,
    orderings,
    nameOrder: nameOrder ?? orderings[orderings.length - 1]?.order ?? defaultNameOrder,
  };
}

/** The composite index a query needs (equality fields ascending, in query order), or null if single-field indexes serve it. */
export function requiredIndex(spec: QuerySpec, config: IndexConfig = { indexes: [] }): CompositeIndex | null {
  const q = normalizeQuery(spec);
  if (servedBySingleField(q, config) || servedByMerging(q, config)) return null;
  return { collectionGroup: q.collectionGroup, queryScope: q.queryScope, fields: [...q.equalities, ...q.orderings] };
}

function singleFieldIndexExists(q: NormalizedQuery, config: IndexConfig, field: IndexField): boolean {
  const override = (config.fieldOverrides ?? []).find((o) => o.collectionGroup === q.collectionGroup && o.fieldPath === field.fieldPath);
  // Without an override, every field has ascending, descending and array-contains indexes with collection scope.
  if (!override) return q.queryScope === "COLLECTION";
  return override.indexes.some(
    (i) => i.queryScope === q.queryScope && (field.arrayConfig ? i.arrayConfig === field.arrayConfig : i.order !== undefined && !i.arrayConfig),
  );
}

function servedBySingleField(q: NormalizedQuery, config: IndexConfig): boolean {
  const fields = [...q.equalities, ...q.orderings];
  if (fields.length === 0) return true; // __name__ only: the built-in document index
  if (fields.length !== 1) return false;
  const field = fields[0]!;
  // A single-field index is scanned either way, and its implicit __name__ follows the scan direction.
  if (q.orderings.length === 1 && q.nameOrder !== q.orderings[0]!.order) return false;
  return singleFieldIndexExists(q, config, field);
}

function servedByMerging(q: NormalizedQuery, config: IndexConfig): boolean {
  return q.orderings.length === 0 && q.nameOrder === "ASCENDING" && q.equalities.length > 1 && q.equalities.every((f) => singleFieldIndexExists(q, config, f));
}

/** Does `index` serve the normalized query exactly (Firestore does not scan composite indexes with extra fields)? */
export function indexServes(index: CompositeIndex, spec: QuerySpec): boolean {
  const q = normalizeQuery(spec);
  if (index.collectionGroup !== q.collectionGroup || index.queryScope !== q.queryScope) return false;
  let fields = index.fields;
  const last = fields[fields.length - 1];
  let nameOrder: IndexOrder | undefined;
  if (last?.fieldPath === NAME) {
    nameOrder = last.order;
    fields = fields.slice(0, -1);
  }
  if (fields.length !== q.equalities.length + q.orderings.length) return false;
  const head = fields.slice(0, q.equalities.length);
  const tail = fields.slice(q.equalities.length);
  const sameKind = (a: IndexField, b: IndexField) => a.fieldPath === b.fieldPath && !!a.arrayConfig === !!b.arrayConfig && (!!a.order || !!a.arrayConfig);
  // Equality fields: any order, any direction; each query equality appears exactly once.
  if (!q.equalities.every((e) => head.some((h) => sameKind(h, e)))) return false;
  if (!head.every((h) => q.equalities.some((e) => sameKind(h, e)))) return false;
  // Orderings: same fields, same order, same directions.
  if (!q.orderings.every((o, i) => tail[i]?.fieldPath === o.fieldPath && tail[i]?.order === o.order && !tail[i]?.arrayConfig)) return false;
  // Composite indexes are not scanned backwards: __name__ must run in the query's direction.
  const implicitNameOrder = nameOrder ?? fields[fields.length - 1]?.order ?? "ASCENDING";
  return implicitNameOrder === q.nameOrder;
}

export function describeIndex(index: CompositeIndex): string {
  const fields = index.fields.map((f) => `${f.fieldPath} ${f.arrayConfig ? "CONTAINS" : f.order === "DESCENDING" ? "DESC" : "ASC"}`).join(", ");
  return `${index.collectionGroup} (${index.queryScope === "COLLECTION" ? "collection" : "collection group"}): ${fields}`;
}

export function describeQuery(spec: QuerySpec): string {
  const filters = spec.filters.map((f) => `${f.field} ${f.op}`).join(", ");
  const orders = spec.orderBy.map((o) => `${o.field} ${o.direction}`).join(", ");
  return `${spec.collectionGroup ? "group " : ""}${spec.collection} where [${filters}] orderBy [${orders}]`;
}

/** Checks one query against an index configuration; the failure names the index to add, in firestore.indexes.json form. */
export function checkQuery(spec: QuerySpec, config: IndexConfig): IndexCheck {
  const q = normalizeQuery(spec);
  if (servedBySingleField(q, config)) return { ok: true, servedBy: "single-field" };
  if (servedByMerging(q, config)) return { ok: true, servedBy: "merged-single-field" };
  const index = config.indexes.find((i) => indexServes(i, spec));
  if (index) return { ok: true, servedBy: "composite", index };
  const missing = requiredIndex(spec, config)!;
  return {
    ok: false,
    missing,
    message: `missing composite index ${describeIndex(missing)} for query ${describeQuery(spec)}; add to firestore.indexes.json: ${JSON.stringify(missing)}`,
  };
}
