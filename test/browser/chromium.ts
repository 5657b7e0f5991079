// Which Chromium the browser tests drive, found at run time so the same `npm test` works here (no browser
// download possible), in CI and on a laptop: Playwright's own cache (`npx playwright install`), then a browser on
// PATH, then the one inside the @sparticuz/chromium npm package (a devDependency, unpacked to the temp folder).
import { existsSync, mkdirSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { chromium, type Browser } from "playwright-core";

export interface FoundChromium {
  source: "playwright cache" | "system" | "@sparticuz/chromium";
  executablePath: string;
  args: string[];
}

const systemNames = ["chromium-headless-shell", "chromium", "chromium-browser", "google-chrome", "google-chrome-stable"];

function onPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? "").split(delimiter)) {
    const candidate = join(dir, name);
    if (dir && existsSync(candidate)) return candidate;
  }
  return undefined;
}

export async function findChromium(): Promise<FoundChromium> {
  let cached: string | undefined;
  try {
    cached = chromium.executablePath();
  } catch {
    cached = undefined;
  }
  if (cached && existsSync(cached)) return { source: "playwright cache", executablePath: cached, args: [] };
  for (const name of systemNames) {
    const path = onPath(name);
    if (path) return { source: "system", executablePath: path, args: [] };
  }
  const sparticuz = (await import("@sparticuz/chromium")).default;
  // Its defaults are made for AWS Lambda; one process per browser (--single-process) would put both test users'
  // pages in one renderer, so that one is left out.
  const executablePath = await oneUnpackAtATime(() => sparticuz.executablePath());
  return { source: "@sparticuz/chromium", executablePath, args: sparticuz.args.filter((a) => a !== "--single-process") };
}

const UNPACK_DEADLINE_MS = 120_000;

/**
 * @sparticuz/chromium unpacks into the temp folder and takes an existing file there as unpacked, so a second test
 * file starting while the first is still writing the binary would launch a half-written file (spawn ETXTBSY). Test
 * files run in parallel processes: a lock directory (mkdir is atomic) lets one unpack while the others wait for it.
 */
async function oneUnpackAtATime<T>(unpack: () => Promise<T>): Promise<T> {
  const lock = join(tmpdir(), "dealchat-chromium-unpack.lock");
  const deadline = Date.now() + UNPACK_DEADLINE_MS;
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      const age = Date.now() - (statSync(lock, { throwIfNoEntry: false })?.mtimeMs ?? Date.now());
      // A lock older than the deadline was left by a process that died while unpacking.
      if (age > UNPACK_DEADLINE_MS) rmSync(lock, { recursive: true, force: true });
      else if (Date.now() > deadline) throw new Error(`Chromium is still being unpacked by another process after ${UNPACK_DEADLINE_MS} ms (${lock})`);
      else await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  try {
    return await unpack();
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

export async function launchChromium(): Promise<{ browser: Browser; found: FoundChromium }> {
  const found = await findChromium();
  const browser = await chromium.launch({ executablePath: found.executablePath, args: found.args, headless: true });
  return { browser, found };
}
