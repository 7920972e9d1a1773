// Names the models in the served OpenAPI document (issue 11 item 7): the generator inlines every
// schema, so a generated client would get one anonymous type per operation. Here, in place before
// the document is served (after ./client-generation-in-spec.ts has named the operations), each
// response and JSON request body the tables name is moved to components.schemas under that name and
// referenced with $ref (a page's items, a batch's items and the lists inside a model, such as an
// event's deliveries, too; operations that take the same body, such as PUT and PATCH of a webhook,
// share one name); every error response with the common error shape (that of a 401) becomes
// `Error`. Schemas are compared without their own description and examples, which stay with the
// operation; a schema of another shape than the one stored under its name stays inline (never a
// wrong $ref). test/http/openapi-client.test.ts checks that every JSON response and request body
// is referenced.

import { operationsOf } from "./spec-operations";

type Schema = Record<string, unknown> & {
  $ref?: string;
  properties?: Record<string, Schema>;
  items?: Schema;
};
interface Media {
  schema?: Schema;
  example?: unknown;
  examples?: unknown;
}
interface Operation {
  operationId?: string;
  requestBody?: { content?: Record<string, Media> };
  responses?: Record<string, { content?: Record<string, Media> }>;
}
type Spec = {
  paths?: Record<string, Record<string, Operation>>;
  components?: { schemas?: Record<string, Schema> };
};

/** operationId -> [status(es), component name, name of the items of its `data` array if a page]. */
const RESPONSE_MODELS: Record<string, [string | string[], string, string?]> = {
  getHealth: [["200", "503"], "Health"],
  createWebhook: ["201", "WebhookWithSecret"],
  listWebhooks: ["200", "WebhookPage", "Webhook"],
  getWebhook: ["200", "Webhook"],
  replaceWebhook: ["200", "Webhook"],
  updateWebhook: ["200", "Webhook"],
  testWebhook: ["200", "WebhookTestResult"],
  getWebhookSecret: ["200", "WebhookSecret"],
  rotateWebhookSecret: ["200", "RotatedWebhookSecret"],
  listWebhookLogs: ["200", "AttemptPage", "Attempt"],
  getWebhookStats: ["200", "WebhookStats"],
  recoverWebhook: ["202", "Recovery"],
  // The publish answer is the envelope plus delivery_count and replayed; `Event` is the envelope.
  publishEvent: ["202", "PublishedEvent"],
  publishEvents: ["202", "PublishedEvents", "PublishedEvent"],
  listEvents: ["200", "EventPage", "Event"],
  getEvent: ["200", "EventWithDeliveries"],
  replayEvent: ["202", "Replay"],
  listDeliveries: ["200", "DeliveryPage", "Delivery"],
  getDelivery: ["200", "DeliveryWithAttempts"],
  retryDelivery: ["202", "Delivery"],
  listEventTypes: ["200", "EventTypeList", "EventType"],
  createEventType: ["201", "EventType"],
  getEventType: ["200", "EventType"],
  replaceEventType: ["200", "EventType"],
  listOwnKeys: ["200", "ApiKeyList", "ApiKey"],
  listAccountKeys: ["200", "ApiKeyList", "ApiKey"],
  createOwnKey: ["201", "NewApiKey"],
  createAccountKey: ["201", "NewApiKey"],
  createAccount: ["201", "NewAccount"],
  createPortalLink: ["201", "PortalLink"],
  listAccounts: ["200", "AccountPage", "Account"],
  getAccount: ["200", "AccountWithKeys"],
};

/**
 * operationId -> [component name of its JSON request body, and for a body holding a list: the
 * property holding it and the name of its items].
 */
const REQUEST_MODELS: Record<string, [string, string?, string?]> = {
  createWebhook: ["CreateWebhookRequest"],
  replaceWebhook: ["UpdateWebhookRequest"],
  updateWebhook: ["UpdateWebhookRequest"],
  testWebhook: ["TestWebhookRequest"],
  rotateWebhookSecret: ["RotateWebhookSecretRequest"],
  recoverWebhook: ["RecoverWebhookRequest"],
  publishEvent: ["PublishEventRequest"],
  publishEvents: ["PublishEventsRequest", "events", "BatchEvent"],
  replayEvent: ["ReplayEventRequest"],
  createEventType: ["CreateEventTypeRequest"],
  replaceEventType: ["ReplaceEventTypeRequest"],
  createOwnKey: ["CreateApiKeyRequest"],
  createAccountKey: ["CreateApiKeyRequest"],
  createAccount: ["CreateAccountRequest"],
  createPortalLink: ["CreatePortalLinkRequest"],
};

/** Lists of a named model inside another: component -> its array property -> the items' name. */
const NESTED_LISTS: Record<string, Record<string, string>> = {
  EventWithDeliveries: { deliveries: "Delivery" },
  Replay: { deliveries: "Delivery" },
  DeliveryWithAttempts: { attempts: "Attempt" },
  AccountWithKeys: { keys: "ApiKey" },
};

const ref = (name: string): Schema => ({ $ref: `#/components/schemas/${name}` });
/**
 * What a client's type is made of: the schema without its own description and examples, which a
 * route may word for itself (retry's 202 is a Delivery "pending again"; the operation keeps them,
 * see nameMedia), and without a top-level additionalProperties: Elysia sets `false` there on a
 * route's schema when it first compiles that route's validator, so whether it shows depends on
 * which routes ran before the document was first generated.
 */
function shape(schema: Schema): string {
  const { description: _d, examples: _e, additionalProperties: _a, ...rest } = schema;
  return JSON.stringify(rest);
}

/** The $ref to `schema` stored under `name`, or undefined when another shape has that name. */
function named(store: Record<string, Schema>, name: string, schema: Schema): Schema | undefined {
  const stored = store[name];
  if (stored === undefined) store[name] = schema;
  else if (stored !== schema && shape(stored) !== shape(schema)) return undefined;
  return ref(name);
}

export function nameComponentSchemas(spec: unknown): void {
  const doc = spec as Spec | null;
  if (!doc?.paths) return;
  doc.components ??= {};
  doc.components.schemas ??= {};
  const store = doc.components.schemas;
  // `Error` is the shape of a 401 (every /v1 operation's); other error schemas equal to it use it.
  const operations = [...operationsOf<Operation>(doc)].map(([op]) => op);
  const unauthorized = operations
    .map((op) => op.responses?.["401"]?.content?.["application/json"]?.schema)
    .find((schema) => schema !== undefined && schema.$ref === undefined);
  if (unauthorized && store.Error === undefined) store.Error = unauthorized;
  for (const op of operations) {
    nameResponse(store, op);
    nameRequestBody(store, op);
    nameErrors(store, op);
  }
  nameNestedLists(store);
}

function nameResponse(store: Record<string, Schema>, op: Operation): void {
  const model = RESPONSE_MODELS[op.operationId ?? ""];
  if (!model) return;
  for (const status of [model[0]].flat())
    nameMedia(store, op.responses?.[status]?.content?.["application/json"], model[1], "data", model[2]);
}

function nameRequestBody(store: Record<string, Schema>, op: Operation): void {
  const model = REQUEST_MODELS[op.operationId ?? ""];
  const media = model ? op.requestBody?.content?.["application/json"] : undefined;
  if (model) nameMedia(store, media, model[0], model[1], model[2]);
}

/** Moves `media`'s schema to `name` (and the items of its `listProperty` to `itemName`). */
function nameMedia(
  store: Record<string, Schema>,
  media: Media | undefined,
  name: string,
  listProperty?: string,
  itemName?: string,
): void {
  if (!media?.schema || media.schema.$ref !== undefined) return;
  // The operation keeps its own example in view (the schema's examples move with it, or give way to
  // the stored schema's). A description of its own is the response's already.
  const examples = media.schema.examples;
  if (
    media.example === undefined &&
    media.examples === undefined &&
    Array.isArray(examples) &&
    examples.length > 0
  )
    media.example = examples[0];
  const list = listProperty ? media.schema.properties?.[listProperty] : undefined;
  if (itemName && list?.items && list.items.$ref === undefined) {
    const items = named(store, itemName, list.items);
    if (items) list.items = items;
  }
  media.schema = named(store, name, media.schema) ?? media.schema;
}

function nameErrors(store: Record<string, Schema>, op: Operation): void {
  for (const [status, response] of Object.entries(op.responses ?? {})) {
    const media = /^[45]/.test(status) ? response?.content?.["application/json"] : undefined;
    if (!media?.schema || media.schema.$ref !== undefined) continue;
    media.schema = named(store, "Error", media.schema) ?? media.schema;
  }
}

function nameNestedLists(store: Record<string, Schema>): void {
  for (const [parent, lists] of Object.entries(NESTED_LISTS)) {
    for (const [property, name] of Object.entries(lists)) {
      const list = store[parent]?.properties?.[property];
      if (!list?.items || list.items.$ref !== undefined) continue;
      list.items = named(store, name, list.items) ?? list.items;
    }
  }
}
