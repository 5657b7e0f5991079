// The test-support workaround for the emulator's corrupt Listen frames (support/listen-recovery.ts): it
// recognizes exactly the SDK's log line for such a frame, and a restart takes every web-SDK Firestore of the
// process offline and back at once, after which its listeners receive changes again.
import { doc, onSnapshot, type DocumentSnapshot } from "firebase/firestore";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { adminFirestore, signedInWebClient, type WebClient } from "./support/clients.ts";
import { isCorruptListenStreamLog, listenStreamRestarts, restartListenStreams } from "./support/listen-recovery.ts";
import { Recorder } from "../client-sdk/test/support.ts";

describe("listen stream recovery (test support)", () => {
  let client: WebClient;
  beforeAll(async () => {
    client = await signedInWebClient("recovery");
  });
  afterAll(async () => {
    await client?.close();
  });

  it("recognizes the SDK's log line for a corrupt frame, not a real quota error", () => {
    const observed =
      "Firestore (12.19.0): FirebaseError: [code=resource-exhausted]: 8 RESOURCE_EXHAUSTED: Received message larger than max (554173458 vs 17825792)";
    expect(isCorruptListenStreamLog(observed)).toBe(true);
    expect(isCorruptListenStreamLog("Firestore (12.19.0): FirebaseError: [code=resource-exhausted]: 8 RESOURCE_EXHAUSTED: Quota exceeded.")).toBe(false);
  });

  it("restarts every web-SDK Firestore of the process: listeners go offline, come back and receive changes", async () => {
    const ref = doc(client.db, "presence", client.user.uid);
    const snapshots = new Recorder<DocumentSnapshot>();
    const stop = onSnapshot(ref, { includeMetadataChanges: true }, snapshots.next, snapshots.fail);
    await snapshots.until((s) => !s.metadata.fromCache, "the listener's first answer from the server");

    const from = snapshots.mark();
    const before = listenStreamRestarts();
    expect(await restartListenStreams()).toBeGreaterThanOrEqual(1);
    expect(listenStreamRestarts()).toBe(before + 1);
    let wentOffline = false;
    const back = await snapshots.until(
      (s) => {
        wentOffline ||= s.metadata.fromCache;
        return wentOffline && !s.metadata.fromCache;
      },
      "the listener offline during the restart, then back from the server",
      { from },
    );
    expect(back.exists()).toBe(false);

    await adminFirestore()
      .doc(ref.path)
      .set({ connections: {}, lastSeen: new Date(1_000) });
    const updated = await snapshots.until((s) => s.exists(), "the change after the restart");
    expect(updated.get("lastSeen").toMillis()).toBe(1_000);
    stop();
  });
});
