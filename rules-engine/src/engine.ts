// The pipeline's front door: compile (lex + parse + static checks) and evaluate (match the request path
// through the match tree, then OR the applicable `allow` conditions).
import type { CompileResult, Diagnostic, EvaluationRequest, EvaluationResult, Method, Ruleset, Service, Value } from "./api.ts";
import type { AllowStmt, FunctionDecl, MatchBlock, PatternSegment, RulesFile } from "./ast.ts";
import { checkRules } from "./checks.ts";
import { EvalContext, EvaluationAbort, evalExpr, type Frame } from "./evaluator.ts";
import { RulesSyntaxError } from "./lexer.ts";
import { parseRules } from "./parser.ts";
import { str } from "./values.ts";

const EMPTY_VARS: ReadonlyMap<string, Value> = new Map();
const TOO_COMPLEX = "Rules too complex to evaluate safely.";
const SERVICES: readonly string[] = ["cloud.firestore", "firebase.storage"];

/** Which request methods each `allow` method name covers. Unknown names load but grant nothing. */
const METHOD_COVERAGE: Record<string, readonly Method[]> = {
  read: ["get", "list"],
  write: ["create", "update", "delete"],
  get: ["get"],
  list: ["list"],
  create: ["create"],
  update: ["update"],
  delete: ["delete"],
};

interface CompiledAllow {
  methods: ReadonlySet<Method>;
  stmt: AllowStmt;
}

interface CompiledMatch {
  pattern: readonly PatternSegment[];
  allows: readonly CompiledAllow[];
  functions: ReadonlyMap<string, FunctionDecl> | null;
  children: readonly CompiledMatch[];
}

class CompiledRuleset implements Ruleset {
  constructor(
    readonly service: Service,
    readonly rulesVersion: "1" | "2",
    /** The service name as written; a ruleset for an unknown service loads and grants nothing. */
    readonly declaredService: string,
    readonly topFunctions: ReadonlyMap<string, FunctionDecl>,
    readonly functions: ReadonlyMap<string, FunctionDecl>,
    readonly matches: readonly CompiledMatch[],
    private readonly lineStarts: readonly number[],
  ) {}

  position(at: number): SourcePosition {
    return positionIn(this.lineStarts, at);
  }
}

interface SourcePosition {
  line: number;
  column: number;
}

/** 1-based line and column of a source offset, by binary search over the offsets where lines start. */
function positionIn(lineStarts: readonly number[], at: number): SourcePosition {
  let lo = 0;
  let hi = lineStarts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (lineStarts[mid]! <= at) lo = mid;
    else hi = mid - 1;
  }
  return { line: lo + 1, column: at - lineStarts[lo]! + 1 };
}

/** Parses and checks a source: the file and the checker's diagnostics, or the syntax error as a diagnostic. */
function parseAndCheck(
  source: string,
  at: (offset: number) => SourcePosition,
): { ok: true; file: RulesFile; diagnostics: Diagnostic[] } | { ok: false; diagnostics: Diagnostic[] } {
  try {
    const file = parseRules(source);
    return { ok: true, file, diagnostics: checkRules(file).map((i) => ({ ...at(i.at), message: i.message, severity: i.severity })) };
  } catch (e) {
    if (e instanceof RulesSyntaxError) return { ok: false, diagnostics: [{ ...at(e.at), message: e.message, severity: "error" }] };
    // Last resort behind the parser's depth guards: a source that still exhausts the stack is refused.
    if (e instanceof RangeError) return { ok: false, diagnostics: [{ ...at(0), message: TOO_COMPLEX, severity: "error" }] };
    throw e;
  }
}

function lineStartsOf(src: string): number[] {
  const starts = [0];
  for (let i = 0; i < src.length; i++) if (src.charCodeAt(i) === 10) starts.push(i + 1);
  return starts;
}

function compileMatch(m: MatchBlock): CompiledMatch {
  return {
    pattern: m.pattern,
    allows: m.allows.map((stmt) => ({ stmt, methods: new Set(stmt.methods.flatMap((x) => METHOD_COVERAGE[x] ?? [])) })),
    functions: m.functions.length > 0 ? new Map(m.functions.map((f) => [f.name, f])) : null,
    children: m.matches.map(compileMatch),
  };
}

export function compile(source: string): CompileResult {
  const lineStarts = lineStartsOf(source);
  const at = (offset: number) => positionIn(lineStarts, offset);
  const checked = parseAndCheck(source, at);
  if (!checked.ok) return checked;
  const { file, diagnostics } = checked;
  if (!SERVICES.includes(file.service))
    diagnostics.push({ ...at(file.serviceAt), message: `Unknown service '${file.service}': the ruleset grants nothing.`, severity: "warning" });
  for (const m of allMatches(file.matches))
    for (const a of m.allows)
      for (const method of a.stmt.methods)
        if (!(method in METHOD_COVERAGE))
          diagnostics.push({ ...at(a.stmt.at), message: `Unknown method '${method}' in allow: it grants nothing.`, severity: "warning" });
  if (diagnostics.some((d) => d.severity === "error")) return { ok: false, diagnostics };
  const ruleset = new CompiledRuleset(
    (SERVICES.includes(file.service) ? file.service : "cloud.firestore") as Service,
    file.rulesVersion,
    file.service,
    new Map(file.topFunctions.map((f) => [f.name, f])),
    new Map(file.functions.map((f) => [f.name, f])),
    file.matches.map(compileMatch),
    lineStarts,
  );
  return { ok: true, ruleset, diagnostics };
}

function* allMatches(blocks: readonly MatchBlock[]): Generator<{ allows: readonly { stmt: AllowStmt }[] }> {
  for (const b of blocks) {
    yield { allows: b.allows.map((stmt) => ({ stmt })) };
    yield* allMatches(b.matches);
  }
}

/** Every way `pattern` matches a prefix of `segments` from `start`: the end offset and the bindings. */
function matchPattern(
  pattern: readonly PatternSegment[],
  segments: readonly string[],
  start: number,
  v2: boolean,
): { end: number; bindings: Map<string, Value> }[] {
  const out: { end: number; bindings: Map<string, Value> }[] = [];
  const bindings = new Map<string, Value>();
  const walk = (i: number, j: number): void => {
    if (i === pattern.length) {
      out.push({ end: j, bindings: new Map(bindings) });
      return;
    }
    const seg = pattern[i]!;
    if (seg.kind === "literal") {
      if (j < segments.length && segments[j] === seg.text) walk(i + 1, j + 1);
    } else if (seg.kind === "wildcard") {
      if (j < segments.length) {
        bindings.set(seg.name, str(segments[j]!));
        walk(i + 1, j + 1);
        bindings.delete(seg.name);
      }
    } else {
      // v1: `**` matches one or more segments; v2: zero or more.
      for (let k = v2 ? 0 : 1; j + k <= segments.length; k++) {
        bindings.set(seg.name, { type: "path", value: segments.slice(j, j + k) });
        walk(i + 1, j + k);
      }
      bindings.delete(seg.name);
    }
  };
  walk(0, start);
  return out;
}

export function evaluate(ruleset: Ruleset, request: EvaluationRequest): EvaluationResult {
  if (!(ruleset instanceof CompiledRuleset)) throw new TypeError("evaluate() needs a ruleset returned by compile().");
  const diagnostics: Diagnostic[] = [];
  if (ruleset.declaredService !== request.service) return { kind: "decided", allowed: false, diagnostics };
  const segments = request.path.split("/").filter((s) => s.length > 0);
  const ctx = new EvalContext(request.service, request.documents);
  const top: Frame = { vars: new Map(Object.entries(request.variables)), functions: ruleset.topFunctions, parent: null };
  const globals: Frame = { vars: EMPTY_VARS, functions: ruleset.functions, parent: top };
  const v2 = ruleset.rulesVersion === "2";
  let allowed = false;

  const visit = (blocks: readonly CompiledMatch[], start: number, parent: Frame): boolean => {
    for (const block of blocks) {
      // Most blocks fail on their first literal segment: skip them without allocating.
      const first = block.pattern[0];
      if (first?.kind === "literal" && segments[start] !== first.text) continue;
      for (const { end, bindings } of matchPattern(block.pattern, segments, start, v2)) {
        const frame: Frame = { vars: bindings, functions: block.functions, parent };
        if (end === segments.length) {
          for (const allow of block.allows) {
            if (!allow.methods.has(request.method)) continue;
            if (!allow.stmt.condition) return true;
            const result = evalExpr(ctx, frame, allow.stmt.condition);
            if (result.type === "bool" && result.value) return true;
            const where = ruleset.position(allow.stmt.at);
            const message = result.type === "error" ? result.message : result.type === "bool" ? "false" : `Condition is not a boolean (${result.type}).`;
            diagnostics.push({ ...where, message: `${message} for '${request.method}' @ L${where.line}`, severity: "error" });
          }
        }
        if (block.children.length > 0 && visit(block.children, end, frame)) return true;
      }
    }
    return false;
  };

  try {
    allowed = visit(ruleset.matches, 0, globals);
  } catch (e) {
    // A stack exhausted by an extreme request (the parser bounds the rules themselves) denies it.
    if (e instanceof RangeError) return { kind: "decided", allowed: false, diagnostics: [{ line: 0, column: 0, message: TOO_COMPLEX, severity: "error" }] };
    if (!(e instanceof EvaluationAbort)) throw e;
    if (ctx.unknown.size > 0) return { kind: "needsDocuments", paths: [...ctx.unknown] };
    diagnostics.push({ line: 0, column: 0, message: e.message, severity: "error" });
    return { kind: "decided", allowed: false, diagnostics };
  }
  if (!allowed && ctx.unknown.size > 0) return { kind: "needsDocuments", paths: [...ctx.unknown] };
  return { kind: "decided", allowed, diagnostics: allowed ? [] : diagnostics };
}

export type ExpressionResult = { ok: true; value: Value } | { ok: false; diagnostics: Diagnostic[] };

/**
 * Evaluates one standalone expression to its value (tests, tools, the property-based conformance
 * generator). Variables are bound as globals; document functions read through `documents`.
 */
export function evaluateExpression(
  expression: string,
  options: {
    variables?: Readonly<Record<string, Value>>;
    service?: Service;
    documents?: EvaluationRequest["documents"];
    /** Function declarations (one line) visible to the expression. */
    declarations?: string;
  } = {},
): ExpressionResult {
  const declarations = (options.declarations ?? "").replace(/[\r\n]/g, " ");
  const prefix = `rules_version = '2'; service cloud.firestore { ${declarations} function __value() { return `;
  const source = `${prefix}${expression}\n; } }`;
  const lineStarts = lineStartsOf(source);
  // Positions count from the start of the expression, not of the ruleset wrapped around it.
  const at = (offset: number) => {
    const p = positionIn(lineStarts, offset);
    return p.line === 1 ? { line: 1, column: p.column - prefix.length } : p;
  };
  const checked = parseAndCheck(source, at);
  if (!checked.ok) return checked;
  const { file } = checked;
  const errors = checked.diagnostics.filter((d) => d.severity === "error");
  if (errors.length > 0) return { ok: false, diagnostics: errors };
  const ctx = new EvalContext(options.service ?? "cloud.firestore", options.documents);
  const frame: Frame = { vars: new Map(Object.entries(options.variables ?? {})), functions: null, parent: null };
  try {
    const valueFunction = file.functions[file.functions.length - 1]!;
    const globals: Frame = { vars: EMPTY_VARS, functions: new Map(file.functions.map((f) => [f.name, f])), parent: frame };
    return { ok: true, value: evalExpr(ctx, globals, valueFunction.body) };
  } catch (e) {
    if (e instanceof EvaluationAbort) return { ok: true, value: { type: "error", message: e.message } };
    throw e;
  }
}
