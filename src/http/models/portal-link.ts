// Portal link schemas (POST /v1/accounts/{id}/portal-links): a one-time URL that opens a dashboard
// session scoped to one account, for a platform to put the customer portal inside its own app.

import { Type } from "@sinclair/typebox";
import { t } from "elysia";
import { DateTime } from "./common";

/** A link's lifetime bounds and default, seconds. */
export const PORTAL_LINK_TTL_S_MIN = 30;
export const PORTAL_LINK_TTL_S_MAX = 3_600;
export const PORTAL_LINK_TTL_S_DEFAULT = 300;

const EXAMPLE = {
  url: "https://inbox.example.com/dashboard/portal/Jx3fQ9rT0bWmZk2LpV7cN4sYhA1dE6gU8iOqR5tXyBw",
  expires_at: "2025-01-15T10:30:03Z",
  account_id: "acct_01JH8Z3K9D7Q2W4E6R8T0Y1U3I",
};

export const CreatePortalLinkBody = t.Object(
  {
    // TypeBox's plain Integer: Elysia's t.Integer would take the text "300" for 300.
    expires_in: t.Optional(
      Type.Integer({
        minimum: PORTAL_LINK_TTL_S_MIN,
        maximum: PORTAL_LINK_TTL_S_MAX,
        description: `Seconds the link can be opened for (${PORTAL_LINK_TTL_S_MIN}-${PORTAL_LINK_TTL_S_MAX}; default ${PORTAL_LINK_TTL_S_DEFAULT}).`,
        examples: [PORTAL_LINK_TTL_S_DEFAULT],
      }),
    ),
  },
  { additionalProperties: false, examples: [{ expires_in: PORTAL_LINK_TTL_S_DEFAULT }] },
);

export const PortalLinkModel = t.Object(
  {
    url: t.String({
      description:
        "Opens the dashboard as this account, once: the first visit takes the link and starts a session (a cookie); later visits are refused. Shown only here.",
      examples: [EXAMPLE.url],
    }),
    expires_at: DateTime("After this the link opens nothing (the session it opened keeps its own lifetime)."),
    account_id: t.String({ examples: [EXAMPLE.account_id] }),
  },
  { examples: [EXAMPLE] },
);
