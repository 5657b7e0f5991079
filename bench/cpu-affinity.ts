// Gives the Functions emulator a core of its own, for the bench that asks whether the triggers slow delivery. In
// production the functions run on their own instances; on this machine their workers share the cores with the
// Firestore emulator and the clients. Pinning them apart (Linux `taskset`) separates the two causes a slower delivery
// can have: competing for the CPU (gone once pinned), or waiting for something the triggers hold (still there).
import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { cpus } from "node:os";

interface ProcessEntry {
  pid: number;
  ppid: number;
  command: string;
}

function processes(): ProcessEntry[] {
  const found: ProcessEntry[] = [];
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const command = readFileSync(`/proc/${name}/cmdline`, "utf8").replace(/\0/g, " ");
      // The parent pid is the field after the command name, which is in parentheses and may hold spaces.
      const stat = readFileSync(`/proc/${name}/stat`, "utf8");
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      found.push({ pid: Number(name), ppid, command });
    } catch {
      // The process ended while the list was read.
    }
  }
  return found;
}

/** Every thread of the process onto the cores in `list` (taskset's syntax, e.g. "0" or "0-1"). */
function pin(pid: number, list: string): void {
  try {
    execFileSync("taskset", ["--all-tasks", "--cpu-list", "--pid", list, String(pid)], { stdio: "ignore" });
  } catch {
    // The process ended meanwhile, which leaves nothing to pin.
  }
}

const isWorker = (p: ProcessEntry) => p.command.includes("functionsEmulatorRuntime");
const isFirestoreEmulator = (p: ProcessEntry) => p.command.includes("java") && p.command.includes("firestore-emulator");

export interface Isolation {
  /** Back to every core: the Functions emulator and every worker it started meanwhile. */
  restore(): void;
  description: string;
}

/**
 * Pins the Functions emulator's host process and its workers to the last core, and the Firestore emulator and this
 * process (the clients) to the others. Workers started later inherit the host's core. Returns why not when it cannot
 * (not Linux, one core, no `taskset`, or no worker running yet).
 */
export function isolateFunctionsEmulator(): Isolation | string {
  const count = cpus().length;
  if (count < 2) return "one core: nothing to pin apart";
  try {
    execFileSync("taskset", ["--version"], { stdio: "ignore" });
  } catch {
    return "taskset (util-linux) is not installed";
  }
  let all: ProcessEntry[];
  try {
    all = processes();
  } catch {
    return "no /proc: not Linux";
  }
  const workers = all.filter(isWorker);
  if (workers.length === 0) return "no Functions emulator worker is running";
  const hostPid = workers[0]!.ppid;
  const firestore = all.filter(isFirestoreEmulator);
  if (firestore.length === 0) return "the Firestore emulator's process was not found";
  const everyCore = `0-${count - 1}`;
  const functionsCore = String(count - 1);
  const deliveryCores = count === 2 ? "0" : `0-${count - 2}`;
  for (const p of [hostPid, ...workers.map((w) => w.pid)]) pin(p, functionsCore);
  for (const p of [process.pid, ...firestore.map((f) => f.pid)]) pin(p, deliveryCores);
  return {
    description: `Functions emulator (pid ${hostPid}) and its workers on core ${functionsCore}; Firestore emulator and the clients on ${deliveryCores}`,
    restore() {
      const now = processes();
      const started = now.filter((p) => isWorker(p) && p.ppid === hostPid).map((p) => p.pid);
      for (const p of [hostPid, ...started, process.pid, ...firestore.map((f) => f.pid)]) pin(p, everyCore);
    },
  };
}
