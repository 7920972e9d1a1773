// Channels (issue 11): labels a publisher puts on an event and a webhook subscribes to, on top of
// its event types. Pure.
//
// Rule: a webhook without channels receives every event of its types; a webhook with channels
// receives only the events of its types that carry at least one of them (an event without
// channels reaches only webhooks without channels). Channels never enter the envelope.

import type { FieldIssue } from "./errors";

export const CHANNEL_PATTERN = "^[a-zA-Z0-9._:-]{1,128}$";
const CHANNEL = new RegExp(CHANNEL_PATTERN);
export const EVENT_CHANNELS_MAX = 10;
export const WEBHOOK_CHANNELS_MAX = 50;

/** Why `channels` (at `field`, a JSON pointer) cannot be stored; empty when they can. */
export function channelIssues(channels: readonly unknown[], field: string, max: number): FieldIssue[] {
  if (channels.length > max) return [{ field, reason: `must have at most ${max} channels` }];
  const issues: FieldIssue[] = [];
  const seen = new Set<unknown>();
  channels.forEach((channel, i) => {
    if (typeof channel !== "string" || !CHANNEL.test(channel))
      issues.push({ field: `${field}/${i}`, reason: "must be 1 to 128 characters of a-z A-Z 0-9 . _ : -" });
    else if (seen.has(channel)) issues.push({ field: `${field}/${i}`, reason: `duplicates "${channel}"` });
    seen.add(channel);
  });
  return issues;
}

/** True when a webhook with `subscribed` channels receives an event carrying `carried` (see above). */
export function receivesChannels(
  subscribed: readonly string[] | undefined,
  carried: readonly string[] | undefined,
): boolean {
  if (subscribed === undefined || subscribed.length === 0) return true;
  if (carried === undefined) return false;
  return carried.some((c) => subscribed.includes(c));
}

/** The channels as stored: absent when there are none. */
export function storedChannels(channels: readonly string[] | undefined): string[] | undefined {
  return channels && channels.length > 0 ? [...channels] : undefined;
}
