// Offline Firestore emulator: when firebase-tools has not downloaded its own JAR, reuse the Cloud SDK's
// `cloud-firestore-emulator` component. That jar has no Main-Class while firebase-tools runs
// `java -jar <binary>`, so we bridge the two with a manifest-only jar.
import { spawnSync } from "node:child_process";
import { existsSync, statSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { cacheDir } from "./cache.ts";
import { isOfficialJarCached } from "./firebase-tools-cache.ts";
import { packJar } from "./jar.ts";
import type { Jdk } from "./java.ts";

export const FIRESTORE_MAIN_CLASS = "com.google.cloud.datastore.emulator.firestore.CloudFirestore";

/** The Cloud SDK root, asked of gcloud itself (works offline), or undefined without gcloud. */
export function cloudSdkRoot(): string | undefined {
  const probe = spawnSync("gcloud", ["info", "--format=value(installation.sdk_root)"], {
    encoding: "utf8",
    env: { ...process.env, CLOUDSDK_CORE_DISABLE_PROMPTS: "1", CLOUDSDK_COMPONENT_MANAGER_DISABLE_UPDATE_CHECK: "1" },
  });
  if (probe.error || probe.status !== 0) return undefined;
  const root = probe.stdout.trim();
  return root ? root : undefined;
}

export function cloudSdkFirestoreJar(): string | undefined {
  const root = cloudSdkRoot();
  if (!root) return undefined;
  const jar = join(root, "platform", "cloud-firestore-emulator", "cloud-firestore-emulator.jar");
  return existsSync(jar) ? jar : undefined;
}

export type FirestoreChoice = { kind: "official" } | { kind: "cloud-sdk"; bridgeJar: string; componentJar: string } | { kind: "download" };

export function prepareFirestoreEmulator(jdk: Jdk, env: NodeJS.ProcessEnv): FirestoreChoice {
  if (env.FIRESTORE_EMULATOR_BINARY_PATH || isOfficialJarCached("firestore", env)) return { kind: "official" };
  const componentJar = cloudSdkFirestoreJar();
  if (!componentJar) return { kind: "download" };
  const bridgeJar = join(cacheDir("emulators"), "cloud-firestore-emulator-bridge.jar");
  // Regenerate when the component was updated after the bridge was made.
  if (!existsSync(bridgeJar) || statSync(bridgeJar).mtimeMs < statSync(componentJar).mtimeMs) {
    packJar(jdk, bridgeJar, {
      "Manifest-Version": "1.0",
      "Main-Class": FIRESTORE_MAIN_CLASS,
      "Class-Path": pathToFileURL(componentJar).href,
    });
  }
  return { kind: "cloud-sdk", bridgeJar, componentJar };
}
