// PostgreSQL goes away under a running replica (a restart or a failover), as an operator meets it:
// the compiled binary keeps answering, refuses publishes it cannot store with 503 store_unavailable and
// Retry-After, reports "degraded" on /health, and recovers by itself once the database is back, with
// no restart: a publish accepted before the outage and one accepted after it are both delivered.
// Runs on a private cluster of its own, since it stops the server.

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { type PostgresCluster, startPostgres } from "../../scripts/lib/embedded-postgres";
import {
  api,
  eventually,
  makeSandbox,
  type RunningServer,
  type Sandbox,
  startServer,
} from "./binary-harness";

const ADMIN_KEY = "admin-key-for-the-outage-test";
const DATA = { to: "+15551234567", delivered_at: "2026-12-03T10:00:00Z", device_id: "dev_outage" };

let sandbox: Sandbox;
let cluster: PostgresCluster;
let server: RunningServer;
const arrived: string[] = [];
const receiver = Bun.serve({
  hostname: "127.0.0.1",
  port: 0,
  async fetch(req) {
    arrived.push(((await req.json()) as { id: string }).id);
    return new Response("ok");
  },
});

beforeAll(async () => {
  sandbox = makeSandbox();
  cluster = await startPostgres({ durable: false });
  server = await startServer(sandbox, [], {
    INBOX_DATABASE_URL: cluster.url,
    INBOX_ADMIN_KEY: ADMIN_KEY,
    INBOX_ALLOW_PRIVATE_TARGETS: "true",
    INBOX_RETRY_SCHEDULE: "0,200ms,500ms,1s",
    INBOX_TIMEOUT: "2s",
    INBOX_LEASE_MARGIN: "1s",
  });
}, 60_000);

afterAll(async () => {
  await server?.stop("SIGKILL").catch(() => {});
  await cluster?.stop();
  receiver.stop(true);
  sandbox?.remove();
});

function publish(key: string, id: string) {
  return api(server, key, "POST", "/v1/events", {
    id,
    type: "message.delivered",
    data: { message_id: id, ...DATA },
  });
}

describe("PostgreSQL restarts under a running replica", () => {
  test("503 store_unavailable while it is down, degraded health, then recovery without a restart", async () => {
    const account = await api(server, ADMIN_KEY, "POST", "/v1/accounts", { name: "outage" });
    expect(account.status).toBe(201);
    const key = (account.body as { api_key: string }).api_key;
    const hook = await api(server, key, "POST", "/v1/webhooks", {
      url: `http://127.0.0.1:${receiver.port}/hook`,
      events: ["*"],
    });
    expect(hook.status).toBe(201);
    expect((await publish(key, "before-outage")).status).toBe(202);
    await eventually(() => (arrived.includes("before-outage") ? true : undefined), 10_000);

    await cluster.down();
    const refused = await eventually(async () => {
      const res = await fetch(`${server.url}/v1/events`, {
        method: "POST",
        headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
        body: JSON.stringify({
          id: "during-outage",
          type: "message.delivered",
          data: { message_id: "m", ...DATA },
        }),
      });
      return res.status === 503 ? res : undefined;
    }, 20_000);
    expect(refused.headers.get("retry-after")).toBe("1");
    expect(((await refused.json()) as { error: { code: string } }).error.code).toBe("store_unavailable");
    const health = await fetch(`${server.url}/health`);
    expect(health.status).toBe(200);
    expect(((await health.json()) as { status: string }).status).toBe("degraded");

    await cluster.up();
    const accepted = await eventually(async () => {
      const res = await publish(key, "after-outage");
      return res.status === 202 || res.status === 200 ? res : undefined;
    }, 30_000);
    expect([200, 202]).toContain(accepted.status);
    await eventually(() => (arrived.includes("after-outage") ? true : undefined), 15_000);
    const healthy = await eventually(async () => {
      const body = (await (await fetch(`${server.url}/health`)).json()) as { status: string };
      return body.status === "ok" ? body : undefined;
    }, 15_000);
    expect(healthy.status).toBe("ok");
    expect(server.proc.exitCode).toBeNull();
  }, 120_000);
});
