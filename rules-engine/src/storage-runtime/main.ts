// The Storage emulator's rules runtime: `node storage-runtime.mjs serve` (through the launcher jar, which
// firebase-tools starts as `java … -jar <jar> serve`). Speaks JSON lines on stdin/stdout; see protocol.ts.
import { appendFileSync } from "node:fs";
import { createInterface } from "node:readline";
import type { Compile, Evaluate } from "../api.ts";
import { StorageRulesRuntimeServer, type RulesEngine } from "./server.ts";

async function loadEngine(): Promise<RulesEngine | undefined> {
  // The engine's entry point, checked at run time: firebase-tools waits forever for the start handshake, so a
  // runtime whose engine is broken or incomplete must still start and answer every request with an error.
  try {
    const engine = (await import("../index.ts")) as { compile?: Compile; evaluate?: Evaluate };
    if (typeof engine.compile === "function" && typeof engine.evaluate === "function") {
      return { compile: engine.compile, evaluate: engine.evaluate };
    }
    process.stderr.write("storage rules runtime: the rules engine exports no compile/evaluate\n");
  } catch (error) {
    process.stderr.write(`storage rules runtime: the rules engine failed to load: ${(error as Error).stack ?? error}\n`);
  }
  return undefined;
}

async function main(): Promise<void> {
  const [command = "serve"] = process.argv.slice(2);
  if (command !== "serve") {
    process.stderr.write(`usage: storage-runtime serve (got ${JSON.stringify(command)})\n`);
    process.exit(2);
  }
  const engine = await loadEngine();
  // DEALCHAT_STORAGE_RUNTIME_TRACE=<file>: every line in and out with a timestamp, to debug the protocol.
  const traceFile = process.env.DEALCHAT_STORAGE_RUNTIME_TRACE;
  const trace = traceFile
    ? (direction: string, line: string) => appendFileSync(traceFile, `${new Date().toISOString()} ${direction} ${line.slice(0, 300)}\n`)
    : () => {};
  const server = new StorageRulesRuntimeServer(engine, (message) => {
    const line = JSON.stringify(message);
    trace(">", line);
    process.stdout.write(`${line}\n`);
  });
  // A bug must cost one request, not the emulator: the runtime keeps serving after an unexpected exception.
  process.on("uncaughtException", (error) => process.stderr.write(`storage rules runtime: ${error.stack ?? error}\n`));
  process.on("unhandledRejection", (error) => process.stderr.write(`storage rules runtime: ${String(error)}\n`));
  // firebase-tools stops the runtime with SIGINT; the launcher forwards SIGTERM when the JVM shuts down.
  for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) process.on(signal, () => process.exit(0));

  const lines = createInterface({ input: process.stdin, crlfDelay: Infinity });
  lines.on("line", (line) => {
    trace("<", line);
    server.handleLine(line);
  });
  // The emulator went away (its end of the pipe closed): nobody is left to answer.
  lines.on("close", () => process.exit(0));
  server.started();
}

void main();
