// The gitignored folder where the offline wiring keeps what it generates.
import { mkdirSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");

export function cacheDir(...parts: string[]): string {
  const dir = join(repoRoot, ".cache", ...parts);
  mkdirSync(dir, { recursive: true });
  return dir;
}
