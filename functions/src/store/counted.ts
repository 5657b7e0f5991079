// Every Firestore operation a handler issues goes through this transaction wrapper, which counts billed
// document reads and writes. The figures feed the cost benchmark and the handlers' logs, so a change that
// adds a read shows up in numbers rather than in the bill.
import type { DocumentData, DocumentReference, DocumentSnapshot, Firestore, Query, QuerySnapshot, Transaction, UpdateData } from "firebase-admin/firestore";

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

  /**
   * A query read outside the transaction: billed the same, but it takes no lock. A transactional query locks the
   * range it read until commit, so a client's next message into the same deal would wait on it (the emulator
   * answers "Transaction lock timeout"). For decisions that tolerate a view a moment old, because the documents the
   * transaction does read (and writes) keep them idempotent.
   */
  async getQueryUnlocked(query: Query): Promise<QuerySnapshot> {
    const snap = await query.get();
    this.cost.reads += Math.max(1, snap.size);
    return snap;
  }

  /**
   * A document read outside the transaction, billed as one read. For a document the transaction does not write,
   * only consults, and whose own trigger repairs any stale decision (the deal in the message trigger). Not for the
   * tasks' reads: locked, concurrent tasks for one user wait for each other and the later one sees the earlier one's
   * write; unlocked, each decided on the same view and wrote (docs/functions.md, "Locks").
   */
  getDocUnlocked(ref: DocumentReference): Promise<DocumentSnapshot> {
    this.cost.reads += 1;
    return ref.get();
  }

  /** count() outside the transaction (see getQueryUnlocked), billed as count(). */
  async countUnlocked(query: Query): Promise<number> {
    const snap = await query.count().get();
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

/**
 * Errors worth another attempt right away: contention and lost connections (gRPC ABORTED, UNAVAILABLE,
 * DEADLINE_EXCEEDED, RESOURCE_EXHAUSTED) and a transaction the emulator dropped ("Transaction is invalid or
 * closed"). The admin SDK already retries ABORTED commits; these come back from reads and from its last attempt.
 */
export function isTransient(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  if (code === 10 || code === 14 || code === 4 || code === 8) return true;
  if (typeof code === "string" && ["aborted", "unavailable", "deadline-exceeded", "resource-exhausted"].includes(code)) return true;
  const message = error instanceof Error ? error.message : String(error);
  return /Transaction is invalid or closed|transaction has expired|ABORTED|UNAVAILABLE|DEADLINE_EXCEEDED/i.test(message);
}

export interface RetryPolicy {
  /** Attempts in all, the first included. */
  attempts: number;
  /** Wait before the second attempt; doubled each time, with jitter. */
  initialDelayMs: number;
}

/**
 * Bounded, because a platform retry (`retry: true`) still follows when this gives up, and because production may
 * deliver the same event again: every handler records its event id in the same transaction, so a repeat is a no-op.
 */
export const defaultRetry: RetryPolicy = { attempts: 5, initialDelayMs: 50 };

/** Runs `body` in a read-write transaction, again on transient errors; the cost is that of the attempt that committed. */
export async function runCounted<T>(
  db: Firestore,
  body: (tx: CountedTransaction) => Promise<T>,
  retry: RetryPolicy = defaultRetry,
): Promise<T & { cost: Cost; attempts: number }> {
  for (let attempt = 1; ; attempt++) {
    let cost: Cost = { reads: 0, writes: 0 };
    try {
      const result = await db.runTransaction(async (tx) => {
        const counted = new CountedTransaction(tx);
        cost = counted.cost;
        return body(counted);
      });
      return { ...result, cost, attempts: attempt };
    } catch (error) {
      if (attempt >= retry.attempts || !isTransient(error)) throw error;
      const delay = retry.initialDelayMs * 2 ** (attempt - 1);
      await new Promise((resolve) => setTimeout(resolve, delay / 2 + Math.random() * delay));
    }
  }
}
