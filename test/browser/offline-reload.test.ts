// Offline across reloads (issue 11, item 6), in a real headless Chromium with the web app's persistent cache
// (`?cache=persistent`: Firestore in IndexedDB). The influencer sends while the browser context is offline, the
// page is reloaded while still offline, and the message must still be on screen as pending — read back from
// IndexedDB by a new document, since the reload drops everything the old one held in memory — then be delivered
// exactly once when the network is back.
//
// A reload while offline cannot fetch the page from the preview server. An offline-capable app serves its shell
// (HTML, scripts, config) from a cache, usually a service worker's; the reference web app has none, so the test
// stands in for it: every request to the app's own origin goes to the server while online and is remembered, and
// is answered from that copy while the context is offline. Only the app shell is served this way; Firebase's
// traffic (Auth, Firestore) stays offline, which is what the test is about.
import { createDeal } from "@dealchat/model";
import { Timestamp } from "firebase-admin/firestore";
import type { BrowserContext, Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { adminFirestore } from "../support/clients.ts";
import { type BrowserRig, hasCount, hasText, messageWith, signIn, startBrowserRig, twoUsers } from "./page-helpers.ts";

const password = "offline-reload-password";
const { run, brand, influencer } = twoUsers("reload");
const deliveredDeal = `${run}-delivered`;
const titles: Record<string, string> = { [deliveredDeal]: "Train ride campaign" };

let rig: BrowserRig;
let brandPage: Page;
let influencerPage: Page;

/** The influencer's context is offline (set together with context.setOffline): the app shell comes from the copy. */
let offline = false;

async function setOffline(value: boolean): Promise<void> {
  offline = value;
  await rig.influencerContext.setOffline(value);
}

/** Serves the app's own origin network-first, from the last good copy while offline (a service worker's job in a real app). */
async function cacheAppShell(context: BrowserContext, origin: string): Promise<void> {
  const copies = new Map<string, { status: number; headers: Record<string, string>; body: Buffer }>();
  await context.route(
    (url) => url.origin === origin,
    async (route) => {
      const key = route.request().url().split("#")[0]!;
      if (offline) {
        const copy = copies.get(key);
        if (copy) await route.fulfill(copy);
        else await route.abort("internetdisconnected");
        return;
      }
      const response = await route.fetch();
      const copy = { status: response.status(), headers: response.headers(), body: await response.body() };
      if (response.ok()) copies.set(key, copy);
      await route.fulfill(copy);
    },
  );
}

/** The messages with this text stored on the server (what the other side can ever see). */
async function storedWith(dealId: string, text: string): Promise<number> {
  const snap = await adminFirestore().collection(`deals/${dealId}/messages`).where("text", "==", text).get();
  return snap.size;
}

/** Opens a conversation on the influencer's page and sends a message while offline; it shows as pending. */
async function sendOffline(dealId: string, text: string): Promise<void> {
  await influencerPage.goto(`${rig.web.url}?cache=persistent#/c/${dealId}`);
  // The conversation has loaded (its title replaces "Loading…"): the client knows the user's side in the deal,
  // which a send needs (README: sending offline works for deals seen in this session).
  await hasText(influencerPage.getByTestId("deal-title"), titles[dealId]!, 15_000);
  await setOffline(true);
  await influencerPage.getByTestId("offline-banner").waitFor({ state: "visible" });
  await influencerPage.getByTestId("composer-input").fill(text);
  await influencerPage.getByTestId("send").click();
  await hasText(messageWith(influencerPage, text).getByTestId("message-status"), /sending/);
}

/** Reloads the influencer's page while offline; the message must come back from IndexedDB as pending. */
async function reloadOffline(text: string): Promise<void> {
  await influencerPage.reload();
  // A new document: the conversation and the pending write can only come from the persistent cache.
  await influencerPage.getByTestId("offline-banner").waitFor({ state: "visible", timeout: 15_000 });
  await hasText(messageWith(influencerPage, text).getByTestId("message-status"), /sending/, 15_000);
}

beforeAll(async () => {
  rig = await startBrowserRig({
    users: { brand, influencer },
    password,
    beforePages: ({ influencerContext, web }) => cacheAppShell(influencerContext, new URL(web.url).origin),
  });
  ({ brandPage, influencerPage } = rig);
  const now = Timestamp.now();
  for (const [dealId, title] of Object.entries(titles))
    await createDeal(adminFirestore(), { dealId, brandId: brand.uid, influencerId: influencer.uid, title, status: "active" }, now);
  // The brand watches with the default memory cache; the influencer's page has the persistent cache.
  await signIn(brandPage, rig.web.url, brand, password);
  await signIn(influencerPage, `${rig.web.url}?cache=persistent`, influencer, password);
}, 120_000);

afterEach(async (context) => {
  if (offline) await setOffline(false);
  if (context.task.result?.state === "fail") console.log(`browser console:\n${rig.log.consoleLines.slice(-40).join("\n")}`);
});

afterAll(async () => {
  await rig?.close();
});

describe("offline across a page reload (persistent cache)", { timeout: 60_000 }, () => {
  it("a message sent offline is still pending after a reload and is delivered once when back online", async () => {
    const text = `Written offline, reloaded ${run}`;
    await brandPage.goto(`${rig.web.url}#/c/${deliveredDeal}`);
    await hasText(brandPage.getByTestId("deal-title"), titles[deliveredDeal]!, 15_000);

    await sendOffline(deliveredDeal, text);
    await reloadOffline(text);
    expect(await storedWith(deliveredDeal, text)).toBe(0);
    await hasCount(messageWith(brandPage, text), 0);

    await setOffline(false);
    await hasText(messageWith(influencerPage, text).getByTestId("message-status"), /sent|read/, 30_000);
    await influencerPage.getByTestId("offline-banner").waitFor({ state: "hidden" });
    await hasCount(messageWith(brandPage, text), 1, 15_000);
    // Once: one document on the server, one message on each screen.
    expect(await storedWith(deliveredDeal, text)).toBe(1);
    await hasCount(messageWith(influencerPage, text), 1);
    expect(rig.log.pageErrors).toEqual([]);
  });
});
