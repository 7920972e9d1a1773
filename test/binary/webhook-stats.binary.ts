// Per-webhook stats through the compiled binary, as a user meets them: a receiver that fails once
// and then accepts shows one failed and one successful attempt in GET /v1/webhooks/{id}/stats,
// another webhook its own; inbox_webhook_attempts_total gives INBOX_METRICS_WEBHOOKS=1 webhook its
// own series and the other "other"; after a restart the stats are as they were, and without
// INBOX_METRICS_WEBHOOKS the metric is absent. Run by `bun run test` after the build.

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import {
  api,
  eventually,
  makeSandbox,
  parseFirstStartKeys,
  type RunningServer,
  type Sandbox,
  startServer,
} from "./binary-harness";

const env = { INBOX_ALLOW_PRIVATE_TARGETS: "true", INBOX_RETRY_SCHEDULE: "0,100ms" };

/** A receiver that answers 503 to its first `failures` requests, then 200. */
function startReceiver(failures: number) {
  let seen = 0;
  const server = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    fetch: () => (seen++ < failures ? new Response("down", { status: 503 }) : new Response("ok")),
  });
  return { url: `http://127.0.0.1:${server.port}/hooks`, stop: () => server.stop(true) };
}

interface Stats {
  attempts: number;
  succeeded: number;
  failed: number;
  success_rate: number | null;
  failing_since: string | null;
  last_success_at: string | null;
  last_failure_at: string | null;
  pending: number;
  latency_ms: { p50: number | null };
}

let sandbox: Sandbox;
let server: RunningServer;
let key: string;
const flaky = startReceiver(1);
const steady = startReceiver(0);

beforeAll(async () => {
  sandbox = makeSandbox();
  server = await startServer(sandbox, [], { ...env, INBOX_METRICS_WEBHOOKS: "1" });
  key = parseFirstStartKeys(server.stderr()).apiKey ?? "";
  expect(key).toBeTruthy();
});

afterAll(async () => {
  if (server) await server.stop("SIGKILL").catch(() => {});
  flaky.stop();
  steady.stop();
  sandbox.remove();
});

const statsOf = async (id: string) => {
  const res = await api(server, key, "GET", `/v1/webhooks/${id}/stats`);
  expect(res.status).toBe(200);
  return res.body as Stats;
};

describe("webhook stats through the binary", () => {
  test("real attempts are counted, survive a restart, and feed the bounded per-webhook counter", async () => {
    const ids: string[] = [];
    for (const url of [flaky.url, steady.url]) {
      const hook = await api(server, key, "POST", "/v1/webhooks", { url, events: ["*"] });
      expect(hook.status).toBe(201);
      ids.push((hook.body as { id: string }).id);
    }
    const [flakyId, steadyId] = ids as [string, string];
    const types = await api(server, key, "GET", "/v1/event-types");
    const sample = (types.body as { data: { type: string; example: { data: unknown } }[] }).data[0];
    if (!sample) throw new Error("no event types");
    const published = await api(server, key, "POST", "/v1/events", {
      type: sample.type,
      data: sample.example.data,
    });
    expect(published.status).toBe(202);

    const flakyStats = await eventually(async () => {
      const s = await statsOf(flakyId);
      return s.succeeded === 1 ? s : undefined;
    });
    expect(flakyStats).toMatchObject({ attempts: 2, succeeded: 1, failed: 1, success_rate: 0.5, pending: 0 });
    expect(flakyStats.failing_since).toBeNull();
    expect(flakyStats.last_failure_at).not.toBeNull();
    expect(flakyStats.latency_ms.p50).not.toBeNull();
    const steadyStats = await eventually(async () => {
      const s = await statsOf(steadyId);
      return s.succeeded === 1 ? s : undefined;
    });
    expect(steadyStats).toMatchObject({ attempts: 1, failed: 0, success_rate: 1, last_failure_at: null });

    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    const series = metrics.split("\n").filter((l) => l.startsWith("inbox_webhook_attempts_total{"));
    const labels = series.map((l) => /webhook_id="([^"]+)"/.exec(l)?.[1]);
    expect(new Set(labels).has("other")).toBe(true);
    expect(labels.filter((l) => l !== "other").every((l) => l === flakyId || l === steadyId)).toBe(true);
    expect(new Set(labels).size).toBe(2);
    const total = series.reduce((n, l) => n + Number(l.split(" ").at(-1)), 0);
    expect(total).toBe(3);

    expect(await server.stop("SIGTERM")).toBe(0);
    server = await startServer(sandbox, [], env);
    const { attempts, succeeded, failed, failing_since, last_success_at, last_failure_at, latency_ms } =
      flakyStats;
    expect(await statsOf(flakyId)).toMatchObject({
      attempts,
      succeeded,
      failed,
      failing_since,
      last_success_at,
      last_failure_at,
      latency_ms,
    });
    const after = await (await fetch(`${server.url}/metrics`)).text();
    expect(after).not.toContain("inbox_webhook_attempts_total");
  });
});
