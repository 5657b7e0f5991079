// `npm run demo:screenshot`: the README's picture of the demo (docs/img/web-app.png), taken in headless Chromium
// from a running `npm start` (its URL as the argument, or http://127.0.0.1:5173/): Northwind Outdoor signed in,
// the conversation list and the spring trail-running reel conversation with its files.
import { join } from "node:path";
import { launchChromium } from "../../test/browser/chromium.ts";
import { repoRoot } from "../lib/cache.ts";
import { DEMO_PASSWORD, demoUsers } from "./seed.ts";

const url = process.argv[2] ?? "http://127.0.0.1:5173/";
const northwind = demoUsers.find((u) => u.uid === "brand-northwind")!;
const { browser, found } = await launchChromium();
try {
  const page = await browser.newPage({ viewport: { width: 1200, height: 760 } });
  await page.goto(url);
  await page.getByTestId("email").fill(northwind.email);
  await page.getByTestId("password").fill(DEMO_PASSWORD);
  await page.getByTestId("sign-in").click();
  await page.getByTestId("sign-out").waitFor();
  await page.goto(`${url}#/c/spring-trail-reel`);
  await page.getByTestId("message").last().waitFor();
  // The newest file's preview, when the functions have made it.
  await page
    .getByTestId("attachment-preview")
    .last()
    .evaluate((img: HTMLImageElement) => (img.complete && img.naturalWidth > 0 ? null : new Promise((r) => img.addEventListener("load", r))))
    .catch(() => {});
  const out = join(repoRoot, "docs", "img", "web-app.png");
  await page.screenshot({ path: out });
  console.log(`wrote ${out} (Chromium from ${found.source})`);
} finally {
  await browser.close();
}
