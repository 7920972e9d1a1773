// The customer portal inside the platform's own page (issue 12 item 3): the server allows one origin in
// INBOX_PORTAL_FRAME_ANCESTORS; a page of that origin frames a portal link, and the account's endpoints
// open inside the iframe. A page of another origin gets nothing: the browser refuses to frame the
// dashboard (frame-ancestors). Both host pages are on 127.0.0.1 (other ports), so the same site as the
// dashboard: over plain http the session cookie is SameSite=Strict, which a browser withholds inside a
// cross-site iframe. The cross-site case (https, a partitioned SameSite=None cookie) is
// dashboard-portal-embedded.browser.ts.

import { afterAll, beforeAll, expect, test } from "bun:test";
import type { Page } from "playwright-core";
import { api } from "../binary/binary-harness";
import { ARTIFACTS, framingPage, portalLink, type Rig, startRig } from "./dashboard-support";

/** What Chromium logs when frame-ancestors refuses a frame. */
const REFUSED = /Framing '[^']*' violates the following Content Security Policy directive: "frame-ancestors /;

const allowed = framingPage();
const other = framingPage();
const allowedOrigin = `http://127.0.0.1:${allowed.port}`;
let rig: Rig;

beforeAll(async () => {
  rig = await startRig({
    env: { INBOX_PORTAL_FRAME_ANCESTORS: allowedOrigin },
    frameAncestors: ["'none'", allowedOrigin],
  });
  const hook = await api(rig.server, rig.keys.apiKey, "POST", "/v1/webhooks", {
    url: "http://127.0.0.1:9/framed-portal-hook",
    events: ["*"],
  });
  expect(hook.status).toBe(201);
}, 60_000);

afterAll(async () => {
  await rig?.close();
  allowed.stop(true);
  other.stop(true);
});

async function framing(hostOrigin: string, src: string): Promise<Page> {
  const page = await (await rig.newContext()).newPage();
  await page.goto(`${hostOrigin}/?src=${encodeURIComponent(src)}`);
  return page;
}

test("a portal link opens the account's endpoints inside an iframe on the allowed origin", async () => {
  const page = await framing(allowedOrigin, await portalLink(rig));
  const portal = page.frameLocator('iframe[title="Webhooks portal"]');
  await portal.getByRole("heading", { level: 1, name: "Endpoints" }).waitFor();
  expect(await portal.getByText("http://127.0.0.1:9/framed-portal-hook").count()).toBeGreaterThan(0);
  // The host page is this test's, not the dashboard's: a screenshot, no audit.
  await page.screenshot({ path: `${ARTIFACTS}/dashboard-portal-framed-1280.png` });
}, 30_000);

test("a page of another origin cannot frame the dashboard", async () => {
  const page = await framing(`http://127.0.0.1:${other.port}`, await portalLink(rig));
  await page.waitForTimeout(1_000);
  const frame = page.frames().find((f) => f !== page.mainFrame());
  expect(frame).toBeDefined();
  // Chromium replaces the refused frame with its own error page.
  expect(frame?.url()).not.toContain("/dashboard/");
  expect(await frame?.getByRole("heading", { name: "Endpoints" }).count()).toBe(0);
  expect(rig.problems.some((p) => REFUSED.test(p))).toBe(true);
}, 30_000);

test("no request left 127.0.0.1, every dashboard answer carried the CSP, nothing else went wrong", () => {
  // The one refusal the previous test provoked is the only console complaint.
  expect(rig.problems.filter((p) => !REFUSED.test(p))).toEqual([]);
  expect(rig.findings).toEqual([]);
});
