// Operator-defined event types through the compiled binary, as a user meets them: the admin
// registers a type whose JSON Schema uses formats, patterns and a local $ref (Ajv compiled into the
// binary), a webhook subscribes to it, a valid event reaches the receiver exactly as published and
// a bad one answers 422 naming the pointer under /data; an invalid schema answers 422 naming the
// pointer in /schema; after a restart the type is still there and enforced; once archived, publishing
// it answers 422 saying so while its event stays readable. Run by `bun run test` after the build.

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { type Receiver, startReceiver } from "../support/receiver";
import { api, eventually, type FreshServer, type RunningServer, startFresh } from "./binary-harness";

const env = { INBOX_ALLOW_PRIVATE_TARGETS: "true", INBOX_RETRY_SCHEDULE: "0,1h" };

const schema = {
  type: "object",
  required: ["order_id", "email", "total"],
  properties: {
    order_id: { type: "string", pattern: "^ord_[A-Za-z0-9]+$" },
    email: { type: "string", format: "email" },
    placed_at: { type: "string", format: "date-time" },
    total: { $ref: "#/$defs/money" },
  },
  $defs: {
    money: {
      type: "object",
      required: ["amount", "currency"],
      properties: { amount: { type: "integer" }, currency: { enum: ["EUR", "USD"] } },
    },
  },
};
const data = {
  order_id: "ord_8F2K",
  email: "ada@example.com",
  placed_at: "2025-01-15T10:25:03Z",
  total: { amount: 4200, currency: "EUR" },
};

let fresh: FreshServer;
let server: RunningServer;
let key: string;
let adminKey: string;
let receiver: Receiver;

beforeAll(async () => {
  receiver = startReceiver();
  fresh = await startFresh(env);
  ({ server, apiKey: key, adminKey } = fresh);
});

afterAll(async () => {
  await fresh?.close();
  await receiver?.stop();
});

describe("operator event types through the binary", () => {
  test("register, subscribe, publish valid and invalid data; survive a restart; archive", async () => {
    const bad = await api(server, adminKey, "POST", "/v1/event-types", {
      name: "order.placed",
      description: "x",
      schema: { type: "object", properties: { email: { type: "string", format: "e-mail" } } },
    });
    expect(bad.status).toBe(422);
    expect(JSON.stringify(bad.body)).toContain('"field":"/schema/properties/email/format"');

    const made = await api(server, adminKey, "POST", "/v1/event-types", {
      name: "order.placed",
      description: "An order was placed.",
      schema,
      example: data,
    });
    expect(made.status).toBe(201);
    const hook = await api(server, key, "POST", "/v1/webhooks", {
      url: `${receiver.url}/hooks`,
      events: ["order.placed"],
    });
    expect(hook.status).toBe(201);

    const published = await api(server, key, "POST", "/v1/events", { type: "order.placed", data });
    expect(published.status).toBe(202);
    const eventId = (published.body as { id: string }).id;
    const arrived = await eventually(() =>
      receiver.requests.map((a) => JSON.parse(a.body)).find((b) => b.id === eventId),
    );
    expect(arrived).toMatchObject({ type: "order.placed", data });

    const refused = await api(server, key, "POST", "/v1/events", {
      type: "order.placed",
      data: { ...data, email: "not an address" },
    });
    expect(refused).toEqual({
      status: 422,
      body: {
        error: {
          code: "validation_failed",
          message: "the event is not valid",
          details: [{ field: "/data/email", reason: 'must match format "email"' }],
        },
      },
    });

    await fresh.restart(); // expects exit code 0 on SIGTERM
    server = fresh.server;
    const again = await api(server, key, "GET", "/v1/event-types/order.placed");
    expect(again.status).toBe(200);
    expect((again.body as { schema: unknown }).schema).toEqual(schema);
    const batch = await api(server, key, "POST", "/v1/events/batch", {
      events: [
        { type: "order.placed", data },
        { type: "order.placed", data: { ...data, total: { amount: 1, currency: "GBP" } } },
      ],
    });
    expect(batch.status).toBe(422);
    expect(JSON.stringify(batch.body)).toContain('"field":"/events/1/data/total/currency"');

    expect((await api(server, adminKey, "DELETE", "/v1/event-types/order.placed")).status).toBe(204);
    const archived = await api(server, key, "POST", "/v1/events", { type: "order.placed", data });
    expect(archived.status).toBe(422);
    expect(JSON.stringify(archived.body)).toContain("archived");
    const history = await api(server, key, "GET", `/v1/events/${eventId}`);
    expect(history.status).toBe(200);
    expect((history.body as { data: unknown }).data).toEqual(data);
  });
});
