// A developer's first minutes, in a real headless Chromium against the compiled binary: open Swagger UI,
// authorize with the default account's key, try GET /v1/webhooks. Every request the page makes must go to
// 127.0.0.1 (the UI's assets are served by the binary itself); anything else is blocked and fails the test.
// Needs Chromium: /usr/bin/chromium (Debian's `chromium` package, which `bun run test` installs when it
// can, see scripts/ensure-chromium.ts) or the executable CHROMIUM_PATH names.

import { afterAll, beforeAll, expect, test } from "bun:test";
import { mkdirSync } from "node:fs";
import { resolve } from "node:path";
import type { Browser, BrowserContext } from "playwright-core";
import {
  api,
  eventually,
  makeSandbox,
  parseFirstStartKeys,
  type RunningServer,
  type Sandbox,
  startServer,
} from "../binary/binary-harness";
import { allowOnlyHosts, launchChromium } from "./chromium";

const SCREENSHOT = resolve(import.meta.dir, "../../.artifacts/swagger.png");

let sandbox: Sandbox;
let server: RunningServer;
let apiKey: string;
let browser: Browser;
let context: BrowserContext;
const offHost: string[] = [];

beforeAll(async () => {
  sandbox = makeSandbox();
  server = await startServer(sandbox, [], { INBOX_ALLOW_PRIVATE_TARGETS: "true" });
  apiKey = await eventually(() => parseFirstStartKeys(server.stderr()).apiKey);
  browser = await launchChromium();
  context = await browser.newContext({ viewport: { width: 1280, height: 1400 } });
  // Allow loopback only; record and refuse everything else (CDNs, validator badges, fonts, telemetry).
  await allowOnlyHosts(context, new Set(["127.0.0.1"]), (url) => offHost.push(url.href));
}, 60_000);

afterAll(async () => {
  await context?.close();
  await browser?.close();
  if (server) expect(await server.stop()).toBe(0);
  sandbox?.remove();
});

test("Swagger UI lists the API, authorizes with an API key and runs GET /v1/webhooks", async () => {
  // Something to list, so that the response proves the call was made with this account's key.
  const created = await api(server, apiKey, "POST", "/v1/webhooks", {
    url: "http://127.0.0.1:9/hooks",
    events: ["*"],
    description: "from the browser test",
  });
  expect(created.status).toBe(201);
  const webhookId = (created.body as { id: string }).id;

  const page = await context.newPage();
  const pageErrors: string[] = [];
  page.on("pageerror", (err) => pageErrors.push(err.message));
  const response = await page.goto(`${server.url}/swagger`);
  expect(response?.status()).toBe(200);

  // The operations are listed.
  await page
    .locator(".opblock-summary-path", { hasText: "/v1/webhooks" })
    .first()
    .waitFor({ timeout: 20_000 });
  const paths = await page.locator(".opblock-summary-path").allTextContents();
  for (const path of ["/v1/webhooks", "/v1/events", "/v1/accounts", "/v1/event-types"]) {
    expect(paths.map((p) => p.replace(/\u200b/g, "").trim())).toContain(path);
  }

  // Authorize with the bearer key.
  await page.locator(".auth-wrapper button.authorize").click();
  const dialog = page.locator(".dialog-ux .modal-ux");
  await dialog.waitFor();
  await dialog.locator("input").first().fill(apiKey);
  await dialog.locator("button.authorize").first().click();
  await dialog.locator("button.btn-done, button.close-modal").first().click();

  // Try it out on GET /v1/webhooks.
  const operation = page
    .locator(".opblock.opblock-get")
    .filter({ has: page.locator('.opblock-summary-path[data-path="/v1/webhooks"]') })
    .first();
  await operation.locator(".opblock-summary").first().click();
  await operation.locator("button.try-out__btn").click();
  await operation.locator("button.execute").click();
  const status = operation.locator(".live-responses-table .response .response-col_status").first();
  await status.waitFor({ timeout: 15_000 });
  expect((await status.textContent())?.trim()).toBe("200");
  const body = await operation
    .locator(".live-responses-table .response-col_description pre")
    .first()
    .textContent();
  expect(body).toContain(webhookId);

  await operation.scrollIntoViewIfNeeded();
  mkdirSync(resolve(SCREENSHOT, ".."), { recursive: true });
  await page.screenshot({ path: SCREENSHOT, fullPage: false });

  expect(offHost).toEqual([]);
  expect(pageErrors).toEqual([]);
}, 90_000);
