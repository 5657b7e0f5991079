// Runs model's QuerySpecs through the web SDK, so the rules are exercised with exactly the queries the apps send.
import {
  collection,
  collectionGroup,
  documentId,
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
import type { QuerySpec } from "@dealchat/model";

const fieldOf = (field: string) => (field === "__name__" ? documentId() : field);

export function toWebQuery(db: Firestore, spec: QuerySpec): Query {
  const constraints: QueryConstraint[] = [
    ...spec.filters.map((f) => where(fieldOf(f.field), f.op, f.value)),
    ...spec.orderBy.map((o) => orderBy(fieldOf(o.field), o.direction)),
  ];
  if (spec.startAfter) constraints.push(startAfter(...spec.startAfter));
  if (spec.endBefore) constraints.push(endBefore(...spec.endBefore));
  if (spec.limit !== undefined) constraints.push(limit(spec.limit));
  if (spec.limitToLast !== undefined) constraints.push(limitToLast(spec.limitToLast));
  const source = spec.collectionGroup ? collectionGroup(db, spec.collection) : collection(db, spec.collection);
  return query(source, ...constraints);
}
