// The sign-in limiter counts the client address of http/client-address.ts: the socket peer, and
// X-Forwarded-For's rightmost entry only from a loopback or private peer (a proxy of this
// deployment). Through the app's handle with a noted peer (a public peer cannot be made on this
// host), and through the real server (startApp) over a loopback socket, which shows the path from
// Bun.serve to the limiter (a loopback peer and a request with no socket are treated alike, so that
// test alone could not tell a missing peer).

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type RunningApp, startApp } from "../../src/app";
import { notePeerAddress } from "../../src/http/client-address";
import { createHarness, type Harness, testConfig } from "../http/harness";
import { silentLogger } from "../support/silent-logger";

/** One sign-in attempt with a wrong key, sent by `send`; answers the POST's status. */
async function attempt(
  send: (request: Request) => Promise<Response>,
  origin: string,
  headers: Record<string, string>,
): Promise<number> {
  const form = await send(new Request(`${origin}/dashboard/sign-in`, { headers }));
  const token = /name="csrf" value="([^"]+)"/.exec(await form.text())?.[1] ?? "";
  const response = await send(
    new Request(`${origin}/dashboard/sign-in`, {
      method: "POST",
      headers: {
        ...headers,
        origin,
        cookie: `inbox_csrf=${token}`,
        "content-type": "application/x-www-form-urlencoded",
      },
      body: new URLSearchParams({ csrf: token, key: "ik_wrong" }).toString(),
    }),
  );
  await response.text();
  return response.status;
}

describe("through the app, from a noted socket peer", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness();
  });
  afterAll(async () => {
    await h.close();
  });

  const from = (peer: string) => (request: Request) => {
    notePeerAddress(request, peer);
    return h.app.handle(request);
  };

  test("a public peer cannot spread its attempts over forged X-Forwarded-For addresses", async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 11; i++) {
      statuses.push(
        await attempt(from("203.0.113.50"), "http://localhost", { "x-forwarded-for": `198.51.100.${i}` }),
      );
    }
    expect(statuses.slice(0, 10)).toEqual(new Array(10).fill(401));
    expect(statuses[10]).toBe(429);
    expect(await attempt(from("203.0.113.51"), "http://localhost", {})).toBe(401);
  });

  test("behind a private proxy, the rightmost entry is the client: two clients, two counts", async () => {
    const proxy = from("10.0.0.2");
    for (let i = 0; i < 10; i++) {
      expect(
        await attempt(proxy, "http://localhost", { "x-forwarded-for": `192.0.2.${i}, 198.51.100.60` }),
      ).toBe(401);
    }
    expect(await attempt(proxy, "http://localhost", { "x-forwarded-for": "198.51.100.60" })).toBe(429);
    expect(
      await attempt(proxy, "http://localhost", { "x-forwarded-for": "198.51.100.60, 198.51.100.61" }),
    ).toBe(401);
  });
});

describe("through the real server over a loopback socket", () => {
  let running: RunningApp;
  let dir: string;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "inbox-address-"));
    running = await startApp(
      testConfig({ dataDir: dir, port: 0, host: "127.0.0.1" }),
      silentLogger,
      () => {},
    );
  });
  afterAll(async () => {
    await running.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  test("the socket's loopback peer is a proxy: its rightmost X-Forwarded-For entry, else itself, is counted", async () => {
    const send = (request: Request) => fetch(request);
    for (let i = 0; i < 10; i++) {
      expect(await attempt(send, running.url, { "x-forwarded-for": `192.0.2.${i}, 198.51.100.70` })).toBe(
        401,
      );
    }
    expect(await attempt(send, running.url, { "x-forwarded-for": "198.51.100.70" })).toBe(429);
    // Another client behind the same proxy, and the proxy's own address, are counted apart.
    expect(await attempt(send, running.url, { "x-forwarded-for": "198.51.100.71" })).toBe(401);
    expect(await attempt(send, running.url, {})).toBe(401);
  });
});
