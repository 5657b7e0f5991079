// Where the running Emulator Suite is, as `firebase emulators:exec` tells its script through the environment.
export interface HostPort {
  host: string;
  port: number;
}

function hostPort(variable: string): HostPort {
  const value = process.env[variable];
  if (!value) {
    throw new Error(`${variable} is not set: run the tests with \`npm test\` (they need the Firebase Emulator Suite).`);
  }
  const at = value.lastIndexOf(":");
  return { host: value.slice(0, at), port: Number(value.slice(at + 1)) };
}

export const projectId = process.env.GCLOUD_PROJECT ?? "demo-dealchat";
export const firestoreEmulator = (): HostPort => hostPort("FIRESTORE_EMULATOR_HOST");
export const authEmulator = (): HostPort => hostPort("FIREBASE_AUTH_EMULATOR_HOST");
export const storageEmulator = (): HostPort => hostPort("FIREBASE_STORAGE_EMULATOR_HOST");

/** A unique id so that tests sharing one emulator never see each other's data. */
export function uniqueId(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
}
