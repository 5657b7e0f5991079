// A stand-in for the Cloud Tasks emulator's enqueue endpoint, for triggers invoked in-process against a project
// of their own (test/functions/handlers.test.ts): the real Tasks emulator knows only the queues the Functions
// emulator registered for the suite's project. It answers as Cloud Tasks does — the task, or 409 for a name
// already taken — so the admin SDK's "enqueued" / "exists" paths run unchanged, and records what was enqueued.
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";

export interface RecordedTask {
  queue: string;
  /** The task's id (the last segment of its name). */
  id: string;
  payload: unknown;
}

export interface RecordingTasks {
  tasks: RecordedTask[];
  /** Points the admin SDK at this endpoint (CLOUD_TASKS_EMULATOR_HOST) until stop(). */
  stop(): Promise<void>;
}

export async function recordTasks(): Promise<RecordingTasks> {
  const tasks: RecordedTask[] = [];
  const server = createServer((req, res) => {
    let body = "";
    req.on("data", (chunk: Buffer) => {
      body += chunk.toString("utf8");
    });
    req.on("end", () => {
      const queue = /\/queues\/([^/]+)\/tasks$/.exec(req.url ?? "")?.[1];
      if (req.method !== "POST" || !queue) {
        res.writeHead(404).end();
        return;
      }
      const task = (JSON.parse(body) as { task: { name?: string; httpRequest?: { body?: string } } }).task;
      const id = task.name?.split("/").pop() ?? `unnamed-${tasks.length}`;
      if (tasks.some((t) => t.queue === queue && t.id === id)) {
        res
          .writeHead(409, { "content-type": "application/json" })
          .end(JSON.stringify({ error: { code: 409, status: "ALREADY_EXISTS", message: "task exists" } }));
        return;
      }
      const payload = task.httpRequest?.body
        ? (JSON.parse(Buffer.from(task.httpRequest.body, "base64").toString("utf8")) as { data?: unknown }).data
        : undefined;
      tasks.push({ queue, id, payload });
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(task));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const previous = process.env.CLOUD_TASKS_EMULATOR_HOST;
  process.env.CLOUD_TASKS_EMULATOR_HOST = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    tasks,
    async stop() {
      if (previous === undefined) delete process.env.CLOUD_TASKS_EMULATOR_HOST;
      else process.env.CLOUD_TASKS_EMULATOR_HOST = previous;
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
