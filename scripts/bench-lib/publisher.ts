// Publishes events 0..n-1 through the HTTP API, either as fast as `concurrency` publish requests in
// flight allow (closed loop) or on a fixed schedule of `rate` events per second (open loop, capped at
// `concurrency` in flight). Records when each event was sent, on the clock the receiver also reads.
// With several servers (replicas on one database), publish request r goes to server r mod n.

import { deliveredEvent, publishEvents } from "./server-api";
import { epochNow } from "./stats";

export interface PublishPlan {
  /** One server, or the replicas, taken in turn. */
  baseUrls: string[];
  apiKey: string;
  events: number;
  batch: number;
  concurrency: number;
  /** Events per second; null publishes as fast as possible. */
  rate: number | null;
  /** Channels every event carries (--controls); none when absent. */
  channels?: readonly string[] | undefined;
  /** The events' type (--controls: an operator-defined one); message.delivered when absent. */
  type?: string;
}

export interface PublishResult {
  /** Epoch ms at which each event's publish request was sent; 0 for events not accepted. */
  sentAt: Float64Array;
  accepted: number;
  rejected: number;
  /** Status code (or error name) -> publish requests. */
  statuses: Record<string, number>;
  firstError: string | null;
  firstSentMs: number;
  lastAcceptedMs: number;
  /** Rate mode: requests sent later than scheduled because `concurrency` were already in flight. */
  lateSends: number;
  /** Rate mode: the largest delay of a send behind its schedule, ms. */
  maxSendLagMs: number;
  /** Send to 202 of each accepted publish request, ms (the length is the number accepted). */
  acceptLatencies: Float64Array;
}

export async function publish(plan: PublishPlan): Promise<PublishResult> {
  const sentAt = new Float64Array(plan.events);
  const requests = Math.ceil(plan.events / plan.batch);
  const result: PublishResult = {
    sentAt,
    accepted: 0,
    rejected: 0,
    statuses: {},
    firstError: null,
    firstSentMs: Number.POSITIVE_INFINITY,
    lastAcceptedMs: 0,
    lateSends: 0,
    maxSendLagMs: 0,
    acceptLatencies: new Float64Array(requests),
  };

  let acceptedRequests = 0;
  const send = async (request: number): Promise<void> => {
    const from = request * plan.batch;
    const to = Math.min(plan.events, from + plan.batch);
    const events = [];
    for (let i = from; i < to; i++) events.push(deliveredEvent(i, plan.channels, plan.type));
    const at = epochNow();
    if (at < result.firstSentMs) result.firstSentMs = at;
    let status: string;
    try {
      const baseUrl = plan.baseUrls[request % plan.baseUrls.length] as string;
      const res = await publishEvents(baseUrl, plan.apiKey, events);
      status = String(res.status);
      if (res.status === 202) {
        sentAt.fill(at, from, to);
        result.acceptLatencies[acceptedRequests++] = epochNow() - at;
        result.accepted += to - from;
        result.lastAcceptedMs = Math.max(result.lastAcceptedMs, epochNow());
      } else {
        result.rejected += to - from;
        result.firstError ??= `${res.status} ${res.body.slice(0, 300)}`;
      }
    } catch (err) {
      status = err instanceof Error ? err.name : "error";
      result.rejected += to - from;
      result.firstError ??= err instanceof Error ? err.message : String(err);
    }
    result.statuses[status] = (result.statuses[status] ?? 0) + 1;
  };

  const finish = () => {
    result.acceptLatencies = result.acceptLatencies.subarray(0, acceptedRequests);
    return result;
  };
  if (plan.rate === null) {
    let next = 0;
    const worker = async () => {
      while (next < requests) await send(next++);
    };
    await Promise.all(Array.from({ length: Math.min(plan.concurrency, requests) }, worker));
    return finish();
  }

  // Open loop: request r is due at start + r * interval whatever happened to the earlier ones.
  const intervalMs = (plan.batch * 1000) / plan.rate;
  const inFlight = new Set<Promise<void>>();
  const start = performance.now();
  let lastLate = -1;
  for (let r = 0; r < requests; ) {
    const due = start + r * intervalMs;
    const now = performance.now();
    if (now < due) {
      // Timers have about 1 ms resolution; a shorter sleep would spin and steal CPU from the server.
      await Bun.sleep(Math.max(1, due - now));
      continue;
    }
    if (inFlight.size >= plan.concurrency) {
      if (lastLate !== r) result.lateSends++;
      lastLate = r;
      await Promise.race(inFlight);
      continue;
    }
    result.maxSendLagMs = Math.max(result.maxSendLagMs, now - due);
    const p: Promise<void> = send(r++).finally(() => inFlight.delete(p));
    inFlight.add(p);
  }
  await Promise.all(inFlight);
  return finish();
}
