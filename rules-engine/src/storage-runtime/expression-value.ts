// Value codecs of the Storage rules runtime protocol. Pure: no I/O.
//
// firebase-tools' Storage emulator sends rules variables in its "expression value" encoding (the JSON form of
// the rules runtime's protobuf: `{string_value: "…"}`, `{map_value: {fields: {…}}}` …), and answers document
// lookups with Firestore REST documents (`{stringValue: "…"}`, `{integerValue: "12"}` …). Both are converted
// to the engine's `Value`s here. Malformed input throws `ValueCodecError`; the server turns that into an
// `errors` entry of its response instead of crashing.
import type { Value } from "../api.ts";

export class ValueCodecError extends Error {
  override name = "ValueCodecError";
}

/** One path segment as firebase-tools (or the runtime) writes it. */
export type ExpressionPathSegment = { simple: string } | { variable_name: string; bound_value: string | ExpressionPathValue };

export interface ExpressionPathValue {
  segments?: ExpressionPathSegment[];
}

/** The JSON form of the runtime's ExpressionValue (firebase-tools src/emulator/storage/rules/expressionValue.ts). */
export interface ExpressionValue {
  null_value?: null | 0 | "NULL_VALUE";
  bool_value?: boolean;
  int_value?: number | string;
  float_value?: number | string;
  string_value?: string;
  /** A Node Buffer serialised by JSON.stringify ({type: "Buffer", data: [...]}) or base64 (proto JSON). */
  bytes_value?: { type: "Buffer"; data: number[] } | string;
  path_value?: ExpressionPathValue;
  duration_value?: { seconds?: number | string; nanos?: number };
  timestamp_value?: string;
  latlng_value?: { latitude?: number; longitude?: number };
  map_value?: { fields?: Record<string, ExpressionValue> };
  list_value?: { values?: ExpressionValue[] };
  set_value?: { values?: ExpressionValue[] };
  constraint_value?: unknown;
}

/** A Firestore REST API `Value` (https://firebase.google.com/docs/firestore/reference/rest/v1/Value). */
export interface FirestoreRestValue {
  nullValue?: null | "NULL_VALUE";
  booleanValue?: boolean;
  integerValue?: string | number;
  doubleValue?: number | string;
  timestampValue?: string;
  stringValue?: string;
  bytesValue?: string;
  referenceValue?: string;
  geoPointValue?: { latitude?: number; longitude?: number };
  arrayValue?: { values?: FirestoreRestValue[] };
  mapValue?: { fields?: Record<string, FirestoreRestValue> };
}

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

function isObject(x: unknown): x is Record<string, unknown> {
  return typeof x === "object" && x !== null && !Array.isArray(x);
}

function describe(x: unknown): string {
  const json = JSON.stringify(x);
  return json === undefined ? String(x) : json.length > 80 ? `${json.slice(0, 77)}...` : json;
}

function toInt64(raw: unknown, what: string): bigint {
  let value: bigint;
  if (typeof raw === "number") {
    if (!Number.isInteger(raw)) throw new ValueCodecError(`${what}: ${raw} is not an integer`);
    value = BigInt(raw);
  } else if (typeof raw === "string" && /^-?\d+$/.test(raw)) {
    value = BigInt(raw);
  } else {
    throw new ValueCodecError(`${what}: expected an integer, got ${describe(raw)}`);
  }
  if (value < INT64_MIN || value > INT64_MAX) throw new ValueCodecError(`${what}: ${value} is outside the 64-bit range`);
  return value;
}

function toDouble(raw: unknown, what: string): number {
  if (typeof raw === "number") return raw;
  // Proto JSON spells the non-finite doubles as strings.
  if (raw === "NaN") return Number.NaN;
  if (raw === "Infinity") return Number.POSITIVE_INFINITY;
  if (raw === "-Infinity") return Number.NEGATIVE_INFINITY;
  throw new ValueCodecError(`${what}: expected a number, got ${describe(raw)}`);
}

function toFiniteNumber(raw: unknown, what: string): number {
  if (typeof raw !== "number" || !Number.isFinite(raw)) throw new ValueCodecError(`${what}: expected a number, got ${describe(raw)}`);
  return raw;
}

const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?([Zz]|[+-]\d{2}:\d{2})$/;

/** Parses an RFC 3339 timestamp keeping nanoseconds (JavaScript's Date would keep milliseconds only). */
export function parseTimestamp(text: string): { seconds: bigint; nanos: number } {
  const m = RFC3339.exec(text);
  if (!m) throw new ValueCodecError(`timestamp: ${describe(text)} is not an RFC 3339 timestamp`);
  const [, y, mo, d, h, mi, s, fraction = "", zone] = m;
  const millis = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s));
  if (Number.isNaN(millis) || Number(mo) > 12 || Number(d) > 31 || Number(h) > 23 || Number(mi) > 59 || Number(s) > 60) {
    throw new ValueCodecError(`timestamp: ${describe(text)} is not a valid date`);
  }
  let seconds = BigInt(millis / 1000);
  if (zone !== "Z" && zone !== "z") {
    const sign = zone!.startsWith("-") ? -1n : 1n;
    const [zh, zm] = zone!.slice(1).split(":").map(Number);
    seconds -= sign * BigInt(zh! * 3600 + zm! * 60);
  }
  return { seconds, nanos: Number(fraction.padEnd(9, "0")) };
}

/** Formats a timestamp as RFC 3339 in UTC with as many fractional digits as needed (0, 3, 6 or 9). */
export function formatTimestamp(seconds: bigint, nanos: number): string {
  const iso = new Date(Number(seconds) * 1000).toISOString().replace(/\.\d{3}Z$/, "");
  if (nanos === 0) return `${iso}Z`;
  let fraction = String(nanos).padStart(9, "0");
  while (fraction.endsWith("000")) fraction = fraction.slice(0, -3);
  return `${iso}.${fraction}Z`;
}

function decodeBase64(text: string, what: string): Uint8Array {
  if (!/^[A-Za-z0-9+/_-]*={0,2}$/.test(text)) throw new ValueCodecError(`${what}: not base64`);
  return new Uint8Array(Buffer.from(text, text.includes("-") || text.includes("_") ? "base64url" : "base64"));
}

function pathSegments(path: ExpressionPathValue | undefined, what: string): string[] {
  if (path !== undefined && !isObject(path)) throw new ValueCodecError(`${what}: expected {segments: [...]}`);
  const segments = path?.segments ?? [];
  if (!Array.isArray(segments)) throw new ValueCodecError(`${what}: segments must be a list`);
  const out: string[] = [];
  for (const segment of segments as unknown[]) {
    if (!isObject(segment)) throw new ValueCodecError(`${what}: bad segment ${describe(segment)}`);
    if (typeof segment.simple === "string") {
      out.push(segment.simple);
    } else if (typeof segment.bound_value === "string") {
      out.push(segment.bound_value);
    } else if (isObject(segment.bound_value)) {
      // A glob capture binds a whole sub-path: its segments take the place of this one.
      out.push(...pathSegments(segment.bound_value as ExpressionPathValue, what));
    } else {
      throw new ValueCodecError(`${what}: bad segment ${describe(segment)}`);
    }
  }
  return out;
}

const EXPRESSION_KINDS = [
  "null_value",
  "bool_value",
  "int_value",
  "float_value",
  "string_value",
  "bytes_value",
  "path_value",
  "duration_value",
  "timestamp_value",
  "latlng_value",
  "map_value",
  "list_value",
  "set_value",
  "constraint_value",
] as const;

/** Converts firebase-tools' expression-value encoding to an engine Value. Throws ValueCodecError on bad input. */
export function fromExpressionValue(input: unknown, what = "value"): Value {
  if (!isObject(input)) throw new ValueCodecError(`${what}: expected an expression value object, got ${describe(input)}`);
  const kinds = EXPRESSION_KINDS.filter((k) => k in input);
  if (kinds.length !== 1) {
    throw new ValueCodecError(`${what}: expected exactly one of ${EXPRESSION_KINDS.join(", ")}, got ${describe(input)}`);
  }
  const kind = kinds[0]!;
  const raw = input[kind];
  switch (kind) {
    case "null_value":
      return { type: "null" };
    case "bool_value":
      if (typeof raw !== "boolean") throw new ValueCodecError(`${what}: bool_value must be a boolean`);
      return { type: "bool", value: raw };
    case "int_value":
      return { type: "int", value: toInt64(raw, what) };
    case "float_value":
      return { type: "float", value: toDouble(raw, what) };
    case "string_value":
      if (typeof raw !== "string") throw new ValueCodecError(`${what}: string_value must be a string`);
      return { type: "string", value: raw };
    case "bytes_value":
      if (typeof raw === "string") return { type: "bytes", value: decodeBase64(raw, what) };
      if (isObject(raw) && raw.type === "Buffer" && Array.isArray(raw.data) && raw.data.every((b) => Number.isInteger(b) && b >= 0 && b < 256)) {
        return { type: "bytes", value: Uint8Array.from(raw.data as number[]) };
      }
      throw new ValueCodecError(`${what}: bytes_value must be base64 or a serialised Buffer`);
    case "path_value":
      return { type: "path", value: pathSegments(raw as ExpressionPathValue, what) };
    case "duration_value": {
      if (!isObject(raw)) throw new ValueCodecError(`${what}: duration_value must be {seconds, nanos}`);
      const nanos = raw.nanos ?? 0;
      if (typeof nanos !== "number" || !Number.isInteger(nanos) || Math.abs(nanos) > 999_999_999) {
        throw new ValueCodecError(`${what}: duration nanos must be an integer below 10^9`);
      }
      return { type: "duration", seconds: toInt64(raw.seconds ?? 0, what), nanos };
    }
    case "timestamp_value":
      if (typeof raw !== "string") throw new ValueCodecError(`${what}: timestamp_value must be an RFC 3339 string`);
      return { type: "timestamp", ...parseTimestamp(raw) };
    case "latlng_value":
      if (!isObject(raw)) throw new ValueCodecError(`${what}: latlng_value must be {latitude, longitude}`);
      return { type: "latlng", lat: toFiniteNumber(raw.latitude ?? 0, what), lng: toFiniteNumber(raw.longitude ?? 0, what) };
    case "map_value": {
      if (!isObject(raw)) throw new ValueCodecError(`${what}: map_value must be {fields: {...}}`);
      const fields = raw.fields ?? {};
      if (!isObject(fields)) throw new ValueCodecError(`${what}: map_value.fields must be an object`);
      const entries = new Map<string, Value>();
      for (const [key, field] of Object.entries(fields)) entries.set(key, fromExpressionValue(field, `${what}.${key}`));
      return { type: "map", value: entries };
    }
    case "list_value":
    case "set_value": {
      if (!isObject(raw)) throw new ValueCodecError(`${what}: ${kind} must be {values: [...]}`);
      const values = raw.values ?? [];
      if (!Array.isArray(values)) throw new ValueCodecError(`${what}: ${kind}.values must be a list`);
      const items = values.map((v, i) => fromExpressionValue(v, `${what}[${i}]`));
      return { type: kind === "list_value" ? "list" : "set", value: items };
    }
    case "constraint_value":
      // Only Firestore list evaluations use constraints; nothing in the Storage protocol sends them.
      throw new ValueCodecError(`${what}: constraint_value is not supported by the Storage rules runtime`);
  }
}

/** Converts an engine Value to the expression-value encoding (for clients of the protocol: tests, benches). */
export function toExpressionValue(value: Value): ExpressionValue {
  switch (value.type) {
    case "null":
      return { null_value: null };
    case "bool":
      return { bool_value: value.value };
    case "int":
      // Beyond 2^53 a JSON number loses digits, so those go as strings (proto JSON's int64 form).
      return { int_value: Number.isSafeInteger(Number(value.value)) ? Number(value.value) : value.value.toString() };
    case "float":
      return { float_value: Number.isFinite(value.value) ? value.value : String(value.value) };
    case "string":
      return { string_value: value.value };
    case "bytes":
      return { bytes_value: Buffer.from(value.value).toString("base64") };
    case "list":
      return { list_value: { values: value.value.map(toExpressionValue) } };
    case "set":
      return { set_value: { values: value.value.map(toExpressionValue) } };
    case "map":
      return { map_value: { fields: Object.fromEntries([...value.value].map(([k, v]) => [k, toExpressionValue(v)])) } };
    case "path":
      return { path_value: { segments: value.value.map((simple) => ({ simple })) } };
    case "timestamp":
      return { timestamp_value: formatTimestamp(value.seconds, value.nanos) };
    case "duration":
      return { duration_value: { seconds: Number(value.seconds), nanos: value.nanos } };
    case "latlng":
      return { latlng_value: { latitude: value.lat, longitude: value.lng } };
    case "mapdiff":
    case "error":
      throw new ValueCodecError(`a ${value.type} value has no expression-value encoding`);
  }
}

const REST_KINDS = [
  "nullValue",
  "booleanValue",
  "integerValue",
  "doubleValue",
  "timestampValue",
  "stringValue",
  "bytesValue",
  "referenceValue",
  "geoPointValue",
  "arrayValue",
  "mapValue",
] as const;

/** Converts a Firestore REST `Value` to an engine Value. Throws ValueCodecError on bad input. */
export function fromFirestoreValue(input: unknown, what = "field"): Value {
  if (!isObject(input)) throw new ValueCodecError(`${what}: expected a Firestore value object, got ${describe(input)}`);
  const kinds = REST_KINDS.filter((k) => k in input);
  if (kinds.length !== 1) throw new ValueCodecError(`${what}: expected exactly one Firestore value kind, got ${describe(input)}`);
  const kind = kinds[0]!;
  const raw = input[kind];
  switch (kind) {
    case "nullValue":
      return { type: "null" };
    case "booleanValue":
      if (typeof raw !== "boolean") throw new ValueCodecError(`${what}: booleanValue must be a boolean`);
      return { type: "bool", value: raw };
    case "integerValue":
      return { type: "int", value: toInt64(raw, what) };
    case "doubleValue":
      return { type: "float", value: toDouble(raw, what) };
    case "timestampValue":
      if (typeof raw !== "string") throw new ValueCodecError(`${what}: timestampValue must be a string`);
      return { type: "timestamp", ...parseTimestamp(raw) };
    case "stringValue":
      if (typeof raw !== "string") throw new ValueCodecError(`${what}: stringValue must be a string`);
      return { type: "string", value: raw };
    case "bytesValue":
      if (typeof raw !== "string") throw new ValueCodecError(`${what}: bytesValue must be base64`);
      return { type: "bytes", value: decodeBase64(raw, what) };
    case "referenceValue": {
      // "projects/{p}/databases/{db}/documents/…" becomes the rules path /databases/{db}/documents/…
      if (typeof raw !== "string") throw new ValueCodecError(`${what}: referenceValue must be a string`);
      const segments = raw.split("/").filter((s) => s !== "");
      const at = segments.indexOf("databases");
      if (at < 0) throw new ValueCodecError(`${what}: referenceValue ${describe(raw)} has no /databases/ part`);
      return { type: "path", value: segments.slice(at) };
    }
    case "geoPointValue":
      if (!isObject(raw)) throw new ValueCodecError(`${what}: geoPointValue must be {latitude, longitude}`);
      return { type: "latlng", lat: toFiniteNumber(raw.latitude ?? 0, what), lng: toFiniteNumber(raw.longitude ?? 0, what) };
    case "arrayValue": {
      if (!isObject(raw)) throw new ValueCodecError(`${what}: arrayValue must be {values: [...]}`);
      const values = raw.values ?? [];
      if (!Array.isArray(values)) throw new ValueCodecError(`${what}: arrayValue.values must be a list`);
      return { type: "list", value: values.map((v, i) => fromFirestoreValue(v, `${what}[${i}]`)) };
    }
    case "mapValue":
      if (!isObject(raw)) throw new ValueCodecError(`${what}: mapValue must be {fields: {...}}`);
      return { type: "map", value: fromFirestoreFields(raw.fields ?? {}, what) };
  }
}

/** Converts the `fields` of a Firestore REST document (absent for an empty document) to the rules `data` map. */
export function fromFirestoreFields(fields: unknown, what = "document"): Map<string, Value> {
  if (fields === undefined || fields === null) return new Map();
  if (!isObject(fields)) throw new ValueCodecError(`${what}: fields must be an object`);
  const out = new Map<string, Value>();
  for (const [key, field] of Object.entries(fields)) out.set(key, fromFirestoreValue(field, `${what}.${key}`));
  return out;
}
