// A TypeScript client generated at test time from the served OpenAPI document (openapi-typescript
// for the types, openapi-fetch for the calls) typechecks under strict tsc and drives a journey
// against the app (through app.handle): register a webhook, publish an event, read the event's
// deliveries, send a test, read the webhook's log (test/support/openapi-client.ts). Proof that the
// document is fit for client generation (issue 11 item 7); test/binary/openapi-client.binary.ts does
// the same against the compiled binary.

import { afterAll, beforeAll, expect, test } from "bun:test";
import { type GeneratedClient, generateClient } from "../support/openapi-client";
import { createHarness, type Harness, servedSpec } from "./harness";

let h: Harness;
let client: GeneratedClient | undefined;
beforeAll(async () => {
  h = await createHarness();
});
afterAll(async () => {
  await h.close();
  client?.remove();
});

test("a client generated from the document typechecks and drives register, publish, read logs", async () => {
  client = await generateClient(await servedSpec(h));
  const tsc = client.typecheck();
  expect(tsc.output).toBe("");
  expect(tsc.exitCode).toBe(0);

  const result = await client.journey(
    "http://localhost",
    h.defaultKey,
    "https://hooks.example.com/inbox",
    (request) => h.app.handle(request),
  );
  expect(result.secret).toMatch(/^whsec_/);
  expect(result.eventType).toBe("message.delivered");
  expect(result.deliveries.length).toBe(1);
  expect(result.testOutcome).toBe("succeeded");
  expect(result.logOutcomes).toContain("succeeded");
  expect(result.missing).toEqual({ status: 404, code: "not_found" });
}, 120_000);
