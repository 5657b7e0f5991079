// The state store the handles expose: replay on subscribe, change notification, selectors, and what happens
// when an app's listener throws. Pure: no emulator needed.
import { describe, expect, it } from "vitest";
import { StateStore } from "../src/index.ts";

describe("StateStore", () => {
  it("replays the current value on subscribe, notifies changes with the previous value, and stops after unsubscribe", () => {
    const store = new StateStore({ count: 0, label: "a" });
    const heard: Array<[number, number | undefined]> = [];
    const stop = store.subscribe((value, previous) => heard.push([value.count, previous?.count]));
    expect(heard).toEqual([[0, undefined]]);
    store.partialNext({ count: 1 });
    store.next(store.getLatestValue()); // the same object: not a change
    stop();
    store.partialNext({ count: 2 });
    expect(heard).toEqual([
      [0, undefined],
      [1, 0],
    ]);
    expect(store.getLatestValue()).toEqual({ count: 2, label: "a" });
  });

  it("subscribeWithSelector hears a part only when it changes (one level deep)", () => {
    const items = [1, 2];
    const store = new StateStore({ items, loading: true, other: 0 });
    const heard: unknown[] = [];
    store.subscribeWithSelector(
      (s) => ({ items: s.items, loading: s.loading }),
      (part) => heard.push(part),
    );
    store.partialNext({ other: 1 });
    store.partialNext({ loading: false });
    store.partialNext({ other: 2 });
    expect(heard).toEqual([
      { items, loading: true },
      { items, loading: false },
    ]);
  });

  it("a listener that throws does not stop the others; its error surfaces on its own", async () => {
    const store = new StateStore({ n: 0 });
    const heard: number[] = [];
    store.subscribe((v) => {
      if (v.n === 1) throw new Error("app bug");
    });
    store.subscribe((v) => heard.push(v.n));
    const surfaced = new Promise<unknown>((resolve) => {
      const original = globalThis.queueMicrotask;
      globalThis.queueMicrotask = (task) => {
        globalThis.queueMicrotask = original;
        try {
          task();
        } catch (e) {
          resolve(e);
        }
      };
    });
    expect(() => store.partialNext({ n: 1 })).not.toThrow();
    expect(heard).toEqual([0, 1]);
    await expect(surfaced).resolves.toMatchObject({ message: "app bug" });
  });
});
