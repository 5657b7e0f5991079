// compile() and evaluate() never throw: random and adversarial source text (random characters, token soup,
// mutations of valid rulesets, deep nesting, huge literals, long call chains) in-process, no emulator.
import { describe, expect, test } from "vitest";
import { compile, evaluate, type EvaluationRequest } from "../src/index.ts";
import { mulberry32 } from "./conformance/generator.ts";

const SEED = Number(process.env.RULES_FUZZ_SEED ?? 20261130);

const wrap = (condition: string) =>
  `rules_version = '2';\nservice cloud.firestore {\n  match /databases/{database}/documents {\n    match /c/{id} { allow read, write: if ${condition}; }\n  }\n}\n`;

const REQUESTS: EvaluationRequest[] = [
  { service: "cloud.firestore", path: "/databases/(default)/documents/c/x", method: "get", variables: {} },
  {
    service: "cloud.firestore",
    path: "/databases/(default)/documents/c/x",
    method: "create",
    variables: { request: { type: "map", value: new Map([["auth", { type: "null" }]]) }, resource: { type: "null" } },
    documents: () => ({ status: "missing" }),
  },
  { service: "firebase.storage", path: "/b/bucket/o/c/x", method: "get", variables: {}, documents: () => ({ status: "unknown" }) },
];

/** Compiles and, when it loads, evaluates `source`; any exception fails the test with the source. */
function neverThrows(source: string): "loaded" | "rejected" {
  let loaded: "loaded" | "rejected";
  try {
    const r = compile(source);
    if (r.ok) {
      for (const request of REQUESTS) evaluate(r.ruleset, request);
      loaded = "loaded";
    } else {
      expect(r.diagnostics.length).toBeGreaterThan(0);
      loaded = "rejected";
    }
  } catch (e) {
    throw new Error(`threw on ${JSON.stringify(source.slice(0, 300))}${source.length > 300 ? "…" : ""}: ${String(e)}`);
  }
  return loaded;
}

const TOKENS = [
  "(",
  ")",
  "[",
  "]",
  "{",
  "}",
  ".",
  ",",
  ":",
  ";",
  "?",
  "!",
  "-",
  "+",
  "*",
  "/",
  "%",
  "<",
  "<=",
  ">",
  ">=",
  "==",
  "!=",
  "&&",
  "||",
  "=",
  "$(",
  "in",
  "is",
  "let",
  "return",
  "function",
  "f",
  "x",
  "request",
  "resource",
  "math",
  "abs",
  "path",
  "size",
  "true",
  "null",
  "1",
  "0",
  "01",
  "1.5",
  ".5",
  "5.",
  "9223372036854775808",
  "'a'",
  "'\\u00e9'",
  "'\\ud83d'",
  "b'\\xff'",
  "'",
  '"',
  "\\",
  "/a/b",
  "/$(x)",
  "{x}",
  "{x=**}",
  "match",
  "allow",
  "if",
  "service",
  "'😀'",
  "\u0000",
  "\ud800",
  "/*",
  "*/",
  "//",
  "\n",
  " ",
];

const VALID = [
  wrap("request.auth != null && request.auth.uid == id"),
  wrap("resource.data.tags.hasAny(['a']) || get(/databases/$(database)/documents/c/$(id)).data.x == 1"),
  `rules_version = '2';\nfunction f(x, y) { let a = x + 1; return a > y; }\nservice cloud.firestore { match /databases/{db}/documents { match /{p=**} { allow get: if f(1, 0) && path('a/b')[1] == 'b' && 'x'.matches('x') && [1, 2].toSet().size() == 2; } } }\n`,
  `service firebase.storage { match /b/{bucket}/o { match /{all=**} { allow read: if request.resource.size < 5 * 1024 * 1024 && firestore.exists(/databases/(default)/documents/u/$(request.auth.uid)); } } }\n`,
];

describe("compile() and evaluate() never throw", () => {
  test("adversarial inputs: deep nesting, huge literals, long chains", () => {
    const n = 20000;
    const inputs = [
      "",
      "\u0000",
      "service",
      "rules_version",
      "service cloud.firestore {",
      "/*",
      "'",
      "b'",
      "r'",
      wrap("(".repeat(n)),
      wrap(`${"(".repeat(n)}true${")".repeat(n)}`),
      wrap(`${"[".repeat(n)}1${"]".repeat(n)} != null`),
      wrap(`${"!".repeat(n)}true`),
      wrap(`${"-(".repeat(n)}1${")".repeat(n)} == 1`),
      wrap(Array.from({ length: n }, () => "true").join(" && ")),
      wrap(`${Array.from({ length: n }, () => "1").join(" + ")} > 0`),
      wrap(`${"true ? ".repeat(n)}true${" : false".repeat(n)}`),
      wrap(`request${".a".repeat(n)} == 1`),
      wrap(`'x'${".lower()".repeat(n)} == 'x'`),
      wrap(`[1]${"[0]".repeat(n)} == 1`),
      wrap(`/a${"/$(".repeat(2000)}'x'${")".repeat(2000)} != null`),
      wrap(`${"{'a': ".repeat(n)}1${"}".repeat(n)} != null`),
      wrap(`f(${"f(".repeat(n)}1${")".repeat(n)})`),
      wrap(`${"9".repeat(100000)} > 0`),
      wrap(`0.${"0".repeat(100000)}1 > 0`),
      wrap(`'${"a".repeat(1_000_000)}'.size() > 0`),
      wrap(`'${"\\u00e9".repeat(100000)}'.size() > 0`),
      wrap(`b'${"\\xff".repeat(100000)}'.size() > 0`),
      wrap(`'${"a".repeat(10000)}'.matches('${"(a*)*".repeat(200)}b')`),
      wrap(`'a'.matches('${"(".repeat(5000)}')`),
      wrap(`[${Array.from({ length: 50000 }, (_, i) => i).join(", ")}].toSet().size() > 0`),
      wrap(`string(${"1".repeat(30)}) == ''`),
      wrap("9223372036854775807 + 1 > 0"),
      wrap("-9223372036854775808 / -1 > 0"),
      wrap("-9223372036854775808 % -1 == 0"),
      wrap("math.pow(10.0, 400.0) > 0 && int(math.pow(10.0, 400.0)) > 0"),
      wrap("duration.value(9223372036854775807, 'w') != null"),
      wrap("timestamp.value(9223372036854775807) != null && timestamp.date(-9223372036854775808, 1, 1) != null"),
      wrap("'x'.replace('', '$9999999999999999999999') != ''"),
      wrap("'x'.split('').size() > 0 && ''.split('').size() >= 0"),
      wrap(`path('${"a/".repeat(100000)}b')[0] == 'a'`),
      wrap(`path('${"%".repeat(1000)}') != null`),
      `rules_version = '2';\n${Array.from({ length: 30000 }, (_, i) => `function f${i}() { return f${i + 1}(); }`).join("\n")}\nfunction f30000() { return true; }\nservice cloud.firestore { match /databases/{d}/documents { match /c/{id} { allow get: if f0(); } } }\n`,
      `rules_version = '2';\nservice cloud.firestore { match /databases/{d}/documents {${"match /a/{x} {".repeat(5000)}${"}".repeat(5000)} } }\n`,
      `service cloud.firestore { match ${"/{x}".repeat(20000)} { allow get; } }\n`,
      `rules_version = '2';\nfunction f(${Array.from({ length: 5000 }, (_, i) => `p${i}`).join(", ")}) { ${Array.from({ length: 5000 }, (_, i) => `let l${i} = ${i};`).join(" ")} return true; }\nservice cloud.firestore { match /databases/{d}/documents { match /c/{id} { allow get: if f(1); } } }\n`,
    ];
    const outcomes = inputs.map(neverThrows);
    // A request path far longer than any real one, against wildcards as deep.
    const deep = compile(
      `rules_version = '2';\nservice firebase.storage { match /b/{bucket}/o { match ${"/{x}".repeat(30000)} { allow get; } match /{p=**} { allow get: if p[0] == 'q'; } } }\n`,
    );
    expect(() => {
      if (deep.ok) evaluate(deep.ruleset, { service: "firebase.storage", path: `/b/x/o${"/s".repeat(60000)}`, method: "get", variables: {} });
    }).not.toThrow();
    // The deepest expressions are refused like Google's engine refuses them, not evaluated.
    expect(outcomes.slice(10, 16)).toEqual(["rejected", "rejected", "rejected", "rejected", "rejected", "rejected"]);
  });

  test(`random characters, token soup and mutations of valid rulesets (seed ${SEED})`, () => {
    const rand = mulberry32(SEED);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
    const randomChar = () => {
      const r = rand();
      if (r < 0.6) return String.fromCharCode(32 + Math.floor(rand() * 95));
      if (r < 0.8) return String.fromCharCode(Math.floor(rand() * 32));
      return String.fromCharCode(Math.floor(rand() * 0x10000));
    };
    let loaded = 0;
    for (let i = 0; i < 300; i++) {
      const chars = Array.from({ length: Math.floor(rand() * 80) }, randomChar).join("");
      neverThrows(chars);
      neverThrows(wrap(chars));
      const soup = Array.from({ length: 1 + Math.floor(rand() * 30) }, () => pick(TOKENS)).join(pick(["", " "]));
      if (neverThrows(wrap(soup)) === "loaded") loaded++;
      let mutated = pick(VALID);
      for (let k = 0; k < 1 + Math.floor(rand() * 4); k++) {
        const at = Math.floor(rand() * mutated.length);
        const r = rand();
        if (r < 0.4) mutated = mutated.slice(0, at) + mutated.slice(at + 1 + Math.floor(rand() * 5));
        else if (r < 0.8) mutated = mutated.slice(0, at) + pick(TOKENS) + mutated.slice(at);
        else mutated = mutated.slice(0, at) + mutated.slice(at).repeat(2);
      }
      if (neverThrows(mutated) === "loaded") loaded++;
    }
    // The soup and the mutations reach evaluation, not only the parser.
    expect(loaded).toBeGreaterThan(25);
  });
});
