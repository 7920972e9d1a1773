import { describe, expect, test } from "bun:test";
import type { AttemptRecord, DeliveryRecord, EventRecord } from "../records";
import {
  decodeAttempt,
  decodeDelivery,
  decodeEvent,
  encodeAttempt,
  encodeDelivery,
  encodeEvent,
  type StoredDelivery,
} from "./record-codecs";

const T = 1_796_297_313_502;
const ACCOUNT = "acct_01M8XTKK56FCNQRVZQRX7GXSA1";
/** Stored values go through JSON, as LMDB keeps them. */
const stored = (value: unknown): unknown => JSON.parse(JSON.stringify(value));

describe("event values", () => {
  const event: EventRecord = {
    id: "order-42:created",
    account_id: ACCOUNT,
    type: "message.delivered",
    created_at: T,
    data: { message_id: "msg_1", nested: [1, { a: null }], text: "✓ é" },
  };

  test("keep the type, data and delivery ids; the key gives the rest", () => {
    const value = stored(encodeEvent({ event, deliveries: ["dlv_1", "dlv_2"] }));
    expect(value).toEqual(["message.delivered", event.data, ["dlv_1", "dlv_2"]]);
    expect(decodeEvent(ACCOUNT, T, event.id, value)).toEqual({ event, deliveries: ["dlv_1", "dlv_2"] });
  });

  test("keep `test` only when the record has it", () => {
    const sample = { ...event, test: true };
    const decoded = decodeEvent(ACCOUNT, T, event.id, stored(encodeEvent({ event: sample, deliveries: [] })));
    expect(decoded.event).toEqual(sample);
    expect(
      "test" in decodeEvent(ACCOUNT, T, event.id, stored(encodeEvent({ event, deliveries: [] }))).event,
    ).toBe(false);
  });

  test("keep channels only when the record has some, as the fourth element (then `test`)", () => {
    const routed = { ...event, channels: ["eu-west", "tenant:acme"] };
    const value = stored(encodeEvent({ event: routed, deliveries: ["dlv_1"] }));
    expect(value).toEqual(["message.delivered", event.data, ["dlv_1"], ["eu-west", "tenant:acme"]]);
    const decoded = decodeEvent(ACCOUNT, T, event.id, value);
    expect(decoded).toEqual({ event: routed, deliveries: ["dlv_1"] });
    expect("test" in decoded.event).toBe(false);
    const sample = { ...routed, test: true };
    expect(stored(encodeEvent({ event: sample, deliveries: [] }))).toEqual([
      "message.delivered",
      event.data,
      [],
      ["eu-west", "tenant:acme"],
      true,
    ]);
    expect(
      decodeEvent(ACCOUNT, T, event.id, stored(encodeEvent({ event: sample, deliveries: [] }))).event,
    ).toEqual(sample);
    // No channels: not a byte more than before channels existed.
    const plain = JSON.stringify(encodeEvent({ event: { ...event, channels: [] }, deliveries: ["dlv_1"] }));
    expect(plain).toBe(JSON.stringify(["message.delivered", event.data, ["dlv_1"]]));
  });

  test("a value written before channels existed decodes unchanged", () => {
    const old = ["message.delivered", event.data, ["dlv_1"], true];
    expect(decodeEvent(ACCOUNT, T, event.id, old)).toEqual({
      event: { ...event, test: true },
      deliveries: ["dlv_1"],
    });
  });
});

describe("delivery values", () => {
  const pending: DeliveryRecord = {
    id: "dlv_01M8XTKK6Y45B39W96BBYJGYG6",
    account_id: ACCOUNT,
    event_id: "evt_01M8XTKK6Y45B39W96BBYJGYG5",
    event_type: "message.delivered",
    webhook_id: "wh_01M8XTKK6C93QF2WX9300ZH1ZF",
    status: "pending",
    attempts: 0,
    next_attempt_at: T,
    created_at: T,
    updated_at: T,
    last_attempt_at: null,
    last_status_code: null,
    last_error: null,
  };
  const accountOf = (n: number) => (n === 7 ? ACCOUNT : `unknown ${n}`);

  test("round-trip in every state, the attempt keys included", () => {
    const cases: StoredDelivery[] = [
      { delivery: pending, attempts: [] },
      {
        delivery: {
          ...pending,
          status: "failed",
          attempts: 2,
          next_attempt_at: null,
          updated_at: T + 90_000,
          last_attempt_at: T + 60_000,
          last_status_code: 500,
          last_error: "500 Internal Server Error",
        },
        attempts: [
          [T + 5, "att_1"],
          [T + 60_000, "att_2"],
        ],
      },
      { delivery: { ...pending, status: "succeeded", next_attempt_at: null }, attempts: [] },
      { delivery: { ...pending, status: "cancelled", next_attempt_at: null }, attempts: [] },
    ];
    for (const c of cases) {
      expect(decodeDelivery(pending.id, stored(encodeDelivery(c, 7)), accountOf)).toEqual(c);
    }
  });

  test("store the account as its number and later times as offsets", () => {
    const value = encodeDelivery(
      { delivery: { ...pending, updated_at: T + 12 }, attempts: [[T + 6, "att_1"]] },
      7,
    );
    expect(value[0]).toBe(7);
    expect(value[8]).toBe(12);
    expect(value[12]).toEqual([[6, "att_1"]]);
  });

  test("keep retry_base as a trailing element only when above 0; a version 3 value reads as never recovered", () => {
    const recovered: StoredDelivery = { delivery: { ...pending, attempts: 6, retry_base: 6 }, attempts: [] };
    const value = encodeDelivery(recovered, 7);
    expect(value).toHaveLength(14);
    expect(value[13]).toBe(6);
    expect(decodeDelivery(pending.id, stored(value), accountOf)).toEqual(recovered);
    // Never recovered (or recovered before any attempt): the version 3 layout, byte for byte.
    const plain = encodeDelivery({ delivery: { ...pending, retry_base: 0 }, attempts: [] }, 7);
    expect(plain).toEqual(encodeDelivery({ delivery: pending, attempts: [] }, 7));
    expect(plain).toHaveLength(13);
    expect(decodeDelivery(pending.id, stored(plain), accountOf).delivery).not.toHaveProperty("retry_base");
  });

  test("an unknown status code is an error, not a guess", () => {
    const value = stored(encodeDelivery({ delivery: pending, attempts: [] }, 7)) as unknown[];
    value[4] = 9;
    expect(() => decodeDelivery(pending.id, value, accountOf)).toThrow("unknown status code 9");
  });
});

describe("attempt values", () => {
  const failed: AttemptRecord = {
    id: "att_01M8XTKK7E01JACGX3JNQ3STET",
    account_id: ACCOUNT,
    webhook_id: "wh_01M8XTKK6C93QF2WX9300ZH1ZF",
    delivery_id: "dlv_01M8XTKK6Y45B39W96BBYJGYG6",
    event_id: "evt_01M8XTKK6Y45B39W96BBYJGYG5",
    event_type: "message.delivered",
    attempt: 3,
    started_at: T,
    duration_ms: 10_000,
    outcome: "failed",
    status_code: null,
    error_class: "timeout",
    error_message: "no answer within 10 s",
    response_body: null,
    test: false,
  };

  test("round-trip failed, succeeded and test attempts", () => {
    const cases: AttemptRecord[] = [
      failed,
      {
        ...failed,
        outcome: "succeeded",
        status_code: 200,
        error_class: null,
        error_message: null,
        response_body: "ok",
      },
      { ...failed, delivery_id: null, test: true, outcome: "succeeded", status_code: 204, error_class: null },
    ];
    for (const a of cases) {
      const value = stored(encodeAttempt(a));
      expect(decodeAttempt(a.account_id, a.webhook_id, a.started_at, a.id, value)).toEqual(a);
    }
  });
});
