// `npm start` from the command to its printed block: once on an empty data folder (the demo is seeded) and once
// warm (build current, demo data saved by the first run's Ctrl-C and imported). Runs its own Emulator Suite
// beside the bench's, 50 ports further, with its own data folder.
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { BenchRow } from "./table.ts";

const repo = fileURLToPath(new URL("..", import.meta.url));

async function startOnce(dataDir: string, offset: number): Promise<number> {
  const env: NodeJS.ProcessEnv = { ...process.env, DEALCHAT_DEMO_DIR: dataDir, DEALCHAT_PORT_OFFSET: String(offset) };
  // The bench's own suite is announced through these; the started one must not inherit them.
  for (const name of Object.keys(env)) if (name.endsWith("_EMULATOR_HOST") || name === "FIREBASE_EMULATOR_HUB" || name === "GCLOUD_PROJECT") delete env[name];
  const started = performance.now();
  const child = spawn(process.execPath, ["--import", "tsx", "scripts/start.ts"], { cwd: repo, env, stdio: ["ignore", "pipe", "pipe"] });
  const exited = new Promise<number | null>((resolve) => child.on("exit", resolve));
  const ready = await new Promise<number>((resolve, reject) => {
    let seen = "";
    child.stderr.on("data", (chunk: Buffer) => {
      seen += chunk.toString();
      if (seen.includes("[dealchat-start] ready")) resolve(performance.now() - started);
    });
    child.stdout.resume();
    void exited.then((code) => reject(new Error(`npm start exited (${code}) before it was ready:\n${seen.slice(-2000)}`)));
  });
  child.kill("SIGINT");
  await exited;
  return ready;
}

export async function run(): Promise<BenchRow[]> {
  const dataDir = mkdtempSync(join(tmpdir(), "dealchat-start-bench-"));
  const offset = Number(process.env.DEALCHAT_PORT_OFFSET ?? 0) + 50;
  try {
    const first = await startOnce(dataDir, offset);
    const warm = await startOnce(dataDir, offset);
    return [
      {
        benchmark: "npm start → printed block, first start",
        metric: "time",
        value: first / 1000,
        unit: "s",
        notes: "npm run build skipped when current; empty data folder: emulators start, the demo is seeded (scripts/demo/seed.ts)",
      },
      {
        benchmark: "npm start → printed block, warm",
        metric: "time",
        value: warm / 1000,
        unit: "s",
        notes: "npm run build skipped when current; demo data imported from the previous run's export",
      },
    ];
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}
