// A thin client for the appliance's HTTP API as a user sees it. The base URL is read on every call
// so that a client keeps working across a server restart (which picks a new free port).

export interface ApiResponse {
  status: number;
  contentType: string;
  text: string;
  /** Parsed JSON body, or undefined when the body is not JSON. */
  json: unknown;
}

export interface Attempt {
  id: string;
  attempt: number;
  outcome: "succeeded" | "failed";
  status_code: number | null;
  error_class: string | null;
  duration_ms: number;
  response_body: string | null;
  delivery_id: string | null;
  event_id: string;
}

export interface DeliveryView {
  id: string;
  status: string;
  webhook_id: string;
}

export type Json = Record<string, unknown>;

export class Api {
  constructor(private readonly baseUrl: () => string) {}

  async request(
    method: string,
    path: string,
    /** `body` is sent as JSON; `raw` as it is. */
    options: { key?: string; body?: unknown; raw?: string; headers?: Record<string, string> } = {},
  ): Promise<ApiResponse> {
    const headers: Record<string, string> = { ...options.headers };
    if (options.key !== undefined) headers.authorization = `Bearer ${options.key}`;
    let body: string | undefined = options.raw;
    if (options.body !== undefined) {
      body = JSON.stringify(options.body);
      headers["content-type"] ??= "application/json";
    }
    const res = await fetch(`${this.baseUrl()}${path}`, { method, headers, body });
    const text = await res.text();
    const json = jsonOrUndefined(text);
    return { status: res.status, contentType: res.headers.get("content-type") ?? "", text, json };
  }

  /** Like request, but throws unless the status is the expected one; answers the JSON body. */
  async expect(
    status: number,
    method: string,
    path: string,
    options: { key?: string; body?: unknown } = {},
  ): Promise<Json> {
    const res = await this.request(method, path, options);
    if (res.status !== status) {
      throw new Error(`${method} ${path}: expected ${status}, got ${res.status}: ${res.text.slice(0, 500)}`);
    }
    return (res.json ?? {}) as Json;
  }

  async createAccount(adminKey: string, name: string): Promise<{ id: string; key: string }> {
    const body = await this.expect(201, "POST", "/v1/accounts", { key: adminKey, body: { name } });
    const account = (body.account ?? body) as Json;
    return { id: String(account.id ?? body.id), key: String(body.api_key) };
  }

  async registerWebhook(key: string, url: string, events: string[] = ["*"]): Promise<string> {
    const body = await this.expect(201, "POST", "/v1/webhooks", { key, body: { url, events } });
    return String(body.id);
  }

  async publish(key: string, type: string, data: unknown, id?: string): Promise<string> {
    const body = await this.expect(202, "POST", "/v1/events", { key, body: { type, data, id } });
    return String(body.id);
  }

  async deliveriesOfEvent(key: string, eventId: string): Promise<DeliveryView[]> {
    const body = await this.expect(200, "GET", `/v1/events/${encodeURIComponent(eventId)}`, { key });
    return (body.deliveries ?? []) as DeliveryView[];
  }

  async delivery(key: string, deliveryId: string): Promise<{ status: string; attempts: Attempt[] }> {
    const body = await this.expect(200, "GET", `/v1/deliveries/${deliveryId}`, { key });
    const attempts = Array.isArray(body.attempts) ? (body.attempts as Attempt[]) : [];
    return { status: String(body.status), attempts: [...attempts].sort((a, b) => a.attempt - b.attempt) };
  }

  /** Every attempt in a webhook's log (all pages), newest first as the API gives them. */
  async logs(key: string, webhookId: string, query: Record<string, string> = {}): Promise<Attempt[]> {
    const all: Attempt[] = [];
    let cursor: string | null = null;
    do {
      const params = new URLSearchParams({ ...query, limit: "100" });
      if (cursor) params.set("cursor", cursor);
      const page = await this.expect(200, "GET", `/v1/webhooks/${webhookId}/logs?${params}`, { key });
      all.push(...(page.data as Attempt[]));
      cursor = (page.next_cursor as string | null) ?? null;
    } while (cursor);
    return all;
  }
}

/** Valid `message.delivered` data, as in the docs, made distinct by `n`. */
export function deliveredData(n: number): Json {
  return {
    message_id: `msg_${n}`,
    to: "+15551234567",
    delivered_at: "2025-01-15T10:25:03Z",
    device_id: "dev_abcdef123456",
  };
}

/** The parsed text, or undefined when it is not JSON. */
export function jsonOrUndefined(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
