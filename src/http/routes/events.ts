// /v1/events: publish (single or batch, answered once durable), list, read one with its deliveries,
// and replay one as new deliveries.

import { Elysia, t } from "elysia";
import { pageQuery } from "../../domain/paging";
import { PUBLISH_CHUNK_RECORDS } from "../../domain/publish-chunks";
import { scopeAccount, scopeWebhookOwner } from "../auth";
import {
  CommonErrors,
  ErrorResponse,
  IdParams,
  OwnerAccountIdQuery,
  PageOf,
  PageQuery,
} from "../models/common";
import {
  BatchResponse,
  EventEnvelope,
  EventWithDeliveries,
  IdempotencyConflict,
  PublishBatchBody,
  PublishEventBody,
  PublishedEvent,
  presentEvent,
  presentEventWithDeliveries,
  presentPublished,
  presentReplay,
  ReplayBody,
  ReplayConflict,
  ReplayResponse,
} from "../models/event";
import { OPTIONAL_BODY } from "../optional-bodies-in-spec";
import { optionalObjectBody } from "../optional-body";
import { JSON_BODY } from "../request-guards";
import type { RouteContext } from "./route-context";

const EventsAccountId = OwnerAccountIdQuery("events");
const ListQuery = t.Object({ ...PageQuery.properties, account_id: EventsAccountId });
const ScopeQuery = t.Object({ account_id: EventsAccountId });

export function eventRoutes({ services, auth }: RouteContext) {
  type Who = Parameters<typeof scopeAccount>[0];
  // Publishing names its account even with the admin key; reading, and replaying what was read,
  // act on the operator's own events when the admin key names none.
  const publisher = (principal: Who, accountId: string | undefined) =>
    scopeAccount(principal, accountId, services.accounts, "/account_id");
  const owner = (principal: Who, accountId: string | undefined) =>
    scopeWebhookOwner(principal, accountId, services.accounts, "account_id");

  return new Elysia({ prefix: "/events", tags: ["Events"] })
    .use(auth)
    .post(
      "",
      async ({ body, principal, set, status }) => {
        const accountId = await publisher(principal, body.account_id);
        const [outcome] = await services.events.publish(accountId, [
          { type: body.type, data: body.data, id: body.id, channels: body.channels },
        ]);
        if (!outcome) throw new Error("publish answered no outcome");
        if (outcome.replayed) set.headers["idempotent-replayed"] = "true";
        return status(202, presentPublished(outcome));
      },
      {
        body: PublishEventBody,
        parse: JSON_BODY,
        response: { 202: PublishedEvent, ...CommonErrors, 409: IdempotencyConflict },
        detail: {
          summary: "Publish an event",
          description:
            "Validates `data` against the type's schema, stores the event with one delivery per subscribed, enabled webhook of the account, and answers 202 once that is on disk. With `channels`, a webhook that has channels gets the event only when it shares one (webhooks without channels get every event of their types); the envelope receivers get never shows channels, GET /v1/events/{id} does. More deliveries than max_deliveries_per_publish answers 422 limit_exceeded. The answer is the envelope with `delivery_count` (deliveries this call created) and `replayed`. With an `id` already used in the account for the same type and data (compared as parsed JSON: key order does not matter) it answers the stored event with `replayed: true`, `delivery_count: 0` (header Idempotent-Replayed: true) and delivers nothing new; with a different type or data it answers 409 idempotency_conflict naming /type or /data, and nothing is written. The admin key publishes for the account named in `account_id`.",
        },
      },
    )
    .post(
      "/batch",
      async ({ body, principal, status }) => {
        const accountId = await publisher(principal, body.account_id);
        const outcomes = await services.events.publish(
          accountId,
          body.events.map((e) => ({ type: e.type, data: e.data, id: e.id, channels: e.channels })),
          "/events",
        );
        return status(202, { data: outcomes.map(presentPublished) });
      },
      {
        body: PublishBatchBody,
        parse: JSON_BODY,
        response: { 202: BatchResponse, ...CommonErrors, 409: IdempotencyConflict },
        detail: {
          summary: "Publish up to 1,000 events",
          description:
            "Every event is validated first, and the whole batch is refused when one is bad (a 422 names each bad field, e.g. /events/3/data/to) or when it would create more deliveries than max_deliveries_per_publish (422 limit_exceeded). " +
            `The events are then stored in order, in writes of whole events with their deliveries of at most ${PUBLISH_CHUNK_RECORDS.toLocaleString("en-US")} records each, so that other requests are served in between; answers the envelopes in order once all are on disk, each with its \`delivery_count\` and \`replayed\` (an id repeated within the batch replays its first use). ` +
            "An id reused with a different type or data (against a stored event, or an earlier event of the batch) refuses the whole batch before anything is written: 409 idempotency_conflict naming each, e.g. /events/3/data. " +
            "Should storing fail midway (disk full), the events written before stay and are delivered: publishing the same batch again with the same event ids is safe, as stored ids replay.",
        },
      },
    )
    .get(
      "",
      async ({ query, principal }) => {
        const accountId = await owner(principal, query.account_id);
        const page = await services.events.list(accountId, pageQuery(query.limit, query.cursor));
        return { data: page.data.map(presentEvent), next_cursor: page.next_cursor };
      },
      {
        query: ListQuery,
        response: { 200: PageOf(EventEnvelope, "Events, newest first."), ...CommonErrors },
        detail: { summary: "List events", description: "Newest first, cursor-paginated." },
      },
    )
    .get(
      "/:id",
      async ({ params, query, principal }) => {
        const accountId = await owner(principal, query.account_id);
        const { event, deliveries } = await services.events.get(accountId, params.id);
        return presentEventWithDeliveries(event, deliveries);
      },
      {
        params: IdParams,
        query: ScopeQuery,
        response: { 200: EventWithDeliveries, ...CommonErrors },
        detail: {
          summary: "Get an event",
          description: "The envelope with the state of each of its deliveries.",
        },
      },
    )
    .post(
      "/:id/replay",
      async ({ params, query, body, principal, status }) => {
        const accountId = await owner(principal, query.account_id);
        const outcome = await services.events.replay(
          accountId,
          params.id,
          optionalObjectBody(body, '{"webhook_id": "wh_…"}')?.webhook_id,
        );
        return status(202, presentReplay(outcome.event.id, outcome.deliveries));
      },
      {
        params: IdParams,
        query: ScopeQuery,
        body: t.Optional(ReplayBody),
        parse: JSON_BODY,
        response: { 202: ReplayResponse, ...CommonErrors, 409: ReplayConflict, 507: ErrorResponse },
        detail: {
          ...OPTIONAL_BODY,
          summary: "Replay an event",
          description:
            "Sends a stored event again as new deliveries, pending and due now, attempted and retried on the schedule like any other; the event's earlier deliveries and their attempts are untouched, and the new ones join the event's deliveries (GET /v1/events/{id}). " +
            "With `webhook_id`, to that webhook only: one of the account's webhooks, which must be enabled (409 `conflict` when disabled; 404 when unknown or another account's); its `events` do not matter. " +
            "Without a body (or with `{}`), to every enabled webhook of the account subscribed to the event's type now; when there is none the replay answers 202 with an empty `deliveries` list (nothing to do is not an error). " +
            "More deliveries than max_deliveries_per_publish answers 422 limit_exceeded. 404 for an unknown event, another account's, or one removed by retention. Answers once the new deliveries are on disk (507 storage_full when the disk is full: nothing was created).",
        },
      },
    );
}
