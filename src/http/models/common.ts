// Schemas shared by every resource: the error body, listing parameters, and page wrappers.

import { Type } from "@sinclair/typebox";
import { type TSchema, t } from "elysia";
import { PAGE_LIMIT_DEFAULT, PAGE_LIMIT_MAX } from "../../domain/paging";

export const DateTime = (description: string) =>
  t.String({ format: "date-time", description, examples: ["2025-01-15T10:25:03Z"] });

export const ErrorResponse = t.Object(
  {
    error: t.Object({
      code: t.String({ description: "Stable machine-readable code, e.g. validation_failed." }),
      message: t.String(),
      details: t.Optional(
        t.Union([
          t.Array(t.Object({ field: t.String(), reason: t.String() }), {
            description:
              "For validation_failed: each offending field (a JSON pointer into the request) and why.",
          }),
          t.Object(
            {
              limit: t.String({ examples: ["max_deliveries_per_publish"] }),
              max: t.Integer({ description: "The configured maximum." }),
              requested: t.Optional(t.Integer({ description: "What the request asked for." })),
              env: t.String({ description: "The environment variable that sets the limit." }),
              flag: t.String({ description: "The command-line flag that sets the limit." }),
            },
            { description: "For limit_exceeded (422): the limit refused and the setting that raises it." },
          ),
          t.Object(
            { required_scope: t.String({ examples: ["manage"] }) },
            { description: "For insufficient_scope (403): the scope the operation requires, or admin." },
          ),
        ]),
      ),
    }),
  },
  {
    description: "Every error has this shape.",
    examples: [
      {
        error: {
          code: "validation_failed",
          message: "the request is not valid",
          details: [{ field: "/url", reason: "must use the http or https scheme" }],
        },
      },
    ],
  },
);

/**
 * Query parameters that are integers on every route that has them. A query string carries text: the
 * request guards make a number of one of these only when it is a plain decimal integer (digits, an
 * optional "-"), so that anything else ("0x10", "1e3", " 5", "+5", "5.0") stays text and fails the
 * schema by name. The schemas use TypeBox's plain Integer, not Elysia's t.Integer, which would
 * coerce such text with Number() and show the parameter as a string-or-integer in OpenAPI.
 */
export const INTEGER_QUERY_PARAMETERS: ReadonlySet<string> = new Set(["limit"]);

/** `limit` of every listing. */
export const PageLimit = Type.Integer({
  minimum: 1,
  maximum: PAGE_LIMIT_MAX,
  default: PAGE_LIMIT_DEFAULT,
  description: `Items per page (1-${PAGE_LIMIT_MAX}).`,
});

export const PageQuery = t.Object({
  limit: t.Optional(PageLimit),
  cursor: t.Optional(t.String({ description: "The next_cursor of the previous page." })),
});

/**
 * Any id a client sends (path, query or body). Ids the server makes are 30 characters and event ids
 * at most 128; the bound keeps absurd values away from the store, whose keys are size-limited.
 */
const ID_LENGTH_MAX = 255;
export const IdString = (options: { description?: string; examples?: string[] } = {}) =>
  t.String({ minLength: 1, maxLength: ID_LENGTH_MAX, ...options });

/** Admin-only scoping of account resources: which account the admin key acts for. */
export const AccountIdQuery = t.Optional(
  IdString({ description: "Admin key only: the account to act for (required with the admin key)." }),
);

/**
 * Admin-only scoping of what the operator also has (events, deliveries): without `account_id` the
 * admin key acts on the operator's own, those of the operational events (src/http/auth.ts
 * scopeWebhookOwner). `what` names them, e.g. "events".
 */
export const OwnerAccountIdQuery = (what: string) =>
  t.Optional(
    IdString({
      description: `Admin key only: the account to act for. Without it the admin key acts on the operator's own ${what}, those of the operational events (webhook.disabled, delivery.failed) sent to the operator's webhooks; no account key ever sees them.`,
    }),
  );

export const IdParams = t.Object({ id: IdString() });

export function PageOf<T extends TSchema>(item: T, description: string) {
  return t.Object(
    {
      data: t.Array(item),
      next_cursor: t.Union([t.String(), t.Null()], {
        description: "Pass as `cursor` for the next page; null at the end.",
      }),
    },
    { description },
  );
}

/** The error responses most routes can give, for the OpenAPI document. */
export const CommonErrors = {
  400: ErrorResponse,
  401: ErrorResponse,
  404: ErrorResponse,
  413: ErrorResponse,
  415: ErrorResponse,
  422: ErrorResponse,
  503: ErrorResponse,
} as const;
