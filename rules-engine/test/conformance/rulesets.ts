// Conformance cases that need a ruleset of their own: match semantics (v1/v2 wildcards, overlapping and
// nested matches, methods, function scopes) and what must fail to load.
import type { ExpressionCase } from "./harness.ts";

export interface RulesetCase {
  name: string;
  rules: string;
  /** Document paths (relative to the default database) and whether a signed-in `get` is allowed. */
  probes: [path: string, allowed: boolean][];
}

const fs = (body: string, version: string | null = "2") =>
  `${version ? `rules_version = '${version}';\n` : ""}service cloud.firestore {\n  match /databases/{database}/documents {\n${body}\n  }\n}\n`;

export const rulesetCases: RulesetCase[] = [
  {
    name: "v1 recursive wildcard matches one or more segments",
    rules: fs("match /cities/{document=**} { allow get: if document[0] == 'SF'; }", null),
    probes: [
      ["cities/SF", true],
      ["cities/SF/landmarks/x", true],
      ["cities/LA", false],
      ["towns/SF", false],
    ],
  },
  {
    name: "v1: {city}/{document=**} does not match the city itself",
    rules: fs("match /cities/{city}/{document=**} { allow get: if true; }", null),
    probes: [
      ["cities/SF", false],
      ["cities/SF/landmarks/x", true],
    ],
  },
  {
    name: "v2: {city}/{document=**} matches the city itself",
    rules: fs("match /cities/{city}/{document=**} { allow get: if true; }"),
    probes: [
      ["cities/SF", true],
      ["cities/SF/landmarks/x", true],
      ["towns/SF", false],
    ],
  },
  {
    name: "v2: recursive wildcard in the middle (collection group)",
    rules: fs("match /{path=**}/posts/{post} { allow get: if post == 'p1'; }"),
    probes: [
      ["posts/p1", true],
      ["users/u/posts/p1", true],
      ["users/u/posts/p2", false],
      ["users/u", false],
    ],
  },
  {
    name: "v2: recursive binding is a path",
    rules: fs("match /r/{rest=**} { allow get: if rest is path && rest[0] == 'a' && rest == path('a/b/c'); }"),
    probes: [
      ["r/a/b/c", true],
      ["r/a", false],
      ["r/a/b/c/d/e", false],
    ],
  },
  {
    name: "rules do not cascade to subcollections",
    rules: fs("match /cities/{city} { allow get: if true; }"),
    probes: [
      ["cities/SF", true],
      ["cities/SF/landmarks/x", false],
    ],
  },
  {
    name: "nested match sees the parent's wildcard and not the parent's allows",
    rules: fs("match /cities/{city} { allow get: if false; match /landmarks/{l} { allow get: if city == 'SF' && l != 'no'; } }"),
    probes: [
      ["cities/SF", false],
      ["cities/SF/landmarks/x", true],
      ["cities/LA/landmarks/x", false],
      ["cities/SF/landmarks/no", false],
    ],
  },
  {
    name: "v2 nested recursive wildcard matches zero segments (the parent document)",
    rules: fs("match /p/{id} { match /{rest=**} { allow get: if id == 'x'; } }"),
    probes: [
      ["p/x", true],
      ["p/x/c/d", true],
      ["p/y", false],
    ],
  },
  {
    name: "overlapping matches: an error or false in one does not stop another",
    rules: fs("match /o/{id} { allow get: if 1 / 0 == 1; } match /o/{other} { allow get: if other == 'yes'; } match /{c}/{d} { allow get: if false; }"),
    probes: [
      ["o/yes", true],
      ["o/no", false],
    ],
  },
  {
    name: "method coverage: read, get, list, write",
    rules: fs(
      "match /r/{id} { allow read: if id == 'r'; } match /g/{id} { allow get; } match /l/{id} { allow list: if true; } match /w/{id} { allow write: if true; } match /u/{id} { allow update, delete, create: if true; }",
    ),
    probes: [
      ["r/r", true],
      ["r/x", false],
      ["g/a", true],
      ["l/a", false],
      ["w/a", false],
      ["u/a", false],
    ],
  },
  {
    name: "unknown method names load and grant nothing",
    rules: fs("match /m/{id} { allow fetch: if true; } match /n/{id} { allow fetch, get: if true; }"),
    probes: [
      ["m/a", false],
      ["n/a", true],
    ],
  },
  {
    name: "semicolons after allow are optional",
    rules: fs("match /s/{id} { allow list: if false allow get: if id == 'ok' }"),
    probes: [
      ["s/ok", true],
      ["s/no", false],
    ],
  },
  {
    name: "function scopes: inner shadows outer, call before declaration, wildcard of declaring scope",
    rules: `rules_version = '2';
function who() { return 'top'; }
service cloud.firestore {
  function who() { return 'service'; }
  match /databases/{database}/documents {
    match /f/{id} {
      allow get: if who() == 'inner' && later() && own() == id;
      function who() { return 'inner'; }
      function own() { return id; }
    }
    match /g/{id} { allow get: if who() == 'service'; }
    function later() { return true; }
  }
}
`,
    probes: [
      ["f/a", true],
      ["g/a", true],
    ],
  },
  {
    name: "top-level function visible without service-level shadowing",
    rules: `rules_version = '2';
function top(x) { return x == 'yes'; }
service cloud.firestore { match /databases/{database}/documents { match /t/{id} { allow get: if top(id); } } }
`,
    probes: [
      ["t/yes", true],
      ["t/no", false],
    ],
  },
  {
    name: "literal segments with dots and dashes",
    rules: fs("match /files/a-b.c_d { allow get: if true; } match /files/{name} { allow get: if name.matches('x.*'); }"),
    probes: [
      ["files/a-b.c_d", true],
      ["files/xyz", true],
      ["files/abc", false],
    ],
  },
  {
    name: "v1 expressions without rules_version",
    rules: fs("match /v/{id} { allow get: if id.size() == 1 && [1, 2].hasAny([2]) && math.abs(-1) == 1; }", null),
    probes: [
      ["v/a", true],
      ["v/ab", false],
    ],
  },
  {
    name: "unknown service name loads and grants nothing",
    rules: "rules_version = '2';\nservice cloud.nothing { match /databases/{database}/documents { match /{d=**} { allow get; } } }\n",
    probes: [["x/y", false]],
  },
];

/** Expressions or rulesets that must fail to load, in both engines. */
export const compileErrorCases: { name: string; rules: string }[] = [
  { name: "invalid constant regex", rules: fs("match /c/{id} { allow get: if id.matches('*.png'); }") },
  { name: "let in v1", rules: fs("function f() { let a = 1; return a; } match /c/{id} { allow get: if f() == 1; }", null) },
  { name: "two recursive wildcards", rules: fs("match /{a=**}/x/{b=**} { allow get: if true; }") },
  { name: "recursive wildcard not last in v1", rules: fs("match /{a=**}/x { allow get: if true; }", null) },
  { name: "allow without if", rules: fs("match /c/{id} { allow get: true; }") },
  { name: "division without spaces reads as a path", rules: fs("match /c/{id} { allow get: if 4/2 == 2; }") },
  { name: "division with a space only before the slash", rules: fs("match /c/{id} { allow get: if 4 /2 == 2; }") },
  { name: "regex with unbalanced parenthesis", rules: fs("match /c/{id} { allow get: if 'x'.matches('('); }") },
  { name: "regex lookahead (not RE2)", rules: fs("match /c/{id} { allow get: if 'x'.matches('(?=x)x'); }") },
  { name: "regex backreference (not RE2)", rules: fs("match /c/{id} { allow get: if 'aa'.matches('(a)\\\\1'); }") },
  {
    name: "static call chain deeper than 21 functions",
    rules: fs(
      Array.from({ length: 22 }, (_, i) => `function c${i + 1}() { return ${i === 21 ? "true" : `c${i + 2}()`}; }`).join("\n") +
        " match /c/{id} { allow get: if c1(); }",
    ),
  },
  { name: "method call on an int literal", rules: fs("match /c/{id} { allow get: if 2.size() == 1; }") },
  { name: "float exponent form", rules: fs("match /c/{id} { allow get: if 1e3 == 1000.0; }") },
  { name: "unknown string escape", rules: fs("match /c/{id} { allow get: if 'a\\d' == 'a'; }") },
  { name: "function without return", rules: fs("function f() { } match /c/{id} { allow get: if f(); }") },
  { name: "partial-segment wildcard", rules: fs("match /c/{id}.png { allow get: if true; }") },
  { name: "unterminated string", rules: fs("match /c/{id} { allow get: if 'abc == 'x'; }") },
  {
    name: "missing closing brace",
    rules: "rules_version = '2';\nservice cloud.firestore { match /databases/{database}/documents { match /c/{id} { allow get: if true; }\n",
  },
  { name: "let without semicolon", rules: fs("function f() { let a = 1 return a; } match /c/{id} { allow get: if f() == 1; }") },
  { name: "unknown type after is", rules: fs("match /c/{id} { allow get: if id is text; }") },
  { name: "directly recursive function", rules: fs("function f(n) { return n <= 0 ? true : f(n - 1); } match /c/{id} { allow get: if f(3); }") },
  { name: "mutually recursive functions", rules: fs("function f(n) { return g(n); } function g(n) { return f(n); } match /c/{id} { allow get: if f(3); }") },
  {
    name: "rules_version after a declaration",
    rules:
      "function f() { return true; }\nrules_version = '2';\nservice cloud.firestore { match /databases/{database}/documents { match /c/{id} { allow get: if f(); } } }\n",
  },
  { name: "integer literal out of range", rules: fs("match /c/{id} { allow get: if 9223372036854775808 > 0; }") },
  { name: "empty condition", rules: fs("match /c/{id} { allow get: if ; }") },
];

export type { ExpressionCase };
