// The bench receiver as a real process on 127.0.0.1, and the raw-limit phase against it.

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { measureRawLimit } from "./raw-limit";
import { type Receiver, startReceiver } from "./receiver-process";
import { inboxSignature, newSecret } from "./signing";
import { epochNow } from "./stats";

let receiver: Receiver;
beforeAll(async () => {
  receiver = await startReceiver();
});
afterAll(async () => {
  await receiver.stop();
});

function post(path: string, body: string, signature: string) {
  return fetch(`${receiver.baseUrl}${path}`, {
    method: "POST",
    body,
    headers: { "content-type": "application/json", "x-inbox-signature": signature },
  });
}

describe("bench receiver", () => {
  test("verifies signatures, records first arrivals and duplicates per webhook", async () => {
    const [a, b] = [newSecret(), newSecret()];
    await receiver.setup(
      [
        { token: "a", secret: a },
        { token: "b", secret: b },
      ],
      2,
    );
    const body = JSON.stringify({ id: "evt_x", type: "message.delivered", data: { message_id: "msg_1" } });
    const before = epochNow();
    expect((await post("/hook/a", body, inboxSignature(a, body))).status).toBe(200);
    expect((await post("/hook/a", body, inboxSignature(a, body))).status).toBe(200);
    expect((await post("/hook/b", body, inboxSignature(a, body))).status).toBe(401);
    expect((await post("/hook/c", body, inboxSignature(a, body))).status).toBe(404);
    expect((await post("/hook/b", "[]", inboxSignature(b, "[]"))).status).toBe(400);
    expect((await post("/fail/b", body, inboxSignature(b, body))).status).toBe(500);

    const stats = await receiver.stats();
    expect(stats).toMatchObject({
      ok: 2,
      unique: 1,
      duplicates: 1,
      bad_signature: 1,
      unknown_token: 1,
      malformed: 1,
      failed_on_purpose: 1,
    });
    const arrivals = await receiver.arrivals();
    expect(arrivals.length).toBe(4);
    expect(arrivals[1]).toBeGreaterThanOrEqual(before);
    expect(arrivals[1]).toBeLessThanOrEqual(epochNow());
    expect([arrivals[0], arrivals[2], arrivals[3]]).toEqual([0, 0, 0]);
  });

  test("setup rejects a malformed body", async () => {
    const res = await fetch(`${receiver.baseUrl}/_control/setup`, { method: "POST", body: '{"tokens":3}' });
    expect(res.status).toBe(400);
  });

  test("the raw-limit phase sends verified POSTs and reports a rate", async () => {
    const raw = await measureRawLimit(receiver, { concurrency: 4, seconds: 1 });
    expect(raw.errors).toBe(0);
    expect(raw.posts).toBeGreaterThan(0);
    // ms is rounded in the report, so the rate agrees with posts/ms to within a fraction of a percent.
    expect(Math.abs(raw.posts_per_s - (raw.posts * 1000) / raw.ms)).toBeLessThan(raw.posts_per_s * 0.01 + 1);
    expect((await receiver.stats()).bad_signature).toBe(0);
  });
});
