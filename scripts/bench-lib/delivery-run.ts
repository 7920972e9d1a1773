// Throughput and fixed-rate runs: a fresh server, `fanout` webhooks pointing at the bench receiver,
// `events` published through the API, then a wait for every delivery. Answers the figures as one
// flat object for the JSON line.

import type { BenchOptions } from "./args";
import { tempDir } from "./children";
import { bytesPerEvent, diskBytes } from "./disk-usage";
import { mb, RssSampler, readCpuSeconds, readMemory } from "./proc-stats";
import { publish } from "./publisher";
import type { RawLimit } from "./raw-limit";
import type { Receiver, ReceiverStats } from "./receiver-process";
import { health, registerWebhook } from "./server-api";
import { fanOutEnv, type ServerProcess, startServer } from "./server-process";
import { perSecond, round, sleep, summariseLatencies } from "./stats";
import { rateTargets, throughputTargets } from "./targets";

export interface RunContext {
  options: BenchOptions;
  command: string[];
  receiver: Receiver;
  progress: (message: string) => void;
}

/** Polls the receiver until `expected` unique arrivals, a stall, or the hard timeout. */
async function awaitArrivals(
  server: ServerProcess,
  receiver: Receiver,
  expected: number,
  stallMs: number,
  timeoutMs: number,
  progress: (message: string) => void,
): Promise<{ stats: ReceiverStats; outcome: "complete" | "stalled" | "timed out" }> {
  const start = performance.now();
  let lastProgress = start;
  let lastUnique = -1;
  let lastReport = start;
  for (;;) {
    const stats = await receiver.stats();
    const now = performance.now();
    if (stats.unique >= expected) return { stats, outcome: "complete" };
    const code = server.exitCode();
    if (code !== null) throw new Error(`the server exited with code ${code} while deliveries were awaited`);
    if (stats.unique !== lastUnique) {
      lastUnique = stats.unique;
      lastProgress = now;
    }
    if (now - lastProgress > stallMs) return { stats, outcome: "stalled" };
    if (now - start > timeoutMs) return { stats, outcome: "timed out" };
    if (now - lastReport > 5000) {
      progress(`  ${stats.unique} of ${expected} deliveries arrived`);
      lastReport = now;
    }
    await sleep(50);
  }
}

/** One webhook per fan-out token, registered with the receiver, which expects `events` each. */
async function registerDeliveryWebhooks(ctx: RunContext, baseUrl: string, apiKey: string): Promise<void> {
  const { options: o, receiver } = ctx;
  const tokens = [];
  for (let k = 0; k < o.fanout; k++) {
    const token = `w${k}`;
    const { secret } = await registerWebhook(baseUrl, apiKey, `${receiver.baseUrl}/hook/${token}`, [
      "message.delivered",
    ]);
    tokens.push({ token, secret });
  }
  await receiver.setup(tokens, o.events);
}

/**
 * Publish-to-arrival of every (webhook, event) pair whose publish was accepted and that arrived.
 * `arrivals` holds one slot per pair, webhook-major; `sentAt` one per event.
 */
function arrivalLatencies(
  arrivals: ArrayLike<number>,
  sentAt: ArrayLike<number>,
  events: number,
): Float64Array {
  const latencies = new Float64Array(arrivals.length);
  let n = 0;
  for (let slot = 0; slot < arrivals.length; slot++) {
    const arrived = arrivals[slot] as number;
    const sent = sentAt[slot % events] as number;
    if (arrived > 0 && sent > 0) latencies[n++] = arrived - sent;
  }
  return latencies.subarray(0, n);
}

interface CpuMark {
  server: number;
  receiver: number;
  driver: NodeJS.CpuUsage;
}

function cpuNow(serverPid: number, receiverPid: number): CpuMark {
  return {
    server: readCpuSeconds(serverPid) ?? 0,
    receiver: readCpuSeconds(receiverPid) ?? 0,
    driver: process.cpuUsage(),
  };
}

/** CPU seconds used since `before` by the server, the receiver and this driver. */
function cpuSince(
  before: CpuMark,
  serverPid: number,
  receiverPid: number,
): { server: number; receiver: number; driver: number } {
  const { user, system } = process.cpuUsage(before.driver);
  return {
    server: (readCpuSeconds(serverPid) ?? 0) - before.server,
    receiver: (readCpuSeconds(receiverPid) ?? 0) - before.receiver,
    driver: (user + system) / 1e6,
  };
}

/** Publishes the run's events; answers what the publisher saw and the deliveries to expect. */
async function publishAll(
  ctx: RunContext,
  baseUrl: string,
  apiKey: string,
): Promise<{ pub: Awaited<ReturnType<typeof publish>>; expected: number }> {
  const { options: o, progress } = ctx;
  progress(
    `publishing ${o.events} events (batch ${o.batch}, concurrency ${o.concurrency}${o.rate ? `, ${o.rate}/s` : ""}) to ${o.fanout} webhook(s)`,
  );
  const pub = await publish({
    baseUrl,
    apiKey,
    events: o.events,
    batch: o.batch,
    concurrency: o.concurrency,
    rate: o.rate,
  });
  const expected = pub.accepted * o.fanout;
  progress(
    `published: ${pub.accepted} accepted, ${pub.rejected} rejected; waiting for ${expected} deliveries`,
  );
  if (pub.accepted === 0) throw new Error(`no event was accepted: ${pub.firstError}`);
  return { pub, expected };
}

export async function runDeliveries(ctx: RunContext, raw: RawLimit | null): Promise<Record<string, unknown>> {
  const { options: o, receiver, progress } = ctx;
  const dataDir = tempDir("data");
  const server = await startServer({
    command: ctx.command,
    dataDir,
    env: { INBOX_LOG_LEVEL: o.logLevel, ...fanOutEnv(o.batch, o.fanout), ...o.serverEnv },
    readyTimeoutMs: o.timeoutSeconds * 1000,
    expectKeys: true,
  });
  const sampler = new RssSampler(server.pid).start();
  try {
    const apiKey = server.accountKey as string;
    await registerDeliveryWebhooks(ctx, server.baseUrl, apiKey);
    const cpuBefore = cpuNow(server.pid, receiver.pid);

    const { pub, expected } = await publishAll(ctx, server.baseUrl, apiKey);
    const { stats, outcome } = await awaitArrivals(
      server,
      receiver,
      expected,
      o.stallSeconds * 1000,
      o.timeoutSeconds * 1000,
      progress,
    );
    const after = await health(server.baseUrl).catch(() => null);
    const cpu = cpuSince(cpuBefore, server.pid, receiver.pid);
    sampler.stop();
    const memory = readMemory(server.pid);

    const latency = summariseLatencies(arrivalLatencies(await receiver.arrivals(), pub.sentAt, o.events));
    const acceptLatency = summariseLatencies(pub.acceptLatencies);

    const lost = Math.max(0, expected - stats.unique);
    const deliveryWindowMs = stats.last_arrival_ms !== null ? stats.last_arrival_ms - pub.firstSentMs : 0;
    const deliveriesPerS = perSecond(stats.unique, deliveryWindowMs);
    const ratio = raw && raw.posts_per_s > 0 ? round(deliveriesPerS / raw.posts_per_s, 3) : null;
    const stopped = await server.stop(30_000);
    // After the stop, so that everything the server wrote is in the files.
    const dataBytes = diskBytes(dataDir);
    const figures = {
      events: o.events,
      batch: o.batch,
      fanout: o.fanout,
      concurrency: o.concurrency,
      ...(o.rate !== null ? { rate: o.rate } : {}),
      accepted: pub.accepted,
      accepted_per_s: perSecond(pub.accepted, pub.lastAcceptedMs - pub.firstSentMs),
      deliveries: stats.unique,
      deliveries_per_s: deliveriesPerS,
      raw_posts_per_s: raw?.posts_per_s ?? null,
      ratio_to_raw: ratio,
      p50_ms: latency.p50_ms,
      p90_ms: latency.p90_ms,
      p99_ms: latency.p99_ms,
      max_ms: latency.max_ms,
      publish_p50_ms: acceptLatency.p50_ms,
      publish_p99_ms: acceptLatency.p99_ms,
      peak_rss_mb: mb(Math.max(memory?.hwm ?? 0, sampler.lastHwm)),
      // Where the largest sampled RSS was: heap and buffers, or LMDB's mapped file pages.
      max_rss_anon_mb: mb(sampler.atMax.anon),
      max_rss_file_mb: mb(sampler.atMax.file),
      lost,
      duplicates: stats.duplicates,
      bad_signatures: stats.bad_signature,
      wait_outcome: outcome,
      publish_s: round((pub.lastAcceptedMs - pub.firstSentMs) / 1000, 2),
      delivery_s: round(deliveryWindowMs / 1000, 2),
      server_cpu_s: round(cpu.server, 2),
      // Steadier than the rates from run to run on a shared machine: compare builds with this.
      server_cpu_us_per_delivery: stats.unique > 0 ? Math.round((cpu.server * 1e6) / stats.unique) : null,
      // The data directory on disk after the run, per event delivered (events, attempts, indexes).
      data_bytes_per_event: bytesPerEvent(dataBytes, stats.unique, o.fanout),
      receiver_cpu_s: round(cpu.receiver, 2),
      driver_cpu_s: round(cpu.driver, 2),
      ready_ms: Math.round(server.readyMs),
      rejected: pub.rejected,
      publish_statuses: pub.statuses,
      ...(pub.firstError ? { first_publish_error: pub.firstError } : {}),
      ...(o.rate !== null ? { late_sends: pub.lateSends, max_send_lag_ms: round(pub.maxSendLagMs, 1) } : {}),
      pending_after: after?.pending ?? null,
      in_flight_after: after?.in_flight ?? null,
      server_log_lines: server.logLines(),
      server_exit: stopped.code,
      shutdown_ms: stopped.ms,
    };
    const targets =
      o.rate !== null
        ? rateTargets({ rate: o.rate, p99_ms: latency.p99_ms, lost })
        : throughputTargets({ batch: o.batch, ratio_to_raw: ratio, lost, duplicates: stats.duplicates });
    return { ...figures, targets };
  } catch (err) {
    sampler.stop();
    await server.stop(5000);
    throw err instanceof Error ? new Error(`${err.message}\n${server.tail()}`) : err;
  }
}
