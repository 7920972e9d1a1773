// /v1/event-types: the catalog of event types with their schemas and the docs' examples, the
// account types first, then the operational ones (operator_only).

import { Elysia } from "elysia";
import { CommonErrors } from "../models/common";
import { EventTypeList, presentEventType } from "../models/event-type";
import type { RouteContext } from "./route-context";

export function eventTypeRoutes({ services, auth }: RouteContext) {
  return new Elysia({ prefix: "/event-types", tags: ["Event types"] }).use(auth).get(
    "",
    () => ({
      data: [...services.catalog.list(), ...services.operationalCatalog.list()].map(presentEventType),
    }),
    {
      response: { 200: EventTypeList, ...CommonErrors },
      detail: {
        summary: "List event types",
        description:
          "Each type with its description, the JSON schema of its `data`, and the docs' example envelope. The operational types (operator_only: true) go only to the operator's webhooks.",
      },
    },
  );
}
