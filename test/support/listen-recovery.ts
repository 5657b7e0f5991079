// Works around an open Firestore-emulator bug (firebase-tools#8654): now and then, under load, a Listen
// stream's gRPC framing goes wrong and the Node SDK reads protobuf payload bytes as a frame length
// ("RESOURCE_EXHAUSTED: Received message larger than max (554173458 vs 17825792)"). The SDK treats
// RESOURCE_EXHAUSTED as a quota error, as it must against production, and waits its maximum backoff (about a
// minute) before it listens again: longer than any test waits, so one corrupt frame fails whatever test was
// listening. An intentional stop resets that backoff, so restarting the network of every web-SDK Firestore
// of this process reconnects at once; listeners resume from their resume tokens and queued writes are kept.
// Installed for every test file (vitest setupFiles) and by the bench runner.
import * as firebaseApp from "firebase/app";
import { getApps, onLog, type FirebaseApp } from "firebase/app";
import { disableNetwork, enableNetwork, getFirestore } from "firebase/firestore";

/**
 * The SDK's component registry (`_getProvider`, which firebase/app re-exports from @firebase/app at run time
 * but leaves out of its public types): it tells which apps have a Firestore without creating one.
 */
const { _getProvider } = firebaseApp as unknown as {
  _getProvider(app: FirebaseApp, name: "firestore"): { isInitialized(identifier: string): boolean };
};

/** The SDK's log line for a stream closed on a frame it could not have been sent. */
export function isCorruptListenStreamLog(message: string): boolean {
  return /RESOURCE_EXHAUSTED: Received message larger than max/.test(message);
}

/** Firestore instances are registered under their database id; every test uses the default database. */
const DEFAULT_DATABASE = "(default)";

let restarts = 0;

/** Restarts the network of every initialized web-SDK Firestore (modular, compat, rules-unit-testing). */
export async function restartListenStreams(): Promise<number> {
  restarts += 1;
  const instances = getApps()
    .filter((app) => _getProvider(app, "firestore").isInitialized(DEFAULT_DATABASE))
    .map((app) => getFirestore(app, DEFAULT_DATABASE));
  await Promise.all(
    instances.map(async (db) => {
      try {
        await disableNetwork(db);
        await enableNetwork(db);
      } catch {
        // Terminated between the listing and the restart: nothing to recover.
      }
    }),
  );
  return instances.length;
}

export const listenStreamRestarts = (): number => restarts;

export function installListenStreamRecovery(): void {
  onLog(
    ({ message }) => {
      if (!isCorruptListenStreamLog(message)) return;
      process.stderr.write("[test support] the Firestore emulator corrupted a Listen stream (firebase-tools#8654); restarting the SDKs' network\n");
      // The SDK logs this while closing the stream, on its own queue; the restart is queued behind it, so it
      // finds the stream waiting out its backoff and stops it.
      void restartListenStreams();
    },
    { level: "error" },
  );
}

installListenStreamRecovery();
