// The public contract of the rules engine. The engine is pure: no I/O, no exceptions for rule errors
// (errors are values), documents come through an injected reader. The Storage runtime adapter and the
// conformance tests use only what this file exports (re-exported from index.ts).

/** Runtime values of the rules language. Ints are 64-bit (bigint); floats are IEEE doubles. */
export type Value =
  | { type: "null" }
  | { type: "bool"; value: boolean }
  | { type: "int"; value: bigint }
  | { type: "float"; value: number }
  | { type: "string"; value: string }
  | { type: "bytes"; value: Uint8Array }
  | { type: "list"; value: readonly Value[] }
  | { type: "map"; value: ReadonlyMap<string, Value> }
  | { type: "set"; value: readonly Value[] }
  /** Path segments, e.g. /databases/(default)/documents/deals/d1 → ["databases","(default)","documents","deals","d1"]. */
  | { type: "path"; value: readonly string[] }
  | { type: "timestamp"; seconds: bigint; nanos: number }
  | { type: "duration"; seconds: bigint; nanos: number }
  | { type: "latlng"; lat: number; lng: number }
  | { type: "mapdiff"; left: ReadonlyMap<string, Value>; right: ReadonlyMap<string, Value> }
  /** An evaluation error, propagated as a value (e.g. "Property x is undefined on object."). */
  | { type: "error"; message: string };

export interface SourcePosition {
  line: number;
  column: number;
}

export interface Diagnostic extends SourcePosition {
  message: string;
  severity: "error" | "warning";
}

export type Service = "cloud.firestore" | "firebase.storage";
export type Method = "get" | "list" | "create" | "update" | "delete";

/**
 * What a document lookup (`get`, `exists`, `getAfter`, `existsAfter`, `firestore.get`, `firestore.exists`)
 * found. "unknown" means the reader does not have the document yet: evaluation then stops with
 * `needsDocuments` so an asynchronous caller can fetch them and evaluate again (evaluation is deterministic).
 */
export type DocumentLookup = { status: "found"; data: ReadonlyMap<string, Value> } | { status: "missing" } | { status: "unknown" };

/** Reads a document by its full path, e.g. "/databases/(default)/documents/deals/d1". */
export type DocumentReader = (path: string, options: { after: boolean }) => DocumentLookup;

export interface EvaluationRequest {
  service: Service;
  /** Storage: "/b/{bucket}/o/{object path}"; Firestore: "/databases/{db}/documents/{doc path}". */
  path: string;
  method: Method;
  /** Top-level variables, normally `request` and `resource`, already converted to Values. */
  variables: Readonly<Record<string, Value>>;
  documents?: DocumentReader;
}

export type EvaluationResult = { kind: "decided"; allowed: boolean; diagnostics: Diagnostic[] } | { kind: "needsDocuments"; paths: string[] };

/** A compiled ruleset. Opaque to callers apart from what is listed here. */
export interface Ruleset {
  readonly service: Service;
  readonly rulesVersion: "1" | "2";
}

export type CompileResult = { ok: true; ruleset: Ruleset; diagnostics: Diagnostic[] } | { ok: false; diagnostics: Diagnostic[] };

/**
 * Implemented in the engine and exported from index.ts:
 *   compile(source: string): CompileResult            — syntax/static errors carry line:col
 *   evaluate(ruleset: Ruleset, request: EvaluationRequest): EvaluationResult
 */
export type Compile = (source: string) => CompileResult;
export type Evaluate = (ruleset: Ruleset, request: EvaluationRequest) => EvaluationResult;
