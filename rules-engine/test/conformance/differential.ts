// Exact differential comparison of single expressions between our engine and Google's (in the Firestore
// emulator). Each case is evaluated by our engine to one outcome — a load error, an evaluation error or a
// value — and Google's engine is asked one question that is true exactly when it gives the same outcome:
//   - our value v:     `(e) == <literal of v> && (e) is <type>`  (a NaN through math.isNaN, sets by members)
//   - our error:       `(e) == null || (e) != null` must be denied (true for every value, an error otherwise)
//   - our load error:  the case alone must fail to load in Google's engine too.
// The expression is the body of a function `__e()` in both engines, so the probe around it does not count
// towards its nesting depth. Cases that load in ours are batched into one ruleset (one `match` per case, one
// line each); a case that Google refuses to load is found from the line numbers of its diagnostics and
// confirmed alone.
import { evaluateExpression, type Value } from "../../src/index.ts";
import type { GoogleEngine } from "./google-engine.ts";

export interface DiffCase {
  /** The family of the language the case exercises (agreement is reported per family). */
  family: string;
  expr: string;
  /** Function declarations (one line) visible to the expression. */
  decls?: string;
}

export type Outcome = { kind: "load-error"; message: string } | { kind: "error"; message: string } | { kind: "value"; value: Value };

export type Verdict = "agree" | "differ";

export interface DiffResult {
  c: DiffCase;
  ours: Outcome;
  /** What Google's engine did relative to ours. */
  google: "load-error" | "compile-crash" | "loaded" | "same" | "different" | "failed";
  agree: boolean;
}

export function ourOutcome(c: Pick<DiffCase, "expr" | "decls">): Outcome {
  // `resource` is null in both engines (Google's probes read documents that do not exist).
  const r = evaluateExpression(c.expr, { variables: { resource: { type: "null" } }, ...(c.decls ? { declarations: c.decls } : {}) });
  if (!r.ok) return { kind: "load-error", message: r.diagnostics.map((d) => d.message).join("; ") };
  if (r.value.type === "error") return { kind: "error", message: r.value.message };
  return { kind: "value", value: r.value };
}

// ---- literals that denote a value exactly ----
const hex4 = (n: number) => n.toString(16).padStart(4, "0");

function stringLiteral(s: string): string | null {
  let out = "'";
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff) {
      const d = s.charCodeAt(i + 1);
      if (!(d >= 0xdc00 && d <= 0xdfff)) return null;
      out += `\\u${hex4(c)}\\u${hex4(d)}`;
      i++;
    } else if (c >= 0xdc00 && c <= 0xdfff) {
      return null;
    } else if (c === 0x27 || c === 0x5c) {
      out += `\\${s[i]}`;
    } else if (c < 0x20 || c >= 0x7f) {
      out += `\\u${hex4(c)}`;
    } else {
      out += s[i];
    }
  }
  return `${out}'`;
}

/** A finite double as a plain decimal literal (no exponent: the language has none). */
function floatLiteral(x: number): string {
  if (Object.is(x, -0)) return "-0.0";
  const neg = x < 0;
  const [mantissa, expText] = Math.abs(x).toExponential().split("e") as [string, string];
  const exp = Number(expText);
  const digits = mantissa.replace(".", "");
  let text: string;
  if (exp >= 0) {
    const intDigits = digits.length > exp + 1 ? digits.slice(0, exp + 1) : digits.padEnd(exp + 1, "0");
    const frac = digits.length > exp + 1 ? digits.slice(exp + 1) : "0";
    text = `${intDigits}.${frac}`;
  } else {
    text = `0.${"0".repeat(-exp - 1)}${digits}`;
  }
  return neg ? `-${text}` : text;
}

/** A rules expression that evaluates to exactly `v` (same type at every level), or null when there is none. */
export function literalOf(v: Value): string | null {
  switch (v.type) {
    case "null":
      return "null";
    case "bool":
      return String(v.value);
    case "int":
      return String(v.value);
    case "float":
      if (Number.isNaN(v.value)) return null;
      if (!Number.isFinite(v.value)) return v.value > 0 ? "(1.0 / 0.0)" : "(-1.0 / 0.0)";
      return floatLiteral(v.value);
    case "string":
      return stringLiteral(v.value);
    case "bytes":
      return `b'${Array.from(v.value, (x) => `\\x${x.toString(16).padStart(2, "0")}`).join("")}'`;
    case "list": {
      const items = v.value.map(literalOf);
      return items.every((x) => x !== null) ? `[${items.join(", ")}]` : null;
    }
    case "set": {
      const items = v.value.map(literalOf);
      return items.every((x) => x !== null) ? `[${items.join(", ")}].toSet()` : null;
    }
    case "map": {
      const entries = [...v.value].map(([k, x]) => {
        const key = stringLiteral(k);
        const lit = literalOf(x);
        return lit === null || key === null ? null : `${key}: ${lit}`;
      });
      return entries.every((x) => x !== null) ? `{${entries.join(", ")}}` : null;
    }
    case "path": {
      const segs = v.value.map((s) => stringLiteral(s));
      if (segs.length === 0 || segs.some((s) => s === null)) return null;
      return `/${segs.map((s) => `$(${s})`).join("/")}`;
    }
    case "timestamp":
      return `(timestamp.value(${v.seconds * 1000n}) + duration.value(${v.nanos}, 'ns'))`;
    case "duration":
      return `(duration.value(${v.seconds}, 's') + duration.value(${v.nanos}, 'ns'))`;
    case "latlng": {
      const lat = literalOf({ type: "float", value: v.lat });
      const lng = literalOf({ type: "float", value: v.lng });
      return lat && lng ? `latlng.value(${lat}, ${lng})` : null;
    }
    default:
      return null;
  }
}

const IS_NAME: Partial<Record<Value["type"], string>> = {
  bool: "bool",
  int: "int",
  float: "float",
  string: "string",
  bytes: "bytes",
  list: "list",
  map: "map",
  path: "path",
  timestamp: "timestamp",
  duration: "duration",
  latlng: "latlng",
};

export interface Probe {
  condition: string;
  /** The literal of our value, returned by a function `__v()` of its own (its depth is then its own too). */
  literal?: string;
}

/** The question put to Google's engine for a case whose outcome in ours is `o` (not a load error). */
export function probeFor(expr: string, o: Outcome): Probe {
  const e = `(${expr})`;
  const noError = { condition: `(${e} == null || ${e} != null)` };
  if (o.kind !== "value") return noError;
  const v = o.value;
  if (v.type === "float" && Number.isNaN(v.value)) return { condition: `${e} is float && math.isNaN(${e})` };
  if (v.type === "mapdiff") {
    const keys = (name: string) => `${e}.${name}() == ${literalOf(setOfKeys(v, name))}`;
    return { condition: `${e} is map_diff && ${["addedKeys", "removedKeys", "changedKeys", "unchangedKeys"].map(keys).join(" && ")}` };
  }
  // A path template equals nothing: its string form and type pin it down.
  if (v.type === "path" && isTemplatePath(v.value))
    return { condition: `${e} is path && string(${e}) == string(path(${literalOf({ type: "string", value: v.value.join("/") })}))` };
  const literal = literalOf(v);
  if (literal === null) return noError;
  const type = IS_NAME[v.type];
  // Sets: `is set` is false in Google's engine for `toSet()` results, so the type is pinned by equality
  // with a set (a list never equals a set).
  return { condition: type ? `${e} == __v() && ${e} is ${type}` : `${e} == __v()`, literal };
}

const isTemplatePath = (segments: readonly string[]) => segments.some((s) => /^\{[A-Za-z_]\w*(=\*\*)?\}$/.test(s));

function setOfKeys(v: Extract<Value, { type: "mapdiff" }>, name: string): Value {
  const r = evaluateExpression(`__d.${name}()`, { variables: { __d: v } });
  return r.ok ? r.value : { type: "null" };
}

// ---- running a batch ----
const HEADER = `rules_version = '2';\nservice cloud.firestore {\n  match /databases/{database}/documents {\n`;
const HEADER_LINES = 3;

const CALL = "__e()";

function caseLine(i: number, c: Pick<DiffCase, "expr" | "decls">, condition: string, literal?: string): string {
  const value = literal ? ` function __v() { return ${literal}; }` : "";
  const decls = `${c.decls ?? ""} function __e() { return ${c.expr}; }${value}`.replace(/[\r\n]/g, " ");
  return `    match /d${i}/{docId} { ${decls} allow get: if ${condition}; }`;
}

function batchSource(items: readonly { c: Pick<DiffCase, "expr" | "decls">; probe: Probe }[]): string {
  return `${HEADER}${items.map((x, i) => caseLine(i, x.c, x.probe.condition, x.probe.literal)).join("\n")}\n  }\n}\n`;
}

/** Google's diagnostics that are errors (its response also lists warnings such as unused variables). */
function errorLines(response: string): number[] {
  const lines: number[] = [];
  for (const m of response.matchAll(/L(\d+):\d+ ([^\\\n"]*)/g)) if (!/^Unused /.test(m[2]!)) lines.push(Number(m[1]));
  return lines;
}

/**
 * Whether Google's engine refuses to load the case on its own: "load-error", or "compile-crash" when its
 * rules compiler fails with HTTP 500 (seen when a float computed by a call reaches an int position: a list
 * index, a slice bound, a duration amount), or null when it loads.
 */
async function googleRejects(google: GoogleEngine, c: Pick<DiffCase, "expr" | "decls">, probe: Probe): Promise<"load-error" | "compile-crash" | null> {
  const error = await google.loadRules(batchSource([{ c, probe }]));
  return error === null ? null : error.startsWith("500") ? "compile-crash" : "load-error";
}

export interface RunOptions {
  /** Cases per ruleset. */
  batch?: number;
}

/** Runs the cases through both engines; one result per case, in order. */
export async function runDifferential(google: GoogleEngine, cases: readonly DiffCase[], options: RunOptions = {}): Promise<DiffResult[]> {
  const batchSize = options.batch ?? 400;
  const results: DiffResult[] = cases.map((c) => ({ c, ours: ourOutcome(c), google: "loaded", agree: false }));
  // Loaded by ours and refused by Google: a disagreement unless the request stage below says otherwise.
  // Our load errors: each case alone in Google's engine.
  for (const r of results) {
    if (r.ours.kind !== "load-error") continue;
    r.google = (await googleRejects(google, r.c, { condition: `${CALL} == null || ${CALL} != null` })) ?? "loaded";
    // A compiler crash is a refusal too: such a ruleset cannot be deployed.
    r.agree = r.google === "load-error" || r.google === "compile-crash";
  }
  const loadable = results.filter((r) => r.ours.kind !== "load-error");
  for (let start = 0; start < loadable.length; start += batchSize) {
    let pending = loadable.slice(start, start + batchSize);
    // Find what Google refuses to load: lines of its diagnostics, each confirmed alone.
    for (let round = 0; round < 20; round++) {
      const source = batchSource(pending.map((r) => ({ c: r.c, probe: probeFor(CALL, r.ours) })));
      const error = await google.loadRules(source);
      if (error === null) break;
      const suspects = new Set(
        errorLines(error)
          .map((l) => l - HEADER_LINES - 1)
          .filter((i) => i >= 0 && i < pending.length),
      );
      let removed = 0;
      for (const i of suspects) {
        const r = pending[i]!;
        const refused = await googleRejects(google, r.c, probeFor(CALL, r.ours));
        if (refused) {
          r.google = refused;
          removed++;
        }
      }
      if (removed === 0 && error.startsWith("500")) {
        // A compiler crash names no line: bisect the batch down to the cases that crash it.
        const bisect = async (part: DiffResult[]): Promise<void> => {
          const e = await google.loadRules(batchSource(part.map((r) => ({ c: r.c, probe: probeFor(CALL, r.ours) }))));
          if (e === null || !e.startsWith("500")) return;
          if (part.length === 1) {
            part[0]!.google = "compile-crash";
            removed++;
            return;
          }
          const half = Math.ceil(part.length / 2);
          await bisect(part.slice(0, half));
          await bisect(part.slice(half));
        };
        await bisect(pending);
      }
      if (removed === 0) {
        // Not attributable by line: test every case alone.
        for (const r of pending) r.google = (await googleRejects(google, r.c, probeFor(CALL, r.ours))) ?? r.google;
      }
      pending = pending.filter((r) => r.google === "loaded");
      if (removed === 0) break;
    }
    if (pending.length === 0) continue;
    const source = batchSource(pending.map((r) => ({ c: r.c, probe: probeFor(CALL, r.ours) })));
    const error = await google.loadRules(source);
    if (error !== null) throw new Error(`Google's engine refuses a batch it should load: ${error.slice(0, 500)}`);
    const allowed = await google.allowsGetRest(pending.map((_, i) => `d${i}/x`));
    pending.forEach((r, i) => {
      const same = r.ours.kind === "value" ? allowed[i] === true : allowed[i] !== true;
      r.google = allowed[i] === "failed" ? "failed" : same ? "same" : "different";
      // The emulator's engine failing on a request (HTTP 500, seen with replacement strings naming a
      // missing group) is an evaluation error there: the request is not allowed.
      r.agree = same;
    });
  }
  return results;
}

/** Agreement per family and overall, as printable rows. */
export function agreementTable(results: readonly DiffResult[]): { family: string; cases: number; agree: number; percent: string }[] {
  const by = new Map<string, { cases: number; agree: number }>();
  for (const r of results) {
    const row = by.get(r.c.family) ?? { cases: 0, agree: 0 };
    row.cases++;
    if (r.agree) row.agree++;
    by.set(r.c.family, row);
  }
  const rows = [...by].sort(([a], [b]) => a.localeCompare(b)).map(([family, x]) => ({ family, ...x, percent: ((100 * x.agree) / x.cases).toFixed(1) }));
  const agree = results.filter((r) => r.agree).length;
  rows.push({ family: "overall", cases: results.length, agree, percent: ((100 * agree) / Math.max(1, results.length)).toFixed(2) });
  return rows;
}

export function describeOutcome(o: Outcome): string {
  return o.kind === "value" ? `value ${literalOf(o.value) ?? o.value.type}` : `${o.kind} (${o.message})`;
}
