// Generates malformed (and occasionally valid) requests for every operation in the server's own
// OpenAPI document: random JSON, mutated valid bodies, wrong types, huge and unicode strings, broken
// JSON, wrong content types, foreign and garbage ids, bad query parameters and bad Authorization
// headers. Every generated request carries what is needed to judge a 2xx afterwards.

import fc from "fast-check";
import { type Encoded, encodings, garbageValue, mutated, nastyString, printable } from "./fuzz-values";
import type { Schema } from "./json-schema";

export interface Operation {
  method: string;
  /** Template, e.g. /v1/webhooks/{id}. */
  path: string;
  query: Map<string, Schema>;
  body: Schema | undefined;
  /** The document's `requestBody.required`: false where no body at all is a valid request. */
  bodyRequired: boolean;
}

export interface FuzzRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body: string | FormData | undefined;
  /** The operation this request targets with its own method, if any. */
  op: Operation | undefined;
  /** True when the Authorization header is a valid key (account or admin). */
  validAuth: boolean;
  /** Query parameters as sent (a name may repeat). */
  query: [string, string][];
  /** What was sent, for reports. */
  label: string;
}

export interface FuzzContext {
  accountKey: string;
  adminKey: string;
  /** Real ids per path prefix (`/v1/webhooks`, `/v1/accounts/{id}/keys`...), to aim at existing resources. */
  ids: Record<string, string[]>;
  /** A receiver every generated valid url points at (loopback only: no traffic may leave the host). */
  sinkUrl: string;
  /** A valid body per operation ("POST /v1/webhooks"), the seed that mutations start from. */
  seeds: Record<string, unknown>;
}

type Doc = { paths: Record<string, Record<string, Record<string, unknown>>> };

/** The operations of an OpenAPI document (only its /v1 API; Swagger UI assets are not fuzzed). */
export function operationsOf(doc: Doc): Operation[] {
  const ops: Operation[] = [];
  for (const [path, methods] of Object.entries(doc.paths)) {
    if (!path.startsWith("/v1/") && path !== "/health" && path !== "/metrics") continue;
    for (const [method, spec] of Object.entries(methods)) {
      if (["get", "post", "put", "patch", "delete"].includes(method))
        ops.push(operationOf(path, method, spec));
    }
  }
  return ops;
}

function operationOf(path: string, method: string, spec: Record<string, unknown>): Operation {
  const query = new Map<string, Schema>();
  for (const p of (spec.parameters ?? []) as { name: string; in: string; schema?: Schema }[]) {
    if (p.in === "query") query.set(p.name, p.schema ?? {});
  }
  const requestBody = spec.requestBody as
    | { content?: Record<string, { schema?: Schema }>; required?: boolean }
    | undefined;
  return {
    method: method.toUpperCase(),
    path,
    query,
    body: requestBody?.content?.["application/json"]?.schema,
    bodyRequired: requestBody?.required !== false,
  };
}

function authHeader(ctx: FuzzContext): fc.Arbitrary<{ value: string | undefined; valid: boolean }> {
  const valid = (value: string) => ({ value, valid: true });
  const invalid = (value: string | undefined) => ({ value, valid: false });
  return fc.oneof(
    { weight: 16, arbitrary: fc.constant(valid(`Bearer ${ctx.accountKey}`)) },
    { weight: 4, arbitrary: fc.constant(valid(`Bearer ${ctx.adminKey}`)) },
    { weight: 1, arbitrary: fc.constant(invalid(undefined)) },
    {
      weight: 3,
      arbitrary: fc
        .constantFrom(
          "Bearer",
          "Bearer ",
          `Bearer  ${ctx.accountKey}x`,
          `Bearer ${ctx.accountKey.slice(0, -1)}`,
          `Basic ${btoa("user:pass")}`,
          `Token ${ctx.accountKey}`,
          ctx.accountKey,
          `Bearer ${"k".repeat(6000)}`,
          `Bearer ${ctx.accountKey},Bearer ${ctx.adminKey}`,
        )
        .map(invalid),
    },
    { weight: 1, arbitrary: printable.map((s) => invalid(`Bearer ${s}`)) },
  );
}

function pathParam(ctx: FuzzContext, prefix: string): fc.Arbitrary<string> {
  const own = ctx.ids[prefix] ?? [];
  const foreign = Object.values(ctx.ids).flat();
  return fc.oneof(
    { weight: own.length ? 4 : 0, arbitrary: own.length ? fc.constantFrom(...own) : fc.constant("x") },
    {
      weight: foreign.length ? 1 : 0,
      arbitrary: foreign.length ? fc.constantFrom(...foreign) : fc.constant("x"),
    },
    { weight: 3, arbitrary: nastyString.map((s) => encodeURIComponent(s.toWellFormed()) || "%20") },
    {
      weight: 1,
      arbitrary: fc.constantFrom(
        "..",
        "%2e%2e",
        "%2F",
        "wh_",
        "evt_0",
        "dlv_ZZZZZZZZZZZZZZZZZZZZZZZZZZ",
        "0",
        "-1",
        "x".repeat(3000),
      ),
    },
  );
}

function queryParams(op: Operation | undefined): fc.Arbitrary<[string, string][]> {
  const named = op ? [...op.query.keys()] : [];
  const value = fc.oneof(
    fc.constantFrom("10", "1", "100", "succeeded", "failed", "message.delivered", "2025-01-15T10:25:03Z"),
    fc.constantFrom(
      "abc",
      "-1",
      "0",
      "101",
      "1e3",
      "1.5",
      "",
      "999999999999999999999",
      "2025-13-45T99:99:99Z",
      "[]",
      "true",
    ),
    nastyString,
  );
  const name = named.length ? fc.oneof(fc.constantFrom(...named), printable) : printable;
  return fc.array(fc.tuple(name, value), { maxLength: 4 });
}

/** Fills a template path: every {param} from real ids (for the path up to it) or garbage. */
function concretePath(ctx: FuzzContext, template: string): fc.Arbitrary<string> {
  const parts = template.split("/");
  const arbs = parts.map((part, i) =>
    part.startsWith("{") ? pathParam(ctx, parts.slice(0, i + 1).join("/")) : fc.constant(part),
  );
  return fc.tuple(...arbs).map((filled) => filled.join("/"));
}

/** One generated request. */
export function fuzzRequest(ctx: FuzzContext, ops: Operation[]): fc.Arbitrary<FuzzRequest> {
  const target = fc.oneof(
    {
      weight: 10,
      arbitrary: fc.constantFrom(...ops).map((op) => ({ op, method: op.method, template: op.path })),
    },
    {
      weight: 1,
      arbitrary: fc
        .tuple(fc.constantFrom(...ops), fc.constantFrom("GET", "POST", "PUT", "PATCH", "DELETE"))
        .map(([op, method]) => ({
          op: ops.find((o) => o.method === method && o.path === op.path),
          method,
          template: op.path,
        })),
    },
    {
      weight: 1,
      arbitrary: fc
        .tuple(fc.constantFrom("/v1/", "/", "/v2/", "/v1/webhooks/x/"), nastyString)
        .map(([base, s]) => ({
          op: undefined,
          method: "GET",
          template: `${base}${encodeURIComponent(s.toWellFormed())}`,
        })),
    },
  );
  return target.chain(({ op, method, template }) => {
    const seed = op ? ctx.seeds[`${op.method} ${op.path}`] : undefined;
    const bodyValue: fc.Arbitrary<unknown> = fc.oneof(
      { weight: 6, arbitrary: seed !== undefined ? mutated(seed) : garbageValue },
      { weight: 2, arbitrary: garbageValue },
    );
    const sendsBody = method !== "GET" && method !== "DELETE";
    const encoded: fc.Arbitrary<Encoded | undefined> = sendsBody
      ? bodyValue.chain(encodings)
      : fc.constant(undefined);
    return fc
      .record({
        path: template.includes("{") ? concretePath(ctx, template) : fc.constant(template),
        auth: authHeader(ctx),
        query: queryParams(op),
        encoded,
      })
      .map(({ path, auth, query, encoded }) => {
        const headers: Record<string, string> = {};
        if (auth.value !== undefined) headers.authorization = auth.value;
        if (encoded?.contentType) headers["content-type"] = encoded.contentType;
        const search = query.length ? `?${new URLSearchParams(query)}` : "";
        const bodyNote = encoded ? ` body(${encoded.how}): ${String(encoded.body).slice(0, 200)}` : "";
        return {
          method,
          path: `${path}${search}`,
          headers,
          body: encoded?.body,
          op,
          validAuth: auth.valid,
          query,
          label: `${method} ${path.slice(0, 200)}${search.slice(0, 200)} auth=${String(auth.value).slice(0, 30)}${bodyNote}`,
        };
      });
  });
}
