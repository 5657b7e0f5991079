// Which Chromium the browser tests drive, found at run time so the same `npm test` works here (no browser
// download possible), in CI and on a laptop: Playwright's own cache (`npx playwright install`), then a browser on
// PATH, then the one inside the @sparticuz/chromium npm package (a devDependency, unpacked to the temp folder).
import { existsSync } from "node:fs";
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
  return { source: "@sparticuz/chromium", executablePath: await sparticuz.executablePath(), args: sparticuz.args.filter((a) => a !== "--single-process") };
}

export async function launchChromium(): Promise<{ browser: Browser; found: FoundChromium }> {
  const found = await findChromium();
  const browser = await chromium.launch({ executablePath: found.executablePath, args: found.args, headless: true });
  return { browser, found };
}
