// /v1/webhooks: register, list, read, update, delete, test-send, secrets and rotation, and the
// delivery log. An account key acts on its account's webhooks; the admin key on the account named
// by account_id, or without it on the operator's own webhooks (operational events).

import { Elysia, type Static, t } from "elysia";
import { pageQuery } from "../../domain/paging";
import { scopeWebhookOwner } from "../auth";
import { deprecatedQuery } from "../deprecated-parameters-in-spec";
import { AttemptModel, presentAttempt } from "../models/attempt";
import { CommonErrors, ErrorResponse, IdParams, PageOf, PageQuery } from "../models/common";
import { logsOutcome, WebhookLogsQuery } from "../models/logs-query";
import {
  CreateWebhookBody,
  presentRotated,
  presentSecrets,
  presentWebhook,
  presentWebhookWithSecret,
  RotatedSecretModel,
  RotateSecretBody,
  TestWebhookBody,
  UpdateWebhookBody,
  WebhookAccountId,
  WebhookModel,
  WebhookSecretModel,
  WebhookWithSecret,
} from "../models/webhook";
import { OPTIONAL_BODY } from "../optional-bodies-in-spec";
import { optionalObjectBody } from "../optional-body";
import { timeQuery } from "../query-times";
import { JSON_BODY } from "../request-guards";
import type { RouteContext } from "./route-context";

const ScopeQuery = t.Object({ account_id: WebhookAccountId });
/** What PUT and PATCH /webhooks/{id} take and answer. */
const UPDATE_ROUTE = {
  params: IdParams,
  query: ScopeQuery,
  body: UpdateWebhookBody,
  parse: JSON_BODY,
  response: { 200: WebhookModel, ...CommonErrors, 409: ErrorResponse },
};
const ListQuery = t.Object({ ...PageQuery.properties, account_id: WebhookAccountId });

export function webhookRoutes({ services, auth }: RouteContext) {
  // The admin key without account_id acts on the operator's own webhooks (every handler below).
  const scope = (
    principal: Parameters<typeof scopeWebhookOwner>[0],
    accountId: string | undefined,
    field: string,
  ) => scopeWebhookOwner(principal, accountId, services.accounts, field);

  // PUT and PATCH: the same update (a field left out stays as it is), documented apart.
  const update = async ({
    params,
    query,
    body,
    principal,
  }: {
    params: { id: string };
    query: { account_id?: string };
    body: Static<typeof UpdateWebhookBody>;
    principal: Parameters<typeof scopeWebhookOwner>[0];
  }) => {
    const accountId = await scope(principal, query.account_id, "account_id");
    return presentWebhook(await services.webhooks.update(accountId, params.id, body));
  };

  return new Elysia({ prefix: "/webhooks", tags: ["Webhooks"] })
    .use(auth)
    .post(
      "",
      async ({ body, principal, status }) => {
        const accountId = await scope(principal, body.account_id, "/account_id");
        const webhook = await services.webhooks.create(accountId, body);
        return status(201, presentWebhookWithSecret(webhook));
      },
      {
        body: CreateWebhookBody,
        parse: JSON_BODY,
        response: { 201: WebhookWithSecret, ...CommonErrors },
        detail: {
          summary: "Register a webhook",
          description:
            "Registers an endpoint for the given event types and answers it with its signing `secret`, shown only here. Optional: `headers` sent with every attempt, `rate_limit` (attempts per second) and `channels` (it then receives only events carrying one of them). An account that already has max_webhooks_per_account webhooks gets 422 limit_exceeded. With the admin key and no `account_id`, registers one of the operator's own webhooks: they receive the operational events (webhook.disabled, delivery.failed) about every account, and may subscribe only to those (or \"*\", meaning those); an account's webhooks may not subscribe to them (422).",
        },
      },
    )
    .get(
      "",
      async ({ query, principal }) => {
        const accountId = await scope(principal, query.account_id, "account_id");
        const page = await services.webhooks.list(accountId, pageQuery(query.limit, query.cursor));
        return { data: page.data.map(presentWebhook), next_cursor: page.next_cursor };
      },
      {
        query: ListQuery,
        response: { 200: PageOf(WebhookModel, "Webhooks, newest first."), ...CommonErrors },
        detail: { summary: "List webhooks", description: "Newest first, cursor-paginated." },
      },
    )
    .post(
      "/test",
      async ({ body, principal }) => {
        const accountId = await scope(principal, body.account_id, "/account_id");
        const attempt = await services.webhooks.sendTest(
          accountId,
          body.webhook_id,
          body.event_type,
          body.data,
        );
        return presentAttempt(attempt);
      },
      {
        body: TestWebhookBody,
        parse: JSON_BODY,
        response: { 200: AttemptModel, ...CommonErrors },
        detail: {
          summary: "Send a test event",
          description:
            "Sends an event of `event_type` to the webhook once, now, bypassing the retry schedule, and answers the attempt's outcome: the docs' sample data, or `data` when given (validated against the type's schema like a publish: 422 naming /data/...). The request carries `X-Inbox-Test: true` (and no X-Inbox-Delivery-Id), which real deliveries never do. The operator's webhooks take the operational types (webhook.disabled, delivery.failed).",
        },
      },
    )
    .get(
      "/:id",
      async ({ params, query, principal }) => {
        const accountId = await scope(principal, query.account_id, "account_id");
        return presentWebhook(await services.webhooks.get(accountId, params.id));
      },
      {
        params: IdParams,
        query: ScopeQuery,
        response: { 200: WebhookModel, ...CommonErrors },
        detail: { summary: "Get a webhook", description: "The webhook, without its secret." },
      },
    )
    .put("/:id", update, {
      ...UPDATE_ROUTE,
      detail: {
        summary: "Update a webhook",
        description:
          'Changes any of url, events, description, headers, rate_limit, channels, enabled (a field left out stays as it is; headers: {}, rate_limit: null and channels: [] remove them). enabled: false disables it (disabled_reason "manual", disabled_at now) and cancels its pending deliveries; enabled: true enables it again and clears both (cancelled deliveries stay cancelled). A webhook is also disabled by the server when its receiver answers 410 Gone ("gone") or every attempt failed for INBOX_DISABLE_AFTER ("failing"); each disable is logged, counted in inbox_webhooks_disabled_total and sent to the operator\'s webhooks as webhook.disabled. ' +
          "The change is applied to the webhook as stored when it is written: a disable by the server meanwhile stays (the answer shows it, with its reason), and of several requests disabling it at once one reports the disable. " +
          "409 `conflict` when the webhook kept changing while the update was applied (it was tried again a few times); sending it again is safe.",
      },
    })
    .patch("/:id", update, {
      ...UPDATE_ROUTE,
      detail: {
        summary: "Update some fields of a webhook",
        description:
          "A partial update: only the fields given change, with the same validation, effects and answers as PUT /v1/webhooks/{id} (which also leaves out fields as they are).",
      },
    })
    .delete(
      "/:id",
      async ({ params, query, principal, set }) => {
        const accountId = await scope(principal, query.account_id, "account_id");
        await services.webhooks.delete(accountId, params.id);
        set.status = 204;
      },
      {
        params: IdParams,
        query: ScopeQuery,
        response: {
          204: t.Void({ description: "Deleted; its pending deliveries stop." }),
          401: ErrorResponse,
          404: ErrorResponse,
        },
        detail: { summary: "Delete a webhook" },
      },
    )
    .get(
      "/:id/secret",
      async ({ params, query, principal }) => {
        const accountId = await scope(principal, query.account_id, "account_id");
        return presentSecrets(await services.webhooks.secrets(accountId, params.id));
      },
      {
        params: IdParams,
        query: ScopeQuery,
        response: { 200: WebhookSecretModel, ...CommonErrors },
        detail: {
          summary: "Get a webhook's signing secret",
          description:
            "The current secret, and the previous one with its expiry while a rotation's overlap lasts (else both null).",
        },
      },
    )
    .post(
      "/:id/secret/rotate",
      async ({ params, query, body, principal }) => {
        const accountId = await scope(principal, query.account_id, "account_id");
        const overlap = optionalObjectBody(body, '{"overlap": "24h"}')?.overlap;
        return presentRotated(await services.webhooks.rotateSecret(accountId, params.id, overlap));
      },
      {
        params: IdParams,
        query: ScopeQuery,
        body: t.Optional(RotateSecretBody),
        parse: JSON_BODY,
        response: { 200: RotatedSecretModel, ...CommonErrors },
        detail: {
          ...OPTIONAL_BODY,
          summary: "Rotate a webhook's signing secret",
          description:
            'Answers a new secret. The old one keeps signing for `overlap` (default "24h", at most "7d"; "0s" retires it at once): during the overlap X-Inbox-Signature is still signed with the old secret, so receivers that have not switched keep working, and webhook-signature carries `v1,<new> v1,<old>`, so a Standard Webhooks receiver holding either verifies. When the overlap ends, both use the new secret. Rotating again during an overlap ends the older overlap: only one previous secret is kept.',
        },
      },
    )
    .get(
      "/:id/logs",
      async ({ params, query, principal }) => {
        const accountId = await scope(principal, query.account_id, "account_id");
        const filter = {
          outcome: logsOutcome(query),
          event_type: query.event_type,
          event_id: query.event_id,
          since: timeQuery(query.since, "since"),
          until: timeQuery(query.until, "until"),
        };
        const page = await services.logs.list(
          accountId,
          params.id,
          filter,
          pageQuery(query.limit, query.cursor),
        );
        return { data: page.data.map(presentAttempt), next_cursor: page.next_cursor };
      },
      {
        params: IdParams,
        query: WebhookLogsQuery,
        response: { 200: PageOf(AttemptModel, "Attempts, newest first."), ...CommonErrors },
        detail: {
          ...deprecatedQuery({
            status: "Deprecated: the former name of `outcome`, still accepted; use `outcome`.",
          }),
          summary: "Delivery log of a webhook",
          description:
            "Every attempt (including test sends), newest first; filter by outcome (succeeded|failed, the attempt's `outcome` field), event_type, event_id, since and until (RFC 3339). " +
            "`status` is the deprecated former name of `outcome`, still accepted; giving both with different values is a 422.",
        },
      },
    );
}
