// /v1/accounts: accounts and their API keys. Admin key only; account keys get 403.

import { Elysia, t } from "elysia";
import { pageQuery } from "../../domain/paging";
import { requireAdmin } from "../auth";
import {
  AccountModel,
  AccountWithKeys,
  CreateAccountBody,
  CreatedAccount,
  CreatedKey,
  KeyParams,
  presentAccount,
  presentKey,
} from "../models/account";
import { CommonErrors, ErrorResponse, IdParams, PageOf, PageQuery } from "../models/common";
import { JSON_BODY } from "../request-guards";
import { toRfc3339 } from "../rfc3339";
import type { RouteContext } from "./route-context";

const AdminErrors = { ...CommonErrors, 403: ErrorResponse } as const;

export function accountRoutes({ services, auth }: RouteContext) {
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
          return { ...presentAccount(account), keys: keys.map(presentKey) };
        },
        {
          params: IdParams,
          response: { 200: AccountWithKeys, ...AdminErrors },
          detail: {
            summary: "Get an account",
            description: "With its keys (id and prefix only, never the key).",
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
      .post(
        "/:id/keys",
        async ({ params, status }) => {
          const { apiKey, key } = await services.accounts.createKey(params.id);
          return status(201, {
            id: key.id,
            prefix: key.prefix,
            created_at: toRfc3339(key.created_at),
            api_key: apiKey,
          });
        },
        {
          params: IdParams,
          response: { 201: CreatedKey, ...AdminErrors },
          detail: { summary: "Issue an API key", description: "The key is shown once, in this response." },
        },
      )
      .delete(
        "/:id/keys/:key_id",
        async ({ params, set }) => {
          await services.accounts.revokeKey(params.id, params.key_id);
          set.status = 204;
        },
        {
          params: KeyParams,
          response: { 204: t.Void(), 401: ErrorResponse, 403: ErrorResponse, 404: ErrorResponse },
          detail: { summary: "Revoke an API key", description: "Requests with it answer 401 from now on." },
        },
      )
  );
}
