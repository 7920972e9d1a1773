// A webhook's custom headers and channels through the real engine, on both stores: a real receiver
// gets the custom headers with every attempt, while the engine's own headers (Host, Content-Type,
// User-Agent, the signatures and X-Inbox-*) cannot be replaced, even by a stored record that went
// around registration's checks; the body stays exactly the envelope {id, type, created_at, data},
// whatever channels the event carried; an event reaches a webhook with channels only through one
// of them.

import { beforeEach, describe, expect, test } from "bun:test";
import { Webhook } from "standardwebhooks";
import { eventCatalog } from "../../src/domain/event-catalog";
import { EventsService } from "../../src/domain/events-service";
import { Metrics } from "../../src/observability/metrics";
import type { WebhookRecord } from "../../src/storage/records";
import type { Store } from "../../src/storage/store";
import { cleanupAfterEach } from "../support/cleanups";
import { type Receiver, startReceiver } from "../support/receiver";
import { createAccount, createWebhook, engineFor, statusOf, testConfig, waitUntil } from "./fixtures";
import { STORE_KINDS, type StoreKind, storeKinds } from "./store-kinds";

const cleanups = cleanupAfterEach();
const stores = storeKinds();
let kind: StoreKind = "lmdb";
const TYPE = "message.delivered";

function receiver(): Receiver {
  const r = startReceiver(() => new Response("ok"));
  cleanups.push(() => r.stop());
  return r;
}

async function setUp() {
  const { store, dir } = await stores.openTemp(kind, cleanups);
  const config = testConfig({ dataDir: dir.path });
  const { engine } = engineFor(store, config);
  cleanups.push(() => engine.stop(0));
  engine.start();
  const events = new EventsService({
    store,
    catalog: eventCatalog,
    delivery: engine,
    metrics: new Metrics(),
    config,
    now: Date.now,
  });
  return { store, events, account: await createAccount(store) };
}

/** A webhook to `url` with `extra` written straight into the store (no registration checks). */
async function storedWebhook(store: Store, account: string, url: string, extra: Partial<WebhookRecord>) {
  const created = await createWebhook(store, account, url);
  const webhook = { ...created, ...extra };
  expect(await store.webhooks.update(webhook)).toBe(true);
  return webhook;
}

describe.each(STORE_KINDS)("custom headers and channels through the engine (%s)", (storeKind) => {
  beforeEach(() => {
    kind = storeKind;
  });

  test("custom headers arrive; the engine's own cannot be replaced; the body is the envelope", async () => {
    const { store, events, account } = await setUp();
    const r = receiver();
    const webhook = await storedWebhook(store, account, `${r.url}/in`, {
      headers: {
        // A valid token that must stay a header, not become a prototype (an own key, as JSON gives it).
        ...JSON.parse('{"__proto__": "still a header"}'),
        Authorization: "Bearer rk_live_4eC39HqLyjWDarjtT1zdp7dc",
        "X-Tenant": "acme",
        // None of these may reach the receiver: registration refuses them, and the sender skips them.
        "content-type": "text/plain",
        HOST: "evil.example",
        "User-Agent": "forged",
        "X-Inbox-Signature": "sha256=forged",
        "X-Inbox-Event-Id": "evt_forged",
        "webhook-signature": "v1,forged",
        "webhook-id": "forged",
      },
    });
    const [out] = await events.publish(account, [
      { type: TYPE, data: eventCatalog.sample(TYPE), channels: ["eu-west"] },
    ]);
    const [req] = await r.waitFor(1);
    if (!req || !out) throw new Error("nothing arrived");
    expect(req.headers.get("authorization")).toBe("Bearer rk_live_4eC39HqLyjWDarjtT1zdp7dc");
    expect(req.headers.get("x-tenant")).toBe("acme");
    expect(req.headers.get("__proto__")).toBe("still a header");
    expect(req.headers.get("content-type")).toBe("application/json");
    expect(req.headers.get("host")).toBe(new URL(r.url).host);
    expect(req.headers.get("user-agent")).toStartWith("InboxWebhooks/");
    expect(req.headers.get("x-inbox-event-id")).toBe(out.event.id);
    expect(req.headers.get("webhook-id")).toBe(out.event.id);
    expect(req.headers.get("x-inbox-signature")).toStartWith("sha256=");
    expect(req.headers.get("x-inbox-signature")).not.toContain("forged");
    // The Standard Webhooks signature verifies: nothing custom replaced or joined it.
    expect(() =>
      new Webhook(webhook.secret).verify(req.body, {
        "webhook-id": req.headers.get("webhook-id") ?? "",
        "webhook-timestamp": req.headers.get("webhook-timestamp") ?? "",
        "webhook-signature": req.headers.get("webhook-signature") ?? "",
      }),
    ).not.toThrow();
    expect(Object.keys(JSON.parse(req.body))).toEqual(["id", "type", "created_at", "data"]);
    await waitUntil(
      "succeeded",
      async () => (await statusOf(store, out.deliveries[0]?.id ?? "")) === "succeeded",
    );
  });

  test("an event reaches a webhook with channels only through a shared channel", async () => {
    const { store, events, account } = await setUp();
    const [open, eu, us] = [receiver(), receiver(), receiver()];
    await createWebhook(store, account, `${open.url}/in`);
    await storedWebhook(store, account, `${eu.url}/in`, { channels: ["eu"] });
    await storedWebhook(store, account, `${us.url}/in`, { channels: ["us"] });
    const data = eventCatalog.sample(TYPE);
    const outs = await events.publish(account, [
      { type: TYPE, data, channels: ["eu"] },
      { type: TYPE, data },
    ]);
    expect(outs.map((o) => o.deliveries.length)).toEqual([2, 1]);
    await open.waitFor(2);
    const [toEu] = await eu.waitFor(1);
    expect(JSON.parse(toEu?.body ?? "{}").id).toBe(outs[0]?.event.id);
    // Let the engine finish what it has: nothing more goes to either routed receiver.
    for (const o of outs) {
      for (const d of o.deliveries)
        await waitUntil("done", async () => (await statusOf(store, d.id)) === "succeeded");
    }
    expect(eu.requests).toHaveLength(1);
    expect(us.requests).toHaveLength(0);
  });
});
