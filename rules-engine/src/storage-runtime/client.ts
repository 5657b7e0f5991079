// The emulator's side of the rules-runtime protocol, for tests and benchmarks: spawns a runtime process
// (ours through node, or any command such as `java -jar <launcher> serve`), waits for the start handshake,
// loads rulesets and verifies requests, answering the runtime's document requests from a callback.
import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import type { ExpressionValue } from "./expression-value.ts";
import { STARTED_ID, type DocumentResponse, type RuntimeResponse } from "./protocol.ts";

type Message = Record<string, unknown> & { id?: number; server_request_id?: number; action?: string };

/** Answers a fetch_firestore_document request: a REST document's fields, or undefined for "not found". */
export type DocumentSource = (path: string) => Record<string, unknown> | undefined;

export interface VerifyContext {
  rulesetName: string;
  path: string;
  method: string;
  variables: Record<string, ExpressionValue>;
  service?: string;
  delimiter?: string;
}

export class StorageRulesRuntimeClient {
  private nextId = 0;
  private buffer = "";
  private readonly waiting = new Map<number, (message: Message) => void>();
  private readonly documentSources = new Map<number, DocumentSource>();
  /** Every line the runtime printed, parsed (for assertions on the raw protocol). */
  readonly received: Message[] = [];
  /** The runtime's start message (id -1). */
  handshake: Message = {};
  /** Lines the runtime printed that were not JSON, and its stderr. */
  readonly noise: string[] = [];
  private readonly exited: Promise<number | null>;

  private constructor(private readonly child: ChildProcessWithoutNullStreams) {
    child.stdout.setEncoding("utf8");
    child.stdout.on("data", (chunk: string) => this.onStdout(chunk));
    child.stderr.setEncoding("utf8");
    child.stderr.on("data", (chunk: string) => this.noise.push(chunk));
    this.exited = new Promise((resolve) => child.on("exit", (code) => resolve(code)));
  }

  /** Spawns the runtime and resolves once it has sent the start handshake (id -1). */
  static async start(command: string, args: string[], { env = process.env, timeoutMs = 15_000 } = {}): Promise<StorageRulesRuntimeClient> {
    const client = new StorageRulesRuntimeClient(spawn(command, args, { env, stdio: ["pipe", "pipe", "pipe"] }));
    client.handshake = await client.expect(STARTED_ID, timeoutMs, "the start handshake");
    return client;
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  private onStdout(chunk: string): void {
    this.buffer += chunk;
    const lines = this.buffer.split("\n");
    this.buffer = lines.pop() ?? "";
    for (const line of lines) {
      if (line.trim() === "") continue;
      let message: Message;
      try {
        message = JSON.parse(line) as Message;
      } catch {
        this.noise.push(line);
        continue;
      }
      this.received.push(message);
      if (message.action === "fetch_firestore_document" && typeof message.server_request_id === "number") {
        this.answerDocumentRequest(message.server_request_id, message);
        continue;
      }
      const id = message.id ?? message.server_request_id;
      const waiter = typeof id === "number" ? this.waiting.get(id) : undefined;
      if (waiter) {
        this.waiting.delete(id!);
        waiter(message);
      }
    }
  }

  private answerDocumentRequest(id: number, request: Message): void {
    const path = (request.context as { path?: string } | undefined)?.path ?? "";
    const source = this.documentSources.get(id);
    const fields = source?.(path);
    const response: DocumentResponse =
      fields === undefined
        ? { id, status: "not_found", errors: [], warnings: [] }
        : { id, status: "ok", result: { name: `projects/demo${path}`, fields }, errors: [], warnings: [] };
    this.writeLine(JSON.stringify(response));
  }

  private expect(id: number, timeoutMs: number, what: string): Promise<Message> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting.delete(id);
        reject(new Error(`Timed out after ${timeoutMs} ms waiting for ${what}; stderr: ${this.noise.join("")}`));
      }, timeoutMs);
      this.waiting.set(id, (message) => {
        clearTimeout(timer);
        resolve(message);
      });
      void this.exited.then((code) => {
        if (!this.waiting.has(id)) return;
        clearTimeout(timer);
        this.waiting.delete(id);
        reject(new Error(`The runtime exited (code ${code}) while waiting for ${what}; stderr: ${this.noise.join("")}`));
      });
    });
  }

  /** Writes one raw line (for malformed-input tests). */
  writeLine(line: string): void {
    this.child.stdin.write(`${line}\n`);
  }

  /** Sends a request with a fresh id and resolves with the runtime's final answer to it. */
  request(body: Record<string, unknown>, { timeoutMs = 15_000, documents }: { timeoutMs?: number; documents?: DocumentSource } = {}): Promise<RuntimeResponse> {
    const id = this.nextId++;
    if (documents) this.documentSources.set(id, documents);
    const answer = this.expect(id, timeoutMs, `the answer to ${String(body.action)} #${id}`);
    this.writeLine(JSON.stringify({ ...body, id }));
    return answer.finally(() => this.documentSources.delete(id)) as Promise<unknown> as Promise<RuntimeResponse>;
  }

  loadRuleset(rulesetName: string, content: string, fileName = "storage.rules"): Promise<RuntimeResponse> {
    return this.request({ action: "load_ruleset", context: { rulesetName, source: { files: [{ name: fileName, content }] } } });
  }

  verify(context: VerifyContext, documents?: DocumentSource): Promise<RuntimeResponse> {
    return this.request({ action: "verify", context: { service: "firebase.storage", ...context } }, documents ? { documents } : {});
  }

  get alive(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Stops the runtime the way firebase-tools does (SIGINT) and resolves with its exit code. */
  async stop(signal: NodeJS.Signals = "SIGINT"): Promise<number | null> {
    if (this.alive) this.child.kill(signal);
    return this.exited;
  }

  /** Closes the runtime's stdin, as when the emulator process goes away. */
  closeInput(): Promise<number | null> {
    this.child.stdin.end();
    return this.exited;
  }
}

/** Object metadata as firebase-tools' StoredFileMetadata.asRulesResource() builds it (the fields rules use). */
export interface ObjectMetadata {
  name: string;
  bucket: string;
  size: number;
  contentType: string;
  metadata?: Record<string, string>;
  generation?: number;
  timeCreated?: Date;
}

const str = (value: string): ExpressionValue => ({ string_value: value });

function timestamp(date: Date): ExpressionValue {
  return { timestamp_value: date.toISOString() };
}

export function objectResource(object: ObjectMetadata): ExpressionValue {
  const created = object.timeCreated ?? new Date();
  const generation = object.generation ?? created.getTime();
  return {
    map_value: {
      fields: {
        name: str(object.name),
        bucket: str(object.bucket),
        generation: { int_value: generation },
        metageneration: { int_value: 1 },
        size: { int_value: object.size },
        timeCreated: timestamp(created),
        updated: timestamp(created),
        md5Hash: str("1B2M2Y8AsgTpgAmY7PhCfg=="),
        crc32c: str("0"),
        etag: str(`${generation}/1`),
        contentDisposition: { null_value: null },
        contentEncoding: { null_value: null },
        contentType: str(object.contentType),
        metadata: { map_value: { fields: Object.fromEntries(Object.entries(object.metadata ?? {}).map(([k, v]) => [k, str(v)])) } },
      },
    },
  };
}

/**
 * The `request` and `resource` variables of a verify, built the way firebase-tools' Storage emulator builds
 * them (createRequestExpressionValue): path segments, time, auth {uid, token} or null, request.resource.
 */
export function storageVariables(opts: {
  path: string;
  uid?: string;
  token?: Record<string, string>;
  incoming?: ObjectMetadata;
  existing?: ObjectMetadata;
}): Record<string, ExpressionValue> {
  const auth: ExpressionValue = opts.uid
    ? {
        map_value: {
          fields: {
            uid: str(opts.uid),
            token: { map_value: { fields: { user_id: str(opts.uid), ...Object.fromEntries(Object.entries(opts.token ?? {}).map(([k, v]) => [k, str(v)])) } } },
          },
        },
      }
    : { null_value: null };
  return {
    resource: opts.existing ? objectResource(opts.existing) : { null_value: null },
    request: {
      map_value: {
        fields: {
          path: {
            path_value: {
              segments: opts.path
                .split("/")
                .filter((s) => s)
                .map((simple) => ({ simple })),
            },
          },
          time: timestamp(new Date()),
          resource: opts.incoming ? objectResource(opts.incoming) : { null_value: null },
          auth,
        },
      },
    },
  };
}
