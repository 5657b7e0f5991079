// firebase-tools starts the Java emulators detached, so when it dies without stopping them (a crash, a
// kill -9) they keep their ports and the next run cannot start. Every process of one run inherits a marker
// in its environment; once firebase-tools has exited, whatever still carries the marker is a leftover.
import { randomUUID } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";

export const RUN_MARKER_VARIABLE = "DEALCHAT_EMULATOR_RUN";

export function newRunMarker(): string {
  return randomUUID();
}

/** Pids of live processes whose environment carries the marker (Linux: /proc; elsewhere none are found). */
export function processesMarked(marker: string): number[] {
  if (process.platform !== "linux") return [];
  const needle = `${RUN_MARKER_VARIABLE}=${marker}\0`;
  const found: number[] = [];
  for (const entry of readdirSync("/proc")) {
    const pid = Number(entry);
    if (!Number.isInteger(pid) || pid === process.pid) continue;
    try {
      if (readFileSync(`/proc/${entry}/environ`, "latin1").includes(needle)) found.push(pid);
    } catch {
      // Gone already, or not ours to read.
    }
  }
  return found;
}

function signal(pids: number[], name: NodeJS.Signals): void {
  for (const pid of pids) {
    try {
      process.kill(pid, name);
    } catch {
      // Exited in the meantime.
    }
  }
}

/** Stops the marked leftovers: SIGTERM, then SIGKILL for those still alive after the grace period. */
export async function stopLeftovers(marker: string, graceMs = 3000): Promise<number> {
  const leftovers = processesMarked(marker);
  if (leftovers.length === 0) return 0;
  signal(leftovers, "SIGTERM");
  const deadline = Date.now() + graceMs;
  let alive = processesMarked(marker);
  while (alive.length > 0 && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    alive = processesMarked(marker);
  }
  signal(alive, "SIGKILL");
  return leftovers.length;
}
