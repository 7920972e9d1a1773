import { describe, expect, test } from "bun:test";
import { envelopeBody, rfc3339 } from "./envelope";

describe("envelopeBody", () => {
  test("is the docs' envelope, keys in order, created_at without millis", () => {
    const body = envelopeBody({
      id: "evt_1234567890",
      account_id: "acct_x",
      type: "message.delivered",
      created_at: Date.UTC(2025, 0, 15, 10, 25, 3, 789),
      data: { message_id: "msg_1234567890", to: "+15551234567" },
    });
    expect(body).toBe(
      '{"id":"evt_1234567890","type":"message.delivered","created_at":"2025-01-15T10:25:03Z","data":{"message_id":"msg_1234567890","to":"+15551234567"}}',
    );
  });

  test("rfc3339 drops milliseconds and keeps UTC", () => {
    expect(rfc3339(0)).toBe("1970-01-01T00:00:00Z");
    expect(rfc3339(Date.UTC(2030, 11, 31, 23, 59, 59, 999))).toBe("2030-12-31T23:59:59Z");
  });
});
