// Recovering a webhook's failed and cancelled deliveries (POST /v1/webhooks/{id}/recover) through the
// HTTP API: the answer, the background work it starts, and every refusal.

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { eventCatalog } from "../../src/domain/event-catalog";
import { newId } from "../../src/domain/ids";
import { encodeJob, jobKey, RECOVERY_JOB_PREFIX, type RecoveryJob } from "../../src/domain/recovery-jobs";
import type { DeliveryRecord } from "../../src/storage/records";
import { ADMIN_KEY, createHarness, type Harness, webhookBody } from "./harness";

let h: Harness;
beforeAll(async () => {
  h = await createHarness();
});
afterAll(async () => {
  await h.close();
});

const TYPE = "message.delivered";
const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");

/** An account with one webhook and `n` events published to it; answers their delivery ids. */
async function scenario(name: string, n = 2) {
  const a = await h.newAccount(name);
  const hook = await h.call("POST", "/v1/webhooks", { key: a.key, body: webhookBody({ events: [TYPE] }) });
  const webhookId = hook.json.id as string;
  const deliveryIds: string[] = [];
  for (let i = 0; i < n; i++) {
    const published = await h.call("POST", "/v1/events", {
      key: a.key,
      body: { type: TYPE, data: eventCatalog.sample(TYPE) },
    });
    const got = await h.call("GET", `/v1/events/${published.json.id}`, { key: a.key });
    deliveryIds.push(got.json.deliveries[0].id as string);
  }
  return { ...a, webhookId, deliveryIds };
}

const setEnabled = (key: string, id: string, enabled: boolean) =>
  h.call("PUT", `/v1/webhooks/${id}`, { key, body: { enabled } });

const recover = (key: string, id: string, body: unknown) =>
  h.call("POST", `/v1/webhooks/${id}/recover`, { key, body });

/** Records the delivery's first attempt under the lease its publish took, as the engine would. */
async function finish(deliveryId: string, outcome: "failed" | "succeeded"): Promise<DeliveryRecord> {
  const lease = h.delivery.leases.find((l) => l.delivery.id === deliveryId);
  if (!lease) throw new Error(`no lease on ${deliveryId}`);
  const failed = await attemptOf(deliveryId);
  const attempt =
    outcome === "failed"
      ? failed
      : { ...failed, outcome, status_code: 200, error_class: null, error_message: null };
  const result = await h.store.deliveries.recordAttempt(
    attempt,
    { status: outcome },
    { delivery_id: deliveryId, token: lease.token },
  );
  if (result.kind !== "recorded") throw new Error(`not recorded: ${result.kind}`);
  return result.delivery;
}

/** Waits until the background work leaves no recovery job in the store. */
async function jobsDone(): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if ((await h.store.meta.entries(RECOVERY_JOB_PREFIX)).length === 0) return;
    await Bun.sleep(10);
  }
  throw new Error("recovery jobs did not finish");
}

describe("POST /v1/webhooks/{id}/recover", () => {
  test("answers 202 with the count, then makes failed and cancelled deliveries pending again", async () => {
    const s = await scenario("recover-main", 3);
    const since = Date.now() - 60_000;
    const [failedId, cancelledId, succeededId] = s.deliveryIds as [string, string, string];
    await finish(failedId, "failed");
    await finish(succeededId, "succeeded");
    // Disabling cancels the one still pending; recovery needs the webhook enabled again.
    await setEnabled(s.key, s.webhookId, false);
    await setEnabled(s.key, s.webhookId, true);

    const hintsBefore = h.delivery.retries.length;
    const res = await recover(s.key, s.webhookId, { since: iso(since) });
    expect(res.status).toBe(202);
    expect(res.json).toEqual({
      webhook_id: s.webhookId,
      since: iso(since),
      until: expect.any(String),
      deliveries: 2,
    });
    expect(Date.parse(res.json.until)).toBeGreaterThanOrEqual(since);
    await jobsDone();
    const failed = await h.call("GET", `/v1/deliveries/${failedId}`, { key: s.key });
    expect(failed.json.status).toBe("pending");
    // The earlier attempt stays in its log.
    expect(failed.json.attempts.map((a: { attempt: number }) => a.attempt)).toEqual([1]);
    const cancelled = await h.call("GET", `/v1/deliveries/${cancelledId}`, { key: s.key });
    expect(cancelled.json.status).toBe("pending");
    const succeeded = await h.call("GET", `/v1/deliveries/${succeededId}`, { key: s.key });
    expect(succeeded.json.status).toBe("succeeded");
    expect(h.delivery.retries.length).toBeGreaterThan(hintsBefore);
    expect((await h.store.deliveries.getById(failedId))?.retry_base).toBe(1);
  });

  test("deliveries created outside the window are untouched; an empty window answers 0", async () => {
    const s = await scenario("recover-window", 1);
    await setEnabled(s.key, s.webhookId, false);
    await setEnabled(s.key, s.webhookId, true);
    const createdAt = (await h.store.deliveries.getById(s.deliveryIds[0] as string))?.created_at ?? 0;
    const before = await recover(s.key, s.webhookId, {
      since: iso(createdAt - 3_600_000),
      until: iso(createdAt - 1_000),
    });
    expect(before.status).toBe(202);
    expect(before.json.deliveries).toBe(0);
    expect(before.json.until).toBe(iso(createdAt - 1_000));
    expect((await h.store.meta.entries(RECOVERY_JOB_PREFIX)).length).toBe(0);
    const got = await h.call("GET", `/v1/deliveries/${s.deliveryIds[0]}`, { key: s.key });
    expect(got.json.status).toBe("cancelled");
  });

  test("since older than the retention is fine: nothing older is kept", async () => {
    const s = await scenario("recover-old", 1);
    const res = await recover(s.key, s.webhookId, { since: "2001-01-01T00:00:00Z" });
    expect(res.status).toBe(202);
    expect(res.json.deliveries).toBe(0);
  });

  test("409 conflict while the webhook is disabled, saying to enable it first", async () => {
    const s = await scenario("recover-disabled", 1);
    await setEnabled(s.key, s.webhookId, false);
    const res = await recover(s.key, s.webhookId, { since: "2025-01-15T00:00:00Z" });
    expect(res.status).toBe(409);
    expect(res.json.error.code).toBe("conflict");
    expect(res.json.error.message).toContain("enable it first");
    const got = await h.call("GET", `/v1/deliveries/${s.deliveryIds[0]}`, { key: s.key });
    expect(got.json.status).toBe("cancelled");
  });

  test("one recovery of a webhook at a time: another asked meanwhile is 409, the first goes on", async () => {
    const s = await scenario("recover-once", 3);
    await setEnabled(s.key, s.webhookId, false);
    await setEnabled(s.key, s.webhookId, true);
    const body = { since: iso(Date.now() - 60_000) };
    const answers = await Promise.all([1, 2, 3].map(() => recover(s.key, s.webhookId, body)));
    expect(answers.map((r) => r.status).sort()).toEqual([202, 409, 409]);
    for (const refused of answers.filter((r) => r.status === 409)) {
      expect(refused.json.error.code).toBe("conflict");
      expect(refused.json.error.message).toContain("already under way");
    }
    await jobsDone();
    for (const id of s.deliveryIds) {
      expect((await h.call("GET", `/v1/deliveries/${id}`, { key: s.key })).json.status).toBe("pending");
    }
    // Once it has finished, the webhook may be recovered again.
    await setEnabled(s.key, s.webhookId, false);
    await setEnabled(s.key, s.webhookId, true);
    const again = await recover(s.key, s.webhookId, body);
    expect(again.status).toBe(202);
    expect(again.json.deliveries).toBe(3);
    await jobsDone();
  });

  test("a saved job not running (paused after store failures) makes the next request 409 and resumes", async () => {
    const s = await scenario("recover-paused", 2);
    await setEnabled(s.key, s.webhookId, false);
    await setEnabled(s.key, s.webhookId, true);
    const now = Date.now();
    const job: RecoveryJob = {
      id: `${s.webhookId}:paused`,
      account_id: s.id,
      webhook_id: s.webhookId,
      window: { since: now - 60_000, until: now },
      after: null,
      counted: 2,
      recovered: 0,
      created_at: now,
    };
    await h.store.meta.set(jobKey(job.id), encodeJob(job));
    const res = await recover(s.key, s.webhookId, { since: iso(now - 60_000) });
    expect(res.status).toBe(409);
    expect(res.json.error.message).toContain("0 of 2 deliveries recovered so far");
    await jobsDone();
    for (const id of s.deliveryIds) {
      expect((await h.call("GET", `/v1/deliveries/${id}`, { key: s.key })).json.status).toBe("pending");
    }
  });

  test("404 for an unknown webhook, a deleted one and another account's", async () => {
    const s = await scenario("recover-404", 0);
    const other = await scenario("recover-404-other", 0);
    const body = { since: "2025-01-15T00:00:00Z" };
    for (const [key, id] of [
      [s.key, "wh_01JH8Z3K9D7Q2W4E6R8T0Y1U3I"],
      [s.key, other.webhookId],
    ] as const) {
      const res = await recover(key, id, body);
      expect(res.status).toBe(404);
      expect(res.json.error.code).toBe("not_found");
    }
    await h.call("DELETE", `/v1/webhooks/${s.webhookId}`, { key: s.key });
    expect((await recover(s.key, s.webhookId, body)).status).toBe(404);
  });

  test("the admin key recovers for the account named by account_id", async () => {
    const s = await scenario("recover-admin", 1);
    const res = await h.call("POST", `/v1/webhooks/${s.webhookId}/recover?account_id=${s.id}`, {
      key: ADMIN_KEY,
      body: { since: "2025-01-15T00:00:00Z" },
    });
    expect(res.status).toBe(202);
    expect(res.json.webhook_id).toBe(s.webhookId);
  });

  test("422 naming the field for a missing, malformed or misordered window", async () => {
    const s = await scenario("recover-422", 0);
    const future = iso(Date.now() + 3_600_000);
    const cases: Array<[unknown, string]> = [
      [{}, "/since"],
      [{ since: "yesterday" }, "/since"],
      [{ since: 1736936703 }, "/since"],
      [{ since: "2025-01-15" }, "/since"],
      [{ since: "2025-01-15T10:00:00Z", until: "soon" }, "/until"],
      [{ since: "2025-01-15T10:00:00Z", until: "2025-01-15T09:00:00Z" }, "/since"],
      [{ since: "2025-01-15T10:00:00Z", until: "2025-01-15T10:00:00Z" }, "/since"],
      [{ since: future }, "/since"],
      [{ since: "2025-01-15T10:00:00Z", extra: 1 }, "/extra"],
    ];
    for (const [body, field] of cases) {
      const res = await recover(s.key, s.webhookId, body);
      expect({ body, status: res.status, code: res.json?.error?.code }).toEqual({
        body,
        status: 422,
        code: "validation_failed",
      });
      expect(JSON.stringify(res.json.error.details)).toContain(field);
    }
  });

  test("401 without a key", async () => {
    const res = await h.call("POST", "/v1/webhooks/wh_x/recover", {
      key: null,
      body: { since: "2025-01-15T00:00:00Z" },
    });
    expect(res.status).toBe(401);
  });

  test("is in the OpenAPI document with its body, answer and every error status", async () => {
    const res = await h.call("GET", "/swagger/json", { key: null });
    const op = res.json.paths["/v1/webhooks/{id}/recover"]?.post;
    expect(op?.summary).toContain("Recover");
    for (const code of ["202", "401", "404", "409", "422", "507"])
      expect(op.responses[code], code).toBeDefined();
    const text = JSON.stringify(op);
    expect(text).toContain("2025-01-15T07:00:00Z");
    expect(text).toContain("enable it first");
    expect(op.requestBody.required).toBe(true);
  });
});

async function attemptOf(deliveryId: string) {
  const d = await h.store.deliveries.getById(deliveryId);
  if (!d) throw new Error("missing");
  return {
    id: newId("att"),
    account_id: d.account_id,
    webhook_id: d.webhook_id,
    delivery_id: d.id,
    event_id: d.event_id,
    event_type: d.event_type,
    attempt: 1,
    started_at: Date.now(),
    duration_ms: 3,
    outcome: "failed" as const,
    status_code: 503,
    error_class: "http_status" as const,
    error_message: "503",
    response_body: null,
    test: false,
  };
}
