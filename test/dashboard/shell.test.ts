// The shell around the pages: the API is untouched by the dashboard's hand-off, the embedded assets
// are served with the security headers, and the test browser's CSP check can fail.

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { assetSizes } from "../../src/dashboard/assets";
import { FORM_BYTES_MAX, FormError, readForm } from "../../src/dashboard/form";
import { chunkedBody, createHarness, type Harness } from "../http/harness";
import { BrowserClient, cspProblem } from "./browser-client";

let h: Harness;
beforeAll(async () => {
  h = await createHarness();
});
afterAll(async () => {
  await h.close();
});

describe("the API beside the dashboard", () => {
  test("API answers and errors stay JSON; a path that only starts like /dashboard is the API's 404", async () => {
    expect((await h.call("GET", "/v1/webhooks")).status).toBe(200);
    const form = await h.call("POST", "/v1/webhooks", {
      rawBody: "url=https://x.example",
      headers: { "content-type": "application/x-www-form-urlencoded" },
    });
    expect(form.status).toBe(415);
    expect(form.json.error.code).toBe("unsupported_media_type");
    const near = await h.call("GET", "/dashboardx", { key: null });
    expect(near.status).toBe(404);
    expect(near.json.error.code).toBe("not_found");
  });

  test("while shutting down the API still answers its JSON 503 and /health still answers", async () => {
    h.shuttingDown.value = true;
    try {
      const api = await h.call("GET", "/v1/webhooks");
      expect(api.status).toBe(503);
      expect(api.json.error.code).toBe("unavailable");
      expect((await h.call("GET", "/health", { key: null })).status).toBe(503);
      const page = await h.app.handle(new Request("http://localhost/dashboard/endpoints"));
      expect(page.status).toBe(503);
      expect(page.headers.get("content-security-policy")).toContain("default-src 'none'");
    } finally {
      h.shuttingDown.value = false;
    }
  });
});

describe("assets", () => {
  test("each embedded asset is served with its type, a day's caching and the security headers", async () => {
    const b = new BrowserClient(h.app);
    const sizes = await assetSizes();
    expect(Object.keys(sizes)).toEqual(expect.arrayContaining(["dashboard.css", "dashboard.js"]));
    for (const [name, size] of Object.entries(sizes)) {
      const res = await b.get(`/dashboard/assets/${name}`);
      expect(res.status).toBe(200);
      expect(res.text.length).toBeGreaterThan(0);
      expect(new TextEncoder().encode(res.text).byteLength).toBe(size);
      expect(res.headers.get("content-type")).toMatch(
        name.endsWith(".css") ? /^text\/css/ : /^text\/javascript/,
      );
      expect(res.headers.get("cache-control")).toBe("public, max-age=86400");
      expect(res.headers.get("x-content-type-options")).toBe("nosniff");
    }
    const missing = await b.get("/dashboard/assets/nope.js");
    expect(missing.status).toBe(404);
    expect((await b.get("/dashboard/assets/constructor")).status).toBe(404);
  });

  test("pages link the assets with the version, so a day's caching still sees upgrades", async () => {
    const page = await new BrowserClient(h.app).get("/dashboard/sign-in");
    expect(page.text).toContain(
      '<link rel="stylesheet" href="/dashboard/assets/dashboard.css?v=9.9.9-test">',
    );
    expect(page.text).toContain('<script src="/dashboard/assets/dashboard.js?v=9.9.9-test" defer></script>');
    expect(page.headers.get("cache-control")).toBe("no-store");
    expect(page.headers.get("referrer-policy")).toBe("same-origin");
    expect(page.headers.get("content-security-policy")).toBe(
      "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
    );
  });
});

describe("the test browser's CSP check", () => {
  test("finds inline script, handlers, style attributes and style elements; passes a clean page", () => {
    expect(cspProblem("<script>alert(1)</script>")).toContain("inline script");
    expect(cspProblem('<button onclick="x()">')).toContain("handler");
    expect(cspProblem('<p style="color:red">')).toContain("style attribute");
    expect(cspProblem("<style>p{}</style>")).toContain("<style>");
    expect(
      cspProblem('<script src="/dashboard/assets/dashboard.js" defer></script><p class="x">on=1</p>'),
    ).toBeUndefined();
  });
});

describe("forms", () => {
  test("a body without Content-Length is cut at the cap as it arrives", async () => {
    const big = `a=${"x".repeat(FORM_BYTES_MAX)}`;
    const request = new Request("http://localhost/dashboard/x", {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: chunkedBody(big, 4096),
      duplex: "half",
    });
    const error = await readForm(request).catch((e) => e);
    expect(error).toBeInstanceOf(FormError);
    expect(error.status).toBe(413);
    const small = new Request("http://localhost/dashboard/x", {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded; charset=UTF-8" },
      body: "a=1&b=%C3%A9",
    });
    expect(Object.fromEntries(await readForm(small))).toEqual({ a: "1", b: "é" });
  });
});
