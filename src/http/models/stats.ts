// GET /v1/webhooks/{id}/stats: its query and response schema, and the presenter.

import { t } from "elysia";
import type { WebhookStats } from "../../domain/stats-service";
import { LATENCY_BINS_MS, STATS_BUCKET_MS } from "../../storage/stats-rollup";
import { toRfc3339, toRfc3339OrNull } from "../rfc3339";
import { DateTime } from "./common";
import { WebhookAccountId } from "./webhook";

const LAST_BIN_MS = LATENCY_BINS_MS.at(-1) as number;

export const StatsQuery = t.Object({
  since: t.Optional(
    t.String({
      description:
        "RFC 3339: count attempts from the start of the hour this falls in. Default: 24 hours ago; at most the retention (INBOX_RETENTION) ago, and before now.",
      examples: ["2025-01-15T00:00:00Z"],
    }),
  ),
  account_id: WebhookAccountId,
});

const Quantile = (q: string) =>
  t.Union([t.Integer(), t.Null()], {
    description: `${q} of the window's attempt durations (ms); null without attempts.`,
    examples: [120],
  });

const NullableTime = (description: string) =>
  t.Union([DateTime(description), t.Null()], { description: `${description} Null when none is recorded.` });

export const WebhookStatsModel = t.Object(
  {
    webhook_id: t.String({ examples: ["wh_01JH8Z3K9D7Q2W4E6R8T0Y1U3I"] }),
    window: t.Object(
      {
        since: DateTime(
          `Start of the window: the start of the hour (${STATS_BUCKET_MS / 60_000}-minute rollups) holding the asked since.`,
        ),
        until: DateTime("End of the window: now."),
      },
      { description: "The attempts counted are those started in [since, until)." },
    ),
    attempts: t.Integer({
      description: "Attempts made in the window (test sends excluded).",
      examples: [1520],
    }),
    succeeded: t.Integer({ description: "Of them, answered with a 2xx.", examples: [1502] }),
    failed: t.Integer({
      description: "Of them, failed (any other status, timeout, network error).",
      examples: [18],
    }),
    success_rate: t.Union([t.Number(), t.Null()], {
      description: "succeeded / attempts, to 4 decimals; null without attempts.",
      examples: [0.9882],
    }),
    latency_ms: t.Object(
      { p50: Quantile("Median"), p90: Quantile("90th percentile"), p99: Quantile("99th percentile") },
      {
        description: `Percentiles estimated from a latency histogram with fixed bins (${LATENCY_BINS_MS.join(", ")} ms and above): each is the upper bound of the bin holding that percentile, so never below the true value and at most one bin above it; ${LAST_BIN_MS} means ${LAST_BIN_MS} or more.`,
      },
    ),
    failing_since: NullableTime(
      "Start of the current run of failed attempts (the first failure after the last success), over all recorded history; null when the last attempt succeeded.",
    ),
    last_success_at: NullableTime(
      "Start of the most recent successful attempt (any time, not only in the window).",
    ),
    last_failure_at: NullableTime(
      "Start of the most recent failed attempt (any time, not only in the window).",
    ),
    pending: t.Integer({
      description: "Deliveries of this webhook waiting for an attempt now.",
      examples: [3],
    }),
  },
  {
    description: "A webhook's health: its attempts in the window, and its state now.",
    examples: [
      {
        webhook_id: "wh_01JH8Z3K9D7Q2W4E6R8T0Y1U3I",
        window: { since: "2025-01-14T10:00:00Z", until: "2025-01-15T10:25:03Z" },
        attempts: 1520,
        succeeded: 1502,
        failed: 18,
        success_rate: 0.9882,
        latency_ms: { p50: 100, p90: 300, p99: 1000 },
        failing_since: null,
        last_success_at: "2025-01-15T10:24:58Z",
        last_failure_at: "2025-01-15T09:12:40Z",
        pending: 3,
      },
    ],
  },
);

export function presentStats(stats: WebhookStats): typeof WebhookStatsModel.static {
  return {
    webhook_id: stats.webhook_id,
    window: { since: toRfc3339(stats.since), until: toRfc3339(stats.until) },
    attempts: stats.attempts,
    succeeded: stats.succeeded,
    failed: stats.failed,
    success_rate: stats.success_rate,
    latency_ms: stats.latency_ms,
    failing_since: toRfc3339OrNull(stats.failing_since),
    last_success_at: toRfc3339OrNull(stats.last_success_at),
    last_failure_at: toRfc3339OrNull(stats.last_failure_at),
    pending: stats.pending,
  };
}
