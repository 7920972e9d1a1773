// The app behind a real Bun.serve socket on 127.0.0.1, as src/app.ts runs it: body limits on the
// wire (declared and chunked), and a full register-publish round trip.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { Server } from "bun";
import { eventCatalog } from "../../src/domain/event-catalog";
import { createHarness, type Harness, webhookBody } from "./harness";

let h: Harness;
let server: Server<unknown>;
let base: string;
beforeAll(async () => {
  h = await createHarness({ maxBodyBytes: 8192 });
  server = Bun.serve({
    port: 0,
    hostname: "127.0.0.1",
    maxRequestBodySize: 8192 + 64 * 1024,
    fetch: (request) => h.app.handle(request),
  });
  base = `http://127.0.0.1:${server.port}`;
});
afterAll(async () => {
  await server.stop(true);
  await h.close();
});

const auth = () => ({ authorization: `Bearer ${h.defaultKey}`, "content-type": "application/json" });

describe("over a socket", () => {
  test("register and publish", async () => {
    const hook = await fetch(`${base}/v1/webhooks`, {
      method: "POST",
      headers: auth(),
      body: JSON.stringify(webhookBody()),
    });
    expect(hook.status).toBe(201);
    const event = await fetch(`${base}/v1/events`, {
      method: "POST",
      headers: auth(),
      body: JSON.stringify({ type: "message.read", data: eventCatalog.sample("message.read") }),
    });
    expect(event.status).toBe(202);
    expect(((await event.json()) as { type: string }).type).toBe("message.read");
  });

  test("413 for a declared oversize body", async () => {
    const res = await fetch(`${base}/v1/events`, { method: "POST", headers: auth(), body: "x".repeat(9000) });
    expect(res.status).toBe(413);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe("payload_too_large");
  });

  test("413 for a chunked oversize body", async () => {
    const chunk = new TextEncoder().encode(" ".repeat(1024));
    let sent = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent++ >= 20) return controller.close();
        controller.enqueue(chunk);
      },
    });
    const res = await fetch(`${base}/v1/events`, { method: "POST", headers: auth(), body });
    expect(res.status).toBe(413);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe("payload_too_large");
  });
});
