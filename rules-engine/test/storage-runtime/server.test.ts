// The runtime's own guards, in-process with stand-in engines whose behaviour the real engine never shows.
import { describe, expect, it } from "vitest";
import type { EvaluationRequest, EvaluationResult, Ruleset } from "../../src/api.ts";
import type { RuntimeMessage } from "../../src/storage-runtime/protocol.ts";
import { StorageRulesRuntimeServer, type RulesEngine } from "../../src/storage-runtime/server.ts";

const ruleset: Ruleset = { service: "firebase.storage", rulesVersion: "2" };

/** A server whose engine is `evaluate`, with every message it sends collected; documents exist with {v: 1}. */
function serverWith(evaluate: (request: EvaluationRequest) => EvaluationResult, options = {}) {
  const sent: RuntimeMessage[] = [];
  const engine: RulesEngine = { compile: () => ({ ok: true, ruleset, diagnostics: [] }), evaluate: (_r, request) => evaluate(request) };
  const server: StorageRulesRuntimeServer = new StorageRulesRuntimeServer(
    engine,
    (message) => {
      sent.push(message);
      // Play the emulator: answer document requests at once.
      if ("action" in message) {
        server.handleLine(JSON.stringify({ id: message.server_request_id, status: "ok", result: { fields: { v: { integerValue: "1" } } } }));
      }
    },
    { log: () => {}, ...options },
  );
  server.handleLine(JSON.stringify({ id: 0, action: "load_ruleset", context: { rulesetName: "r", source: { files: [{ name: "s.rules", content: "" }] } } }));
  const verify = async (id: number, method = "get", variables: Record<string, unknown> = {}) => {
    server.handleLine(
      JSON.stringify({ id, action: "verify", context: { rulesetName: "r", service: "firebase.storage", path: "/b/x/o/y", method, variables } }),
    );
    for (let i = 0; i < 100 && server.inFlight > 0; i++) await new Promise((r) => setImmediate(r));
    return sent.filter((m) => "id" in m && m.id === id);
  };
  return { sent, verify };
}

describe("StorageRulesRuntimeServer guards", () => {
  it("stops at the document budget even if the engine would read more", async () => {
    let reads = 0;
    const { sent, verify } = serverWith((request) => {
      for (let n = 0; ; n++) {
        const found = request.documents!(`/databases/(default)/documents/c/${n}`, { after: false });
        if (found.status === "unknown") return { kind: "needsDocuments", paths: [`/databases/(default)/documents/c/${n}`] };
        reads = n + 1;
      }
    });
    const [answer] = await verify(1);
    expect(answer).toMatchObject({ status: "ok", errors: [expect.stringMatching(/more than 2 Firestore documents/)] });
    expect(reads).toBe(2);
    expect(sent.filter((m) => "action" in m)).toHaveLength(2);
  });

  it("refuses an engine that asks again for a document it was given, instead of looping", async () => {
    const { verify } = serverWith(() => ({ kind: "needsDocuments", paths: ["/databases/(default)/documents/c/1"] }));
    const [answer] = await verify(2);
    expect(answer).toMatchObject({ errors: [expect.stringMatching(/asked again/)] });
  });

  it("turns an engine exception into an error answer", async () => {
    const { verify } = serverWith(() => {
      throw new Error("engine bug");
    });
    expect(await verify(3)).toEqual([{ id: 3, status: "ok", errors: ["engine bug"], warnings: [] }]);
  });

  it("an upload's request.resource has no generation (as in production); an update's keeps it", async () => {
    const seen: EvaluationRequest[] = [];
    const { verify } = serverWith((request) => {
      seen.push(request);
      return { kind: "decided", allowed: true, diagnostics: [] };
    });
    const resource = { map_value: { fields: { name: { string_value: "y" }, generation: { int_value: 7 }, size: { int_value: 3 } } } };
    const variables = { request: { map_value: { fields: { resource } } } };
    await verify(4, "create", variables);
    await verify(5, "update", variables);
    const keys = (r: EvaluationRequest) => {
      const request = r.variables.request;
      const res = request?.type === "map" ? request.value.get("resource") : undefined;
      return res?.type === "map" ? [...res.value.keys()].sort() : [];
    };
    expect(seen.map(keys)).toEqual([
      ["name", "size"],
      ["generation", "name", "size"],
    ]);
  });

  it("answers without an engine instead of crashing", () => {
    const sent: RuntimeMessage[] = [];
    const server = new StorageRulesRuntimeServer(undefined, (m) => sent.push(m), { log: () => {} });
    server.started();
    server.handleLine(JSON.stringify({ id: 0, action: "load_ruleset", context: { rulesetName: "r", source: { files: [{ name: "s", content: "" }] } } }));
    expect(sent).toEqual([
      expect.objectContaining({ id: -1, status: "ok" }),
      { id: 0, status: "ok", errors: [expect.stringMatching(/engine is not available/)], warnings: [] },
    ]);
  });
});
