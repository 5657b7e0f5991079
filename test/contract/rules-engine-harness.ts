// Evaluates client writes against a rules file in-process, with DealChat's own rules engine: no emulator, no
// Java, microseconds per case. The requests carry what Firestore's and Storage's rules see (auth, time, path,
// the stored and the incoming document), so the verdicts can be compared with the model's case by case.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { compile, evaluate, type DocumentLookup, type Ruleset, type Value } from "@dealchat/rules-engine";
import { generatedBlockEnd, generatedBlockStart, type TimestampLike } from "@dealchat/model";

export type Data = Record<string, unknown>;

/** A Timestamp at `ms` (millisecond precision, as request.time in these tests). */
export const at = (ms: number): TimestampLike => ({ seconds: Math.floor(ms / 1000), nanoseconds: (ms % 1000) * 1e6, toMillis: () => ms });

export function toValue(x: unknown): Value {
  if (x === null || x === undefined) return { type: "null" };
  if (typeof x === "boolean") return { type: "bool", value: x };
  if (typeof x === "number") return Number.isInteger(x) ? { type: "int", value: BigInt(x) } : { type: "float", value: x };
  if (typeof x === "string") return { type: "string", value: x };
  if (Array.isArray(x)) return { type: "list", value: x.map(toValue) };
  if (typeof x === "object" && typeof (x as TimestampLike).toMillis === "function") {
    const t = x as TimestampLike;
    return { type: "timestamp", seconds: BigInt(t.seconds), nanos: t.nanoseconds };
  }
  if (typeof x === "object") return { type: "map", value: new Map(Object.entries(x).map(([k, v]) => [k, toValue(v)])) };
  throw new Error(`cannot convert ${typeof x} to a rules value`);
}

const mapOf = (entries: Array<[string, Value]>): Value => ({ type: "map", value: new Map(entries) });

export function compileRules(file: string): Ruleset {
  const result = compile(readFileSync(file, "utf8"));
  if (!result.ok) throw new Error(`${file} does not compile: ${result.diagnostics.map((d) => `${d.line}:${d.column} ${d.message}`).join("; ")}`);
  return result.ruleset;
}

export interface FirestoreWrite {
  uid: string | null;
  nowMs: number;
  /** Document path relative to the database, e.g. "deals/d1/messages/m1". */
  path: string;
  method: "create" | "update" | "delete" | "get" | "list";
  /** The stored document, or null when it does not exist. */
  stored: Data | null;
  /** The document after the write (request.resource.data): for updates, the stored document with the change applied. */
  next?: Data;
  /** Other stored documents the rules may get(), by relative path. */
  documents?: Record<string, Data>;
}

const documentsPrefix = "/databases/(default)/documents/";

function resourceOf(data: Data, segments: string[]): Value {
  return mapOf([
    ["data", toValue(data)],
    ["id", toValue(segments[segments.length - 1])],
    ["__name__", { type: "path", value: segments }],
  ]);
}

/** Whether firestore.rules allow the write. */
export function firestoreAllows(ruleset: Ruleset, w: FirestoreWrite): boolean {
  const full = documentsPrefix + w.path;
  const segments = full.split("/").filter(Boolean);
  const auth: Value =
    w.uid === null
      ? { type: "null" }
      : mapOf([
          ["uid", toValue(w.uid)],
          ["token", toValue({ sub: w.uid, firebase: { sign_in_provider: "password" } })],
        ]);
  const request = mapOf([
    ["auth", auth],
    ["method", toValue(w.method)],
    ["path", { type: "path", value: segments }],
    ["time", toValue(at(w.nowMs))],
    ...(w.next ? ([["resource", resourceOf(w.next, segments)]] as Array<[string, Value]>) : []),
  ]);
  const reader = (path: string): DocumentLookup => {
    const data = w.documents?.[path.slice(documentsPrefix.length)];
    return data ? { status: "found", data: (toValue(data) as { value: ReadonlyMap<string, Value> }).value } : { status: "missing" };
  };
  const result = evaluate(ruleset, {
    service: "cloud.firestore",
    path: full,
    method: w.method,
    variables: { request, resource: w.stored ? resourceOf(w.stored, segments) : { type: "null" } },
    documents: reader,
  });
  if (result.kind !== "decided") throw new Error(`the engine asked for documents a complete reader has: ${result.paths.join(", ")}`);
  return result.allowed;
}

/** Applies a Firestore update (dotted field paths, `undefined` deletes) to a stored document. */
export function applyUpdate(stored: Data, change: Data): Data {
  const next: Data = structuredCloneData(stored);
  for (const [path, value] of Object.entries(change)) {
    const keys = path.split(".");
    let target = next;
    for (const k of keys.slice(0, -1)) {
      if (typeof target[k] !== "object" || target[k] === null) target[k] = {};
      target = target[k] as Data;
    }
    const last = keys[keys.length - 1]!;
    if (value === undefined) delete target[last];
    else target[last] = value;
  }
  return next;
}

/** A deep copy that keeps timestamps as they are. */
function structuredCloneData(data: Data): Data {
  const copy = (x: unknown): unknown => {
    if (Array.isArray(x)) return x.map(copy);
    if (x && typeof x === "object" && typeof (x as TimestampLike).toMillis !== "function")
      return Object.fromEntries(Object.entries(x).map(([k, v]) => [k, copy(v)]));
    return x;
  };
  return copy(data) as Data;
}

export interface StorageRequest {
  uid: string | null;
  method: "get" | "list" | "create" | "update" | "delete";
  /** The object path inside the bucket, e.g. "deals/d1/attachments/u1/m1/brief.pdf". */
  path: string;
  /** request.resource of an upload. */
  incoming?: Data;
  /** The stored object (resource), or null. */
  existing?: Data | null;
  /** Firestore documents firestore.get() may read, by relative path. */
  documents?: Record<string, Data>;
  nowMs: number;
}

const bucket = "demo-dealchat.appspot.com";

/** An object's metadata as Storage's rules see it (request.resource / resource). */
export function storageObject(
  path: string,
  o: { size: number; contentType: string | null; metadata?: Record<string, string>; contentDisposition?: string | null; contentEncoding?: string | null },
): Data {
  return {
    name: path,
    bucket,
    size: o.size,
    contentType: o.contentType,
    metadata: o.metadata ?? {},
    contentDisposition: o.contentDisposition ?? null,
    contentEncoding: o.contentEncoding ?? null,
  };
}

/** Whether storage.rules allow the request. */
export function storageAllows(ruleset: Ruleset, r: StorageRequest): boolean {
  const auth: Value =
    r.uid === null
      ? { type: "null" }
      : mapOf([
          ["uid", toValue(r.uid)],
          ["token", toValue({ sub: r.uid })],
        ]);
  const request = mapOf([
    ["auth", auth],
    ["time", toValue(at(r.nowMs))],
    ["resource", r.incoming ? toValue(r.incoming) : { type: "null" }],
  ]);
  const reader = (path: string): DocumentLookup => {
    const data = r.documents?.[path.slice(documentsPrefix.length)];
    return data ? { status: "found", data: (toValue(data) as { value: ReadonlyMap<string, Value> }).value } : { status: "missing" };
  };
  const result = evaluate(ruleset, {
    service: "firebase.storage",
    path: `/b/${bucket}/o/${r.path}`,
    method: r.method,
    variables: { request, resource: r.existing ? toValue(r.existing) : { type: "null" } },
    documents: reader,
  });
  if (result.kind !== "decided") throw new Error(`the engine asked for documents a complete reader has: ${result.paths.join(", ")}`);
  return result.allowed;
}

/**
 * Copies of a rules file with one number of its generated block multiplied by ten: the limits, counts,
 * durations and pattern bounds (not the code points of character classes, nor the 9 of the id alphabet's 0-9).
 */
export function generatedNumberMutants(file: string): Array<{ label: string; source: string }> {
  const source = readFileSync(file, "utf8");
  const start = source.indexOf(generatedBlockStart);
  const block = source.slice(start, source.indexOf(generatedBlockEnd));
  return [...block.matchAll(/\d+/g)]
    .filter((m) => !/^0+$/.test(m[0]) && !/(x\{[0-9A-F]*|0-)$/.test(block.slice(0, m.index)))
    .map((m) => {
      const at = start + m.index!;
      return { label: `${m[0]} at ${m.index}`, source: `${source.slice(0, at)}${Number(m[0]) * 10}${source.slice(at + m[0].length)}` };
    });
}

/** One case of a contract test: its expected outcome, and how to get the rules' and the model's verdicts. */
export interface VerdictCase {
  name: string;
  expect: boolean;
  run: (rules: Ruleset) => { rules: boolean; model: string | null };
}

/**
 * A contract suite over one rules file: `check` registers cases whose rules verdict, model verdict and expectation
 * must agree; `catchesDriftedLimits` then proves the cases can fail, by multiplying each number of the generated
 * block by ten and requiring some case to notice.
 */
export function contractSuite(file: string) {
  const rules = compileRules(file);
  const all: VerdictCase[] = [];
  return {
    rules,
    check(cases: VerdictCase[]): void {
      all.push(...cases);
      it.each(cases.map((c) => [c.name, c] as const))("%s", (_name, c) => {
        const { rules: allowed, model } = c.run(rules);
        expect({ rules: allowed, model: model === null ? "allowed" : `refused: ${model}` }).toEqual({
          rules: c.expect,
          model: c.expect ? "allowed" : expect.stringMatching(/^refused/),
        });
      });
    },
    catchesDriftedLimits(): void {
      describe("the cases above catch a drifted limit", () => {
        it.each(generatedNumberMutants(file).map((m) => [m.label, m.source] as const))("multiplying %s by ten is caught", (_what, mutated) => {
          const compiled = compile(mutated);
          if (!compiled.ok) return; // a mutation the engine refuses to load is caught too
          const caught = all.filter((c) => c.run(compiled.ruleset).rules !== c.expect);
          expect(caught.length, "cases whose outcome the mutation changes").toBeGreaterThan(0);
        });
      });
    },
  };
}
