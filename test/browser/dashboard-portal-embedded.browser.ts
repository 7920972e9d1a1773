// The customer portal inside a page of ANOTHER site (issue 12 item 3), the way the platform embeds it:
// the dashboard behind a TLS front (this test's own, with the localhost test certificate) at
// https://localhost:<port>, INBOX_PUBLIC_URL naming it, and the platform's page at
// http://127.0.0.1:<port> (localhost and 127.0.0.1 are different sites), allowed by
// INBOX_PORTAL_FRAME_ANCESTORS. The portal link's session cookie is then SameSite=None; Secure;
// Partitioned, so Chromium keeps and sends it inside the cross-site iframe (a SameSite=Strict cookie
// would be withheld there): the account's endpoints open in the frame, a form posted in the frame
// (delete with confirmation) passes the CSRF checks and its notice shows, and the cookie Chromium
// holds is partitioned by the platform's site.

import { afterAll, beforeAll, expect, test } from "bun:test";
import type { Server } from "bun";
import { api } from "../binary/binary-harness";
import { ARTIFACTS, framingPage, portalLink, type Rig, startRig } from "./dashboard-support";

const TLS_DIR = `${import.meta.dir}/../support/tls`;

/** A TLS-terminating front on localhost passing every request to `target()` as it came. */
function tlsFront(target: () => string): Server<undefined> {
  return Bun.serve({
    hostname: "localhost",
    port: 0,
    tls: { cert: Bun.file(`${TLS_DIR}/localhost-cert.pem`), key: Bun.file(`${TLS_DIR}/localhost-key.pem`) },
    async fetch(req) {
      const url = new URL(req.url);
      const body = req.method === "GET" || req.method === "HEAD" ? undefined : await req.arrayBuffer();
      return fetch(`${target()}${url.pathname}${url.search}`, {
        method: req.method,
        headers: req.headers,
        body,
        redirect: "manual",
      });
    },
  });
}

const platform = framingPage();
const platformOrigin = `http://127.0.0.1:${platform.port}`;
let rig: Rig;
const front = tlsFront(() => rig.server.url);
const portalOrigin = `https://localhost:${front.port}`;

beforeAll(async () => {
  rig = await startRig({
    env: { INBOX_PORTAL_FRAME_ANCESTORS: platformOrigin, INBOX_PUBLIC_URL: portalOrigin },
    frameAncestors: ["'none'", platformOrigin],
    localHosts: ["localhost"],
    ignoreHTTPSErrors: true,
  });
}, 60_000);

afterAll(async () => {
  await rig?.close();
  front.stop(true);
  platform.stop(true);
});

test("inside the platform's cross-site iframe the portal keeps its session: endpoints, a confirmed delete and its notice", async () => {
  const hook = await api(rig.server, rig.keys.apiKey, "POST", "/v1/webhooks", {
    url: "http://127.0.0.1:9/embedded-portal-hook",
    events: ["*"],
  });
  expect(hook.status).toBe(201);
  const link = await portalLink(rig);
  expect(link.startsWith(`${portalOrigin}/dashboard/portal/`)).toBe(true);

  const context = await rig.newContext();
  const page = await context.newPage();
  await page.goto(`${platformOrigin}/?src=${encodeURIComponent(link)}`);
  const portal = page.frameLocator('iframe[title="Webhooks portal"]');
  await portal.getByRole("heading", { level: 1, name: "Endpoints" }).waitFor();
  await portal.getByRole("link", { name: "http://127.0.0.1:9/embedded-portal-hook" }).click();
  await portal.getByRole("heading", { level: 1, name: "Endpoint" }).waitFor();
  await portal.getByRole("link", { name: "Delete" }).click();
  await portal.getByRole("button", { name: "Delete endpoint" }).click();
  await portal.getByRole("status").filter({ hasText: "Endpoint deleted." }).waitFor();
  await page.screenshot({ path: `${ARTIFACTS}/dashboard-portal-embedded-1280.png` });

  const gone = await api(
    rig.server,
    rig.keys.apiKey,
    "GET",
    `/v1/webhooks/${(hook.body as { id: string }).id}`,
  );
  expect(gone.status).toBe(404);
  const session = (await context.cookies()).find((c) => c.name === "inbox_session");
  expect(session).toMatchObject({ domain: "localhost", sameSite: "None", secure: true, httpOnly: true });
  expect(session?.partitionKey).toBe(platformOrigin.replace(/:\d+$/, ""));
}, 30_000);

test("no request left this machine, every dashboard answer carried the CSP, nothing else went wrong", () => {
  expect(rig.problems).toEqual([]);
  expect(rig.findings).toEqual([]);
});
