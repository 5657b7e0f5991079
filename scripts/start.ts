// `npm start`: the Emulator Suite with the demo's data kept across restarts (imported on start, exported on exit
// into .demo-data/), the demo seeded on first start, and the web app served; then one short block saying where
// to go. Emulator output goes to .demo-data/emulators.log (shown if something fails). `--timings` (or
// DEALCHAT_START_TIMINGS=1) prints where the seconds went.
import { spawn, type ChildProcess } from "node:child_process";
import { createWriteStream, existsSync, mkdirSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { getApps, initializeApp } from "firebase-admin/app";
import { getAuth } from "firebase-admin/auth";
import { getFirestore } from "firebase-admin/firestore";
import { getStorage } from "firebase-admin/storage";
import { serveWebApp, type ServedWebApp } from "../apps/web/serve.ts";
import { repoRoot } from "./lib/cache.ts";
import { readFirebaseJson, writePortShiftedConfig } from "./lib/config.ts";
import { DEMO_PASSWORD, type DemoFile, demoDirectory, demoUsers, seedDemo, setBackgroundTriggers, uploadDemoFiles } from "./demo/seed.ts";

/** Where the demo keeps its data (DEALCHAT_DEMO_DIR: the bench uses its own). */
export const demoDataDir = process.env.DEALCHAT_DEMO_DIR ?? join(repoRoot, ".demo-data");
const projectId = "demo-dealchat";
// firebase-admin would otherwise probe the GCP metadata server for credentials the emulators do not need.
process.env.METADATA_SERVER_DETECTION ??= "none";
const started = performance.now();
const timings: Array<[string, number]> = [];
let last = started;
const mark = (what: string) => {
  const now = performance.now();
  timings.push([what, (now - last) / 1000]);
  last = now;
};
const showTimings = process.argv.includes("--timings") || process.env.DEALCHAT_START_TIMINGS === "1";
const skipBuild = process.argv.includes("--no-build");
const say = (line: string) => process.stdout.write(`${line}\n`);

function run(command: string, args: string[], log: NodeJS.WritableStream): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: repoRoot, stdio: ["ignore", "pipe", "pipe"] });
    child.stdout.pipe(log, { end: false });
    child.stderr.pipe(log, { end: false });
    child.on("exit", (code) => (code === 0 ? resolve() : reject(new Error(`${command} ${args.join(" ")} exited with ${code}`))));
  });
}

interface Ports {
  host: string;
  auth: number;
  firestore: number;
  storage: number;
  hub: number;
}

function ports(offset: number): Ports {
  const config = readFirebaseJson(offset ? writePortShiftedConfig(offset) : undefined) as { emulators: Record<string, { host?: string; port: number }> };
  const e = config.emulators;
  return { host: e.firestore!.host ?? "127.0.0.1", auth: e.auth!.port, firestore: e.firestore!.port, storage: e.storage!.port, hub: e.hub!.port };
}

async function main(): Promise<void> {
  mkdirSync(demoDataDir, { recursive: true });
  const logPath = join(demoDataDir, "emulators.log");
  const log = createWriteStream(logPath, { flags: "w" });
  const offset = Number(process.env.DEALCHAT_PORT_OFFSET ?? 0);
  const at = ports(offset);
  const failed = (why: string) => {
    process.stderr.write(`npm start failed: ${why}\nThe emulators' output is in ${logPath}; its last lines:\n`);
    const lines = existsSync(logPath) ? readFileSync(logPath, "utf8").trimEnd().split("\n").slice(-25) : [];
    process.stderr.write(`${lines.join("\n")}\n`);
  };

  if (!skipBuild && buildIsCurrent()) {
    mark("build skipped (outputs newer than every source)");
  } else if (!skipBuild) {
    say("Building…");
    try {
      await run("npm", ["run", "build", "--silent"], log);
    } catch (e) {
      failed((e as Error).message);
      process.exit(1);
    }
    mark("build (npm run build)");
  }

  const exportDir = join(demoDataDir, "export");
  const hasExport = existsSync(join(exportDir, "firebase-export-metadata.json"));
  const args = ["scripts/firebase.ts", "emulators:start", "--project", projectId, "--export-on-exit", exportDir, ...(hasExport ? ["--import", exportDir] : [])];
  say(hasExport ? "Starting the emulators with the saved demo data…" : "Starting the emulators…");
  // Its own process group: Ctrl-C reaches this script only, which asks firebase-tools once for a clean shutdown
  // (a second SIGINT would make it quit at once, without exporting).
  const emulators = spawn(process.execPath, ["--import", "tsx", ...args], { cwd: repoRoot, stdio: ["ignore", "pipe", "pipe"], detached: true });
  // Each line of the log carries the seconds since the emulators were asked to start: where the startup goes.
  const spawnedAt = performance.now();
  const markers: Array<[string, string]> = [
    ["Starting emulators", "firebase-tools loaded, starting"],
    ["Firestore Emulator was started", "Firestore (Java) started"],
    ["functions: Watching", "Functions emulator starting"],
    ["Loaded functions definitions", "functions loaded"],
    ["All emulators ready", "all emulators ready"],
  ];
  const seenMarkers: Array<[string, number]> = [];
  for (const stream of [emulators.stdout!, emulators.stderr!]) {
    let partial = "";
    stream.on("data", (chunk: Buffer) => {
      const lines = (partial + chunk.toString()).split("\n");
      partial = lines.pop() ?? "";
      const at = (performance.now() - spawnedAt) / 1000;
      for (const line of lines) {
        log.write(`[+${at.toFixed(1)}s] ${line}\n`);
        for (const [needle, label] of markers) if (line.includes(needle) && !seenMarkers.some(([l]) => l === label)) seenMarkers.push([label, at]);
      }
    });
  }

  let web: ServedWebApp | undefined;
  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    say("\nStopping: saving the demo data to .demo-data/ …");
    void web?.close();
    emulators.kill("SIGINT");
  };
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
  process.on("SIGHUP", stop);
  const exited = new Promise<number>((resolve) => emulators.on("exit", (code) => resolve(code ?? 1)));
  void exited.then((code) => {
    if (!stopping) {
      failed(`the emulators stopped (exit code ${code}).`);
      void web?.close();
      process.exit(1);
    }
    say("Demo data saved. Bye!");
    process.exit(0);
  });

  await waitForReady(emulators);
  mark(hasExport ? "emulators ready (with import)" : "emulators ready");

  process.env.FIRESTORE_EMULATOR_HOST = `${at.host}:${at.firestore}`;
  process.env.FIREBASE_AUTH_EMULATOR_HOST = `${at.host}:${at.auth}`;
  process.env.FIREBASE_STORAGE_EMULATOR_HOST = `${at.host}:${at.storage}`;
  const admin = getApps()[0] ?? initializeApp({ projectId, storageBucket: `${projectId}.appspot.com` });
  const db = getFirestore(admin);
  const auth = getAuth(admin);
  const seeded = await auth.getUser(demoUsers[0]!.uid).then(
    () => true,
    () => false,
  );
  if (!seeded) {
    say("Seeding the demo (first start)…");
    const hub = `${at.host}:${at.hub}`;
    const bucket = getStorage(admin).bucket(`${projectId}.appspot.com`);
    // The history is written with the triggers off (it is already in the shape they would leave it in); the files
    // are uploaded after, with the triggers on, so the functions verify them and make the previews.
    await setBackgroundTriggers(hub, false);
    let files: DemoFile[] = [];
    try {
      const summary = await seedDemo({ db, auth });
      files = summary.files;
      mark(`seed (${summary.messages} messages, ${summary.attachments} files)`);
    } finally {
      await setBackgroundTriggers(hub, true);
    }
    await uploadDemoFiles(bucket, files);
    mark("upload the demo's files");
  }

  const config = {
    firebase: { projectId, apiKey: "demo-api-key", storageBucket: `${projectId}.appspot.com` },
    emulators: { host: at.host, auth: at.auth, firestore: at.firestore, storage: at.storage },
    directory: demoDirectory(),
    demoAccounts: demoUsers.map((u) => ({ email: u.email, password: DEMO_PASSWORD, name: u.name, side: u.side })),
  };
  const preferred = 5173 + offset;
  web = await serveWebApp(config, { port: preferred }).catch(() => serveWebApp(config));
  mark("web app served");

  const width = Math.max(...demoUsers.map((u) => u.email.length));
  say("");
  say("──────────────────────────────────────────────────────────────");
  say(` DealChat demo is running:  ${web.url}`);
  say("");
  for (const u of demoUsers) say(`   ${u.email.padEnd(width)}  ${DEMO_PASSWORD}   ${u.name} (${u.side})`);
  say("");
  const shownDir = demoDataDir.startsWith(repoRoot) ? `${relative(repoRoot, demoDataDir)}/` : demoDataDir;
  say(` Data is kept in ${shownDir} between runs (saved on Ctrl-C).`);
  say(" Start over: stop with Ctrl-C, then `npm run demo:reset`.");
  say(`──────────────────────────────────────────────────────────────  ready in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  if (showTimings) {
    for (const [what, s] of timings) say(`   ${s.toFixed(1).padStart(6)} s  ${what}`);
    say("   emulators, seconds after the start was asked for:");
    for (const [what, at] of seenMarkers) say(`   ${at.toFixed(1).padStart(6)} s  ${what}`);
  }
  // For the bench: one machine-readable line on stderr.
  process.stderr.write(`[dealchat-start] ready ${(performance.now() - started).toFixed(0)} ms\n`);
}

/** True when every build output is newer than every source it is built from (a warm start needs no build). */
function buildIsCurrent(): boolean {
  const newest = (path: string): number => {
    if (!existsSync(path)) return Number.NaN;
    const stat = statSync(path);
    if (!stat.isDirectory()) return stat.mtimeMs;
    let max = 0;
    for (const entry of readdirSync(path)) if (entry !== "node_modules") max = Math.max(max, newest(join(path, entry)));
    return max;
  };
  const sources = [
    "model/src",
    "rules-engine/src",
    "client-sdk/src",
    "functions/src",
    "apps/web/src",
    "apps/web/index.html",
    "package-lock.json",
    "tsconfig.base.json",
  ];
  const outputs = ["model/dist", "rules-engine/dist", "client-sdk/dist", "functions/lib", "apps/web/dist"];
  const source = Math.max(...sources.map((p) => newest(join(repoRoot, p))).filter((t) => !Number.isNaN(t)));
  const built = outputs.map((p) => newest(join(repoRoot, p)));
  return built.every((t) => !Number.isNaN(t) && t > source);
}

function waitForReady(child: ChildProcess): Promise<void> {
  return new Promise((resolve, reject) => {
    let seen = "";
    const onData = (chunk: Buffer) => {
      seen = (seen + chunk.toString()).slice(-4000);
      if (seen.includes("All emulators ready")) {
        child.stdout!.off("data", onData);
        resolve();
      }
    };
    child.stdout!.on("data", onData);
    child.on("exit", (code) => reject(new Error(`the emulators exited with ${code} before they were ready`)));
  });
}

main().catch((e: unknown) => {
  process.stderr.write(`npm start failed: ${(e as Error).stack ?? e}\n`);
  process.exit(1);
});
