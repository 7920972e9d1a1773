// Webhook request and response schemas, and the record-to-JSON presenter (never the secret,
// except in the create response and the secret routes).

import { Type } from "@sinclair/typebox";
import { t } from "elysia";
import { CHANNEL_PATTERN, WEBHOOK_CHANNELS_MAX } from "../../domain/channels";
import { URL_LENGTH_MAX } from "../../domain/webhook-destination";
import { HEADER_VALUE_BYTES_MAX, HEADERS_MAX } from "../../domain/webhook-headers";
import { RATE_LIMIT_MAX, RATE_LIMIT_MIN } from "../../domain/webhook-rate-limit";
import { DESCRIPTION_CHARS_MAX, type WebhookSecrets, type WebhookView } from "../../domain/webhooks-service";
import { toRfc3339, toRfc3339OrNull } from "../rfc3339";
import { DateTime, IdString } from "./common";

const Url = t.String({
  maxLength: URL_LENGTH_MAX,
  description: "Where deliveries are POSTed: an absolute http(s) URL without credentials.",
  examples: ["https://yourapp.com/webhooks/inbox"],
});
const Events = t.Array(t.String(), {
  minItems: 1,
  description:
    'Event types to receive (see GET /v1/event-types), or ["*"] for all of them. An account\'s webhooks receive the account types; the operator\'s webhooks (the admin key without account_id) receive only the operational types (operator_only: true), and "*" means those.',
  examples: [["message.delivered", "message.read", "message.failed"]],
});
const Description = t.Union([t.String({ maxLength: DESCRIPTION_CHARS_MAX }), t.Null()], {
  description: `Free text, at most ${DESCRIPTION_CHARS_MAX} characters.`,
  examples: ["Production webhook endpoint"],
});

const HEADERS_EXAMPLE = { Authorization: "Bearer rk_live_4eC39HqLyjWDarjtT1zdp7dc", "X-Tenant": "acme" };
const HEADERS_DESCRIPTION = `Headers sent with every attempt, as given: at most ${HEADERS_MAX}; names are RFC 9110 tokens (case-insensitive: two names differing only by case are refused); values at most ${HEADER_VALUE_BYTES_MAX} bytes of printable ASCII. Refused (422 naming /headers/<name>): Host, Content-Length, Content-Type, Transfer-Encoding, Connection, User-Agent, the hop-by-hop Keep-Alive, TE, Trailer, Upgrade, Proxy-Connection, Expect, and any X-Inbox-* or webhook-* name, which the server sets. The server logs header names only, never their values.`;
const RATE_LIMIT_DESCRIPTION = `Attempts per second at most (an integer from ${RATE_LIMIT_MIN} to ${RATE_LIMIT_MAX.toLocaleString("en-US")}), or null for no limit. Attempts beyond it wait in due order; a receiver's Retry-After still applies on top.`;
const CHANNELS_DESCRIPTION = `At most ${WEBHOOK_CHANNELS_MAX} channels (1-128 of a-z A-Z 0-9 . _ : -). With channels, the webhook receives only the events of its types that carry at least one of them; without (empty), every event of its types.`;

const Headers = t.Record(t.String(), t.String(), {
  maxProperties: HEADERS_MAX,
  description: HEADERS_DESCRIPTION,
  examples: [HEADERS_EXAMPLE],
});
// TypeBox's plain Integer: Elysia's t.Integer would take the text "5" for 5 (see models/common.ts).
const RateLimit = t.Union([Type.Integer({ minimum: RATE_LIMIT_MIN, maximum: RATE_LIMIT_MAX }), t.Null()], {
  description: RATE_LIMIT_DESCRIPTION,
  examples: [50],
});
const Channels = t.Array(t.String({ pattern: CHANNEL_PATTERN }), {
  maxItems: WEBHOOK_CHANNELS_MAX,
  description: CHANNELS_DESCRIPTION,
  examples: [["eu-west", "tenant:acme"]],
});

/** Admin key only: whose webhooks; without it, the admin key acts on the operator's own webhooks. */
export const WebhookAccountId = t.Optional(
  IdString({
    description:
      "Admin key only: the account whose webhooks to act on. Without it the admin key acts on the operator's own webhooks, which receive the operational events (webhook.disabled, delivery.failed) about every account.",
  }),
);

export const WebhookModel = t.Object(
  {
    id: t.String({ examples: ["wh_01JH8Z3K9D7Q2W4E6R8T0Y1U3I"] }),
    url: t.String(),
    events: t.Array(t.String()),
    description: t.Union([t.String(), t.Null()]),
    enabled: t.Boolean({
      description:
        "False while disabled: nothing is delivered to it and its pending deliveries were cancelled. PUT enabled: true enables it again.",
    }),
    disabled_reason: t.Union([t.Literal("gone"), t.Literal("failing"), t.Literal("manual"), t.Null()], {
      description:
        'Null while enabled; why it is disabled: "gone" (its receiver answered 410 Gone), "failing" (every attempt failed for INBOX_DISABLE_AFTER, default 5 days), "manual" (set enabled: false).',
      examples: ["gone"],
    }),
    disabled_at: t.Union([t.String({ format: "date-time" }), t.Null()], {
      description: "When it was disabled (RFC 3339); null while enabled.",
      examples: ["2025-01-15T10:31:12Z"],
    }),
    headers: t.Record(t.String(), t.String(), {
      description: "Headers sent with every attempt, as registered; {} when none.",
      examples: [HEADERS_EXAMPLE],
    }),
    rate_limit: t.Union([t.Integer(), t.Null()], {
      description: "Attempts per second at most; null when unlimited.",
      examples: [50],
    }),
    channels: t.Array(t.String(), {
      description:
        "The channels it takes: only events carrying one of them reach it. Empty: every event of its types.",
      examples: [["eu-west", "tenant:acme"]],
    }),
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
  {
    url: Url,
    events: Events,
    description: t.Optional(Description),
    headers: t.Optional(Headers),
    rate_limit: t.Optional(RateLimit),
    channels: t.Optional(Channels),
    account_id: WebhookAccountId,
  },
  {
    additionalProperties: false,
    examples: [
      {
        url: "https://yourapp.com/webhooks/inbox",
        events: ["message.delivered", "message.read", "message.failed"],
        description: "Production webhook endpoint",
      },
      {
        url: "https://yourapp.com/webhooks/inbox",
        events: ["message.delivered"],
        headers: HEADERS_EXAMPLE,
        rate_limit: 50,
        channels: ["eu-west", "tenant:acme"],
      },
    ],
  },
);

export const UpdateWebhookBody = t.Object(
  {
    url: t.Optional(Url),
    events: t.Optional(Events),
    description: t.Optional(Description),
    headers: t.Optional(Headers),
    rate_limit: t.Optional(RateLimit),
    channels: t.Optional(Channels),
    enabled: t.Optional(
      t.Boolean({
        description:
          'False disables it (disabled_reason "manual"): deliveries stop and pending ones are cancelled. True enables it again and clears disabled_reason; deliveries cancelled meanwhile stay cancelled.',
      }),
    ),
  },
  {
    additionalProperties: false,
    minProperties: 1,
    description: "The fields to change; at least one.",
    examples: [
      { enabled: false },
      { enabled: true },
      { headers: HEADERS_EXAMPLE, rate_limit: 50, channels: ["eu-west"] },
      { headers: {}, rate_limit: null, channels: [] },
    ],
  },
);

export const TestWebhookBody = t.Object(
  {
    webhook_id: IdString({ examples: ["wh_1234567890"] }),
    event_type: t.String({
      examples: ["message.delivered"],
      description: "The event type to send: its sample data unless `data` is given.",
    }),
    data: t.Optional(
      t.Object(
        {},
        {
          additionalProperties: true,
          description:
            "Replaces the type's sample: must fit the type's schema, as for a publish (422 naming /data/...).",
        },
      ),
    ),
    account_id: WebhookAccountId,
  },
  {
    additionalProperties: false,
    examples: [
      { webhook_id: "wh_1234567890", event_type: "message.delivered" },
      { webhook_id: "wh_1234567891", event_type: "webhook.disabled" },
    ],
  },
);

export function presentWebhook(w: WebhookView): typeof WebhookModel.static {
  return {
    id: w.id,
    url: w.url,
    events: w.events,
    description: w.description,
    enabled: w.enabled,
    disabled_reason: w.disabled_reason ?? null,
    disabled_at: toRfc3339OrNull(w.disabled_at ?? null),
    headers: w.headers ?? {},
    rate_limit: w.rate_limit ?? null,
    channels: w.channels ?? [],
    destination_blocked: w.destination_blocked,
    created_at: toRfc3339(w.created_at),
    updated_at: toRfc3339(w.updated_at),
  };
}

export function presentWebhookWithSecret(w: WebhookView): typeof WebhookWithSecret.static {
  return { ...presentWebhook(w), secret: w.secret };
}

export const RotateSecretBody = t.Object(
  {
    overlap: t.Optional(
      t.String({
        description:
          'How long the old secret keeps signing: a duration such as "24h", "90m" or "7d"; "0s" retires it at once. Default 24h, at most 7d. During the overlap X-Inbox-Signature is still signed with the old secret and webhook-signature carries both (`v1,<new> v1,<old>`); afterwards only the new one signs. Rotating again during an overlap ends the older overlap.',
        examples: ["24h"],
      }),
    ),
  },
  { additionalProperties: false, examples: [{ overlap: "24h" }, { overlap: "0s" }] },
);

const SECRET_EXAMPLE = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
const PREVIOUS_EXAMPLE = "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD";

export const WebhookSecretModel = t.Object(
  {
    secret: t.String({
      description: "The current HMAC-SHA256 signing key (whsec_…).",
      examples: [SECRET_EXAMPLE],
    }),
    previous_secret: t.Union([t.String(), t.Null()], {
      description: "The secret before the last rotation while it still signs, else null.",
      examples: [PREVIOUS_EXAMPLE],
    }),
    previous_expires_at: t.Union([t.String({ format: "date-time" }), t.Null()], {
      description: "When the previous secret stops signing (RFC 3339), or null when none signs.",
      examples: ["2025-01-16T10:25:03Z"],
    }),
  },
  {
    description: "The webhook's signing secrets.",
    examples: [
      {
        secret: SECRET_EXAMPLE,
        previous_secret: PREVIOUS_EXAMPLE,
        previous_expires_at: "2025-01-16T10:25:03Z",
      },
    ],
  },
);

export const RotatedSecretModel = t.Object(
  {
    secret: t.String({
      description: "The new signing key (whsec_…): store it now.",
      examples: [SECRET_EXAMPLE],
    }),
    previous_expires_at: t.Union([t.String({ format: "date-time" }), t.Null()], {
      description: "When the old secret stops signing (RFC 3339), or null when it was retired at once.",
      examples: ["2025-01-16T10:25:03Z"],
    }),
  },
  {
    description: "The rotated secret.",
    examples: [{ secret: SECRET_EXAMPLE, previous_expires_at: "2025-01-16T10:25:03Z" }],
  },
);

export function presentSecrets(s: WebhookSecrets): typeof WebhookSecretModel.static {
  return {
    secret: s.secret,
    previous_secret: s.previous_secret,
    previous_expires_at: toRfc3339OrNull(s.previous_expires_at),
  };
}

export function presentRotated(s: WebhookSecrets): typeof RotatedSecretModel.static {
  return { secret: s.secret, previous_expires_at: toRfc3339OrNull(s.previous_expires_at) };
}
