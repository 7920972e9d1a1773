import { describe, expect, test } from "bun:test";
import type { DeliveryRecord, WebhookRecord } from "../storage/records";
import { attemptRecord, MISSING_EVENT, nextStep } from "./attempt-outcome";
import type { SendOutcome } from "./sender";

const config = { retrySchedule: [0, 30_000, 120_000], retryAfterMsMax: 60_000 };
const failure = (retryAfterMs: number | null = null): SendOutcome => ({
  ok: false,
  errorClass: "http_status",
  status: 503,
  message: "HTTP 503",
  body: "later",
  durationMs: 12,
  retryAfterMs,
});
const webhook = { id: "wh_1", account_id: "acct_1" } as WebhookRecord;

describe("nextStep", () => {
  test("a 2xx finishes the delivery", () => {
    expect(nextStep({ ok: true, status: 200, body: "", durationMs: 1 }, 1, config, 0)).toEqual({
      status: "succeeded",
    });
  });

  test("failures retry on the schedule, then fail", () => {
    expect(nextStep(failure(), 1, config, 1_000)).toEqual({ status: "pending", next_attempt_at: 31_000 });
    expect(nextStep(failure(), 2, config, 1_000)).toEqual({ status: "pending", next_attempt_at: 121_000 });
    expect(nextStep(failure(), 3, config, 1_000)).toEqual({ status: "failed" });
  });

  test("Retry-After pushes the retry later, up to the cap", () => {
    expect(nextStep(failure(45_000), 1, config, 0)).toEqual({ status: "pending", next_attempt_at: 45_000 });
    expect(nextStep(failure(3_600_000), 1, config, 0)).toEqual({
      status: "pending",
      next_attempt_at: 60_000,
    });
  });

  test("an attempt that cannot be retried fails at once", () => {
    expect(nextStep(MISSING_EVENT, 1, config, 0, false)).toEqual({ status: "failed" });
  });

  test("a recovered delivery gets the whole schedule again, counted from its retry_base", () => {
    // Three attempts failed before the recovery; attempt 4 is the schedule's first.
    expect(nextStep(failure(), 4, config, 1_000, true, 3)).toEqual({
      status: "pending",
      next_attempt_at: 31_000,
    });
    expect(nextStep(failure(), 5, config, 1_000, true, 3)).toEqual({
      status: "pending",
      next_attempt_at: 121_000,
    });
    expect(nextStep(failure(), 6, config, 1_000, true, 3)).toEqual({ status: "failed" });
  });
});

describe("attemptRecord", () => {
  test("a delivery's attempt carries its ids and the outcome", () => {
    const delivery = { id: "dlv_1", event_id: "evt_1", event_type: "message.read" } as DeliveryRecord;
    const record = attemptRecord({
      delivery,
      event: null,
      webhook,
      attempt: 2,
      startedAt: 5_000,
      outcome: failure(),
    });
    expect(record).toMatchObject({
      account_id: "acct_1",
      webhook_id: "wh_1",
      delivery_id: "dlv_1",
      event_id: "evt_1",
      event_type: "message.read",
      attempt: 2,
      started_at: 5_000,
      duration_ms: 12,
      outcome: "failed",
      status_code: 503,
      error_class: "http_status",
      error_message: "HTTP 503",
      response_body: "later",
      test: false,
    });
    expect(record.id.startsWith("att_")).toBe(true);
  });

  test("a test send has no delivery and names its event", () => {
    const record = attemptRecord({
      delivery: null,
      event: { id: "evt_9", type: "message.failed" },
      webhook,
      attempt: 1,
      startedAt: 0,
      outcome: { ok: true, status: 204, body: "", durationMs: 3 },
    });
    expect(record).toMatchObject({
      delivery_id: null,
      event_id: "evt_9",
      event_type: "message.failed",
      outcome: "succeeded",
      status_code: 204,
      error_class: null,
      error_message: null,
      test: true,
    });
  });
});
