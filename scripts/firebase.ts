// `npm run firebase -- <args>`: the project's own firebase-tools, with the environment prepared so the
// Emulator Suite works both offline (our machines) and on a laptop that can download Google's JARs.
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { delimiter, dirname, join } from "node:path";
import { configuredEmulators, readFirebaseJson, writePortShiftedConfig } from "./lib/config.ts";
import { prepareFirestoreEmulator } from "./lib/firestore-emulator.ts";
import { findJdk, missingJdkMessage } from "./lib/java.ts";
import { prepareStorageRuntime } from "./lib/storage-runtime.ts";
import { repoRoot } from "./lib/cache.ts";
import { newRunMarker, RUN_MARKER_VARIABLE, stopLeftovers } from "./lib/leftovers.ts";

const say = (line: string) => process.stderr.write(`[dealchat] ${line}\n`);

function firebaseBin(): string {
  const require = createRequire(import.meta.url);
  const pkgPath = require.resolve("firebase-tools/package.json");
  const pkg = require(pkgPath) as { bin: Record<string, string> };
  return join(dirname(pkgPath), pkg.bin.firebase!);
}

function optionValue(args: string[], name: string): { index: number; value: string } | undefined {
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === name && i + 1 < args.length) return { index: i, value: args[i + 1]! };
    if (arg.startsWith(`${name}=`)) return { index: i, value: arg.slice(name.length + 1) };
  }
  return undefined;
}

/** Drops `excluded` emulators from the run, editing or adding `--only`. */
function withoutEmulators(args: string[], excluded: string[], configured: string[]): string[] {
  const only = optionValue(args, "--only");
  const wanted = (only ? only.value.split(",") : configured).filter((e) => !excluded.includes(e.trim()));
  const rest = [...args];
  if (only) rest.splice(only.index, rest[only.index] === "--only" ? 2 : 1);
  return [...rest, "--only", wanted.join(",")];
}

/** Cleanups to run when firebase-tools has exited. */
const atExit: Array<() => void> = [];

function main(): void {
  let args = process.argv.slice(2);
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    // No network probes beyond loopback: firebase-tools skips its MOTD fetch and update check in CI mode.
    CI: process.env.CI ?? "true",
    NO_UPDATE_NOTIFIER: "1",
  };
  const marker = newRunMarker();
  env[RUN_MARKER_VARIABLE] = marker;
  const startsEmulators = args.some((a) => a === "emulators:start" || a === "emulators:exec");

  if (startsEmulators) {
    const jdk = findJdk(env);
    if (!jdk) {
      say(missingJdkMessage());
      process.exit(1);
    }
    env.JAVA_HOME = jdk.home;
    env.PATH = `${jdk.bin}${delimiter}${env.PATH ?? ""}`;
    // The admin SDKs (tests, functions) would otherwise probe the GCP metadata server for a project and
    // credentials; a demo project under the emulators needs neither, and the probe leaves loopback.
    env.METADATA_SERVER_DETECTION ??= "none";
    // The Functions emulator starts one worker process per concurrent event and drops the event ("Failed to load
    // function") when a worker is not serving within this many seconds (30 by default). A burst of uploads on a
    // busy 2-core machine starts dozens at once; losing their events would leave derived state unconverged.
    env.FUNCTIONS_DISCOVERY_TIMEOUT ??= "180";

    const config = readFirebaseJson();
    const configured = configuredEmulators(config);
    const only = optionValue(args, "--only")?.value.split(",") ?? configured;

    if (only.includes("firestore")) {
      const firestore = prepareFirestoreEmulator(jdk, env);
      if (firestore.kind === "cloud-sdk") {
        env.FIRESTORE_EMULATOR_BINARY_PATH = firestore.bridgeJar;
        say(`Firestore: using the Cloud SDK component ${firestore.componentJar} (firebase-tools' JAR is not cached).`);
      } else if (firestore.kind === "download") {
        say("Firestore: firebase-tools will download its emulator JAR (no cached JAR, no Cloud SDK component).");
      }
    }
    if (only.includes("storage")) {
      const storage = prepareStorageRuntime(jdk, env);
      if (storage.kind === "unavailable") {
        say(`Storage emulator left out: ${storage.why}`);
        args = withoutEmulators(args, ["storage"], configured);
      } else {
        if (storage.kind === "ours") {
          env.STORAGE_EMULATOR_BINARY_PATH = storage.jar;
          Object.assign(env, storage.env);
          for (const note of storage.notes) say(`Storage: ${note}`);
          say("Storage: using DealChat's rules runtime (rules-engine) in place of Google's rules-runtime JAR.");
        }
        // Every Storage emulator keeps uploads in <os.tmpdir()>/firebase/storage/blobs and deletes that folder
        // when it stops, so suites running side by side would delete each other's files: each run gets its own.
        const storageTmp = mkdtempSync(join(tmpdir(), "dealchat-storage-"));
        env.TMPDIR = storageTmp;
        atExit.push(() => rmSync(storageTmp, { recursive: true, force: true }));
      }
    }

    const offset = Number(process.env.DEALCHAT_PORT_OFFSET ?? 0);
    if (offset && !optionValue(args, "--config")) {
      args = [...args, "--config", writePortShiftedConfig(offset)];
    }
  }

  const child = spawn(process.execPath, [firebaseBin(), ...args], { cwd: repoRoot, env, stdio: "inherit" });
  for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
    process.on(signal, () => child.kill(signal));
  }
  child.on("exit", (code, signal) => {
    void (async () => {
      const stopped = await stopLeftovers(marker);
      if (stopped > 0) say(`Stopped ${stopped} process(es) that firebase-tools left running (it exited without stopping them).`);
      for (const cleanup of atExit) cleanup();
      process.exit(code ?? (signal ? 128 + 1 : 1));
    })();
  });
}

main();
