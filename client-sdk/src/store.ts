// A minimal observable value: what a screen binds to. `subscribe` hands the current value to the new listener
// at once (so a view never renders from nothing and never misses a change made before it subscribed) and
// every later one; `getLatestValue` reads it synchronously (React's useSyncExternalStore needs both).
import type { Unsubscribe } from "./lifecycle.ts";

export type StoreListener<T> = (value: T, previous: T | undefined) => void;

/** The read side of a store, as handles expose it. */
export interface ReadableStore<T> {
  getLatestValue(): T;
  /** Calls `listener` with the current value now, then with every new value; returns its unsubscribe. */
  subscribe(listener: StoreListener<T>): Unsubscribe;
}

export class StateStore<T extends object> implements ReadableStore<T> {
  private value: T;
  private readonly listeners = new Set<StoreListener<T>>();

  constructor(initial: T) {
    this.value = initial;
  }

  getLatestValue(): T {
    return this.value;
  }

  subscribe(listener: StoreListener<T>): Unsubscribe {
    this.listeners.add(listener);
    listener(this.value, undefined);
    return () => {
      this.listeners.delete(listener);
    };
  }

  /** Replaces the value and notifies; a value identical to the current one is not a change. */
  next(value: T): void {
    if (value === this.value) return;
    const previous = this.value;
    this.value = value;
    for (const listener of [...this.listeners]) {
      try {
        listener(value, previous);
      } catch (error) {
        // A listener's bug is the app's: it is rethrown on its own (an uncaught error, as from an event
        // handler) so that it is neither swallowed nor able to stop the other listeners or the SDK's update.
        queueMicrotask(() => {
          throw error;
        });
      }
    }
  }

  /** Changes some fields of the current value. */
  partialNext(patch: Partial<T>): void {
    this.next({ ...this.value, ...patch });
  }

  get listenerCount(): number {
    return this.listeners.size;
  }
}
