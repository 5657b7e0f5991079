// Rules coverage from the Firestore emulator (`:ruleCoverage`): every expression of the loaded ruleset with
// the values it evaluated to during this emulator's lifetime. Run last in the matrix file, it proves that
// every `allow` both granted and refused something, and lists the expressions no test ever reached.
import { mkdirSync, writeFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { firestoreEmulator } from "../support/emulators.ts";
import { rulesEnv, rulesProjectId, rulesSource } from "./harness.ts";

interface CoverageNode {
  sourcePosition: { line: number; column: number; currentOffset: number; endOffset: number };
  values?: Array<{ value?: Record<string, unknown>; count?: number }>;
  children?: CoverageNode[];
}
interface CoverageReport {
  rules: { files: Array<{ name: string; content: string }> };
  report: CoverageNode[];
}

export interface AllowCoverage {
  /** 1-based line and column of the condition after `if`. */
  line: number;
  column: number;
  text: string;
  granted: number;
  refused: number;
}

export interface CoverageSummary {
  allows: AllowCoverage[];
  expressions: number;
  evaluated: number;
  neverEvaluated: Array<{ line: number; column: number; text: string }>;
}

/** Every `allow <methods>: if <condition>;` of a ruleset, with where its condition starts. */
export function allowConditions(source: string): Array<{ line: number; column: number; text: string }> {
  const found: Array<{ line: number; column: number; text: string }> = [];
  const lines = source.split("\n");
  lines.forEach((line, index) => {
    const match = /^(\s*allow\s+[a-z, ]+:\s*if\s+)(.*)$/.exec(line);
    if (match) found.push({ line: index + 1, column: match[1]!.length + 1, text: `${line.trim()}` });
  });
  return found;
}

const isTrue = (value: Record<string, unknown> | undefined) => value?.boolValue === true;

export function summarizeCoverage(source: string, report: CoverageNode[]): CoverageSummary {
  const all: CoverageNode[] = [];
  const walk = (node: CoverageNode) => {
    all.push(node);
    node.children?.forEach(walk);
  };
  report.forEach(walk);
  const total = (node: CoverageNode) => (node.values ?? []).reduce((sum, v) => sum + (v.count ?? 0), 0);
  const lines = source.split("\n");
  const snippet = (node: CoverageNode) => {
    const { line, column } = node.sourcePosition;
    return (lines[line - 1] ?? "").slice(column - 1, column - 1 + 80).trim();
  };
  const allows = allowConditions(source).map(({ line, column, text }) => {
    const nodes = all.filter((n) => n.sourcePosition.line === line && n.sourcePosition.column === column);
    // The condition is the outermost node starting there: the one with the widest span.
    const node = nodes.sort((a, b) => b.sourcePosition.endOffset - a.sourcePosition.endOffset)[0];
    const granted = (node?.values ?? []).filter((v) => isTrue(v.value)).reduce((sum, v) => sum + (v.count ?? 0), 0);
    return { line, column, text, granted, refused: node ? total(node) - granted : 0 };
  });
  // Functions are reported once per declaration: de-duplicate nodes by position.
  const byPosition = new Map<string, CoverageNode[]>();
  for (const node of all) {
    const key = `${node.sourcePosition.line}:${node.sourcePosition.column}:${node.sourcePosition.endOffset}`;
    byPosition.set(key, [...(byPosition.get(key) ?? []), node]);
  }
  const neverEvaluated = [...byPosition.values()]
    .filter((nodes) => nodes.every((n) => total(n) === 0))
    .map((nodes) => ({ line: nodes[0]!.sourcePosition.line, column: nodes[0]!.sourcePosition.column, text: snippet(nodes[0]!) }))
    .sort((a, b) => a.line - b.line || a.column - b.column);
  return { allows, expressions: byPosition.size, evaluated: byPosition.size - neverEvaluated.length, neverEvaluated };
}

export function coverageMarkdown(summary: CoverageSummary): string {
  const rows = summary.allows.map((a) => `| ${a.line} | \`${a.text.replace(/\|/g, "\\|")}\` | ${a.granted} | ${a.refused} |`);
  const never = summary.neverEvaluated.map((e) => `- L${e.line}:${e.column} \`${e.text}\``);
  return [
    `# firestore.rules coverage`,
    ``,
    `Expressions evaluated: ${summary.evaluated} of ${summary.expressions}.`,
    ``,
    `| line | allow | granted | refused or error |`,
    `|---|---|---|---|`,
    ...rows,
    ``,
    `## Never evaluated (${summary.neverEvaluated.length})`,
    ...(never.length ? never : ["(none)"]),
    ``,
  ].join("\n");
}

export function describeRulesCoverage(): void {
  describe("rules coverage (after the matrix)", () => {
    it("every allow granted at least one request and refused at least one; every expression was evaluated", async () => {
      const { host, port } = firestoreEmulator();
      const base = `http://${host}:${port}/emulator/v1/projects/${rulesProjectId}:ruleCoverage`;
      const started = Date.now();
      const response = await fetch(base);
      expect(response.ok, `GET ${base} → ${response.status}`).toBe(true);
      const coverage = (await response.json()) as CoverageReport;
      await rulesEnv();
      // The matrix's project runs the repo's rules, exactly as the file holds them.
      expect(coverage.rules.files.map((f) => f.content)).toEqual([rulesSource()]);

      const summary = summarizeCoverage(rulesSource(), coverage.report);
      mkdirSync(".cache/rules-coverage", { recursive: true });
      writeFileSync(".cache/rules-coverage/coverage.json", JSON.stringify(coverage));
      writeFileSync(".cache/rules-coverage/coverage.html", await (await fetch(`${base}.html`)).text());
      writeFileSync(".cache/rules-coverage/summary.md", coverageMarkdown(summary));
      console.info(
        `rules coverage: ${summary.evaluated}/${summary.expressions} expressions evaluated, fetched in ${Date.now() - started} ms → .cache/rules-coverage/`,
      );

      expect(summary.allows.length).toBeGreaterThan(0);
      const unexercised = summary.allows.filter((a) => a.granted === 0 || a.refused === 0);
      expect(unexercised.map((a) => `L${a.line} ${a.text} (granted ${a.granted}, refused ${a.refused})`)).toEqual([]);
      expect(
        summary.neverEvaluated.map((e) => `L${e.line}:${e.column} ${e.text}`),
        "expressions no test reached",
      ).toEqual([]);
    }, 540_000); // the report lists every distinct value each expression took: after a full run it is large and slow
  });
}
