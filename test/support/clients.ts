// Real SDK clients wired to the running emulators.
import { deleteApp, initializeApp, type FirebaseApp } from "firebase/app";
import { connectAuthEmulator, createUserWithEmailAndPassword, getAuth, type User } from "firebase/auth";
import { connectFirestoreEmulator, getFirestore, type Firestore } from "firebase/firestore";
import { connectStorageEmulator, getStorage, type FirebaseStorage } from "firebase/storage";
import { getApps, initializeApp as initializeAdminApp, type App } from "firebase-admin/app";
import { getFirestore as getAdminFirestore, type Firestore as AdminFirestore } from "firebase-admin/firestore";
import { getStorage as getAdminStorage, type Storage as AdminStorage } from "firebase-admin/storage";
import { authEmulator, firestoreEmulator, projectId, storageEmulator, uniqueId } from "./emulators.ts";

export interface WebClient {
  app: FirebaseApp;
  db: Firestore;
  user: User;
  storage: () => FirebaseStorage;
  close: () => Promise<void>;
}

/** A web-SDK app signed in as a brand-new Auth-emulator user (email/password). */
export async function signedInWebClient(label = "user"): Promise<WebClient> {
  const app = initializeApp({ projectId, apiKey: "demo-api-key", storageBucket: `${projectId}.appspot.com` }, uniqueId(label));
  const auth = getAuth(app);
  const authAt = authEmulator();
  connectAuthEmulator(auth, `http://${authAt.host}:${authAt.port}`, { disableWarnings: true });
  const db = getFirestore(app);
  const fsAt = firestoreEmulator();
  connectFirestoreEmulator(db, fsAt.host, fsAt.port);
  const { user } = await createUserWithEmailAndPassword(auth, `${uniqueId(label)}@example.test`, "correct-horse-battery");
  let storage: FirebaseStorage | undefined;
  return {
    app,
    db,
    user,
    storage: () => {
      if (!storage) {
        storage = getStorage(app);
        const at = storageEmulator();
        connectStorageEmulator(storage, at.host, at.port);
      }
      return storage;
    },
    close: () => deleteApp(app),
  };
}

let adminApp: App | undefined;

/** firebase-admin talks to the emulators through the *_EMULATOR_HOST variables and bypasses rules. */
function admin(): App {
  adminApp ??= getApps().find((a) => a.name === "dealchat-tests") ?? initializeAdminApp({ projectId }, "dealchat-tests");
  return adminApp;
}

export function adminFirestore(): AdminFirestore {
  return getAdminFirestore(admin());
}

/** The default bucket through firebase-admin (FIREBASE_STORAGE_EMULATOR_HOST points it at the emulator). */
export function adminBucket(): ReturnType<AdminStorage["bucket"]> {
  return getAdminStorage(admin()).bucket(`${projectId}.appspot.com`);
}
