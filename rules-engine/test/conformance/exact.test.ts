// Google's engine (Firestore emulator) against the exact corpus, a fixed-seed sample of the family
// generator, and the list of known differences (which must still differ).
import { afterAll, beforeAll, expect, test } from "vitest";
import { describeOutcome, runDifferential, type DiffResult } from "./differential.ts";
import { exactCases } from "./exact-corpus.ts";
import { familyCases } from "./families.ts";
import { GoogleEngine } from "./google-engine.ts";
import { knownDifferences } from "./known-differences.ts";

const SEED = Number(process.env.RULES_DIFF_SEED ?? 20261130);
const SAMPLE = 200;

let google: GoogleEngine;
beforeAll(async () => {
  google = await GoogleEngine.start("demo-rules-exact");
});
afterAll(async () => {
  await google?.stop();
});

const show = (r: DiffResult) =>
  `[${r.c.family}] ${r.c.decls ? `${r.c.decls} ⟹ ` : ""}${r.c.expr.slice(0, 160)}: ours ${describeOutcome(r.ours).slice(0, 160)}; Google ${r.google}`;

test(`exact corpus (${exactCases.length} cases): Google's engine gives the recorded outcome, as ours does`, async () => {
  const results = await runDifferential(google, exactCases);
  expect(results.filter((r) => !r.agree).map(show)).toEqual([]);
}, 120_000);

test(`family generator, seed ${SEED} (${SAMPLE} expressions): both engines agree exactly`, async () => {
  const known = new Set(knownDifferences.map((k) => `${k.decls ?? ""}|${k.expr}`));
  const cases = familyCases(SEED, SAMPLE).filter((c) => !known.has(`${c.decls ?? ""}|${c.expr}`));
  const results = await runDifferential(google, cases);
  expect(results.filter((r) => !r.agree).map(show)).toEqual([]);
}, 120_000);

test(`known differences (${knownDifferences.length}) still differ; one that agrees must leave the list`, async () => {
  const results = await runDifferential(google, knownDifferences);
  expect(results.filter((r) => r.agree).map(show)).toEqual([]);
}, 60_000);
