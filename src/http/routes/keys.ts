// /v1/keys: an account's own API keys, managed with one of its `manage` keys (the route scope table,
// ../route-scopes.ts, requires it). A key never issues a key that may do more than itself: scopes
// within its own, expiry no later than its own (src/domain/keys-service.ts). The admin key acts for
// the account named in `account_id`.

import { Elysia, t } from "elysia";
import { scopeAccount } from "../auth";
import { keyRequestOf } from "../key-request";
import { AccountIdQuery, CommonErrors, ErrorResponse } from "../models/common";
import { CreatedKey, CreateKeyBody, KeyIdParams, KeyList, LAST_USED_NOTE, presentKey } from "../models/key";
import { OPTIONAL_BODY } from "../optional-bodies-in-spec";
import { JSON_BODY } from "../request-guards";
import type { RouteContext } from "./route-context";

const ScopeQuery = t.Object({ account_id: AccountIdQuery });
const Errors = { ...CommonErrors, 403: ErrorResponse } as const;

export function keyRoutes({ services, auth }: RouteContext) {
  const accountOf = (principal: Parameters<typeof scopeAccount>[0], requested: string | undefined) =>
    scopeAccount(principal, requested, services.accounts, "account_id");

  return new Elysia({ prefix: "/keys", tags: ["Keys"] })
    .use(auth)
    .get(
      "",
      async ({ query, principal }) => {
        const accountId = await accountOf(principal, query.account_id);
        return { data: (await services.keys.list(accountId)).map(presentKey) };
      },
      {
        query: ScopeQuery,
        response: { 200: KeyList, ...Errors },
        detail: {
          summary: "List the account's API keys",
          description: `Newest first, revoked ones included: id, name, prefix, scopes and times, never the key. ${LAST_USED_NOTE}`,
        },
      },
    )
    .post(
      "",
      async ({ query, body, principal, status }) => {
        const accountId = await accountOf(principal, query.account_id);
        const { apiKey, key } = await services.keys.issue(accountId, keyRequestOf(body), principal);
        return status(201, { ...presentKey(key), api_key: apiKey });
      },
      {
        query: ScopeQuery,
        body: t.Optional(CreateKeyBody),
        parse: JSON_BODY,
        response: { 201: CreatedKey, ...Errors },
        detail: {
          ...OPTIONAL_BODY,
          summary: "Issue an API key for the account",
          description:
            "Optional `name`, `scopes` and `expires_at` (RFC 3339, in the future). Defaults: the scopes and expiry of the key making the request (both scopes and never for the admin key). A key cannot issue one with a scope it lacks (422 naming /scopes) or expiring after itself (422 naming /expires_at). The key is shown once, in this response.",
        },
      },
    )
    .delete(
      "/:key_id",
      async ({ params, query, principal, set }) => {
        const accountId = await accountOf(principal, query.account_id);
        await services.keys.revoke(accountId, params.key_id);
        set.status = 204;
      },
      {
        params: KeyIdParams,
        query: ScopeQuery,
        response: {
          204: t.Void(),
          401: ErrorResponse,
          403: ErrorResponse,
          404: ErrorResponse,
          422: ErrorResponse,
        },
        detail: {
          summary: "Revoke one of the account's API keys",
          description:
            "Requests with it answer 401 from now on (also when it is the key making this request). 404 for an unknown key or another account's.",
        },
      },
    );
}
