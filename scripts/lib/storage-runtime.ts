// The Storage emulator evaluates storage.rules through a separate "rules runtime" process. firebase-tools
// downloads Google's JAR for it; when that JAR is not cached (offline), DealChat's own runtime takes its
// place: rules-engine's Node program, started by a tiny launcher jar built here from our own Java source.
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { cacheDir, repoRoot } from "./cache.ts";
import { isOfficialJarCached } from "./firebase-tools-cache.ts";
import { packJar } from "./jar.ts";
import type { Jdk } from "./java.ts";

export type StorageChoice =
  | { kind: "official" }
  | { kind: "ours"; jar: string; env: Record<string, string>; notes: string[] }
  | { kind: "unavailable"; why: string };

export const LAUNCHER_SOURCE = join(repoRoot, "scripts", "storage-launcher", "StorageRulesRuntimeLauncher.java");
export const LAUNCHER_MAIN_CLASS = "dealchat.storage.StorageRulesRuntimeLauncher";
export const RUNTIME_SCRIPT = join(repoRoot, "rules-engine", "dist", "storage-runtime.mjs");
const ENGINE_SOURCES = join(repoRoot, "rules-engine", "src");
const JAR_PREFIX = "dealchat-storage-runtime-";

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(path) : statSync(path).mtimeMs);
  }
  return newest;
}

function npmCommand(): { command: string; prefix: string[] } {
  // Under `npm run`, npm tells its scripts where its CLI is; otherwise the npm on PATH.
  const cli = process.env.npm_execpath;
  return cli?.endsWith(".js") ? { command: process.execPath, prefix: [cli] } : { command: "npm", prefix: [] };
}

/**
 * Makes sure rules-engine/dist/storage-runtime.mjs exists and is newer than the engine's sources, rebuilding
 * it (`npm run build:storage-runtime -w @dealchat/rules-engine`, an esbuild bundle) when it is not.
 * Returns a note for the user when the rebuild failed but an older bundle can still serve.
 */
export function ensureRuntimeBundle(): { ok: true; note?: string } | { ok: false; why: string } {
  const stale = !existsSync(RUNTIME_SCRIPT) || statSync(RUNTIME_SCRIPT).mtimeMs < newestMtime(ENGINE_SOURCES);
  if (!stale) return { ok: true };
  const npm = npmCommand();
  const build = spawnSync(npm.command, [...npm.prefix, "run", "build:storage-runtime", "--workspace", "@dealchat/rules-engine", "--silent"], {
    cwd: repoRoot,
    encoding: "utf8",
  });
  if (!build.error && build.status === 0 && existsSync(RUNTIME_SCRIPT)) return { ok: true };
  const output = (build.error?.message ?? `${build.stderr}${build.stdout}`).trim().split("\n").slice(0, 5).join(" / ");
  if (existsSync(RUNTIME_SCRIPT)) return { ok: true, note: `rebuilding the rules runtime failed (${output}); using the previous build` };
  return { ok: false, why: `DealChat's rules runtime could not be built (${output}); run \`npm run build -w @dealchat/rules-engine\`.` };
}

/** The launcher jar for the current Java source, built into .cache/emulators/ when that source changed. */
export function ensureLauncherJar(jdk: Jdk): string {
  const source = readFileSync(LAUNCHER_SOURCE);
  const hash = createHash("sha256").update(source).digest("hex").slice(0, 12);
  const dir = cacheDir("emulators");
  const jar = join(dir, `${JAR_PREFIX}${hash}.jar`);
  if (existsSync(jar)) return jar;

  const classes = mkdtempSync(join(tmpdir(), "dealchat-launcher-"));
  try {
    const javac = spawnSync(join(jdk.bin, "javac"), ["--release", "17", "-d", classes, LAUNCHER_SOURCE], { encoding: "utf8" });
    if (javac.error || javac.status !== 0) {
      throw new Error(`javac failed for ${LAUNCHER_SOURCE}: ${javac.error?.message ?? javac.stderr}`);
    }
    packJar(jdk, jar, { "Manifest-Version": "1.0", "Main-Class": LAUNCHER_MAIN_CLASS }, classes);
  } finally {
    rmSync(classes, { recursive: true, force: true });
  }
  // Jars of earlier launcher sources are never used again.
  for (const old of readdirSync(dir)) {
    if (old.startsWith(JAR_PREFIX) && old.endsWith(".jar") && join(dir, old) !== jar) rmSync(join(dir, old), { force: true });
  }
  return jar;
}

export function prepareStorageRuntime(jdk: Jdk, env: NodeJS.ProcessEnv): StorageChoice {
  // A user's own STORAGE_EMULATOR_BINARY_PATH, or Google's JAR already downloaded: firebase-tools as usual.
  if (env.STORAGE_EMULATOR_BINARY_PATH || isOfficialJarCached("storage", env)) return { kind: "official" };
  const bundle = ensureRuntimeBundle();
  if (!bundle.ok) return { kind: "unavailable", why: bundle.why };
  let jar: string;
  try {
    jar = ensureLauncherJar(jdk);
  } catch (error) {
    return { kind: "unavailable", why: `the rules-runtime launcher jar could not be built: ${(error as Error).message}` };
  }
  return {
    kind: "ours",
    jar,
    env: { DEALCHAT_STORAGE_RUNTIME_SCRIPT: RUNTIME_SCRIPT, DEALCHAT_NODE: process.execPath },
    notes: bundle.note ? [bundle.note] : [],
  };
}
