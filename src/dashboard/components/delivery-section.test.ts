import { describe, expect, test } from "bun:test";
import type { AttemptRecord, DeliveryRecord } from "../../storage/records";
import { raw } from "../html";
import { ATTEMPTS_SHOWN_MAX, deliverySection, deliveryState } from "./delivery-section";

const T = Date.UTC(2026, 11, 3, 17, 0, 0);
const delivery: DeliveryRecord = {
  id: "dlv_1",
  account_id: "acc_1",
  event_id: "evt_1",
  event_type: "message.delivered",
  webhook_id: "wh_1",
  status: "pending",
  attempts: 2,
  next_attempt_at: T + 60_000,
  created_at: T,
  updated_at: T,
  last_attempt_at: T + 5_000,
  last_status_code: 500,
  last_error: "http_status",
};
const attempt = (n: number, over: Partial<AttemptRecord> = {}): AttemptRecord => ({
  id: `att_${n}`,
  account_id: "acc_1",
  webhook_id: "wh_1",
  delivery_id: "dlv_1",
  event_id: "evt_1",
  event_type: "message.delivered",
  attempt: n,
  started_at: T + n * 1000,
  duration_ms: 1234,
  outcome: "failed",
  status_code: 500,
  error_class: "http_status",
  error_message: null,
  response_body: '<b>"boom"</b>',
  test: false,
  ...over,
});
const csrf = raw('<input type="hidden" name="csrf" value="tok">');

describe("deliverySection", () => {
  test("shows the endpoint, state, Retry form and every attempt's columns, escaped", () => {
    const out = deliverySection({
      delivery,
      attempts: [attempt(1), attempt(2, { error_class: "timeout", status_code: null, response_body: null })],
      endpointUrl: "https://example.com/h?a=1&b=2",
      csrf,
    }).text;
    expect(out).toContain('id="delivery-dlv_1"');
    expect(out).toContain(`data-state="${deliveryState(delivery)}"`);
    expect(out).toContain("Delivery to https://example.com/h?a=1&amp;b=2");
    expect(out).toContain('action="/dashboard/deliveries/dlv_1/retry"');
    expect(out).toContain('name="csrf" value="tok"');
    for (const col of ["Time", "Status code", "Duration", "Error", "Response"])
      expect(out).toContain(`>${col}</th>`);
    expect(out).toContain("<td>2026-12-03 17:00:01 UTC</td>");
    expect(out).toContain("<td>1.2 s</td>");
    expect(out).toContain("<td>Endpoint answered an error status</td>");
    expect(out).toContain("<td>Timed out</td>");
    expect(out).toContain("&lt;b&gt;&quot;boom&quot;&lt;/b&gt;");
    expect(out).not.toContain("<b>");
  });

  test("a succeeded delivery has no Retry; a deleted endpoint is named by id", () => {
    const out = deliverySection({
      delivery: { ...delivery, status: "succeeded", next_attempt_at: null },
      attempts: [attempt(1, { outcome: "succeeded", status_code: 200, error_class: null })],
      endpointUrl: undefined,
      csrf,
    }).text;
    expect(out).not.toContain(">Retry</button>");
    expect(out).toContain("<code>wh_1</code> (deleted)");
    expect(out).not.toContain("Next attempt");
  });

  test("long responses are folded; attempts beyond the cap are counted, newest kept", () => {
    const many = Array.from({ length: ATTEMPTS_SHOWN_MAX + 3 }, (_, i) =>
      attempt(i + 1, { response_body: "y".repeat(500) }),
    );
    const out = deliverySection({ delivery, attempts: many, endpointUrl: "https://x.test", csrf }).text;
    expect(out).toContain("(the 3 oldest not shown)");
    expect(out).toContain(`<td>${ATTEMPTS_SHOWN_MAX + 3}</td>`);
    expect(out).not.toContain("<td>3</td>");
    expect(out).toContain('<details class="response">');
  });

  test("no attempt yet is said in words", () => {
    expect(
      deliverySection({
        delivery: { ...delivery, attempts: 0 },
        attempts: [],
        endpointUrl: "https://x.test",
        csrf,
      }).text,
    ).toContain("No attempt yet.");
  });

  test("the state changes with attempts, status and the next attempt's time", () => {
    const a = deliveryState(delivery);
    expect(deliveryState({ ...delivery, attempts: 3 })).not.toBe(a);
    expect(deliveryState({ ...delivery, status: "failed" })).not.toBe(a);
    expect(deliveryState({ ...delivery, next_attempt_at: T })).not.toBe(a);
  });
});
