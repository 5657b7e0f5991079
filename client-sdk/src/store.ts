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
  /**
   * Like subscribe, for a part of the value: `listener` hears the selected part now and whenever it changes
   * (compared field by field one level deep, so `(s) => ({ messages: s.messages, loading: s.loading })` works).
   */
  subscribeWithSelector<S>(selector: (value: T) => S, listener: StoreListener<S>): Unsubscribe;
}

/** Two selections are the same when they are identical, or plain objects/arrays with identical fields. */
function sameSelection(a: unknown, b: unknown): boolean {
  if (Object.is(a, b)) return true;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null || Array.isArray(a) !== Array.isArray(b)) return false;
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  return ka.length === kb.length && ka.every((k) => Object.is((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
}

/** subscribeWithSelector on top of any store's subscribe. */
export function selectFrom<T, S>(store: Pick<ReadableStore<T>, "subscribe">, selector: (value: T) => S, listener: StoreListener<S>): Unsubscribe {
  let selected: { value: S } | undefined;
  return store.subscribe((value) => {
    const next = selector(value);
    if (selected && sameSelection(selected.value, next)) return;
    const previous = selected?.value;
    selected = { value: next };
    listener(next, previous);
  });
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

  subscribeWithSelector<S>(selector: (value: T) => S, listener: StoreListener<S>): Unsubscribe {
    return selectFrom(this, selector, listener);
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
