// Moving from one binary on LMDB to PostgreSQL, as the README tells an operator to: the server runs
// on its data directory, gets a webhook and events (one delivered, one waiting for a retry), and is
// stopped; `migrate-store --to <url>` copies the directory (refused while the server still holds
// it); the same binary started with INBOX_DATABASE_URL then shows the same webhook, events, deliveries
// and attempt log through the API, to the same keys, and carries on with the waiting delivery. The
// database password appears in no output. Run by `bun run test` after the build.

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { type TestDatabase, testDatabase } from "../../scripts/lib/test-database";
import {
  api,
  eventually,
  type FirstStartKeys,
  makeSandbox,
  parseFirstStartKeys,
  type RunningServer,
  runToExit,
  type Sandbox,
  startServer,
} from "./binary-harness";

const PASSWORD = "s3cret-Migrate-pw";
/** A retry an hour away: the waiting delivery is still pending, untouched, after the move. */
const env = { INBOX_ALLOW_PRIVATE_TARGETS: "true", INBOX_RETRY_SCHEDULE: "0,1h" };

/** Answers 200, but 503 to "message.failed" events while `failing` is set. */
function startReceiver() {
  const state = { failing: true, requests: 0 };
  const server = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    async fetch(req) {
      state.requests++;
      const { type } = (await req.json()) as { type: string };
      return state.failing && type === "message.failed"
        ? new Response("later", { status: 503 })
        : new Response("ok");
    },
  });
  return { state, url: `http://127.0.0.1:${server.port}/hook`, stop: () => server.stop(true) };
}

interface Published {
  webhookId: string;
  deliveredEvent: string;
  waitingEvent: string;
  deliveryIds: string[];
}

/** Everything the API shows of what was published, to the account key and the admin key. */
async function views(server: RunningServer, keys: FirstStartKeys, p: Published) {
  const account = keys.apiKey as string;
  const get = async (key: string, path: string) => {
    const res = await api(server, key, "GET", path);
    expect(res.status).toBe(200);
    return res.body;
  };
  return {
    webhook: await get(account, `/v1/webhooks/${p.webhookId}`),
    webhooks: await get(account, "/v1/webhooks"),
    events: await get(account, "/v1/events"),
    delivered: await get(account, `/v1/events/${p.deliveredEvent}`),
    waiting: await get(account, `/v1/events/${encodeURIComponent(p.waitingEvent)}`),
    deliveries: await Promise.all(p.deliveryIds.map((id) => get(account, `/v1/deliveries/${id}`))),
    logs: await get(account, `/v1/webhooks/${p.webhookId}/logs`),
    accountByAdmin: withoutLastUse(await get(keys.adminKey as string, `/v1/accounts/${keys.accountId}`)),
  };
}

/** The account's view without its keys' last_used_at, which these very reads move on. */
function withoutLastUse(account: unknown): unknown {
  const { keys, ...rest } = account as { keys: Record<string, unknown>[] };
  return { ...rest, keys: keys.map(({ last_used_at: _, ...key }) => key) };
}

let db: TestDatabase;
let url = "";
let sandbox: Sandbox;
let server: RunningServer | undefined;
const receiver = startReceiver();

beforeAll(async () => {
  db = await testDatabase();
  // The test cluster trusts local connections: the password is carried, never checked, and must
  // never be shown.
  const withPassword = new URL(db.url);
  withPassword.password = PASSWORD;
  url = withPassword.href;
  sandbox = makeSandbox();
}, 60_000);

afterAll(async () => {
  await server?.stop("SIGKILL").catch(() => {});
  receiver.stop();
  sandbox?.remove();
  await db?.close();
});

async function publish(s: RunningServer, apiKey: string): Promise<Published> {
  const created = await api(s, apiKey, "POST", "/v1/webhooks", {
    url: receiver.url,
    events: ["*"],
    description: "moved to PostgreSQL ✓",
  });
  expect(created.status).toBe(201);
  const webhookId = (created.body as { id: string }).id;
  const catalog = await api(s, apiKey, "GET", "/v1/event-types");
  const examples = new Map(
    (catalog.body as { data: { type: string; example: { data: object } }[] }).data.map((t) => [
      t.type,
      t.example.data,
    ]),
  );
  // The docs' example data, after keys of our own that must keep their place and their values.
  const extra = {
    z: "a key before the others",
    ünïcode: "😀 ✓",
    amount: 123456789012345,
    list: [1.5, null, true],
  };
  const delivered = await api(s, apiKey, "POST", "/v1/events", {
    type: "message.delivered",
    data: { ...extra, ...examples.get("message.delivered") },
  });
  const waiting = await api(s, apiKey, "POST", "/v1/events", {
    id: "order-42",
    type: "message.failed",
    data: examples.get("message.failed"),
  });
  expect([delivered.status, waiting.status]).toEqual([202, 202]);
  const deliveredEvent = (delivered.body as { id: string }).id;
  const deliveryIds: string[] = [];
  for (const [eventId, status, attempts] of [
    [deliveredEvent, "succeeded", 1],
    ["order-42", "pending", 1],
  ] as const) {
    const d = await eventually(async () => {
      const res = await api(s, apiKey, "GET", `/v1/events/${eventId}`);
      const found = (res.body as { deliveries: { id: string; status: string; attempt_count: number }[] })
        .deliveries[0];
      return found?.status === status && found.attempt_count === attempts ? found : undefined;
    }, 10_000);
    deliveryIds.push(d.id);
  }
  return { webhookId, deliveredEvent, waitingEvent: "order-42", deliveryIds };
}

describe("migrate-store through the binary", () => {
  let keys: FirstStartKeys;
  let published: Published;
  let before: Awaited<ReturnType<typeof views>>;

  test("a server on LMDB takes a webhook and events; migrate-store is refused while it runs", async () => {
    server = await startServer(sandbox, [], env);
    keys = parseFirstStartKeys(server.stderr());
    expect(keys.apiKey && keys.adminKey && keys.accountId).toBeTruthy();
    published = await publish(server, keys.apiKey as string);
    before = await views(server, keys, published);

    const refused = await runToExit(sandbox, ["migrate-store", "--to", url]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain("data directory ./data is in use by another process");
    expect(refused.stderr).toContain("stop the server using it");
    expect(refused.stdout + refused.stderr).not.toContain(PASSWORD);
    expect(await server.stop()).toBe(0);
    server = undefined;
  }, 60_000);

  test("once it is stopped, migrate-store copies the data directory, and a second run copies nothing", async () => {
    const run = await runToExit(sandbox, ["migrate-store", "--to", url, "--data-dir", "./data"], {}, 30_000);
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`Copied the LMDB store in ./data to ${new URL(url).protocol}//`);
    expect(run.stdout).toContain(":***@");
    expect(run.stdout).toMatch(/events\s+2\s+2\s+0\s+2/);
    expect(run.stdout).toMatch(/webhooks\s+1\s+1\s+0\s+1/);
    expect(run.stdout + run.stderr).not.toContain(PASSWORD);

    // The URL from the environment, as the server takes it.
    const again = await runToExit(sandbox, ["migrate-store"], { INBOX_DATABASE_URL: url }, 30_000);
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/events\s+2\s+0\s+2\s+2/);
    expect(again.stdout).toMatch(/deliveries\s+2\s+0\s+2\s+2/);
    expect(again.stdout + again.stderr).not.toContain(PASSWORD);
  }, 60_000);

  test("the binary on PostgreSQL shows the same records to the same keys, and carries on", async () => {
    server = await startServer(sandbox, [], { ...env, INBOX_DATABASE_URL: url }, 30_000);
    // No first start: the keys came with the copy.
    expect(server.stderr()).not.toContain("first start");
    expect(server.stderr() + JSON.stringify(server.logs)).not.toContain(PASSWORD);
    const after = await views(server, keys, published);
    expect(after).toEqual(before);
    // Key order too (event data keeps the publisher's order).
    expect(JSON.stringify(after)).toBe(JSON.stringify(before));

    // The waiting delivery is due work here: retried now, it succeeds on its second attempt.
    receiver.state.failing = false;
    const waitingId = published.deliveryIds[1] as string;
    const retried = await api(server, keys.apiKey as string, "POST", `/v1/deliveries/${waitingId}/retry`);
    expect(retried.status).toBe(202);
    const done = await eventually(async () => {
      const res = await api(
        server as RunningServer,
        keys.apiKey as string,
        "GET",
        `/v1/deliveries/${waitingId}`,
      );
      const body = res.body as { status: string; attempts: unknown[] };
      return body.status === "succeeded" ? body : undefined;
    }, 10_000);
    expect(done.attempts).toHaveLength(2);
    expect(await server.stop()).toBe(0);
    server = undefined;
  }, 60_000);
});
