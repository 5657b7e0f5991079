// A QuerySpec (model/src/queries.ts) as an admin-SDK query.
import { FieldPath, type Firestore, type Query } from "firebase-admin/firestore";
import type { QuerySpec } from "@dealchat/model";

const fieldPath = (field: string) => (field === "__name__" ? FieldPath.documentId() : field);

export function toAdminQuery(db: Firestore, spec: QuerySpec): Query {
  let query: Query = spec.collectionGroup ? db.collectionGroup(spec.collection) : db.collection(spec.collection);
  for (const f of spec.filters) query = query.where(fieldPath(f.field), f.op, f.value);
  for (const o of spec.orderBy) query = query.orderBy(fieldPath(o.field), o.direction);
  if (spec.startAfter) query = query.startAfter(...spec.startAfter);
  if (spec.endBefore) query = query.endBefore(...spec.endBefore);
  if (spec.endAt) query = query.endAt(...spec.endAt);
  if (spec.limit !== undefined) query = query.limit(spec.limit);
  if (spec.limitToLast !== undefined) query = query.limitToLast(spec.limitToLast);
  return query;
}
