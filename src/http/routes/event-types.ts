// /v1/event-types: the catalog of event types with their schemas and examples (read with a
// `publish` key), and the operator's own types, registered, replaced and archived with the admin
// key (../route-scopes.ts).

import { Elysia, t } from "elysia";
import { CommonErrors, ErrorResponse } from "../models/common";
import {
  CreateEventTypeBody,
  EventTypeList,
  EventTypeListQuery,
  EventTypeModel,
  EventTypeNameParams,
  presentEventType,
  ReplaceEventTypeBody,
} from "../models/event-type";
import { JSON_BODY } from "../request-guards";
import type { RouteContext } from "./route-context";

const WriteErrors = { ...CommonErrors, 403: ErrorResponse, 409: ErrorResponse } as const;

export function eventTypeRoutes({ services, auth }: RouteContext) {
  const types = services.eventTypes;
  return new Elysia({ prefix: "/event-types", tags: ["Event types"] })
    .use(auth)
    .get(
      "",
      async ({ query }) => ({
        data: (await types.list(query.include_archived === "true")).map(presentEventType),
      }),
      {
        query: EventTypeListQuery,
        response: { 200: EventTypeList, ...CommonErrors },
        detail: {
          summary: "List event types",
          description:
            "The built-in account types (the documented message.* types), the operator's own types (name order), then the operational types (operator_only: true, only for the operator's webhooks). Each with its description, the JSON schema of its `data` and an example envelope. Archived operator types are listed (archived: true) only with include_archived=true.",
        },
      },
    )
    .get("/:name", async ({ params }) => presentEventType(await types.get(params.name)), {
      params: EventTypeNameParams,
      response: { 200: EventTypeModel, ...CommonErrors },
      detail: {
        summary: "Get an event type",
        description:
          "Any type of the catalog by name, archived operator types too (archived: true). 404 when unknown.",
      },
    })
    .post(
      "",
      async ({ body, status }) => {
        const { name, ...input } = body;
        return status(201, presentEventType(await types.create(name, input)));
      },
      {
        body: CreateEventTypeBody,
        parse: JSON_BODY,
        response: { 201: EventTypeModel, ...WriteErrors },
        detail: {
          summary: "Register an event type",
          description:
            "Admin key only. Registers an operator type: webhooks may subscribe to it and accounts publish it at once (other replicas within a second), `data` checked against its schema. 422 naming the field when the name, the schema (the JSON pointer in /schema and why) or the example (the pointer under /example) is wrong; 409 when the name is built in or already registered (archived types keep their names).",
        },
      },
    )
    .put("/:name", async ({ params, body }) => presentEventType(await types.update(params.name, body)), {
      params: EventTypeNameParams,
      body: ReplaceEventTypeBody,
      parse: JSON_BODY,
      response: { 200: EventTypeModel, ...WriteErrors },
      detail: {
        summary: "Replace an event type",
        description:
          "Admin key only. Replaces the description, schema and example (an absent example removes it) of an operator type; events published from now on are checked against the new schema, events already stored are unchanged. 409 for a built-in or archived type, 404 for an unknown one, 422 as for registering.",
      },
    })
    .delete(
      "/:name",
      async ({ params, set }) => {
        await types.archive(params.name);
        set.status = 204;
      },
      {
        params: EventTypeNameParams,
        response: { 204: t.Void(), ...WriteErrors },
        detail: {
          summary: "Archive an event type",
          description:
            "Admin key only. Archives an operator type: publishing it or subscribing a webhook to it answers 422 (naming /type or /events/N, saying it is archived); its events stay readable, and webhooks subscribed keep it in `events` but receive nothing new. Archiving an archived type changes nothing (204). 409 for a built-in type, 404 for an unknown one.",
        },
      },
    );
}
