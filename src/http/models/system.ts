// Liveness schema.

import { t } from "elysia";

export const HealthModel = t.Object(
  {
    status: t.Union([t.Literal("ok"), t.Literal("degraded"), t.Literal("shutting_down")], {
      description:
        '"degraded" (still 200) while the store refuses writes, for lack of disk space or because the ' +
        'database cannot be reached: what can be served still is, and it returns to "ok" by itself ' +
        "once space is freed or the database answers again.",
    }),
    reason: t.Optional(
      t.Union([t.Literal("storage_full"), t.Literal("store_unavailable")], {
        description: 'Why the status is "degraded"; absent otherwise.',
      }),
    ),
    message: t.Optional(t.String({ description: "What is wrong, for a person; absent when ok." })),
    version: t.String({ examples: ["0.1.0"] }),
    pending: t.Integer({
      description:
        "Deliveries waiting for an attempt, all replicas together (a figure refreshed every few seconds on PostgreSQL).",
    }),
    in_flight: t.Integer({ description: "Attempts being made right now." }),
  },
  { examples: [{ status: "ok", version: "0.1.0", pending: 0, in_flight: 0 }] },
);
