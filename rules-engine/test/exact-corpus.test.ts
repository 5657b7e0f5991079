// Our engine gives exactly the outcome recorded from Google's engine for every case of the exact corpus
// (conformance/exact.test.ts checks the same cases against Google's engine in the emulator).
import { expect, test } from "vitest";
import { evaluateExpression } from "../src/index.ts";
import { literalOf, ourOutcome } from "./conformance/differential.ts";
import { exactCases } from "./conformance/exact-corpus.ts";

test(`exact corpus (${exactCases.length} cases): our engine gives Google's outcome`, () => {
  const rows = exactCases.map((c) => {
    const o = ourOutcome(c);
    const ours = o.kind === "value" ? literalOf(o.value) : o.kind;
    let expected: string | null;
    if (typeof c.expect === "string") expected = c.expect;
    else {
      const r = evaluateExpression(c.expect.value);
      expected = r.ok ? literalOf(r.value) : `unparsable expectation ${c.expect.value}`;
    }
    return { expr: c.expr.length > 80 ? `${c.expr.slice(0, 80)}…` : c.expr, decls: c.decls, ours, expected };
  });
  expect(rows.filter((r) => r.ours !== r.expected)).toEqual([]);
});
