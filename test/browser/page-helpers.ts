// What the browser tests share: a brand and an influencer with accounts, the web app served against the emulators,
// headless Chromium with one context per user, and small waits on what a page shows. Playwright's `expect` is not
// part of playwright-core: the waits poll under a deadline instead.
import { getApps, initializeApp } from "firebase-admin/app";
import { getAuth } from "firebase-admin/auth";
import type { Side } from "@dealchat/model";
import type { Browser, BrowserContext, BrowserContextOptions, Locator, Page } from "playwright-core";
import { expect } from "vitest";
import { serveWebApp, type ServedWebApp } from "../../apps/web/serve.ts";
import { authEmulator, firestoreEmulator, projectId, storageEmulator, uniqueId } from "../support/emulators.ts";
import { launchChromium } from "./chromium.ts";

export interface TestUser {
  uid: string;
  email: string;
  name: string;
  side: Side;
}

/** A brand and an influencer whose ids start with a fresh run id (prefix-…), so runs never share accounts. */
export function twoUsers(prefix: string): { run: string; brand: TestUser; influencer: TestUser } {
  const run = uniqueId(prefix);
  return {
    run,
    brand: { uid: `${run}-brand`, email: `${run}-brand@browser.test`, name: "Brandly Co", side: "brand" },
    influencer: { uid: `${run}-inf`, email: `${run}-inf@browser.test`, name: "Ivy Influencer", side: "influencer" },
  };
}

export interface BrowserRig {
  web: ServedWebApp;
  browser: Browser;
  brandPage: Page;
  influencerPage: Page;
  brandContext: BrowserContext;
  influencerContext: BrowserContext;
  /** Uncaught page errors and console lines of both pages (shown when a test fails). */
  log: { pageErrors: string[]; consoleLines: string[] };
  close(): Promise<void>;
}

/**
 * The platform's part (accounts with their side claim), the web app served against the emulators with a directory
 * of the two users, and Chromium with a context and a page per user. `beforePages` runs on the contexts before the
 * pages open (e.g. routes).
 */
export async function startBrowserRig(options: {
  users: { brand: TestUser; influencer: TestUser };
  password: string;
  contexts?: { brand?: BrowserContextOptions; influencer?: BrowserContextOptions };
  beforePages?: (rig: Omit<BrowserRig, "brandPage" | "influencerPage">) => Promise<void>;
}): Promise<BrowserRig> {
  for (const variable of ["FIRESTORE_EMULATOR_HOST", "FIREBASE_AUTH_EMULATOR_HOST", "FIREBASE_STORAGE_EMULATOR_HOST"])
    if (!process.env[variable])
      throw new Error(`${variable} is not set: the browser tests need the Auth, Firestore, Storage and Functions emulators (npm test).`);
  const users = [options.users.brand, options.users.influencer];
  const admin = getApps().find((a) => a.name === "browser-tests") ?? initializeApp({ projectId }, "browser-tests");
  const auth = getAuth(admin);
  await Promise.all(
    users.map(async (u) => {
      await auth.createUser({ uid: u.uid, email: u.email, password: options.password, displayName: u.name });
      await auth.setCustomUserClaims(u.uid, { side: u.side });
    }),
  );
  const fs = firestoreEmulator();
  const web = await serveWebApp({
    firebase: { projectId, apiKey: "demo-api-key", storageBucket: `${projectId}.appspot.com` },
    emulators: { host: fs.host, firestore: fs.port, auth: authEmulator().port, storage: storageEmulator().port },
    directory: Object.fromEntries(users.map((u) => [u.uid, { name: u.name, side: u.side }])),
    demoAccounts: [],
  });
  const launched = await launchChromium();
  const browser = launched.browser;
  console.log(`browser tests: Chromium ${browser.version()} from ${launched.found.source} (${launched.found.executablePath})`);
  const brandContext = await browser.newContext(options.contexts?.brand);
  const influencerContext = await browser.newContext(options.contexts?.influencer);
  const log = { pageErrors: [] as string[], consoleLines: [] as string[] };
  const close = async () => {
    await brandContext.close();
    await influencerContext.close();
    await browser.close();
    await web.close();
  };
  const partial = { web, browser, brandContext, influencerContext, log, close };
  await options.beforePages?.(partial);
  return {
    ...partial,
    brandPage: await newUserPage(brandContext, "brand", log),
    influencerPage: await newUserPage(influencerContext, "influencer", log),
  };
}

/** The locator's first match's text, polled until it matches (a string matches the whole text). */
export const hasText = (locator: Locator, text: string | RegExp, timeout = 10_000) =>
  expect
    .poll(async () => ((await locator.count()) > 0 ? ((await locator.first().textContent()) ?? "") : ""), { timeout })
    .toMatch(text instanceof RegExp ? text : new RegExp(`^${text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}$`));

/** Polls until the locator matches exactly n elements. */
export const hasCount = (locator: Locator, n: number, timeout = 10_000) => expect.poll(() => locator.count(), { timeout }).toBe(n);

/** The messages on screen that contain a text. */
export const messageWith = (page: Page, text: string) => page.getByTestId("message").filter({ hasText: text });

/** A page whose uncaught errors and console lines are collected (shown when a test fails). */
export async function newUserPage(context: BrowserContext, label: string, log: { pageErrors: string[]; consoleLines: string[] }): Promise<Page> {
  const page = await context.newPage();
  page.on("pageerror", (e) => log.pageErrors.push(`${label}: ${e.message}`));
  page.on("console", (m) => log.consoleLines.push(`${new Date().toISOString().slice(11, 23)} ${label} ${m.type()}: ${m.text().slice(0, 500)}`));
  page.on("dialog", (d) => void d.accept());
  return page;
}

/** Signs a user in through the web app's form at `url`. */
export async function signIn(page: Page, url: string, user: { email: string }, password: string): Promise<void> {
  await page.goto(url);
  await page.getByTestId("email").fill(user.email);
  await page.getByTestId("password").fill(password);
  await page.getByTestId("sign-in").click();
  await page.getByTestId("sign-out").waitFor();
}
