// The benchmark's receiver: a separate Bun process on 127.0.0.1 that verifies the X-Inbox-Signature
// of every delivery, records arrival times per (webhook, event) for latency and duplicates, and answers
// at once. Run by scripts/bench.ts; prints {"msg":"listening","port":N} on stdout and exits when its
// stdin closes (the driver died) or on SIGTERM/SIGINT.
//
//   POST /hook/:token      verify, record, 200 (401 bad signature, 404 unknown token, 400 malformed)
//   POST /fail/:token      verify, count, 500: every delivery fails and goes to retry (backlog mode)
//   POST /_control/setup   {tokens:[{token,secret}], events:N}: forget everything, start over
//   GET  /_control/stats   counters as JSON
//   GET  /_control/arrivals first-arrival times, Float64 native order, webhook-major; 0 = not arrived

import { ArrivalLog } from "./bench-lib/arrival-log";
import { verifyInboxSignature } from "./bench-lib/signing";
import { epochNow } from "./bench-lib/stats";

interface Token {
  index: number;
  secret: string;
}

const log = new ArrivalLog();
let tokens = new Map<string, Token>();
const counters = { ok: 0, failed_on_purpose: 0, bad_signature: 0, unknown_token: 0, malformed: 0 };

function json(body: unknown, status = 200): Response {
  return Response.json(body, { status });
}

/** Verifies a delivery; answers the token's index, or the error response to send. */
async function verify(req: Request, token: string): Promise<{ index: number; body: Uint8Array } | Response> {
  const entry = tokens.get(token);
  const body = new Uint8Array(await req.arrayBuffer());
  if (!entry) {
    counters.unknown_token++;
    return json({ error: "unknown token" }, 404);
  }
  if (!verifyInboxSignature(entry.secret, body, req.headers.get("x-inbox-signature"))) {
    counters.bad_signature++;
    return json({ error: "bad signature" }, 401);
  }
  return { index: entry.index, body };
}

function messageIdOf(body: Uint8Array): unknown {
  try {
    const envelope = JSON.parse(Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString("utf8"));
    return envelope?.data?.message_id;
  } catch {
    return undefined;
  }
}

async function setup(req: Request): Promise<Response> {
  let parsed: unknown;
  try {
    parsed = await req.json();
  } catch {
    return json({ error: "body must be JSON" }, 400);
  }
  const p = parsed as { tokens?: unknown; events?: unknown };
  if (!Array.isArray(p.tokens) || !Number.isSafeInteger(p.events) || (p.events as number) < 0) {
    return json({ error: "expected {tokens:[{token,secret}], events:N}" }, 400);
  }
  const next = new Map<string, Token>();
  for (const [index, t] of p.tokens.entries()) {
    if (typeof t?.token !== "string" || typeof t?.secret !== "string") {
      return json({ error: `tokens[${index}] needs string token and secret` }, 400);
    }
    next.set(t.token, { index, secret: t.secret });
  }
  try {
    log.reset(next.size, p.events as number);
  } catch (err) {
    return json({ error: String(err) }, 400);
  }
  tokens = next;
  for (const key of Object.keys(counters) as (keyof typeof counters)[]) counters[key] = 0;
  return json({ ok: true });
}

const server = Bun.serve({
  hostname: "127.0.0.1",
  port: Number(process.env.BENCH_RECEIVER_PORT ?? 0),
  routes: {
    "/hook/:token": {
      POST: async (req) => {
        const at = epochNow();
        const verified = await verify(req, req.params.token);
        if (verified instanceof Response) return verified;
        const messageId = messageIdOf(verified.body);
        if (messageId === undefined) {
          counters.malformed++;
          return json({ error: "body is not an envelope with data.message_id" }, 400);
        }
        counters.ok++;
        log.record(verified.index, messageId, at);
        return new Response("ok");
      },
    },
    "/fail/:token": {
      POST: async (req) => {
        const verified = await verify(req, req.params.token);
        if (verified instanceof Response) return verified;
        counters.failed_on_purpose++;
        return new Response("failing on purpose", { status: 500 });
      },
    },
    "/_control/setup": { POST: setup },
    "/_control/stats": { GET: () => json({ ...counters, ...log.stats() }) },
    "/_control/arrivals": {
      GET: () => {
        const times = log.arrivalTimes();
        return new Response(new Uint8Array(times.buffer, times.byteOffset, times.byteLength), {
          headers: { "content-type": "application/octet-stream" },
        });
      },
    },
  },
  fetch: () => json({ error: "not found" }, 404),
});

process.stdout.write(`${JSON.stringify({ msg: "listening", port: server.port })}\n`);

const stop = () => {
  server.stop(true);
  process.exit(0);
};
process.once("SIGTERM", stop);
process.once("SIGINT", stop);
// The driver holds our stdin open; EOF means it is gone, so never outlive it. A stdin that fails
// to read means the same: the driver cannot reach us any more.
(async () => {
  for await (const _ of Bun.stdin.stream()) {
    // ignore input
  }
  stop();
})().catch((err) => {
  process.stderr.write(`stdin failed: ${err instanceof Error ? err.message : String(err)}\n`);
  stop();
});
