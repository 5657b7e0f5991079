// The admin SDK handles, created on first use rather than at import, so that tests which invoke the
// handlers in-process (firebase-functions-test) can initialize the default app for their own project first.
import { getApp, getApps, initializeApp, type App } from "firebase-admin/app";
import { getFirestore, type Firestore } from "firebase-admin/firestore";
import type { Storage } from "firebase-admin/storage";

function app(): App {
  return getApps().some((a) => a.name === "[DEFAULT]") ? getApp() : initializeApp();
}

export function db(): Firestore {
  return getFirestore(app());
}

/**
 * Storage is reachable in production and when the Storage emulator runs. In the emulator suite without
 * it (or in a test process), the admin SDK would try Google's real endpoint, so file clean-up is skipped.
 */
export function storageReachable(): boolean {
  if (process.env.FIREBASE_STORAGE_EMULATOR_HOST || process.env.STORAGE_EMULATOR_HOST) return true;
  return Boolean(process.env.K_SERVICE) && process.env.FUNCTIONS_EMULATOR !== "true";
}

/**
 * The default bucket (or the named one). The Storage SDK is loaded on first use: only tombstones with attachments need it, and
 * loading it with the module would add about half a second to every function's cold start.
 */
export async function bucket(name?: string): Promise<ReturnType<Storage["bucket"]>> {
  const { getStorage } = await import("firebase-admin/storage");
  return getStorage(app()).bucket(name);
}
