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
  return Object.keys(config.emulators ?? {}).filter((name) => PRODUCT_EMULATORS.includes(name) && name !== "eventarc" && name !== "tasks");
}

/**
 * Ports that WHATWG fetch refuses ("bad port"), and with it firebase-tools' own HTTP client: a shifted port
 * landing on one (8080 + 2000 = 10080) would make trigger registration with the Firestore emulator fail.
 */
const FETCH_BLOCKED_PORTS = new Set([
  1, 7, 9, 11, 13, 15, 17, 19, 20, 21, 22, 23, 25, 37, 42, 43, 53, 69, 77, 79, 87, 95, 101, 102, 103, 104, 109, 110, 111, 113, 115, 117, 119, 123, 135, 137,
  139, 143, 161, 179, 389, 427, 465, 512, 513, 514, 515, 526, 530, 531, 532, 540, 548, 554, 556, 563, 587, 601, 636, 989, 990, 993, 995, 1719, 1720, 1723, 2049,
  3659, 4045, 4190, 5060, 5061, 6000, 6566, 6665, 6666, 6667, 6668, 6669, 6679, 6697, 10080,
]);

/** Writes firebase.json with every emulator port shifted by offset, next to it so relative paths still hold. */
export function writePortShiftedConfig(offset: number): string {
  const config = readFirebaseJson();
  const taken = new Set<number>();
  for (const settings of Object.values(config.emulators ?? {})) {
    if (typeof settings !== "object") continue;
    for (const key of ["port", "websocketPort"]) {
      if (typeof settings[key] === "number") taken.add((settings[key] as number) + offset);
    }
  }
  for (const settings of Object.values(config.emulators ?? {})) {
    if (typeof settings !== "object") continue;
    for (const key of ["port", "websocketPort"]) {
      if (typeof settings[key] !== "number") continue;
      let port = (settings[key] as number) + offset;
      while (FETCH_BLOCKED_PORTS.has(port)) {
        do port += 1;
        while (taken.has(port));
        taken.add(port);
      }
      settings[key] = port;
    }
  }
  const out = join(repoRoot, `.firebase-ports-${offset}.json`);
  writeFileSync(out, JSON.stringify(config, null, 2));
  return out;
}
