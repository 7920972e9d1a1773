import { describe, expect, test } from "bun:test";
import { reportAttempt } from "../delivery/attempt-outcome";
import type { AttemptRecord, DeliveryRecord } from "../storage/records";
import { createLogger } from "./logger";
import { Metrics } from "./metrics";
import { webhookAttemptsMetric } from "./webhook-attempts-metric";

const silentLogger = createLogger("error", () => {});

const series = (metrics: Metrics) =>
  metrics
    .render()
    .split("\n")
    .filter((line) => line.startsWith("inbox_webhook_attempts_total{"))
    .sort();

describe("inbox_webhook_attempts_total", () => {
  test("is absent when off (0)", () => {
    const metrics = new Metrics();
    expect(webhookAttemptsMetric(metrics, 0)).toBeUndefined();
    expect(metrics.render()).not.toContain("inbox_webhook_attempts_total");
  });

  test("the first `max` webhooks seen get their own series, the rest share webhook_id=other", () => {
    const metrics = new Metrics();
    const metric = webhookAttemptsMetric(metrics, 2);
    metric?.count("wh_a", "succeeded");
    metric?.count("wh_b", "failed");
    metric?.count("wh_c", "succeeded");
    metric?.count("wh_a", "succeeded");
    metric?.count("wh_d", "failed");
    metric?.count("wh_b", "succeeded");
    expect(series(metrics)).toEqual([
      'inbox_webhook_attempts_total{outcome="failed",webhook_id="other"} 1',
      'inbox_webhook_attempts_total{outcome="failed",webhook_id="wh_b"} 1',
      'inbox_webhook_attempts_total{outcome="succeeded",webhook_id="other"} 1',
      'inbox_webhook_attempts_total{outcome="succeeded",webhook_id="wh_a"} 2',
      'inbox_webhook_attempts_total{outcome="succeeded",webhook_id="wh_b"} 1',
    ]);
    // One metric per registry: asking again does not register a second one.
    expect(webhookAttemptsMetric(metrics, 2)).toBe(metric);
    expect(metrics.render().match(/# TYPE inbox_webhook_attempts_total/g)).toHaveLength(1);
  });

  test("reportAttempt counts each attempt under its webhook when on, and not at all when off", () => {
    const delivery = { id: "dlv_1", created_at: 0 } as DeliveryRecord;
    const record = { webhook_id: "wh_x", outcome: "failed", attempt: 2, duration_ms: 5 } as AttemptRecord;
    const on = new Metrics();
    const off = new Metrics();
    for (const [metrics, max] of [
      [on, 10],
      [off, 0],
    ] as const) {
      const deps = { metrics, logger: silentLogger, now: () => 1, config: { metricsWebhooksMax: max } };
      reportAttempt(deps, delivery, record, { status: "failed" }, undefined);
    }
    expect(series(on)).toEqual(['inbox_webhook_attempts_total{outcome="failed",webhook_id="wh_x"} 1']);
    expect(off.render()).not.toContain("inbox_webhook_attempts_total");
  });
});
