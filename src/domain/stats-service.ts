// A webhook's health over a window: attempts, outcomes and latency summed from the hourly rollups
// the store keeps with each attempt (src/storage/stats-rollup.ts), its health record and its
// pending count. A read costs the same for a webhook with ten attempts or ten million: at most
// one bucket per hour of the window (the retention bounds the window), one health record, and the
// pending count.

import { formatDuration } from "../config/units";
import type { StatsBucket } from "../storage/records";
import { bucketStart, LATENCY_BIN_COUNT, LATENCY_BINS_MS, STATS_BUCKET_MS } from "../storage/stats-rollup";
import type { Store } from "../storage/store";
import { DomainError } from "./errors";

/** The window when none is asked for: the last 24 hours. */
export const STATS_WINDOW_MS_DEFAULT = 86_400_000;

export interface LatencyPercentiles {
  p50: number | null;
  p90: number | null;
  p99: number | null;
}

export interface WebhookStats {
  webhook_id: string;
  /** Attempts started in [since, until); since is the start of the hour the asked time falls in. */
  since: number;
  until: number;
  attempts: number;
  succeeded: number;
  failed: number;
  /** succeeded / attempts, to 4 decimals; null without attempts. */
  success_rate: number | null;
  latency_ms: LatencyPercentiles;
  failing_since: number | null;
  last_success_at: number | null;
  last_failure_at: number | null;
  pending: number;
}

/** The sum of buckets (one bucket-shaped total; its start is meaningless). */
export function sumBuckets(buckets: readonly StatsBucket[]): Omit<StatsBucket, "start"> {
  const total = {
    attempts: 0,
    succeeded: 0,
    failed: 0,
    latency: new Array<number>(LATENCY_BIN_COUNT).fill(0),
  };
  for (const b of buckets) {
    total.attempts += b.attempts;
    total.succeeded += b.succeeded;
    total.failed += b.failed;
    for (let i = 0; i < LATENCY_BIN_COUNT; i++)
      total.latency[i] = (total.latency[i] as number) + (b.latency[i] ?? 0);
  }
  return total;
}

/**
 * The `q` quantile (0 < q <= 1) of the latencies counted in `bins`, estimated as the upper bound of
 * the bin holding the attempt of rank ceil(q * n): never below the true value, and at most one bin
 * above it. The overflow bin answers the last bound (the true value is at least that). Null
 * without attempts.
 */
export function latencyQuantileMs(bins: readonly number[], q: number): number | null {
  const n = bins.reduce((a, b) => a + b, 0);
  if (n === 0) return null;
  const rank = Math.max(1, Math.ceil(q * n));
  let seen = 0;
  for (let i = 0; i < bins.length; i++) {
    seen += bins[i] as number;
    if (seen >= rank) return LATENCY_BINS_MS[Math.min(i, LATENCY_BINS_MS.length - 1)] as number;
  }
  return LATENCY_BINS_MS.at(-1) as number;
}

/** `ms` rounded up to a whole second, in RFC 3339 as the API shows times. */
const wholeSecondAfter = (ms: number) =>
  new Date(Math.ceil(ms / 1000) * 1000).toISOString().replace(".000Z", "Z");

export class StatsService {
  constructor(private readonly deps: { store: Store; now: () => number; retentionMs: number }) {}

  /** The webhook's stats since `since` (ms; default the last 24 h) until now. */
  async webhookStats(accountId: string, webhookId: string, since?: number): Promise<WebhookStats> {
    return (await this.webhookHours(accountId, webhookId, since)).stats;
  }

  /**
   * The webhook's stats and the hourly buckets they were summed from (hours without attempts are
   * absent), for a chart of the window: the same reads as webhookStats, nothing more.
   */
  async webhookHours(
    accountId: string,
    webhookId: string,
    since?: number,
  ): Promise<{ stats: WebhookStats; hours: StatsBucket[] }> {
    const { store } = this.deps;
    const now = this.deps.now();
    const from = bucketStart(this.checkedSince(since, now));
    if (!(await store.webhooks.get(accountId, webhookId))) throw DomainError.notFound("webhook");
    const [buckets, health, pending] = await Promise.all([
      store.stats.buckets(webhookId, from, bucketStart(now) + STATS_BUCKET_MS),
      store.stats.health(webhookId),
      store.stats.pending(webhookId),
    ]);
    const total = sumBuckets(buckets);
    const stats: WebhookStats = {
      webhook_id: webhookId,
      since: from,
      until: now,
      attempts: total.attempts,
      succeeded: total.succeeded,
      failed: total.failed,
      success_rate:
        total.attempts === 0 ? null : Math.round((total.succeeded / total.attempts) * 10_000) / 10_000,
      latency_ms: {
        p50: latencyQuantileMs(total.latency, 0.5),
        p90: latencyQuantileMs(total.latency, 0.9),
        p99: latencyQuantileMs(total.latency, 0.99),
      },
      ...health,
      pending,
    };
    return { stats, hours: buckets };
  }

  /** `since`, or the default; refused when it is not before now or older than the retention. */
  private checkedSince(since: number | undefined, now: number): number {
    if (since === undefined) return now - STATS_WINDOW_MS_DEFAULT;
    const oldest = now - this.deps.retentionMs;
    if (since >= now) {
      throw DomainError.invalid("the time range is empty", [
        { field: "since", reason: "must be before now" },
      ]);
    }
    if (since < oldest) {
      throw DomainError.invalid("the window is longer than the retention", [
        {
          field: "since",
          reason: `must be within the retention (${formatDuration(this.deps.retentionMs)}): not before ${wholeSecondAfter(oldest)}`,
        },
      ]);
    }
    return since;
  }
}
