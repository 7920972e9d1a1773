// Throughput and fixed-rate runs: fresh servers (one, or --replicas on one PostgreSQL database), `fanout`
// webhooks pointing at the bench receiver, `events` published through the API (round-robin over the
// replicas), then a wait for every delivery. Answers the figures as one flat object for the JSON line.

import { cpus } from "node:os";
import type { BenchOptions } from "./args";
import type { BenchStore } from "./bench-store";
import { eventChannels, eventType, registerEventType, webhookControls } from "./controls";
import { type CpuUsed, cpuCeiling, cpuNow, cpuSince } from "./cpu-marks";
import { type DiskSample, DiskSampler } from "./disk-sampler";
import { bytesPerEvent, diskBytes } from "./disk-usage";
import { mb, RssSampler, readMemory } from "./proc-stats";
import { type PublishResult, publish } from "./publisher";
import type { RawLimit } from "./raw-limit";
import type { Receiver, ReceiverStats } from "./receiver-process";
import { startReplicas, stopReplicas } from "./replicas";
import { health, registerWebhook } from "./server-api";
import { fanOutEnv, type ServerProcess } from "./server-process";
import { perSecond, round, sleep, summariseLatencies } from "./stats";
import { rateTargets, throughputTargets } from "./targets";

export interface RunContext {
  options: BenchOptions;
  command: string[];
  receiver: Receiver;
  /** LMDB in each server's data directory, or the PostgreSQL cluster the replicas share. */
  store: BenchStore;
  progress: (message: string) => void;
}

/** Polls the receiver until `expected` unique arrivals, a stall, or the hard timeout. */
async function awaitArrivals(
  servers: ServerProcess[],
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
    const gone = servers.findIndex((s) => s.exitCode() !== null);
    if (gone !== -1) {
      const code = servers[gone]?.exitCode();
      throw new Error(`server replica ${gone + 1} exited with code ${code} while deliveries were awaited`);
    }
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
async function registerDeliveryWebhooks(ctx: RunContext, first: ServerProcess): Promise<void> {
  const { options: o, receiver } = ctx;
  const { baseUrl, accountKey: apiKey } = first;
  await registerEventType(o.controls, baseUrl, first.adminKey);
  const tokens = [];
  for (let k = 0; k < o.fanout; k++) {
    const token = `w${k}`;
    const { secret } = await registerWebhook(
      baseUrl,
      apiKey as string,
      `${receiver.baseUrl}/hook/${token}`,
      [eventType(o.controls)],
      webhookControls(o.controls),
    );
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

/** Publishes the run's events; answers what the publisher saw and the deliveries to expect. */
async function publishAll(
  ctx: RunContext,
  baseUrls: string[],
  apiKey: string,
): Promise<{ pub: PublishResult; expected: number }> {
  const { options: o, progress } = ctx;
  progress(
    `publishing ${o.events} events (batch ${o.batch}, concurrency ${o.concurrency}${o.rate ? `, ${o.rate}/s` : ""}) to ${o.fanout} webhook(s) through ${baseUrls.length} replica(s)`,
  );
  const pub = await publish({
    baseUrls,
    apiKey,
    events: o.events,
    batch: o.batch,
    concurrency: o.concurrency,
    rate: o.rate,
    channels: eventChannels(o.controls),
    type: eventType(o.controls),
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
  const servers = await startReplicas(
    {
      command: ctx.command,
      count: o.replicas,
      store: ctx.store,
      env: { INBOX_LOG_LEVEL: o.logLevel, ...fanOutEnv(o.batch, o.fanout), ...o.serverEnv },
      readyTimeoutMs: o.timeoutSeconds * 1000,
    },
    (first) => registerDeliveryWebhooks(ctx, first),
  );
  const pids = servers.map((s) => s.pid);
  const samplers = servers.map((s) => new RssSampler(s.pid).start());
  try {
    const primary = servers[0] as ServerProcess;
    await ctx.store.mark();
    // LMDB only: the data directory's size every 10 s (shows retention giving space back).
    const disk = ctx.store.kind === "lmdb" ? new DiskSampler(primary.dataDir).start() : null;
    const cpuBefore = cpuNow(pids, receiver.pid, ctx.store);
    const baseUrls = servers.map((s) => s.baseUrl);
    const { pub, expected } = await publishAll(ctx, baseUrls, primary.accountKey as string);
    const stallMs = o.stallSeconds * 1000;
    const waited = await awaitArrivals(
      servers,
      receiver,
      expected,
      stallMs,
      o.timeoutSeconds * 1000,
      progress,
    );
    const after = await health(primary.baseUrl).catch(() => null);
    const cpu = cpuSince(cpuBefore, pids, receiver.pid, ctx.store);
    for (const sampler of samplers) sampler.stop();
    const memory = servers.map((s) => readMemory(s.pid));
    const latencies = arrivalLatencies(await receiver.arrivals(), pub.sentAt, o.events);
    const diskSamples = disk?.stop() ?? [];
    const stopped = await stopReplicas(servers, 30_000);
    // After the stop, so that everything the servers wrote is in the files.
    const dataBytes = (await ctx.store.sizeBytes()) ?? diskBytes(primary.dataDir);
    const database = await ctx.store.windowFigures(waited.stats.unique);
    const measured = {
      raw,
      pub,
      expected,
      ...waited,
      after,
      cpu,
      latencies,
      dataBytes,
      diskSamples,
      stopped,
      database,
    };
    return figuresOf(ctx, measured, { servers, samplers, memory });
  } catch (err) {
    for (const sampler of samplers) sampler.stop();
    await stopReplicas(servers, 5000);
    throw err instanceof Error
      ? new Error(`${err.message}\n${servers.map((s) => s.tail()).join("\n")}`)
      : err;
  }
}

interface Measured {
  raw: RawLimit | null;
  pub: PublishResult;
  expected: number;
  stats: ReceiverStats;
  outcome: string;
  after: Awaited<ReturnType<typeof health>> | null;
  cpu: CpuUsed;
  latencies: Float64Array;
  dataBytes: number;
  diskSamples: DiskSample[];
  stopped: Awaited<ReturnType<typeof stopReplicas>>;
  /** The database's own counters for the run (PostgreSQL), per delivery. */
  database: Record<string, unknown>;
}

interface ServerSide {
  servers: ServerProcess[];
  samplers: RssSampler[];
  memory: (ReturnType<typeof readMemory> | null)[];
}

/** CPU microseconds per delivery, or null without deliveries. */
function usPer(seconds: number | null, deliveries: number): number | null {
  return seconds !== null && deliveries > 0 ? Math.round((seconds * 1e6) / deliveries) : null;
}

/** Largest resident set over the replicas, and where it was (heap and buffers, or mapped file pages). */
function memoryFigures(side: ServerSide) {
  const peak = Math.max(...side.memory.map((m, i) => Math.max(m?.hwm ?? 0, side.samplers[i]?.lastHwm ?? 0)));
  const largest = side.samplers.reduce((a, b) => (b.maxRss > a.maxRss ? b : a));
  return {
    peak_rss_mb: mb(peak),
    max_rss_anon_mb: mb(largest.atMax.anon),
    max_rss_file_mb: mb(largest.atMax.file),
  };
}

function logLines(servers: ServerProcess[]) {
  const sum = { total: 0, warn: 0, error: 0 };
  for (const s of servers) {
    const l = s.logLines();
    sum.total += l.total;
    sum.warn += l.warn;
    sum.error += l.error;
  }
  return sum;
}

function figuresOf(ctx: RunContext, m: Measured, side: ServerSide): Record<string, unknown> {
  const o = ctx.options;
  const { pub, stats, cpu, raw } = m;
  const latency = summariseLatencies(m.latencies);
  const acceptLatency = summariseLatencies(pub.acceptLatencies);
  const lost = Math.max(0, m.expected - stats.unique);
  const deliveryWindowMs = stats.last_arrival_ms !== null ? stats.last_arrival_ms - pub.firstSentMs : 0;
  const deliveriesPerS = perSecond(stats.unique, deliveryWindowMs);
  const ratio = raw && raw.posts_per_s > 0 ? round(deliveriesPerS / raw.posts_per_s, 3) : null;
  const figures = {
    store: ctx.store.kind,
    replicas: o.replicas,
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
    ...memoryFigures(side),
    lost,
    duplicates: stats.duplicates,
    bad_signatures: stats.bad_signature,
    wait_outcome: m.outcome,
    publish_s: round((pub.lastAcceptedMs - pub.firstSentMs) / 1000, 2),
    delivery_s: round(deliveryWindowMs / 1000, 2),
    server_cpu_s: round(cpu.server, 2),
    // Steadier than the rates from run to run on a shared machine: compare builds with this. Summed over
    // replicas; PostgreSQL's own CPU is apart, in postgres_cpu_us_per_delivery.
    server_cpu_us_per_delivery: usPer(cpu.server, stats.unique),
    // Of that, the kernel's (system time): fsync and the page writes of commits, sockets, wake-ups.
    server_system_cpu_us_per_delivery: usPer(cpu.serverSystem, stats.unique),
    ...(o.replicas > 1 ? { server_cpu_s_per_replica: cpu.servers.map((c) => round(c, 2)) } : {}),
    ...(cpu.store !== null
      ? { postgres_cpu_s: round(cpu.store, 2), postgres_cpu_us_per_delivery: usPer(cpu.store, stats.unique) }
      : {}),
    ...m.database,
    // The store on disk after the run (LMDB's data directory, or pg_database_size), per event delivered.
    data_bytes_per_event: bytesPerEvent(m.dataBytes, stats.unique, o.fanout),
    data_bytes_over_time: m.diskSamples,
    receiver_cpu_s: round(cpu.receiver, 2),
    driver_cpu_s: round(cpu.driver, 2),
    // Throughput only: at a fixed rate, idle polling would count as cost per delivery.
    ...(o.rate === null ? cpuCeiling(cpu, stats.unique, cpus().length) : {}),
    ready_ms: Math.round(Math.max(...side.servers.map((s) => s.readyMs))),
    rejected: pub.rejected,
    publish_statuses: pub.statuses,
    ...(pub.firstError ? { first_publish_error: pub.firstError } : {}),
    ...(o.rate !== null ? { late_sends: pub.lateSends, max_send_lag_ms: round(pub.maxSendLagMs, 1) } : {}),
    pending_after: m.after?.pending ?? null,
    in_flight_after: m.after?.in_flight ?? null,
    server_log_lines: logLines(side.servers),
    server_exit: m.stopped.code,
    shutdown_ms: m.stopped.ms,
  };
  const shape = {
    store: ctx.store.kind,
    replicas: o.replicas,
    batch: o.batch,
    fanout: o.fanout,
    data_bytes_per_event: figures.data_bytes_per_event,
  };
  const targets =
    o.rate !== null
      ? rateTargets({ ...shape, rate: o.rate, p99_ms: latency.p99_ms, lost })
      : throughputTargets({
          ...shape,
          ratio_to_raw: ratio,
          deliveries_per_s: deliveriesPerS,
          lost,
          duplicates: stats.duplicates,
        });
  return { ...figures, targets };
}
