// A TypeScript client generated at test time from the served OpenAPI document (openapi-typescript
// for the types, openapi-fetch for the calls) typechecks under strict tsc and drives a journey
// against the app: register a webhook, publish an event, read the event's deliveries, send a test,
// read the webhook's log. Proof that the document is fit for client generation (issue 11 item 7).

import { afterAll, beforeAll, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import openapiTS, { astToString } from "openapi-typescript";
import { createHarness, type Harness } from "./harness";

let h: Harness;
let dir: string;
beforeAll(async () => {
  h = await createHarness();
  // Inside the repository, so that the generated files resolve openapi-fetch from node_modules.
  dir = mkdtempSync(join(import.meta.dir, "../../node_modules/.openapi-client-"));
});
afterAll(async () => {
  await h.close();
  rmSync(dir, { recursive: true, force: true });
});

const JOURNEY = `
import createClient from "openapi-fetch";
import type { components, paths } from "./schema";

type Webhook = components["schemas"]["WebhookWithSecret"];

export async function journey(baseUrl: string, key: string, fetch: (request: Request) => Promise<Response>) {
  const client = createClient<paths>({ baseUrl, fetch, headers: { authorization: \`Bearer \${key}\` } });
  const created = await client.POST("/v1/webhooks", {
    body: { url: "https://hooks.example.com/inbox", events: ["message.delivered"] },
  });
  if (!created.data) throw new Error(\`createWebhook: \${JSON.stringify(created.error)}\`);
  const webhook: Webhook = created.data;
  const published = await client.POST("/v1/events", {
    body: {
      type: "message.delivered",
      data: { message_id: "msg_1", to: "+15551234567", delivered_at: "2025-01-15T10:25:03Z", device_id: "dev_1" },
    },
  });
  if (!published.data) throw new Error(\`publishEvent: \${JSON.stringify(published.error)}\`);
  const event = await client.GET("/v1/events/{id}", { params: { path: { id: published.data.id } } });
  const tested = await client.POST("/v1/webhooks/test", {
    body: { webhook_id: webhook.id, event_type: "message.delivered" },
  });
  const logs = await client.GET("/v1/webhooks/{id}/logs", {
    params: { path: { id: webhook.id }, query: { limit: 10 } },
  });
  const missing = await client.GET("/v1/webhooks/{id}", { params: { path: { id: "wh_missing" } } });
  return {
    secret: webhook.secret,
    eventType: event.data?.type,
    deliveries: event.data?.deliveries.map((d) => d.webhook_id) ?? [],
    testOutcome: tested.data?.outcome,
    logOutcomes: logs.data?.data.map((a) => a.outcome) ?? [],
    missing: { status: missing.response.status, code: missing.error?.error.code },
  };
}
`;

test("a client generated from the document typechecks and drives register, publish, read logs", async () => {
  const spec = (await h.call("GET", "/swagger/json", { key: null })).json;
  writeFileSync(join(dir, "schema.d.ts"), astToString(await openapiTS(spec)));
  writeFileSync(join(dir, "journey.ts"), JOURNEY);

  const tsc = Bun.spawnSync(
    [
      join(import.meta.dir, "../../node_modules/.bin/tsc"),
      "--noEmit",
      "--strict",
      "--skipLibCheck",
      "--target",
      "es2022",
      "--module",
      "esnext",
      "--moduleResolution",
      "bundler",
      "--lib",
      "es2022,dom",
      join(dir, "journey.ts"),
    ],
    { stdout: "pipe", stderr: "pipe" },
  );
  expect(`${tsc.stdout.toString()}${tsc.stderr.toString()}`).toBe("");
  expect(tsc.exitCode).toBe(0);

  const { journey } = await import(join(dir, "journey.ts"));
  const result = await journey("http://localhost", h.defaultKey, (request: Request) => h.app.handle(request));
  expect(result.secret).toMatch(/^whsec_/);
  expect(result.eventType).toBe("message.delivered");
  expect(result.deliveries.length).toBe(1);
  expect(result.testOutcome).toBe("succeeded");
  expect(result.logOutcomes).toContain("succeeded");
  expect(result.missing).toEqual({ status: 404, code: "not_found" });
}, 120_000);
