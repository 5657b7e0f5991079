// Evaluator: walks the checked AST with errors as values. Request-level limits (expression budget, call
// depth, document-access budget) abort the whole evaluation through `EvaluationAbort`, which `evaluate`
// turns into a denial — they are not rule errors that `||` could absorb.
import type { DocumentReader, Service, Value } from "./api.ts";
import type { Expr, FunctionDecl } from "./ast.ts";
import { callGlobal, callMethod, callNamespace, isTemplatePath, parsePathString, sliceValue, stringIndex, urlDecode } from "./stdlib.ts";
import {
  bool,
  compareValues,
  containsStrict,
  containsValue,
  duration,
  err,
  float,
  int,
  isError,
  isOfType,
  list,
  map,
  NULL,
  str,
  timestamp,
  typeName,
  valueEquals,
  type ErrorValue,
} from "./values.ts";

export const LIMITS = {
  /** Expressions evaluated per request [RB]. */
  expressions: 1000,
  /** Function call depth [RB]. */
  callDepth: 21,
  /** Distinct documents read per request. */
  documents: { "cloud.firestore": 10, "firebase.storage": 2 } as Record<Service, number>,
};

export class EvaluationAbort {
  constructor(readonly message: string) {}
}

/**
 * A function argument, evaluated only when (and the first time) the callee uses it: Google's engine passes
 * arguments lazily, so `function f(x) { return true; }` makes `f(1 / 0)` true.
 */
export class LazyArgument {
  private value: Value | null = null;
  constructor(
    private readonly expr: Expr,
    private readonly frame: Frame,
  ) {}

  force(ctx: EvalContext): Value {
    this.value ??= evalExpr(ctx, this.frame, this.expr);
    return this.value;
  }
}

/** A lexical scope at run time: variables (wildcards, params, lets, globals) and declared functions. */
export interface Frame {
  vars: ReadonlyMap<string, Value | LazyArgument>;
  functions: ReadonlyMap<string, FunctionDecl> | null;
  parent: Frame | null;
}

export class EvalContext {
  steps = 0;
  depth = 0;
  readonly accessed = new Set<string>();
  readonly unknown = new Set<string>();
  readonly debugLog: string[] = [];

  constructor(
    readonly service: Service,
    readonly reader: DocumentReader | undefined,
  ) {}

  lookupVar(frame: Frame, name: string): Value | undefined {
    for (let f: Frame | null = frame; f; f = f.parent) {
      const v = f.vars.get(name);
      if (v instanceof LazyArgument) return v.force(this);
      if (v !== undefined) return v;
    }
    return undefined;
  }

  lookupFunction(frame: Frame, name: string): { fn: FunctionDecl; frame: Frame } | undefined {
    for (let f: Frame | null = frame; f; f = f.parent) {
      const fn = f.functions?.get(name);
      if (fn) return { fn, frame: f };
    }
    return undefined;
  }
}

const nullError = (): ErrorValue => err("Null value error.");

export function evalExpr(ctx: EvalContext, frame: Frame, e: Expr): Value {
  if (++ctx.steps > LIMITS.expressions) throw new EvaluationAbort(`Evaluation exceeded ${LIMITS.expressions} expressions.`);
  switch (e.kind) {
    case "literal":
      return e.value;
    case "ident": {
      const v = ctx.lookupVar(frame, e.name);
      return v ?? err(`Variable ${e.name} is not defined.`);
    }
    case "member": {
      const obj = evalExpr(ctx, frame, e.object);
      return getField(obj, e.name);
    }
    case "index": {
      const obj = evalExpr(ctx, frame, e.object);
      if (isError(obj)) return obj;
      const index = evalExpr(ctx, frame, e.index);
      if (isError(index)) return index;
      return indexValue(obj, index);
    }
    case "slice": {
      const obj = evalExpr(ctx, frame, e.object);
      if (isError(obj)) return obj;
      const from = e.from ? evalExpr(ctx, frame, e.from) : null;
      if (from && isError(from)) return from;
      const to = e.to ? evalExpr(ctx, frame, e.to) : null;
      if (to && isError(to)) return to;
      // A null bound is an open one: [1, 2, 3][null:2] == [1, 2] (observed).
      const bound = (b: Value | null): bigint | null | ErrorValue =>
        b === null || b.type === "null" ? null : b.type === "int" ? b.value : err("Slice bounds must be integers.");
      const a = bound(from);
      const b = bound(to);
      if (typeof a === "object" && a !== null) return a;
      if (typeof b === "object" && b !== null) return b;
      if (obj.type === "null") return nullError();
      return sliceValue(obj, a, b);
    }
    case "unary": {
      const v = evalExpr(ctx, frame, e.operand);
      if (isError(v)) return v;
      if (e.op === "!") return v.type === "bool" ? bool(!v.value) : err(`Unsupported operation error. Received: !${typeName(v)}.`);
      if (v.type === "int") return int(-v.value);
      if (v.type === "float") return float(-v.value);
      if (v.type === "duration") return duration(-v.seconds, -v.nanos);
      return err(`Unsupported operation error. Received: -${typeName(v)}.`);
    }
    case "and":
    case "or":
      return evalLogical(ctx, frame, e.kind, e.left, e.right);
    case "conditional": {
      const test = evalExpr(ctx, frame, e.test);
      if (isError(test)) return test;
      if (test.type !== "bool") return err(`Unsupported operation error. Ternary condition must be bool, got ${typeName(test)}.`);
      return evalExpr(ctx, frame, test.value ? e.then : e.otherwise);
    }
    case "binary": {
      const left = evalExpr(ctx, frame, e.left);
      if (isError(left)) return left;
      const right = evalExpr(ctx, frame, e.right);
      if (isError(right)) return right;
      return binary(e.op, left, right);
    }
    case "is": {
      const v = evalExpr(ctx, frame, e.operand);
      if (isError(v)) return v;
      return bool(isOfType(v, e.typeName));
    }
    case "list": {
      const items: Value[] = [];
      for (const item of e.items) {
        const v = evalExpr(ctx, frame, item);
        if (isError(v)) return v;
        items.push(v);
      }
      return list(items);
    }
    case "map": {
      const entries = new Map<string, Value>();
      for (const entry of e.entries) {
        const k = evalExpr(ctx, frame, entry.key);
        if (isError(k)) return k;
        if (k.type !== "string") return err(`Map keys must be strings, got ${typeName(k)}.`);
        const v = evalExpr(ctx, frame, entry.value);
        if (isError(v)) return v;
        entries.set(k.value, v);
      }
      return map(entries);
    }
    case "path": {
      const segments: string[] = [];
      for (const parts of e.segments) {
        if (parts.length === 1 && "expr" in parts[0]!) {
          const v = evalExpr(ctx, frame, parts[0].expr);
          if (isError(v)) return v;
          if (v.type === "path") segments.push(...v.value);
          else {
            const s = interpolated(v);
            if (isError(s)) return s;
            segments.push(s.value);
          }
          continue;
        }
        let text = "";
        for (const part of parts) {
          if ("text" in part) {
            // Literal segment text is URL-decoded like path(): /a/a+b has the segment 'a b' (observed).
            const decoded = urlDecode(part.text);
            if (decoded === null) return err(`Invalid path segment '${part.text}'.`);
            text += decoded;
            continue;
          }
          const v = interpolated(evalExpr(ctx, frame, part.expr));
          if (isError(v)) return v;
          text += v.value;
        }
        segments.push(text);
      }
      return { type: "path", value: segments };
    }
    case "method": {
      const recv = evalExpr(ctx, frame, e.object);
      if (isError(recv)) return recv;
      const args = evalArgs(ctx, frame, e.args);
      if (!Array.isArray(args)) return args;
      return callMethod(recv, e.name, args);
    }
    case "namespaceCall": {
      const args = evalArgs(ctx, frame, e.args);
      if (!Array.isArray(args)) return args;
      if (e.namespace === "firestore") {
        if (ctx.service !== "firebase.storage" || (e.name !== "get" && e.name !== "exists"))
          return err(`Function not found error: Name: [firestore.${e.name}].`);
        return documentCall(ctx, e.name, args, false);
      }
      return callNamespace(e.namespace, e.name, args) ?? err(`Function not found error: Name: [${e.namespace}.${e.name}].`);
    }
    case "call":
      return evalCall(ctx, frame, e.name, e.args);
  }
}

/** A `$(…)` value as segment text: strings as they are, scalars through `string()`. */
function interpolated(v: Value): Extract<Value, { type: "string" }> | ErrorValue {
  if (isError(v) || v.type === "string") return v;
  if (v.type === "int" || v.type === "float" || v.type === "bool") return callGlobal("string", [v]) as Extract<Value, { type: "string" }>;
  if (v.type === "null") return { type: "string", value: "null" };
  return err(`Unsupported operation error. Cannot interpolate ${typeName(v)} into a path.`);
}

function evalArgs(ctx: EvalContext, frame: Frame, exprs: readonly Expr[]): Value[] | ErrorValue {
  const out: Value[] = [];
  for (const a of exprs) {
    const v = evalExpr(ctx, frame, a);
    if (isError(v)) return v;
    out.push(v);
  }
  return out;
}

/** `&&`/`||` with short-circuit and commutative error absorption (an error on the left is absorbed by a deciding right). */
function evalLogical(ctx: EvalContext, frame: Frame, kind: "and" | "or", leftExpr: Expr, rightExpr: Expr): Value {
  const deciding = kind === "or";
  const left = evalExpr(ctx, frame, leftExpr);
  if (left.type === "bool" && left.value === deciding) return left;
  const leftProblem: Value | null =
    left.type === "bool" ? null : isError(left) ? left : err(`Unsupported operation error. Received: ${typeName(left)} ${kind === "and" ? "&&" : "||"}.`);
  const right = evalExpr(ctx, frame, rightExpr);
  if (right.type === "bool") {
    if (right.value === deciding) return right;
    return leftProblem ?? right;
  }
  if (leftProblem) return leftProblem;
  return isError(right) ? right : err(`Unsupported operation error. Received: ${kind === "and" ? "&&" : "||"} ${typeName(right)}.`);
}

export function getField(obj: Value, name: string): Value {
  switch (obj.type) {
    case "error":
      return obj;
    case "map": {
      const v = obj.value.get(name);
      return v ?? err(`Property ${name} is undefined on object.`);
    }
    case "null":
      return nullError();
    default:
      return err(`Type error. Received: [${typeName(obj)}] Expected: [map,path].`);
  }
}

function indexValue(obj: Value, index: Value): Value {
  switch (obj.type) {
    case "map":
      if (index.type !== "string") return err(`Unsupported operation error. Received: map[${typeName(index)}].`);
      return obj.value.get(index.value) ?? err(`Property ${index.value} is undefined on object.`);
    case "list":
      if (index.type !== "int") return err(`Unsupported operation error. Received: list[${typeName(index)}].`);
      if (index.value < 0n || index.value >= BigInt(obj.value.length))
        return err(`Index out of bound error. Index: [${index.value}] , size: [${obj.value.length}].`);
      return obj.value[Number(index.value)]!;
    case "string":
      if (index.type !== "int") return err(`Unsupported operation error. Received: string[${typeName(index)}].`);
      return stringIndex(obj.value, index.value);
    case "path":
      if (isTemplatePath(obj.value)) return err("Unsupported operation error. A path template cannot be indexed.");
      if (index.type === "int") {
        if (index.value < 0n || index.value >= BigInt(obj.value.length))
          return err(`Index out of bound error. Index: [${index.value}] , size: [${obj.value.length}].`);
        return str(obj.value[Number(index.value)]!);
      }
      return err(`Property ${showKey(index)} is undefined on object.`);
    case "null":
      return nullError();
    default:
      return err(`Unsupported operation error. Received: ${typeName(obj)}[${typeName(index)}].`);
  }
}

const showKey = (v: Value): string => (v.type === "string" ? v.value : typeName(v));

const NANOS = 1_000_000_000n;
const totalNanos = (v: { seconds: bigint; nanos: number }): bigint => v.seconds * NANOS + BigInt(v.nanos);
const fromNanos = (n: bigint, make: typeof duration): Value => make(n / NANOS, Number(n % NANOS));

export function binary(op: string, a: Value, b: Value): Value {
  switch (op) {
    case "==":
      return bool(valueEquals(a, b));
    case "!=":
      return bool(!valueEquals(a, b));
    case "<":
    case "<=":
    case ">":
    case ">=": {
      const c = compareValues(a, b);
      if (typeof c !== "number") return c;
      if (Number.isNaN(c)) return bool(false);
      return bool(op === "<" ? c < 0 : op === "<=" ? c <= 0 : op === ">" ? c > 0 : c >= 0);
    }
    case "in":
      // List membership is type-strict (`1 in [1.0]` is false); set membership is numeric.
      if (b.type === "list") return bool(containsStrict(b.value, a));
      if (b.type === "set") return bool(containsValue(b.value, a));
      if (b.type === "map") return a.type === "string" ? bool(b.value.has(a.value)) : err(`Unsupported operation error. Received: ${typeName(a)} in map.`);
      return err(`Unsupported operation error. Received: ${typeName(a)} in ${typeName(b)}.`);
  }
  // Arithmetic.
  if (a.type === "int" && b.type === "int") {
    switch (op) {
      case "+":
        return int(a.value + b.value);
      case "-":
        return int(a.value - b.value);
      case "*":
        return int(a.value * b.value);
      case "/":
        return b.value === 0n ? err("Divide by zero error.") : int(a.value / b.value);
      case "%":
        return b.value === 0n ? err("Divide by zero error.") : int(a.value % b.value);
    }
  }
  if ((a.type === "int" || a.type === "float") && (b.type === "int" || b.type === "float")) {
    const x = Number(a.value);
    const y = Number(b.value);
    switch (op) {
      case "+":
        return float(x + y);
      case "-":
        return float(x - y);
      case "*":
        return float(x * y);
      case "/":
        return float(x / y);
      case "%":
        return float(x % y);
    }
  }
  if (op === "+" && a.type === "string" && b.type === "string") return str(a.value + b.value);
  if (a.type === "timestamp" && b.type === "duration" && (op === "+" || op === "-"))
    return fromNanos(op === "+" ? totalNanos(a) + totalNanos(b) : totalNanos(a) - totalNanos(b), timestamp);
  if (a.type === "duration" && b.type === "timestamp" && op === "+") return fromNanos(totalNanos(a) + totalNanos(b), timestamp);
  if (a.type === "timestamp" && b.type === "timestamp" && op === "-") return fromNanos(totalNanos(a) - totalNanos(b), duration);
  if (a.type === "duration" && b.type === "duration" && (op === "+" || op === "-"))
    return fromNanos(op === "+" ? totalNanos(a) + totalNanos(b) : totalNanos(a) - totalNanos(b), duration);
  return err(`Unsupported operation error. Received: ${typeName(a)} ${op} ${typeName(b)}.`);
}

function evalCall(ctx: EvalContext, frame: Frame, name: string, argExprs: readonly Expr[]): Value {
  const user = ctx.lookupFunction(frame, name);
  if (user) {
    if (user.fn.params.length !== argExprs.length) return err(`Function ${name} expects ${user.fn.params.length} arguments, got ${argExprs.length}.`);
    if (ctx.depth >= LIMITS.callDepth) throw new EvaluationAbort(`Function call depth exceeded ${LIMITS.callDepth}.`);
    const vars = new Map<string, Value | LazyArgument>();
    for (const [i, p] of user.fn.params.entries()) vars.set(p, new LazyArgument(argExprs[i]!, frame));
    const inner: Frame = { vars, functions: null, parent: user.frame };
    ctx.depth++;
    try {
      // `let` initialisers run eagerly and in order (their document reads count); an erroring `let` only
      // matters if the result uses it, because the error is simply stored as its value.
      for (const l of user.fn.lets) vars.set(l.name, evalExpr(ctx, inner, l.value));
      return evalExpr(ctx, inner, user.fn.body);
    } finally {
      ctx.depth--;
    }
  }
  const args = evalArgs(ctx, frame, argExprs);
  if (!Array.isArray(args)) return args;
  if (ctx.service === "cloud.firestore") {
    if (name === "get" || name === "exists") return documentCall(ctx, name, args, false);
    if (name === "getAfter") return documentCall(ctx, "get", args, true);
    if (name === "existsAfter") return documentCall(ctx, "exists", args, true);
  }
  const result = callGlobal(name, args);
  if (name === "debug" && result) ctx.debugLog.push(args.map((a) => typeName(a)).join(","));
  return result ?? err(`Function not found error: Name: [${name}].`);
}

/** `get`/`exists` (Firestore), `firestore.get`/`firestore.exists` (Storage), with the document budget. */
function documentCall(ctx: EvalContext, name: "get" | "exists", args: readonly Value[], after: boolean): Value {
  const p = args[0];
  if (args.length !== 1 || !p || (p.type !== "path" && p.type !== "string"))
    return err(`Unsupported operation error. Received: ${name}(${args.map(typeName).join(",")}). Expected: ${name}(path).`);
  const parsed = p.type === "path" ? p : parsePathString(p.value);
  if (parsed.type !== "path") return parsed;
  const segments = parsed.value;
  if (segments.length < 5 || segments[0] !== "databases" || segments[2] !== "documents" || (segments.length - 3) % 2 !== 0)
    return err(`Service call error. Function: [${name}], Argument: [/${segments.join("/")}] is not a document path.`);
  if (ctx.service === "firebase.storage" && segments[1] !== "(default)")
    return err(`Service call error. Function: [firestore.${name}] only reaches the default database.`);
  const docPath = `/${segments.join("/")}`;
  if (!ctx.accessed.has(docPath)) {
    if (ctx.accessed.size >= LIMITS.documents[ctx.service]) throw new EvaluationAbort(`Exceeded the limit of ${LIMITS.documents[ctx.service]} document reads.`);
    ctx.accessed.add(docPath);
  }
  // Without a reader nothing is known yet: the caller gets `needsDocuments` and can supply one.
  const found = ctx.reader ? ctx.reader(docPath, { after }) : ({ status: "unknown" } as const);
  if (found.status === "unknown") {
    ctx.unknown.add(docPath);
    return err(`Document ${docPath} is not loaded yet.`);
  }
  if (name === "exists") return bool(found.status === "found");
  if (found.status === "missing") return err(`Service call error. Function: [get], Argument: [${docPath}]: document not found.`);
  return map(
    new Map<string, Value>([
      ["data", map(found.data)],
      ["id", str(segments[segments.length - 1]!)],
      ["__name__", { type: "path", value: segments }],
    ]),
  );
}

export { NULL };
