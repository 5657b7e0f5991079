// What both engines are given for a conformance case, built the same way for ours and for Google's:
// one ruleset holding every case as `match /k<i>/{docId} { allow get: if <expr>; }`, helper functions
// shared by all cases, fixture documents, and the probe client's identity.
import { compile, evaluate, type DocumentLookup, type Ruleset, type Value } from "../../src/index.ts";
import { PROBE_CLAIMS, PROBE_UID } from "./google-engine.ts";

export type Expected = boolean | "compile-error";

export interface ExpressionCase {
  expr: string;
  expect: Expected;
  /** Fields of the document the case reads (its `resource.data`); no document (resource == null) when absent. */
  data?: Record<string, unknown>;
}

/** Length of the helper call chain chain1 → chain2 → … (Google refuses to load chains longer than 21). */
const CHAIN = 21;

/** Functions available to every case (functions, lets, scoping, call depth). */
export const HELPER_FUNCTIONS = `
    function sq(n) { return n * n; }
    function withLets(n) { let a = n + 1; let b = a * 2; return b; }
    function isAlice() { return request.auth.uid == 'alice'; }
    function dbName() { return database; }
    function lookup(id) { return get(/databases/$(database)/documents/lookup/$(id)); }
    function unusedErroringLet() { let bad = 1 / 0; return true; }
    function usedErroringLet() { let bad = 1 / 0; return bad == 1; }
    function shadow() { return 'service-level'; }
    function pathOf(id) { return /databases/$(database)/documents/lookup/$(id); }
${Array.from({ length: CHAIN }, (_, i) => `    function chain${i + 1}() { return ${i + 1 === CHAIN ? "true" : `chain${i + 2}()`}; }`).join("\n")}
`;

/** Documents that cases read with get()/exists(). */
export const LOOKUP_DOCS: Record<string, Record<string, unknown>> = {
  "lookup/a": { x: 1, s: "str", f: 1.5, nested: { k: true, list: [1, 2, 3] }, n: null, owner: "alice" },
  "lookup/b": { x: 2, roles: { alice: "editor" } },
  "lookup/c": { x: 3 },
  "lookup/d": { x: 4 },
};

export const casePath = (i: number) => `k${i}/d`;

export function expressionRuleset(cases: readonly { expr: string }[], rulesVersion = "2"): string {
  const blocks = cases.map((c, i) => `    match /k${i}/{docId} { allow get: if ${c.expr}; }`).join("\n");
  return `rules_version = '${rulesVersion}';
function shadow() { return 'top-level'; }
service cloud.firestore {
  match /databases/{database}/documents {${HELPER_FUNCTIONS}
${blocks}
  }
}
`;
}

// ---- our engine's side ----
export function toValue(x: unknown): Value {
  if (x === null || x === undefined) return { type: "null" };
  if (typeof x === "boolean") return { type: "bool", value: x };
  if (typeof x === "number") return Number.isInteger(x) ? { type: "int", value: BigInt(x) } : { type: "float", value: x };
  if (typeof x === "bigint") return { type: "int", value: x };
  if (typeof x === "string") return { type: "string", value: x };
  if (Array.isArray(x)) return { type: "list", value: x.map(toValue) };
  if (typeof x === "object") return { type: "map", value: new Map(Object.entries(x).map(([k, v]) => [k, toValue(v)])) };
  throw new Error(`cannot convert ${typeof x}`);
}

const docPath = (p: string) => `/databases/(default)/documents/${p}`;

export function probeToken(projectId: string): Value {
  return toValue({
    iss: `https://securetoken.google.com/${projectId}`,
    aud: projectId,
    iat: 0,
    exp: 3600,
    auth_time: 0,
    sub: PROBE_UID,
    user_id: PROBE_UID,
    firebase: { sign_in_provider: "custom", identities: {} },
    ...PROBE_CLAIMS,
  });
}

/** `request` as the probe client sends it: auth, method, path and time, plus `extra` entries. */
function probeRequest(method: string, segments: string[], projectId: string, extra: Array<[string, Value]> = []): Value {
  const now = Date.now();
  return {
    type: "map",
    value: new Map<string, Value>([
      [
        "auth",
        {
          type: "map",
          value: new Map([
            ["uid", toValue(PROBE_UID)],
            ["token", probeToken(projectId)],
          ]),
        },
      ],
      ["method", toValue(method)],
      ["path", { type: "path", value: segments }],
      ["time", { type: "timestamp", seconds: BigInt(Math.floor(now / 1000)), nanos: (now % 1000) * 1e6 }],
      ...extra,
    ]),
  };
}

/** A stored document as `resource` / `request.resource` see it. */
function resourceValue(data: Record<string, unknown>, segments: string[]): Value {
  return {
    type: "map",
    value: new Map<string, Value>([
      ["data", toValue(data)],
      ["id", toValue(segments[segments.length - 1]!)],
      ["__name__", { type: "path", value: segments }],
    ]),
  };
}

/** Evaluates a `get` of `path` (relative, e.g. "k3/d") with our engine, as the probe client. */
export function ourAllowsGet(ruleset: Ruleset, path: string, docs: Record<string, Record<string, unknown>>, projectId: string): boolean {
  const full = docPath(path);
  const segments = full.split("/").filter(Boolean);
  const stored = docs[path];
  const variables: Record<string, Value> = {
    request: probeRequest("get", segments, projectId),
    resource: stored ? resourceValue(stored, segments) : { type: "null" },
  };
  const reader = (p: string): DocumentLookup => {
    const rel = p.replace(/^\/databases\/\(default\)\/documents\//, "");
    const d = docs[rel];
    return d ? { status: "found", data: (toValue(d) as { value: ReadonlyMap<string, Value> }).value } : { status: "missing" };
  };
  const result = evaluate(ruleset, { service: "cloud.firestore", path: full, method: "get", variables, documents: reader });
  if (result.kind !== "decided") throw new Error(`needsDocuments from a complete reader: ${result.paths.join(", ")}`);
  return result.allowed;
}

export function ourCompile(source: string): { ruleset: Ruleset | null; error: string | null } {
  const r = compile(source);
  if (r.ok) return { ruleset: r.ruleset, error: null };
  return { ruleset: null, error: r.diagnostics.map((d) => `L${d.line}:${d.column} ${d.message}`).join("; ") };
}

/** Evaluates a `create` of `path` with `data` (a document that does not exist yet) with our engine. */
export function ourAllowsCreate(ruleset: Ruleset, path: string, data: Record<string, unknown>, projectId: string): boolean {
  const full = docPath(path);
  const segments = full.split("/").filter(Boolean);
  const variables: Record<string, Value> = {
    request: probeRequest("create", segments, projectId, [["resource", resourceValue(data, segments)]]),
    resource: { type: "null" },
  };
  const result = evaluate(ruleset, { service: "cloud.firestore", path: full, method: "create", variables, documents: () => ({ status: "missing" }) });
  if (result.kind !== "decided") throw new Error("needsDocuments from a complete reader");
  return result.allowed;
}
