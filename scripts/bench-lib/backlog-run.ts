// Backlog mode: builds `backlog` pending retries (every delivery goes to a receiver path that answers
// 500, and the retry schedule puts the next attempt an hour away), restarts the server on the same
// data directory, and measures what a restart with that backlog costs: time until GET /health answers
// 200, time until a new event is accepted and delivered, and resident memory.

import { tempDir } from "./children";
import type { RunContext } from "./delivery-run";
import { diskBytes } from "./disk-usage";
import { mb, RssSampler, readMemory } from "./proc-stats";
import { publish } from "./publisher";
import { type Health, health, publishEvents, readEvent, registerWebhook } from "./server-api";
import { fanOutEnv, type ServerProcess, startServer } from "./server-process";
import { epochNow, round, sleep } from "./stats";
import { backlogTargets } from "./targets";

const SETTLE_MS = 5000;

/** Publishes one message.read probe and waits for it to reach the receiver; answers both times. */
async function probe(ctx: RunContext, server: ServerProcess, apiKey: string, tag: string) {
  const before = (await ctx.receiver.stats()).unindexed;
  const sent = epochNow();
  const res = await publishEvents(server.baseUrl, apiKey, [readEvent(tag)]);
  const acceptedMs = epochNow() - sent;
  if (res.status !== 202) throw new Error(`probe publish after restart: ${res.status} ${res.body}`);
  const deadline = performance.now() + ctx.options.timeoutSeconds * 1000;
  while (performance.now() < deadline) {
    const stats = await ctx.receiver.stats();
    if (stats.unindexed > before && stats.last_unindexed_ms !== null) {
      return { accepted_ms: round(acceptedMs, 1), delivered_ms: round(stats.last_unindexed_ms - sent, 1) };
    }
    await sleep(5);
  }
  return { accepted_ms: round(acceptedMs, 1), delivered_ms: null };
}

/** One failing webhook per fan-out token, and the probe's webhook, registered with the receiver. */
async function registerBacklogWebhooks(ctx: RunContext, baseUrl: string, apiKey: string): Promise<void> {
  const { options: o, receiver } = ctx;
  const tokens = [];
  for (let k = 0; k < o.fanout; k++) {
    const token = `b${k}`;
    const url = `${receiver.baseUrl}/fail/${token}`;
    tokens.push({
      token,
      secret: (await registerWebhook(baseUrl, apiKey, url, ["message.delivered"])).secret,
    });
  }
  const probeHook = await registerWebhook(baseUrl, apiKey, `${receiver.baseUrl}/hook/probe`, [
    "message.read",
  ]);
  tokens.push({ token: "probe", secret: probeHook.secret });
  await receiver.setup(tokens, 0);
}

/** Every delivery pending, none in flight, and each first attempt made when the schedule makes one now. */
function backlogBuilt(h: Health, failed: number, expected: number, firstAttemptNow: boolean): boolean {
  return h.pending >= expected && h.in_flight === 0 && (!firstAttemptNow || failed >= expected);
}

/**
 * Done when every delivery has had its failed first attempt (if the schedule makes one now) and the
 * server reports them all pending with nothing in flight; or when the build stalls or times out.
 */
async function awaitBacklog(
  ctx: RunContext,
  baseUrl: string,
  build: { expected: number; firstAttemptNow: boolean; started: number; sampler: RssSampler },
): Promise<{ pending: Health | null; outcome: string }> {
  const { options: o, receiver, progress } = ctx;
  const { expected, firstAttemptNow, started, sampler } = build;
  let pending: Health | null = null;
  let lastChange = performance.now();
  let lastSeen = "";
  let lastReport = 0;
  for (;;) {
    const h = await health(baseUrl);
    const failed = (await receiver.stats()).failed_on_purpose;
    pending = h;
    if (backlogBuilt(h, failed, expected, firstAttemptNow)) return { pending, outcome: "complete" };
    const seen = `${h.pending}/${h.in_flight}/${failed}`;
    const now = performance.now();
    if (seen !== lastSeen) {
      lastSeen = seen;
      lastChange = now;
    }
    if (now - lastReport > 5_000) {
      progress(
        `  pending ${h.pending}, in flight ${h.in_flight}, failed first attempts ${failed} of ${expected}, server RSS ${mb(sampler.sample()?.rss ?? 0)} MB`,
      );
      lastReport = now;
    }
    const stalled = now - lastChange > o.stallSeconds * 1000;
    if (stalled || now - started > o.timeoutSeconds * 1000) {
      return { pending, outcome: stalled ? "stalled" : "timed out" };
    }
    await sleep(500);
  }
}

export async function runBacklog(ctx: RunContext): Promise<Record<string, unknown>> {
  const { options: o, progress } = ctx;
  const backlog = o.backlog as number;
  const dataDir = tempDir("backlog");
  const env = {
    INBOX_LOG_LEVEL: o.logLevel,
    INBOX_RETRY_SCHEDULE: o.backlogSchedule,
    ...fanOutEnv(o.batch, o.fanout),
    ...o.serverEnv,
    ...ctx.store.env(1),
  };
  const firstAttemptNow = /^\s*0(ms|s|m|h)?\s*(,|$)/.test(o.backlogSchedule);

  const first = await startServer({
    command: ctx.command,
    dataDir,
    env,
    readyTimeoutMs: 60_000,
    expectKeys: true,
  });
  const apiKey = first.accountKey as string;
  const sampler = new RssSampler(first.pid).start();
  let pendingBefore: Health | null = null;
  let buildMs = 0;
  let accepted = 0;
  let buildOutcome = "complete";
  let firstStop: Awaited<ReturnType<ServerProcess["stop"]>>;
  try {
    await registerBacklogWebhooks(ctx, first.baseUrl, apiKey);

    progress(`building a backlog of ${backlog} pending retries: ${o.events} events x ${o.fanout} webhooks`);
    const started = performance.now();
    const pub = await publish({
      baseUrls: [first.baseUrl],
      apiKey,
      events: o.events,
      batch: o.batch,
      concurrency: o.concurrency,
      rate: null,
    });
    if (pub.rejected > 0)
      throw new Error(`backlog publish: ${pub.rejected} events rejected: ${pub.firstError}`);
    accepted = pub.accepted;
    const expected = accepted * o.fanout;
    progress(
      `published in ${round((performance.now() - started) / 1000, 1)} s; waiting for ${expected} pending`,
    );

    const built = await awaitBacklog(ctx, first.baseUrl, { expected, firstAttemptNow, started, sampler });
    pendingBefore = built.pending;
    buildOutcome = built.outcome;
    buildMs = performance.now() - started;
  } finally {
    sampler.stop();
    firstStop = await first.stop(120_000);
  }
  const buildPeak = sampler.lastHwm;

  progress(`restarting with ${pendingBefore?.pending ?? "?"} pending`);
  const second = await startServer({
    command: ctx.command,
    dataDir,
    env,
    readyTimeoutMs: o.timeoutSeconds * 1000,
    expectKeys: false,
  });
  const restartSampler = new RssSampler(second.pid, 50).start();
  try {
    const probed = await probe(ctx, second, apiKey, "after-restart");
    await sleep(SETTLE_MS);
    const pendingAfter = await health(second.baseUrl).catch(() => null);
    restartSampler.stop();
    const memory = readMemory(second.pid);
    const stopped = await second.stop(120_000);
    const figures = {
      backlog,
      events: o.events,
      accepted,
      fanout: o.fanout,
      batch: o.batch,
      concurrency: o.concurrency,
      retry_schedule: o.backlogSchedule,
      build_outcome: buildOutcome,
      build_s: round(buildMs / 1000, 1),
      pending_before: pendingBefore?.pending ?? null,
      build_peak_rss_mb: mb(buildPeak),
      build_max_rss_anon_mb: mb(sampler.atMax.anon),
      build_max_rss_file_mb: mb(sampler.atMax.file),
      build_log_lines: first.logLines(),
      shutdown_ms: firstStop.ms,
      shutdown_killed: firstStop.killed,
      ready_ms: Math.round(second.readyMs),
      probe_accepted_ms: probed.accepted_ms,
      probe_delivered_ms: probed.delivered_ms,
      rss_after_restart_mb: mb(memory?.rss ?? restartSampler.maxRss),
      restart_peak_rss_mb: mb(Math.max(memory?.hwm ?? 0, restartSampler.lastHwm)),
      rss_anon_after_restart_mb: mb(memory?.anon ?? 0),
      rss_file_after_restart_mb: mb(memory?.file ?? 0),
      pending_after_restart: pendingAfter?.pending ?? null,
      // LMDB's data directory, or with --postgres the database (pg_database_size).
      data_dir_mb: mb((await ctx.store.sizeBytes()) ?? diskBytes(dataDir)),
      restart_log_lines: second.logLines(),
      server_exit: stopped.code,
    };
    return {
      ...figures,
      targets: backlogTargets({
        backlog,
        restart_peak_rss_mb: figures.restart_peak_rss_mb,
        ready_ms: figures.ready_ms,
      }),
    };
  } catch (err) {
    restartSampler.stop();
    await second.stop(5000);
    throw err instanceof Error ? new Error(`${err.message}\n${second.tail()}`) : err;
  }
}
