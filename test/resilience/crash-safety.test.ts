// Crash safety against the real process: events the server answered 202 for must reach a real
// receiver at least once, however often the process is SIGKILLed (while publishing, while
// delivering to a slow receiver, while draining the backlog right after a restart), and a SIGTERM
// must exit 0 having either finished or kept pending every attempt in flight.
// Duplicates are allowed (at-least-once) and only counted; the count is printed, not asserted.

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { Api, deliveredData } from "./support/api";
import { duplicateCount, ReceiverProcess } from "./support/receiver-process";
import { ServerProcess } from "./support/server-process";
import { pool, waitFor } from "./support/wait";

const SCHEDULE = "0,200ms,400ms,800ms,1s,2s";
const TOTAL = 2000;

/** Publishes events `from..to-1` with `concurrency` requests in flight until the server goes away. */
async function publishRange(
  api: Api,
  server: ServerProcess,
  key: string,
  from: number,
  to: number,
  accepted: Set<string>,
  concurrency = 16,
): Promise<{ unanswered: number }> {
  let unanswered = 0;
  const indexes = Array.from({ length: to - from }, (_, i) => from + i);
  await pool(
    indexes,
    concurrency,
    async (n) => {
      try {
        const res = await api.request("POST", "/v1/events", {
          key,
          body: { type: "message.delivered", data: deliveredData(n) },
        });
        if (res.status !== 202) throw new Error(`publish answered ${res.status}: ${res.text}`);
        accepted.add(String((res.json as { id: string }).id));
      } catch (err) {
        // Requests cut by a kill get no answer (a fetch error): the server promised nothing for them.
        if (server.lastSignal === undefined) throw err;
        unanswered++;
      }
    },
    () => server.lastSignal !== undefined,
  );
  return { unanswered };
}

/**
 * Registers the receiver, publishes `count` events (`concurrency` requests in flight), waits until
 * `atReceiver` requests have reached the receiver, then sends SIGTERM and checks the process exits
 * cleanly. Answers the accepted event ids and how long the exit took.
 */
async function publishThenTerminate(
  api: Api,
  server: ServerProcess,
  receiver: ReceiverProcess,
  opts: { count: number; concurrency: number; atReceiver: number },
): Promise<{ key: string; accepted: Set<string>; shutdownMs: number }> {
  const key = server.accountKey;
  await api.registerWebhook(key, receiver.url);
  const accepted = new Set<string>();
  await publishRange(api, server, key, 0, opts.count, accepted, opts.concurrency);
  expect(accepted.size).toBe(opts.count);
  await waitFor(
    `${opts.atReceiver} requests at the receiver`,
    () => receiver.read().total >= opts.atReceiver,
    {
      timeoutMs: 20_000,
      intervalMs: 10,
    },
  );
  const termAt = performance.now();
  server.kill("SIGTERM");
  const exit = await server.exited(30_000);
  const shutdownMs = Math.round(performance.now() - termAt);
  expect(exit).toEqual({ code: 0, signal: null });
  return { key, accepted, shutdownMs };
}

function missing(accepted: Set<string>, receiver: ReceiverProcess): string[] {
  const { arrivals } = receiver.read();
  return [...accepted].filter((id) => !arrivals.has(id));
}

describe("SIGKILL", () => {
  let server: ServerProcess;
  let receiver: ReceiverProcess;
  const api = new Api(() => server.url);

  beforeAll(async () => {
    receiver = await ReceiverProcess.start(30);
    server = await ServerProcess.start({
      env: { INBOX_RETRY_SCHEDULE: SCHEDULE, INBOX_TIMEOUT: "2s", INBOX_WEBHOOK_CONCURRENCY: "8" },
    });
  });
  afterAll(async () => {
    await server?.dispose();
    await receiver?.stop();
  });

  test("every event answered 202 reaches the receiver despite three kills", async () => {
    const key = server.accountKey;
    await api.registerWebhook(key, receiver.url);
    const accepted = new Set<string>();
    const started = performance.now();

    // Kill 1: in the middle of publishing (deliveries run alongside).
    const killWhenAccepted = (async () => {
      await waitFor("600 accepted events", () => accepted.size >= 600, { timeoutMs: 30_000, intervalMs: 5 });
      server.kill("SIGKILL");
    })();
    const phase1 = await publishRange(api, server, key, 0, TOTAL, accepted);
    await killWhenAccepted;
    await server.exited();
    const acceptedBeforeKill1 = accepted.size;
    await server.restart();

    // Kill 2: while delivering a backlog to a slow receiver, nothing being published.
    await receiver.setDelay(100);
    // The rest of the 2,000, so that every one of them was answered 202 by one process or the other.
    const phase2 = await publishRange(api, server, key, TOTAL, 2 * TOTAL - acceptedBeforeKill1, accepted);
    expect(server.running).toBe(true);
    const seenBeforeKill2 = receiver.read().total;
    await waitFor(
      "150 more deliveries to the slow receiver",
      () => receiver.read().total >= seenBeforeKill2 + 150,
      {
        timeoutMs: 30_000,
      },
    );
    const backlog = missing(accepted, receiver).length;
    server.kill("SIGKILL");
    await server.exited();
    await server.restart();

    // Kill 3: right after the restart, while the recovered backlog drains at full speed.
    await receiver.setDelay(0);
    const seenBeforeKill3 = receiver.read().total;
    await waitFor("100 deliveries after the restart", () => receiver.read().total >= seenBeforeKill3 + 100, {
      timeoutMs: 30_000,
      intervalMs: 5,
    });
    server.kill("SIGKILL");
    await server.exited();
    await server.restart();

    await waitFor("every accepted event at the receiver", () => missing(accepted, receiver).length === 0, {
      timeoutMs: 60_000,
      intervalMs: 200,
    }).catch((err) => {
      const lost = missing(accepted, receiver);
      throw new Error(
        `${lost.length} of ${accepted.size} accepted events never arrived (e.g. ${lost.slice(0, 5)}): ${err}`,
      );
    });
    const health = await waitFor(
      "no pending deliveries left",
      async () => {
        const body = (await api.expect(200, "GET", "/health")) as { pending?: number };
        return body.pending === 0 ? body : undefined;
      },
      { timeoutMs: 15_000, intervalMs: 100 },
    );
    expect(health.pending).toBe(0);

    const log = receiver.read();
    console.log(
      `[resilience] SIGKILL x3: ${accepted.size} accepted (${acceptedBeforeKill1} before kill 1, ` +
        `${phase1.unanswered + phase2.unanswered} unanswered publishes), backlog at kill 2: ${backlog}, ` +
        `${log.total} requests received, ${log.arrivals.size} distinct events, ` +
        `${duplicateCount(log)} duplicate deliveries, ${Math.round(performance.now() - started)} ms`,
    );
    expect(acceptedBeforeKill1).toBeGreaterThanOrEqual(600);
    expect(acceptedBeforeKill1).toBeLessThan(TOTAL);
    expect(accepted.size).toBe(TOTAL);
    expect(backlog).toBeGreaterThan(0);
  }, 110_000);
});

describe("SIGTERM", () => {
  let server: ServerProcess;
  let receiver: ReceiverProcess;
  const api = new Api(() => server.url);

  beforeAll(async () => {
    receiver = await ReceiverProcess.start(800);
    server = await ServerProcess.start({
      env: { INBOX_RETRY_SCHEDULE: SCHEDULE, INBOX_TIMEOUT: "5s", INBOX_WEBHOOK_CONCURRENCY: "4" },
    });
  });
  afterAll(async () => {
    await server?.dispose();
    await receiver?.stop();
  });

  test("exits 0 mid-delivery, finishing or keeping every attempt in flight; nothing lost", async () => {
    // Terminate while the slow receiver holds attempts in flight (4 at a time, 800 ms each).
    const { key, accepted, shutdownMs } = await publishThenTerminate(api, server, receiver, {
      count: 60,
      concurrency: 8,
      atReceiver: 6,
    });

    const atExit = receiver.read();
    const answeredAtExit = new Set(atExit.answered);
    const inFlightAtTerm = [...atExit.arrivals.keys()];
    expect(inFlightAtTerm.length).toBeGreaterThan(0);
    // Every request the server started was let finish: the receiver answered it to a live sender.
    expect(inFlightAtTerm.filter((id) => !answeredAtExit.has(id))).toEqual([]);

    await receiver.setDelay(0);
    await server.restart();
    await waitFor("every accepted event at the receiver", () => missing(accepted, receiver).length === 0, {
      timeoutMs: 30_000,
      intervalMs: 100,
    });
    // Attempts that finished before the exit were recorded: none of them is sent again.
    const after = receiver.read();
    const resent = [...answeredAtExit].filter((id) => (after.arrivals.get(id) ?? 0) > 1);
    expect(resent).toEqual([]);
    for (const id of accepted) {
      const deliveries = await waitFor(`event ${id} delivered`, async () => {
        const list = await api.deliveriesOfEvent(key, id);
        return list.length > 0 && list.every((d) => d.status === "succeeded") ? list : undefined;
      });
      expect(deliveries).toHaveLength(1);
    }
    console.log(
      `[resilience] SIGTERM: exit 0 after ${shutdownMs} ms, ${answeredAtExit.size} answered before exit, ` +
        `${after.arrivals.size} distinct events, ` +
        `${duplicateCount(after)} duplicate deliveries`,
    );
  }, 60_000);
});

describe("SIGTERM with a receiver slower than the shutdown grace", () => {
  let server: ServerProcess;
  let receiver: ReceiverProcess;
  const api = new Api(() => server.url);
  const RECEIVER_DELAY_MS = 6000;

  beforeAll(async () => {
    receiver = await ReceiverProcess.start(RECEIVER_DELAY_MS);
    server = await ServerProcess.start({
      env: {
        INBOX_RETRY_SCHEDULE: SCHEDULE,
        INBOX_TIMEOUT: "10s",
        INBOX_WEBHOOK_CONCURRENCY: "4",
        INBOX_SHUTDOWN_GRACE: "300ms",
      },
    });
  });
  afterAll(async () => {
    await server?.dispose();
    await receiver?.stop();
  });

  test("exits 0 after the grace, keeping the unfinished attempts pending for the next start", async () => {
    const { key, accepted, shutdownMs } = await publishThenTerminate(api, server, receiver, {
      count: 20,
      concurrency: 4,
      atReceiver: 4,
    });
    // It gave up on the receiver after its grace instead of waiting out the 6 s answers.
    expect(shutdownMs).toBeLessThan(RECEIVER_DELAY_MS - 1000);
    const cut = [...receiver.read().arrivals.keys()];
    expect(cut.length).toBeGreaterThanOrEqual(4);

    await receiver.setDelay(0);
    await server.restart();
    await waitFor(
      "every accepted event answered by the receiver",
      () => {
        const { answered } = receiver.read();
        return [...accepted].every((id) => answered.has(id));
      },
      { timeoutMs: 30_000, intervalMs: 100 },
    );
    // The attempts cut by the shutdown were kept pending and made again after the restart.
    const after = receiver.read();
    expect(cut.filter((id) => (after.arrivals.get(id) ?? 0) < 2)).toEqual([]);
    for (const id of cut) {
      await waitFor(`event ${id} delivered`, async () => {
        const list = await api.deliveriesOfEvent(key, id);
        return list.length === 1 && list[0]!.status === "succeeded";
      });
    }
    console.log(
      `[resilience] SIGTERM past grace: exit 0 after ${shutdownMs} ms, ${cut.length} attempts cut and re-sent, ` +
        `${duplicateCount(after)} duplicate deliveries`,
    );
  }, 60_000);
});
