// The hourly succeeded/failed counts of one endpoint over the last 24 hours, for its chart, read
// through the stats service the API uses (GET /v1/webhooks/:id/stats). The service answers totals
// since a time, so the count of hour h is total(since h) - total(since h + 1): 25 reads of at most
// 24 hourly rollup buckets each, a fixed cost however many attempts the endpoint has. Attempts
// recorded between two reads can make a difference off by those attempts; it is clamped at 0.
// (A service method answering the buckets themselves would make this one read.)

import type { Services } from "../../domain/services";
import { STATS_WINDOW_MS_DEFAULT, type WebhookStats } from "../../domain/stats-service";
import type { HourCount } from "../components/attempts-chart";

const HOUR_MS = 3_600_000;

export interface EndpointHours {
  /** The whole window's stats (since the first hour's start). */
  stats: WebhookStats;
  hours: HourCount[];
}

export async function endpointHours(
  services: Services,
  accountId: string,
  webhookId: string,
  now: number,
): Promise<EndpointHours> {
  const first = Math.floor((now - STATS_WINDOW_MS_DEFAULT) / HOUR_MS) * HOUR_MS;
  const starts: number[] = [];
  for (let start = first; start < now; start += HOUR_MS) starts.push(start);
  const totals = await Promise.all(
    starts.map((start) =>
      services.stats.webhookStats(accountId, webhookId, Math.max(start, now - STATS_WINDOW_MS_DEFAULT)),
    ),
  );
  const hours = totals.map((total, i) => {
    const later = totals[i + 1];
    return {
      start: starts[i] as number,
      succeeded: Math.max(0, total.succeeded - (later?.succeeded ?? 0)),
      failed: Math.max(0, total.failed - (later?.failed ?? 0)),
    };
  });
  return { stats: totals[0] as WebhookStats, hours };
}
