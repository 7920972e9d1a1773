// The app behind a real Bun.serve socket on 127.0.0.1, as src/app.ts runs it: body limits on the
// wire (declared and chunked), and a full register-publish round trip.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import net from "node:net";
import type { Server } from "bun";
import { eventCatalog } from "../../src/domain/event-catalog";
import { SOCKET_BODY_LIMIT_BYTES } from "../../src/http/json-body";
import { createHarness, type Harness, webhookBody } from "./harness";

const LIMIT = 8192;

let h: Harness;
let server: Server<unknown>;
let base: string;
beforeAll(async () => {
  h = await createHarness({ maxBodyBytes: LIMIT });
  server = Bun.serve({
    port: 0,
    hostname: "127.0.0.1",
    maxRequestBodySize: SOCKET_BODY_LIMIT_BYTES,
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

interface RawAnswer {
  status: number;
  headers: string;
  body: string;
}

/**
 * Sends `head` then `bodyBytes` bytes of spaces (as `chunkSize`-byte HTTP chunks when chunked) on a
 * raw socket, and reads one response: what a client sees, with nothing of fetch in between.
 */
function rawExchange(head: string, bodyBytes: number, chunked: boolean): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(server.port!, "127.0.0.1");
    let received = Buffer.alloc(0);
    const timer = setTimeout(() => finish(), 10_000);
    const finish = () => {
      clearTimeout(timer);
      socket.destroy();
      const text = received.toString("latin1");
      const end = text.indexOf("\r\n\r\n");
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1] ?? 0);
      resolve({
        status,
        headers: end < 0 ? text : text.slice(0, end),
        body: end < 0 ? "" : text.slice(end + 4),
      });
    };
    socket.on("data", (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      const text = received.toString("latin1");
      const end = text.indexOf("\r\n\r\n");
      const length = Number(/content-length: (\d+)/i.exec(text.slice(0, end))?.[1] ?? Number.NaN);
      if (end >= 0 && received.length >= end + 4 + length) finish();
    });
    socket.on("close", finish);
    socket.on("error", (error: NodeJS.ErrnoException) => {
      // The server may close while we are still sending: what it answered before counts.
      if (error.code === "EPIPE" || error.code === "ECONNRESET") finish();
      else reject(error);
    });
    const piece = Buffer.alloc(16 * 1024, " ");
    const framed = Buffer.concat([
      Buffer.from(`${piece.length.toString(16)}\r\n`),
      piece,
      Buffer.from("\r\n"),
    ]);
    let sent = 0;
    const pump = () => {
      while (sent < bodyBytes && !socket.destroyed) {
        const n = Math.min(piece.length, bodyBytes - sent);
        sent += n;
        const data = chunked ? framed : piece.subarray(0, n);
        if (!socket.write(data)) return void socket.once("drain", pump);
      }
      if (chunked && !socket.destroyed) socket.write("0\r\n\r\n");
    };
    socket.on("connect", () => {
      socket.write(head);
      pump();
    });
  });
}

const head = (framing: string) =>
  `POST /v1/events HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${h.defaultKey}\r\n` +
  `Content-Type: application/json\r\n${framing}\r\n`;

function expectJson413(answer: RawAnswer) {
  expect(answer.status).toBe(413);
  expect(answer.headers.toLowerCase()).toContain("content-type: application/json");
  expect(JSON.parse(answer.body)).toEqual({
    error: { code: "payload_too_large", message: `request body exceeds ${LIMIT} bytes` },
  });
}

describe("every 413 is the JSON error, however far over the limit", () => {
  test("a declared length just over the limit + 64 KiB, sent in full", async () => {
    const length = LIMIT + 64 * 1024 + 1;
    expectJson413(await rawExchange(head(`Content-Length: ${length}\r\n`), length, false));
  });

  test("a declared length of 1 GiB, of which 256 KiB is sent", async () => {
    expectJson413(await rawExchange(head(`Content-Length: ${2 ** 30}\r\n`), 256 * 1024, false));
  });

  test("a chunked body of 16 MiB", async () => {
    expectJson413(await rawExchange(head("Transfer-Encoding: chunked\r\n"), 16 * 1024 * 1024, true));
  });

  test("the server goes on serving", async () => {
    const res = await fetch(`${base}/health`);
    expect(res.status).toBe(200);
  });
});
