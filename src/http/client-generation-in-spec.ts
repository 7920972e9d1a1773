// Makes the served OpenAPI document fit for client generation (issue 11 item 7), in place before it is
// served (the generator caches the document): a stable operationId for every operation (the
// generator's are derived from the path, e.g. `getV1WebhooksById`, and would change with it), a
// description on every parameter (the generator leaves it in the schema only), an error example per
// status that fits the operation (404 naming its resource, 422 one of its fields) where the route gave
// none, no `content` on bodiless (t.Void) responses (the generator writes an invalid one), and
// `servers` from INBOX_PUBLIC_URL or the request's origin (or the X-Forwarded-Proto/Host a reverse
// proxy sets). test/http/openapi-client.test.ts holds every operation to it.

import { publicOrigin } from "./public-url";
import { operationsOf } from "./spec-operations";

type Example = { error: { code: string; message: string; details?: unknown } };
interface Media {
  schema?: { examples?: unknown };
  example?: unknown;
  examples?: Record<string, { value: unknown }>;
}
interface Response {
  description?: string;
  content?: Record<string, Media>;
}
interface Parameter {
  name?: string;
  in?: string;
  description?: string;
  schema?: { description?: string };
}
interface Operation {
  operationId?: string;
  parameters?: Parameter[];
  responses?: Record<string, Response>;
}
type Spec = { servers?: { url: string; description?: string }[] };

/** `method path` -> operationId, for every operation the API serves. */
export const OPERATION_IDS: Record<string, string> = {
  "get /health": "getHealth",
  "get /metrics": "getMetrics",
  "get /v1/webhooks": "listWebhooks",
  "post /v1/webhooks": "createWebhook",
  "post /v1/webhooks/test": "testWebhook",
  "get /v1/webhooks/{id}": "getWebhook",
  "put /v1/webhooks/{id}": "replaceWebhook",
  "patch /v1/webhooks/{id}": "updateWebhook",
  "delete /v1/webhooks/{id}": "deleteWebhook",
  "get /v1/webhooks/{id}/secret": "getWebhookSecret",
  "post /v1/webhooks/{id}/secret/rotate": "rotateWebhookSecret",
  "get /v1/webhooks/{id}/logs": "listWebhookLogs",
  "get /v1/webhooks/{id}/stats": "getWebhookStats",
  "post /v1/webhooks/{id}/recover": "recoverWebhook",
  "post /v1/events": "publishEvent",
  "post /v1/events/batch": "publishEvents",
  "get /v1/events": "listEvents",
  "get /v1/events/{id}": "getEvent",
  "post /v1/events/{id}/replay": "replayEvent",
  "get /v1/deliveries": "listDeliveries",
  "get /v1/deliveries/{id}": "getDelivery",
  "post /v1/deliveries/{id}/retry": "retryDelivery",
  "get /v1/event-types": "listEventTypes",
  "post /v1/event-types": "createEventType",
  "get /v1/event-types/{name}": "getEventType",
  "put /v1/event-types/{name}": "replaceEventType",
  "delete /v1/event-types/{name}": "archiveEventType",
  "get /v1/keys": "listOwnKeys",
  "post /v1/keys": "createOwnKey",
  "delete /v1/keys/{key_id}": "revokeOwnKey",
  "get /v1/accounts": "listAccounts",
  "post /v1/accounts": "createAccount",
  "get /v1/accounts/{id}": "getAccount",
  "delete /v1/accounts/{id}": "deleteAccount",
  "get /v1/accounts/{id}/keys": "listAccountKeys",
  "post /v1/accounts/{id}/keys": "createAccountKey",
  "delete /v1/accounts/{id}/keys/{key_id}": "revokeAccountKey",
  "post /v1/accounts/{id}/portal-links": "createPortalLink",
};

/** The resource a path names, for its 404 example. */
function resourceOf(path: string): string {
  if (path.includes("/keys/{key_id}")) return "API key";
  if (path.startsWith("/v1/webhooks")) return "webhook";
  if (path.startsWith("/v1/events")) return "event";
  if (path.startsWith("/v1/deliveries")) return "delivery";
  if (path.startsWith("/v1/event-types")) return "event type";
  if (path.startsWith("/v1/accounts")) return "account";
  return "resource";
}

/**
 * A field each operation checks, for its 422 example: [JSON pointer into the body, or query parameter
 * name, reason]. Operations not named here show their `limit`, `include_archived` or path parameter.
 */
const FIELD_OF: Record<string, [string, string]> = {
  createWebhook: ["/url", "must use the http or https scheme"],
  replaceWebhook: ["/url", "must use the http or https scheme"],
  updateWebhook: ["/url", "must use the http or https scheme"],
  testWebhook: ["/event_type", "must be a known event type"],
  rotateWebhookSecret: ["/overlap", "must be a duration such as 24h"],
  recoverWebhook: ["/since", "must be an RFC 3339 date-time"],
  listWebhookLogs: ["since", "must be an RFC 3339 date-time"],
  getWebhookStats: ["since", "must be an RFC 3339 date-time"],
  listDeliveries: ["status", "must be one of: pending, succeeded, failed, cancelled"],
  publishEvent: ["/type", "must be a known event type"],
  publishEvents: ["/events/0/type", "must be a known event type"],
  replayEvent: ["/webhook_id", "must be a webhook id"],
  createEventType: ["/name", "must be a dotted lowercase name such as order.paid"],
  replaceEventType: ["/schema", "must be a JSON Schema"],
  createAccount: ["/name", "must not be empty"],
  createOwnKey: ["/scopes/0", "must be publish or manage"],
  createAccountKey: ["/scopes/0", "must be publish or manage"],
  createPortalLink: ["/expires_in", "must be an integer from 30 to 3600"],
};

const PARAMETER_DESCRIPTIONS: Record<string, string> = {
  limit: "Items per page (1-100).",
  cursor: "The next_cursor of the previous page; absent for the first page.",
  account_id: "Admin key only: act on this account's resources.",
  key_id: "The API key's id.",
  name: "The event type's name, e.g. order.paid.",
  include_archived: "true to list archived event types too.",
  webhook_id: "Only deliveries to this webhook.",
  status: "Only deliveries with this status.",
  outcome: "Only attempts with this outcome.",
  event_type: "Only this event type.",
  event_id: "Only this event's.",
  since: "RFC 3339 date-time: from this time on.",
  until: "RFC 3339 date-time: before this time.",
};

function idDescription(path: string): string {
  const resource = resourceOf(path.replace(/\/keys\/\{key_id\}$/, ""));
  return `The ${resource}'s id.`;
}

function fieldOf(op: Operation): [string, string] {
  const named = FIELD_OF[op.operationId ?? ""];
  if (named) return named;
  const names = (op.parameters ?? []).map((p) => p.name);
  if (names.includes("limit"))
    return ["limit", "must be an integer from 1 to 100 written in decimal digits, such as 20"];
  if (names.includes("include_archived")) return ["include_archived", "must be one of: true, false"];
  const inPath = (op.parameters ?? []).find((p) => p.in === "path")?.name;
  return [inPath ?? "body", inPath ? "must be 1 to 255 characters" : "is not valid"];
}

function errorExample(status: string, path: string, op: Operation): Example | undefined {
  switch (status) {
    case "400":
      return { error: { code: "malformed_json", message: "the request body is not valid JSON" } };
    case "401":
      return { error: { code: "unauthorized", message: "missing or invalid API key" } };
    case "403":
      return {
        error: {
          code: "insufficient_scope",
          message: "only the admin key may do this",
          details: { required_scope: "admin" },
        },
      };
    case "404":
      return { error: { code: "not_found", message: `${resourceOf(path)} not found` } };
    case "409":
      return {
        error: { code: "conflict", message: `the ${resourceOf(path)} cannot do this in its current state` },
      };
    case "413":
      return { error: { code: "payload_too_large", message: "request body exceeds 1048576 bytes" } };
    case "415":
      return {
        error: {
          code: "unsupported_media_type",
          message: "request bodies must be JSON (Content-Type: application/json)",
        },
      };
    case "422": {
      const [field, reason] = fieldOf(op);
      return {
        error: {
          code: "validation_failed",
          message: "the request is not valid",
          details: [{ field, reason }],
        },
      };
    }
    case "503":
      return {
        error: {
          code: "store_unavailable",
          message:
            "the store is unavailable: the database cannot be reached, and nothing of this request was stored; retry shortly",
        },
      };
    case "507":
      return {
        error: {
          code: "storage_full",
          message:
            "the store is full: too little space is left on the disk holding the data directory, and nothing of this request was stored; retry once space is freed",
        },
      };
    default:
      return undefined;
  }
}

/** Operation ids, parameter descriptions and error examples; once per operation. */
export function prepareForClients(spec: unknown): void {
  collapseNumericStrings(spec);
  for (const [op, path, method] of operationsOf<Operation>(spec)) {
    const route = path.replace(/(.)\/$/, "$1");
    const id = OPERATION_IDS[`${method} ${route}`];
    if (id !== undefined) op.operationId = id;
    describeParameters(op, route);
    exampleErrors(op, route);
  }
}

/**
 * Elysia's t.Integer/t.Numeric is written as `anyOf: [{type: string, format: integer}, {type: integer}]`
 * (it accepts a numeric string on input), so generated clients type every count as `string | number`.
 * The API answers numbers, and documents them so: each such pair becomes its numeric member (with the
 * outer description, examples and bounds), in the whole document.
 */
function collapseNumericStrings(node: unknown): void {
  if (Array.isArray(node)) {
    for (const item of node) collapseNumericStrings(item);
    return;
  }
  if (!node || typeof node !== "object") return;
  const o = node as Record<string, unknown>;
  const numeric = numericMember(o.anyOf);
  if (numeric) {
    delete o.anyOf;
    for (const [k, v] of Object.entries(numeric)) if (o[k] === undefined) o[k] = v;
  }
  for (const v of Object.values(o)) collapseNumericStrings(v);
}

function numericMember(anyOf: unknown): Record<string, unknown> | undefined {
  if (!Array.isArray(anyOf) || anyOf.length !== 2) return undefined;
  const [a, b] = anyOf as Record<string, unknown>[];
  const numericString = (x: Record<string, unknown> | undefined) =>
    x?.type === "string" && (x.format === "integer" || x.format === "numeric");
  const numberType = (x: Record<string, unknown> | undefined) =>
    x?.type === "integer" || x?.type === "number";
  if (numericString(a) && numberType(b)) return b;
  if (numericString(b) && numberType(a)) return a;
  return undefined;
}

function describeParameters(op: Operation, route: string): void {
  for (const p of op.parameters ?? []) {
    if (p.description) continue;
    const named = p.name === "id" ? idDescription(route) : PARAMETER_DESCRIPTIONS[p.name ?? ""];
    p.description = p.schema?.description ?? named ?? `The ${p.name} ${p.in} parameter.`;
  }
}

function exampleErrors(op: Operation, route: string): void {
  // The common error schema's own example (validation_failed /url) is the 401's; a route's specific
  // error schema (e.g. retry's 409) has examples of its own, which are kept, as media examples.
  const common = JSON.stringify(op.responses?.["401"]?.content?.["application/json"]?.schema?.examples);
  for (const [status, response] of Object.entries(op.responses ?? {})) {
    if (!response) continue;
    // t.Void (the 204s) comes out as `content: {type: "void"}`, no media type: invalid, drop it.
    if (typeof (response.content as { type?: unknown } | undefined)?.type === "string")
      delete response.content;
    const media = response.content?.["application/json"];
    if (!media || media.example !== undefined || media.examples !== undefined || !/^[45]/.test(status))
      continue;
    const own = media.schema?.examples;
    if (Array.isArray(own) && own.length > 0 && JSON.stringify(own) !== common) {
      media.examples = Object.fromEntries(own.map((value, i) => [`example${i + 1}`, { value }]));
      continue;
    }
    const example = errorExample(status, route, op);
    if (example) media.example = example;
  }
}

/**
 * `servers`: INBOX_PUBLIC_URL when configured, else the origin the document was requested at (set
 * per request: the document is cached), as ./public-url.ts reads it behind a reverse proxy.
 */
export function setServers(spec: unknown, request: Request, configured: string | undefined): void {
  if (!spec || typeof spec !== "object") return;
  const description =
    configured === undefined
      ? "This server, as the document was requested."
      : "This server (INBOX_PUBLIC_URL).";
  (spec as Spec).servers = [{ url: publicOrigin(request, configured), description }];
}
