// The standard library: receiver methods, global functions and namespaces (math, timestamp, duration,
// hashing, latlng). Every function takes already-evaluated, non-error arguments and returns a Value
// (errors as values). Document functions need the evaluation context and live in evaluator.ts.
import { createHash } from "node:crypto";
import { RE2JS } from "re2js";
import type { Value } from "./api.ts";
import { pow } from "./pow.ts";
import {
  bool,
  containsStrict,
  containsValue,
  duration,
  err,
  float,
  formatFloat,
  int,
  list,
  NULL,
  str,
  timestamp,
  typeName,
  uniqueValues,
  firestoreEquals,
  INT64_MAX,
  INT64_MIN,
  type ErrorValue,
} from "./values.ts";

const notFound = (name: string): ErrorValue => err(`Function not found error: Name: [${name}].`);
const unsupported = (recv: string, name: string, args: readonly Value[]): ErrorValue =>
  err(`Unsupported operation error. Received: ${recv}.${name}(${args.map(typeName).join(",")}).`);

// ---- regular expressions (RE2 semantics through re2js) ----
const regexCache = new Map<string, RE2JS | string>();

/** A compiled RE2 pattern, or the syntax error text. Cached: rules reuse a handful of constant patterns. */
export function compileRegex(pattern: string): RE2JS | string {
  let re = regexCache.get(pattern);
  if (re === undefined) {
    try {
      re = RE2JS.compile(pattern);
    } catch (e) {
      re = `Invalid regular expression pattern: ${(e as Error).message}`;
    }
    if (regexCache.size > 1000) regexCache.clear();
    regexCache.set(pattern, re);
  }
  return re;
}

// ---- strings ----
// Sizes, indexes and slices count UTF-16 code units, as Google's (Java) engine does: '😀'.size() == 2.
export const stringSize = (s: string): number => s.length;

export function stringIndex(s: string, i: bigint): Value {
  if (i < 0n || i >= BigInt(s.length)) return err(`Index out of bound error. Index: [${i}] , size: [${s.length}].`);
  return str(s[Number(i)]!);
}

function sliceBounds(from: bigint | null, to: bigint | null, size: number): [number, number] | ErrorValue {
  const a = from ?? 0n;
  const b = to ?? BigInt(size);
  if (a < 0n || b > BigInt(size) || a > b) return err(`Index out of bound error. Slice: [${a}:${b}] , size: [${size}].`);
  return [Number(a), Number(b)];
}

// Observed on Google's engine, for strings and lists alike: a slice must start at a valid index
// ('3'[1:1] errors) and must not end at 0 ([1, 2, 3][0:0] and 'abc'[0:0] error, [1, 2, 3][1:1] == []).
export function sliceValue(v: Value, from: bigint | null, to: bigint | null): Value {
  if (v.type === "path") {
    if (isTemplatePath(v.value) && from === null && to === null) return v;
    if (isTemplatePath(v.value)) return err("Unsupported operation error. A path template cannot be sliced.");
    const r = sliceValue(list(v.value.map(str)), from, to);
    return r.type === "list" ? { type: "path", value: r.value.map((x) => (x as { value: string }).value) } : r;
  }
  if (v.type !== "string" && v.type !== "list") return err(`Unsupported operation error. Received: ${typeName(v)}[:].`);
  const size = v.value.length;
  const bounds = sliceBounds(from, to, size);
  if (!Array.isArray(bounds)) return bounds;
  // The start and end checks apply to bounds that are written: [][:] and [][:null] are [] (observed).
  if ((from !== null && bounds[0] >= size) || (to !== null && bounds[1] === 0))
    return err(`Index out of bound error. Slice: [${bounds[0]}:${bounds[1]}] , size: [${size}].`);
  return v.type === "string" ? str(v.value.slice(bounds[0], bounds[1])) : list(v.value.slice(bounds[0], bounds[1]));
}

/**
 * `split` as Google's engine does it (observed): cut at every match, zero-width ones included, then drop the
 * trailing empty pieces but keep at least one: 'abc'.split('') == ['', 'a', 'b', 'c'], 'abb'.split('b') ==
 * ['a'], ' pad '.split('\\s+') == ['', 'pad'], ''.split(',') == [''], 'abc'.split('.').size() == 1.
 */
function splitLikeGoogle(re: RE2JS, s: string): string[] {
  const pieces: string[] = [];
  let from = 0;
  for (const [start, end] of matchSpans(re, s)) {
    pieces.push(s.slice(from, start));
    from = end;
  }
  pieces.push(s.slice(from));
  while (pieces.length > 1 && pieces[pieces.length - 1] === "") pieces.pop();
  return pieces;
}

/**
 * Every match, as Java's Matcher.find() walks them: after an empty match the search resumes one UTF-16
 * unit further, so an empty pattern matches between the two halves of a surrogate pair too
 * ('😀'.split('').size() == 3 in Google's engine).
 */
function matchSpans(re: RE2JS, s: string): [number, number][] {
  const spans: [number, number][] = [];
  const m = re.matcher(s);
  let pos = 0;
  while (pos <= s.length && m.find(pos)) {
    const start = m.start();
    const end = m.end();
    spans.push([start, end]);
    pos = end === start ? end + 1 : end;
  }
  return spans;
}

/**
 * `replace` as Google's engine does it: `$n` is group n (`$0` the match), `\\c` is c; a `$` that starts
 * no group reference and a trailing backslash are literal (observed).
 */
function replaceLikeGoogle(re: RE2JS, s: string, replacement: string): Value {
  const groups = re.groupCount();
  const m = re.matcher(s);
  let out = "";
  let from = 0;
  let pos = 0;
  while (pos <= s.length && m.find(pos)) {
    const start = m.start();
    const end = m.end();
    out += s.slice(from, start);
    for (let i = 0; i < replacement.length; i++) {
      const c = replacement[i]!;
      if (c === "\\" && i + 1 < replacement.length) {
        out += replacement[++i];
      } else if (c === "$" && /[0-9]/.test(replacement[i + 1] ?? "")) {
        let group = Number(replacement[++i]);
        if (group > groups) return err(`Invalid replacement: no group ${group}.`);
        while (/[0-9]/.test(replacement[i + 1] ?? "") && group * 10 + Number(replacement[i + 1]) <= groups) group = group * 10 + Number(replacement[++i]);
        out += m.group(group) ?? "";
      } else if (c === "$" && replacement[i + 1] === "{") {
        const close = replacement.indexOf("}", i);
        const name = close < 0 ? "" : replacement.slice(i + 2, close);
        const index = re.namedGroups()[name];
        if (index === undefined) return err(`Invalid replacement: no group named '${name}'.`);
        out += m.group(index) ?? "";
        i = close;
      } else {
        out += c;
      }
    }
    from = end;
    pos = end === start ? end + 1 : end;
  }
  return str(out + s.slice(from));
}

function stringMethod(s: string, name: string, args: readonly Value[]): Value {
  const argTypes = args.map((a) => a.type).join(",");
  switch (`${name}/${argTypes}`) {
    case "size/":
      return int(BigInt(stringSize(s)));
    // Google's engine changes the case of ASCII letters only: 'ébc'.upper() == 'éBC'.
    case "lower/":
      return str(s.replace(/[A-Z]+/g, (x) => x.toLowerCase()));
    case "upper/":
      return str(s.replace(/[a-z]+/g, (x) => x.toUpperCase()));
    case "trim/":
      // Java's String.trim(): every character up to U+0020 at either end.
      // biome-ignore lint/suspicious/noControlCharactersInRegex: trim() strips U+0000–U+0020, as Java's String.trim does.
      return str(s.replace(/^[\u0000-\u0020]+|[\u0000-\u0020]+$/g, ""));
    case "toUtf8/":
      return { type: "bytes", value: new TextEncoder().encode(s) };
    case "matches/string": {
      const re = compileRegex((args[0] as { value: string }).value);
      if (typeof re === "string") return err(re);
      return bool(re.matches(s));
    }
    case "replace/string,string": {
      const re = compileRegex((args[0] as { value: string }).value);
      if (typeof re === "string") return err(re);
      return replaceLikeGoogle(re, s, (args[1] as { value: string }).value);
    }
    case "split/string": {
      const re = compileRegex((args[0] as { value: string }).value);
      if (typeof re === "string") return err(re);
      return list(splitLikeGoogle(re, s).map(str));
    }
  }
  if (["size", "lower", "upper", "trim", "toUtf8", "matches", "replace", "split"].includes(name)) return unsupported("string", name, args);
  return notFound(name);
}

// ---- bytes ----
function bytesMethod(b: Uint8Array, name: string, args: readonly Value[]): Value {
  if (args.length > 0) return ["size", "toBase64", "toHexString"].includes(name) ? unsupported("bytes", name, args) : notFound(name);
  switch (name) {
    case "size":
      return int(BigInt(b.length));
    case "toBase64":
      return str(Buffer.from(b).toString("base64").replace(/\+/g, "-").replace(/\//g, "_"));
    case "toHexString":
      return str(Buffer.from(b).toString("hex").toUpperCase());
  }
  return notFound(name);
}

// ---- lists and sets ----
function asItems(v: Value): readonly Value[] | null {
  return v.type === "list" || v.type === "set" ? v.value : null;
}

function collectionMethod(kind: "list" | "set", items: readonly Value[], name: string, args: readonly Value[]): Value {
  const arg = args[0];
  // Lists take only a list argument and compare type-strictly (1 is not 1.0); sets take a list or a set
  // and compare numerically, as `1 in [1.0].toSet()` does.
  const other = arg && (kind === "set" || arg.type === "list") ? asItems(arg) : null;
  const contains = kind === "list" ? containsStrict : containsValue;
  switch (name) {
    case "size":
      if (args.length === 0) return int(BigInt(items.length));
      break;
    case "hasAll":
      if (args.length === 1 && other) return bool(other.every((x) => contains(items, x)));
      break;
    case "hasAny":
      if (args.length === 1 && other) return bool(other.some((x) => contains(items, x)));
      break;
    case "hasOnly":
      if (args.length === 1 && other) return bool(items.every((x) => contains(other, x)));
      break;
  }
  if (kind === "list") {
    switch (name) {
      case "concat":
        if (args.length === 1 && arg?.type === "list") return list([...items, ...arg.value]);
        break;
      case "join":
        if (args.length === 1 && arg?.type === "string") {
          const parts: string[] = [];
          for (const x of items) {
            const s = x.type === "bytes" ? null : callGlobal("string", [x]);
            if (s?.type !== "string") return err(`Unsupported operation error. Cannot join ${typeName(x)}.`);
            parts.push(s.value);
          }
          return str(parts.join(arg.value));
        }
        break;
      case "removeAll":
        if (args.length === 1 && arg?.type === "list") return list(items.filter((x) => !containsStrict(arg.value, x)));
        break;
      case "toSet":
        if (args.length === 0) return { type: "set", value: uniqueValues(items) };
        break;
      case "size":
      case "hasAll":
      case "hasAny":
      case "hasOnly":
        break;
      default:
        return notFound(name);
    }
    return unsupported("list", name, args);
  }
  switch (name) {
    case "difference":
      if (args.length === 1 && arg?.type === "set") return { type: "set", value: items.filter((x) => !containsValue(arg.value, x)) };
      break;
    case "intersection":
      if (args.length === 1 && arg?.type === "set") return { type: "set", value: items.filter((x) => containsValue(arg.value, x)) };
      break;
    case "union":
      if (args.length === 1 && arg?.type === "set") return { type: "set", value: uniqueValues([...items, ...arg.value]) };
      break;
    case "size":
    case "hasAll":
    case "hasAny":
    case "hasOnly":
      break;
    default:
      return notFound(name);
  }
  return unsupported("set", name, args);
}

// ---- maps and map diffs ----
function mapMethod(m: ReadonlyMap<string, Value>, name: string, args: readonly Value[]): Value {
  switch (name) {
    case "size":
      if (args.length === 0) return int(BigInt(m.size));
      break;
    // Observed on Google's engine: keys() comes sorted ({'c': 1, 'a': 2}.keys() == ['a', 'c']) while
    // values() keeps the map's own order ({'c': 1, 'a': 2}.values() == [1, 2]).
    case "keys":
      if (args.length === 0) return list([...m.keys()].sort().map(str));
      break;
    case "values":
      if (args.length === 0) return list([...m.values()]);
      break;
    case "diff":
      if (args.length === 1 && args[0]!.type === "map") return { type: "mapdiff", left: m, right: args[0]!.value };
      break;
    case "get": {
      if (args.length !== 2) break;
      const [key, fallback] = args as [Value, Value];
      if (key.type === "string") return m.get(key.value) ?? fallback;
      if (key.type === "list") {
        let current: Value = { type: "map", value: m };
        for (const k of key.value) {
          if (k.type !== "string") return unsupported("map", name, args);
          if (current.type !== "map") return fallback;
          const next: Value | undefined = current.value.get(k.value);
          if (next === undefined) return fallback;
          current = next;
        }
        return current;
      }
      break;
    }
    default:
      return notFound(name);
  }
  return unsupported("map", name, args);
}

function mapDiffMethod(left: ReadonlyMap<string, Value>, right: ReadonlyMap<string, Value>, name: string, args: readonly Value[]): Value {
  if (args.length > 0) return unsupported("map_diff", name, args);
  const keys: string[] = [];
  const add = (k: string) => keys.push(k);
  switch (name) {
    case "addedKeys":
      for (const k of left.keys()) if (!right.has(k)) add(k);
      break;
    case "removedKeys":
      for (const k of right.keys()) if (!left.has(k)) add(k);
      break;
    case "changedKeys":
      for (const [k, v] of left) if (right.has(k) && !firestoreEquals(v, right.get(k)!)) add(k);
      break;
    case "unchangedKeys":
      for (const [k, v] of left) if (right.has(k) && firestoreEquals(v, right.get(k)!)) add(k);
      break;
    case "affectedKeys":
      for (const [k, v] of left) if (!right.has(k) || !firestoreEquals(v, right.get(k)!)) add(k);
      for (const k of right.keys()) if (!left.has(k)) add(k);
      break;
    default:
      return notFound(name);
  }
  return { type: "set", value: keys.map(str) };
}

// ---- timestamps, durations, latlng ----
const NANOS_PER_DAY = 86_400_000_000_000n;

function timestampMethod(seconds: bigint, nanos: number, name: string, args: readonly Value[]): Value {
  if (args.length > 0) return notFound(name);
  const totalNanos = seconds * 1_000_000_000n + BigInt(nanos);
  const dayIndex = floorDiv(totalNanos, NANOS_PER_DAY);
  const nanoOfDay = totalNanos - dayIndex * NANOS_PER_DAY;
  const date = new Date(Number(dayIndex) * 86_400_000);
  switch (name) {
    case "year":
      return int(BigInt(date.getUTCFullYear()));
    case "month":
      return int(BigInt(date.getUTCMonth() + 1));
    case "day":
      return int(BigInt(date.getUTCDate()));
    case "hours":
      return int(nanoOfDay / 3_600_000_000_000n);
    case "minutes":
      return int((nanoOfDay / 60_000_000_000n) % 60n);
    case "seconds":
      return int((nanoOfDay / 1_000_000_000n) % 60n);
    case "nanos":
      return int(BigInt(nanos));
    case "dayOfWeek": {
      const jsDay = date.getUTCDay(); // 0 = Sunday
      return int(BigInt(jsDay === 0 ? 7 : jsDay));
    }
    case "dayOfYear": {
      // setUTCFullYear, not Date.UTC: Date.UTC maps the years 0–99 to 1900–1999.
      const startOfYear = new Date(0);
      startOfYear.setUTCFullYear(date.getUTCFullYear(), 0, 1);
      return int(BigInt(Math.round((date.getTime() - startOfYear.getTime()) / 86_400_000) + 1));
    }
    case "date":
      return timestamp(dayIndex * 86_400n, 0);
    case "time":
      return duration(nanoOfDay / 1_000_000_000n, Number(nanoOfDay % 1_000_000_000n));
    case "toMillis":
      return int(seconds * 1000n + BigInt(Math.floor(nanos / 1e6)));
  }
  return notFound(name);
}

function floorDiv(a: bigint, b: bigint): bigint {
  const q = a / b;
  return a % b !== 0n && a < 0n !== b < 0n ? q - 1n : q;
}

function durationMethod(seconds: bigint, nanos: number, name: string, args: readonly Value[]): Value {
  if (args.length > 0) return notFound(name);
  if (name === "seconds") return int(seconds);
  if (name === "nanos") return int(BigInt(nanos));
  return notFound(name);
}

// The earth radius Google's engine uses with the haversine formula: 6371009 m reproduces its distances
// exactly (observed: 1° of longitude on the equator is 111195.08372419141 m).
const EARTH_RADIUS_METRES = 6_371_009;

function latlngMethod(lat: number, lng: number, name: string, args: readonly Value[]): Value {
  if (name === "latitude" && args.length === 0) return float(lat);
  if (name === "longitude" && args.length === 0) return float(lng);
  if (name === "distance" && args.length === 1 && args[0]!.type === "latlng") {
    const o = args[0]!;
    const rad = Math.PI / 180;
    const dLat = (o.lat - lat) * rad;
    const dLng = (o.lng - lng) * rad;
    const h = Math.sin(dLat / 2) ** 2 + Math.cos(lat * rad) * Math.cos(o.lat * rad) * Math.sin(dLng / 2) ** 2;
    return float(2 * EARTH_RADIUS_METRES * Math.asin(Math.min(1, Math.sqrt(h))));
  }
  return notFound(name);
}

// ---- paths ----
/** A value bound into a path segment: strings as they are, scalars and paths through `string()`. */
export function pathSegmentText(v: Value): string | null {
  if (v.type === "string") return v.value;
  if (v.type === "null") return "null";
  if (v.type === "int" || v.type === "float" || v.type === "bool" || v.type === "path") {
    const s = callGlobal("string", [v]);
    return s?.type === "string" ? s.value : null;
  }
  return null;
}

function pathMethod(segments: readonly string[], name: string, args: readonly Value[]): Value {
  if (name === "bind" && args.length === 1 && args[0]!.type === "map") {
    const bindings = args[0]!.value;
    const used = new Set<string>();
    const out: string[] = [];
    for (const seg of segments) {
      const m = TEMPLATE_SEGMENT.exec(seg);
      if (m?.[2]) return err("Unsupported operation error. Cannot bind a recursive path variable.");
      if (!m) {
        out.push(seg);
        continue;
      }
      const bound = bindings.get(m[1]!);
      if (bound === undefined) return err(`Property ${m[1]} is undefined on object.`);
      used.add(m[1]!);
      const text = pathSegmentText(bound);
      if (text === null) return err(`Unsupported operation error. Cannot bind ${typeName(bound)} into a path.`);
      out.push(text);
    }
    // Binding a variable the path does not have is an error in Google's engine (observed).
    for (const k of bindings.keys()) if (!used.has(k)) return err(`Unsupported operation error. Path has no variable ${k}.`);
    return { type: "path", value: out };
  }
  return notFound(name);
}

/** Dispatches `recv.name(args)` on a receiver value. */
export function callMethod(recv: Value, name: string, args: readonly Value[]): Value {
  switch (recv.type) {
    case "string":
      return stringMethod(recv.value, name, args);
    case "bytes":
      return bytesMethod(recv.value, name, args);
    case "list":
      return collectionMethod("list", recv.value, name, args);
    case "set":
      return collectionMethod("set", recv.value, name, args);
    case "map":
      return mapMethod(recv.value, name, args);
    case "mapdiff":
      return mapDiffMethod(recv.left, recv.right, name, args);
    case "timestamp":
      return timestampMethod(recv.seconds, recv.nanos, name, args);
    case "duration":
      return durationMethod(recv.seconds, recv.nanos, name, args);
    case "latlng":
      return latlngMethod(recv.lat, recv.lng, name, args);
    case "path":
      return pathMethod(recv.value, name, args);
    case "null":
      return err("Null value error.");
    default:
      return notFound(name);
  }
}

// ---- global conversion functions ----
// Whitespace as Guava's CharMatcher.whitespace() sees it: path() trims it around segments (observed with
// U+00A0, U+2003 and U+0085; U+0001 is kept).
const PATH_SPACE = "\t\n\u000b\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000";
const PATH_TRIM = new RegExp(`^[${PATH_SPACE}]+|[${PATH_SPACE}]+$`, "g");

/**
 * Java's URLDecoder.decode (UTF-8) as Google's engine applies it to path segments: `+` is a space, `%XX`
 * runs are UTF-8 (malformed sequences become U+FFFD), an incomplete or non-hex escape is an error (null).
 */
export function urlDecode(s: string): string | null {
  if (!s.includes("%") && !s.includes("+")) return s;
  let out = "";
  for (let i = 0; i < s.length; ) {
    const c = s[i]!;
    if (c === "+") {
      out += " ";
      i++;
    } else if (c === "%") {
      const bytes: number[] = [];
      while (s[i] === "%") {
        const hex = s.slice(i + 1, i + 3);
        if (!/^[0-9a-fA-F]{2}$/.test(hex)) return null;
        bytes.push(parseInt(hex, 16));
        i += 3;
      }
      out += new TextDecoder().decode(Uint8Array.from(bytes));
    } else {
      out += c;
      i++;
    }
  }
  return out;
}

/** A segment `{name}` or `{name=**}`: a variable of a path template (bound by `bind()`). */
const TEMPLATE_SEGMENT = /^\{([A-Za-z_][A-Za-z0-9_]*)(=\*\*)?\}$/;
export const isTemplatePath = (segments: readonly string[]): boolean => segments.some((seg) => TEMPLATE_SEGMENT.test(seg));

/**
 * `path(string)`: one leading `/` is optional; segments are trimmed and none may be empty. A segment that
 * opens a `{` must be a whole variable `{name}` (or `{name=**}`), each name once: the result is then a path
 * template, which Google's engine cannot index or slice and which equals no path (observed).
 */
export function parsePathString(s: string): Value {
  const body = s.startsWith("/") ? s.slice(1) : s;
  const trimmed = body.split("/").map((seg) => seg.replace(PATH_TRIM, ""));
  if (trimmed.some((seg) => seg.length === 0)) return err(`Invalid path '${s}': empty segment.`);
  const segments: string[] = [];
  for (const seg of trimmed) {
    const decoded = urlDecode(seg);
    if (decoded === null) return err(`Invalid path '${s}': bad escape in '${seg}'.`);
    segments.push(decoded);
  }
  const names = new Set<string>();
  for (const seg of segments) {
    if (!seg.includes("{")) continue;
    const m = TEMPLATE_SEGMENT.exec(seg);
    if (!m || names.has(m[1]!)) return err(`Invalid path '${s}': bad variable segment '${seg}'.`);
    names.add(m[1]!);
  }
  return { type: "path", value: segments };
}

const INT_STRING = /^[+-]?\d+$/;
// Java's Double.parseDouble (decimal forms): optional type suffix, NaN and Infinity spelled out ('inf' is an
// error in Google's engine, observed).
const FLOAT_STRING = /^[+-]?(NaN|Infinity|(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?[fFdD]?)$/;

export function callGlobal(name: string, args: readonly Value[]): Value | undefined {
  const a = args[0];
  switch (name) {
    case "int":
      if (args.length !== 1) return unsupported("", name, args);
      if (a!.type === "int") return a!;
      if (a!.type === "float") {
        // Java's (long) cast: truncation toward zero, saturating at the int64 range, NaN → 0.
        const x = a!.value;
        if (Number.isNaN(x)) return int(0n);
        // biome-ignore lint/correctness/noPrecisionLoss: the double nearest to 2^63, as Java's saturating cast compares.
        if (x >= 9223372036854775807) return int(INT64_MAX);
        // biome-ignore lint/correctness/noPrecisionLoss: -2^63 exactly.
        if (x <= -9223372036854775808) return int(INT64_MIN);
        return int(BigInt(Math.trunc(x)));
      }
      if (a!.type === "string") {
        if (!INT_STRING.test(a!.value)) return err(`Conversion error: cannot convert '${a!.value}' to int.`);
        return int(BigInt(a!.value));
      }
      return unsupported("", name, args);
    case "float":
      if (args.length !== 1) return unsupported("", name, args);
      if (a!.type === "float") return a!;
      if (a!.type === "int") return float(Number(a!.value));
      if (a!.type === "string") {
        // biome-ignore lint/suspicious/noControlCharactersInRegex: Java's trim(), as above.
        const s = a!.value.replace(/^[\u0000-\u0020]+|[\u0000-\u0020]+$/g, "");
        if (!FLOAT_STRING.test(s)) return err(`Conversion error: cannot convert '${a!.value}' to float.`);
        return float(Number(s.replace(/[fFdD]$/, "")));
      }
      return unsupported("", name, args);
    case "string":
      if (args.length !== 1) return unsupported("", name, args);
      switch (a!.type) {
        case "string":
          return a!;
        case "bool":
        case "int":
          return str(String(a!.value));
        case "float":
          return str(formatFloat(a!.value));
        case "null":
          return str("null");
        case "path":
          // The variables of a path template render as nothing: string(path('a/{x}')) == '/a/' (observed).
          return str(`/${a!.value.map((seg) => (TEMPLATE_SEGMENT.test(seg) ? "" : seg)).join("/")}`);
        default:
          // string(bytes) is an error in Google's engine (observed).
          return unsupported("", name, args);
      }
    case "path":
      // An empty path or segment is an error in Google's engine (path(''), path('a//b'), path('a/')).
      if (args.length === 1 && a!.type === "string") return parsePathString(a!.value);
      return err(`Unsupported operation error. Received: path(${args.map(typeName).join(",")}). Expected: path(string).`);
    case "debug":
      return args.length === 1 ? a! : unsupported("", name, args);
  }
  return undefined;
}

// ---- namespaces ----
const DURATION_UNITS: Record<string, bigint> = {
  w: 7n * 86_400_000_000_000n,
  d: 86_400_000_000_000n,
  h: 3_600_000_000_000n,
  m: 60_000_000_000n,
  s: 1_000_000_000n,
  ms: 1_000_000n,
  ns: 1n,
};

function durationFromNanos(total: bigint): Value {
  return duration(total / 1_000_000_000n, Number(total % 1_000_000_000n));
}

const isNumber = (v: Value | undefined): v is Extract<Value, { type: "int" | "float" }> => v?.type === "int" || v?.type === "float";
const toNumber = (v: Extract<Value, { type: "int" | "float" }>): number => Number(v.value);
const allInts = (args: readonly Value[], n: number) => args.length === n && args.every((a) => a.type === "int");

export function callNamespace(ns: string, name: string, args: readonly Value[]): Value | undefined {
  const a = args[0];
  const qualified = `${ns}.${name}`;
  switch (qualified) {
    case "math.abs":
      if (args.length !== 1) break;
      // Java's Math.abs(Long.MIN_VALUE) is Long.MIN_VALUE (observed on Google's engine).
      if (a!.type === "int") return a!.value === INT64_MIN ? a! : int(a!.value < 0n ? -a!.value : a!.value);
      if (a!.type === "float") return float(Math.abs(a!.value));
      break;
    case "math.ceil":
      if (args.length === 1 && isNumber(a)) return float(Math.ceil(toNumber(a)));
      break;
    case "math.floor":
      if (args.length === 1 && isNumber(a)) return float(Math.floor(toNumber(a)));
      break;
    case "math.round":
      if (args.length === 1 && isNumber(a)) {
        // An int goes through a double first: math.round(9007199254740993) == 9007199254740992 (observed).
        if (a.type === "int") return callGlobal("int", [float(Math.round(Number(a.value)))])!;
        // Java's Math.round: halves round up (2.5 → 3, -2.5 → -2) like JavaScript's, and the long result
        // saturates (NaN → 0), exactly like int() of the rounded value.
        return callGlobal("int", [float(Math.round(a.value))])!;
      }
      break;
    case "math.sqrt":
      if (args.length === 1 && isNumber(a)) return float(Math.sqrt(toNumber(a)));
      break;
    case "math.pow":
      if (args.length === 2 && isNumber(a) && isNumber(args[1])) return float(pow(toNumber(a), toNumber(args[1])));
      break;
    case "math.isNaN":
      if (args.length === 1 && isNumber(a)) return bool(Number.isNaN(toNumber(a)));
      break;
    case "timestamp.value":
      if (allInts(args, 1)) {
        const ms = (a as { value: bigint }).value;
        return timestamp(floorDiv(ms, 1000n), Number(ms - floorDiv(ms, 1000n) * 1000n) * 1e6);
      }
      break;
    case "timestamp.date":
      if (allInts(args, 3)) {
        const [y, m, d] = args.map((x) => Number((x as { value: bigint }).value)) as [number, number, number];
        if (m < 1 || m > 12 || d < 1 || d > 31) return err("Invalid date.");
        const date = new Date(0);
        date.setUTCFullYear(y, m - 1, d);
        if (date.getUTCMonth() !== m - 1) return err("Invalid date.");
        return timestamp(BigInt(Math.floor(date.getTime() / 1000)), 0);
      }
      break;
    case "duration.value":
      if (args.length === 2 && a!.type === "int" && args[1]!.type === "string") {
        const unit = DURATION_UNITS[args[1]!.value];
        if (unit === undefined) return err(`Invalid duration unit '${args[1]!.value}'.`);
        return durationFromNanos(a!.value * unit);
      }
      break;
    case "duration.time":
      if (allInts(args, 4)) {
        const [h, m, s, n] = args.map((x) => (x as { value: bigint }).value) as [bigint, bigint, bigint, bigint];
        return durationFromNanos(h * DURATION_UNITS.h! + m * DURATION_UNITS.m! + s * DURATION_UNITS.s! + n);
      }
      break;
    case "duration.abs":
      if (args.length === 1 && a!.type === "duration") return duration(a!.seconds < 0n ? -a!.seconds : a!.seconds, Math.abs(a!.nanos));
      break;
    case "latlng.value":
      if (args.length === 2 && isNumber(a) && isNumber(args[1])) {
        const lat = toNumber(a);
        const lng = toNumber(args[1]);
        if (!(lat >= -90 && lat <= 90 && lng >= -180 && lng <= 180))
          return err("Latitude should be in [-90,90] range and longitude should be in [-180,180] range.");
        return { type: "latlng", lat, lng };
      }
      break;
    case "hashing.crc32":
    case "hashing.crc32c":
    case "hashing.md5":
    case "hashing.sha256": {
      if (args.length !== 1 || (a!.type !== "string" && a!.type !== "bytes")) break;
      const data = a!.type === "string" ? new TextEncoder().encode(a!.value) : a!.value;
      return { type: "bytes", value: hash(name, data) };
    }
    default:
      return undefined;
  }
  return err(`Unsupported operation error. Received: ${qualified}(${args.map(typeName).join(",")}).`);
}

function crcTable(poly: number): Uint32Array {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? poly ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
}
const CRC32_TABLE = crcTable(0xedb88320);
const CRC32C_TABLE = crcTable(0x82f63b78);

function crc(table: Uint32Array, data: Uint8Array): Uint8Array {
  let c = 0xffffffff;
  for (const b of data) c = table[(c ^ b) & 0xff]! ^ (c >>> 8);
  c = (c ^ 0xffffffff) >>> 0;
  // Google's engine renders the CRC value little-endian.
  return Uint8Array.of(c & 0xff, (c >>> 8) & 0xff, (c >>> 16) & 0xff, c >>> 24);
}

function hash(name: string, data: Uint8Array): Uint8Array {
  switch (name) {
    case "crc32":
      return crc(CRC32_TABLE, data);
    case "crc32c":
      return crc(CRC32C_TABLE, data);
    default:
      return new Uint8Array(createHash(name).update(data).digest());
  }
}

export const NAMESPACES = new Set(["math", "timestamp", "duration", "hashing", "latlng", "firestore"]);
export { NULL };
