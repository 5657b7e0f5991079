// Cases pinned to the exact outcome Google's engine gives — a value, an evaluation error or a load error —
// never a true/false probe that could hide an error. Each class of disagreement found by the differential
// has cases here; conformance/exact.test.ts checks Google's engine against every expectation and
// test/exact-corpus.test.ts checks ours (without the emulator).
import type { DiffCase } from "./differential.ts";

export type Expectation = { value: string } | "error" | "load-error";
export interface ExactCase extends DiffCase {
  expect: Expectation;
}

const v = (family: string, expr: string, value: string, decls?: string): ExactCase => ({ family, expr, expect: { value }, ...(decls ? { decls } : {}) });
const e = (family: string, expr: string, decls?: string): ExactCase => ({ family, expr, expect: "error", ...(decls ? { decls } : {}) });
const le = (family: string, expr: string, decls?: string): ExactCase => ({ family, expr, expect: "load-error", ...(decls ? { decls } : {}) });

const nest = (open: string, inner: string, close: string, n: number) => `${open.repeat(n)}${inner}${close.repeat(n)}`;
const chain = (term: string, op: string, n: number) => Array.from({ length: n }, () => term).join(` ${op} `);

export const exactCases: ExactCase[] = [
  // ---- function arguments are evaluated lazily ----
  v("functions", "f(1 / 0)", "true", "function f(x) { return true; }"),
  v("functions", "canWrite(resource.data.owner)", "true", "function canWrite(owner) { return resource == null || owner == 'alice'; }"),
  v("functions", "f(1, 1 / 0)", "true", "function f(x, y) { return x == 1 || y; }"),
  e("functions", "f(1 / 0)", "function f(x) { return x; }"),
  v("functions", "f(undefinedVar, [].x)", "1", "function f(x, y) { let a = 1; return a; }"),
  v("functions", "g(1 / 0)", "'ok'", "function f(x) { return 'ok'; } function g(y) { return f(y); }"),
  // ---- let may not rebind a parameter or an earlier let ----
  le("functions", "f(2)", "function f(x) { let x = 1; return x; }"),
  le("functions", "f(2)", "function f(x) { let a = 1; let a = 2; return a; }"),
  v("functions", "f(2)", "3", "function f(x) { let a = x; let b = a + 1; return b; }"),
  // ---- keywords and packages bind no names ----
  le("functions", "f(1)", "function f(x) { let math = 1; return x; }"), le("functions", "f(1)", "function f(duration) { return 1; }"),
  le("functions", "f(1)", "function f(x) { let if = 1; return x; }"), le("functions", "f(1)", "function f(in) { return 1; }"),
  v("functions", "f(1)", "1", "function f(string) { let path = string; return path; }"),
  // ---- nesting depth: Google refuses 100 levels ("Expression is too complex to evaluate safely.") ----
  v("nesting", nest("(", "1", ")", 98), "1"), le("nesting", nest("(", "1", ")", 99)),
  v("nesting", chain("true", "||", 99), "true"), le("nesting", chain("true", "||", 100)),
  v("nesting", `${chain("1", "+", 98)} > 0`, "true"), le("nesting", `${chain("1", "+", 99)} > 0`),
  v("nesting", `${nest("[", "1", "]", 97)} != null`, "true"), le("nesting", `${nest("[", "1", "]", 98)} != null`),
  v("nesting", `${"!".repeat(98)}true`, "true"), le("nesting", `${"!".repeat(100)}true`),
  v("nesting", `${nest("true ? ", "1", " : 2", 98)}`, "1"), le("nesting", `${nest("true ? ", "1", " : 2", 99)}`),
  v("nesting", nest("-(", "1", ")", 98), "1"), le("nesting", nest("-(", "1", ")", 99)),
  le("nesting", nest("(", "1", ")", 900)), le("nesting", `${"(".repeat(5000)}1`),
  // ---- load-time checks: escapes, numbers, operators, identifiers, types, constant patterns ----
  le("literals", "'\\U0001F600'"), le("literals", "'\\a'"), le("literals", "'\\v'"), le("literals", "'\\?'"), le("literals", "'\\`'"), le("literals", "'\\X41'"),
  v("literals", "'\\ud83d\\ude00' == '😀'", "true"), v("literals", "'\\ud83d\\ude00'.size()", "2"), le("literals", "b'\\u00e9'"), v("literals", "b'\\101'", "b'A'"),
  le("literals", "- -1"), le("literals", "--1"), le("literals", "-!true"), v("literals", "-(-1)", "1"), e("literals", "!-1"), v("literals", "1 - -1", "2"),
  le("literals", "01"), le("literals", "00.5"), v("literals", ".5", "0.5"), v("literals", "5.", "5.0"), v("literals", "0.", "0.0"), v("literals", "5. + 1", "6.0"), v("literals", "[5.]", "[5.0]"),
  le("literals", "math"), le("literals", "duration.foo"), le("literals", "let"), le("literals", "if"), le("literals", "in"), le("literals", "default"),
  v("literals", "{'if': 1}.if", "1"), e("literals", "const"),
  le("in-is", "1 is mapdiff"), v("in-is", "1 is vector", "false"), e("precedence", "1 is bool >= 2"), v("precedence", "1 is int == true", "true"), v("precedence", "'a' == 'b' is bool", "true"),
  le("strings", "'a'.split('[')"), e("strings", "'a'.replace('[', 'b')"),
  le("paths", "/a/b.size()"), le("paths", "/a/b$(1)"), e("paths", "(/a/b).size()"),
  // ---- path() ----
  e("paths", "path('a/')"), e("paths", "path('a//b')"), e("paths", "path(' /a')"), v("paths", "path('/a') == path('a')", "true"),
  v("paths", "path(' a / b ') == path('a/b')", "true"), v("paths", "path('a/\\u00a0b')[1]", "'b'"), v("paths", "path('a/\\u0001b')[1]", "'\\u0001b'"),
  v("paths", "path('a/b/c')[1:2] == path('b')", "true"), v("paths", "path('a/b/c')[1:2] is path", "true"), e("paths", "path('a/b/c')[0:0]"),
  v("paths", "path('a/{x}').bind({'x': 1}) == path('a/1')", "true"), v("paths", "path('a/{x}').bind({'x': 2.0}) == path('a/2.0')", "true"),
  v("paths", "path('a/{x}').bind({'x': null}) == path('a/null')", "true"), e("paths", "path('a/b').bind({'y': 'b'})"), e("paths", "path('a/{x}').bind({'y': 'b'})"),
  v("paths", "path('a/{x}/c').bind({'x': path('p/q')})[1]", "'/p/q'"), v("paths", "/a/$(null)/b == /a/null/b", "true"),
  v("paths", "path('a+b')[0]", "'a b'"), v("paths", "path('%C3%A9')[0]", "'é'"), e("paths", "path('%')"), v("paths", "(/a/a+b)[1]", "'a b'"),
  v("paths", "path('a/{x}') == path('a/{x}')", "false"), e("paths", "path('a/{x}')[0]"), v("paths", "string(path('a/{x}/b'))", "'/a//b'"), e("paths", "path('a/{x}b')"),
  // ---- replace(): a `$` that names no group and a trailing backslash are literal ----
  v("strings", "'abc'.replace('b', '$')", "'a$c'"), v("strings", "'abc'.replace('b', 'x\\\\')", "'ax\\\\c'"), v("strings", "'abc'.replace('(b)', '$1$1')", "'abbc'"),
  v("strings", "'abc'.replace('b', '\\\\$')", "'a$c'"), v("strings", "'abc'.replace('b', '$0$0')", "'abbc'"),
  // ---- values ----
  e("comparison", "true < false"), e("comparison", "false >= false"), e("bytes", "string(b'abc')"), e("bytes", "[b'a', b'b'].join(',')"),
  v("sets", "[1].toSet() is set", "false"), v("sets", "[1].toSet() is list", "false"), v("sets", "[[1]].toSet() == [[1.0]].toSet()", "true"), v("sets", "[1] in [[1.0]].toSet()", "true"),
  v("mapdiff", "{'a': [1]}.diff({'a': [1.0]}).changedKeys().size()", "0"), v("mapdiff", "{'a': 0.0 / 0.0}.diff({'a': 0.0 / 0.0}).unchangedKeys().size()", "1"),
  v("mapdiff", "({}).diff({}) == ({}).diff({})", "false"), v("mapdiff", "({}).diff({}) != ({}).diff({})", "true"),
  v("sets", "(0.0 / 0.0) in [0.0 / 0.0].toSet()", "true"), v("sets", "[0.0 / 0.0, 0.0 / 0.0].toSet().size()", "1"), v("lists", "(0.0 / 0.0) in [0.0 / 0.0]", "false"),
  v("strings", "'\\uffff' < '\\ud83d\\ude00'", "false"), v("strings", "'\\ud83d\\ude00'.split('').size()", "3"), v("strings", "'\\ud83d\\ude00'.replace('', '-').size()", "5"),
  v("strings", "'\\u0000 a\\u0001'.trim()", "'a'"), v("strings", "'\\u00a0a'.trim()", "'\\u00a0a'"), v("strings", "'\\u007fa'.trim()", "'\\u007fa'"),
  v("time", "timestamp.date(24, 1, 1).year()", "24"), e("time", "timestamp.date(0, 1, 1)"), v("time", "timestamp.date(99, 12, 31).dayOfYear()", "365"),
  v("math", "math.round(9007199254740993)", "9007199254740992"), v("math", "math.round(9007199254740993.0)", "9007199254740992"), v("math", "math.abs(9007199254740993)", "9007199254740993"),
  v("math", "latlng.value(0, 0).distance(latlng.value(0, 1))", "111195.08372419141"), v("math", "latlng.value(10, 20).distance(latlng.value(-30.5, 100))", "9630082.825247383"),
  e("conversions", "float('inf')"), v("conversions", "float('Infinity') == 1.0 / 0.0", "true"),
  // Google's compiler crashes (HTTP 500, the ruleset cannot be deployed) on a float-typed call in an int
  // position; a float literal there loads and errors at evaluation
  le("conversions", "duration.value(float('1.5'), 's')"), le("indexing", "[1][float('0')]"), le("indexing", "'abc'[math.sqrt(1)]"),
  le("time", "timestamp.date(float('1'), 1, 1)"), le("indexing", "[1, 2][float('0'):]"), le("math", "duration.value(math.floor(1.5), 's')"),
  le("time", "timestamp.value(true ? math.pow(0, 3.75) : math.abs(1000))"), e("time", "timestamp.value(true ? 1.5 : 2)"),
  e("conversions", "duration.value(1.5, 's')"), e("indexing", "[1][1.5]"), e("time", "timestamp.value(float('1') + 1)"), v("math", "int(float('1'))", "1"),
  // formerly masked with `|| true` in corpus.ts
  e("indexing", "[1, 2, 3][0:0]"), v("indexing", "[1, 2, 3][1:1]", "[]"), v("lists", "[1.5, true, 'x'].join('-')", "'1.5-true-x'"),
  v("paths", "(/a/{x}/b).bind({'x': 'y'}) == /a/y/b", "true"), v("paths", "string(/a/b)", "'/a/b'"),
  v("indexing", "[][:]", "[]"), v("indexing", "[1, 2, 3][null:2]", "[1, 2]"), e("indexing", "[][0:]"), e("indexing", "[1][1:null]"),
];
