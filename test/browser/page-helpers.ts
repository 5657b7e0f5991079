// Small waits on what a page shows, shared by browser tests written after web-app.test.ts (which keeps its own
// copies for now). Playwright's `expect` is not part of playwright-core: these poll under a deadline instead.
import type { BrowserContext, Locator, Page } from "playwright-core";
import { expect } from "vitest";

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
