// /v1/accounts: accounts and their API keys. Admin key only; account keys get 403.

import { Elysia, t } from "elysia";
import { pageQuery } from "../../domain/paging";
import { requireAdmin } from "../auth";
import { keyRequestOf } from "../key-request";
import {
  AccountModel,
  AccountWithKeys,
  CreateAccountBody,
  CreatedAccount,
  presentAccount,
} from "../models/account";
import { CommonErrors, ErrorResponse, IdParams, PageOf, PageQuery } from "../models/common";
import {
  AccountKeyParams,
  CreatedKey,
  CreateKeyBody,
  KeyList,
  LAST_USED_NOTE,
  presentKey,
} from "../models/key";
import { CreatePortalLinkBody, PORTAL_LINK_TTL_S_DEFAULT, PortalLinkModel } from "../models/portal-link";
import { OPTIONAL_BODY } from "../optional-bodies-in-spec";
import { optionalObjectBody } from "../optional-body";
import { publicOrigin } from "../public-url";
import { JSON_BODY } from "../request-guards";
import { toRfc3339 } from "../rfc3339";
import type { RouteContext } from "./route-context";

const AdminErrors = { ...CommonErrors, 403: ErrorResponse } as const;

export function accountRoutes({ services, auth, publicUrl }: RouteContext) {
  return (
    new Elysia({ prefix: "/accounts", tags: ["Accounts"] })
      .use(auth)
      // Transform runs before body validation, so an account key learns nothing about the payload shape.
      .onTransform(({ principal }) => requireAdmin(principal))
      .post(
        "",
        async ({ body, status }) => {
          const { account, apiKey, key } = await services.accounts.create(body.name);
          return status(201, { ...presentAccount(account), api_key: apiKey, key_id: key.id });
        },
        {
          body: CreateAccountBody,
          parse: JSON_BODY,
          response: { 201: CreatedAccount, ...AdminErrors },
          detail: {
            summary: "Create an account",
            description: "Answers the account and its first API key, shown once.",
          },
        },
      )
      .get(
        "",
        async ({ query }) => {
          const page = await services.accounts.list(pageQuery(query.limit, query.cursor));
          return { data: page.data.map(presentAccount), next_cursor: page.next_cursor };
        },
        {
          query: PageQuery,
          response: { 200: PageOf(AccountModel, "Accounts, newest first."), ...AdminErrors },
          detail: { summary: "List accounts" },
        },
      )
      .get(
        "/:id",
        async ({ params }) => {
          const { account, keys } = await services.accounts.get(params.id);
          return { ...presentAccount(account), keys: services.keys.withUsage(keys).map(presentKey) };
        },
        {
          params: IdParams,
          response: { 200: AccountWithKeys, ...AdminErrors },
          detail: {
            summary: "Get an account",
            description: "With its keys (as GET /v1/accounts/{id}/keys lists them, never the key).",
          },
        },
      )
      .delete(
        "/:id",
        async ({ params, set }) => {
          await services.accounts.delete(params.id);
          set.status = 204;
        },
        {
          params: IdParams,
          response: { 204: t.Void(), 401: ErrorResponse, 403: ErrorResponse, 404: ErrorResponse },
          detail: {
            summary: "Delete an account",
            description: "Removes its keys and webhooks and stops its pending deliveries.",
          },
        },
      )
      .get(
        "/:id/keys",
        async ({ params }) => ({ data: (await services.keys.list(params.id)).map(presentKey) }),
        {
          params: IdParams,
          response: { 200: KeyList, ...AdminErrors },
          detail: {
            summary: "List an account's API keys",
            description: `Newest first, revoked ones included: id, name, prefix, scopes and times, never the key. ${LAST_USED_NOTE}`,
          },
        },
      )
      .post(
        "/:id/keys",
        async ({ params, body, principal, status }) => {
          const { apiKey, key } = await services.keys.issue(params.id, keyRequestOf(body), principal);
          return status(201, { ...presentKey(key), api_key: apiKey });
        },
        {
          params: IdParams,
          body: t.Optional(CreateKeyBody),
          parse: JSON_BODY,
          response: { 201: CreatedKey, ...AdminErrors },
          detail: {
            ...OPTIONAL_BODY,
            summary: "Issue an API key",
            description:
              "Optional `name`, `scopes` (default both) and `expires_at` (RFC 3339, in the future; default never). The key is shown once, in this response.",
          },
        },
      )
      .delete(
        "/:id/keys/:key_id",
        async ({ params, set }) => {
          await services.keys.revoke(params.id, params.key_id);
          set.status = 204;
        },
        {
          params: AccountKeyParams,
          response: { 204: t.Void(), 401: ErrorResponse, 403: ErrorResponse, 404: ErrorResponse },
          detail: { summary: "Revoke an API key", description: "Requests with it answer 401 from now on." },
        },
      )
      .post(
        "/:id/portal-links",
        async ({ params, body, request, status }) => {
          const options = optionalObjectBody(body, '{"expires_in": 300}');
          const ttlS = options?.expires_in ?? PORTAL_LINK_TTL_S_DEFAULT;
          const link = await services.sessions.createPortalLink(params.id, ttlS * 1_000);
          return status(201, {
            url: `${publicOrigin(request, publicUrl)}/dashboard/portal/${link.token}`,
            expires_at: toRfc3339(link.expiresAt),
            account_id: params.id,
          });
        },
        {
          params: IdParams,
          body: t.Optional(CreatePortalLinkBody),
          parse: JSON_BODY,
          response: { 201: PortalLinkModel, ...AdminErrors },
          detail: {
            ...OPTIONAL_BODY,
            summary: "Create a customer portal link",
            description:
              "A one-time URL that opens the dashboard as this account (its endpoints, deliveries and event types), for the platform to hand to a signed-in customer or load in an iframe (allowed by INBOX_PORTAL_FRAME_ANCESTORS). It works once, before expires_at (`expires_in` seconds, 30-3600, default 300); the session it opens lasts INBOX_SESSION_TTL at most and ends when the account is deleted. The URL's origin is INBOX_PUBLIC_URL, or the request's own.",
          },
        },
      )
  );
}
