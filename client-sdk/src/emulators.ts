// Local development against the Firebase Emulator Suite: one call wires Auth, Firestore and Storage to it, so an
// app's setup is the same three getX(app) calls as in production plus this line.
import { connectAuthEmulator, type Auth } from "firebase/auth";
import { connectFirestoreEmulator, type Firestore } from "firebase/firestore";
import { connectStorageEmulator, type FirebaseStorage } from "firebase/storage";

/** Where the emulators listen (firebase.json's `emulators` block). */
export interface DealChatEmulatorPorts {
  /** Default "127.0.0.1". */
  host?: string;
  auth: number;
  firestore: number;
  storage?: number;
}

/** The ports of this repository's firebase.json (before any DEALCHAT_PORT_OFFSET). */
export const DEFAULT_EMULATOR_PORTS: Required<DealChatEmulatorPorts> = { host: "127.0.0.1", auth: 9099, firestore: 8080, storage: 9199 };

/**
 * Points the given Firebase services at the emulators. Call it once, right after getAuth/getFirestore/getStorage
 * and before any other use of them (the Firebase SDK refuses to switch a service that has already been used).
 */
export function connectDealChatEmulators(
  services: { auth: Auth; firestore: Firestore; storage?: FirebaseStorage },
  ports: DealChatEmulatorPorts = DEFAULT_EMULATOR_PORTS,
): void {
  const host = ports.host ?? "127.0.0.1";
  connectAuthEmulator(services.auth, `http://${host}:${ports.auth}`, { disableWarnings: true });
  connectFirestoreEmulator(services.firestore, host, ports.firestore);
  if (services.storage && ports.storage !== undefined) connectStorageEmulator(services.storage, host, ports.storage);
}
