// Liveness schema.

import { t } from "elysia";

export const HealthModel = t.Object(
  {
    status: t.Union([t.Literal("ok"), t.Literal("shutting_down")]),
    version: t.String({ examples: ["0.1.0"] }),
    pending: t.Integer({ description: "Deliveries waiting for an attempt." }),
    in_flight: t.Integer({ description: "Attempts being made right now." }),
  },
  { examples: [{ status: "ok", version: "0.1.0", pending: 0, in_flight: 0 }] },
);
