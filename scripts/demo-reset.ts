// `npm run demo:reset`: forgets the demo's saved data, so the next `npm start` seeds a fresh demo.
import { existsSync, rmSync } from "node:fs";
import { createConnection } from "node:net";
import { join } from "node:path";
import { repoRoot } from "./lib/cache.ts";
import { readFirebaseJson, writePortShiftedConfig } from "./lib/config.ts";

const offset = Number(process.env.DEALCHAT_PORT_OFFSET ?? 0);
const config = readFirebaseJson(offset ? writePortShiftedConfig(offset) : undefined) as { emulators: { hub: { host: string; port: number } } };
const hub = config.emulators.hub;
// A running `npm start` would write its data back on exit: it has to stop first.
const running = await new Promise<boolean>((resolve) => {
  const socket = createConnection({ host: hub.host, port: hub.port });
  socket.once("connect", () => {
    socket.destroy();
    resolve(true);
  });
  socket.once("error", () => resolve(false));
});
if (running) {
  process.stderr.write("The emulators are running: stop `npm start` (Ctrl-C) first, then run `npm run demo:reset` again.\n");
  process.exit(1);
}
const dir = join(repoRoot, ".demo-data");
if (existsSync(dir)) rmSync(dir, { recursive: true, force: true });
process.stdout.write("Demo data removed: the next `npm start` seeds a fresh demo.\n");
