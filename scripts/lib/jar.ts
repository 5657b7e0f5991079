// Packs jars with the JDK's own `jar` tool.
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Jdk } from "./java.ts";

function run(command: string, args: string[]): void {
  const result = spawnSync(command, args, { encoding: "utf8" });
  if (result.error || result.status !== 0) {
    throw new Error(`${command} ${args.join(" ")} failed: ${result.error?.message ?? result.stderr}`);
  }
}

/**
 * Writes a jar whose manifest has the given attributes and whose contents are the files of classesDir
 * (or nothing). The jar is written to a temporary name first so a crash never leaves half a jar behind.
 */
export function packJar(jdk: Jdk, out: string, manifest: Record<string, string>, classesDir?: string): void {
  const work = mkdtempSync(join(tmpdir(), "dealchat-jar-"));
  try {
    const manifestFile = join(work, "MANIFEST.MF");
    writeFileSync(
      manifestFile,
      Object.entries(manifest)
        .map(([k, v]) => `${k}: ${v}\n`)
        .join(""),
    );
    const contents = classesDir ?? join(work, "empty");
    mkdirSync(contents, { recursive: true });
    const partial = `${out}.partial`;
    run(join(jdk.bin, "jar"), ["--create", "--file", partial, "--manifest", manifestFile, "-C", contents, "."]);
    renameSync(partial, out);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
