// Ad-hoc check of single expressions against Google's engine (needs the Firestore emulator, e.g.
// `npm run firebase -- emulators:exec --only firestore "npx tsx rules-engine/scripts/probe.ts '1 + 1'"`).
// Prints our outcome and whether Google's engine gives the same. `--decls '<functions>'` declares functions.
import { GoogleEngine } from "../test/conformance/google-engine.ts";
import { describeOutcome, runDifferential, type DiffCase } from "../test/conformance/differential.ts";

const args = process.argv.slice(2);
let decls: string | undefined;
const exprs: string[] = [];
for (let i = 0; i < args.length; i++) {
  if (args[i] === "--decls") decls = args[++i];
  else exprs.push(args[i]!);
}
const google = await GoogleEngine.start("demo-rules-probe");
try {
  const cases: DiffCase[] = exprs.map((expr) => ({ family: "probe", expr, ...(decls ? { decls } : {}) }));
  for (const r of await runDifferential(google, cases)) {
    console.log(`${r.agree ? "AGREE " : "DIFFER"} ${r.c.expr}\n       ours: ${describeOutcome(r.ours)}; Google: ${r.google}`);
  }
} finally {
  await google.stop();
}
