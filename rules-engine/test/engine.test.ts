// Our engine alone (no emulator): the public compile/evaluate contract, both services, document lookups
// through the reader (needsDocuments, budgets), limits, diagnostics with line:col.
import { readFileSync } from "node:fs";
import { describe, expect, test } from "vitest";
import { compile, evaluate, evaluateExpression, type DocumentLookup, type EvaluationRequest, type Ruleset, type Value } from "../src/index.ts";

const s = (value: string): Value => ({ type: "string", value });
const i = (value: number): Value => ({ type: "int", value: BigInt(value) });
const m = (entries: Record<string, Value>): Value => ({ type: "map", value: new Map(Object.entries(entries)) });
const NULL: Value = { type: "null" };

function compiled(source: string): Ruleset {
  const r = compile(source);
  if (!r.ok) throw new Error(r.diagnostics.map((d) => `L${d.line}:${d.column} ${d.message}`).join("\n"));
  return r.ruleset;
}

function value(expr: string): Value {
  const r = evaluateExpression(expr);
  if (!r.ok) throw new Error(r.diagnostics[0]!.message);
  return r.value;
}

const storageRequest = (overrides: Partial<EvaluationRequest> & { auth?: Value; resource?: Value; incoming?: Value }): EvaluationRequest => ({
  service: "firebase.storage",
  path: overrides.path ?? "/b/bucket/o/deals/d1/attachments/alice/m1/photo.png",
  method: overrides.method ?? "get",
  variables: {
    request: m({
      auth: overrides.auth ?? m({ uid: s("alice"), token: m({}) }),
      resource: overrides.incoming ?? NULL,
      time: { type: "timestamp", seconds: 1_700_000_000n, nanos: 0 },
    }),
    resource: overrides.resource ?? NULL,
  },
  ...(overrides.documents ? { documents: overrides.documents } : {}),
});

describe("compile", () => {
  test("syntax errors carry line:col", () => {
    const r = compile("rules_version = '2';\nservice firebase.storage {\n  match /b/{bucket}/o {\n    allow read: if request.auth != ;\n  }\n}");
    expect(r.ok).toBe(false);
    expect(r.diagnostics[0]).toMatchObject({ line: 4, column: 36, severity: "error" });
  });

  test("static errors carry line:col: let in v1, two ** in one match, recursion, invalid constant regex", () => {
    const cases: [string, number][] = [
      ["service cloud.firestore {\n  function f() { let a = 1; return a; }\n}", 2],
      ["rules_version = '2';\nservice cloud.firestore {\n  match /{a=**}/x/{b=**} { allow read; }\n}", 3],
      ["rules_version = '2';\nservice cloud.firestore {\n\n  function f(n) { return f(n); }\n}", 4],
      ["rules_version = '2';\nservice cloud.firestore {\n  match /x/{y} {\n    allow read: if y.matches('*.png');\n  }\n}", 4],
    ];
    for (const [source, line] of cases) {
      const r = compile(source);
      expect(r.ok, source).toBe(false);
      expect(r.diagnostics[0]!.line, source).toBe(line);
    }
  });

  test("the repo's storage.rules compiles as a v2 firebase.storage ruleset", () => {
    const r = compile(readFileSync(new URL("../../storage.rules", import.meta.url), "utf8"));
    expect(r.ok && r.ruleset).toMatchObject({ service: "firebase.storage", rulesVersion: "2" });
  });

  test("rules_version absent means v1; unknown allow methods are warnings", () => {
    const r = compile("service firebase.storage { match /b/{bucket}/o { allow fetch: if true; } }");
    expect(r.ok && r.ruleset.rulesVersion).toBe("1");
    expect(r.diagnostics.some((d) => d.severity === "warning" && d.message.includes("fetch"))).toBe(true);
  });
});

describe("storage evaluation", () => {
  const rules = compiled(`rules_version = '2';
service firebase.storage {
  match /b/{bucket}/o {
    function participant(dealId) {
      return request.auth.uid in firestore.get(/databases/(default)/documents/deals/$(dealId)).data.participants;
    }
    match /deals/{dealId}/attachments/{senderId}/{messageId}/{fileName} {
      allow get: if participant(dealId);
      allow create: if request.auth.uid == senderId && resource == null
        && request.resource.size < 1024 && request.resource.contentType.matches('image/.*');
    }
    match /three/{a} {
      allow get: if exists3(a);
      function exists3(a) {
        return firestore.exists(/databases/(default)/documents/x/$(a)) && firestore.exists(/databases/(default)/documents/y/$(a))
          && firestore.exists(/databases/(default)/documents/z/$(a));
      }
    }
    match /same/{a} {
      allow get: if firestore.exists(/databases/(default)/documents/x/$(a)) && firestore.get(/databases/(default)/documents/x/$(a)).data.ok
        && firestore.exists(/databases/(default)/documents/x/$(a)) && firestore.exists(/databases/(default)/documents/y/$(a));
    }
    match /named/{a} { allow get: if firestore.exists(/databases/other/documents/x/$(a)); }
  }
}`);
  const deal = (participants: string[]): DocumentLookup => ({
    status: "found",
    data: new Map([["participants", { type: "list", value: participants.map(s) }]]),
  });

  test("asks for the documents it needs, then decides with them", () => {
    const first = evaluate(rules, storageRequest({}));
    expect(first).toEqual({ kind: "needsDocuments", paths: ["/databases/(default)/documents/deals/d1"] });
    const reads: string[] = [];
    const allowed = evaluate(
      rules,
      storageRequest({
        documents: (p) => {
          reads.push(p);
          return deal(["alice", "bob"]);
        },
      }),
    );
    expect(allowed).toMatchObject({ kind: "decided", allowed: true });
    expect(reads).toEqual(["/databases/(default)/documents/deals/d1"]);
    expect(evaluate(rules, storageRequest({ documents: () => deal(["bob", "carol"]) }))).toMatchObject({ kind: "decided", allowed: false });
    expect(evaluate(rules, storageRequest({ documents: () => ({ status: "missing" }) }))).toMatchObject({ kind: "decided", allowed: false });
  });

  test("create: sender, no overwrite, size and content type; no document read on the way", () => {
    const incoming = (size: number, contentType: string) => m({ size: i(size), contentType: s(contentType), name: s("x") });
    const noReads = () => {
      throw new Error("no document read expected");
    };
    const create = (over: Parameters<typeof storageRequest>[0]) => evaluate(rules, storageRequest({ method: "create", documents: noReads, ...over }));
    expect(create({ incoming: incoming(10, "image/png") })).toMatchObject({ allowed: true });
    expect(create({ incoming: incoming(10, "application/zip") })).toMatchObject({ allowed: false });
    expect(create({ incoming: incoming(4096, "image/png") })).toMatchObject({ allowed: false });
    expect(create({ incoming: incoming(10, "image/png"), resource: m({ size: i(1) }) })).toMatchObject({ allowed: false });
    expect(create({ incoming: incoming(10, "image/png"), auth: m({ uid: s("mallory") }) })).toMatchObject({ allowed: false });
  });

  test("at most two distinct Firestore documents per request; repeated reads of one path are free", () => {
    const found: DocumentLookup = { status: "found", data: new Map([["ok", { type: "bool", value: true }]]) };
    const three = evaluate(rules, storageRequest({ path: "/b/bucket/o/three/a", documents: () => found }));
    expect(three).toMatchObject({ kind: "decided", allowed: false });
    expect(three.kind === "decided" && three.diagnostics.some((d) => d.message.includes("limit of 2"))).toBe(true);
    expect(evaluate(rules, storageRequest({ path: "/b/bucket/o/same/a", documents: () => found }))).toMatchObject({ allowed: true });
  });

  test("only the default database is reachable from Storage", () => {
    expect(evaluate(rules, storageRequest({ path: "/b/bucket/o/named/a", documents: () => ({ status: "found", data: new Map() }) }))).toMatchObject({
      allowed: false,
    });
  });

  test("a ruleset for the other service grants nothing", () => {
    expect(evaluate(rules, { ...storageRequest({}), service: "cloud.firestore" })).toMatchObject({ kind: "decided", allowed: false });
  });

  test("denials explain themselves with the allow's line", () => {
    const r = evaluate(rules, storageRequest({ documents: () => ({ status: "missing" }) }));
    expect(r.kind === "decided" && r.diagnostics[0]).toMatchObject({ line: 8 });
  });
});

describe("storage v1 vs v2 recursive wildcards", () => {
  const rules = (version: string) =>
    compiled(`${version}service firebase.storage { match /b/{bucket}/o { match /images/{rest=**} { allow read: if rest is path; } } }`);
  const get = (r: Ruleset, path: string) => evaluate(r, storageRequest({ path }));
  test("v1: one or more segments", () => {
    expect(get(rules(""), "/b/x/o/images/a.png")).toMatchObject({ allowed: true });
    expect(get(rules(""), "/b/x/o/images/a/b.png")).toMatchObject({ allowed: true });
    expect(get(rules(""), "/b/x/o/images")).toMatchObject({ allowed: false });
  });
  test("v2: zero or more segments", () => {
    expect(get(rules("rules_version = '2';\n"), "/b/x/o/images")).toMatchObject({ allowed: true });
  });
});

describe("limits", () => {
  test("more than 1000 evaluated expressions denies the request, even behind ||", () => {
    // Expressions nest at most 99 levels deep, so the work is spread over calls of a function.
    const body = Array.from({ length: 40 }, (_, k) => `${k} == ${k}`).join(" && ");
    const calls = Array.from({ length: 10 }, (_, k) => `f(${k})`).join(" && ");
    const r = compiled(
      `rules_version = '2';\nservice firebase.storage { function f(x) { return ${body}; } match /b/{bucket}/o/{f} { allow get: if (${calls}) || true; } }`,
    );
    const result = evaluate(r, storageRequest({ path: "/b/x/o/f" }));
    expect(result).toMatchObject({ kind: "decided", allowed: false });
  });

  test("Firestore: ten distinct documents per request", () => {
    const gets = (n: number) => Array.from({ length: n }, (_, k) => `exists(/databases/$(database)/documents/c/d${k})`).join(" && ");
    const r = (n: number) =>
      compiled(`rules_version = '2';\nservice cloud.firestore { match /databases/{database}/documents { match /t/{id} { allow get: if ${gets(n)}; } } }`);
    const request = (rs: Ruleset) =>
      evaluate(rs, {
        service: "cloud.firestore",
        path: "/databases/(default)/documents/t/1",
        method: "get",
        variables: {},
        documents: () => ({ status: "found", data: new Map() }),
      });
    expect(request(r(10))).toMatchObject({ allowed: true });
    expect(request(r(11))).toMatchObject({ allowed: false });
  });
});

describe("values", () => {
  test("64-bit ints: overflow is an error, not wrap-around", () => {
    expect(value("9223372036854775807 + 1")).toMatchObject({ type: "error" });
    expect(value("-9223372036854775808")).toEqual({ type: "int", value: -9223372036854775808n });
    expect(value("9223372036854775807 * 1")).toEqual({ type: "int", value: 9223372036854775807n });
  });

  test("timestamps keep nanoseconds", () => {
    expect(value("timestamp.value(1500) + duration.value(1, 'ns')")).toEqual({ type: "timestamp", seconds: 1n, nanos: 500_000_001 });
    expect(value("(timestamp.value(1500) + duration.value(1, 'ns')).nanos()")).toEqual({ type: "int", value: 500_000_001n });
  });

  test("matches() is RE2: no backtracking blow-up on a pathological pattern", () => {
    const started = performance.now();
    expect(value(`'${"a".repeat(40)}!'.matches('(a+)+$')`)).toEqual({ type: "bool", value: false });
    expect(performance.now() - started).toBeLessThan(1000);
  });

  test("errors propagate through calls and are absorbed only by a deciding && / || operand", () => {
    expect(value("[1].hasAll([1 / 0])")).toMatchObject({ type: "error", message: "Divide by zero error." });
    expect(value("(1 / 0 == 1) || true")).toEqual({ type: "bool", value: true });
    expect(value("(1 / 0 == 1) && false")).toEqual({ type: "bool", value: false });
    expect(value("(1 / 0 == 1) ? true : true")).toMatchObject({ type: "error" });
  });

  test("map diff, sets and path values", () => {
    expect(value("{'a': 1, 'b': 2}.diff({'a': 1, 'c': 3}).affectedKeys()")).toEqual({ type: "set", value: [s("b"), s("c")] });
    expect(value("/databases/$('(default)')/documents/a/$(1)")).toEqual({ type: "path", value: ["databases", "(default)", "documents", "a", "1"] });
  });
});
