// GET /v1/deliveries and the log's `outcome` filter through the compiled binary, as a user meets
// them: deliveries to a receiver that answers and to one that fails are found by webhook, status and
// event, newest first, page by page. Run by `bun run test` after the build.

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { api, eventually, type FreshServer, type RunningServer, startFresh } from "./binary-harness";

// One attempt each: a delivery to the failing receiver ends `failed` at once.
const env = { INBOX_ALLOW_PRIVATE_TARGETS: "true", INBOX_RETRY_SCHEDULE: "0" };

const receiver = Bun.serve({
  hostname: "127.0.0.1",
  port: 0,
  fetch: (req) =>
    new URL(req.url).pathname === "/down" ? new Response("no", { status: 503 }) : new Response("ok"),
});
const at = (path: string) => `http://127.0.0.1:${receiver.port}${path}`;

interface Listed {
  data: Array<{ id: string; event_id: string; webhook_id: string; status: string }>;
  next_cursor: string | null;
}

let fresh: FreshServer;
let server: RunningServer;
let key: string;

beforeAll(async () => {
  fresh = await startFresh(env);
  ({ server, apiKey: key } = fresh);
});

afterAll(async () => {
  await fresh?.close();
  receiver.stop(true);
});

const list = async (query: string) => {
  const res = await api(server, key, "GET", `/v1/deliveries${query}`);
  expect(res.status).toBe(200);
  return res.body as Listed;
};

describe("GET /v1/deliveries through the binary", () => {
  test("finds deliveries by webhook, status and event, newest first, page by page", async () => {
    const up = await api(server, key, "POST", "/v1/webhooks", { url: at("/up"), events: ["*"] });
    const down = await api(server, key, "POST", "/v1/webhooks", { url: at("/down"), events: ["*"] });
    const upId = (up.body as { id: string }).id;
    const downId = (down.body as { id: string }).id;
    const types = await api(server, key, "GET", "/v1/event-types");
    const sample = (types.body as { data: { type: string; example: { data: unknown } }[] }).data[0];
    if (!sample) throw new Error("no event types");
    const events: string[] = [];
    for (let i = 0; i < 3; i++) {
      const published = await api(server, key, "POST", "/v1/events", {
        type: sample.type,
        data: sample.example.data,
      });
      expect(published.status).toBe(202);
      events.push((published.body as { id: string }).id);
    }
    await eventually(async () => ((await list("?status=pending")).data.length === 0 ? true : undefined));

    const all = await list("?limit=100");
    expect(all.data.map((d) => d.event_id)).toEqual([...events].reverse().flatMap((e) => [e, e]));
    const failed = await list(`?webhook_id=${downId}&status=failed`);
    expect(failed.data.map((d) => d.event_id)).toEqual([...events].reverse());
    expect((await list(`?webhook_id=${upId}&status=failed`)).data).toEqual([]);
    expect((await list(`?event_id=${events[1]}&status=succeeded`)).data.map((d) => d.webhook_id)).toEqual([
      upId,
    ]);

    const pages: string[] = [];
    let cursor: string | null = null;
    do {
      const page: Listed = await list(`?limit=4${cursor ? `&cursor=${cursor}` : ""}`);
      pages.push(...page.data.map((d) => d.id));
      cursor = page.next_cursor;
    } while (cursor);
    expect(pages).toEqual(all.data.map((d) => d.id));

    const unknown = await api(server, key, "GET", "/v1/deliveries?webhook_id=wh_nope");
    expect(unknown.status).toBe(404);
    const logs = await api(server, key, "GET", `/v1/webhooks/${downId}/logs?outcome=failed`);
    expect((logs.body as { data: unknown[] }).data).toHaveLength(3);
    const both = await api(server, key, "GET", `/v1/webhooks/${downId}/logs?outcome=failed&status=succeeded`);
    expect(both.status).toBe(422);
  });
});
