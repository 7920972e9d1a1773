// readJsonBody behind a real Bun.serve socket: the Content-Length fast path (read whole), the
// streaming capped reader for chunked bodies, and the 413/415/400 answers of both.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import net from "node:net";
import type { Server } from "bun";
import { ApiError } from "../../src/http/api-error";
import { readJsonBody } from "../../src/http/json-body";
import { JSON_LIMITS_DEFAULT } from "../../src/http/json-limits";
import { chunkedBody } from "./harness";

const LIMIT = 1024;
const JSON_LIMITS = JSON_LIMITS_DEFAULT;

interface Answer {
  status: number;
  /** What the server saw: the parsed body (or null), or the ApiError code and message. */
  json: { body?: unknown; code?: string; message?: string; declared: string | null };
}

let server: Server<unknown>;
let base: string;
beforeAll(() => {
  server = Bun.serve({
    port: 0,
    hostname: "127.0.0.1",
    async fetch(request) {
      const declared = request.headers.get("content-length");
      try {
        const body = await readJsonBody(
          request,
          request.headers.get("content-type") ?? "",
          LIMIT,
          JSON_LIMITS,
        );
        return Response.json({ body, declared });
      } catch (error) {
        if (!(error instanceof ApiError)) throw error;
        return Response.json(
          { code: error.code, message: error.message, declared },
          { status: error.status },
        );
      }
    },
  });
  base = `http://127.0.0.1:${server.port}`;
});
afterAll(async () => {
  await server.stop(true);
});

async function post(
  body: string | Uint8Array | ReadableStream<Uint8Array> | null,
  contentType: string | null = "application/json",
): Promise<Answer> {
  const headers: Record<string, string> = {};
  if (contentType !== null) headers["content-type"] = contentType;
  const res = await fetch(`${base}/`, { method: "POST", headers, body });
  return { status: res.status, json: (await res.json()) as Answer["json"] };
}

const encode = (text: string) => new TextEncoder().encode(text);
/** A JSON document of exactly n bytes. */
const jsonOfSize = (n: number) => `{"p":"${"x".repeat(n - 8)}"}`;

/** Writes raw bytes on a socket and collects what comes back until the server answers or closes. */
function rawRequest(data: string, waitMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(server.port!, "127.0.0.1");
    let received = "";
    const timer = setTimeout(() => {
      socket.destroy();
      resolve(received);
    }, waitMs);
    socket.on("data", (chunk) => {
      received += chunk;
      if (received.includes("\r\n\r\n{")) {
        clearTimeout(timer);
        socket.destroy();
        resolve(received);
      }
    });
    socket.on("error", reject);
    socket.write(data);
  });
}

describe("with Content-Length (read whole)", () => {
  test("a small JSON body is parsed", async () => {
    const res = await post(JSON.stringify({ type: "message.read", data: { id: "msg_1", n: [1, 2, 3] } }));
    expect(res.status).toBe(200);
    expect(res.json.declared).not.toBeNull();
    expect(res.json.body).toEqual({ type: "message.read", data: { id: "msg_1", n: [1, 2, 3] } });
  });

  test("a body of exactly the limit is accepted; one byte more is 413", async () => {
    const exact = await post(jsonOfSize(LIMIT));
    expect(exact.status).toBe(200);
    expect(exact.json.declared).toBe(String(LIMIT));
    expect(exact.json.body).toEqual({ p: "x".repeat(LIMIT - 8) });

    const over = await post(jsonOfSize(LIMIT + 1));
    expect(over.status).toBe(413);
    expect(over.json.code).toBe("payload_too_large");
    expect(over.json.message).toBe(`request body exceeds ${LIMIT} bytes`);
  });

  test("a declared length over the limit is 413 before any body byte arrives", async () => {
    // Headers only: the answer comes although the promised 100,000 bytes are never sent.
    const answer = await rawRequest(
      `POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n`,
      5000,
    );
    expect(answer).toStartWith("HTTP/1.1 413");
    expect(answer).toContain('"code":"payload_too_large"');
  });

  test("the body stream is never opened (the point of the fast path: no reader, no promise per chunk)", async () => {
    const request = new Request("http://localhost/", {
      method: "POST",
      headers: { "content-type": "application/json", "content-length": "7" },
      body: '{"a":1}',
    });
    Object.defineProperty(request, "body", {
      get() {
        throw new Error("request.body was read");
      },
    });
    expect(await readJsonBody(request, "application/json", LIMIT, JSON_LIMITS)).toEqual({ a: 1 });
  });

  test("a Request built in-process whose Content-Length understates its body is still capped", async () => {
    const request = new Request("http://localhost/", {
      method: "POST",
      headers: { "content-type": "application/json", "content-length": "10" },
      body: jsonOfSize(LIMIT + 1),
    });
    expect(request.headers.get("content-length")).toBe("10");
    const error = await readJsonBody(request, "application/json", LIMIT, JSON_LIMITS).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).status).toBe(413);
  });
});

describe("without Content-Length (chunked, streamed)", () => {
  test("a body under the limit is parsed", async () => {
    const text = JSON.stringify({ type: "message.read", data: { note: "y".repeat(300) } });
    const res = await post(chunkedBody(encode(text), 7));
    expect(res.status).toBe(200);
    expect(res.json.declared).toBeNull();
    expect(res.json.body).toEqual(JSON.parse(text));
  });

  test("a body of exactly the limit is accepted", async () => {
    const res = await post(chunkedBody(encode(jsonOfSize(LIMIT)), 100));
    expect(res.status).toBe(200);
    expect(res.json.declared).toBeNull();
    expect(res.json.body).toEqual({ p: "x".repeat(LIMIT - 8) });
  });

  test("a body over the limit is 413", async () => {
    const res = await post(chunkedBody(encode(" ".repeat(20 * LIMIT)), 256));
    expect(res.status).toBe(413);
    expect(res.json.declared).toBeNull();
    expect(res.json.code).toBe("payload_too_large");
    expect(res.json.message).toBe(`request body exceeds ${LIMIT} bytes`);
  });

  test("raw chunked encoding over the limit is 413", async () => {
    const chunk = " ".repeat(512);
    const chunks = Array.from({ length: 4 }, () => `200\r\n${chunk}\r\n`).join("");
    const answer = await rawRequest(
      `POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n${chunks}0\r\n\r\n`,
      5000,
    );
    expect(answer).toStartWith("HTTP/1.1 413");
    expect(answer).toContain('"code":"payload_too_large"');
  });
});

describe("both paths", () => {
  const bodies = (bytes: Uint8Array) => [
    { path: "Content-Length", body: () => bytes },
    { path: "chunked", body: () => chunkedBody(bytes, 3) },
  ];

  test("invalid UTF-8 is 400 malformed_json", async () => {
    const bytes = new Uint8Array([...encode('{"a":"'), 0xff, 0xfe, ...encode('"}')]);
    for (const { path, body } of bodies(bytes)) {
      const res = await post(body());
      expect(res.json.declared === null, path).toBe(path === "chunked");
      expect(res.status, path).toBe(400);
      expect(res.json.code, path).toBe("malformed_json");
      expect(res.json.message, path).toBe("request body is not valid UTF-8");
    }
  });

  test("invalid JSON is 400 naming the parse error", async () => {
    for (const { path, body } of bodies(encode('{"a": 1,}'))) {
      const res = await post(body());
      expect(res.status, path).toBe(400);
      expect(res.json.code, path).toBe("malformed_json");
      expect(res.json.message, path).toStartWith("request body is not valid JSON: ");
    }
  });

  test("a body with a non-JSON content type is 415 (the check ignores case)", async () => {
    for (const { path, body } of bodies(encode('{"a":1}'))) {
      for (const type of ["text/plain", "application/xml", ""]) {
        const res = await post(body(), type);
        expect(res.status, `${path} ${type}`).toBe(415);
        expect(res.json.code, `${path} ${type}`).toBe("unsupported_media_type");
      }
      const upper = await post(body(), "Application/JSON");
      expect(upper.status, path).toBe(200);
      expect(upper.json.body, path).toEqual({ a: 1 });
    }
  });

  test("an empty body is null, whatever the content type", async () => {
    for (const type of ["application/json", "text/plain", null]) {
      const none = await post(null, type);
      expect(none.status).toBe(200);
      expect(none.json.body).toBeNull();
      const empty = await post("", type);
      expect(empty.status).toBe(200);
      expect(empty.json.body).toBeNull();
      const emptyStream = await post(chunkedBody(new Uint8Array(0), 1), type);
      expect(emptyStream.status).toBe(200);
      expect(emptyStream.json.body).toBeNull();
    }
    const zero = await rawRequest(
      `POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: text/plain\r\nContent-Length: 0\r\n\r\n`,
      5000,
    );
    expect(zero).toStartWith("HTTP/1.1 200");
    expect(zero).toContain('"body":null');
  });
});
