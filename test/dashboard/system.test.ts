// The operator's system page in-process (issue 12 item 5): the backlog, attempts in flight, the
// store (kind, size, health), version, uptime and settings; no secret; 403 for an account session.

import { afterAll, beforeAll, expect, test } from "bun:test";
import { eventCatalog } from "../../src/domain/event-catalog";
import { ADMIN_KEY, createHarness, type Harness } from "../http/harness";
import { BrowserClient } from "./browser-client";

let h: Harness;
let admin: BrowserClient;

beforeAll(async () => {
  h = await createHarness();
  admin = new BrowserClient(h.app);
  expect((await admin.signIn(ADMIN_KEY)).status).toBe(303);
});

afterAll(async () => {
  await h.close();
});

test("shows what /health shows, the store and the settings, without the admin key", async () => {
  const hook = await h.call("POST", "/v1/webhooks", {
    body: { url: "https://receiver.example/hook", events: ["*"] },
  });
  expect(hook.status).toBe(201);
  const data = eventCatalog.get("message.delivered")?.example.data;
  const published = await h.call("POST", "/v1/events", { body: { type: "message.delivered", data } });
  expect(published.status).toBe(202);
  await h.settleFigures();
  const health = (await h.call("GET", "/health", { key: null })).json;

  const page = await admin.get("/dashboard/system");
  expect(page.status).toBe(200);
  expect(page.text).toContain("<h1>System</h1>");
  expect(page.text).toContain(`<dt>Pending deliveries</dt><dd>${health.pending}</dd>`);
  expect(health.pending).toBeGreaterThan(0);
  // FakeDelivery reports 3 attempts in flight, as /health does.
  expect(health.in_flight).toBe(3);
  expect(page.text).toContain("<dt>Attempts in flight</dt><dd>3 in this process (at most 16)</dd>");
  expect(page.text).toContain("LMDB (embedded, this process)");
  expect(page.text).toContain(`<code>${h.config.dataDir}</code>`);
  expect(page.text).toMatch(/<dt>Size on disk<\/dt><dd>\d+(\.\d)? (bytes|KiB|MiB|GiB)<\/dd>/);
  expect(page.text).toContain("<dt>State</dt><dd>Taking writes</dd>");
  expect(page.text).toContain(`<dt>Version</dt><dd>${health.version}</dd>`);
  expect(page.text).toMatch(/<dt>Up for<\/dt><dd>\d+ (ms|seconds?|minutes?|hours?|days?)/);
  expect(page.text).toContain("<dt>Retention</dt><dd>30 days");
  expect(page.text).toContain(
    "6 attempts: at once, then after 30 seconds, 2 minutes, 8 minutes, 32 minutes, 2 hours",
  );
  expect(page.text).toContain('href="/dashboard/endpoints">Operator webhooks</a>');
  expect(page.text).not.toContain(ADMIN_KEY);
});

test("an account session gets the 403 page", async () => {
  const customer = new BrowserClient(h.app);
  await customer.signIn(h.defaultKey);
  const refused = await customer.get("/dashboard/system");
  expect(refused.status).toBe(403);
  expect(refused.text).toContain('role="alert"');
  expect(refused.text).toContain("Only the operator");
});
