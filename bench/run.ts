// `npm run bench`: runs every bench/*.bench.ts module against the running emulators and prints one table.
import { readdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import "../test/support/listen-recovery.ts";
import { formatTable, type BenchModule, type BenchRow } from "./table.ts";

const here = dirname(fileURLToPath(import.meta.url));
const only = process.argv.slice(2);
const files = readdirSync(here)
  .filter((f) => f.endsWith(".bench.ts"))
  .filter((f) => only.length === 0 || only.some((o) => f.includes(o)))
  .sort();

const rows: BenchRow[] = [];
for (const file of files) {
  const mod = (await import(pathToFileURL(join(here, file)).href)) as BenchModule;
  process.stderr.write(`running ${file}…\n`);
  rows.push(...(await mod.run()));
}
console.log(formatTable(rows));
process.exit(0);
