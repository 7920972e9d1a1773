// `--controls`: the per-webhook controls of issue 11 in play, so that `bun run bench` shows what
// they cost. Every bench webhook is registered with three custom headers and two channels, and
// every event is published with a channel one of them takes (so each still fans out to every
// webhook: the delivery count is the same as without the flag). The events are of an
// operator-defined type (issue 11 item 4) whose JSON Schema checks the same four fields as
// message.delivered with patterns, a format and no other property, so the payload is the same and
// the difference is the schema check.

/** What a bench webhook is registered with under --controls. */
const WEBHOOK_CONTROLS = {
  headers: {
    Authorization: "Bearer bench_4eC39HqLyjWDarjtT1zdp7dc",
    "X-Tenant": "bench",
    "X-Request-Source": "inbox-bench",
  },
  channels: ["bench", "tenant:acme"],
} as const;

/** The channels every published event carries under --controls. */
const EVENT_CHANNELS: readonly string[] = ["tenant:acme"];

/** The operator-defined type the bench publishes under --controls: message.delivered's data. */
const BENCH_EVENT_TYPE = {
  name: "bench.message_delivered",
  description: "message.delivered's data, checked by an operator-defined JSON Schema.",
  schema: {
    type: "object",
    required: ["message_id", "to", "delivered_at", "device_id"],
    additionalProperties: false,
    properties: {
      message_id: { type: "string", pattern: "^msg_[0-9]+$" },
      to: { type: "string", pattern: "^\\+[1-9][0-9]{6,14}$" },
      delivered_at: { type: "string", format: "date-time" },
      device_id: { type: "string", pattern: "^dev_[a-z0-9]{6,32}$" },
    },
  },
} as const;

/** The type bench events are published as. */
export function eventType(on: boolean): string {
  return on ? BENCH_EVENT_TYPE.name : "message.delivered";
}

/** Registers BENCH_EVENT_TYPE with the admin key (under --controls; nothing without). */
export async function registerEventType(
  on: boolean,
  baseUrl: string,
  adminKey: string | null,
): Promise<void> {
  if (!on) return;
  const res = await fetch(`${baseUrl}/v1/event-types`, {
    method: "POST",
    headers: { authorization: `Bearer ${adminKey}`, "content-type": "application/json" },
    body: JSON.stringify(BENCH_EVENT_TYPE),
  });
  if (res.status !== 201) throw new Error(`POST /v1/event-types answered ${res.status}: ${await res.text()}`);
}

/** The fields a bench webhook is registered with: none without --controls. */
export function webhookControls(on: boolean): Record<string, unknown> {
  return on ? { headers: WEBHOOK_CONTROLS.headers, channels: WEBHOOK_CONTROLS.channels } : {};
}

/** The channels a published event carries: none without --controls. */
export function eventChannels(on: boolean): readonly string[] | undefined {
  return on ? EVENT_CHANNELS : undefined;
}
