// A webhook receiver run as its own process, so that what it saw survives the server's death and
// does not share the test runner's event loop. Every delivery is appended to a log file with a
// synchronous write before anything else happens:
//   A <event_id> <attempt> <ms since epoch>   on arrival
//   D <event_id>                             once answered 2xx (after the configured delay)
//   X <event_id>                             when the sender went away before the answer
// POST /__control {"delay_ms": n} changes the delay; the process prints {"port": n} when ready.
// Usage: bun receiver-main.ts <log file> [delay_ms]

import { appendFileSync, writeFileSync } from "node:fs";

const logFile = process.argv[2];
if (!logFile) {
  process.stderr.write("usage: receiver-main.ts <log file> [delay_ms]\n");
  process.exit(2);
}
let delayMs = Number(process.argv[3] ?? "0");
writeFileSync(logFile, "");

const server = Bun.serve({
  hostname: "127.0.0.1",
  port: 0,
  // Slow answers are the point here; never let the receiver itself cut a connection.
  idleTimeout: 0,
  async fetch(request) {
    const url = new URL(request.url);
    if (url.pathname === "/__control") {
      const body = (await request.json()) as { delay_ms?: number };
      if (typeof body.delay_ms === "number") delayMs = body.delay_ms;
      return Response.json({ delay_ms: delayMs });
    }
    const text = await request.text();
    let eventId = request.headers.get("x-inbox-event-id") ?? "";
    try {
      const envelope = JSON.parse(text) as { id?: unknown };
      if (typeof envelope.id === "string") eventId = envelope.id;
    } catch {
      eventId = `unparsable:${eventId}`;
    }
    const attempt = request.headers.get("x-inbox-attempt") ?? "?";
    appendFileSync(logFile, `A ${eventId} ${attempt} ${Date.now()}\n`);
    if (delayMs > 0) await Bun.sleep(delayMs);
    appendFileSync(logFile, `${request.signal.aborted ? "X" : "D"} ${eventId}\n`);
    return new Response("ok");
  },
});

process.stdout.write(`${JSON.stringify({ port: server.port })}\n`);
process.on("SIGTERM", () => {
  server.stop(true);
  process.exit(0);
});
