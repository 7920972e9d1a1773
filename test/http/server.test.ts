// The app behind a real Bun.serve socket on 127.0.0.1, as src/app.ts runs it: body limits on the
// wire (declared and chunked), and a full register-publish round trip.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { Server } from "bun";
import { eventCatalog } from "../../src/domain/event-catalog";
import { SOCKET_BODY_BYTES_MAX } from "../../src/http/json-body";
import { type RawAnswer, rawExchange } from "../support/raw-http";
import { createHarness, type Harness, webhookBody } from "./harness";

const LIMIT = 8192;

let h: Harness;
let server: Server<unknown>;
let base: string;
beforeAll(async () => {
  h = await createHarness({ bodyBytesMax: LIMIT });
  server = Bun.serve({
    port: 0,
    hostname: "127.0.0.1",
    maxRequestBodySize: SOCKET_BODY_BYTES_MAX,
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

const head = (framing: string) =>
  `POST /v1/events HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${h.defaultKey}\r\n` +
  `Content-Type: application/json\r\n${framing}\r\n`;

function expectJson413(answer: RawAnswer) {
  expect(answer.status).toBe(413);
  expect(answer.head.toLowerCase()).toContain("content-type: application/json");
  expect(JSON.parse(answer.body)).toEqual({
    error: { code: "payload_too_large", message: `request body exceeds ${LIMIT} bytes` },
  });
}

describe("every 413 is the JSON error, however far over the limit", () => {
  test("a declared length just over the limit + 64 KiB, sent in full", async () => {
    const length = LIMIT + 64 * 1024 + 1;
    expectJson413(await rawExchange(server.port!, head(`Content-Length: ${length}\r\n`), { bytes: length }));
  });

  test("a declared length of 1 GiB, of which 256 KiB is sent", async () => {
    expectJson413(
      await rawExchange(server.port!, head(`Content-Length: ${2 ** 30}\r\n`), { bytes: 256 * 1024 }),
    );
  });

  test("a chunked body of 16 MiB", async () => {
    expectJson413(
      await rawExchange(server.port!, head("Transfer-Encoding: chunked\r\n"), {
        bytes: 16 * 1024 * 1024,
        chunked: true,
      }),
    );
  });

  test("the server goes on serving", async () => {
    const res = await fetch(`${base}/health`);
    expect(res.status).toBe(200);
  });
});
