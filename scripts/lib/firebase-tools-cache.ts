// Where firebase-tools keeps (or would download) its emulator JARs, read from its own metadata so a
// laptop with a cached official JAR keeps using it.
import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { homedir } from "node:os";
import { dirname, join } from "node:path";

type JavaEmulator = "firestore" | "storage";

interface DownloadInfo {
  version: string;
  downloadPathRelativeToCacheDir: string;
}

const require = createRequire(import.meta.url);

function downloadInfo(): Record<JavaEmulator, DownloadInfo> {
  const pkgJson = require.resolve("firebase-tools/package.json");
  const infoPath = join(dirname(pkgJson), "lib", "emulator", "downloadableEmulatorInfo.json");
  return JSON.parse(readFileSync(infoPath, "utf8")) as Record<JavaEmulator, DownloadInfo>;
}

export function firebaseToolsJar(emulator: JavaEmulator, env: NodeJS.ProcessEnv = process.env): string {
  const cache = env.FIREBASE_EMULATORS_PATH ?? join(homedir(), ".cache", "firebase", "emulators");
  return join(cache, downloadInfo()[emulator].downloadPathRelativeToCacheDir);
}

export function isOfficialJarCached(emulator: JavaEmulator, env: NodeJS.ProcessEnv = process.env): boolean {
  return existsSync(firebaseToolsJar(emulator, env));
}
