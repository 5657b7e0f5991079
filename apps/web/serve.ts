// Serves the built web app (apps/web/dist) with Vite's preview server, plus the one thing the page cannot know
// by itself: where the emulators listen (they move with DEALCHAT_PORT_OFFSET) and the demo's directory of users,
// as /dealchat-config.json. Used by `npm start` (scripts/start.ts) and the browser tests.
import { existsSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { preview } from "vite";

/** What the page reads from /dealchat-config.json (see src/config.ts). */
export interface WebAppConfig {
  firebase: { projectId: string; apiKey: string; storageBucket: string };
  emulators: { host: string; auth: number; firestore: number; storage?: number };
  /** Display names and sides of the demo's users, as the platform's user service would provide them. */
  directory: Record<string, { name: string; side: "brand" | "influencer" }>;
  /** Shown on the sign-in screen (the demo's accounts); empty outside the demo. */
  demoAccounts: Array<{ email: string; password: string; name: string; side: "brand" | "influencer" }>;
}

export interface ServedWebApp {
  url: string;
  close(): Promise<void>;
}

export const webAppDist = join(dirname(fileURLToPath(import.meta.url)), "dist");

export async function serveWebApp(config: WebAppConfig, options: { port?: number; host?: string } = {}): Promise<ServedWebApp> {
  if (!existsSync(join(webAppDist, "index.html"))) throw new Error(`The web app is not built (${webAppDist}): run \`npm run build\` first.`);
  const body = JSON.stringify(config);
  const server = await preview({
    configFile: false,
    root: dirname(webAppDist),
    logLevel: "warn",
    build: { outDir: webAppDist },
    preview: { port: options.port ?? 0, host: options.host ?? "127.0.0.1", strictPort: options.port !== undefined, open: false },
    plugins: [
      {
        name: "dealchat-config",
        configurePreviewServer(server) {
          server.middlewares.use("/dealchat-config.json", (_req, res) => {
            res.setHeader("content-type", "application/json");
            res.setHeader("cache-control", "no-store");
            res.end(body);
          });
        },
      },
    ],
  });
  const address = server.httpServer.address() as AddressInfo;
  return { url: `http://${options.host ?? "127.0.0.1"}:${address.port}/`, close: () => server.close() };
}
