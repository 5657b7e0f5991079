// The runtime's value codecs: firebase-tools' expression values and Firestore REST documents → engine Values.
import { describe, expect, it } from "vitest";
import type { Value } from "../../src/api.ts";
import {
  ValueCodecError,
  formatTimestamp,
  fromExpressionValue,
  fromFirestoreFields,
  fromFirestoreValue,
  parseTimestamp,
  toExpressionValue,
} from "../../src/storage-runtime/expression-value.ts";

const map = (entries: Record<string, Value>): Value => ({ type: "map", value: new Map(Object.entries(entries)) });

describe("fromExpressionValue", () => {
  it("converts every scalar kind", () => {
    expect(fromExpressionValue({ null_value: null })).toEqual({ type: "null" });
    expect(fromExpressionValue({ null_value: 0 })).toEqual({ type: "null" });
    expect(fromExpressionValue({ bool_value: false })).toEqual({ type: "bool", value: false });
    expect(fromExpressionValue({ int_value: 1024 })).toEqual({ type: "int", value: 1024n });
    expect(fromExpressionValue({ int_value: "9223372036854775807" })).toEqual({ type: "int", value: 9223372036854775807n });
    expect(fromExpressionValue({ float_value: 0.5 })).toEqual({ type: "float", value: 0.5 });
    expect(fromExpressionValue({ float_value: "-Infinity" })).toEqual({ type: "float", value: -Infinity });
    expect(fromExpressionValue({ string_value: "image/png" })).toEqual({ type: "string", value: "image/png" });
    expect(fromExpressionValue({ duration_value: { seconds: 90, nanos: 5 } })).toEqual({ type: "duration", seconds: 90n, nanos: 5 });
    expect(fromExpressionValue({ latlng_value: { latitude: 48.1, longitude: 11.5 } })).toEqual({ type: "latlng", lat: 48.1, lng: 11.5 });
  });

  it("keeps the int/float distinction firebase-tools makes for JS numbers (size is an int)", () => {
    expect(fromExpressionValue({ int_value: 26214400 }).type).toBe("int");
    expect(fromExpressionValue({ float_value: 1.5 }).type).toBe("float");
  });

  it("reads bytes both as a JSON-serialised Buffer and as base64", () => {
    const fromBuffer = fromExpressionValue(JSON.parse(JSON.stringify({ bytes_value: Buffer.from([1, 2, 255]) })));
    expect(fromBuffer).toEqual({ type: "bytes", value: Uint8Array.from([1, 2, 255]) });
    expect(fromExpressionValue({ bytes_value: "AQL/" })).toEqual({ type: "bytes", value: Uint8Array.from([1, 2, 255]) });
  });

  it("parses the emulator's millisecond timestamps and RFC 3339 with nanoseconds and offsets", () => {
    expect(fromExpressionValue({ timestamp_value: "2026-11-25T17:13:44.123Z" })).toEqual({
      type: "timestamp",
      seconds: BigInt(Date.UTC(2026, 10, 25, 17, 13, 44) / 1000),
      nanos: 123_000_000,
    });
    expect(parseTimestamp("1970-01-01T00:00:01.000000007Z")).toEqual({ seconds: 1n, nanos: 7 });
    expect(parseTimestamp("1970-01-01T01:00:00+01:00")).toEqual({ seconds: 0n, nanos: 0 });
    expect(formatTimestamp(1n, 7)).toBe("1970-01-01T00:00:01.000000007Z");
    expect(formatTimestamp(0n, 120_000_000)).toBe("1970-01-01T00:00:00.120Z");
  });

  it("flattens path segments, including captures and glob captures", () => {
    expect(
      fromExpressionValue({
        path_value: {
          segments: [
            { simple: "b" },
            { variable_name: "bucket", bound_value: "demo.appspot.com" },
            { simple: "o" },
            { variable_name: "rest", bound_value: { segments: [{ simple: "deals" }, { simple: "d1" }] } },
          ],
        },
      }),
    ).toEqual({ type: "path", value: ["b", "demo.appspot.com", "o", "deals", "d1"] });
  });

  it("converts request variables as firebase-tools builds them, nested maps and lists included", () => {
    const request = fromExpressionValue({
      map_value: {
        fields: {
          auth: { map_value: { fields: { uid: { string_value: "u1" }, token: { map_value: {} } } } },
          resource: { map_value: { fields: { size: { int_value: 3 }, metadata: { map_value: { fields: {} } } } } },
          tags: { list_value: { values: [{ string_value: "a" }, { int_value: 1 }] } },
          empty: { list_value: {} },
          unique: { set_value: { values: [{ string_value: "x" }] } },
        },
      },
    });
    expect(request).toEqual(
      map({
        auth: map({ uid: { type: "string", value: "u1" }, token: map({}) }),
        resource: map({ size: { type: "int", value: 3n }, metadata: map({}) }),
        tags: {
          type: "list",
          value: [
            { type: "string", value: "a" },
            { type: "int", value: 1n },
          ],
        },
        empty: { type: "list", value: [] },
        unique: { type: "set", value: [{ type: "string", value: "x" }] },
      }),
    );
  });

  it("rejects malformed input with a ValueCodecError naming the variable", () => {
    const bad: Array<[unknown, RegExp]> = [
      [null, /expected an expression value object/],
      [{}, /exactly one of/],
      [{ string_value: "a", int_value: 1 }, /exactly one of/],
      [{ int_value: 1.5 }, /not an integer/],
      [{ int_value: "12x" }, /expected an integer/],
      [{ int_value: "9223372036854775808" }, /64-bit/],
      [{ bool_value: "true" }, /boolean/],
      [{ timestamp_value: "yesterday" }, /RFC 3339/],
      [{ bytes_value: { type: "Buffer", data: [300] } }, /bytes_value/],
      [{ map_value: { fields: { size: { float_value: {} } } } }, /expected a number/],
      [{ constraint_value: { comparator: "EQ" } }, /not supported/],
    ];
    for (const [input, message] of bad) {
      expect(() => fromExpressionValue(input, "request")).toThrow(ValueCodecError);
      expect(() => fromExpressionValue(input, "request")).toThrow(message);
    }
    expect(() => fromExpressionValue({ map_value: { fields: { size: { int_value: "x" } } } }, "request")).toThrow(/request\.size/);
  });

  it("round-trips through toExpressionValue", () => {
    const values: Value[] = [
      { type: "null" },
      { type: "bool", value: true },
      { type: "int", value: -42n },
      { type: "int", value: 2n ** 62n },
      { type: "float", value: 2.5 },
      { type: "float", value: Number.NaN },
      { type: "string", value: "ü/ß" },
      { type: "bytes", value: Uint8Array.from([0, 128, 255]) },
      { type: "path", value: ["databases", "(default)", "documents", "deals", "d1"] },
      { type: "timestamp", seconds: 1_700_000_000n, nanos: 123_456_789 },
      { type: "duration", seconds: 60n, nanos: 1 },
      { type: "latlng", lat: -33.9, lng: 151.2 },
      { type: "list", value: [{ type: "int", value: 1n }, map({ k: { type: "string", value: "v" } })] },
      { type: "set", value: [{ type: "string", value: "a" }] },
    ];
    for (const value of values) {
      const wire = JSON.parse(JSON.stringify(toExpressionValue(value))) as unknown;
      expect(fromExpressionValue(wire)).toEqual(value);
    }
    expect(() => toExpressionValue({ type: "error", message: "x" })).toThrow(ValueCodecError);
  });
});

describe("Firestore REST documents", () => {
  it("converts a deal document as the Firestore emulator returns it", () => {
    const data = fromFirestoreFields({
      brandId: { stringValue: "brand-1" },
      participants: { arrayValue: { values: [{ stringValue: "brand-1" }, { stringValue: "infl-1" }] } },
      status: { stringValue: "active" },
      unread: { mapValue: { fields: { "brand-1": { integerValue: "3" } } } },
      score: { doubleValue: 4.5 },
      archived: { booleanValue: false },
      note: { nullValue: null },
      createdAt: { timestampValue: "2026-11-25T17:00:00.123456Z" },
      thumb: { bytesValue: "AQI=" },
      owner: { referenceValue: "projects/demo-dealchat/databases/(default)/documents/users/u1" },
      place: { geoPointValue: { latitude: 1.5 } },
      empty: { arrayValue: {} },
      nested: { mapValue: {} },
    });
    expect(data).toEqual(
      new Map<string, Value>([
        ["brandId", { type: "string", value: "brand-1" }],
        [
          "participants",
          {
            type: "list",
            value: [
              { type: "string", value: "brand-1" },
              { type: "string", value: "infl-1" },
            ],
          },
        ],
        ["status", { type: "string", value: "active" }],
        ["unread", map({ "brand-1": { type: "int", value: 3n } })],
        ["score", { type: "float", value: 4.5 }],
        ["archived", { type: "bool", value: false }],
        ["note", { type: "null" }],
        ["createdAt", { type: "timestamp", seconds: BigInt(Date.UTC(2026, 10, 25, 17) / 1000), nanos: 123_456_000 }],
        ["thumb", { type: "bytes", value: Uint8Array.from([1, 2]) }],
        ["owner", { type: "path", value: ["databases", "(default)", "documents", "users", "u1"] }],
        ["place", { type: "latlng", lat: 1.5, lng: 0 }],
        ["empty", { type: "list", value: [] }],
        ["nested", map({})],
      ]),
    );
  });

  it("treats a document without fields as empty and rejects malformed values", () => {
    expect(fromFirestoreFields(undefined)).toEqual(new Map());
    expect(() => fromFirestoreValue({ integerValue: "ten" }, "deal.n")).toThrow(/deal\.n: expected an integer/);
    expect(() => fromFirestoreValue({ referenceValue: "users/u1" })).toThrow(/databases/);
    expect(() => fromFirestoreValue({ stringValue: "a", booleanValue: true })).toThrow(ValueCodecError);
    expect(() => fromFirestoreFields([1, 2])).toThrow(/fields must be an object/);
  });
});
