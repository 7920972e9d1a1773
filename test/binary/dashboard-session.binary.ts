// Dashboard sessions through the compiled binary, as a browser keeps them: sign in with the form (its
// pre-session CSRF cookie and field), restart the server, and the same cookie still opens the
// endpoints page (sessions live in the store, not in memory); sign out, and it opens nothing. Run by
// `bun run test` after the build; takes about a second.

import { afterAll, beforeAll, expect, test } from "bun:test";
import { type FreshServer, startFresh } from "./binary-harness";

let fresh: FreshServer;

beforeAll(async () => {
  fresh = await startFresh();
});

afterAll(async () => {
  await fresh?.close();
});

function page(path: string, init: RequestInit = {}): Promise<Response> {
  const origin = fresh.server.url;
  return fetch(`${origin}${path}`, {
    redirect: "manual",
    signal: AbortSignal.timeout(10_000),
    ...init,
    headers: { origin, ...(init.headers as Record<string, string>) },
  });
}

/** name=value of the Set-Cookie header that sets `name` (undefined when none does). */
function cookieFrom(res: Response, name: string): string | undefined {
  const set = res.headers.getSetCookie().find((c) => c.startsWith(`${name}=`));
  return set?.split(";")[0];
}

/** The value of the hidden `csrf` field in a page's form. */
async function csrfField(res: Response): Promise<string> {
  const match = /name="csrf" value="([^"]+)"/.exec(await res.text());
  if (!match?.[1]) throw new Error("no csrf field on the page");
  return match[1];
}

async function signIn(key: string): Promise<string> {
  const form = await page("/dashboard/sign-in");
  const csrfCookie = cookieFrom(form, "inbox_csrf");
  const token = await csrfField(form);
  const res = await page("/dashboard/sign-in", {
    method: "POST",
    headers: { cookie: csrfCookie ?? "", "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ key, csrf: token }).toString(),
  });
  expect(res.status).toBe(303);
  const session = cookieFrom(res, "inbox_session");
  if (!session) throw new Error("sign-in set no session cookie");
  return session;
}

test("a session survives a restart of the binary, and sign-out ends it", async () => {
  const session = await signIn(fresh.apiKey);
  const before = await page("/dashboard/endpoints", { headers: { cookie: session } });
  expect(before.status).toBe(200);
  expect(await before.text()).toContain("<h1>Endpoints</h1>");

  await fresh.restart();
  const after = await page("/dashboard/endpoints", { headers: { cookie: session } });
  expect(after.status).toBe(200);
  const text = await after.text();
  expect(text).toContain("<h1>Endpoints</h1>");

  const token = /name="csrf" value="([^"]+)"/.exec(text)?.[1] ?? "";
  const out = await page("/dashboard/sign-out", {
    method: "POST",
    headers: { cookie: session, "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ csrf: token }).toString(),
  });
  expect(out.status).toBe(303);
  const ended = await page("/dashboard/endpoints", { headers: { cookie: session } });
  expect(ended.status).toBe(303);
  expect(ended.headers.get("location")).toContain("/dashboard/sign-in");
});
