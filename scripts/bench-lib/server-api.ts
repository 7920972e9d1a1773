// The few server API calls the benchmark makes, each bounded by a timeout, each failing loudly with
// the server's own error body.

export interface Health {
  status: string;
  version: string;
  pending: number;
  in_flight: number;
}

async function call(url: string, init: RequestInit & { timeoutMs?: number }): Promise<Response> {
  return fetch(url, { ...init, signal: AbortSignal.timeout(init.timeoutMs ?? 30_000) });
}

export async function health(baseUrl: string): Promise<Health> {
  const res = await call(`${baseUrl}/health`, {});
  const body = await res.text();
  if (res.status !== 200) throw new Error(`GET /health: ${res.status} ${body}`);
  return JSON.parse(body) as Health;
}

/** Registers a webhook and answers its id and signing secret. */
export async function registerWebhook(
  baseUrl: string,
  apiKey: string,
  url: string,
  events: string[],
  /** More fields of the webhook (--controls: headers, channels). */
  extra: Record<string, unknown> = {},
): Promise<{ id: string; secret: string }> {
  const res = await call(`${baseUrl}/v1/webhooks`, {
    method: "POST",
    headers: { authorization: `Bearer ${apiKey}`, "content-type": "application/json" },
    body: JSON.stringify({ url, events, description: "bench", ...extra }),
  });
  const body = await res.text();
  if (res.status !== 201) throw new Error(`POST /v1/webhooks: ${res.status} ${body}`);
  const parsed = JSON.parse(body) as { id?: unknown; secret?: unknown };
  if (typeof parsed.id !== "string" || typeof parsed.secret !== "string") {
    throw new Error(`POST /v1/webhooks: no id or secret in ${body}`);
  }
  return { id: parsed.id, secret: parsed.secret };
}

/**
 * The docs' message.delivered payload, with a message id the receiver maps back to `index`, as
 * `type` (an operator-defined type with the same data under --controls).
 */
export function deliveredEvent(
  index: number,
  channels?: readonly string[],
  type = "message.delivered",
): { type: string; data: Record<string, string>; channels?: readonly string[] } {
  return {
    ...(channels ? { channels } : {}),
    type,
    data: {
      message_id: `msg_${index}`,
      to: "+15551234567",
      delivered_at: "2025-01-15T10:25:03Z",
      device_id: "dev_abcdef123456",
    },
  };
}

/** The docs' message.read payload; used for probes that must not land on the bench's main webhooks. */
export function readEvent(tag: string): { type: string; data: Record<string, string> } {
  return {
    type: "message.read",
    data: {
      message_id: `probe_${tag}`,
      to: "+15551234567",
      read_at: "2025-01-15T10:25:15Z",
      device_id: "dev_abcdef123456",
    },
  };
}

/** One publish request: POST /v1/events for one event, POST /v1/events/batch for more. */
export async function publishEvents(
  baseUrl: string,
  apiKey: string,
  events: { type: string; data: unknown }[],
  timeoutMs = 60_000,
): Promise<{ status: number; body: string }> {
  const single = events.length === 1;
  const res = await call(`${baseUrl}/v1/events${single ? "" : "/batch"}`, {
    method: "POST",
    headers: { authorization: `Bearer ${apiKey}`, "content-type": "application/json" },
    body: JSON.stringify(single ? events[0] : { events }),
    timeoutMs,
  });
  return { status: res.status, body: await res.text() };
}
