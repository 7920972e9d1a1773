// Webhook request and response schemas, and the record-to-JSON presenter (never the secret,
// except in the create response).

import { t } from "elysia";
import { URL_LENGTH_MAX } from "../../domain/webhook-destination";
import type { WebhookView } from "../../domain/webhooks-service";
import { toRfc3339 } from "../rfc3339";
import { DateTime, IdString } from "./common";

const Url = t.String({
  maxLength: URL_LENGTH_MAX,
  description: "Where deliveries are POSTed: an absolute http(s) URL without credentials.",
  examples: ["https://yourapp.com/webhooks/inbox"],
});
const Events = t.Array(t.String(), {
  minItems: 1,
  description: 'Event types to receive (see GET /v1/event-types), or ["*"] for all.',
  examples: [["message.delivered", "message.read", "message.failed"]],
});
const Description = t.Union([t.String({ maxLength: 500 }), t.Null()], {
  description: "Free text, at most 500 characters.",
  examples: ["Production webhook endpoint"],
});

export const WebhookModel = t.Object(
  {
    id: t.String({ examples: ["wh_01JH8Z3K9D7Q2W4E6R8T0Y1U3I"] }),
    url: t.String(),
    events: t.Array(t.String()),
    description: t.Union([t.String(), t.Null()]),
    enabled: t.Boolean(),
    destination_blocked: t.Union([t.String(), t.Null()], {
      description:
        "Null, or why every delivery to this URL is refused now: its host is a loopback, private or link-local address (or a localhost name) and this server does not deliver there. Such a webhook was registered while the server allowed private targets; it stays enabled, and its attempts fail with error_class ssrf_blocked until the URL is changed. Host names are checked when resolved, at each attempt.",
      examples: [null],
    }),
    created_at: DateTime("When it was registered."),
    updated_at: DateTime("When it last changed."),
  },
  { description: "A registered endpoint." },
);

export const WebhookWithSecret = t.Composite(
  [
    WebhookModel,
    t.Object({
      secret: t.String({
        description: "HMAC-SHA256 signing key (whsec_…). Shown only here, once: store it now.",
        examples: ["whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"],
      }),
    }),
  ],
  { description: "The new webhook with its signing secret." },
);

export const CreateWebhookBody = t.Object(
  { url: Url, events: Events, description: t.Optional(Description), account_id: t.Optional(IdString()) },
  {
    additionalProperties: false,
    examples: [
      {
        url: "https://yourapp.com/webhooks/inbox",
        events: ["message.delivered", "message.read", "message.failed"],
        description: "Production webhook endpoint",
      },
    ],
  },
);

export const UpdateWebhookBody = t.Object(
  {
    url: t.Optional(Url),
    events: t.Optional(Events),
    description: t.Optional(Description),
    enabled: t.Optional(t.Boolean({ description: "False stops deliveries and cancels pending ones." })),
  },
  {
    additionalProperties: false,
    minProperties: 1,
    description: "The fields to change; at least one.",
    examples: [{ enabled: false }],
  },
);

export const TestWebhookBody = t.Object(
  {
    webhook_id: IdString({ examples: ["wh_1234567890"] }),
    event_type: t.String({
      examples: ["message.delivered"],
      description: "Which of the docs' sample events to send.",
    }),
    account_id: t.Optional(IdString()),
  },
  {
    additionalProperties: false,
    examples: [{ webhook_id: "wh_1234567890", event_type: "message.delivered" }],
  },
);

export function presentWebhook(w: WebhookView): typeof WebhookModel.static {
  return {
    id: w.id,
    url: w.url,
    events: w.events,
    description: w.description,
    enabled: w.enabled,
    destination_blocked: w.destination_blocked,
    created_at: toRfc3339(w.created_at),
    updated_at: toRfc3339(w.updated_at),
  };
}

export function presentWebhookWithSecret(w: WebhookView): typeof WebhookWithSecret.static {
  return { ...presentWebhook(w), secret: w.secret };
}
