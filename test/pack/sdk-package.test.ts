// The SDK as a product: `npm pack` the model and the client SDK, install the tarballs into a fresh app outside the
// repository (from the local npm cache where possible: --prefer-offline), type-check a small program against
// them with the app's own tsconfig and bundle it for browsers with esbuild. Needs `npm run build` first (npm test does it).
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { afterAll, describe, expect, it } from "vitest";

const repo = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const require = createRequire(import.meta.url);
const npm = process.platform === "win32" ? "npm.cmd" : "npm";
const work = mkdtempSync(join(tmpdir(), "dealchat-pack-"));
afterAll(() => {
  if (!process.env.DEALCHAT_KEEP_PACK_APP) rmSync(work, { recursive: true, force: true });
});

const versionOf = (name: string) => (JSON.parse(readFileSync(join(repo, "node_modules", name, "package.json"), "utf8")) as { version: string }).version;

const program = `
import { initializeApp } from "firebase/app";
import { getAuth, signInWithEmailAndPassword } from "firebase/auth";
import { getFirestore, Timestamp } from "firebase/firestore";
import { getStorage } from "firebase/storage";
import { connectDealChatEmulators, createDealChat, DealChatError, limits, type ConversationHandleState } from "@dealchat/client-sdk";
import { createDeal, type PlatformFirestore } from "@dealchat/model";

export async function start(email: string, password: string): Promise<() => void> {
  const app = initializeApp({ projectId: "demo-dealchat", apiKey: "demo-api-key", storageBucket: "demo-dealchat.appspot.com" });
  const auth = getAuth(app);
  const firestore = getFirestore(app);
  const storage = getStorage(app);
  connectDealChatEmulators({ auth, firestore, storage }, { auth: 9099, firestore: 8080, storage: 9199 });
  await signInWithEmailAndPassword(auth, email, password);
  const chat = createDealChat({ firestore, auth, storage, side: "brand" });
  const conversation = chat.conversation("deal-1", { watchPresence: true });
  const stop = conversation.subscribe((state: ConversationHandleState) => {
    for (const m of state.messages) if (m.status === "failed" && m.error instanceof DealChatError) console.log(m.error.code);
  });
  conversation.send({ text: "hello".slice(0, limits.textMaxLength) }).done.catch(() => {});
  return () => {
    stop();
    chat.dispose();
  };
}

// The platform side (backend): typed against the helper's structural Firestore.
export const platform = (db: PlatformFirestore) =>
  createDeal(db, { dealId: "deal-1", brandId: "b", influencerId: "i", title: "Launch" }, Timestamp.now());
`;

describe("the SDK packages installed in an app's own repository", () => {
  it("packs, installs, type-checks and bundles", { timeout: 240_000 }, async () => {
    const packed = JSON.parse(
      execFileSync(npm, ["pack", "-w", "@dealchat/model", "-w", "@dealchat/client-sdk", "--pack-destination", work, "--json", "--ignore-scripts"], {
        cwd: repo,
        encoding: "utf8",
        stdio: ["ignore", "pipe", "pipe"],
      }),
    ) as Array<{ name: string; filename: string; files: Array<{ path: string }> }>;
    for (const p of packed) {
      const files = p.files.map((f) => f.path);
      expect(files, p.name).toContain("dist/index.js");
      expect(files, p.name).toContain("dist/index.d.ts");
      expect(
        files.filter((f) => f.startsWith("src/")),
        p.name,
      ).toEqual([]);
    }
    const tarball = (name: string) => join(work, packed.find((p) => p.name === name)!.filename);

    const app = join(work, "app");
    execFileSync("mkdir", ["-p", join(app, "src")]);
    writeFileSync(
      join(app, "package.json"),
      JSON.stringify({
        name: "an-app",
        private: true,
        type: "module",
        dependencies: {
          "@dealchat/client-sdk": `file:${tarball("@dealchat/client-sdk")}`,
          "@dealchat/model": `file:${tarball("@dealchat/model")}`,
          firebase: `^${versionOf("firebase")}`,
        },
      }),
    );
    writeFileSync(
      join(app, "tsconfig.json"),
      JSON.stringify({
        compilerOptions: {
          target: "ES2022",
          module: "ESNext",
          moduleResolution: "Bundler",
          strict: true,
          noEmit: true,
          lib: ["ES2023", "DOM"],
          skipLibCheck: true,
          types: [],
        },
        include: ["src"],
      }),
    );
    writeFileSync(join(app, "src", "main.ts"), program);
    // From the npm cache when it has the packages (this repository's install filled it), else the registry.
    execFileSync(npm, ["install", "--prefer-offline", "--no-audit", "--no-fund", "--ignore-scripts", "--loglevel", "error"], {
      cwd: app,
      stdio: ["ignore", "pipe", "pipe"],
    });

    // The app's own TypeScript check, as an app would run it.
    const tsc = require.resolve("typescript/bin/tsc");
    try {
      execFileSync(process.execPath, [tsc, "-p", "tsconfig.json"], { cwd: app, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
    } catch (e) {
      throw new Error(`the app does not type-check against the packages:\n${(e as { stdout?: string }).stdout ?? e}`);
    }

    const result = await build({
      absWorkingDir: app,
      entryPoints: ["src/main.ts"],
      bundle: true,
      platform: "browser",
      format: "esm",
      write: false,
      metafile: true,
      logLevel: "silent",
    });
    const inputs = Object.keys(result.metafile.inputs);
    expect(inputs.some((i) => i.includes("node_modules/@dealchat/client-sdk/dist/"))).toBe(true);
    expect(inputs.some((i) => i.includes("node_modules/@dealchat/model/dist/"))).toBe(true);
    // Nothing comes from this repository's sources.
    expect(inputs.filter((i) => i.includes("/src/") && !i.startsWith("src/"))).toEqual([]);
  });
});
