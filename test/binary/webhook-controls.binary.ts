// Webhook headers, rate_limit and channels through the compiled binary, as a user meets them: a
// webhook registered with custom headers and channels gets them with each attempt (the envelope
// unchanged), another without channels gets every event, a reserved header answers 422 naming it,
// the fields survive a restart, and no log line (debug level) ever shows a header's value. Run by
// `bun run test` after the build.

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

const env = { INBOX_ALLOW_PRIVATE_TARGETS: "true", INBOX_LOG_LEVEL: "debug" };
const SECRET_VALUE = "Bearer rk_live_4eC39HqLyjWDarjtT1zdp7dc";

interface Arrival {
  path: string;
  headers: Headers;
  body: string;
}

function startReceiver() {
  const arrivals: Arrival[] = [];
  const server = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    async fetch(req) {
      arrivals.push({ path: new URL(req.url).pathname, headers: req.headers, body: await req.text() });
      return new Response("ok");
    },
  });
  const at = (path: string) => arrivals.filter((a) => a.path === path);
  return { arrivals, at, url: `http://127.0.0.1:${server.port}`, stop: () => server.stop(true) };
}

let sandbox: Sandbox;
let server: RunningServer;
let key: string;
const receiver = startReceiver();

beforeAll(async () => {
  sandbox = makeSandbox();
  server = await startServer(sandbox, [], env);
  key = parseFirstStartKeys(server.stderr()).apiKey ?? "";
  expect(key).toBeTruthy();
});

afterAll(async () => {
  if (server) await server.stop("SIGKILL").catch(() => {});
  receiver.stop();
  sandbox.remove();
});

describe("webhook controls through the binary", () => {
  test("headers and channels reach the receiver as registered; a reserved header is refused", async () => {
    const refused = await api(server, key, "POST", "/v1/webhooks", {
      url: `${receiver.url}/routed`,
      events: ["*"],
      headers: { "X-Inbox-Signature": "forged" },
    });
    expect(refused.status).toBe(422);
    expect((refused.body as { error: { details: { field: string }[] } }).error.details[0]?.field).toBe(
      "/headers/X-Inbox-Signature",
    );

    const controls = {
      headers: { Authorization: SECRET_VALUE, "X-Tenant": "acme" },
      rate_limit: 20,
      channels: ["eu"],
    };
    const routed = await api(server, key, "POST", "/v1/webhooks", {
      url: `${receiver.url}/routed`,
      events: ["*"],
      ...controls,
    });
    expect(routed.status).toBe(201);
    expect(routed.body).toMatchObject(controls);
    const routedId = (routed.body as { id: string }).id;
    expect(
      (await api(server, key, "POST", "/v1/webhooks", { url: `${receiver.url}/all`, events: ["*"] })).status,
    ).toBe(201);

    const types = await api(server, key, "GET", "/v1/event-types");
    const sample = (types.body as { data: { type: string; example: { data: unknown } }[] }).data[0];
    if (!sample) throw new Error("no event types");
    const publish = async (channels: string[]) => {
      const res = await api(server, key, "POST", "/v1/events", {
        type: sample.type,
        data: sample.example.data,
        channels,
      });
      expect(res.status).toBe(202);
      return (res.body as { id: string }).id;
    };
    const us = await publish(["us"]);
    const eu = await publish(["eu", "us"]);
    await eventually(() =>
      receiver.at("/all").length === 2 && receiver.at("/routed").length === 1 ? true : undefined,
    );

    const [arrived] = receiver.at("/routed");
    if (!arrived) throw new Error("nothing arrived");
    expect(JSON.parse(arrived.body).id).toBe(eu);
    expect(Object.keys(JSON.parse(arrived.body))).toEqual(["id", "type", "created_at", "data"]);
    expect(arrived.headers.get("authorization")).toBe(SECRET_VALUE);
    expect(arrived.headers.get("x-tenant")).toBe("acme");
    expect(arrived.headers.get("content-type")).toBe("application/json");
    expect(
      receiver
        .at("/all")
        .map((a) => JSON.parse(a.body).id)
        .sort(),
    ).toEqual([us, eu].sort());
    const shown = await api(server, key, "GET", `/v1/events/${eu}`);
    expect((shown.body as { channels: string[] }).channels).toEqual(["eu", "us"]);

    // Debug logging shows every attempt, never a header value.
    await eventually(() => (server.logs.some((l) => l.msg === "delivery attempt") ? true : undefined));
    expect(JSON.stringify(server.logs)).not.toContain("rk_live_");
    expect(server.strayStdout.join("\n")).not.toContain("rk_live_");

    // A restart keeps everything.
    await server.stop("SIGTERM");
    server = await startServer(sandbox, [], env);
    const again = await api(server, key, "GET", `/v1/webhooks/${routedId}`);
    expect(again.body).toMatchObject(controls);
    expect(
      ((await api(server, key, "GET", `/v1/events/${eu}`)).body as { channels: string[] }).channels,
    ).toEqual(["eu", "us"]);
  }, 30_000);
});
