// Every Firestore operation a handler issues goes through this transaction wrapper, which counts billed
// document reads and writes. The figures feed the cost benchmark and the handlers' logs, so a change that
// adds a read shows up in numbers rather than in the bill.
import type {
  DocumentData,
  DocumentReference,
  DocumentSnapshot,
  Firestore,
  Query,
  QuerySnapshot,
  Transaction,
  UpdateData,
} from "firebase-admin/firestore";

export interface Cost {
  reads: number;
  writes: number;
}

export class CountedTransaction {
  readonly cost: Cost = { reads: 0, writes: 0 };

  constructor(private readonly tx: Transaction) {}

  /** One read, whether or not the document exists. */
  getDoc(ref: DocumentReference): Promise<DocumentSnapshot> {
    this.cost.reads += 1;
    return this.tx.get(ref);
  }

  /** One read per returned document, and one for a query that returns nothing. */
  async getQuery(query: Query): Promise<QuerySnapshot> {
    const snap = await this.tx.get(query);
    this.cost.reads += Math.max(1, snap.size);
    return snap;
  }

  /** count() is billed one read per batch of up to 1000 index entries, and one for zero. */
  async count(query: Query): Promise<number> {
    const snap = await this.tx.get(query.count());
    const n = snap.data().count;
    this.cost.reads += Math.max(1, Math.ceil(n / 1000));
    return n;
  }

  set(ref: DocumentReference, data: DocumentData): void {
    this.cost.writes += 1;
    this.tx.set(ref, data);
  }

  update(ref: DocumentReference, data: UpdateData<DocumentData>): void {
    this.cost.writes += 1;
    this.tx.update(ref, data);
  }
}

/** Runs `body` in a read-write transaction; the cost is that of the attempt that committed. */
export async function runCounted<T>(db: Firestore, body: (tx: CountedTransaction) => Promise<T>): Promise<T & { cost: Cost }> {
  let cost: Cost = { reads: 0, writes: 0 };
  const result = await db.runTransaction(async (tx) => {
    const counted = new CountedTransaction(tx);
    cost = counted.cost;
    return body(counted);
  });
  return { ...result, cost };
}
