// Which rules runtime the Storage emulator gets (scripts/lib/storage-runtime.ts): Google's when it is there,
// ours otherwise. Needs no emulator.
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { firebaseToolsJar } from "../../scripts/lib/firebase-tools-cache.ts";
import { findJdk } from "../../scripts/lib/java.ts";
import { LAUNCHER_MAIN_CLASS, RUNTIME_SCRIPT, prepareStorageRuntime } from "../../scripts/lib/storage-runtime.ts";

const emptyCache = mkdtempSync(join(tmpdir(), "dealchat-no-jars-"));
afterAll(() => rmSync(emptyCache, { recursive: true, force: true }));

let foundJdk: ReturnType<typeof findJdk>;
function jdk() {
  foundJdk ??= findJdk();
  if (!foundJdk) throw new Error("no JDK ≥ 21 found");
  return foundJdk;
}

describe("prepareStorageRuntime", () => {
  it("uses Google's runtime when firebase-tools has its JAR cached", () => {
    const cache = mkdtempSync(join(tmpdir(), "dealchat-jars-"));
    try {
      const env = { FIREBASE_EMULATORS_PATH: cache };
      const official = firebaseToolsJar("storage", env);
      mkdirSync(join(official, ".."), { recursive: true });
      writeFileSync(official, "");
      expect(prepareStorageRuntime(jdk(), env)).toEqual({ kind: "official" });
    } finally {
      rmSync(cache, { recursive: true, force: true });
    }
  });

  it("leaves a user's own STORAGE_EMULATOR_BINARY_PATH alone", () => {
    expect(prepareStorageRuntime(jdk(), { FIREBASE_EMULATORS_PATH: emptyCache, STORAGE_EMULATOR_BINARY_PATH: "/somewhere/runtime.jar" })).toEqual({
      kind: "official",
    });
  });

  it("otherwise provides DealChat's runtime: a launcher jar whose Main-Class is ours and the runtime's location", () => {
    const choice = prepareStorageRuntime(jdk(), { FIREBASE_EMULATORS_PATH: emptyCache });
    if (choice.kind !== "ours") throw new Error(`expected our runtime, got ${JSON.stringify(choice)}`);
    expect(choice.env).toEqual({ DEALCHAT_STORAGE_RUNTIME_SCRIPT: RUNTIME_SCRIPT, DEALCHAT_NODE: process.execPath });
    expect(choice.jar).toMatch(/[/\\]\.cache[/\\]emulators[/\\]dealchat-storage-runtime-[0-9a-f]{12}\.jar$/);
    const extractTo = mkdtempSync(join(tmpdir(), "dealchat-manifest-"));
    try {
      const extract = spawnSync(join(jdk().bin, "jar"), ["--extract", "--file", choice.jar, "META-INF/MANIFEST.MF"], { cwd: extractTo, encoding: "utf8" });
      expect(extract.status).toBe(0);
      expect(readFileSync(join(extractTo, "META-INF", "MANIFEST.MF"), "utf8")).toMatch(
        new RegExp(`^Main-Class: ${LAUNCHER_MAIN_CLASS.replaceAll(".", "\\.")}\r?$`, "m"),
      );
    } finally {
      rmSync(extractTo, { recursive: true, force: true });
    }
    // The same source gives the same jar: it is not rebuilt on every start.
    const again = prepareStorageRuntime(jdk(), { FIREBASE_EMULATORS_PATH: emptyCache });
    expect(again.kind === "ours" && again.jar).toBe(choice.jar);
  });
});
