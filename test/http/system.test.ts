import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { eventCatalog } from "../../src/domain/event-catalog";
import { createHarness, type Harness } from "./harness";

let h: Harness;
beforeAll(async () => {
  h = await createHarness();
});
afterAll(async () => {
  await h.close();
});

describe("health and metrics", () => {
  test("GET / redirects to the dashboard, which sends a browser without a session to sign in", async () => {
    const res = await h.call("GET", "/", { key: null });
    expect(res.status).toBe(302);
    expect(res.headers.get("location")).toBe("/dashboard");
    const dashboard = await h.call("GET", "/dashboard", { key: null });
    expect(dashboard.status).toBe(302);
    expect(dashboard.headers.get("location")).toBe("/dashboard/sign-in");
    const swagger = await h.call("GET", "/swagger", { key: null });
    expect(swagger.status).toBe(200);
  });

  test("/health needs no key and reports version, pending, in flight", async () => {
    await h.call("POST", "/v1/webhooks", { body: { url: "https://example.com/h", events: ["*"] } });
    await h.call("POST", "/v1/events", {
      body: { type: "message.read", data: eventCatalog.sample("message.read") },
    });
    await h.settleFigures();
    const res = await h.call("GET", "/health", { key: null });
    expect(res.status).toBe(200);
    expect(res.json).toEqual({ status: "ok", version: "9.9.9-test", pending: 1, in_flight: 3 });
  });

  test("/metrics is Prometheus text with the pending and store size gauges", async () => {
    const res = await h.call("GET", "/metrics", { key: null });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/plain; version=0.0.4; charset=utf-8");
    expect(res.text).toContain("# TYPE inbox_deliveries_pending gauge");
    expect(res.text).toMatch(/^inbox_deliveries_pending \d+$/m);
    expect(res.text).toMatch(/^inbox_store_size_bytes [1-9]\d*$/m);
    expect(res.text).toMatch(/^inbox_events_published_total \d+$/m);
    // Registered once even though the app answered many requests.
    expect(res.text.match(/# TYPE inbox_deliveries_pending gauge/g)).toHaveLength(1);
  });
});

describe("event types", () => {
  test("lists the four documented types, then the operational ones, with schema and the docs' example", async () => {
    const res = await h.call("GET", "/v1/event-types");
    expect(res.status).toBe(200);
    expect(res.json.data.map((t: { type: string }) => t.type)).toEqual([
      "message.delivered",
      "message.read",
      "message.failed",
      "message.action",
      "webhook.disabled",
      "delivery.failed",
    ]);
    const delivered = res.json.data[0];
    expect(delivered.description).toBe(
      "Triggered when a message is successfully delivered to the recipient's device.",
    );
    expect(delivered.example).toEqual({
      id: "evt_1234567890",
      type: "message.delivered",
      created_at: "2025-01-15T10:25:03Z",
      data: {
        message_id: "msg_1234567890",
        to: "+15551234567",
        delivered_at: "2025-01-15T10:25:03Z",
        device_id: "dev_abcdef123456",
      },
    });
    expect(delivered.schema.type).toBe("object");
    expect(delivered.schema.required).toEqual(["message_id", "to", "delivered_at", "device_id"]);
    expect(delivered.schema.properties.delivered_at.format).toBe("date-time");
  });
});
