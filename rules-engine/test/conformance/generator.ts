// A small seeded generator of rules expressions for property-based conformance: operators over every
// literal type, deliberate type mixes (which must error the same way in both engines) and the standard
// library. Deterministic for a given seed.
import type { Value } from "../../src/index.ts";

export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Kind = "int" | "float" | "string" | "bool" | "list" | "map" | "any";

export class ExpressionGenerator {
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

  /** One expression of (roughly) the requested kind; sometimes deliberately of another kind. */
  expr(kind: Kind = "any", depth = 3): string {
    if (kind === "any" || this.chance(0.08)) kind = this.pick(["int", "float", "string", "bool", "list", "map"] as const);
    if (depth <= 0 || this.chance(0.25)) return this.literal(kind);
    const d = depth - 1;
    switch (kind) {
      case "int":
        return this.pick([
          () => `${this.expr("int", d)} ${this.pick(["+", "-", "*", "/", "%"])} ${this.expr("int", d)}`,
          () => `-${this.paren(this.expr("int", d))}`,
          () => `${this.paren(this.expr("string", d))}.size()`,
          () => `${this.paren(this.expr("list", d))}.size()`,
          () => `math.abs(${this.expr("int", d)})`,
          () => `math.round(${this.expr("float", d)})`,
          () => `int(${this.pick([this.expr("float", d), this.expr("string", d), `'${this.pick(["12", "-7", "x", "3.5"])}'`])})`,
          () => `${this.paren(this.expr("list", d))}[${this.expr("int", d)}]`,
          () => `timestamp.value(${this.expr("int", d)}).${this.pick(["year", "month", "day", "hours", "minutes", "dayOfWeek", "dayOfYear", "toMillis"])}()`,
          () => `duration.value(${this.expr("int", d)}, '${this.pick(["s", "ms", "m", "h", "d", "w", "ns"])}').${this.pick(["seconds", "nanos"])}()`,
          () => `(${this.expr("bool", d)} ? ${this.expr("int", d)} : ${this.expr("int", d)})`,
          () => `${this.paren(this.expr("map", d))}.size()`,
          () => `(timestamp.value(${this.expr("int", d)}) - timestamp.value(${this.expr("int", d)})).${this.pick(["seconds", "nanos"])}()`,
          () =>
            `timestamp.date(${this.pick(["1970", "2000", "2024", "9999"])}, ${this.pick(["1", "2", "12"])}, ${this.pick(["1", "29", "31"])}).${this.pick(["dayOfWeek", "dayOfYear", "toMillis", "month"])}()`,
          () => `${this.paren(this.expr("list", d))}.toSet().size()`,
        ])();
      case "float":
        return this.pick([
          () => `${this.expr("float", d)} ${this.pick(["+", "-", "*", "/"])} ${this.expr(this.pick(["int", "float"] as const), d)}`,
          () => `math.${this.pick(["ceil", "floor", "sqrt", "abs"])}(${this.expr(this.pick(["int", "float"] as const), d)})`,
          () => `math.pow(${this.expr("int", d)}, ${this.expr("float", d)})`,
          () => `float(${this.pick([this.expr("int", d), `'${this.pick(["1.5", "-2", "x"])}'`])})`,
          () => `latlng.value(${this.expr("int", d)}, ${this.expr("float", d)}).${this.pick(["latitude", "longitude"])}()`,
        ])();
      case "string":
        return this.pick([
          () => `${this.expr("string", d)} + ${this.expr("string", d)}`,
          () => `${this.paren(this.expr("string", d))}.${this.pick(["lower", "upper", "trim"])}()`,
          () => `${this.paren(this.expr("string", d))}.replace('${this.pick(["a", "[bc]", "\\\\s", "."])}', '${this.pick(["", "-", "Z"])}')`,
          () => `${this.paren(this.expr("string", d))}[${this.expr("int", d)}]`,
          () => `${this.paren(this.expr("string", d))}[${this.sliceBound()}:${this.sliceBound()}]`,
          () => `string(${this.expr(this.pick(["int", "float", "bool", "string"] as const), d)})`,
          () => `${this.paren(this.expr("list", d))}.join('${this.pick(["", ",", " - "])}')`,
          () => `hashing.${this.pick(["md5", "sha256", "crc32", "crc32c"])}(${this.expr("string", d)}).toHexString()`,
          () => `${this.paren(this.expr("string", d))}.toUtf8().toBase64()`,
          () => `${this.paren(this.expr("map", d))}.get('${this.pick(["a", "b", "z"])}', ${this.expr("string", d)})`,
        ])();
      case "bool":
        return this.pick([
          () => `${this.expr("any", d)} ${this.pick(["==", "!="])} ${this.expr("any", d)}`,
          () => {
            const k = this.pick(["int", "float", "string"] as const);
            return `${this.expr(k, d)} ${this.pick(["<", "<=", ">", ">="])} ${this.expr(this.chance(0.8) ? k : "any", d)}`;
          },
          () => `${this.paren(this.expr("bool", d))} ${this.pick(["&&", "||"])} ${this.paren(this.expr("bool", d))}`,
          () => `!${this.paren(this.expr("bool", d))}`,
          () => `${this.expr("any", d)} in ${this.paren(this.expr(this.pick(["list", "map"] as const), d))}`,
          () => `${this.paren(this.expr("any", d))} is ${this.pick(["int", "float", "number", "string", "bool", "list", "map"])}`,
          () => `${this.paren(this.expr("string", d))}.matches('${this.pick(["a.*", ".*b", "[a-c]+", "\\\\w*", "(?i)A.*", ""])}')`,
          () => `${this.paren(this.expr("list", d))}.${this.pick(["hasAll", "hasAny", "hasOnly"])}(${this.expr("list", d)})`,
          () => `math.isNaN(${this.expr("float", d)})`,
          () => `${this.paren(this.expr("list", d))}.toSet().${this.pick(["hasAll", "hasAny"])}(${this.expr("list", d)})`,
          () =>
            `${this.paren(this.expr("map", d))}.diff(${this.expr("map", d)}).${this.pick(["addedKeys", "removedKeys", "changedKeys", "unchangedKeys", "affectedKeys"])}().hasAny(['a', 'b'])`,
          () =>
            `timestamp.value(${this.expr("int", d)}) ${this.pick(["<", "<=", "==", ">"])} timestamp.value(${this.expr("int", d)}) + duration.value(${this.expr("int", d)}, '${this.pick(["s", "ms", "h"])}')`,
          () => `duration.value(${this.expr("int", d)}, 's') ${this.pick(["<", "==", "!="])} duration.time(0, 0, ${this.expr("int", d)}, 0)`,
          () =>
            `${this.paren(this.expr("list", d))}.toSet().${this.pick(["union", "intersection", "difference"])}(${this.paren(this.expr("list", d))}.toSet()) == ${this.paren(this.expr("list", d))}.toSet()`,
          () => `path(${this.expr("string", d)}) == path(${this.expr("string", d)})`,
          () => `${this.paren(this.expr("string", d))}.toUtf8() ${this.pick(["==", "<", ">="])} ${this.paren(this.expr("string", d))}.toUtf8()`,
          () =>
            `timestamp.date(${this.pick(["1970", "2000", "2024", "2023"])}, ${this.pick(["1", "2", "12", "13"])}, ${this.pick(["1", "29", "31", "0"])}) ${this.pick(["<", "=="])} timestamp.value(${this.expr("int", d)})`,
        ])();
      case "list":
        return this.pick([
          () => `[${Array.from({ length: Math.floor(this.rand() * 3) }, () => this.expr("any", d)).join(", ")}]`,
          () => `${this.paren(this.expr("list", d))}.concat(${this.expr("list", d)})`,
          () => `${this.paren(this.expr("list", d))}.removeAll(${this.expr("list", d)})`,
          () => `${this.paren(this.expr("string", d))}.split('${this.pick([",", "b", "\\\\s+", ""])}')`,
          () => `${this.paren(this.expr("map", d))}.keys()`,
          () => `${this.paren(this.expr("map", d))}.values()`,
          () => `${this.paren(this.expr("list", d))}[${this.sliceBound()}:${this.sliceBound()}]`,
        ])();
      case "map":
        return this.pick([
          () => `{${Array.from({ length: Math.floor(this.rand() * 3) }, () => `'${this.pick(["a", "b", "c"])}': ${this.expr("any", d)}`).join(", ")}}`,
          () => `${this.paren(this.expr("map", d))}.get('${this.pick(["a", "b"])}', {})`,
        ])();
    }
    return this.literal(kind);
  }

  // Int literals only: a float slice bound makes Google's rules compiler fail with HTTP 500 (observed
  // with `[...][1:3.75]`), which tells nothing about evaluation.
  private sliceBound(): string {
    return this.pick(["0", "1", "2", "3", "5", "-1"]);
  }

  private paren(e: string): string {
    // Numbers are wrapped too: Google's lexer reads `2.size()` as the number `2.` followed by junk.
    return /^'[^']*'$/.test(e) ? e : `(${e})`;
  }

  private literal(kind: Exclude<Kind, "any"> | "any"): string {
    switch (kind) {
      case "int":
        return this.pick(["0", "1", "2", "3", "7", "-1", "-5", "10", "1000", "9223372036854775807", "-9223372036854775808", "86400000"]);
      case "float":
        return this.pick(["0.0", "0.5", "1.0", "-2.25", "2.5", "3.75", "100.125", "-0.5"]);
      case "string":
        return this.pick(["''", "'a'", "'abc'", "'A b C'", "' pad '", "'a,b,,c'", "'12'", "'ébc'", "'x.y'"]);
      case "bool":
        return this.pick(["true", "false"]);
      case "list":
        return this.pick(["[]", "[1, 2, 3]", "['a', 'b']", "[1, 'a', true]", "[1.5, 2]", "[[1], [2]]", "['b', 'a', 'b']"]);
      case "map":
        return this.pick(["{}", "{'a': 1}", "{'a': 1, 'b': 'x'}", "{'b': [1], 'c': {'a': 2}}", "{'a': 1.0}"]);
      default:
        return "null";
    }
  }
}

/** A rules literal that evaluates to exactly `v` (same type), or null when there is none. */
export function literalOf(v: Value): string | null {
  switch (v.type) {
    case "null":
      return "null";
    case "bool":
      return String(v.value);
    case "int":
      return v.value === -9223372036854775808n ? "-9223372036854775808" : String(v.value);
    case "float": {
      if (!Number.isFinite(v.value)) return null;
      const text = Number.isInteger(v.value) ? `${v.value.toFixed(0)}.0` : String(v.value);
      if (!/^-?\d+\.\d+$/.test(text) || Object.is(v.value, -0)) return null;
      return text;
    }
    case "string":
      return `'${[...v.value].map((c) => (c === "'" || c === "\\" ? `\\${c}` : c.charCodeAt(0) < 32 ? `\\x${c.charCodeAt(0).toString(16).padStart(2, "0")}` : c)).join("")}'`;
    case "bytes":
      return `b'${Array.from(v.value, (x) => `\\x${x.toString(16).padStart(2, "0")}`).join("")}'`;
    case "list": {
      const items = v.value.map(literalOf);
      return items.every((x) => x !== null) ? `[${items.join(", ")}]` : null;
    }
    case "map": {
      const entries = [...v.value].map(([k, x]) => {
        const lit = literalOf(x);
        return lit === null ? null : `${literalOf({ type: "string", value: k })}: ${lit}`;
      });
      return entries.every((x) => x !== null) ? `{${entries.join(", ")}}` : null;
    }
    default:
      return null;
  }
}

/** The `is` type name that identifies `v` exactly, when there is one. */
export function typeNameOf(v: Value): string | null {
  return ["bool", "int", "float", "string", "bytes", "list", "map"].includes(v.type) ? v.type : null;
}
