// A TypeScript client generated from a served OpenAPI document (openapi-typescript for the types,
// openapi-fetch for the calls), typechecked under strict tsc, and a journey it drives: register a
// webhook (to \`receiverUrl\`), publish an event, read the event's deliveries, send a test, read the
// webhook's log, read a 404 as the typed Error; two of the bodies are written as their named
// component types (CreateWebhookRequest, TestWebhookRequest). Used by test/http/openapi-generated-client.test.ts
// (through app.handle) and test/binary/openapi-client.binary.ts (against the compiled binary).

import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import openapiTS, { astToString } from "openapi-typescript";

const ROOT = join(import.meta.dir, "../..");

const JOURNEY = `
import createClient from "openapi-fetch";
import type { components, paths } from "./schema";

type Webhook = components["schemas"]["WebhookWithSecret"];

export async function journey(
  baseUrl: string,
  key: string,
  receiverUrl: string,
  fetch: (request: Request) => Promise<Response>,
) {
  const client = createClient<paths>({ baseUrl, fetch, headers: { authorization: \`Bearer \${key}\` } });
  // Request bodies are named types too.
  const registration: components["schemas"]["CreateWebhookRequest"] = {
    url: receiverUrl,
    events: ["message.delivered"],
  };
  const created = await client.POST("/v1/webhooks", { body: registration });
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
  const testRequest: components["schemas"]["TestWebhookRequest"] = {
    webhook_id: webhook.id,
    event_type: "message.delivered",
  };
  const tested = await client.POST("/v1/webhooks/test", { body: testRequest });
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

export interface JourneyResult {
  secret: string;
  eventType: string | undefined;
  deliveries: string[];
  testOutcome: string | undefined;
  logOutcomes: string[];
  missing: { status: number; code: string | undefined };
}

export interface GeneratedClient {
  /** tsc's output (empty when the client typechecks) and exit code. */
  typecheck(): { output: string; exitCode: number };
  journey(
    baseUrl: string,
    key: string,
    receiverUrl: string,
    fetch: (request: Request) => Promise<Response>,
  ): Promise<JourneyResult>;
  remove(): void;
}

/** Generates the types from \`spec\` next to the journey, in a directory under node_modules (so that
 * the files resolve openapi-fetch); remove() deletes it. */
export async function generateClient(spec: unknown): Promise<GeneratedClient> {
  const dir = mkdtempSync(join(ROOT, "node_modules/.openapi-client-"));
  // biome-ignore lint/suspicious/noExplicitAny: the document is arbitrary JSON
  writeFileSync(join(dir, "schema.d.ts"), astToString(await openapiTS(spec as any)));
  writeFileSync(join(dir, "journey.ts"), JOURNEY);
  return {
    typecheck() {
      const tsc = Bun.spawnSync(
        [
          join(ROOT, "node_modules/.bin/tsc"),
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
      return { output: `${tsc.stdout.toString()}${tsc.stderr.toString()}`, exitCode: tsc.exitCode ?? -1 };
    },
    async journey(baseUrl, key, receiverUrl, fetch) {
      const { journey } = await import(join(dir, "journey.ts"));
      return journey(baseUrl, key, receiverUrl, fetch);
    },
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}
