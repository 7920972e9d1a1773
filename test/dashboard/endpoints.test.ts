// The endpoint pages through the real app (LMDB in a temp dir, the harness's FakeDelivery answering
// test sends), as a browser uses them: forms with the session's CSRF token, redirects, notices.
// What the pages did is checked through the API.

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { ADMIN_KEY, createHarness, type Harness } from "../http/harness";
import { BrowserClient } from "./browser-client";

let h: Harness;
let b: BrowserClient;
beforeAll(async () => {
  h = await createHarness();
  b = new BrowserClient(h.app);
  await b.signIn(h.defaultKey);
});
afterAll(async () => {
  await h.close();
});

const FORM = {
  url: "https://hooks.example.com/inbox",
  description: "Orders service",
  events: ["message.delivered", "message.read"],
  channels: "eu, priority",
  rate_limit: "50",
  headers: "X-Team: orders\nAuthorization: Bearer abc",
};

/** Creates an endpoint through the form; answers its id. */
async function createThroughForm(fields: Record<string, string | string[]> = FORM): Promise<string> {
  await b.get("/dashboard/endpoints/new");
  const res = await b.post("/dashboard/endpoints", fields);
  expect(res.status).toBe(200);
  const id = /\/dashboard\/endpoints\/(wh_[A-Za-z0-9]+)\/edit/.exec(res.text)?.[1];
  if (!id) throw new Error("the answer names no endpoint");
  return id;
}

describe("create", () => {
  test("the form has every labelled field and the catalog's types as checkboxes", async () => {
    const page = await b.get("/dashboard/endpoints/new");
    expect(page.status).toBe(200);
    for (const label of ["URL", "Description", "Channels", "Rate limit", "Custom headers"]) {
      expect(page.text).toMatch(new RegExp(`<label for="[a-z_]+">${label}</label>`));
    }
    expect(page.text).toContain("<legend>Event types</legend>");
    expect(page.text).toContain('value="*" data-all-types> All event types</label>');
    expect(page.text).toContain('value="message.delivered"> <span class="mono">message.delivered</span>');
    expect(page.text).toContain(">Create endpoint</button>");
    expect(page.text).not.toContain("Enabled</label>");
  });

  test("creating shows the endpoint with its signing secret once, and stores every field", async () => {
    await b.get("/dashboard/endpoints/new");
    const res = await b.post("/dashboard/endpoints", FORM);
    expect(res.status).toBe(200);
    expect(res.text).toContain("<h1>Endpoint</h1>");
    expect(res.text).toContain('role="status">Endpoint created.');
    const id = /\/dashboard\/endpoints\/(wh_[A-Za-z0-9]+)\/edit/.exec(res.text)?.[1] ?? "";
    const api = await h.call("GET", `/v1/webhooks/${id}`);
    expect(api.json).toMatchObject({
      url: FORM.url,
      description: FORM.description,
      events: FORM.events,
      channels: ["eu", "priority"],
      rate_limit: 50,
      headers: { "X-Team": "orders", Authorization: "Bearer abc" },
      enabled: true,
    });
    const secret = await h.call("GET", `/v1/webhooks/${id}/secret`);
    expect(res.text).toContain(`data-copy="signing secret">${secret.json.secret}</code>`);
    // Shown once: the endpoint's own page does not show it.
    expect((await b.get(`/dashboard/endpoints/${id}`)).text).not.toContain(secret.json.secret);
  });

  test('"All event types" subscribes to "*" whatever else is checked', async () => {
    const id = await createThroughForm({
      url: "https://hooks.example.com/all",
      events: ["*", "message.read"],
    });
    expect((await h.call("GET", `/v1/webhooks/${id}`)).json.events).toEqual(["*"]);
  });

  test("the service's refusals are shown beside their fields, with what was typed kept", async () => {
    await b.get("/dashboard/endpoints/new");
    const res = await b.post("/dashboard/endpoints", {
      url: "http://127.0.0.1/hook",
      description: "kept <b>as typed</b>",
      events: [],
      rate_limit: "0",
    });
    expect(res.status).toBe(422);
    expect(res.text).toContain('role="alert"');
    expect(res.text).toMatch(
      /id="url" name="url" value="http:\/\/127\.0\.0\.1\/hook" required aria-describedby="url-hint url-error" aria-invalid="true"/,
    );
    expect(res.text).toContain('<p class="field-error" id="url-error">');
    expect(res.text).toContain(
      '<p class="field-error" id="events-error">must list at least one event type</p>',
    );
    expect(res.text).toContain('id="rate_limit-error">must be an integer from 1 to 10,000');
    expect(res.text).toContain('value="kept &lt;b&gt;as typed&lt;/b&gt;"');
  });

  test("the form's own syntax problems are named: a header line without a colon, a rate limit in words", async () => {
    await b.get("/dashboard/endpoints/new");
    const res = await b.post("/dashboard/endpoints", {
      url: "https://hooks.example.com/x",
      events: ["message.read"],
      headers: "X-Ok: 1\nnot a header",
      rate_limit: "fast",
    });
    expect(res.status).toBe(422);
    expect(res.text).toContain('id="headers-error">line 2 is not of the form &quot;Name: value&quot;</p>');
    expect(res.text).toContain('id="rate_limit-error">must be a whole number');
    expect(res.text).toContain(">X-Ok: 1\nnot a header</textarea>");
  });
});

describe("list", () => {
  test("shows each endpoint with its health and pages by cursor", async () => {
    const fresh = await createHarness();
    try {
      const client = new BrowserClient(fresh.app);
      await client.signIn(fresh.defaultKey);
      expect((await client.get("/dashboard/endpoints")).text).toContain("No endpoints yet.");
      for (let i = 0; i < 21; i++) {
        const made = await fresh.call("POST", "/v1/webhooks", {
          body: { url: `https://hooks.example.com/${i}`, events: ["*"] },
        });
        expect(made.status).toBe(201);
      }
      const first = await client.get("/dashboard/endpoints");
      expect(first.status).toBe(200);
      expect(first.text.match(/<tr>/g)?.length).toBe(21); // header row + 20
      expect(first.text).toContain('<span class="badge idle">None yet</span>');
      expect(first.text).toContain("Success rate (24 h)");
      const next = /href="(\/dashboard\/endpoints\?cursor=[^"]+)">Next page<\/a>/.exec(first.text)?.[1];
      expect(next).toBeDefined();
      const second = await client.get((next ?? "").replaceAll("&amp;", "&"));
      expect(second.status).toBe(200);
      expect(second.text).toContain("https://hooks.example.com/0<");
      expect(second.text).not.toContain("Next page");
    } finally {
      await fresh.close();
    }
  });

  test("a disabled endpoint says why", async () => {
    const id = await createThroughForm({ url: "https://hooks.example.com/off", events: ["message.read"] });
    await h.call("PATCH", `/v1/webhooks/${id}`, { body: { enabled: false } });
    const list = await b.get("/dashboard/endpoints");
    expect(list.text).toContain(
      '<span class="badge bad">Disabled</span> <span class="muted">disabled by you</span>',
    );
  });
});

describe("edit and delete", () => {
  test("the edit form shows the values; saving changes them and comes back with a notice", async () => {
    const id = await createThroughForm();
    const form = await b.get(`/dashboard/endpoints/${id}/edit`);
    expect(form.text).toContain(`value="${FORM.url}"`);
    expect(form.text).toContain(">X-Team: orders\nAuthorization: Bearer abc</textarea>");
    expect(form.text).toContain('name="enabled" checked');
    expect(form.text).toContain(">Save changes</button>");
    const saved = await b.post(`/dashboard/endpoints/${id}`, {
      url: FORM.url,
      description: "Edited",
      events: ["message.read"],
      channels: "",
      rate_limit: "",
      headers: "",
    });
    expect(saved.status).toBe(303);
    expect(saved.location).toBe(`/dashboard/endpoints/${id}`);
    const after = await b.get(saved.location ?? "");
    expect(after.text).toContain('role="status">Changes saved.</p>');
    expect(after.headers.getSetCookie().some((c) => c.startsWith("inbox_notice=;"))).toBe(true);
    const api = (await h.call("GET", `/v1/webhooks/${id}`)).json;
    expect(api).toMatchObject({
      description: "Edited",
      events: ["message.read"],
      enabled: false,
      rate_limit: null,
    });
    expect(api.headers ?? {}).toEqual({});
    expect(api.disabled_reason).toBe("manual");
    // Shown once.
    expect((await b.get(`/dashboard/endpoints/${id}`)).text).not.toContain("Changes saved.");
  });

  test("delete asks first, then deletes and says so", async () => {
    const id = await createThroughForm();
    const confirm = await b.get(`/dashboard/endpoints/${id}/delete`);
    expect(confirm.status).toBe(200);
    expect(confirm.text).toContain(">Delete endpoint</button>");
    expect((await h.call("GET", `/v1/webhooks/${id}`)).status).toBe(200);
    const done = await b.post(`/dashboard/endpoints/${id}/delete`, {});
    expect(done.status).toBe(303);
    expect(done.location).toBe("/dashboard/endpoints");
    expect((await b.get("/dashboard/endpoints")).text).toContain("Endpoint deleted.");
    expect((await h.call("GET", `/v1/webhooks/${id}`)).status).toBe(404);
    const gone = await b.get(`/dashboard/endpoints/${id}`);
    expect(gone.status).toBe(404);
    expect(gone.text).toContain("It does not exist");
  });
});

describe("secret, test, recover", () => {
  test("Reveal secret shows the current secret; Rotate secret shows the new one and keeps the old signing", async () => {
    const id = await createThroughForm();
    await b.get(`/dashboard/endpoints/${id}`);
    const before = (await h.call("GET", `/v1/webhooks/${id}/secret`)).json.secret;
    const revealed = await b.post(`/dashboard/endpoints/${id}/secret`, {});
    expect(revealed.status).toBe(200);
    expect(revealed.text).toContain(`>${before}</code>`);
    const rotated = await b.post(`/dashboard/endpoints/${id}/secret/rotate`, {});
    expect(rotated.status).toBe(200);
    const after = (await h.call("GET", `/v1/webhooks/${id}/secret`)).json;
    expect(after.secret).not.toBe(before);
    expect(after.previous_secret).toBe(before);
    expect(rotated.text).toContain(`>${after.secret}</code>`);
    expect(rotated.text).toContain("The previous secret keeps signing too until");
    expect(rotated.text).toContain("Secret rotated.");
  });

  test("Send test event sends the chosen type and tells the outcome", async () => {
    const id = await createThroughForm();
    const page = await b.get(`/dashboard/endpoints/${id}`);
    expect(page.text).toContain('<label for="test-type">Event type</label>');
    const sent = h.delivery.tests.length;
    const res = await b.post(`/dashboard/endpoints/${id}/test`, { event_type: "message.read" });
    expect(res.status).toBe(303);
    expect(h.delivery.tests.length).toBe(sent + 1);
    expect(h.delivery.tests.at(-1)?.event.type).toBe("message.read");
    const after = await b.get(res.location ?? "");
    expect(after.text).toContain("Test event message.read sent: the endpoint answered 200 in 12 ms.");
    expect(after.text).toContain('<span class="badge idle">Test</span>');
  });

  test("a failed test send is shown as an alert with the error in words", async () => {
    const id = await createThroughForm();
    await b.get(`/dashboard/endpoints/${id}`);
    const real = h.delivery.sendTest.bind(h.delivery);
    h.delivery.sendTest = async (webhook, event) => ({
      ...(await real(webhook, event)),
      outcome: "failed",
      status_code: 503,
      error_class: "http_status",
      error_message: null,
    });
    try {
      const res = await b.post(`/dashboard/endpoints/${id}/test`, { event_type: "message.read" });
      expect(res.status).toBe(303);
      const after = await b.get(res.location ?? "");
      expect(after.text).toContain(
        '<div class="alert" role="alert"><p>Test event message.read failed after 12 ms (status code 503): Endpoint answered an error status.</p></div>',
      );
      expect(after.text).not.toContain('role="status"');
    } finally {
      h.delivery.sendTest = real;
    }
  });

  test("an unknown test type is refused on the page in words", async () => {
    const id = await createThroughForm();
    await b.get(`/dashboard/endpoints/${id}`);
    const res = await b.post(`/dashboard/endpoints/${id}/test`, { event_type: "no.such" });
    expect(res.status).toBe(422);
    expect(res.text).toContain(
      '<div class="alert" role="alert"><p>Unknown event type. Event type: must be a known event type',
    );
  });

  test("Recover: nothing to recover is said; a missing time is asked for; a disabled endpoint is a 409 in words", async () => {
    const id = await createThroughForm();
    await b.get(`/dashboard/endpoints/${id}`);
    const since = new Date(Date.now() - 3_600_000).toISOString().slice(0, 16);
    const res = await b.post(`/dashboard/endpoints/${id}/recover`, { since });
    expect(res.status).toBe(303);
    expect((await b.get(res.location ?? "")).text).toContain(
      "Nothing to recover: no failed or cancelled deliveries since",
    );
    const missing = await b.post(`/dashboard/endpoints/${id}/recover`, { since: "" });
    expect(missing.status).toBe(422);
    expect(missing.text).toContain("enter the date and time (UTC) to recover from in Since");
    await h.call("PATCH", `/v1/webhooks/${id}`, { body: { enabled: false } });
    await b.get(`/dashboard/endpoints/${id}`);
    const disabled = await b.post(`/dashboard/endpoints/${id}/recover`, { since });
    expect(disabled.status).toBe(409);
    expect(disabled.text).toContain("this endpoint is disabled. Enable it first");
  });

  test("Recover counts the failed deliveries it sends again", async () => {
    const id = await createThroughForm({ url: "https://hooks.example.com/r", events: ["*"] });
    const published = await h.call("POST", "/v1/events", {
      body: {
        type: "message.read",
        data: (await h.call("GET", "/v1/event-types/message.read")).json.example.data,
      },
    });
    expect(published.status).toBe(202);
    // Disabling cancels its pending delivery; enabled again, the endpoint may recover it.
    await h.call("PATCH", `/v1/webhooks/${id}`, { body: { enabled: false } });
    await h.call("PATCH", `/v1/webhooks/${id}`, { body: { enabled: true } });
    await b.get(`/dashboard/endpoints/${id}`);
    const since = new Date(Date.now() - 3_600_000).toISOString().slice(0, 16);
    const res = await b.post(`/dashboard/endpoints/${id}/recover`, { since });
    expect(res.status).toBe(303);
    expect((await b.get(res.location ?? "")).text).toContain(
      "Recovery started: 1 failed or cancelled delivery since",
    );
  });
});

describe("authorization and CSRF", () => {
  test("a POST without the token or from another site changes nothing", async () => {
    await b.get("/dashboard/endpoints/new");
    const before = (await h.call("GET", "/v1/webhooks?limit=100")).json.data.length;
    const noToken = await b.post("/dashboard/endpoints", { ...FORM, csrf: "" });
    expect(noToken.status).toBe(403);
    expect(noToken.text).toContain("Nothing was changed");
    const foreign = await b.post("/dashboard/endpoints", FORM, { origin: "https://evil.example" });
    expect(foreign.status).toBe(403);
    await b.get("/dashboard/endpoints/new");
    const noOrigin = await b.post("/dashboard/endpoints", FORM, { origin: "" });
    expect(noOrigin.status).toBe(403);
    await b.get("/dashboard/endpoints/new");
    const withReferer = await b.post(
      "/dashboard/endpoints",
      { ...FORM, url: "https://hooks.example.com/ref" },
      {
        origin: "",
        referer: "http://localhost/dashboard/endpoints/new",
      },
    );
    expect(withReferer.status).toBe(200);
    expect((await h.call("GET", "/v1/webhooks?limit=100")).json.data.length).toBe(before + 1);
  });

  test("another account's endpoint is not found; an admin-only page is a 403 page for an account session", async () => {
    const other = await h.newAccount("other");
    const theirs = await h.call("POST", "/v1/webhooks", {
      key: other.key,
      body: { url: "https://hooks.example.com/o", events: ["*"] },
    });
    const page = await b.get(`/dashboard/endpoints/${theirs.json.id}`);
    expect(page.status).toBe(404);
    const admin = await b.get("/dashboard/accounts");
    expect(admin.status).toBe(403);
    expect(admin.text).toContain("Only the operator");
  });

  test("an admin session works on the operator's own endpoints, with the operational types", async () => {
    const admin = new BrowserClient(h.app);
    await admin.signIn(ADMIN_KEY);
    const form = await admin.get("/dashboard/endpoints/new");
    expect(form.text).toContain('value="webhook.disabled"');
    expect(form.text).not.toContain('value="message.read"');
    const made = await admin.post("/dashboard/endpoints", {
      url: "https://ops.example.com/alerts",
      events: ["*"],
    });
    expect(made.status).toBe(200);
    const operator = (await h.call("GET", "/v1/webhooks", { key: ADMIN_KEY })).json.data;
    expect(operator.map((w: { url: string }) => w.url)).toContain("https://ops.example.com/alerts");
    const list = await admin.get("/dashboard/endpoints");
    expect(list.text).toContain("https://ops.example.com/alerts");
    expect(list.text).not.toContain(FORM.url);
  });

  test("unknown dashboard paths are a 404 page, a wrong method a 405 page, a JSON post a 415 page, a huge form a 413 page", async () => {
    const nowhere = await b.get("/dashboard/nowhere");
    expect(nowhere.status).toBe(404);
    expect(nowhere.text).toContain("<h1>Page not found</h1>");
    expect(nowhere.text).toContain(">Sign out</button>"); // the navigation stays
    const wrong = await b.post("/dashboard/endpoints/new", {});
    expect(wrong.status).toBe(404); // POST /dashboard/endpoints/:id with id "new": no such endpoint
    const method = await h.app.handle(new Request("http://localhost/dashboard/sign-out"));
    expect(method.status).toBe(405);
    await b.get("/dashboard/endpoints/new");
    const json = await b.post("/dashboard/endpoints", {}, { "content-type": "application/json" });
    expect(json.status).toBe(415);
    await b.get("/dashboard/endpoints/new");
    const huge = await b.post("/dashboard/endpoints", { ...FORM, description: "x".repeat(70_000) });
    expect(huge.status).toBe(413);
    expect(huge.text).toContain("The form is too large");
  });

  test("a notice cookie not made by the server for this session shows nothing", async () => {
    b.cookies.set(
      "inbox_notice",
      `n.${Buffer.from("Your key leaked, go to evil.example").toString("base64url")}.AAAAAAAAAAAAAAAAAAAAAA`,
    );
    const page = await b.get("/dashboard/endpoints");
    expect(page.status).toBe(200);
    expect(page.text).toContain("<h1>Endpoints</h1>");
    expect(page.text).not.toContain('role="status"');
    expect(page.text).not.toContain("evil.example");
  });
});
