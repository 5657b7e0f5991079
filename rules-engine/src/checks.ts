// Static checks: run on the parsed file before evaluation. They resolve namespace calls (`math.abs(x)` is a
// namespace function, not a method on a variable `math`), and reject what Google's engine refuses to load:
// `let` in v1, misplaced or repeated `**`, too many parameters or lets, recursion, invalid constant regexes,
// unknown type names after `is`. Unknown functions are not load errors (they error at evaluation).
import type { Expr, FunctionDecl, MatchBlock, RulesFile } from "./ast.ts";
import { NAMESPACES, compileRegex } from "./stdlib.ts";
import { TYPE_NAMES } from "./values.ts";

export interface StaticIssue {
  at: number;
  message: string;
  severity: "error" | "warning";
}

export const STATIC_LIMITS = { callChain: 21, params: 7, lets: 10, letsHard: 11, matchDepth: 10, captures: 20 };

interface Scope {
  names: Set<string>;
  functions: Map<string, FunctionDecl>;
  parent: Scope | null;
}

/**
 * A call whose result Google's compiler types as float: float(x), math.floor/ceil/sqrt/pow, latitude(),
 * longitude(), distance().
 */
function isFloatCall(e: Expr | null): boolean {
  if (!e) return false;
  if (e.kind === "call") return e.name === "float" && e.args.length === 1;
  if (e.kind === "namespaceCall") return e.namespace === "math" && ["floor", "ceil", "sqrt", "pow"].includes(e.name);
  if (e.kind === "method") return ["latitude", "longitude", "distance"].includes(e.name);
  // Observed: `timestamp.value(c ? math.pow(0, 3.75) : 1)` crashes it too.
  if (e.kind === "conditional") return isFloatCall(e.then) || isFloatCall(e.otherwise);
  return false;
}

/** Argument positions typed int in Google's compiler (timestamp.value(ms), duration.value(n, unit), …). */
const INT_PARAMETERS: Record<string, readonly number[]> = {
  "timestamp.value": [0],
  "timestamp.date": [0, 1, 2],
  "duration.value": [0],
  "duration.time": [0, 1, 2, 3],
};

const COMPILER_FAILURE = "Google's rules compiler fails on this expression (HTTP 500): a float computed by a call is passed where an int is expected.";

export function checkRules(file: RulesFile): StaticIssue[] {
  const issues: StaticIssue[] = [];
  const error = (at: number, message: string) => issues.push({ at, message, severity: "error" });
  const warn = (at: number, message: string) => issues.push({ at, message, severity: "warning" });
  // Each declaration's resolved callees, for the recursion check.
  const callGraph = new Map<FunctionDecl, Set<FunctionDecl>>();

  const lookupFunction = (scope: Scope, name: string): FunctionDecl | undefined => {
    for (let s: Scope | null = scope; s; s = s.parent) {
      const f = s.functions.get(name);
      if (f) return f;
    }
    return undefined;
  };
  const isVariable = (scope: Scope, name: string): boolean => {
    for (let s: Scope | null = scope; s; s = s.parent) if (s.names.has(name)) return true;
    return false;
  };

  /** Rewrites namespace calls and checks an expression; `calls` collects resolved user functions. */
  const visit = (e: Expr, scope: Scope, calls: Set<FunctionDecl> | null): Expr => {
    const v = (x: Expr) => visit(x, scope, calls);
    switch (e.kind) {
      case "literal":
      case "ident":
        return e;
      case "member":
        return { ...e, object: v(e.object) };
      // Observed: Google's compiler crashes instead of loading when a float-typed call result is an index,
      // a slice bound or an int argument of the timestamp/duration functions (a float literal there loads and
      // errors at evaluation); the ruleset cannot be deployed, so it does not load here either.
      case "index": {
        const index = v(e.index);
        if (isFloatCall(index)) error(e.index.at, COMPILER_FAILURE);
        return { ...e, object: v(e.object), index };
      }
      case "slice": {
        const from = e.from && v(e.from);
        const to = e.to && v(e.to);
        if (isFloatCall(from) || isFloatCall(to)) error(e.at, COMPILER_FAILURE);
        return { ...e, object: v(e.object), from, to };
      }
      case "call": {
        const fn = lookupFunction(scope, e.name);
        if (fn && calls) calls.add(fn);
        // An arity mismatch loads in Google's engine and errors at evaluation.
        return { ...e, args: e.args.map(v) };
      }
      case "method": {
        const args = e.args.map(v);
        if (e.object.kind === "ident" && NAMESPACES.has(e.object.name) && !isVariable(scope, e.object.name)) {
          const intParameters = INT_PARAMETERS[`${e.object.name}.${e.name}`] ?? [];
          if (intParameters.some((i) => isFloatCall(args[i] ?? null))) error(e.at, COMPILER_FAILURE);
          return { kind: "namespaceCall", at: e.object.at, namespace: e.object.name, name: e.name, args };
        }
        if ((e.name === "matches" || e.name === "split") && args[0]?.kind === "literal" && args[0].value.type === "string") {
          const re = compileRegex(args[0].value.value);
          if (typeof re === "string") error(args[0].at, re);
        }
        return { ...e, object: v(e.object), args };
      }
      case "namespaceCall":
        return { ...e, args: e.args.map(v) };
      case "unary":
        return { ...e, operand: v(e.operand) };
      case "binary":
      case "and":
      case "or":
        return { ...e, left: v(e.left), right: v(e.right) };
      case "conditional":
        // biome-ignore lint/suspicious/noThenProperty: a conditional expression's AST node, never awaited.
        return { ...e, test: v(e.test), then: v(e.then), otherwise: v(e.otherwise) };
      case "is":
        if (!TYPE_NAMES.has(e.typeName)) error(e.at, `Unknown type name '${e.typeName}' after 'is'.`);
        return { ...e, operand: v(e.operand) };
      case "list":
        return { ...e, items: e.items.map(v) };
      case "map":
        return { ...e, entries: e.entries.map((x) => ({ key: v(x.key), value: v(x.value) })) };
      case "path":
        return { ...e, segments: e.segments.map((parts) => parts.map((p) => ("expr" in p ? { expr: v(p.expr) } : p))) };
    }
  };

  const declareFunctions = (decls: FunctionDecl[], scope: Scope) => {
    for (const f of decls) {
      if (scope.functions.has(f.name)) error(f.at, `Function ${f.name} is declared twice in the same scope.`);
      scope.functions.set(f.name, f);
    }
  };

  const checkFunction = (f: FunctionDecl, declScope: Scope) => {
    if (f.params.length > STATIC_LIMITS.params) error(f.at, `Function ${f.name} has more than ${STATIC_LIMITS.params} parameters.`);
    if (new Set(f.params).size !== f.params.length) error(f.at, `Function ${f.name} repeats a parameter name.`);
    if (f.lets.length > 0 && file.rulesVersion !== "2") error(f.lets[0]!.at, "'let' requires rules_version = '2'.");
    if (f.lets.length > STATIC_LIMITS.letsHard)
      error(f.lets[STATIC_LIMITS.letsHard]!.at, `Function ${f.name} has more than ${STATIC_LIMITS.letsHard} let bindings.`);
    else if (f.lets.length > STATIC_LIMITS.lets) warn(f.lets[0]!.at, `Function ${f.name} has more than ${STATIC_LIMITS.lets} let bindings.`);
    const calls = new Set<FunctionDecl>();
    callGraph.set(f, calls);
    const inner: Scope = { names: new Set(f.params), functions: new Map(), parent: declScope };
    const lets = f.lets.map((l) => {
      const value = visit(l.value, inner, calls);
      if (inner.names.has(l.name)) error(l.at, `The identifier [${l.name}] is already bound in the current scope.`);
      inner.names.add(l.name);
      return { ...l, value };
    });
    const body = visit(f.body, inner, calls);
    Object.assign(f, { lets, body });
  };

  const topScope: Scope = { names: new Set(["request", "resource"]), functions: new Map(), parent: null };
  declareFunctions(file.topFunctions, topScope);
  for (const f of file.topFunctions) checkFunction(f, topScope);
  const globalScope: Scope = { names: new Set(), functions: new Map(), parent: topScope };
  declareFunctions(file.functions, globalScope);
  for (const f of file.functions) checkFunction(f, globalScope);

  const checkMatch = (m: MatchBlock, parent: Scope, depth: number, captures: Set<string>) => {
    if (depth > STATIC_LIMITS.matchDepth) error(m.at, `Match blocks nest deeper than ${STATIC_LIMITS.matchDepth}.`);
    const recursive = m.pattern.filter((s) => s.kind === "recursive");
    if (recursive.length > 1) error(m.at, "Only one recursive wildcard {name=**} is allowed per match statement.");
    if (file.rulesVersion === "1" && recursive.length === 1 && m.pattern[m.pattern.length - 1]!.kind !== "recursive")
      error(m.at, "In rules_version 1 a recursive wildcard must be the last path segment.");
    const names = new Set<string>();
    const chainCaptures = new Set(captures);
    for (const s of m.pattern) {
      if (s.kind === "literal") continue;
      if (chainCaptures.has(s.name)) error(m.at, `Wildcard {${s.name}} is already bound by this match chain.`);
      chainCaptures.add(s.name);
      names.add(s.name);
    }
    if (chainCaptures.size > STATIC_LIMITS.captures) error(m.at, `More than ${STATIC_LIMITS.captures} wildcards in a match chain.`);
    const scope: Scope = { names, functions: new Map(), parent };
    declareFunctions(m.functions, scope);
    for (const f of m.functions) checkFunction(f, scope);
    for (const a of m.allows) if (a.condition) a.condition = visit(a.condition, scope, null);
    for (const child of m.matches) checkMatch(child, scope, depth + 1, chainCaptures);
  };
  for (const m of file.matches) checkMatch(m, globalScope, 1, new Set());

  // Recursion (direct or mutual) is forbidden. Depth-first with an explicit stack: a long chain of
  // functions must not exhaust the call stack.
  const state = new Map<FunctionDecl, "visiting" | "done">();
  const reported = new Set<FunctionDecl>();
  for (const root of callGraph.keys()) {
    if (state.has(root)) continue;
    const stack: { f: FunctionDecl; next: Iterator<FunctionDecl> }[] = [{ f: root, next: (callGraph.get(root) ?? new Set()).values() }];
    state.set(root, "visiting");
    while (stack.length > 0) {
      const top = stack[stack.length - 1]!;
      const step = top.next.next();
      if (step.done) {
        state.set(top.f, "done");
        stack.pop();
        continue;
      }
      const g = step.value;
      const s = state.get(g);
      if (s === "visiting") {
        if (!reported.has(g)) error(g.at, `Function ${g.name} is recursive; recursive or cyclical calls are not allowed.`);
        reported.add(g);
      } else if (s === undefined) {
        state.set(g, "visiting");
        stack.push({ f: g, next: (callGraph.get(g) ?? new Set()).values() });
      }
    }
  }
  if (reported.size > 0) return issues;

  // Google's engine rejects any static call chain longer than the call-depth limit allows. The graph has no
  // cycle here; lengths are computed in post-order with an explicit stack.
  const chainLength = new Map<FunctionDecl, number>();
  const longest = (root: FunctionDecl): number => {
    const stack: FunctionDecl[] = [root];
    while (stack.length > 0) {
      const f = stack[stack.length - 1]!;
      if (chainLength.has(f)) {
        stack.pop();
        continue;
      }
      const pending = [...(callGraph.get(f) ?? [])].filter((g) => !chainLength.has(g));
      if (pending.length > 0) {
        stack.push(...pending);
        continue;
      }
      let n = 1;
      for (const g of callGraph.get(f) ?? []) n = Math.max(n, 1 + chainLength.get(g)!);
      chainLength.set(f, n);
      stack.pop();
    }
    return chainLength.get(root)!;
  };
  for (const f of callGraph.keys())
    if (longest(f) > STATIC_LIMITS.callChain) {
      // Like Google's engine, point at the first function beyond the limit along the longest chain.
      const chain = [f];
      while (chain.length <= STATIC_LIMITS.callChain) {
        const last = chain[chain.length - 1]!;
        const next = [...(callGraph.get(last) ?? [])].sort((a, b) => longest(b) - longest(a))[0]!;
        chain.push(next);
      }
      const beyond = chain[chain.length - 1]!;
      error(
        beyond.nameAt,
        `Maximum allowed call depth of ${STATIC_LIMITS.callChain - 1} is reached for [${chain
          .slice(0, -1)
          .map((g) => g.name)
          .join("->")}] call stack.`,
      );
      break;
    }
  return issues;
}
