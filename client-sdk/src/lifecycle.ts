// Every listener and timer the SDK starts is registered here, so one dispose() ends them all and tests can
// prove that unsubscribing leaves nothing behind.

export type Unsubscribe = () => void;

export class SubscriptionRegistry {
  private readonly active = new Set<Unsubscribe>();
  private disposed = false;

  /** Registers a teardown and returns an idempotent unsubscribe that also removes it from the registry. */
  add(teardown: Unsubscribe): Unsubscribe {
    if (this.disposed) {
      teardown();
      return () => {};
    }
    let done = false;
    const unsubscribe = () => {
      if (done) return;
      done = true;
      this.active.delete(unsubscribe);
      teardown();
    };
    this.active.add(unsubscribe);
    return unsubscribe;
  }

  /** Subscriptions (snapshot listeners, heartbeats, expiry timers) that are still running. */
  get size(): number {
    return this.active.size;
  }

  get isDisposed(): boolean {
    return this.disposed;
  }

  dispose(): void {
    this.disposed = true;
    for (const unsubscribe of [...this.active]) unsubscribe();
  }
}
