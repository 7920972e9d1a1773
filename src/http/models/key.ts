// API key schemas and presenter. A key record shows its id, clear prefix, name, scopes and times;
// the full key appears once, in the response that creates it; the hash never.

import { t } from "elysia";
import type { ApiKeyRecord } from "../../storage/records";
import { KEY_SCOPES } from "../../storage/records";
import { toRfc3339, toRfc3339OrNull } from "../rfc3339";
import { DateTime, IdString } from "./common";

const KEY_ID_EXAMPLE = "key_01JH8Z3K9D7Q2W4E6R8T0Y1U3I";
const KEY_EXAMPLE = {
  id: KEY_ID_EXAMPLE,
  name: "billing-service",
  prefix: "ik_Vq3Xc9yB",
  scopes: ["publish"],
  created_at: "2025-01-15T10:25:03Z",
  last_used_at: "2025-01-15T11:02:41Z",
  expires_at: "2026-01-15T00:00:00Z",
  revoked_at: null,
};

/** How last_used_at is kept, for the descriptions of the listings. */
export const LAST_USED_NOTE =
  "last_used_at is kept in memory and written at most once a minute per key, in the background (never a write per request): it may lag up to a minute, and a crash may lose up to a minute of it.";

const Scope = t.UnionEnum([...KEY_SCOPES], {
  description:
    "publish: publish events (POST /v1/events, /v1/events/batch) and read the catalog (GET /v1/event-types). manage: webhooks, events (read, replay), deliveries, logs, stats, recover, test sends, secrets and the account's own keys (/v1/keys).",
});

const Scopes = t.Array(Scope, {
  minItems: 1,
  uniqueItems: true,
  description: "What the key may do: publish, manage or both.",
  examples: [["publish"], ["publish", "manage"]],
});

const KeyName = t.String({
  minLength: 1,
  maxLength: 100,
  description: "A label to tell keys apart (1-100 characters).",
  examples: ["billing-service"],
});

export const ApiKeyValue = t.String({
  description: "The API key. Shown only here, once: store it now.",
  examples: ["ik_Vq3Xc9yB0nKpL2mQ7wE4rT6uY8iO1aSdF5gH3jK0lZx"],
});

const nullable = <T extends Parameters<typeof t.Union>[0][number]>(schema: T) => t.Union([schema, t.Null()]);

export const ApiKeyModel = t.Object(
  {
    id: t.String({ examples: [KEY_ID_EXAMPLE] }),
    name: nullable(KeyName),
    prefix: t.String({
      description: "The key's first characters, to tell keys apart.",
      examples: ["ik_Vq3Xc9yB"],
    }),
    scopes: Scopes,
    created_at: DateTime("When the key was issued."),
    last_used_at: nullable(
      DateTime(
        "When the key last authenticated a request, or null. Written at most once a minute per key, in the background: it may lag up to a minute, and a crash may lose up to a minute of it.",
      ),
    ),
    expires_at: nullable(DateTime("From when the key answers 401, or null for never.")),
    revoked_at: nullable(DateTime("When the key was revoked.")),
  },
  { examples: [KEY_EXAMPLE] },
);

const CREATE_EXAMPLE = { name: "billing-service", scopes: ["publish"], expires_at: "2026-01-15T00:00:00Z" };

export const CreateKeyBody = t.Object(
  {
    name: t.Optional(KeyName),
    scopes: t.Optional(Scopes),
    expires_at: t.Optional(
      t.String({
        format: "date-time",
        description:
          "RFC 3339, in the future. Absent: never (or, for a key made with an account key, that key's expiry).",
        examples: ["2026-01-15T00:00:00Z"],
      }),
    ),
  },
  {
    additionalProperties: false,
    description:
      "Every field is optional. scopes defaults to both (or to the scopes of the account key making the request).",
    examples: [CREATE_EXAMPLE, {}],
  },
);

export const CreatedKey = t.Composite([ApiKeyModel, t.Object({ api_key: ApiKeyValue })], {
  description: "The new key's record and the key itself, shown once.",
  examples: [
    {
      ...KEY_EXAMPLE,
      last_used_at: null,
      api_key: "ik_Vq3Xc9yB0nKpL2mQ7wE4rT6uY8iO1aSdF5gH3jK0lZx",
    },
  ],
});

export const KeyList = t.Object(
  { data: t.Array(ApiKeyModel, { description: "The account's keys, newest first, revoked ones included." }) },
  { examples: [{ data: [KEY_EXAMPLE] }] },
);

export const KeyIdParams = t.Object({ key_id: IdString({ examples: [KEY_ID_EXAMPLE] }) });
export const AccountKeyParams = t.Object({
  id: IdString(),
  key_id: IdString({ examples: [KEY_ID_EXAMPLE] }),
});

export function presentKey(k: ApiKeyRecord): typeof ApiKeyModel.static {
  return {
    id: k.id,
    name: k.name ?? null,
    prefix: k.prefix,
    scopes: k.scopes ?? [...KEY_SCOPES],
    created_at: toRfc3339(k.created_at),
    last_used_at: toRfc3339OrNull(k.last_used_at ?? null),
    expires_at: toRfc3339OrNull(k.expires_at ?? null),
    revoked_at: toRfc3339OrNull(k.revoked_at),
  };
}
