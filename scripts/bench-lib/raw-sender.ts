// The machine's raw limit: one Bun process doing only what a webhook sender must do per delivery
// (build the envelope, sign it twice, POST it with a timeout, read the answer) against the bench
// receiver, with no storage at all. Run as its own process by scripts/bench.ts so that it owns a
// whole event loop, as the server's sender does, and nothing else in the driver competes with it.
//
//   bun scripts/bench-lib/raw-sender.ts --url U --secret S --concurrency C --warmup-ms W --duration-ms D
//
// Prints one JSON line: {posts, ms, posts_per_s, errors, first_error}. Posts during the warm-up are
// made but not counted.

import { parseArgs } from "node:util";
import { inboxSignature, standardSignature } from "./signing";

const { values } = parseArgs({
  options: {
    url: { type: "string" },
    secret: { type: "string" },
    concurrency: { type: "string", default: "64" },
    "warmup-ms": { type: "string", default: "1000" },
    "duration-ms": { type: "string", default: "5000" },
  },
  strict: true,
});
const url = values.url;
const secret = values.secret;
const concurrency = Number(values.concurrency);
const warmupMs = Number(values["warmup-ms"]);
const durationMs = Number(values["duration-ms"]);
if (!url || !secret || !(concurrency >= 1) || !(warmupMs >= 0) || !(durationMs > 0)) {
  process.stderr.write("raw-sender: --url, --secret, --concurrency>=1, --warmup-ms>=0, --duration-ms>0\n");
  process.exit(2);
}

const ATTEMPT_TIMEOUT_MS = 10_000;
let sequence = 0;
let counted = 0;
let errors = 0;
let firstError: string | null = null;
let counting = false;
let stopping = false;

/** One delivery exactly as the server makes it, minus storage: envelope, both signatures, POST. */
async function sendOne(): Promise<void> {
  const n = sequence++;
  const now = new Date();
  const eventId = `evt_raw${n.toString(36).padStart(20, "0")}`;
  const envelope = {
    id: eventId,
    type: "message.delivered",
    created_at: `${now.toISOString().slice(0, 19)}Z`,
    data: {
      message_id: `raw_${n}`,
      to: "+15551234567",
      delivered_at: "2025-01-15T10:25:03Z",
      device_id: "dev_abcdef123456",
    },
  };
  const body = JSON.stringify(envelope);
  const timestamp = Math.floor(now.getTime() / 1000);
  const deliveryId = `dlv_raw${n.toString(36).padStart(20, "0")}`;
  try {
    const res = await fetch(url as string, {
      method: "POST",
      body,
      headers: {
        "content-type": "application/json",
        "user-agent": "InboxWebhooks/bench-raw",
        "x-inbox-signature": inboxSignature(secret as string, body),
        "x-inbox-event-id": eventId,
        "x-inbox-event-type": envelope.type,
        "x-inbox-delivery-id": deliveryId,
        "x-inbox-attempt": "1",
        "webhook-id": eventId,
        "webhook-timestamp": String(timestamp),
        "webhook-signature": standardSignature(secret as string, eventId, timestamp, body),
      },
      redirect: "manual",
      signal: AbortSignal.timeout(ATTEMPT_TIMEOUT_MS),
    });
    await res.arrayBuffer();
    if (res.status < 200 || res.status >= 300) throw new Error(`status ${res.status}`);
    if (counting) counted++;
  } catch (err) {
    errors++;
    firstError ??= err instanceof Error ? err.message : String(err);
  }
}

async function worker(): Promise<void> {
  while (!stopping) await sendOne();
}

const workers = Array.from({ length: concurrency }, () => worker());
await Bun.sleep(warmupMs);
counting = true;
const start = performance.now();
await Bun.sleep(durationMs);
counting = false;
const ms = performance.now() - start;
stopping = true;
await Promise.all(workers);
process.stdout.write(
  `${JSON.stringify({ posts: counted, ms: Math.round(ms), posts_per_s: Math.round((counted * 1000) / ms), errors, first_error: firstError })}\n`,
);
