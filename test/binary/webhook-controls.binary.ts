// Webhook headers, rate_limit and channels through the compiled binary, as a user meets them: a
// webhook registered with custom headers and channels gets them with each attempt (the envelope
// unchanged), another without channels gets every event, a reserved header answers 422 naming it,
// the fields survive a restart, and no log line (debug level) ever shows a header's value. Run by
// `bun run test` after the build.

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { type Receiver, startReceiver } from "../support/receiver";
import { api, eventually, type FreshServer, sampleEvent, startFresh } from "./binary-harness";

const env = { INBOX_ALLOW_PRIVATE_TARGETS: "true", INBOX_LOG_LEVEL: "debug" };
const SECRET_VALUE = "Bearer rk_live_4eC39HqLyjWDarjtT1zdp7dc";

let fresh: FreshServer;
let receiver: Receiver;

beforeAll(async () => {
  receiver = startReceiver();
  fresh = await startFresh(env);
});

afterAll(async () => {
  await fresh?.close();
  await receiver?.stop();
});

/** The requests that arrived at `path` of the receiver. */
const arrivedAt = (path: string) => receiver.requests.filter((r) => r.path === path);

describe("webhook controls through the binary", () => {
  test("headers and channels reach the receiver as registered; a reserved header is refused", async () => {
    const key = fresh.apiKey;
    const refused = await api(fresh.server, key, "POST", "/v1/webhooks", {
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
    const routed = await api(fresh.server, key, "POST", "/v1/webhooks", {
      url: `${receiver.url}/routed`,
      events: ["*"],
      ...controls,
    });
    expect(routed.status).toBe(201);
    expect(routed.body).toMatchObject(controls);
    const routedId = (routed.body as { id: string }).id;
    expect(
      (await api(fresh.server, key, "POST", "/v1/webhooks", { url: `${receiver.url}/all`, events: ["*"] }))
        .status,
    ).toBe(201);

    const sample = await sampleEvent(fresh.server, key);
    const publish = async (channels: string[]) => {
      const res = await api(fresh.server, key, "POST", "/v1/events", {
        type: sample.type,
        data: sample.data,
        channels,
      });
      expect(res.status).toBe(202);
      return (res.body as { id: string }).id;
    };
    const us = await publish(["us"]);
    const eu = await publish(["eu", "us"]);
    await eventually(() =>
      arrivedAt("/all").length === 2 && arrivedAt("/routed").length === 1 ? true : undefined,
    );

    const [arrived] = arrivedAt("/routed");
    if (!arrived) throw new Error("nothing arrived");
    expect(JSON.parse(arrived.body).id).toBe(eu);
    expect(Object.keys(JSON.parse(arrived.body))).toEqual(["id", "type", "created_at", "data"]);
    expect(arrived.headers.get("authorization")).toBe(SECRET_VALUE);
    expect(arrived.headers.get("x-tenant")).toBe("acme");
    expect(arrived.headers.get("content-type")).toBe("application/json");
    expect(
      arrivedAt("/all")
        .map((a) => JSON.parse(a.body).id)
        .sort(),
    ).toEqual([us, eu].sort());
    const shown = await api(fresh.server, key, "GET", `/v1/events/${eu}`);
    expect((shown.body as { channels: string[] }).channels).toEqual(["eu", "us"]);

    // Debug logging shows every attempt, never a header value.
    await eventually(() => (fresh.server.logs.some((l) => l.msg === "delivery attempt") ? true : undefined));
    expect(JSON.stringify(fresh.server.logs)).not.toContain("rk_live_");
    expect(fresh.server.strayStdout.join("\n")).not.toContain("rk_live_");

    // A restart keeps everything.
    await fresh.restart();
    const again = await api(fresh.server, key, "GET", `/v1/webhooks/${routedId}`);
    expect(again.body).toMatchObject(controls);
    expect(
      ((await api(fresh.server, key, "GET", `/v1/events/${eu}`)).body as { channels: string[] }).channels,
    ).toEqual(["eu", "us"]);
  }, 30_000);
});
