// Waiting for eventually-consistent effects (triggers) without fixed sleeps.

/**
 * How long a test waits for the Cloud Functions' effect of a write. Alone, a cold worker answers in a few seconds;
 * in the full suite on a 2-core machine the Functions emulator works off every file's triggers in one queue, and a
 * single effect has been seen to take 50–60 s. Only a failing wait ever lasts this long.
 */
export const FUNCTIONS_DEADLINE_MS = 90_000;

/** Resolves with the first value for which `accept` holds, from a subscription; rejects at the deadline. */
export function waitForSnapshot<T>(
  subscribe: (next: (value: T) => void, fail: (error: Error) => void) => () => void,
  accept: (value: T) => boolean,
  { timeoutMs = 15_000, what = "a matching snapshot" }: { timeoutMs?: number; what?: string } = {},
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let last: T | undefined;
    let unsubscribe: (() => void) | undefined;
    let settled = false;
    const finish = (action: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      queueMicrotask(() => unsubscribe?.());
      action();
    };
    const timer = setTimeout(
      () => finish(() => reject(new Error(`Timed out after ${timeoutMs} ms waiting for ${what}; last value: ${JSON.stringify(last)}`))),
      timeoutMs,
    );
    unsubscribe = subscribe(
      (value) => {
        last = value;
        if (accept(value)) finish(() => resolve(value));
      },
      (error) => finish(() => reject(error)),
    );
    if (settled) unsubscribe();
  });
}

/** Polls `probe` until it returns a value that `accept` holds for, or fails at the deadline. */
export async function pollUntil<T>(
  probe: () => Promise<T>,
  accept: (value: T) => boolean,
  { timeoutMs = 15_000, intervalMs = 50, what = "a condition" }: { timeoutMs?: number; intervalMs?: number; what?: string } = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: T | undefined;
  for (;;) {
    last = await probe();
    if (accept(last)) return last;
    if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}; last value: ${JSON.stringify(last)}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
