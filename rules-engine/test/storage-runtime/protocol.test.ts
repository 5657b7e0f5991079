// The built runtime (rules-engine/dist/storage-runtime.mjs) spoken to over stdio exactly as firebase-tools'
// Storage emulator speaks to its rules runtime, with this test playing the emulator (and Firestore).
import { existsSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { StorageRulesRuntimeClient, storageVariables, type DocumentSource } from "../../src/storage-runtime/client.ts";
import { ensureLauncherJar } from "../../../scripts/lib/storage-runtime.ts";
import { findJdk } from "../../../scripts/lib/java.ts";

const repo = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..", "..");
const runtimeScript = join(repo, "rules-engine", "dist", "storage-runtime.mjs");
const storageRules = readFileSync(join(repo, "storage.rules"), "utf8");
const bucket = "demo-dealchat.appspot.com";

function startRuntime(): Promise<StorageRulesRuntimeClient> {
  if (!existsSync(runtimeScript)) throw new Error(`${runtimeScript} is missing: run \`npm run build -w @dealchat/rules-engine\` first`);
  return StorageRulesRuntimeClient.start(process.execPath, [runtimeScript, "serve"]);
}

const dealDoc = (participants: string[], status = "active") => ({
  brandId: { stringValue: participants[0] },
  influencerId: { stringValue: participants[1] },
  participants: { arrayValue: { values: participants.map((p) => ({ stringValue: p })) } },
  status: { stringValue: status },
});

function attachmentPath(dealId: string, senderId: string, fileName = "photo.png"): string {
  return `/b/${bucket}/o/deals/${dealId}/attachments/${senderId}/msg-1/${fileName}`;
}

/** firebase-tools' path form: object path inside /b/{bucket}/o/, and what the rules see in request.path. */
function upload(dealId: string, uid: string | undefined, senderId: string, contentType: string, size = 1000) {
  const path = attachmentPath(dealId, senderId);
  return {
    path,
    variables: storageVariables({
      path,
      ...(uid ? { uid } : {}),
      incoming: { name: path.split("/o/")[1]!, bucket, size, contentType },
    }),
  };
}

describe("storage rules runtime over stdio", () => {
  let runtime: StorageRulesRuntimeClient;

  beforeAll(async () => {
    runtime = await startRuntime();
    const loaded = await runtime.loadRuleset("storage", storageRules);
    expect(loaded).toMatchObject({ status: "ok", result: { rulesVersion: 2 }, errors: [] });
  });
  afterAll(async () => {
    await runtime?.stop();
  });

  it("starts with the handshake firebase-tools waits for", () => {
    expect(runtime.handshake).toMatchObject({ id: -1, status: "ok" });
    expect(runtime.received[0]).toBe(runtime.handshake);
  });

  it("reports compile errors with file, line and column in the shape firebase-tools prints", async () => {
    const response = await runtime.loadRuleset("broken", "rules_version = '2';\nservice firebase.storage {{\n}\n", "broken.rules");
    expect(response.status).toBe("ok");
    expect(response.result).toBeUndefined();
    expect(response.errors.length).toBeGreaterThan(0);
    const issue = JSON.parse(response.errors[0]!) as { description_: string; sourcePosition_: Record<string, unknown> };
    expect(issue.description_).toMatch(/\{/);
    expect(issue.sourcePosition_).toEqual({ fileName_: "broken.rules", line_: 2, column_: 27 });
  });

  it("refuses a Firestore ruleset", async () => {
    const response = await runtime.loadRuleset("firestore", "rules_version = '2';\nservice cloud.firestore { match /databases/{db}/documents { } }\n");
    expect(response.result).toBeUndefined();
    expect(JSON.parse(response.errors[0]!).description_).toMatch(/firebase\.storage/);
  });

  it("asks the emulator for the deal document with the verify's id, then permits the participant's upload", async () => {
    const asked: string[] = [];
    const documents: DocumentSource = (path) => {
      asked.push(path);
      return dealDoc(["brand-1", "infl-1"]);
    };
    const { path, variables } = upload("deal-1", "infl-1", "infl-1", "application/pdf");
    const before = runtime.received.length;
    const response = await runtime.verify({ rulesetName: "storage", path, method: "create", variables }, documents);
    expect(response).toMatchObject({ status: "ok", result: { permit: true }, errors: [] });
    // One document request, answered from the cache for the second firestore.get of the same deal.
    expect(asked).toEqual(["/databases/(default)/documents/deals/deal-1"]);
    const fetch = runtime.received.slice(before).find((m) => m.action === "fetch_firestore_document");
    expect(fetch).toMatchObject({ server_request_id: response.id, context: { path: "/databases/(default)/documents/deals/deal-1" } });
    expect(fetch).not.toHaveProperty("id");
  });

  it("denies without a Firestore read when a cheap check already fails", async () => {
    const asked: string[] = [];
    const documents: DocumentSource = (path) => {
      asked.push(path);
      return dealDoc(["brand-1", "infl-1"]);
    };
    for (const [uid, sender, type] of [
      ["infl-1", "infl-1", "text/html"],
      ["infl-1", "brand-1", "image/png"],
      [undefined, "infl-1", "image/png"],
    ] as const) {
      const { path, variables } = upload("deal-1", uid, sender, type);
      const response = await runtime.verify({ rulesetName: "storage", path, method: "create", variables }, documents);
      expect(response.result).toEqual({ permit: false });
    }
    expect(asked).toEqual([]);
  });

  it("denies a stranger, a missing deal and a closed deal", async () => {
    const { path, variables } = upload("deal-1", "stranger", "stranger", "image/png");
    expect((await runtime.verify({ rulesetName: "storage", path, method: "create", variables }, () => dealDoc(["brand-1", "infl-1"]))).result).toEqual({
      permit: false,
    });
    const own = upload("deal-1", "brand-1", "brand-1", "image/png");
    expect((await runtime.verify({ rulesetName: "storage", ...own, method: "create" }, () => undefined)).result).toEqual({ permit: false });
    expect((await runtime.verify({ rulesetName: "storage", ...own, method: "create" }, () => dealDoc(["brand-1", "infl-1"], "completed"))).result).toEqual({
      permit: false,
    });
    expect((await runtime.verify({ rulesetName: "storage", ...own, method: "create" }, () => dealDoc(["brand-1", "infl-1"], "open"))).result).toEqual({
      permit: true,
    });
  });

  it("answers concurrent verifies each with its own documents", async () => {
    const cases = Array.from({ length: 12 }, (_, i) => ({ dealId: `deal-c${i}`, member: i % 3 !== 0 }));
    const responses = await Promise.all(
      cases.map(({ dealId, member }) => {
        const path = attachmentPath(dealId, "x", "f.png");
        const variables = storageVariables({ path, uid: "reader" });
        return runtime.verify({ rulesetName: "storage", path, method: "get", variables }, (docPath) =>
          docPath.endsWith(`/deals/${dealId}`) ? dealDoc(member ? ["reader", "other"] : ["a", "b"]) : undefined,
        );
      }),
    );
    expect(responses.map((r) => r.result)).toEqual(cases.map(({ member }) => ({ permit: member })));
  });

  it("derives request.method, which the emulator does not send", async () => {
    const rules = `rules_version = '2';
service firebase.storage { match /b/{bucket}/o/{path=**} { allow create, update: if request.method == 'update'; } }`;
    expect((await runtime.loadRuleset("method", rules)).errors).toEqual([]);
    const path = `/b/${bucket}/o/x`;
    const variables = storageVariables({ path, uid: "u" });
    expect((await runtime.verify({ rulesetName: "method", path, method: "create", variables })).result).toEqual({ permit: false });
    expect((await runtime.verify({ rulesetName: "method", path, method: "update", variables })).result).toEqual({ permit: true });
  });

  it("fails an evaluation that reads a third distinct Firestore document, and never reads it", async () => {
    const rules = `rules_version = '2';
service firebase.storage { match /b/{bucket}/o/{name} {
  function v(c) { return firestore.get(/databases/(default)/documents/$(c)/doc).data.v; }
  allow get: if v('one') + v('two') + v('one') == 3;
  allow list: if v('one') + v('two') + v('three') == 3;
} }`;
    expect((await runtime.loadRuleset("budget", rules)).errors).toEqual([]);
    const path = `/b/${bucket}/o/file`;
    const variables = storageVariables({ path, uid: "u" });
    const asked: string[] = [];
    const documents: DocumentSource = (p) => {
      asked.push(p);
      return { v: { integerValue: "1" } };
    };
    expect(await runtime.verify({ rulesetName: "budget", path, method: "get", variables }, documents)).toMatchObject({ result: { permit: true } });
    expect(asked).toHaveLength(2);
    asked.length = 0;
    const over = await runtime.verify({ rulesetName: "budget", path, method: "list", variables }, documents);
    // Denied either by the engine's own access budget or by the runtime's guard (then with an error).
    expect(over.result ?? { permit: false }).toEqual({ permit: false });
    if (!over.result) expect(over.errors.join()).toMatch(/more than 2 Firestore documents/);
    expect(asked).toEqual(["/databases/(default)/documents/one/doc", "/databases/(default)/documents/two/doc"]);
  });

  it("firestore.exists is false for a missing document and other databases are never asked for", async () => {
    const rules = `rules_version = '2';
service firebase.storage { match /b/{bucket}/o/{name} {
  allow get: if !firestore.exists(/databases/(default)/documents/deals/$(name));
  allow list: if firestore.exists(/databases/other/documents/deals/$(name));
} }`;
    expect((await runtime.loadRuleset("exists", rules)).errors).toEqual([]);
    const path = `/b/${bucket}/o/nope`;
    const variables = storageVariables({ path });
    const asked: string[] = [];
    expect((await runtime.verify({ rulesetName: "exists", path, method: "get", variables }, (p) => void asked.push(p))).result).toEqual({ permit: true });
    expect(
      (
        await runtime.verify({ rulesetName: "exists", path, method: "list", variables }, (p) => {
          asked.push(p);
          return {};
        })
      ).result,
    ).toEqual({ permit: false });
    expect(asked).toEqual(["/databases/(default)/documents/deals/nope"]);
  });

  it("turns bad input into errors of the request that caused them and keeps serving", async () => {
    runtime.writeLine("this is not json");
    runtime.writeLine(JSON.stringify({ no: "id" }));
    runtime.writeLine(JSON.stringify({ id: 98765, status: "ok" }));
    const unknown = await runtime.request({ action: "reticulate" });
    expect(unknown.errors[0]).toMatch(/Unknown action/);
    const path = attachmentPath("deal-1", "infl-1");
    const noRuleset = await runtime.verify({ rulesetName: "never-loaded", path, method: "get", variables: {} });
    expect(noRuleset.errors[0]).toMatch(/not loaded/);
    const badMethod = await runtime.verify({ rulesetName: "storage", path, method: "fly", variables: {} });
    expect(badMethod.errors[0]).toMatch(/Unknown method/);
    const badVariables = await runtime.verify({ rulesetName: "storage", path, method: "get", variables: { request: { int_value: 1.5 } } });
    expect(badVariables.errors[0]).toMatch(/request: 1\.5 is not an integer/);
    const badContext = await runtime.request({ action: "verify", context: "nope" });
    expect(badContext.errors[0]).toMatch(/verify needs/);
    const badLoad = await runtime.request({ action: "load_ruleset", context: { rulesetName: "x", source: { files: [] } } });
    expect(badLoad.errors[0]).toMatch(/exactly one source file/);
    const badDocument = await runtime.verify({ rulesetName: "storage", path, method: "get", variables: storageVariables({ path, uid: "infl-1" }) }, () => ({
      participants: { integerValue: "many" },
    }));
    expect(badDocument.result).toBeUndefined();
    expect(badDocument.errors[0]).toMatch(/participants: expected an integer/);

    // Still alive and still right.
    const { variables } = upload("deal-1", "infl-1", "infl-1", "image/png");
    const ok = await runtime.verify({ rulesetName: "storage", path: attachmentPath("deal-1", "infl-1"), method: "create", variables }, () =>
      dealDoc(["brand-1", "infl-1"]),
    );
    expect(ok.result).toEqual({ permit: true });
    expect(runtime.alive).toBe(true);
    expect(runtime.noise.join("")).toMatch(/not JSON/);
  });
});

describe("storage rules runtime lifecycle", () => {
  it("exits when firebase-tools sends SIGINT and when its stdin closes", async () => {
    const interrupted = await startRuntime();
    expect(await interrupted.stop("SIGINT")).toBe(0);
    const orphaned = await startRuntime();
    expect(await orphaned.closeInput()).toBe(0);
  });

  it("starts through the launcher jar the way firebase-tools starts it, and the Node process dies with the JVM", async () => {
    const jdk = findJdk();
    if (!jdk) throw new Error("no JDK ≥ 21 found (needed for the launcher jar)");
    const jar = ensureLauncherJar(jdk);
    const runtime = await StorageRulesRuntimeClient.start(
      join(jdk.bin, "java"),
      ["-Djava.security.manager=disallow", "-Duser.language=en", "-jar", jar, "serve"],
      { env: { ...process.env, DEALCHAT_STORAGE_RUNTIME_SCRIPT: runtimeScript, DEALCHAT_NODE: process.execPath } },
    );
    const nodePid = runtime.handshake.pid as number;
    expect(nodePid).toBeGreaterThan(0);
    expect(nodePid).not.toBe(runtime.pid);
    expect((await runtime.loadRuleset("storage", storageRules)).result).toEqual({ rulesVersion: 2 });
    await runtime.stop("SIGINT");
    // The JVM's shutdown hook stops the Node runtime before the JVM exits.
    expect(() => process.kill(nodePid, 0)).toThrow(/ESRCH/);
  });

  it("the launcher says what is missing when started without the runtime's location", async () => {
    const jdk = findJdk();
    if (!jdk) throw new Error("no JDK ≥ 21 found (needed for the launcher jar)");
    const env = { ...process.env };
    delete env.DEALCHAT_STORAGE_RUNTIME_SCRIPT;
    await expect(StorageRulesRuntimeClient.start(join(jdk.bin, "java"), ["-jar", ensureLauncherJar(jdk), "serve"], { env, timeoutMs: 10_000 })).rejects.toThrow(
      /exited \(code 2\).*DEALCHAT_STORAGE_RUNTIME_SCRIPT is not set/s,
    );
  });
});
