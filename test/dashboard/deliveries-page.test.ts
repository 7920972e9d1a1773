// GET /dashboard/deliveries in-process: the log for an account session and for an admin session,
// each filter, bad filters answered in words, cursor pages, and the page's CSP hygiene.

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { ADMIN_KEY, createHarness, type Harness } from "../http/harness";
import { BrowserClient } from "./browser-client";
import { cspClean, eventLinks, type Scene, scene } from "./delivery-scene";

let h: Harness;
let s: Scene;
let delivered: Awaited<ReturnType<Scene["publish"]>>;
let read: Awaited<ReturnType<Scene["publish"]>>;
let other: Scene;

beforeAll(async () => {
  h = await createHarness();
  s = await scene(h, "acme");
  delivered = await s.publish("message.delivered");
  read = await s.publish("message.read");
  const [toAll] = read.deliveries.filter((d) => d.webhook_id === s.all);
  await s.attempt(toAll?.id as string, "succeeded");
  other = await scene(h, "globex");
  await other.publish("message.delivered");
});
afterAll(async () => {
  await h.close();
});

describe("GET /dashboard/deliveries", () => {
  test("lists the account's deliveries newest first, each linking to its event, with the filter form", async () => {
    const page = await s.browser.get("/dashboard/deliveries");
    expect(page.status).toBe(200);
    expect(page.text).toContain("<h1>Deliveries</h1>");
    for (const label of ["Endpoint", "Status", "Event type", "Since", "Until"]) {
      expect(page.text).toMatch(new RegExp(`<label for="[^"]+">${label}</label>`));
    }
    expect(page.text).toContain('<button type="submit">Filter</button>');
    expect(eventLinks(page.text)).toEqual([read.id, read.id, delivered.id]);
    expect(page.text).toContain("https://hooks.example.com/all?x=1&amp;y=2");
    expect(page.text).toContain('<span class="badge ok">Succeeded</span>');
    expect(page.text).not.toContain("Next page");
    expect(cspClean(page.text)).toBe(true);
  });

  test("another account's deliveries never appear", async () => {
    const page = await other.browser.get("/dashboard/deliveries");
    expect(page.status).toBe(200);
    expect(eventLinks(page.text)).not.toContain(delivered.id);
    expect(eventLinks(page.text)).toHaveLength(1);
  });

  test("filters by endpoint, status, event type and time", async () => {
    const get = async (q: string) => eventLinks((await s.browser.get(`/dashboard/deliveries?${q}`)).text);
    expect(await get(`webhook_id=${s.reads}`)).toEqual([read.id]);
    expect(await get("status=succeeded")).toEqual([read.id]);
    expect(await get("status=pending")).toEqual([read.id, delivered.id]);
    expect(await get("event_type=message.delivered")).toEqual([delivered.id]);
    expect(await get("since=2000-01-01T00:00&until=2000-01-02T00:00")).toEqual([]);
    expect(await get("since=2000-01-01T00:00&webhook_id=&status=&event_type=&until=")).toHaveLength(3);
    const chosen = await s.browser.get(`/dashboard/deliveries?webhook_id=${s.reads}&status=pending`);
    expect(chosen.text).toContain(`<option value="${s.reads}" selected>`);
    expect(chosen.text).toContain('<option value="pending" selected>Pending</option>');
  });

  test("bad filters are answered on the page in words, the form kept", async () => {
    const bad = await s.browser.get("/dashboard/deliveries?status=done&since=yesterday");
    expect(bad.status).toBe(422);
    expect(bad.text).toContain('role="alert"');
    expect(bad.text).toContain("&quot;Status&quot; must be one of: Pending, Succeeded, Failed, Cancelled.");
    expect(bad.text).toContain("&quot;Since&quot; is not a date and time");
    expect(bad.text).toContain('value="yesterday"');
    const range = await s.browser.get("/dashboard/deliveries?since=2026-12-03T18:00&until=2026-12-03T17:00");
    expect(range.text).toContain("&quot;Since&quot; must not be after &quot;Until&quot;.");
    const foreign = await s.browser.get(`/dashboard/deliveries?webhook_id=${other.all}`);
    expect(foreign.status).toBe(422);
    expect(foreign.text).toContain("The endpoint chosen is not one of yours any more");
    const cursor = await s.browser.get("/dashboard/deliveries?cursor=not-a-cursor");
    expect(cursor.text).toContain("This page link is no longer valid");
  });

  test("pages with Next page links that keep the filters, no delivery twice", async () => {
    const many = await scene(h, "initech");
    const ids = new Set<string>();
    for (let i = 0; i < 60; i++) ids.add((await many.publish("message.read")).id);
    const seen: string[] = [];
    let path: string | undefined = `/dashboard/deliveries?webhook_id=${many.reads}`;
    let pages = 0;
    while (path && pages < 10) {
      const page = await many.browser.get(path);
      expect(page.status).toBe(200);
      seen.push(...eventLinks(page.text));
      const next = /<a href="([^"]+)" rel="next">Next page<\/a>/.exec(page.text)?.[1];
      if (next) expect(next.replaceAll("&amp;", "&")).toContain(`webhook_id=${many.reads}`);
      path = next?.replaceAll("&amp;", "&");
      pages++;
    }
    expect(pages).toBeGreaterThan(1);
    expect(seen).toHaveLength(60);
    expect(new Set(seen)).toEqual(ids);
  });

  test("an admin session sees the operator's own deliveries (none here), not the accounts'", async () => {
    const admin = new BrowserClient(h.app);
    expect((await admin.signIn(ADMIN_KEY)).status).toBe(303);
    const page = await admin.get("/dashboard/deliveries");
    expect(page.status).toBe(200);
    expect(eventLinks(page.text)).toEqual([]);
    expect(page.text).toContain("No deliveries match these filters.");
    expect(page.text).toContain('<option value="delivery.failed">');
  });

  test("without a session it sends to sign-in", async () => {
    const anon = new BrowserClient(h.app);
    const page = await anon.get("/dashboard/deliveries");
    expect(page.status).toBe(303);
    expect(page.location).toStartWith("/dashboard/sign-in");
  });
});
