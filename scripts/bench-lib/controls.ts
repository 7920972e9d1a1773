// `--controls`: the per-webhook controls of issue 11 in play, so that `bun run bench` shows what
// they cost. Every bench webhook is registered with three custom headers and two channels, and
// every event is published with a channel one of them takes (so each still fans out to every
// webhook: the delivery count is the same as without the flag).
//
// Hook for the operator-defined event types (issue 11 item 4): to publish a type with a custom
// schema too, register it here (POST /v1/event-types with the admin key) and answer its name from
// eventType(); until then the bench publishes the built-in message.delivered.

/** What a bench webhook is registered with under --controls. */
export const WEBHOOK_CONTROLS = {
  headers: {
    Authorization: "Bearer bench_4eC39HqLyjWDarjtT1zdp7dc",
    "X-Tenant": "bench",
    "X-Request-Source": "inbox-bench",
  },
  channels: ["bench", "tenant:acme"],
} as const;

/** The channels every published event carries under --controls. */
export const EVENT_CHANNELS: readonly string[] = ["tenant:acme"];

/** The fields a bench webhook is registered with: none without --controls. */
export function webhookControls(on: boolean): Record<string, unknown> {
  return on ? { headers: WEBHOOK_CONTROLS.headers, channels: WEBHOOK_CONTROLS.channels } : {};
}

/** The channels a published event carries: none without --controls. */
export function eventChannels(on: boolean): readonly string[] | undefined {
  return on ? EVENT_CHANNELS : undefined;
}
