// The offline wiring itself: a run must never leave emulators behind, even when firebase-tools dies.
import { spawn } from "node:child_process";
import { createConnection } from "node:net";
import { expect, it } from "vitest";
import { readFirebaseJson } from "../scripts/lib/config.ts";

/** An offset no other suite on this machine uses, so the nested run cannot collide with the outer one. */
const OFFSET = 8000;

function run(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", "scripts/firebase.ts", ...args], { env, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.on("error", reject);
    child.on("exit", (code) => resolve({ code, output }));
  });
}

function portIsOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: "127.0.0.1", port });
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}

it("stops the emulators that firebase-tools leaves running when it is killed", async () => {
  // A clean environment: nothing of the outer emulator run this test itself runs under.
  const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !/EMULATOR|^GCLOUD_PROJECT$|^FIREBASE_CONFIG$/.test(key)));
  const firestorePort = (readFirebaseJson().emulators!.firestore as { port: number }).port + OFFSET;
  // The exec'd script kills firebase-tools itself (its parent) with SIGKILL: no chance to stop its emulators.
  const { output } = await run(["emulators:exec", "--only", "firestore", "kill -9 $PPID"], { ...env, DEALCHAT_PORT_OFFSET: String(OFFSET) });
  expect(output).toMatch(/Stopped 1 process\(es\) that firebase-tools left running/);
  expect(await portIsOpen(firestorePort)).toBe(false);
}, 120_000);
