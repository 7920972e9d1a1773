// Fairness between accounts, through the real server process with the default concurrency caps
// (256 overall, 64 per account, 64 per webhook): three accounts whose receivers hang, answer
// slowly, or reset the connection, each with 8 webhooks and 200 events (1,600 deliveries apiece),
// must not delay a healthy account's deliveries. Without the per-account cap and the round-robin
// over accounts, the hanging account alone takes every slot (8 x 64 = 512, more than the 256
// requests Bun's fetch sends at once) and the healthy account's events wait a full attempt timeout. The latency ceiling is generous (1 s, against a
// 6 s timeout the bad receivers hold their slots for); it is the order of magnitude that matters.

import { afterAll, beforeAll, expect, test } from "bun:test";
import { Api, deliveredData } from "./support/api";
import { type FaultReceiver, httpReceiver, resetReceiver } from "./support/fault-receivers";
import { ServerProcess } from "./support/server-process";
import { waitFor } from "./support/wait";

const TIMEOUT_MS = 6_000;
const WEBHOOKS = 8;
const EVENTS = 200;
const BATCH = 25;
/** The default per-account cap: a quarter of the default overall concurrency, 256. */
const ACCOUNT_CAP = 64;

let server: ServerProcess;
const api = new Api(() => server.url);
const receivers: FaultReceiver[] = [];
/** Requests in flight at the slow receiver now, and at most. */
const slowLoad = { now: 0, max: 0 };

function track(receiver: FaultReceiver): FaultReceiver {
  receivers.push(receiver);
  return receiver;
}

const hanging = track(httpReceiver(() => new Promise<Response>(() => {})));
const slow = track(
  httpReceiver(async () => {
    slowLoad.now++;
    slowLoad.max = Math.max(slowLoad.max, slowLoad.now);
    await Bun.sleep(3_000);
    slowLoad.now--;
    return new Response("slow but fine");
  }),
);
const resetting = track(resetReceiver());
const healthy = track(httpReceiver(() => new Response("ok")));

/** An account with `WEBHOOKS` webhooks to `url` and `EVENTS` events published in batches. */
async function badAccount(name: string, url: string): Promise<void> {
  const { key } = await api.createAccount(server.adminKey, name);
  for (let w = 0; w < WEBHOOKS; w++) await api.registerWebhook(key, `${url}/w${w}`);
  for (let first = 0; first < EVENTS; first += BATCH) {
    const events = Array.from({ length: BATCH }, (_, i) => ({
      type: "message.delivered",
      data: deliveredData(first + i),
    }));
    await api.expect(202, "POST", "/v1/events/batch", { key, body: { events } });
  }
}

beforeAll(async () => {
  server = await ServerProcess.start({
    env: { INBOX_TIMEOUT: `${TIMEOUT_MS}ms`, INBOX_RETRY_SCHEDULE: "0,1s,1s,1s" },
  });
}, 30_000);

afterAll(async () => {
  await server?.dispose();
  for (const receiver of receivers) receiver.stop();
});

test("a healthy account's deliveries arrive in milliseconds while three accounts' receivers hang, crawl or reset", async () => {
  const { key } = await api.createAccount(server.adminKey, "healthy");
  await api.registerWebhook(key, healthy.url);
  await Promise.all([
    badAccount("hanging", hanging.url),
    badAccount("slow", slow.url),
    badAccount("resetting", resetting.url),
  ]);
  // The bad accounts hold every slot their caps allow before the healthy account publishes.
  await waitFor("the hanging account to reach its cap", () => hanging.arrivals.length >= ACCOUNT_CAP, {
    timeoutMs: 5_000,
  });
  await waitFor("the slow account to reach its cap", () => slowLoad.now >= ACCOUNT_CAP, { timeoutMs: 5_000 });
  await waitFor("the resetting account to be retrying", () => resetting.arrivals.length >= 2 * ACCOUNT_CAP, {
    timeoutMs: 10_000,
  });

  const latencies: number[] = [];
  for (let i = 0; i < 20; i++) {
    const sent = performance.now();
    const id = await api.publish(key, "message.delivered", deliveredData(i));
    const arrival = await waitFor(`event ${id} at the healthy receiver`, () =>
      healthy.arrivals.find((a) => a.eventId === id),
    );
    latencies.push(arrival.at - sent);
    await Bun.sleep(25);
  }
  console.log(
    `[fairness] healthy publish-to-arrival beside hanging, slow and resetting accounts: max ${Math.round(Math.max(...latencies))} ms`,
  );
  expect(Math.max(...latencies)).toBeLessThan(1_000);
  // No hanging attempt can have ended before the timeout: within the first one, the hanging account
  // was never given more than its cap, and the slow one never held more than its cap at once.
  const firstTimeout = (hanging.arrivals[0]?.at ?? 0) + TIMEOUT_MS;
  expect(hanging.arrivals.filter((a) => a.at < firstTimeout).length).toBeLessThanOrEqual(ACCOUNT_CAP);
  expect(slowLoad.max).toBeLessThanOrEqual(ACCOUNT_CAP);
}, 60_000);
