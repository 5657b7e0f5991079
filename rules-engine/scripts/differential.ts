// The large differential run: `--count` expressions of the family generator (seed `--seed`) through our
// engine and Google's (in the Firestore emulator), agreement printed per family, disagreements listed.
//   RULES_DIFF_SEED=1 RULES_DIFF_COUNT=4000 npm run differential   (starts the Firestore emulator)
//   npx tsx rules-engine/scripts/differential.ts --seed 1 --count 4000   (inside emulators:exec)
import { GoogleEngine } from "../test/conformance/google-engine.ts";
import { agreementTable, describeOutcome, runDifferential } from "../test/conformance/differential.ts";
import { familyCases } from "../test/conformance/families.ts";
import { ExpressionGenerator } from "../test/conformance/generator.ts";
import type { DiffCase } from "../test/conformance/differential.ts";

/** `--generator basic`: the first generator's expressions (operators over typed values), compared exactly. */
function basicCases(seed: number, n: number): DiffCase[] {
  const gen = new ExpressionGenerator(seed);
  const seen = new Set<string>();
  for (let tries = 0; seen.size < n && tries < n * 20; tries++) {
    const e = gen.expr("any", 3);
    if (e.length <= 400) seen.add(e);
  }
  return [...seen].map((expr) => ({ family: "basic", expr }));
}

function option(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  if (i >= 0) return Number(process.argv[i + 1]);
  const env = process.env[`RULES_DIFF_${name.toUpperCase()}`];
  return env ? Number(env) : fallback;
}

const seed = option("seed", 1);
const count = option("count", 4000);
const show = option("show", 60);
const google = await GoogleEngine.start(`demo-rules-differential-${seed}`);
try {
  const started = Date.now();
  const basic = process.argv.includes("basic") || process.env.RULES_DIFF_GENERATOR === "basic";
  const results = await runDifferential(google, basic ? basicCases(seed, count) : familyCases(seed, count));
  const differing = results.filter((r) => !r.agree);
  for (const r of differing.slice(0, show))
    console.log(
      `DIFFER [${r.c.family}] ${r.c.decls ? `${r.c.decls} ⟹ ` : ""}${r.c.expr}\n   ours: ${describeOutcome(r.ours).slice(0, 200)}; Google: ${r.google}`,
    );
  console.log(`\nseed ${seed}, ${results.length} expressions, ${((Date.now() - started) / 1000).toFixed(0)} s`);
  console.log("| family | cases | agree | agreement |\n|---|---:|---:|---:|");
  for (const row of agreementTable(results)) console.log(`| ${row.family} | ${row.cases} | ${row.agree} | ${row.percent}% |`);
} finally {
  await google.stop();
}
