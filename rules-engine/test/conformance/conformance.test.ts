// Runs the conformance corpus through our engine and through Google's (inside the Firestore emulator, in
// a project of its own) and asserts that both agree with each other and with the expected outcome.
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { compileErrorCases, rulesetCases } from "./rulesets.ts";
import { expressionCases } from "./corpus.ts";
import { GoogleEngine } from "./google-engine.ts";
import { LOOKUP_DOCS, casePath, expressionRuleset, ourAllowsCreate, ourAllowsGet, ourCompile } from "./harness.ts";
import { writeCases } from "./writes.ts";
import { uniqueId } from "../../../test/support/emulators.ts";

const PROJECT = "demo-rules-conformance";
let google: GoogleEngine;

beforeAll(async () => {
  google = await GoogleEngine.start(PROJECT);
  // Fixtures are written with rules disabled, so the rules loaded at this point do not matter.
  const docs: Record<string, Record<string, unknown>> = { ...LOOKUP_DOCS };
  expressionCases.forEach((c, i) => {
    if (c.data) docs[casePath(i)] = c.data;
  });
  await google.seed(docs);
});

afterAll(async () => {
  await google?.stop();
});

function fixtureDocs(): Record<string, Record<string, unknown>> {
  const docs: Record<string, Record<string, unknown>> = { ...LOOKUP_DOCS };
  expressionCases.forEach((c, i) => {
    if (c.data) docs[casePath(i)] = c.data;
  });
  return docs;
}

describe("conformance with Google's rules engine", () => {
  test(`expression corpus (${expressionCases.length} cases): both engines agree with each other and with the expected outcome`, async () => {
    expect(expressionCases.length).toBeGreaterThanOrEqual(300);
    const source = expressionRuleset(expressionCases);
    const ours = ourCompile(source);
    expect(ours.error).toBeNull();
    expect(await google.loadRules(source)).toBeNull();
    const paths = expressionCases.map((_, i) => casePath(i));
    const theirs = await google.allowsGet(paths);
    const docs = fixtureDocs();
    const disagreements: string[] = [];
    expressionCases.forEach((c, i) => {
      const mine = ourAllowsGet(ours.ruleset!, paths[i]!, docs, PROJECT);
      if (mine !== theirs[i] || mine !== c.expect) disagreements.push(`#${i} ${c.expr}: expected ${c.expect}, ours ${mine}, Google ${theirs[i]}`);
    });
    expect(disagreements).toEqual([]);
  }, 240_000);

  test(`create requests (${writeCases.length} cases): request.resource as the client writes it`, async () => {
    const source = `rules_version = '2';
service cloud.firestore {
  match /databases/{database}/documents {
${writeCases.map((c, i) => `    match /w${i}/{docId} { allow create: if ${c.expr}; }`).join("\n")}
  }
}
`;
    const ours = ourCompile(source);
    expect(ours.error).toBeNull();
    expect(await google.loadRules(source)).toBeNull();
    // A fresh document id per run: an allowed create leaves the document behind.
    const id = uniqueId("doc");
    const writes = writeCases.map((c, i) => [`w${i}/${id}`, c.data] as const);
    const theirs = await google.allowsCreate(writes);
    const disagreements: string[] = [];
    writeCases.forEach((c, i) => {
      const mine = ourAllowsCreate(ours.ruleset!, writes[i]![0], c.data, PROJECT);
      if (mine !== theirs[i] || mine !== c.expect) disagreements.push(`w${i} ${c.expr}: expected ${c.expect}, ours ${mine}, Google ${theirs[i]}`);
    });
    expect(disagreements).toEqual([]);
  }, 120_000);

  test.each(rulesetCases.map((c) => [c.name, c] as const))("ruleset: %s", async (_name, c) => {
    const ours = ourCompile(c.rules);
    expect(ours.error).toBeNull();
    expect(await google.loadRules(c.rules)).toBeNull();
    const theirs = await google.allowsGet(c.probes.map(([p]) => p));
    const rows = c.probes.map(([p, expected], i) => ({
      path: p,
      expected,
      ours: ourAllowsGet(ours.ruleset!, p, {}, PROJECT),
      google: theirs[i],
    }));
    expect(rows).toEqual(rows.map((r) => ({ ...r, ours: r.expected, google: r.expected })));
  });

  test(`rulesets that must not load (${compileErrorCases.length}): both engines reject them`, async () => {
    const rows: { name: string; ours: string | null; google: string | null }[] = [];
    for (const c of compileErrorCases) {
      rows.push({ name: c.name, ours: ourCompile(c.rules).error, google: await google.loadRules(c.rules) });
    }
    const accepted = rows
      .filter((r) => r.ours === null || r.google === null)
      .map((r) => `${r.name}: ours ${r.ours ?? "loaded"}; Google ${r.google ?? "loaded"}`);
    expect(accepted).toEqual([]);
    // Our diagnostics carry line:col like Google's ("L4:31 …") and point at the same line.
    const firstLine = (text: string | null) => /L([1-9]\d*):\d+ /.exec(text ?? "")?.[1];
    const lines = rows.map((r) => ({ name: r.name, ours: firstLine(r.ours), google: firstLine(r.google) }));
    expect(lines).toEqual(lines.map((l) => ({ ...l, ours: l.google })));
  }, 120_000);
});
