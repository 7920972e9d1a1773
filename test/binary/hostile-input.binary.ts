// The compiled binary against hostile input, where the hardening issue found it failing: data nested
// 40,000 levels (500), a number past a 64-bit float (altered), ?limit=1e20 (500) and a body a little
// over the size limit + 64 KiB (Bun's own empty 413). Each now gets its JSON 4xx, with the limits set
// by flags. Run by `bun run test` after the build (see scripts/check.ts).

import { afterAll, beforeAll, expect, test } from "bun:test";
import { rawExchange } from "../support/raw-http";
import { api, makeSandbox, type RunningServer, type Sandbox, startServer } from "./binary-harness";

const ADMIN_KEY = "hostile-input-admin-key-0123456789";
const BODY_BYTES_MAX = 512 * 1024;
const DEPTH = 40;

let sandbox: Sandbox;
let server: RunningServer;
let key: string;

beforeAll(async () => {
  sandbox = makeSandbox();
  server = await startServer(sandbox, ["--max-body", "512KiB", "--max-data-depth", String(DEPTH)], {
    INBOX_ADMIN_KEY: ADMIN_KEY,
  });
  const account = await api(server, ADMIN_KEY, "POST", "/v1/accounts", { name: "hostile" });
  expect(account.status).toBe(201);
  key = (account.body as { api_key: string }).api_key;
});

afterAll(async () => {
  if (server) expect(await server.stop()).toBe(0);
  sandbox?.remove();
});

interface ErrorBody {
  error: { code: string; message: string; details?: { field: string; reason: string }[] };
}

async function send(method: string, path: string, text?: string) {
  const res = await fetch(`${server.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
    body: text,
  });
  return {
    status: res.status,
    type: res.headers.get("content-type") ?? "",
    json: (await res.json()) as ErrorBody,
  };
}

const DATA =
  '"message_id":"msg_1","to":"+15551234567","delivered_at":"2025-01-15T10:25:03Z","device_id":"dev_1"';
/** A publish body whose data nests `levels` deep ({"n": …} below its documented fields). */
const nested = (levels: number) =>
  `{"type":"message.delivered","data":{${DATA},"n":${'{"n":'.repeat(levels - 1)}1${"}".repeat(levels - 1)}}}`;

test("data nests at most --max-data-depth levels; 40,000 levels are 422, not 500", async () => {
  expect((await send("POST", "/v1/events", nested(DEPTH))).status).toBe(202);
  for (const levels of [DEPTH + 1, 40_000]) {
    const res = await send("POST", "/v1/events", nested(levels));
    expect(res.status, `${levels} levels`).toBe(422);
    expect(res.json.error.details?.[0]?.reason).toBe(
      `nests deeper than ${DEPTH} levels of objects and arrays, the limit for event data`,
    );
  }
});

test("a number the receiver would get altered is 422, naming it", async () => {
  const res = await send("POST", "/v1/events", `{"type":"message.delivered","data":{${DATA},"x":1e400}}`);
  expect(res.status).toBe(422);
  expect(res.json.error.details?.[0]?.field).toBe("/data/x");
});

test("?limit=1e20 and other non-decimal integers are 422 naming limit", async () => {
  for (const value of ["1e20", "99999999999999999999", "0x10", "%205"]) {
    const res = await send("GET", `/v1/events?limit=${value}`);
    expect(res.status, value).toBe(422);
    expect(res.json.error.details?.[0]?.field, value).toBe("limit");
  }
});

test("a body past the limit + 64 KiB, declared or chunked, gets the JSON 413", async () => {
  const head = (framing: string) =>
    `POST /v1/events HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${key}\r\n` +
    `Content-Type: application/json\r\n${framing}\r\n`;
  const length = BODY_BYTES_MAX + 64 * 1024 + 1;
  for (const answer of [
    await rawExchange(server.port, head(`Content-Length: ${length}\r\n`), { bytes: length }),
    await rawExchange(server.port, head("Transfer-Encoding: chunked\r\n"), {
      bytes: 4 * BODY_BYTES_MAX,
      chunked: true,
    }),
  ]) {
    expect(answer.status).toBe(413);
    expect(answer.head.toLowerCase()).toContain("content-type: application/json");
    expect((JSON.parse(answer.body) as ErrorBody).error.code).toBe("payload_too_large");
  }
});
