// A scene for the deliveries pages' tests: an account with two endpoints and events delivered to
// them through the real API and store, attempts recorded as the engine would record them (the
// harness's fake engine never sends anything), and a signed-in dashboard browser.

import { expect } from "bun:test";
import { eventCatalog } from "../../src/domain/event-catalog";
import type { AttemptRecord } from "../../src/storage/records";
import type { AttemptOutcomeUpdate, Lease } from "../../src/storage/store";
import { type Harness, webhookBody } from "../http/harness";
import { attempt as attemptRecord } from "../storage/fixtures";
import { BrowserClient } from "./browser-client";

export interface Scene {
  account: { id: string; key: string };
  browser: BrowserClient;
  /** Subscribed to every type. */
  all: string;
  /** Subscribed to message.read only. */
  reads: string;
  publish(
    type: string,
    data?: unknown,
  ): Promise<{ id: string; deliveries: { id: string; webhook_id: string }[] }>;
  attempt(deliveryId: string, outcome: "succeeded" | "failed", over?: Partial<AttemptRecord>): Promise<void>;
}

/** The documented example data of a built-in type. */
export function exampleData(type: string): Record<string, unknown> {
  const data = eventCatalog.get(type)?.example?.data;
  if (!data) throw new Error(`no example for ${type}`);
  return data;
}

export async function scene(h: Harness, name: string): Promise<Scene> {
  const account = await h.newAccount(name);
  const hook = async (events: string[], url: string) => {
    const res = await h.call("POST", "/v1/webhooks", {
      key: account.key,
      body: webhookBody({ events, url }),
    });
    expect(res.status).toBe(201);
    return res.json.id as string;
  };
  const all = await hook(["*"], "https://hooks.example.com/all?x=1&y=2");
  const reads = await hook(["message.read"], "https://hooks.example.com/reads");
  const browser = new BrowserClient(h.app);
  const signedIn = await browser.signIn(account.key);
  expect(signedIn.status).toBe(303);
  const held = new Map<string, Lease>();
  const leaseOf = async (id: string): Promise<Lease> => {
    for (const lease of h.delivery.leases.splice(0)) held.set(lease.delivery.id, lease);
    if (!held.has(id)) {
      const leases = await h.store.work.lease({
        owner: h.config.replicaId,
        until: Date.now() + 1,
        limit: 10_000,
        leaseMs: 60_000,
      });
      for (const l of leases) held.set(l.delivery.id, l);
    }
    const lease = held.get(id);
    if (!lease) throw new Error(`no lease on ${id}`);
    held.delete(id);
    return lease;
  };
  return {
    account,
    browser,
    all,
    reads,
    async publish(type, data) {
      const body = { type, data: data ?? exampleData(type) };
      const res = await h.call("POST", "/v1/events", { key: account.key, body });
      expect(res.status).toBe(202);
      const got = await h.call("GET", `/v1/events/${res.json.id}`, { key: account.key });
      return { id: res.json.id, deliveries: got.json.deliveries };
    },
    async attempt(deliveryId, outcome, over = {}) {
      const lease = await leaseOf(deliveryId);
      const d = lease.delivery;
      const attempt = attemptRecord(d, {
        started_at: Date.now(),
        duration_ms: 42,
        outcome,
        status_code: outcome === "succeeded" ? 200 : 503,
        error_class: outcome === "succeeded" ? null : "http_status",
        error_message: outcome === "succeeded" ? null : "HTTP 503",
        response_body: outcome === "succeeded" ? "ok" : "<h1>Service Unavailable</h1>",
        ...over,
      });
      const update: AttemptOutcomeUpdate =
        outcome === "succeeded"
          ? { status: "succeeded" }
          : { status: "pending", next_attempt_at: Date.now() };
      const result = await h.store.deliveries.recordAttempt(attempt, update, {
        delivery_id: d.id,
        token: lease.token,
      });
      expect(result.kind).toBe("recorded");
    },
  };
}

/** Whether a page is free of inline script, inline event handlers and style attributes (CSP). */
export function cspClean(text: string): boolean {
  const inlineScript = /<script(?![^>]*\ssrc=)[^>]*>/i.test(text);
  return !inlineScript && !/\sstyle=/i.test(text) && !/\son[a-z]+=/i.test(text);
}

/** The event page links of a deliveries page, in order. */
export function eventLinks(text: string): string[] {
  return [...text.matchAll(/href="\/dashboard\/events\/([^"]+)"/g)].map((m) =>
    decodeURIComponent(m[1] as string),
  );
}
