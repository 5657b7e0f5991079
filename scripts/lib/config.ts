// firebase.json handling: which emulators the project configures, and a port-shifted copy so that several
// emulator suites can run side by side on one machine (DEALCHAT_PORT_OFFSET).
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { repoRoot } from "./cache.ts";

/** Emulators that are products (as opposed to hub, logging, ui…), in the names `--only` takes. */
const PRODUCT_EMULATORS = ["auth", "firestore", "functions", "storage", "database", "pubsub", "hosting", "eventarc", "tasks", "dataconnect"];

interface FirebaseJson {
  emulators?: Record<string, Record<string, unknown> | boolean>;
  [key: string]: unknown;
}

export function readFirebaseJson(path = join(repoRoot, "firebase.json")): FirebaseJson {
  return JSON.parse(readFileSync(path, "utf8")) as FirebaseJson;
}

export function configuredEmulators(config: FirebaseJson): string[] {
  // eventarc and tasks are support emulators that firebase-tools starts with functions on its own.
  return Object.keys(config.emulators ?? {}).filter(
    (name) => PRODUCT_EMULATORS.includes(name) && name !== "eventarc" && name !== "tasks",
  );
}

/** Writes firebase.json with every emulator port shifted by offset, next to it so relative paths still hold. */
export function writePortShiftedConfig(offset: number): string {
  const config = readFirebaseJson();
  for (const settings of Object.values(config.emulators ?? {})) {
    if (typeof settings !== "object") continue;
    for (const key of ["port", "websocketPort"]) {
      if (typeof settings[key] === "number") settings[key] = (settings[key] as number) + offset;
    }
  }
  const out = join(repoRoot, `.firebase-ports-${offset}.json`);
  writeFileSync(out, JSON.stringify(config, null, 2));
  return out;
}
