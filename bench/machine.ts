// What the machine is doing, for benches that must tell CPU contention from the code's own cost: the busy
// share of every core (Linux /proc/stat), and a wait for the machine to be idle.
import { readFileSync } from "node:fs";

/** CPU ticks per second in /proc/stat (USER_HZ, 100 on Linux). */
export const TICKS_PER_SECOND = 100;

export interface CpuTicks {
  busy: number;
  total: number;
}

/** Busy and total CPU ticks of the whole machine so far (Linux /proc/stat), or undefined elsewhere. */
export function cpuTicks(): CpuTicks | undefined {
  try {
    const fields = readFileSync("/proc/stat", "utf8").split("\n")[0]!.trim().split(/\s+/).slice(1, 8).map(Number);
    const idle = fields[3]! + fields[4]!;
    const total = fields.reduce((a, b) => a + b, 0);
    return { busy: total - idle, total };
  } catch {
    return undefined;
  }
}

/**
 * Waits until the machine's cores are mostly idle (under a quarter busy) for `quietMs` in a row, measured in 50-ms
 * windows: the work a send set off (every trigger, the notification tasks, the emulators' own) is done. Gives up
 * after `deadlineMs` and says whether it got there. Without /proc/stat (not Linux) it returns false at once.
 */
export async function machineQuiet({ quietMs = 50, deadlineMs = 30_000 }: { quietMs?: number; deadlineMs?: number } = {}): Promise<boolean> {
  const deadline = performance.now() + deadlineMs;
  let quietSince: number | undefined;
  for (let before = cpuTicks(); before && performance.now() < deadline; ) {
    await new Promise((r) => setTimeout(r, 50));
    const after = cpuTicks()!;
    const quiet = (after.busy - before.busy) / Math.max(1, after.total - before.total) < 0.25;
    before = after;
    if (!quiet) {
      quietSince = undefined;
      continue;
    }
    quietSince ??= performance.now() - 50;
    if (quietSince <= performance.now() - quietMs) return true;
  }
  return false;
}
