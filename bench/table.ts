// Shared shape of benchmark results: every bench module returns rows, bench/run.ts prints one table.
export interface BenchRow {
  /** What is measured, e.g. "storage.rules evaluation (no Firestore lookup)". */
  benchmark: string;
  /** The figure's name, e.g. "p50", "reads per action". */
  metric: string;
  value: number;
  unit: string;
  /** How it was measured (sample size, setup). */
  notes?: string;
}

export type BenchModule = { run: () => Promise<BenchRow[]> };

export function percentile(sortedAscending: readonly number[], p: number): number {
  if (sortedAscending.length === 0) return Number.NaN;
  const rank = Math.min(sortedAscending.length - 1, Math.max(0, Math.ceil((p / 100) * sortedAscending.length) - 1));
  return sortedAscending[rank]!;
}

export function formatTable(rows: readonly BenchRow[]): string {
  const header = ["benchmark", "metric", "value", "unit", "notes"];
  const body = rows.map((r) => [r.benchmark, r.metric, formatNumber(r.value), r.unit, r.notes ?? ""]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((row) => row[i]!.length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(" | ")} |`;
  return [line(header), `|${widths.map((w) => "-".repeat(w + 2)).join("|")}|`, ...body.map(line)].join("\n");
}

function formatNumber(value: number): string {
  if (Number.isInteger(value)) return String(value);
  return value >= 100 ? value.toFixed(0) : value >= 1 ? value.toFixed(2) : value.toPrecision(3);
}
