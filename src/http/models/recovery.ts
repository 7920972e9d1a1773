// POST /v1/webhooks/{id}/recover: its body and response schemas (with the errors it names), and the
// presenter.

import { t } from "elysia";
import type { RecoveryAccepted } from "../../domain/recovery-service";
import { toRfc3339 } from "../rfc3339";
import { DateTime, ErrorResponse } from "./common";

export const RecoverBody = t.Object(
  {
    since: t.String({
      description:
        "RFC 3339: recover deliveries created at or after this time. May be older than the retention (nothing older is kept).",
      examples: ["2025-01-15T07:00:00Z"],
    }),
    until: t.Optional(
      t.String({
        description: "RFC 3339: only deliveries created before this time. Default (and at most): now.",
        examples: ["2025-01-15T10:30:00Z"],
      }),
    ),
  },
  {
    additionalProperties: false,
    examples: [
      { since: "2025-01-15T07:00:00Z" },
      { since: "2025-01-15T07:00:00Z", until: "2025-01-15T10:30:00Z" },
    ],
  },
);

export const RecoveryResponse = t.Object(
  {
    webhook_id: t.String({ examples: ["wh_01JH8Z3K9D7Q2W4E6R8T0Y1U3I"] }),
    since: DateTime("Start of the window (inclusive), as asked."),
    until: DateTime("End of the window (exclusive): as asked, or now."),
    deliveries: t.Integer({
      minimum: 0,
      description:
        "How many of the webhook's deliveries created in the window were failed or cancelled when the request was answered: each goes back to pending, in the background, and is attempted again on the whole retry schedule.",
      examples: [1523],
    }),
  },
  {
    description: "The recovery was accepted: its work is saved and runs in the background.",
    examples: [
      {
        webhook_id: "wh_01JH8Z3K9D7Q2W4E6R8T0Y1U3I",
        since: "2025-01-15T07:00:00Z",
        until: "2025-01-15T10:30:00Z",
        deliveries: 1523,
      },
    ],
  },
);

export const RecoveryConflict = t.Object(ErrorResponse.properties, {
  description:
    "The webhook is disabled (nothing would be sent), or a recovery of it is already under way (one at a time).",
  examples: [
    {
      error: {
        code: "conflict",
        message:
          "the webhook is disabled: enable it first (PUT /v1/webhooks/{id} with enabled: true), then recover its deliveries",
      },
    },
    {
      error: {
        code: "conflict",
        message:
          "a recovery of this webhook is already under way (1250 of 10000 deliveries recovered so far): ask again once it has finished",
      },
    },
  ],
});

export const RecoveryInvalid = t.Object(ErrorResponse.properties, {
  description:
    "`since` or `until` is missing, not an RFC 3339 date-time, or since is not before until (or now).",
  examples: [
    {
      error: {
        code: "validation_failed",
        message: "the request is not valid",
        details: [{ field: "/since", reason: "must be an RFC 3339 date-time such as 2025-01-15T10:25:03Z" }],
      },
    },
  ],
});

export const RecoveryNotFound = t.Object(ErrorResponse.properties, {
  description: "No such webhook in the account (unknown, deleted, or another account's).",
  examples: [{ error: { code: "not_found", message: "webhook not found" } }],
});

export function presentRecovery(accepted: RecoveryAccepted): typeof RecoveryResponse.static {
  return {
    webhook_id: accepted.webhook_id,
    since: toRfc3339(accepted.window.since),
    until: toRfc3339(accepted.window.until),
    deliveries: accepted.deliveries,
  };
}
