// The OpenAPI document served by the compiled binary, turned into a TypeScript client at test time
// (openapi-typescript + openapi-fetch, test/support/openapi-client.ts): it typechecks under strict
// tsc and drives a journey against the running binary with a real receiver: register a webhook,
// publish an event (delivered to the receiver), send a test, read the log. Run by `bun run test`
// after the build.

import { afterAll, beforeAll, expect, test } from "bun:test";
import { type GeneratedClient, generateClient } from "../support/openapi-client";
import { type Receiver, startReceiver } from "../support/receiver";
import { type FreshServer, startFresh } from "./binary-harness";

let fresh: FreshServer;
let receiver: Receiver;
let client: GeneratedClient | undefined;
beforeAll(async () => {
  receiver = startReceiver();
  fresh = await startFresh({ INBOX_ALLOW_PRIVATE_TARGETS: "true" });
});
afterAll(async () => {
  await fresh?.close();
  await receiver?.stop();
  client?.remove();
});

test("a client generated from the binary's document typechecks and drives register, publish, read logs", async () => {
  const { server, apiKey: key } = fresh;
  expect(key).not.toBe("");
  const spec = (await (await fetch(`${server.url}/swagger/json`)).json()) as {
    servers: { url: string; description?: string }[];
  };
  expect(spec.servers).toEqual([{ url: server.url, description: expect.any(String) }]);
  client = await generateClient(spec);
  const tsc = client.typecheck();
  expect(tsc.output).toBe("");
  expect(tsc.exitCode).toBe(0);

  const result = await client.journey(server.url, key, `${receiver.url}/hooks`, (request) => fetch(request));
  expect(result.secret).toMatch(/^whsec_/);
  expect(result.eventType).toBe("message.delivered");
  expect(result.deliveries.length).toBe(1);
  expect(result.testOutcome).toBe("succeeded");
  expect(result.logOutcomes).toContain("succeeded");
  expect(result.missing).toEqual({ status: 404, code: "not_found" });
  // The published event and the test send both reached the receiver.
  const received = await receiver.waitFor(2, 10_000);
  expect(received.length).toBeGreaterThanOrEqual(2);
}, 120_000);
