// Bad input at scale, against the spawned server: thousands of generated malformed requests aimed
// at every operation of the server's own OpenAPI document (GET /swagger/json). The process, not an
// in-process app.handle, is the target on purpose: the socket layer (Bun.serve's body limit, header
// and content-length handling) is part of what users hit, and a crash shows up as a dead process
// instead of taking the test runner down with it.
// Checks: no 5xx, the process lives, every error is JSON {error:{code,message}}, no 2xx for garbage
// (a 2xx body/query must satisfy the documented schema and the catalog; a 2xx needs a valid key),
// and afterwards register + publish + receive still works. FUZZ_SEED=<n> replays a run.

import { afterAll, beforeAll, expect, test } from "bun:test";
import fc from "fast-check";
import { checkJson, JSON_LIMITS_DEFAULT } from "../../src/http/json-limits";
import { Api, type ApiResponse, deliveredData, type Json, jsonOrUndefined } from "./support/api";
import { httpReceiver } from "./support/fault-receivers";
import { readQueryValue, type Schema, schemaProblems } from "./support/json-schema";
import {
  type FuzzContext,
  type FuzzRequest,
  fuzzRequest,
  type Operation,
  operationsOf,
} from "./support/request-fuzz";
import { ServerProcess } from "./support/server-process";
import { pool, waitFor } from "./support/wait";

const REQUESTS = 10_000;
const TIME_BUDGET_MS = 30_000;
const CONCURRENCY = 8;
const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

let server: ServerProcess;
const api = new Api(() => server.url);
const sink = httpReceiver(() => new Response("ok"));
let doc: Schema & { paths: Record<string, Record<string, Record<string, unknown>>> };
let catalog: Map<string, Schema>;

beforeAll(async () => {
  server = await ServerProcess.start({ env: { INBOX_RETRY_SCHEDULE: "0,1s", INBOX_TIMEOUT: "1s" } });
  const spec = await fetch(`${server.url}/swagger/json`);
  expect(spec.status).toBe(200);
  doc = (await spec.json()) as typeof doc;
  const types = (await api.expect(200, "GET", "/v1/event-types", { key: server.accountKey })) as {
    data: { type: string; schema: Schema }[];
  };
  catalog = new Map(types.data.map((d) => [d.type, d.schema]));
});

afterAll(async () => {
  await server?.dispose();
  sink.stop();
});

/** Real resources to aim ids at; the account under fuzz is the default one, the doomed one may be deleted. */
async function fuzzContext(): Promise<FuzzContext> {
  const key = server.accountKey;
  const webhooks: string[] = [];
  for (let i = 0; i < 3; i++) webhooks.push(await api.registerWebhook(key, sink.url));
  const events: string[] = [];
  for (let i = 0; i < 3; i++) events.push(await api.publish(key, "message.delivered", deliveredData(i)));
  const deliveries = (await Promise.all(events.map((id) => api.deliveriesOfEvent(key, id))))
    .flat()
    .map((d) => d.id);
  const doomed = (await api.expect(201, "POST", "/v1/accounts", {
    key: server.adminKey,
    body: { name: "doomed" },
  })) as Json;
  const event = { type: "message.delivered", data: deliveredData(7) };
  return {
    accountKey: key,
    adminKey: server.adminKey,
    sinkUrl: sink.url,
    ids: {
      "/v1/webhooks/{id}": webhooks,
      "/v1/events/{id}": events,
      "/v1/deliveries/{id}": deliveries,
      "/v1/accounts/{id}": [String(doomed.id)],
      "/v1/accounts/{id}/keys/{key_id}": [String(doomed.key_id)],
    },
    seeds: {
      "POST /v1/webhooks": { url: sink.url, events: ["message.delivered"], description: "fuzz" },
      "PUT /v1/webhooks/{id}": { url: sink.url, events: ["*"], description: "fuzz", enabled: true },
      "POST /v1/webhooks/test": { webhook_id: webhooks[0], event_type: "message.delivered" },
      "POST /v1/events": event,
      "POST /v1/events/batch": { events: [event, { ...event, id: "fuzz-batch-1" }] },
      "POST /v1/accounts": { name: "fuzzed" },
      "POST /v1/accounts/{id}/keys": {},
    },
  };
}

function isHttpUrl(value: unknown): boolean {
  if (typeof value !== "string" || !URL.canParse(value)) return false;
  const protocol = new URL(value).protocol;
  return protocol === "http:" || protocol === "https:";
}

/** What the catalog and the product rules say beyond the schema, for bodies the server accepted. */
function semanticProblems(op: Operation, body: Json): string[] {
  const key = `${op.method} ${op.path}`;
  if (key === "POST /v1/webhooks" || key === "PUT /v1/webhooks/{id}") return webhookProblems(body);
  if (key === "POST /v1/events") return eventProblems(body);
  if (key === "POST /v1/events/batch") return (body.events as Json[]).flatMap(eventProblems);
  if (key === "POST /v1/webhooks/test" && !catalog.has(String(body.event_type)))
    return ["unknown event_type"];
  return [];
}

function eventProblems(e: Json): string[] {
  const schema = catalog.get(String(e.type));
  if (!schema) return [`unknown event type ${JSON.stringify(e.type)}`];
  return schemaProblems(schema, e.data, schema).map((p) => `data${p}`);
}

function webhookProblems(body: Json): string[] {
  const problems: string[] = [];
  if ("url" in body && !isHttpUrl(body.url)) problems.push(`url ${JSON.stringify(body.url)} is not http(s)`);
  if ("events" in body) {
    const events = body.events as unknown[];
    if (!Array.isArray(events) || events.length === 0) problems.push("events empty");
    else if (!events.every((e) => e === "*" || catalog.has(e as string))) problems.push("unknown event type");
  }
  return problems;
}

/** Why this answer is wrong, or undefined when it is acceptable. */
function verdict(req: FuzzRequest, status: number, contentType: string, json: unknown): string | undefined {
  if (status >= 500) return `answered ${status}`;
  // Bun's HTTP parser answers 431 itself, before the app sees the request, when the request line
  // and headers exceed its limit (a 9 KB path plus a 6 KB key do); nothing in the app can shape it.
  if (status === 431) return undefined;
  if (status >= 400) return errorVerdict(status, contentType, json);
  if (status < 200 || status >= 300) return undefined;
  const op = req.op;
  if (!op) return req.method === "GET" ? undefined : `${status} for an undocumented ${req.method}`;
  if (op.path.startsWith("/v1/") && !req.validAuth) return `${status} with an invalid Authorization header`;
  const query = queryVerdict(req, op, status);
  if (query !== undefined) return query;
  if (op.body && req.method !== "GET" && req.method !== "DELETE")
    return bodyVerdict(req, op, op.body, status);
  return undefined;
}

/** A 4xx must be the JSON error. */
function errorVerdict(status: number, contentType: string, json: unknown): string | undefined {
  const error = (json as { error?: { code?: unknown; message?: unknown } } | undefined)?.error;
  if (!contentType.includes("application/json")) return `${status} with content-type ${contentType}`;
  if (typeof error?.code !== "string" || !error.code || typeof error.message !== "string") {
    return `${status} without {error:{code,message}}`;
  }
  return undefined;
}

/** A 2xx must not have accepted a query parameter that its schema refuses. */
function queryVerdict(req: FuzzRequest, op: Operation, status: number): string | undefined {
  for (const [name, raw] of req.query) {
    const schema = op.query.get(name);
    if (!schema) continue;
    const problems = schemaProblems(schema, readQueryValue(schema, raw), doc);
    if ((name === "since" || name === "until") && !RFC3339.test(raw)) problems.push("not RFC 3339");
    if (problems.length)
      return `${status} for query ${name}=${JSON.stringify(raw).slice(0, 80)}: ${problems[0]}`;
  }
  return undefined;
}

/** A 2xx must not have accepted a body past the JSON limits, not JSON, or against its schema. */
function bodyVerdict(req: FuzzRequest, op: Operation, schema: Schema, status: number): string | undefined {
  if (typeof req.body !== "string") return `${status} for a non-JSON body`;
  // An empty body is no body, which an operation whose body is optional accepts.
  if (req.body === "" && !op.bodyRequired) return undefined;
  // Nesting, sizes and numbers past the limits are refused whatever the operation.
  if (checkJson(req.body, JSON_LIMITS_DEFAULT).outcome === "over_limits")
    return `${status} past the JSON limits`;
  let parsed: unknown;
  try {
    parsed = JSON.parse(req.body);
  } catch {
    return `${status} for a body that is not JSON`;
  }
  const problems = schemaProblems(schema, parsed, doc);
  if (problems.length === 0) problems.push(...semanticProblems(op, parsed as Json));
  if (problems.length) return `${status} for a body violating the schema: ${problems.slice(0, 3).join("; ")}`;
  return undefined;
}

test("thousands of malformed requests: no 5xx, JSON errors only, no garbage accepted, still serving", async () => {
  const ops = operationsOf(doc);
  expect(ops.length).toBeGreaterThanOrEqual(15);
  const ctx = await fuzzContext();
  const seed = Number(process.env.FUZZ_SEED ?? Date.now() % 2 ** 31);
  const requests = fc.sample(fuzzRequest(ctx, ops), { numRuns: REQUESTS, seed });
  const failures: string[] = [];
  const statuses = new Map<number, number>();
  const started = performance.now();
  let sent = 0;
  await pool(
    requests,
    CONCURRENCY,
    async (req) => {
      sent++;
      let res: Response;
      try {
        res = await fetch(`${server.url}${req.path}`, {
          method: req.method,
          headers: req.headers,
          body: req.body,
        });
      } catch (err) {
        failures.push(`no answer (${err}) to ${req.label}`);
        return;
      }
      const text = await res.text();
      const json = jsonOrUndefined(text);
      statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
      const wrong = verdict(req, res.status, res.headers.get("content-type") ?? "", json);
      if (wrong) failures.push(`${wrong}: ${text.slice(0, 200)} <- ${req.label}`);
    },
    () => performance.now() - started > TIME_BUDGET_MS || !server.running,
  );
  const elapsed = Math.round(performance.now() - started);
  const summary = [...statuses]
    .sort(([a], [b]) => a - b)
    .map(([s, n]) => `${s}:${n}`)
    .join(" ");
  console.log(
    `[resilience] fuzz seed ${seed}: ${sent} requests in ${elapsed} ms; statuses ${summary}; ${failures.length} failures`,
  );

  expect(server.running).toBe(true);
  expect(failures.slice(0, 15)).toEqual([]);
  expect(sent).toBeGreaterThanOrEqual(1000);

  // Whatever got created is sound: every webhook has an http(s) url and known event types.
  let cursor: string | null = null;
  do {
    const page = (await api.expect(
      200,
      "GET",
      `/v1/webhooks?limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`,
      { key: server.accountKey },
    )) as { data: { url: string; events: string[] }[]; next_cursor: string | null };
    for (const w of page.data) {
      expect(isHttpUrl(w.url)).toBe(true);
      expect(w.events.length).toBeGreaterThan(0);
      for (const e of w.events) expect(e === "*" || catalog.has(e)).toBe(true);
    }
    cursor = page.next_cursor;
  } while (cursor);

  // And it still does its job: a fresh account registers, publishes, and its receiver gets the event.
  const fresh = await api.createAccount(server.adminKey, "after-fuzz");
  const receiver = httpReceiver(() => new Response("ok"));
  try {
    await api.registerWebhook(fresh.key, receiver.url, ["message.delivered"]);
    const id = await api.publish(fresh.key, "message.delivered", deliveredData(1));
    await waitFor("the event after the fuzz at its receiver", () =>
      receiver.arrivals.some((a) => a.eventId === id),
    );
    const health = (await api.expect(200, "GET", "/health")) as { status: string };
    expect(health.status).toBe("ok");
  } finally {
    receiver.stop();
  }
}, 90_000);

/** Requests that put `long` in every path parameter and in an account_id query. */
function oversizedIdRequests(op: Operation, long: string): { path: string; key: string }[] {
  const requests: { path: string; key: string }[] = [];
  if (op.path.includes("{")) {
    requests.push({ path: op.path.replace(/\{[^}]+\}/g, long), key: server.accountKey });
    requests.push({ path: op.path.replace(/\{[^}]+\}/g, long), key: server.adminKey });
  }
  if (op.query.has("account_id")) {
    const path = op.path.replace(/\{[^}]+\}/g, "x");
    requests.push({ path: `${path}?account_id=${long}`, key: server.adminKey });
  }
  return requests;
}

/** A 4xx with the JSON error, not a 5xx. */
function isJsonError(res: ApiResponse): boolean {
  const error = (res.json as { error?: { code?: unknown } } | undefined)?.error;
  return res.status < 500 && typeof error?.code === "string";
}

test("oversized ids in paths and account_id answer a JSON 4xx, not a 500", async () => {
  // Pinned from fuzz findings: ids longer than the storage's key limit (LMDB's is under 2 KB) once
  // reached the store unchecked. Every path parameter and every account_id query gets one here.
  const long = "a".repeat(5000);
  const wrong: string[] = [];
  for (const op of operationsOf(doc)) {
    for (const { path, key } of oversizedIdRequests(op, long)) {
      const res = await api.request(op.method, path, {
        key,
        body: op.body ? {} : undefined,
      });
      if (!isJsonError(res)) {
        wrong.push(
          `${op.method} ${op.path} (${path.length} chars) -> ${res.status} ${res.text.slice(0, 80)}`,
        );
      }
    }
  }
  const event = { type: "message.delivered", data: deliveredData(1) };
  const bodies: [string, string, unknown][] = [
    ["POST", "/v1/webhooks/test", { webhook_id: long, event_type: "message.delivered" }],
    ["POST", "/v1/webhooks", { url: sink.url, events: ["*"], account_id: long }],
    ["POST", "/v1/events", { ...event, account_id: long }],
    ["POST", "/v1/events/batch", { events: [event], account_id: long }],
  ];
  for (const [method, path, body] of bodies) {
    for (const key of [server.accountKey, server.adminKey]) {
      const res = await api.request(method, path, { key, body });
      if (!isJsonError(res)) {
        wrong.push(
          `${method} ${path} with a ${long.length}-char id in the body -> ${res.status} ${res.text.slice(0, 80)}`,
        );
      }
    }
  }
  expect(wrong).toEqual([]);
}, 30_000);

/** Each hostile piece of JSON in the body of `op` must answer 422 naming it; what did not. */
async function hostileBodyFindings(
  op: Operation,
  path: string,
  key: string,
  hostile: [string, string][],
): Promise<string[]> {
  const wrong: string[] = [];
  for (const [piece, reason] of hostile) {
    const res = await api.request(op.method, path, {
      key,
      headers: { "content-type": "application/json" },
      raw: `{"hostile":${piece}}`,
    });
    const issue = (res.json as { error?: { details?: { field: string; reason: string }[] } })?.error
      ?.details?.[0];
    if (res.status !== 422 || !issue?.field.startsWith("/hostile") || !issue.reason.startsWith(reason)) {
      wrong.push(
        `${op.method} ${op.path} with ${piece.slice(0, 20)}… -> ${res.status} ${res.text.slice(0, 120)}`,
      );
    }
  }
  return wrong;
}

/** Each non-decimal `limit` must answer 422 naming it; what did not. */
async function limitQueryFindings(op: Operation, path: string, key: string): Promise<string[]> {
  const wrong: string[] = [];
  for (const value of ["1e20", "99999999999999999999", "0x10", "%205", "+5", "5.0"]) {
    const res = await api.request(op.method, `${path}?limit=${value}`, { key });
    const issue = (res.json as { error?: { details?: { field: string }[] } })?.error?.details?.[0];
    if (res.status !== 422 || issue?.field !== "limit") {
      wrong.push(`${op.method} ${op.path}?limit=${value} -> ${res.status} ${res.text.slice(0, 120)}`);
    }
  }
  return wrong;
}

test("JSON past the limits and non-decimal integers in queries answer 422 naming the field, on every operation", async () => {
  // Pinned from the hardening issue: 40,000 levels of nesting answered 500, numbers past a 64-bit
  // float were altered on the way to the receiver, and ?limit=1e20 answered 500.
  const hostile: [string, string][] = [
    [`${"[".repeat(40_000)}${"]".repeat(40_000)}`, "nests deeper than 35 levels"],
    ["12345678901234567890123", "is a number the receiver would not get exactly"],
    ["1e400", "is a number the receiver would not get exactly"],
    [`"${"s".repeat(70_000)}"`, "is a string of 70000 characters"],
    [`[${new Array(10_001).fill(0).join(",")}]`, "has more than 10000 items"],
  ];
  const wrong: string[] = [];
  for (const op of operationsOf(doc)) {
    const path = op.path.replace(/\{[^}]+\}/g, "x");
    const key = op.path.startsWith("/v1/accounts") ? server.adminKey : server.accountKey;
    if (op.body) wrong.push(...(await hostileBodyFindings(op, path, key, hostile)));
    if (op.query.has("limit")) wrong.push(...(await limitQueryFindings(op, path, key)));
  }
  expect(wrong).toEqual([]);
}, 30_000);
