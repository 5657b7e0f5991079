// The only way the SDK builds a Firestore query: from a QuerySpec made by model/src/queries.ts, so the
// index checker that reads those same specs covers everything the SDK can issue.
import type { QuerySpec } from "@dealchat/model";
import {
  collection,
  collectionGroup,
  documentId,
  endAt,
  endBefore,
  limit,
  limitToLast,
  orderBy,
  query,
  startAfter,
  where,
  type Firestore,
  type Query,
  type QueryConstraint,
} from "firebase/firestore";

const fieldOf = (field: string) => (field === "__name__" ? documentId() : field);

export function toWebQuery(db: Firestore, spec: QuerySpec): Query {
  const source = spec.collectionGroup ? collectionGroup(db, spec.collection) : collection(db, spec.collection);
  const constraints: QueryConstraint[] = [];
  for (const f of spec.filters) constraints.push(where(fieldOf(f.field), f.op, f.value));
  for (const o of spec.orderBy) constraints.push(orderBy(fieldOf(o.field), o.direction));
  if (spec.startAfter) constraints.push(startAfter(...spec.startAfter));
  if (spec.endBefore) constraints.push(endBefore(...spec.endBefore));
  if (spec.endAt) constraints.push(endAt(...spec.endAt));
  if (spec.limitToLast !== undefined) constraints.push(limitToLast(spec.limitToLast));
  else if (spec.limit !== undefined) constraints.push(limit(spec.limit));
  return query(source, ...constraints);
}
