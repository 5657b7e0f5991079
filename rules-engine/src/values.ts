// Value constructors, type names, equality and ordering of the rules language. Pure helpers shared by the
// evaluator and the standard library.
import type { Value } from "./api.ts";

export type ErrorValue = Extract<Value, { type: "error" }>;

export const INT64_MAX = 9223372036854775807n;
export const INT64_MIN = -9223372036854775808n;

export const NULL: Value = { type: "null" };
export const TRUE: Value = { type: "bool", value: true };
export const FALSE: Value = { type: "bool", value: false };

export const bool = (value: boolean): Value => (value ? TRUE : FALSE);
export const str = (value: string): Value => ({ type: "string", value });
export const float = (value: number): Value => ({ type: "float", value });
export const list = (value: readonly Value[]): Value => ({ type: "list", value });
export const map = (value: ReadonlyMap<string, Value>): Value => ({ type: "map", value });
export const err = (message: string): ErrorValue => ({ type: "error", message });

/** An int, or an overflow error when the result leaves the signed 64-bit range. */
export function int(value: bigint): Value {
  if (value > INT64_MAX || value < INT64_MIN) return err("Integer overflow error.");
  return { type: "int", value };
}

export const isError = (v: Value): v is ErrorValue => v.type === "error";

/** The type name used in diagnostics and by `is`. */
export function typeName(v: Value): string {
  switch (v.type) {
    case "mapdiff":
      return "map_diff";
    default:
      return v.type;
  }
}

/** Whether `v is <name>` holds. */
export function isOfType(v: Value, name: string): boolean {
  switch (name) {
    case "number":
      return v.type === "int" || v.type === "float";
    case "bool":
    case "int":
    case "float":
    case "string":
    case "bytes":
    case "list":
    case "map":
    case "path":
    case "timestamp":
    case "duration":
    case "latlng":
      return v.type === name;
    case "map_diff":
      return v.type === "mapdiff";
    // A quirk of Google's engine (observed): `x is set` is false even for the result of `toSet()`, so "set"
    // falls to the default like any unknown type name.
    default:
      return false;
  }
}

export const TYPE_NAMES = new Set([
  "bool",
  "int",
  "float",
  "number",
  "string",
  "bytes",
  "list",
  "map",
  "set",
  "path",
  "timestamp",
  "duration",
  "latlng",
  "map_diff",
  "constraint",
  "vector",
]);

/**
 * `==` as Google's engine computes it: an int and a float compare numerically at the top level
 * (`1 == 1.0`), but elements of lists and maps compare type-strictly (`[1] != [1.0]`).
 */
export function valueEquals(a: Value, b: Value): boolean {
  if (a.type === "int" && b.type === "float") return Number(a.value) === b.value;
  if (a.type === "float" && b.type === "int") return a.value === Number(b.value);
  return strictEquals(a, b);
}

/** Type-strict deep equality (an int never equals a float). */
export function strictEquals(a: Value, b: Value): boolean {
  if (a.type !== b.type) return false;
  switch (a.type) {
    case "null":
      return true;
    case "bool":
    case "int":
    case "float":
    case "string":
      return a.value === (b as typeof a).value;
    case "bytes": {
      const y = (b as typeof a).value;
      if (a.value.length !== y.length) return false;
      for (let i = 0; i < y.length; i++) if (a.value[i] !== y[i]) return false;
      return true;
    }
    case "list": {
      const y = (b as typeof a).value;
      if (a.value.length !== y.length) return false;
      for (let i = 0; i < y.length; i++) if (!strictEquals(a.value[i]!, y[i]!)) return false;
      return true;
    }
    case "map":
      return mapEquals(a.value, (b as typeof a).value);
    case "set": {
      const y = (b as typeof a).value;
      if (a.value.length !== y.length) return false;
      return a.value.every((x) => containsValue(y, x));
    }
    case "path": {
      // A path template ({name} segments) equals no path, not even itself (observed).
      const y = (b as typeof a).value;
      const template = (p: readonly string[]) => p.some((s) => /^\{[A-Za-z_][A-Za-z0-9_]*(=\*\*)?\}$/.test(s));
      if (template(a.value) || template(y)) return false;
      return a.value.length === y.length && a.value.every((s, i) => s === y[i]);
    }
    case "timestamp":
    case "duration": {
      const y = b as typeof a;
      return a.seconds === y.seconds && a.nanos === y.nanos;
    }
    case "latlng": {
      const y = b as typeof a;
      return a.lat === y.lat && a.lng === y.lng;
    }
    // A map diff equals nothing, not even itself (observed: `({}).diff({}) == ({}).diff({})` is false).
    case "mapdiff":
      return false;
    case "error":
      return false;
  }
}

function mapEquals(a: ReadonlyMap<string, Value>, b: ReadonlyMap<string, Value>): boolean {
  if (a.size !== b.size) return false;
  for (const [k, v] of a) {
    const w = b.get(k);
    if (w === undefined || !strictEquals(v, w)) return false;
  }
  return true;
}

export function containsStrict(items: readonly Value[], v: Value): boolean {
  for (const x of items) if (strictEquals(x, v)) return true;
  return false;
}

/** Set membership: Firestore's equality, numeric at every level with NaN equal to NaN (observed). */
export function containsValue(items: readonly Value[], v: Value): boolean {
  for (const x of items) if (firestoreEquals(x, v)) return true;
  return false;
}

const isNaNValue = (v: Value): boolean => v.type === "float" && Number.isNaN(v.value);

/**
 * Equality as Firestore compares stored values, which `diff()` uses: numbers compare numerically at every
 * level (`[1]` and `[1.0]` are unchanged) and NaN equals NaN (observed).
 */
export function firestoreEquals(a: Value, b: Value): boolean {
  if ((a.type === "int" || a.type === "float") && (b.type === "int" || b.type === "float")) {
    if (isNaNValue(a) || isNaNValue(b)) return isNaNValue(a) && isNaNValue(b);
    return a.type === "int" && b.type === "int" ? a.value === b.value : Number(a.value) === Number(b.value);
  }
  if (a.type === "list" && b.type === "list") return a.value.length === b.value.length && a.value.every((x, i) => firestoreEquals(x, b.value[i]!));
  if (a.type === "map" && b.type === "map") {
    if (a.value.size !== b.value.size) return false;
    for (const [k, x] of a.value) {
      const y = b.value.get(k);
      if (y === undefined || !firestoreEquals(x, y)) return false;
    }
    return true;
  }
  return strictEquals(a, b);
}

/** Unique elements, first occurrence kept. */
export function uniqueValues(items: readonly Value[]): Value[] {
  const out: Value[] = [];
  for (const x of items) if (!containsValue(out, x)) out.push(x);
  return out;
}

/** Order of two strings by UTF-16 code units, as Java compares them: '\uffff' > '😀' (observed). */
export function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Ordering for `< <= > >=`: a number (negative, zero, positive, NaN for unordered floats) or an error. */
export function compareValues(a: Value, b: Value): number | ErrorValue {
  if ((a.type === "int" || a.type === "float") && (b.type === "int" || b.type === "float")) {
    if (a.type === "int" && b.type === "int") return a.value < b.value ? -1 : a.value > b.value ? 1 : 0;
    const x = Number(a.value);
    const y = Number(b.value);
    return x < y ? -1 : x > y ? 1 : x === y ? 0 : Number.NaN;
  }
  if (a.type === "string" && b.type === "string") return compareStrings(a.value, b.value);
  if ((a.type === "timestamp" && b.type === "timestamp") || (a.type === "duration" && b.type === "duration")) {
    if (a.seconds !== b.seconds) return a.seconds < b.seconds ? -1 : 1;
    return a.nanos - b.nanos;
  }
  if (a.type === "bytes" && b.type === "bytes") {
    const n = Math.min(a.value.length, b.value.length);
    for (let i = 0; i < n; i++) if (a.value[i] !== b.value[i]) return a.value[i]! - b.value[i]!;
    return a.value.length - b.value.length;
  }
  return err(`Unsupported operation error. Received: ${typeName(a)} < ${typeName(b)}.`);
}

/** Normalises seconds + nanos so both carry the same sign and |nanos| < 1e9. */
export function normaliseDuration(seconds: bigint, nanos: number): { seconds: bigint; nanos: number } {
  seconds += BigInt(Math.trunc(nanos / 1e9));
  nanos = nanos % 1e9;
  if (seconds > 0n && nanos < 0) {
    seconds -= 1n;
    nanos += 1e9;
  } else if (seconds < 0n && nanos > 0) {
    seconds += 1n;
    nanos -= 1e9;
  }
  return { seconds, nanos: nanos === 0 ? 0 : nanos };
}

/** Timestamps keep 0 <= nanos < 1e9. */
export function normaliseTimestamp(seconds: bigint, nanos: number): { seconds: bigint; nanos: number } {
  seconds += BigInt(Math.floor(nanos / 1e9));
  nanos = ((nanos % 1e9) + 1e9) % 1e9;
  return { seconds, nanos };
}

// Valid timestamps span 0001-01-01T00:00:00Z to 9999-12-31T23:59:59.999999999Z.
const TIMESTAMP_MIN_SECONDS = -62135596800n;
const TIMESTAMP_MAX_SECONDS = 253402300799n;
// Durations span ±315,576,000,000 seconds (10,000 years).
const DURATION_LIMIT_SECONDS = 315576000000n;

export function timestamp(seconds: bigint, nanos: number): Value {
  const n = normaliseTimestamp(seconds, nanos);
  if (n.seconds < TIMESTAMP_MIN_SECONDS || n.seconds > TIMESTAMP_MAX_SECONDS) return err("Timestamp out of range error.");
  return { type: "timestamp", ...n };
}

export function duration(seconds: bigint, nanos: number): Value {
  const n = normaliseDuration(seconds, nanos);
  if (n.seconds > DURATION_LIMIT_SECONDS || n.seconds < -DURATION_LIMIT_SECONDS) return err("Duration out of range error.");
  return { type: "duration", ...n };
}

/** A short rendering for diagnostics and `debug()`. */
export function showValue(v: Value): string {
  switch (v.type) {
    case "null":
      return "null";
    case "bool":
    case "int":
      return String(v.value);
    case "float":
      return formatFloat(v.value);
    case "string":
      return JSON.stringify(v.value);
    case "bytes":
      return `b'${Array.from(v.value, (x) => `\\x${x.toString(16).padStart(2, "0")}`).join("")}'`;
    case "list":
      return `[${v.value.map(showValue).join(", ")}]`;
    case "set":
      return `set([${v.value.map(showValue).join(", ")}])`;
    case "map":
      return `{${[...v.value].map(([k, x]) => `${JSON.stringify(k)}: ${showValue(x)}`).join(", ")}}`;
    case "path":
      return `/${v.value.join("/")}`;
    case "timestamp":
    case "duration":
      return `${v.type}(${v.seconds}s ${v.nanos}ns)`;
    case "latlng":
      return `latlng(${v.lat}, ${v.lng})`;
    case "mapdiff":
      return "map_diff";
    case "error":
      return `error(${v.message})`;
  }
}

/**
 * Float rendering as `string(x)` produces it in Google's (Java) engine, i.e. Double.toString: plain
 * decimals with at least one fractional digit for 1e-3 <= |x| < 1e7, computerized scientific notation
 * ("1.0E7", "1.5E-4") outside that range.
 */
export function formatFloat(x: number): string {
  if (Number.isNaN(x)) return "NaN";
  if (x === Infinity) return "Infinity";
  if (x === -Infinity) return "-Infinity";
  if (x === 0) return Object.is(x, -0) ? "-0.0" : "0.0";
  const abs = Math.abs(x);
  if (abs >= 1e-3 && abs < 1e7) {
    const text = String(x);
    return text.includes(".") ? text : `${text}.0`;
  }
  const [mantissa, exponent] = x.toExponential().split("e") as [string, string];
  return `${mantissa.includes(".") ? mantissa : `${mantissa}.0`}E${exponent.replace("+", "")}`;
}
