// The protocol logic of the Storage rules runtime, independent of stdio so it can be driven in-process.
// `handleLine` never throws: every problem becomes an `errors` entry of the response to the request that
// caused it (the Storage emulator then denies that request), or a note on stderr when no request can be named.
import type { Compile, Diagnostic, DocumentLookup, Evaluate, Method, Ruleset, Value } from "../api.ts";
import { fromExpressionValue, fromFirestoreFields } from "./expression-value.ts";
import { STARTED_ID, type DocumentResponse, type LoadRulesetRequest, type RuntimeMessage, type SerializedIssue, type VerifyRequest } from "./protocol.ts";

export interface RulesEngine {
  compile: Compile;
  evaluate: Evaluate;
}

export interface ServerOptions {
  /**
   * Distinct Firestore documents one Storage request may read. Cloud Storage allows 2 (the emulator's newer
   * releases enforce the same); the third distinct document fails the evaluation.
   */
  maxDocumentsPerRequest?: number;
  /** How long to wait for the emulator to answer a document request. */
  documentTimeoutMs?: number;
  /** Where notes go that belong to no request (firebase-tools logs the runtime's stderr as warnings). */
  log?: (line: string) => void;
}

interface LoadedRuleset {
  ruleset: Ruleset;
  fileName: string;
}

/** Rules methods the engine knows; firebase-tools' own tests also send the umbrella verbs. */
const METHODS: Record<string, Method> = {
  get: "get",
  list: "list",
  create: "create",
  update: "update",
  delete: "delete",
  // Not sent by the emulator itself: `read` is checked as a get and `write` as a create, the operations the
  // umbrella verbs stand for on a single object.
  read: "get",
  write: "create",
};

const DEFAULT_DATABASE_PREFIX = "/databases/(default)/documents/";

class RequestError extends Error {}

function isObject(x: unknown): x is Record<string, unknown> {
  return typeof x === "object" && x !== null && !Array.isArray(x);
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export class StorageRulesRuntimeServer {
  private readonly rulesets = new Map<string, LoadedRuleset>();
  /** Verify requests waiting for the emulator's answer to a document request, by request id. */
  private readonly awaitingDocument = new Map<number, (response: DocumentResponse) => void>();
  private readonly maxDocuments: number;
  private readonly documentTimeoutMs: number;
  private readonly log: (line: string) => void;
  private inFlightCount = 0;

  constructor(
    private readonly engine: RulesEngine | undefined,
    private readonly send: (message: RuntimeMessage) => void,
    options: ServerOptions = {},
  ) {
    this.maxDocuments = options.maxDocumentsPerRequest ?? 2;
    this.documentTimeoutMs = options.documentTimeoutMs ?? 30_000;
    this.log = options.log ?? ((line) => process.stderr.write(`${line}\n`));
  }

  /** The start handshake: firebase-tools waits for a message with id -1 before loading rules. */
  started(): void {
    // The pid lets a supervisor (and our tests) check that the runtime goes away with the emulator.
    this.send({ id: STARTED_ID, status: "ok", message: "DealChat Storage rules runtime ready", pid: process.pid, errors: [], warnings: [] });
  }

  /** Verify requests not answered yet. */
  get inFlight(): number {
    return this.inFlightCount;
  }

  handleLine(line: string): void {
    const text = line.trim();
    if (text === "") return;
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      this.log(`storage rules runtime: ignored a line that is not JSON: ${text.slice(0, 200)}`);
      return;
    }
    if (!isObject(parsed) || typeof parsed.id !== "number") {
      this.log(`storage rules runtime: ignored a message without a numeric id: ${text.slice(0, 200)}`);
      return;
    }
    const id = parsed.id;
    if (!("action" in parsed)) {
      const waiting = this.awaitingDocument.get(id);
      if (waiting) {
        this.awaitingDocument.delete(id);
        waiting(parsed as unknown as DocumentResponse);
      } else {
        this.log(`storage rules runtime: ignored a response to no pending request (id ${id})`);
      }
      return;
    }
    switch (parsed.action) {
      case "load_ruleset":
        this.reply(id, () => this.loadRuleset(parsed as unknown as LoadRulesetRequest));
        return;
      case "verify":
        this.inFlightCount++;
        void this.verify(parsed as unknown as VerifyRequest)
          .then(
            (permit) => this.send({ id, status: "ok", result: { permit: permit.allowed }, errors: [], warnings: permit.warnings }),
            (error: unknown) => this.send({ id, status: "ok", errors: [message(error)], warnings: [] }),
          )
          .finally(() => this.inFlightCount--);
        return;
      default:
        this.send({ id, status: "ok", errors: [`Unknown action ${JSON.stringify(parsed.action)}`], warnings: [] });
    }
  }

  private reply(id: number, work: () => { result?: { rulesVersion: number }; errors: string[]; warnings: string[] }): void {
    try {
      const { result, errors, warnings } = work();
      this.send(result ? { id, status: "ok", result, errors, warnings } : { id, status: "ok", errors, warnings });
    } catch (error) {
      this.send({ id, status: "ok", errors: [message(error)], warnings: [] });
    }
  }

  private loadRuleset(request: LoadRulesetRequest): { result?: { rulesVersion: number }; errors: string[]; warnings: string[] } {
    const context = request.context as unknown;
    if (!isObject(context) || typeof context.rulesetName !== "string" || !isObject(context.source)) {
      throw new RequestError("load_ruleset needs context.rulesetName and context.source");
    }
    const files = context.source.files;
    if (!Array.isArray(files) || files.length !== 1 || !isObject(files[0]) || typeof files[0].content !== "string") {
      throw new RequestError("load_ruleset needs exactly one source file {name, content}");
    }
    const fileName = typeof files[0].name === "string" ? files[0].name : "storage.rules";
    if (!this.engine) throw new RequestError("The rules engine is not available in this build of the runtime");
    const compiled = this.engine.compile(files[0].content);
    const issues = (severity: Diagnostic["severity"]) => compiled.diagnostics.filter((d) => d.severity === severity).map((d) => serializeIssue(d, fileName));
    if (!compiled.ok) {
      const errors = issues("error");
      return {
        errors: errors.length ? errors : [serializeIssue({ line: 1, column: 1, message: "Invalid ruleset", severity: "error" }, fileName)],
        warnings: issues("warning"),
      };
    }
    if (compiled.ruleset.service !== "firebase.storage") {
      return {
        errors: [
          serializeIssue({ line: 1, column: 1, message: `Expected service firebase.storage, found ${compiled.ruleset.service}`, severity: "error" }, fileName),
        ],
        warnings: [],
      };
    }
    this.rulesets.set(context.rulesetName, { ruleset: compiled.ruleset, fileName });
    return { result: { rulesVersion: Number(compiled.ruleset.rulesVersion) }, errors: [], warnings: issues("warning") };
  }

  private async verify(request: VerifyRequest): Promise<{ allowed: boolean; warnings: string[] }> {
    const context = request.context as unknown;
    if (!isObject(context) || typeof context.rulesetName !== "string" || typeof context.path !== "string" || typeof context.method !== "string") {
      throw new RequestError("verify needs context.rulesetName, context.path and context.method");
    }
    if (!this.engine) throw new RequestError("The rules engine is not available in this build of the runtime");
    const loaded = this.rulesets.get(context.rulesetName);
    if (!loaded) throw new RequestError(`Ruleset ${JSON.stringify(context.rulesetName)} is not loaded`);
    if (context.service !== undefined && context.service !== "firebase.storage") {
      throw new RequestError(`This runtime verifies firebase.storage requests, not ${String(context.service)}`);
    }
    const method = METHODS[context.method];
    if (!method) throw new RequestError(`Unknown method ${JSON.stringify(context.method)}`);
    const variables = this.variables(context.variables, context.method);

    const documents = new Map<string, DocumentLookup>();
    for (;;) {
      const result = this.engine.evaluate(loaded.ruleset, {
        service: "firebase.storage",
        path: context.path,
        method,
        variables,
        documents: (path) => documents.get(path) ?? { status: "unknown" },
      });
      if (result.kind === "decided") {
        // The emulator logs every warning; a plain "false for 'create'" would only repeat the denial, while
        // evaluation errors (a missing document, an undefined property) explain it.
        const warnings = result.allowed
          ? []
          : result.diagnostics.filter((d) => !d.message.startsWith("false for")).map((d) => `${loaded.fileName}:${d.line}:${d.column}: ${d.message}`);
        return { allowed: result.allowed, warnings };
      }
      const wanted = [...new Set(result.paths)].filter((p) => !documents.has(p));
      if (wanted.length === 0) throw new RequestError("The rules engine asked again for documents it was given");
      for (const path of wanted) {
        if (documents.size >= this.maxDocuments) {
          throw new RequestError(`Rules evaluation failed: more than ${this.maxDocuments} Firestore documents read in one request (${path})`);
        }
        documents.set(path, await this.fetchDocument(request.id, path));
      }
    }
  }

  /** Request variables converted to Values; `request.method` added since the emulator does not send it. */
  private variables(raw: unknown, method: string): Record<string, Value> {
    if (raw === undefined) raw = {};
    if (!isObject(raw)) throw new RequestError("verify context.variables must be an object");
    const out: Record<string, Value> = {};
    for (const [name, value] of Object.entries(raw)) out[name] = fromExpressionValue(value, name);
    const request = out.request;
    if (request?.type === "map") {
      const fields = new Map(request.value);
      if (!fields.has("method")) fields.set("method", { type: "string", value: method });
      // An upload's request.resource has no generation in production (nor etag or timeCreated, which
      // firebase-tools does not send for a new object); firebase-tools sends the generation it will assign.
      const incoming = fields.get("resource");
      if (METHODS[method] === "create" && incoming?.type === "map" && incoming.value.has("generation")) {
        const withoutGeneration = new Map(incoming.value);
        withoutGeneration.delete("generation");
        fields.set("resource", { type: "map", value: withoutGeneration });
      }
      out.request = { type: "map", value: fields };
    }
    return out;
  }

  private fetchDocument(requestId: number, path: string): Promise<DocumentLookup> {
    // Storage rules can read the default database only; other paths are simply absent.
    if (!path.startsWith(DEFAULT_DATABASE_PREFIX) || path.length === DEFAULT_DATABASE_PREFIX.length) {
      return Promise.resolve({ status: "missing" });
    }
    if (this.awaitingDocument.has(requestId)) {
      return Promise.reject(new RequestError(`Request ${requestId} is already waiting for a document`));
    }
    return new Promise<DocumentLookup>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.awaitingDocument.delete(requestId);
        reject(new RequestError(`No answer from the emulator for the Firestore document ${path}`));
      }, this.documentTimeoutMs);
      timer.unref?.();
      this.awaitingDocument.set(requestId, (response) => {
        clearTimeout(timer);
        try {
          resolve(documentLookup(response, path));
        } catch (error) {
          reject(error);
        }
      });
      this.send({
        server_request_id: requestId,
        action: "fetch_firestore_document",
        context: { path },
        errors: [],
        warnings: [],
      });
    });
  }
}

/** What the emulator's answer says about the document. */
export function documentLookup(response: DocumentResponse, path: string): DocumentLookup {
  if (response.status === "not_found") return { status: "missing" };
  if (response.status !== "ok") {
    throw new RequestError(`Firestore document ${path} could not be read (${String(response.status)})`);
  }
  const result = response.result as unknown;
  if (!isObject(result)) throw new RequestError(`Firestore document ${path}: the answer has no document`);
  return { status: "found", data: fromFirestoreFields(result.fields, path) };
}

/** A diagnostic as the JSON string firebase-tools' rules manager knows how to print. */
export function serializeIssue(diagnostic: Diagnostic, fileName: string): string {
  const issue: SerializedIssue = {
    description_: diagnostic.message,
    sourcePosition_: { fileName_: fileName, line_: diagnostic.line, column_: diagnostic.column },
    type_: diagnostic.severity === "error" ? "ERROR" : "WARNING",
  };
  return JSON.stringify(issue);
}
