// `bun run scripts/event-schema-cost.ts [--events 200000]`: what checking `data` against an
// operator's JSON Schema costs on publish, next to a built-in type. Two measures:
// 1. the check alone: µs per event of the compiled Ajv validator (a realistic 16-property schema
//    with a nested object, an array of objects, enums, patterns and the date-time, email, uri and
//    uuid formats) on valid data and on data with one bad value (the 422 path, which builds the
//    issue), against the built-in message.delivered (TypeBox) check;
// 2. the whole publish through the HTTP app on LMDB (a temp dir, no webhooks, batches of 1,000
//    through POST /v1/events/batch): µs per event of message.delivered, of the same ~700-byte data
//    under an operator type whose schema is only {type: object} (the payload's own cost), and under
//    the realistic schema (the difference is what the schema check adds).
// Medians of 5 runs each.

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { bootstrapAccess } from "../src/domain/bootstrap";
import { eventCatalog } from "../src/domain/event-catalog";
import { compileDataSchema } from "../src/domain/event-type-schema";
import { openLmdbStore } from "../src/storage/lmdb/lmdb-store";
import { ADMIN_KEY, testApp, testConfig } from "../test/http/harness";
import { silentLogger } from "../test/support/silent-logger";

const SCHEMA = {
  type: "object",
  required: ["order_id", "customer", "status", "total", "items", "placed_at"],
  additionalProperties: false,
  properties: {
    order_id: { type: "string", pattern: "^ord_[A-Za-z0-9]{4,32}$" },
    status: { enum: ["placed", "paid", "shipped", "delivered", "cancelled"] },
    channel: { enum: ["web", "app", "store", "phone"] },
    placed_at: { type: "string", format: "date-time" },
    paid_at: { type: ["string", "null"], format: "date-time" },
    customer: {
      type: "object",
      required: ["id", "email"],
      properties: {
        id: { type: "string", format: "uuid" },
        email: { type: "string", format: "email" },
        phone: { type: "string", pattern: "^\\+[1-9]\\d{6,14}$" },
        tier: { enum: ["standard", "gold", "platinum"] },
      },
    },
    total: {
      type: "object",
      required: ["amount", "currency"],
      properties: {
        amount: { type: "integer", minimum: 0 },
        currency: { type: "string", pattern: "^[A-Z]{3}$" },
      },
    },
    items: {
      type: "array",
      minItems: 1,
      maxItems: 100,
      items: {
        type: "object",
        required: ["sku", "quantity"],
        properties: { sku: { type: "string", maxLength: 64 }, quantity: { type: "integer", minimum: 1 } },
      },
    },
    coupon: { type: ["string", "null"], maxLength: 32 },
    receipt_url: { type: "string", format: "uri" },
    notes: { type: "string", maxLength: 1000 },
    gift: { type: "boolean" },
    weight_g: { type: "number", minimum: 0 },
    tags: { type: "array", items: { type: "string" }, uniqueItems: true },
    source_ip: { type: "string", format: "ipv4" },
  },
};

const DATA = {
  order_id: "ord_8F2K9QX1",
  status: "paid",
  channel: "web",
  placed_at: "2025-01-15T10:25:03Z",
  paid_at: "2025-01-15T10:26:41.120+01:00",
  customer: {
    id: "6f1c2f7e-2b8a-4a53-9a4e-1c0f3f9b8d21",
    email: "ada.lovelace@example.com",
    phone: "+15551234567",
    tier: "gold",
  },
  total: { amount: 4200, currency: "EUR" },
  items: [
    { sku: "TSHIRT-M-BLUE", quantity: 2 },
    { sku: "MUG-WHITE", quantity: 1 },
    { sku: "STICKER-PACK", quantity: 3 },
  ],
  coupon: null,
  receipt_url: "https://shop.example.com/receipts/ord_8F2K9QX1",
  notes: "Leave at the door.",
  gift: false,
  weight_g: 812.5,
  tags: ["first-order", "newsletter"],
  source_ip: "203.0.113.7",
};

const RUNS = 5;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;

function timePerCall(n: number, fn: (i: number) => unknown): number {
  const runs: number[] = [];
  for (let r = 0; r < RUNS; r++) {
    const start = performance.now();
    for (let i = 0; i < n; i++) fn(i);
    runs.push(((performance.now() - start) * 1000) / n);
  }
  return median(runs);
}

function checks(n: number): void {
  const compiled = compileDataSchema(SCHEMA);
  if (!("check" in compiled)) throw new Error(JSON.stringify(compiled.issues));
  const { check } = compiled;
  const bad = { ...DATA, customer: { ...DATA.customer, email: "not-an-address" } };
  if (check(DATA).length !== 0 || check(bad)[0]?.field !== "/data/customer/email")
    throw new Error("bad setup");
  const builtIn = eventCatalog.sample("message.delivered");
  const compileMs = median(
    Array.from({ length: RUNS }, () => {
      const t = performance.now();
      compileDataSchema(structuredClone(SCHEMA));
      return performance.now() - t;
    }),
  );
  console.log(
    `schema: ${Object.keys(SCHEMA.properties).length} properties, compiled in ${compileMs.toFixed(2)} ms`,
  );
  console.log(
    `check, operator type, valid data:      ${timePerCall(n, () => check(DATA)).toFixed(3)} µs/event`,
  );
  console.log(
    `check, operator type, one bad value:   ${timePerCall(n, () => check(bad)).toFixed(3)} µs/event`,
  );
  console.log(
    `check, message.delivered (built in):   ${timePerCall(n, () => eventCatalog.validate("message.delivered", builtIn)).toFixed(3)} µs/event`,
  );
}

async function publishes(batches: number): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "inbox-schema-cost-"));
  const store = await openLmdbStore({ dataDir: dir, logger: silentLogger });
  try {
    const config = testConfig({ dataDir: dir, bodyBytesMax: 4 * 1024 * 1024 });
    const boot = await bootstrapAccess(store, config, Date.now());
    const key = boot.defaultAccount?.apiKey ?? "";
    const app = testApp(store, config);
    const call = async (path: string, body: unknown, bearer = key) => {
      const res = await app.handle(
        new Request(`http://localhost${path}`, {
          method: "POST",
          headers: { authorization: `Bearer ${bearer}`, "content-type": "application/json" },
          body: JSON.stringify(body),
        }),
      );
      if (res.status >= 300) throw new Error(`${path} answered ${res.status}: ${await res.text()}`);
    };
    await call(
      "/v1/event-types",
      { name: "order.paid", description: "Paid.", schema: SCHEMA, example: DATA },
      ADMIN_KEY,
    );
    const perEvent = async (type: string, data: unknown) => {
      const events = Array.from({ length: 1_000 }, () => ({ type, data }));
      await call("/v1/events/batch", { events }); // warm-up
      const runs: number[] = [];
      for (let r = 0; r < RUNS; r++) {
        const start = performance.now();
        for (let b = 0; b < batches; b++) await call("/v1/events/batch", { events });
        runs.push(((performance.now() - start) * 1000) / (batches * 1_000));
      }
      return median(runs);
    };
    await call(
      "/v1/event-types",
      { name: "order.any", description: "Any.", schema: { type: "object" } },
      ADMIN_KEY,
    );
    const rows: Array<[string, number]> = [
      [
        "message.delivered (built in)",
        await perEvent("message.delivered", eventCatalog.sample("message.delivered")),
      ],
      ["order.any, schema {type: object}", await perEvent("order.any", DATA)],
      ["order.paid, realistic schema", await perEvent("order.paid", DATA)],
    ];
    for (const [what, us] of rows) {
      console.log(
        `publish (HTTP batch of 1,000, LMDB, no webhooks), ${what.padEnd(34)} ${us.toFixed(1)} µs/event`,
      );
    }
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

const { values } = parseArgs({ options: { events: { type: "string", default: "200000" } } });
checks(Number(values.events));
await publishes(5);
