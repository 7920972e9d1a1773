// GET /dashboard/event-types and /dashboard/event-types/:name in-process, for an account session
// and an admin session: the catalog with the operator's types (archived marked) and a type's schema
// and example.

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { ADMIN_KEY, createHarness, type Harness } from "../http/harness";
import { BrowserClient } from "./browser-client";
import { cspClean } from "./delivery-scene";

let h: Harness;
let account: BrowserClient;
let admin: BrowserClient;

beforeAll(async () => {
  h = await createHarness();
  const make = (name: string) =>
    h.call("POST", "/v1/event-types", {
      key: ADMIN_KEY,
      body: { name, description: `The <${name}> type`, schema: { type: "object" }, example: { n: 1 } },
    });
  expect((await make("order.paid")).status).toBe(201);
  expect((await make("order.old")).status).toBe(201);
  expect((await h.call("DELETE", "/v1/event-types/order.old", { key: ADMIN_KEY })).status).toBe(204);
  account = new BrowserClient(h.app);
  expect((await account.signIn(h.defaultKey)).status).toBe(303);
  admin = new BrowserClient(h.app);
  expect((await admin.signIn(ADMIN_KEY)).status).toBe(303);
});
afterAll(async () => {
  await h.close();
});

describe("the event catalog pages", () => {
  test("an account session sees built-in and operator types, archived marked, no operational types", async () => {
    const page = await account.get("/dashboard/event-types");
    expect(page.status).toBe(200);
    expect(page.text).toContain("<h1>Event types</h1>");
    expect(page.text).toContain('href="/dashboard/event-types/message.delivered"');
    expect(page.text).toContain("The &lt;order.paid&gt; type");
    expect(page.text).toMatch(/<tr class="archived"><td><a href="\/dashboard\/event-types\/order.old">/);
    expect(page.text).not.toContain("delivery.failed");
    expect(cspClean(page.text)).toBe(true);
  });

  test("an admin session also sees the operational types", async () => {
    const page = await admin.get("/dashboard/event-types");
    expect(page.status).toBe(200);
    expect(page.text).toContain('href="/dashboard/event-types/delivery.failed"');
  });

  test("a type's page shows its schema and example as formatted JSON; unknown and operational ones are 404 for accounts", async () => {
    const page = await account.get("/dashboard/event-types/order.paid");
    expect(page.status).toBe(200);
    expect(page.text).toContain(
      'aria-label="Example as JSON">{\n  &quot;id&quot;: &quot;evt_1234567890&quot;',
    );
    expect(page.text).toContain("&quot;n&quot;: 1");
    expect((await account.get("/dashboard/event-types/nope.nope")).status).toBe(404);
    expect((await account.get("/dashboard/event-types/delivery.failed")).status).toBe(404);
    expect((await admin.get("/dashboard/event-types/delivery.failed")).status).toBe(200);
  });
});
