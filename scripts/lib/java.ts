// Finds a JDK that firebase-tools accepts for its Java-based emulators (it refuses anything below 21).
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { delimiter, dirname, join } from "node:path";

export const MIN_JAVA_MAJOR = 21;

export interface Jdk {
  home: string;
  bin: string;
  major: number;
}

/** Major version reported by `java -version`, or undefined when it cannot run. */
export function javaMajorVersion(javaExecutable: string): number | undefined {
  const probe = spawnSync(javaExecutable, ["-version"], { encoding: "utf8" });
  if (probe.error || probe.status !== 0) return undefined;
  const match = /version "(\d+)(?:\.(\d+))?/.exec(`${probe.stderr}${probe.stdout}`);
  if (!match) return undefined;
  // Java 8 and older report "1.8.0_x".
  return match[1] === "1" ? Number(match[2]) : Number(match[1]);
}

function candidateBinDirs(env: NodeJS.ProcessEnv): string[] {
  const dirs: string[] = [];
  if (env.JAVA_HOME) dirs.push(join(env.JAVA_HOME, "bin"));
  for (const dir of (env.PATH ?? "").split(delimiter)) if (dir) dirs.push(dir);
  // Where system packages install JDKs on Linux and macOS.
  const systemRoots = ["/usr/lib/jvm", "/usr/java", "/opt/java", "/Library/Java/JavaVirtualMachines"];
  for (const root of systemRoots) {
    if (!existsSync(root)) continue;
    for (const entry of readdirSync(root).sort().reverse()) {
      dirs.push(join(root, entry, "bin"), join(root, entry, "Contents", "Home", "bin"));
    }
  }
  return dirs;
}

/** The first JDK ≥ 21 in JAVA_HOME, then PATH, then the system JVM directories. */
export function findJdk(env: NodeJS.ProcessEnv = process.env): Jdk | undefined {
  const seen = new Set<string>();
  for (const bin of candidateBinDirs(env)) {
    const java = join(bin, process.platform === "win32" ? "java.exe" : "java");
    if (seen.has(java) || !existsSync(java)) continue;
    seen.add(java);
    const major = javaMajorVersion(java);
    if (major !== undefined && major >= MIN_JAVA_MAJOR) return { home: dirname(bin), bin, major };
  }
  return undefined;
}

export function missingJdkMessage(): string {
  return [
    `DealChat's emulators need a JDK ${MIN_JAVA_MAJOR} or newer (firebase-tools refuses older Java for Firestore and Storage).`,
    "None was found in JAVA_HOME, on PATH or in the system JVM directory (/usr/lib/jvm).",
    "Install one (for example Temurin 21+) and point JAVA_HOME at it.",
  ].join("\n");
}
