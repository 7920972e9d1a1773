// GET /dashboard/events/:id, its Retry and Replay actions and its live endpoint, in-process: for an
// account session and an admin session (the operator's own events), with the same authorization as
// the API (another account's event or delivery is 404; forms need the CSRF token).

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { OPERATOR_ACCOUNT_ID } from "../../src/domain/operator";
import type { DeliveryRecord } from "../../src/storage/records";
import { ADMIN_KEY, connectedOperations, createHarness, type Harness } from "../http/harness";
import { BrowserClient } from "./browser-client";
import { cspClean, type Scene, scene } from "./delivery-scene";

let h: Harness;
let s: Scene;
let other: Scene;

beforeAll(async () => {
  h = await createHarness();
  s = await scene(h, "acme");
  other = await scene(h, "globex");
});
afterAll(async () => {
  await h.close();
});

const sections = (text: string) => [...text.matchAll(/data-delivery-id="([^"]+)"/g)].map((m) => m[1]);

describe("GET /dashboard/events/:id", () => {
  test("shows the payload as formatted JSON and every attempt of every delivery, with Retry and Replay", async () => {
    const e = await s.publish("message.read");
    const toAll = e.deliveries.find((d) => d.webhook_id === s.all)?.id as string;
    await s.attempt(toAll, "failed", { duration_ms: 1500, response_body: '<script>alert("x")</script>' });
    await s.attempt(toAll, "failed", {
      error_class: "timeout",
      error_message: null,
      status_code: null,
      response_body: null,
    });
    const page = await s.browser.get(`/dashboard/events/${e.id}`);
    expect(page.status).toBe(200);
    expect(page.text).toContain("<h1>Event</h1>");
    expect(page.text).toContain(
      `&quot;id&quot;: &quot;${e.id}&quot;,\n  &quot;type&quot;: &quot;message.read&quot;`,
    );
    expect(page.text).toMatch(/<pre class="json"[^>]*>\{\n {2}&quot;id&quot;/);
    expect(sections(page.text).sort()).toEqual(e.deliveries.map((d) => d.id).sort());
    for (const col of ["Time", "Status code", "Duration", "Error", "Response"])
      expect(page.text).toContain(`>${col}</th>`);
    expect(page.text).toContain("<td>1.5 s</td>");
    expect(page.text).toContain("<td>Timed out</td>");
    expect(page.text).toContain("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;");
    expect(page.text.match(/>Retry<\/button>/g)).toHaveLength(2);
    expect(page.text).toContain('<button type="submit">Replay</button>');
    expect(page.text).toContain(`data-live-url="/dashboard/live/events/${e.id}"`);
    expect(page.text).toMatch(/<script src="\/dashboard\/assets\/live\.js\?v=[^"]+" defer>/);
    expect(page.text).toContain(`<a href="/dashboard/events/${e.id}">Refresh</a>`);
    expect(cspClean(page.text)).toBe(true);
  });

  test("each delivery names its endpoint by URL, a deleted one by id", async () => {
    const t = await scene(h, "initech");
    const e = await t.publish("message.read");
    const deleted = await h.call("DELETE", `/v1/webhooks/${t.reads}`, { key: t.account.key });
    expect(deleted.status).toBe(204);
    const page = await t.browser.get(`/dashboard/events/${e.id}`);
    expect(page.status).toBe(200);
    expect(sections(page.text)).toHaveLength(2);
    expect(page.text).toContain(">Delivery to https://hooks.example.com/all?x=1&amp;y=2</h3>");
    expect(page.text).toContain(
      `<a href="/dashboard/endpoints/${t.all}">https://hooks.example.com/all?x=1&amp;y=2</a>`,
    );
    expect(page.text).toContain(`<code>${t.reads}</code> (deleted)`);
  });

  test("a finished event has no live hooks and a succeeded delivery no Retry", async () => {
    const e = await s.publish("message.delivered");
    await s.attempt(e.deliveries[0]?.id as string, "succeeded");
    const page = await s.browser.get(`/dashboard/events/${e.id}`);
    expect(page.status).toBe(200);
    expect(page.text).toContain(`data-delivery-id="${e.deliveries[0]?.id}"`);
    expect(page.text).toContain('<span class="badge ok">Succeeded</span>');
    expect(page.text).not.toContain("data-live-url");
    expect(page.text).not.toContain("live.js");
    expect(page.text).not.toContain(">Retry</button>");
  });

  test("another account's event, or an unknown one, is 404 in words", async () => {
    const e = await other.publish("message.delivered");
    for (const id of [e.id, "evt_nope"]) {
      const page = await s.browser.get(`/dashboard/events/${id}`);
      expect(page.status).toBe(404);
      expect(page.text).toContain("There is no event with this id in your account");
    }
  });
});

describe("Retry and Replay", () => {
  test("Retry makes the delivery pending again, due now, and says so", async () => {
    const e = await s.publish("message.delivered");
    const id = e.deliveries[0]?.id as string;
    await s.attempt(id, "failed");
    await s.browser.get(`/dashboard/events/${e.id}`);
    const before = h.delivery.retries.length;
    const done = await s.browser.post(`/dashboard/deliveries/${id}/retry`, {});
    expect(done.status).toBe(303);
    expect(done.location).toBe(`/dashboard/events/${e.id}`);
    expect(h.delivery.retries.slice(before).map((r) => r.delivery_id)).toEqual([id]);
    const after = await s.browser.get(done.location as string);
    expect(after.text).toContain(`Delivery ${id} will be attempted again now.`);
  });

  test("Retry of a succeeded delivery is refused in words; another account's is 404", async () => {
    const e = await s.publish("message.delivered");
    const id = e.deliveries[0]?.id as string;
    await s.attempt(id, "succeeded");
    await s.browser.get(`/dashboard/events/${e.id}`);
    const refused = await s.browser.post(`/dashboard/deliveries/${id}/retry`, {});
    expect(refused.status).toBe(409);
    expect(refused.text).toContain("This delivery already succeeded: there is nothing to retry.");
    expect(refused.text).toContain("<h1>Event</h1>");
    const theirs = (await other.publish("message.delivered")).deliveries[0]?.id as string;
    const foreign = await s.browser.post(`/dashboard/deliveries/${theirs}/retry`, {});
    expect(foreign.status).toBe(404);
    expect((await h.store.deliveries.getById(theirs))?.status).toBe("pending");
  });

  test("Retry and Replay to a disabled endpoint say to enable it", async () => {
    const hooks = await scene(h, "hooli");
    const e = await hooks.publish("message.delivered");
    const off = await h.call("PATCH", `/v1/webhooks/${hooks.all}`, {
      key: hooks.account.key,
      body: { enabled: false },
    });
    expect(off.status).toBe(200);
    await hooks.browser.get(`/dashboard/events/${e.id}`);
    const retry = await hooks.browser.post(`/dashboard/deliveries/${e.deliveries[0]?.id}/retry`, {});
    expect(retry.status).toBe(409);
    expect(retry.text).toContain(
      "The endpoint is disabled: enable it on its page (Edit, then Enabled) and try again.",
    );
    const replay = await hooks.browser.post(`/dashboard/events/${e.id}/replay`, { webhook_id: hooks.all });
    expect(replay.status).toBe(409);
    expect(replay.text).toContain("The endpoint is disabled");
  });

  test("Retry and Replay need the CSRF token", async () => {
    const e = await s.publish("message.delivered");
    await s.browser.get(`/dashboard/events/${e.id}`);
    const before = (await h.store.deliveries.listForEvent(s.account.id, e.id)).length;
    expect((await s.browser.post(`/dashboard/events/${e.id}/replay`, { csrf: "" })).status).toBe(403);
    expect((await s.browser.post(`/dashboard/events/${e.id}/replay`, { csrf: "wrong" })).status).toBe(403);
    const id = e.deliveries[0]?.id as string;
    expect((await s.browser.post(`/dashboard/deliveries/${id}/retry`, { csrf: "" })).status).toBe(403);
    expect((await h.store.deliveries.listForEvent(s.account.id, e.id)).length).toBe(before);
  });

  test("Replay to every subscribed endpoint, or to one, adds deliveries shown on the event page", async () => {
    const e = await s.publish("message.read");
    await s.browser.get(`/dashboard/events/${e.id}`);
    const all = await s.browser.post(`/dashboard/events/${e.id}/replay`, { webhook_id: "" });
    expect(all.status).toBe(303);
    let page = await s.browser.get(all.location as string);
    expect(page.text).toContain("Replayed: 2 new deliveries, due now.");
    expect(sections(page.text)).toHaveLength(4);
    const one = await s.browser.post(`/dashboard/events/${e.id}/replay`, { webhook_id: s.reads });
    page = await s.browser.get(one.location as string);
    expect(page.text).toContain("Replayed: 1 new delivery, due now.");
    expect(sections(page.text)).toHaveLength(5);
    const foreign = await s.browser.post(`/dashboard/events/${e.id}/replay`, { webhook_id: other.all });
    expect(foreign.status).toBe(404);
    expect(foreign.text).toContain("That endpoint does not exist in your account");
  });
});

describe("GET /dashboard/live/events/:id", () => {
  test("answers the changed deliveries since the states the page holds, and whether all are final", async () => {
    const e = await s.publish("message.read");
    const [a, b] = e.deliveries.map((d) => d.id) as [string, string];
    const live = async (known: string) => {
      const res = await s.browser.get(`/dashboard/live/events/${e.id}?known=${encodeURIComponent(known)}`);
      expect(res.status).toBe(200);
      expect(res.headers.get("content-type")).toStartWith("application/json");
      expect(res.headers.get("cache-control")).toBe("no-store");
      return JSON.parse(res.text);
    };
    const first = await live("");
    expect(first.final).toBe(false);
    expect(first.changed.map((c: { id: string }) => c.id).sort()).toEqual(
      [`delivery-${a}`, `delivery-${b}`].sort(),
    );
    const states = (answer: { changed: { id: string; html: string }[] }) =>
      answer.changed
        .map((c) => /data-delivery-id="([^"]+)" data-state="([^"]+)"/.exec(c.html))
        .map((m) => `${m?.[1]}:${m?.[2]}`)
        .join(",");
    const known = states(first);
    expect((await live(known)).changed).toEqual([]);

    await s.attempt(a, "failed");
    const next = await live(known);
    expect(next.changed.map((c: { id: string }) => c.id)).toEqual([`delivery-${a}`]);
    expect(next.changed[0].html).toContain("<td>503</td>");
    expect(next.order).toHaveLength(2);

    await s.attempt(a, "succeeded");
    await s.attempt(b, "succeeded");
    const done = await live(states(next));
    expect(done.final).toBe(true);
    expect(done.note).toBe("Every delivery is finished.");
  });

  test("another account's event is 404; without a session it is not answered", async () => {
    const e = await other.publish("message.delivered");
    const res = await s.browser.get(`/dashboard/live/events/${e.id}`);
    expect(res.status).toBe(404);
    expect(JSON.parse(res.text).error).toContain("no event");
    const anon = await new BrowserClient(h.app).get(`/dashboard/live/events/${e.id}`);
    expect(anon.status).toBe(303);
  });

  test("live.js is served from the binary's assets", async () => {
    const res = await s.browser.get("/dashboard/assets/live.js");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toStartWith("text/javascript");
    expect(res.text).toContain("data-live-url");
  });
});

describe("an admin session", () => {
  test("reads, retries and replays the operator's own events; never an account's", async () => {
    const operations = connectedOperations(h);
    const admin = new BrowserClient(h.app);
    expect((await admin.signIn(ADMIN_KEY)).status).toBe(303);
    const ops = await h.call("POST", "/v1/webhooks", {
      key: ADMIN_KEY,
      body: { url: "https://ops.example.com/hooks", events: ["delivery.failed"] },
    });
    expect(ops.status).toBe(201);
    const failed = (await s.publish("message.delivered")).deliveries[0] as { id: string };
    await s.attempt(failed.id, "failed");
    const record = (await h.store.deliveries.getById(failed.id)) as DeliveryRecord;
    const before = h.delivery.leases.length;
    await operations.events.deliveryFailed({ ...record, status: "failed", next_attempt_at: null });
    const lease = h.delivery.leases.slice(before).find((l) => l.delivery.webhook_id === ops.json.id);
    expect(lease?.delivery.account_id).toBe(OPERATOR_ACCOUNT_ID);
    const eventId = lease?.delivery.event_id as string;

    const list = await admin.get("/dashboard/deliveries");
    expect(list.text).toContain(`href="/dashboard/events/${eventId}"`);
    const page = await admin.get(`/dashboard/events/${eventId}`);
    expect(page.status).toBe(200);
    expect(page.text).toContain("delivery.failed");
    expect(page.text).toContain("https://ops.example.com/hooks");
    const replay = await admin.post(`/dashboard/events/${eventId}/replay`, {});
    expect(replay.status).toBe(303);
    expect((await admin.get(`/dashboard/live/events/${eventId}`)).status).toBe(200);

    const accountEvent = await s.publish("message.delivered");
    expect((await admin.get(`/dashboard/events/${accountEvent.id}`)).status).toBe(404);
    expect((await admin.get(`/dashboard/live/events/${accountEvent.id}`)).status).toBe(404);
    expect((await s.browser.get(`/dashboard/events/${eventId}`)).status).toBe(404);
  });
});
