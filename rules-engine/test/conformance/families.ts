// The second conformance generator: seeded random expressions over every family of the language, well-typed
// and ill-typed, each labelled with its family so agreement with Google's engine is reported per family.
// Written to reach the corners a hand-written corpus misses: lexical edge cases, errors in unused function
// arguments, nesting near the depth limit, surrogate pairs, NaN, path edge cases. Deterministic per seed.
import type { DiffCase } from "./differential.ts";
import { mulberry32 } from "./generator.ts";

export const FAMILIES = [
  "literals",
  "arithmetic",
  "comparison",
  "logic",
  "precedence",
  "in-is",
  "strings",
  "bytes",
  "lists",
  "maps",
  "sets",
  "mapdiff",
  "math",
  "conversions",
  "time",
  "paths",
  "indexing",
  "functions",
  "nesting",
] as const;
export type Family = (typeof FAMILIES)[number];

type Kind = "int" | "float" | "string" | "bool" | "null" | "bytes" | "list" | "map" | "set" | "timestamp" | "duration" | "path" | "latlng";
const KINDS: readonly Kind[] = ["int", "float", "string", "bool", "null", "bytes", "list", "map", "set", "timestamp", "duration", "path", "latlng"];

const ATOMS: Record<Kind, readonly string[]> = {
  int: [
    "0",
    "1",
    "-1",
    "2",
    "3",
    "7",
    "-7",
    "10",
    "255",
    "1000",
    "2147483647",
    "4294967296",
    "9007199254740993",
    "9223372036854775807",
    "-9223372036854775808",
  ],
  float: [
    "0.0",
    "-0.0",
    "0.5",
    "1.5",
    "2.5",
    "-2.5",
    "3.75",
    "1.0",
    "100.125",
    "0.1",
    "1000000.0",
    "12345678.9",
    "0.001",
    "0.0001",
    "9007199254740993.0",
    "(1.0 / 0.0)",
    "(0.0 / 0.0)",
    "(-1.0 / 0.0)",
  ],
  string: [
    "''",
    "'a'",
    "'abc'",
    "'A b C'",
    "' pad '",
    "'a,b,,c'",
    "'12'",
    "'-7'",
    "'3.5'",
    "'ébc'",
    "'😀'",
    "'a😀b'",
    "'\\u0000x\\u001f'",
    "'x.y'",
    "'true'",
    "'a/b'",
    "' a / b '",
    "'NaN'",
    "'1e3'",
    "'\\uffff'",
    "'\\u00a0a\\u0085'",
    "'$1'",
  ],
  bool: ["true", "false"],
  null: ["null"],
  bytes: ["b''", "b'abc'", "b'\\xff\\x00'", "'é'.toUtf8()", "b'\\101'"],
  list: ["[]", "[1, 2, 3]", "['a', 'b']", "[1, 'a', true]", "[1.5, 2]", "[[1], [2]]", "[1, 1.0]", "[null]", "['b', 'a', 'b']", "[(0.0 / 0.0)]", "[b'a']"],
  map: ["{}", "{'a': 1}", "{'a': 1, 'b': 'x'}", "{'b': [1], 'c': {'a': 2}}", "{'a': 1.0}", "{'a': null}", "{'a': [1]}", "{'a': (0.0 / 0.0)}"],
  set: ["[].toSet()", "[1, 2].toSet()", "['a', 'b'].toSet()", "[1, 1.0, 2].toSet()", "[(0.0 / 0.0)].toSet()", "[[1]].toSet()"],
  timestamp: [
    "timestamp.value(0)",
    "timestamp.value(1500)",
    "timestamp.value(-1)",
    "timestamp.date(2024, 2, 29)",
    "timestamp.date(99, 12, 31)",
    "timestamp.value(253402300799999)",
  ],
  duration: ["duration.value(1, 's')", "duration.value(-1500, 'ms')", "duration.time(1, 2, 3, 4)", "duration.value(0, 'ns')", "duration.value(2, 'w')"],
  path: ["path('a/b/c')", "/a/b", "/databases/x/documents/c/d", "path('/a')", "/a/$('b')/c", "path('users/{uid}')"],
  latlng: ["latlng.value(10, 20)", "latlng.value(0, 0)", "latlng.value(-30.5, 100)", "latlng.value(90, -180)"],
};

export class FamilyGenerator {
  private readonly rand: () => number;
  constructor(seed: number) {
    this.rand = mulberry32(seed);
  }

  private pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.rand() * items.length)]!;
  }
  private chance(p: number): boolean {
    return this.rand() < p;
  }
  private int(lo: number, hi: number): number {
    return lo + Math.floor(this.rand() * (hi - lo + 1));
  }

  /** A value of a kind: mostly atoms, sometimes a small expression; with `wrong`, sometimes another kind. */
  private v(kind: Kind, depth = 1, wrong = 0.1): string {
    if (this.chance(wrong)) kind = this.pick(KINDS);
    if (depth <= 0 || this.chance(0.6)) return this.pick(ATOMS[kind]);
    const d = depth - 1;
    switch (kind) {
      case "int":
        return this.pick([
          () => `${this.v("int", d)} ${this.pick(["+", "-", "*", "/", "%"])} ${this.v("int", d)}`,
          () => `${this.p(this.v("string", d))}.size()`,
          () => `${this.p(this.v("list", d))}.size()`,
          () => `math.round(${this.v("float", d)})`,
          () => `int(${this.v(this.pick(["float", "string"] as const), d)})`,
        ])();
      case "float":
        return this.pick([
          () => `${this.v("float", d)} ${this.pick(["+", "-", "*", "/", "%"])} ${this.v(this.pick(["int", "float"] as const), d)}`,
          () => `math.${this.pick(["ceil", "floor", "sqrt", "abs"])}(${this.v("float", d)})`,
          () => `float(${this.v(this.pick(["int", "string"] as const), d)})`,
        ])();
      case "string":
        return this.pick([
          () => `${this.v("string", d)} + ${this.v("string", d)}`,
          () => `${this.p(this.v("string", d))}.${this.pick(["lower", "upper", "trim"])}()`,
          () => `string(${this.v(this.pick(KINDS), d)})`,
          () => `${this.p(this.v("list", d))}.join('${this.pick(["", ",", "-"])}')`,
        ])();
      case "bool":
        return this.pick([
          () => `${this.v("int", d)} ${this.pick(["<", "==", ">="])} ${this.v("int", d)}`,
          () => `!${this.p(this.v("bool", d))}`,
          () => `${this.v("bool", d)} ${this.pick(["&&", "||"])} ${this.v("bool", d)}`,
        ])();
      case "list":
        return this.pick([
          () => `[${Array.from({ length: this.int(0, 3) }, () => this.v(this.pick(KINDS), d)).join(", ")}]`,
          () => `${this.p(this.v("list", d))}.concat(${this.v("list", d)})`,
          () => `${this.p(this.v("string", d))}.split('${this.pick([",", "", "b", "\\\\s+"])}')`,
          () => `${this.p(this.v("map", d))}.keys()`,
        ])();
      case "map":
        return this.pick([
          () => `{${Array.from({ length: this.int(0, 3) }, () => `'${this.pick(["a", "b", "c"])}': ${this.v(this.pick(KINDS), d)}`).join(", ")}}`,
          () => `${this.p(this.v("map", d))}.get('${this.pick(["a", "b"])}', {})`,
        ])();
      case "set":
        return `${this.p(this.v("list", d))}.toSet()`;
      case "timestamp":
        return `timestamp.value(${this.v("int", d)})`;
      case "duration":
        return `duration.value(${this.v("int", d)}, '${this.pick(["s", "ms", "m", "h", "d", "w", "ns", "y"])}')`;
      default:
        return this.pick(ATOMS[kind]);
    }
  }

  /** Parenthesised unless an atom that needs none. */
  private p(e: string): string {
    return /^('[^']*'|\[[^\]]*\]|[a-z_]+)$/.test(e) ? e : `(${e})`;
  }

  private any(depth = 1): string {
    return this.v(this.pick(KINDS), depth, 0);
  }

  next(): DiffCase {
    const family = this.pick(FAMILIES);
    const made = this.family(family);
    return typeof made === "string" ? { family, expr: made } : { family, ...made };
  }

  private family(f: Family): string | { expr: string; decls: string } {
    switch (f) {
      case "literals":
        return this.pick([
          () =>
            this.pick([
              "0",
              "00",
              "01",
              "007",
              "10",
              "0.0",
              "00.5",
              "0.",
              "5.",
              ".5",
              "-.5",
              "5. + 1",
              "1e3",
              "1E3",
              "1.5e2",
              "0x10",
              "1_000",
              "9223372036854775807",
              "9223372036854775808",
              "-9223372036854775808",
              "-9223372036854775809",
              "- 1",
              "- -1",
              "--1",
              "-(-1)",
              "-!true",
              "!-1",
              "!!true",
              "1.5.5",
              "1..2",
              "[5.]",
              "(5.)",
              "1.size()",
              "(1).size()",
            ]),
          () =>
            `'${this.pick(["\\n", "\\t", "\\\\", "\\'", '\\"', "\\a", "\\v", "\\?", "\\`", "\\x41", "\\X41", "\\101", "\\400", "\\u00e9", "\\U0001F600", "\\ud83d\\ude00", "\\uD83D", "\\z", "\\0", "\\8", "\\r", "\\f", "\\b", "\\e"])}'${this.pick(["", ".size()", " == 'x'"])}`,
          () => `"${this.pick(["a", "\\'", "'", "\\u00e9", "😀"])}"${this.pick(["", ".size()"])}`,
          () =>
            `b'${this.pick(["", "abc", "\\x00\\xff", "\\101", "\\u00e9", "é", "\\n", "\\a", "\\U00000041"])}'${this.pick(["", ".size()", ".toHexString()"])}`,
          () => this.pick(["B'a'", "r'a\\n'", "R'x'", 'b"a"', "'a' 'b'", "'''a'''", '"""a"""']),
          () =>
            `${this.pick(["duration", "math", "timestamp", "latlng", "hashing", "firestore", "let", "if", "in", "is", "function", "return", "allow", "match", "service", "else", "for", "while", "var", "const", "null", "true", "string", "int", "path", "set", "map", "list", "debug", "x", "_x", "import", "package", "default", "not", "and", "or"])}${this.pick(["", ".x", ".value(1)", "(1)", " == 1"])}`,
          () => `{'${this.pick(["if", "in", "math", "let", "is", "x"])}': 1}.${this.pick(["if", "in", "math", "let", "is", "x"])}`,
        ])();
      case "arithmetic":
        return this.pick([
          () => `${this.v("int")} ${this.pick(["+", "-", "*", "/", "%"])} ${this.v("int")}`,
          () => `${this.v("float")} ${this.pick(["+", "-", "*", "/", "%"])} ${this.v(this.pick(["int", "float"] as const))}`,
          () => `${this.any(0)} ${this.pick(["+", "-", "*", "/", "%"])} ${this.any(0)}`,
          () => `-${this.p(this.v(this.pick(["int", "float", "duration", "string"] as const)))}`,
          () => `${this.v("int")} ${this.pick(["+", "-", "*"])} ${this.v("int")} ${this.pick(["+", "-", "*", "/", "%"])} ${this.v("int")}`,
        ])();
      case "comparison": {
        const k = this.pick(KINDS);
        return `${this.v(k)} ${this.pick(["<", "<=", ">", ">=", "==", "!="])} ${this.v(this.chance(0.7) ? k : this.pick(KINDS))}`;
      }
      case "logic": {
        const operand = () =>
          this.pick([() => this.v("bool"), () => this.pick(["(1 / 0 == 1)", "(1 / 0)", "1", "'x'", "null", "undefinedVar", "[].x"]), () => this.any(0)])();
        return this.pick([
          () => `${operand()} ${this.pick(["&&", "||"])} ${operand()}`,
          () => `${operand()} ${this.pick(["&&", "||"])} ${operand()} ${this.pick(["&&", "||"])} ${operand()}`,
          () => `!${this.p(operand())}`,
          () => `${operand()} ? ${this.any(0)} : ${this.any(0)}`,
          () => `${this.p(operand())} ${this.pick(["==", "!="])} ${this.p(operand())}`,
        ])();
      }
      case "precedence": {
        const ops = ["+", "-", "*", "/", "%", "<", "<=", ">", ">=", "==", "!=", "&&", "||", "in"];
        const operand = () => this.pick(["1", "2", "3", "true", "false", "'a'", "['a']", "[1, 2]", "{'a': 1}", "1.5", "null"]);
        const n = this.int(2, 4);
        let e = operand();
        for (let i = 1; i < n; i++) {
          if (this.chance(0.2)) e += ` is ${this.pick(["bool", "int", "list", "string"])}`;
          e += ` ${this.pick(ops)} ${this.chance(0.2) ? "!" : ""}${operand()}`;
        }
        if (this.chance(0.2)) e += ` is ${this.pick(["bool", "int", "number"])}`;
        if (this.chance(0.2)) e = `${e} ? 1 : 2`;
        return e;
      }
      case "in-is":
        return this.pick([
          () => `${this.any(0)} in ${this.v(this.pick(["list", "map", "set", "string", "path"] as const))}`,
          () =>
            `${this.any()} is ${this.pick(["int", "float", "number", "string", "bool", "bytes", "list", "map", "set", "path", "timestamp", "duration", "latlng", "map_diff", "mapdiff", "vector", "constraint", "null", "any", "Int"])}`,
          () =>
            `${this.pick(["(0.0 / 0.0)", "1", "1.0", "[1]", "'a'", "null"])} in ${this.pick(["[(0.0 / 0.0)]", "[(0.0 / 0.0)].toSet()", "[1.0]", "[1.0].toSet()", "[[1.0]]", "[[1.0]].toSet()", "{'a': 1}", "[null]"])}`,
        ])();
      case "strings": {
        const s = () => this.p(this.v("string"));
        const pattern = () =>
          this.pick(["''", "'a'", "'.'", "'[a-c]+'", "'\\\\s+'", "'x*'", "'(a)(b)?'", "'['", "'(?i)A'", "'\\\\d'", "'😀'", "'.*'", "'^'", "'$'"]);
        // biome-ignore lint/suspicious/noTemplateCurlyInString: '${x}' is a rules string literal under test, not a template.
        const repl = () => this.pick(["''", "'-'", "'$1'", "'$0'", "'$'", "'\\\\$'", "'x\\\\'", "'\\\\\\\\'", "'$9'", "'${x}'", "'$12'", "'a$'", "'\\\\1'"]);
        return this.pick([
          () => `${s()}.${this.pick(["size", "lower", "upper", "trim", "toUtf8"])}()`,
          () => `${s()}.matches(${pattern()})`,
          () => `${s()}.split(${pattern()})`,
          () => `${s()}.replace(${pattern()}, ${repl()})`,
          () => `${s()} + ${this.v(this.chance(0.8) ? "string" : this.pick(KINDS))}`,
          () => `${s()}.${this.pick(["size", "matches", "split", "replace", "trim", "lower", "foo"])}(${this.chance(0.5) ? this.any(0) : ""})`,
          () =>
            `${this.pick(["'a'", "'a😀b'", "'😀'", "'\\uffff'", "'\\ue000'", "'é'"])} ${this.pick(["<", ">", "<=", "=="])} ${this.pick(["'a'", "'😀'", "'\\uffff'", "'\\ue000'", "'z'", "'é'"])}`,
        ])();
      }
      case "bytes":
        return this.pick([
          () => `${this.p(this.v("bytes"))}.${this.pick(["size", "toBase64", "toHexString", "foo"])}()`,
          () => `${this.v("bytes")} ${this.pick(["==", "<", ">=", "+"])} ${this.v(this.chance(0.7) ? "bytes" : this.pick(KINDS))}`,
          () =>
            `hashing.${this.pick(["md5", "sha256", "crc32", "crc32c", "sha1"])}(${this.v(this.pick(["string", "bytes", "int"] as const))})${this.pick(["", ".toHexString()", ".size()"])}`,
          () => `string(${this.v("bytes")})`,
          () => `[${this.v("bytes")}, ${this.v("bytes")}].join(',')`,
          () => `${this.p(this.v("string"))}.toUtf8()`,
        ])();
      case "lists": {
        const l = () => this.p(this.v("list"));
        return this.pick([
          () => `${l()}.${this.pick(["size", "toSet"])}()`,
          () => `${l()}.${this.pick(["hasAll", "hasAny", "hasOnly", "concat", "removeAll"])}(${this.chance(0.8) ? this.v("list") : this.any(0)})`,
          () => `${l()}.join(${this.pick(["','", "''", "1"])})`,
          () => `${l()} ${this.pick(["==", "!=", "+", "<"])} ${this.v("list")}`,
          () => `${l()}[${this.v("int", 0)}]`,
        ])();
      }
      case "maps": {
        const m = () => this.p(this.v("map"));
        return this.pick([
          () => `${m()}.${this.pick(["size", "keys", "values"])}()`,
          () => `${m()}.${this.pick(["a", "b", "z", "size"])}`,
          () => `${m()}[${this.pick(["'a'", "'z'", "1", "null"])}]`,
          () => `${m()}.get(${this.pick(["'a'", "'z'", "['b', 'a']", "['c', 'a']", "1"])}, ${this.any(0)})`,
          () => `${m()} ${this.pick(["==", "!="])} ${this.v("map")}`,
          () => `{${this.pick(["'a': 1, 'a': 2", "1: 2", "'a': 1 / 0", "null: 1", "'a': 1,"])}}`,
          () => `${m()}.${this.pick(["hasAll", "diff", "get", "keys"])}(${this.any(0)})`,
        ])();
      }
      case "sets": {
        const st = () => this.p(this.v("set"));
        return this.pick([
          () => `${st()}.${this.pick(["size"])}()`,
          () => `${st()}.${this.pick(["union", "intersection", "difference", "hasAll", "hasAny", "hasOnly"])}(${this.v(this.pick(["set", "list"] as const))})`,
          () => `${st()} ${this.pick(["==", "!="])} ${this.v(this.pick(["set", "list"] as const))}`,
          () => `${this.any(0)} in ${st()}`,
          () => `${st()} is ${this.pick(["set", "list"])}`,
        ])();
      }
      case "mapdiff": {
        const d = () => `${this.p(this.v("map"))}.diff(${this.v(this.chance(0.9) ? "map" : this.pick(KINDS))})`;
        return this.pick([
          () => `${d()}.${this.pick(["addedKeys", "removedKeys", "changedKeys", "unchangedKeys", "affectedKeys", "size"])}()`,
          () => `${d()} ${this.pick(["==", "!="])} ${this.pick([d(), "null", "{}"])}`,
          () => d(),
        ])();
      }
      case "math":
        return this.pick([
          () =>
            `math.${this.pick(["abs", "ceil", "floor", "round", "sqrt", "isNaN", "isInfinite", "trunc"])}(${this.v(this.pick(["int", "float", "string"] as const))})`,
          () => `math.pow(${this.v(this.pick(["int", "float"] as const))}, ${this.v(this.pick(["int", "float"] as const))})`,
          () =>
            `math.round(${this.pick(["4503599627370497.0", "9007199254740993.0", "-4503599627370497.5", "0.49999999999999994", "-0.5", "2.5", "-2.5", "12345678901234567890.0", "9223372036854775807.0"])})`,
        ])();
      case "conversions":
        return `${this.pick(["int", "float", "string", "bool", "path"])}(${this.pick([() => this.any(), () => this.pick(["'12'", "' 12'", "'-0'", "'1e3'", "'1.5'", "'+3'", "'0x1f'", "'inf'", "'-Infinity'", "'NaN'", "' 2.5 '", "'9223372036854775808'", "''", "'a/b'"])])()})`;
      case "time": {
        const t = () => this.p(this.v("timestamp"));
        const du = () => this.p(this.v("duration"));
        return this.pick([
          () => `${t()}.${this.pick(["year", "month", "day", "hours", "minutes", "seconds", "nanos", "dayOfWeek", "dayOfYear", "toMillis", "date", "time"])}()`,
          () => `${du()}.${this.pick(["seconds", "nanos"])}()`,
          () => `${t()} ${this.pick(["+", "-", "<", "=="])} ${this.pick([t(), du()])}`,
          () => `${du()} ${this.pick(["+", "-", "<", "=="])} ${du()}`,
          () =>
            `timestamp.date(${this.pick(["0", "1", "24", "99", "100", "1969", "2024", "9999", "10000"])}, ${this.pick(["1", "2", "12", "13", "0"])}, ${this.pick(["1", "29", "31", "0"])})`,
          () =>
            `duration.${this.pick(["value", "time", "abs"])}(${this.pick(["1, 's'", "1.5, 's'", "1, 'x'", "1, 2, 3, 4", "duration.value(-3, 'm')", "'1s'"])})`,
        ])();
      }
      case "paths": {
        const text = () =>
          this.pick([
            "'a/b'",
            "'/a/b'",
            "'a/'",
            "'a//b'",
            "'/'",
            "''",
            "' a / b '",
            "'a/ b c /d'",
            "'a/\\u00a0b'",
            "'a/\\u0001b'",
            "'a/{x}'",
            "'a/{x}/{y}'",
            "'databases/d/documents/c/x'",
          ]);
        return this.pick([
          () => `path(${text()})`,
          () => `path(${text()})[${this.pick(["0", "1", "2", "-1"])}]`,
          () => `path(${text()})[${this.pick(["0", "1", ""])}:${this.pick(["1", "2", "3", ""])}]`,
          () =>
            `path('a/{x}').bind({${this.pick(["'x': 'v'", "'x': 1", "'x': 1.5", "'x': true", "'x': null", "'x': [1]", "'x': path('p/q')", "'y': 'v'", "'x': 'v', 'y': 'w'"])}})`,
          () => `/a/$(${this.any(0)})/b`,
          () => `${this.v("path")} ${this.pick(["==", "!="])} ${this.v(this.chance(0.8) ? "path" : "string")}`,
          () => `string(${this.v("path")})`,
          () => this.pick(["/a/b.size()", "/a/b(c)", "/a/(b)", "/a/b/", "/a//b", "(/a/b).size()", "/a/b[0]", "(/a/b)[1]"]),
        ])();
      }
      case "indexing": {
        const target = this.pick([() => this.v("list"), () => this.v("string"), () => this.v("map"), () => this.v("path"), () => this.any(0)])();
        const bound = () => this.pick(["0", "1", "2", "3", "-1", "'a'", "1.0", "null", ""]);
        return this.chance(0.5) ? `${this.p(target)}[${bound() || "0"}]` : `${this.p(target)}[${bound()}:${bound()}]`;
      }
      case "functions": {
        const body = this.pick(["true", "x", "y", "x == 1", "a == null || x == 1", "x + y", "a", "x.size()", "y == y"]);
        const lets = this.pick(["", "let a = 1; ", "let a = x; ", "let a = 1 / 0; ", "let x = 1; ", "let a = 1; let a = 2; ", "let a = y; let b = a; "]);
        const decls = `function f(x, y) { ${lets}return ${body}; } function g(x) { return f(x, x); } function h() { return 1 / 0; }`;
        const arg = () => this.pick(["1", "1 / 0", "'s'", "null", "[]", "h()", "undefinedVar", "[].x", "2"]);
        return {
          decls,
          expr: this.pick([
            () => `f(${arg()}, ${arg()})`,
            () => `g(${arg()})`,
            () => `f(${arg()})`,
            () => `f(${arg()}, ${arg()}) ${this.pick(["||", "&&"])} ${arg()} == 1`,
          ])(),
        };
      }
      case "nesting": {
        const n = this.int(90, 102);
        return this.pick([
          () => `${"(".repeat(n)}1${")".repeat(n)}`,
          () => Array.from({ length: n }, () => "true").join(this.pick([" && ", " || "])),
          () => Array.from({ length: n }, () => "1").join(" + "),
          () => `${"[".repeat(n)}1${"]".repeat(n)}`,
          () => `${"!".repeat(n)}true`,
          () => `${"true ? ".repeat(n)}1${" : 2".repeat(n)}`,
          () => `${"-(".repeat(Math.floor(n / 2))}1${")".repeat(Math.floor(n / 2))}`,
          () => `${"(".repeat(this.int(200, 2000))}1`,
        ])();
      }
    }
  }
}

/** `n` distinct cases from a seed. */
export function familyCases(seed: number, n: number): DiffCase[] {
  const gen = new FamilyGenerator(seed);
  const seen = new Set<string>();
  const out: DiffCase[] = [];
  for (let tries = 0; out.length < n && tries < n * 20; tries++) {
    const c = gen.next();
    const key = `${c.decls ?? ""}|${c.expr}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(c);
  }
  return out;
}
