// Generates malformed (and occasionally valid) requests for every operation in the server's own
// OpenAPI document: random JSON, mutated valid bodies, wrong types, huge and unicode strings, broken
// JSON, wrong content types, foreign and garbage ids, bad query parameters and bad Authorization
// headers. Every generated request carries what is needed to judge a 2xx afterwards.

import fc from "fast-check";
import type { Schema } from "./json-schema";

export interface Operation {
  method: string;
  /** Template, e.g. /v1/webhooks/{id}. */
  path: string;
  query: Map<string, Schema>;
  body: Schema | undefined;
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
      if (!["get", "post", "put", "patch", "delete"].includes(method)) continue;
      const query = new Map<string, Schema>();
      for (const p of (spec.parameters ?? []) as { name: string; in: string; schema?: Schema }[]) {
        if (p.in === "query") query.set(p.name, p.schema ?? {});
      }
      const content = (spec.requestBody as { content?: Record<string, { schema?: Schema }> } | undefined)
        ?.content;
      ops.push({ method: method.toUpperCase(), path, query, body: content?.["application/json"]?.schema });
    }
  }
  return ops;
}

const printable = fc.string({
  unit: fc.integer({ min: 0x21, max: 0x7e }).map((c) => String.fromCharCode(c)),
});
const HUGE = "x".repeat(300 * 1024);

/** Strings that break things: empty, control chars, lone surrogates, emoji, RTL, very long. */
export const nastyString = fc.oneof(
  fc.string(),
  fc.string({ unit: "grapheme", maxLength: 40 }),
  fc.string({ unit: "binary", maxLength: 40 }),
  fc.constantFrom(
    "",
    " ",
    "\u0000",
    "\ud800",
    "💥🔥",
    "\u202eevil",
    "null",
    "NaN",
    "../../etc/passwd",
    "%00",
    "' OR 1=1 --",
    "<script>alert(1)</script>",
    "a".repeat(5000),
    "ü".repeat(2000),
  ),
);

/** Bad webhook urls. Valid ones point at loopback only; no generated url may reach another host. */
const badUrl = fc.constantFrom(
  "",
  "not a url",
  "ftp://127.0.0.1/x",
  "http://",
  "http://127.0.0.1:99999/",
  "javascript:alert(1)",
  "http://[::1",
  "//127.0.0.1/x",
  "/relative/path",
  "file:///etc/passwd",
  "data:text/plain,hi",
  `http://127.0.0.1/${"a".repeat(9000)}`,
  "http://127.0.0.1:1/\u0000",
  "HTTP://127.0.0.1:1/ok",
  "http://user:pass@127.0.0.1:1/",
);

const garbageValue: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 3, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
  { weight: 2, arbitrary: nastyString },
  { weight: 1, arbitrary: badUrl },
  {
    weight: 1,
    arbitrary: fc.constantFrom(-1, 0, 1.5, 1e308, -0, 2 ** 53 + 1, true, null, [], {}, [null], ["*", 5]),
  },
  { weight: 1, arbitrary: fc.array(nastyString, { maxLength: 5 }) },
);

/** A seed body with one change: a field replaced, removed or added, or nested data mangled. */
function mutated(seed: unknown): fc.Arbitrary<unknown> {
  if (seed === null || typeof seed !== "object" || Array.isArray(seed)) return garbageValue;
  const object = seed as Record<string, unknown>;
  const keys = Object.keys(object);
  const extraField = fc.tuple(nastyString, garbageValue).map(([k, v]) => ({ ...object, [k]: v }));
  if (keys.length === 0) return fc.oneof(extraField, garbageValue, fc.constant(seed));
  const replaceField = fc
    .tuple(fc.constantFrom(...keys), garbageValue)
    .map(([k, v]) => ({ ...object, [k]: v }));
  const removeField = fc.constantFrom(...keys).map((k) => {
    const { [k]: _dropped, ...rest } = object;
    return rest;
  });
  const nested = fc.tuple(fc.constantFrom(...keys), fc.jsonValue({ maxDepth: 2 })).chain(([k, v]) => {
    const inner = object[k];
    if (inner && typeof inner === "object" && !Array.isArray(inner)) {
      const innerKeys = Object.keys(inner);
      if (innerKeys.length === 0) return fc.constant({ ...object, [k]: { junk: v } });
      return fc.constantFrom(...innerKeys).map((ik) => ({ ...object, [k]: { ...inner, [ik]: v } }));
    }
    if (Array.isArray(inner)) return fc.constant({ ...object, [k]: [...inner, v] });
    return fc.constant({ ...object, [k]: v });
  });
  const hugeField = fc.constantFrom(...keys).map((k) => ({ ...object, [k]: HUGE }));
  return fc.oneof(
    { weight: 4, arbitrary: replaceField },
    { weight: 2, arbitrary: removeField },
    { weight: 2, arbitrary: extraField },
    { weight: 3, arbitrary: nested },
    { weight: 1, arbitrary: hugeField },
    { weight: 1, arbitrary: fc.constant(seed) },
  );
}

type Encoded = { body: string | FormData | undefined; contentType: string | undefined; how: string };

function encodings(value: unknown): fc.Arbitrary<Encoded> {
  const json = JSON.stringify(value) ?? "null";
  return fc.oneof(
    {
      weight: 8,
      arbitrary: fc.constant<Encoded>({ body: json, contentType: "application/json", how: "json" }),
    },
    {
      weight: 2,
      arbitrary: fc.nat({ max: Math.max(0, json.length - 1) }).map<Encoded>((n) => ({
        body: json.slice(0, n),
        contentType: "application/json",
        how: "truncated json",
      })),
    },
    {
      weight: 1,
      arbitrary: fc
        .constantFrom("{", "[1,2", '{"a":}', "{'a':1}", "undefined", "\u0000", '{"a":1}}', "NaN", "")
        .map<Encoded>((body) => ({ body, contentType: "application/json", how: "broken json" })),
    },
    {
      weight: 2,
      arbitrary: fc
        .constantFrom(
          "text/plain",
          "application/xml",
          "application/x-www-form-urlencoded",
          "application/json-patch+json",
        )
        .map<Encoded>((contentType) => ({ body: json, contentType, how: `json as ${contentType}` })),
    },
    {
      weight: 1,
      arbitrary: fc.constant<Encoded>({
        body: new URLSearchParams({
          url: "http://127.0.0.1:1/x",
          events: "*",
          type: "message.delivered",
        }).toString(),
        contentType: "application/x-www-form-urlencoded",
        how: "form",
      }),
    },
    {
      weight: 1,
      arbitrary: fc.constant(null).map<Encoded>(() => {
        const form = new FormData();
        form.set("url", "http://127.0.0.1:1/x");
        form.set("events", "*");
        return { body: form, contentType: undefined, how: "multipart" };
      }),
    },
    {
      weight: 1,
      arbitrary: fc.constant<Encoded>({ body: json, contentType: undefined, how: "no content-type" }),
    },
    {
      weight: 1,
      arbitrary: fc.constant<Encoded>({ body: HUGE, contentType: "application/json", how: "huge" }),
    },
  );
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
