// Rules engine speed, engine alone (no emulator): compile time of the repo's storage.rules and of a large
// generated ruleset, and evaluation time per request for typical Storage rules with and without a Firestore
// lookup and for the large ruleset. Run: `npm run bench -- rules-engine` (or `npx tsx bench/run.ts rules-engine`).
import { readFileSync } from "node:fs";
import { compile, evaluate, type DocumentLookup, type EvaluationRequest, type Ruleset, type Value } from "../rules-engine/src/index.ts";
import { percentile, type BenchRow } from "./table.ts";

const s = (value: string): Value => ({ type: "string", value });
const m = (entries: Record<string, Value>): Value => ({ type: "map", value: new Map(Object.entries(entries)) });
const NULL: Value = { type: "null" };

function mustCompile(source: string): Ruleset {
  const r = compile(source);
  if (!r.ok) throw new Error(r.diagnostics.map((d) => `L${d.line}:${d.column} ${d.message}`).join("\n"));
  return r.ruleset;
}

/** A large ruleset in the shape real ones grow into: many collections, helper functions, nested matches. */
export function largeRules(collections: number): string {
  const blocks = Array.from(
    { length: collections },
    (_, k) => `
    function canRead${k}(owner) {
      let doc = firestore.get(/databases/(default)/documents/owners${k}/$(owner));
      return request.auth != null && (request.auth.uid == owner || request.auth.uid in doc.data.members);
    }
    match /c${k}/{owner}/{file} {
      allow get: if canRead${k}(owner);
      allow create: if request.auth != null && request.auth.uid == owner && resource == null
        && request.resource.size < ${1000 + k} * 1024 && request.resource.contentType.matches('image/.*|application/pdf')
        && file.size() <= 200 && request.resource.metadata.keys().hasOnly(['name', 'caption']);
      match /versions/{rest=**} {
        allow list: if request.auth.uid == owner;
      }
    }`,
  ).join("\n");
  return `rules_version = '2';\nservice firebase.storage {\n  match /b/{bucket}/o {${blocks}\n  }\n}\n`;
}

function time(iterations: number, run: () => void): number[] {
  for (let k = 0; k < Math.min(200, iterations); k++) run(); // warm-up (JIT)
  const samples: number[] = [];
  for (let k = 0; k < iterations; k++) {
    const started = process.hrtime.bigint();
    run();
    samples.push(Number(process.hrtime.bigint() - started) / 1000);
  }
  return samples.sort((a, b) => a - b);
}

function rows(benchmark: string, samplesUs: number[], unit: "µs" | "ms", notes: string): BenchRow[] {
  const scale = unit === "ms" ? 1000 : 1;
  return [
    { benchmark, metric: "p50", value: percentile(samplesUs, 50) / scale, unit, notes },
    { benchmark, metric: "p99", value: percentile(samplesUs, 99) / scale, unit, notes },
  ];
}

function storageRequest(path: string, method: EvaluationRequest["method"], incoming: Value, documents: (p: string) => DocumentLookup): EvaluationRequest {
  return {
    service: "firebase.storage",
    path,
    method,
    variables: {
      request: m({
        auth: m({ uid: s("alice"), token: m({ email: s("alice@example.com") }) }),
        resource: incoming,
        time: { type: "timestamp", seconds: 1_700_000_000n, nanos: 0 },
        path: { type: "path", value: path.split("/").filter(Boolean) },
      }),
      resource: NULL,
    },
    documents,
  };
}

export async function run(): Promise<BenchRow[]> {
  const out: BenchRow[] = [];
  const storageRules = readFileSync(new URL("../storage.rules", import.meta.url), "utf8");
  const large = largeRules(300);

  out.push(
    ...rows(
      "compile storage.rules",
      time(300, () => mustCompile(storageRules)),
      "ms",
      `${storageRules.length} chars, 300 runs`,
    ),
  );
  out.push(
    ...rows(
      "compile large generated rules",
      time(30, () => mustCompile(large)),
      "ms",
      `${(large.length / 1024).toFixed(0)} KB, 300 match blocks, 30 runs`,
    ),
  );

  const storage = mustCompile(storageRules);
  const deal: DocumentLookup = {
    status: "found",
    data: new Map<string, Value>([
      ["brandId", s("alice")],
      ["influencerId", s("bob")],
      ["participants", { type: "list", value: [s("alice"), s("bob")] }],
      ["status", s("open")],
    ]),
  };
  const incoming = m({
    name: s("deals/d1/attachments/alice/m1/photo.png"),
    size: { type: "int", value: 123_456n },
    contentType: s("image/png"),
    metadata: m({}),
    contentDisposition: NULL,
    contentEncoding: NULL,
  });
  const createPath = "/b/demo-dealchat.appspot.com/o/deals/d1/attachments/alice/m1/photo.png";
  const check = (r: ReturnType<typeof evaluate>, expected: boolean, what: string) => {
    if (r.kind !== "decided" || r.allowed !== expected)
      throw new Error(`bench setup: ${what} gave ${JSON.stringify(r.kind === "decided" ? r.diagnostics : r)}`);
  };
  // A denial that stops before any lookup (wrong sender) and an upload that needs the deal document.
  const noLookup = storageRequest("/b/demo-dealchat.appspot.com/o/deals/d1/attachments/bob/m1/photo.png", "create", incoming, () => deal);
  check(evaluate(storage, noLookup), false, "create into someone else's folder");
  out.push(
    ...rows(
      "storage.rules evaluation, no Firestore lookup",
      time(20_000, () => evaluate(storage, noLookup)),
      "µs",
      "create denied before the lookup; 20000 runs",
    ),
  );
  const withLookup = storageRequest(createPath, "create", incoming, () => deal);
  check(evaluate(storage, withLookup), true, "create by a participant");
  out.push(
    ...rows(
      "storage.rules evaluation, with Firestore lookup",
      time(20_000, () => evaluate(storage, withLookup)),
      "µs",
      "allowed create, deal document from an in-memory reader; 20000 runs",
    ),
  );

  const largeRuleset = mustCompile(large);
  const owners: DocumentLookup = { status: "found", data: new Map<string, Value>([["members", { type: "list", value: [s("carol"), s("alice")] }]]) };
  const largeGet = storageRequest("/b/bucket/o/c299/dave/report.pdf", "get", NULL, () => owners);
  check(evaluate(largeRuleset, largeGet), true, "large ruleset get");
  out.push(
    ...rows(
      "large rules evaluation (last of 300 blocks, 1 lookup)",
      time(10_000, () => evaluate(largeRuleset, largeGet)),
      "µs",
      "get allowed via members list; 10000 runs",
    ),
  );
  return out;
}
