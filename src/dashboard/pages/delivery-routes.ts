// The deliveries side of the dashboard on the router, each route with the /v1 route it stands for
// (the session needs that route's scope, as the API would require of its key).

import type { Router } from "../router";
import { deliveriesHandler } from "./deliveries";
import { eventHandler } from "./event";
import { replayHandler, retryHandler } from "./event-actions";
import { eventTypeHandler, eventTypesHandler } from "./event-types";
import { liveHandler } from "./live";

export function deliveryPageRoutes(router: Router): void {
  router
    .get("/dashboard/deliveries", "GET /v1/deliveries", deliveriesHandler)
    .get("/dashboard/events/:id", "GET /v1/events/:id", eventHandler)
    .post("/dashboard/events/:id/replay", "POST /v1/events/:id/replay", replayHandler)
    .post("/dashboard/deliveries/:id/retry", "POST /v1/deliveries/:id/retry", retryHandler)
    .get("/dashboard/live/events/:id", "GET /v1/events/:id", liveHandler)
    .get("/dashboard/event-types", "GET /v1/event-types", eventTypesHandler)
    .get("/dashboard/event-types/:name", "GET /v1/event-types/:name", eventTypeHandler);
}
