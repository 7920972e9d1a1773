// Times as the dashboard shows and reads them: always UTC, said so, to the second. A filter field
// is an <input type="datetime-local"> (no zone: read as UTC, as the page says) or, in a link the
// page made, RFC 3339 with any offset.

import { parseRfc3339, toRfc3339 } from "../../http/rfc3339";

/** `2026-12-03 17:01:05 UTC`. */
export function timeText(ms: number): string {
  return `${toRfc3339(ms).replace("T", " ").replace("Z", "")} UTC`;
}

/** `17:00`, the hour and minute in UTC (chart axis labels). */
export function clockText(ms: number): string {
  return new Date(ms).toISOString().slice(11, 16);
}

/** The value an <input type="datetime-local"> shows for `ms` (UTC, to the second). */
export function localInputValue(ms: number): string {
  return toRfc3339(ms).replace("Z", "");
}

const LOCAL = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2})(:\d{2}(\.\d{1,3})?)?$/;

/**
 * Milliseconds for a datetime-local value (`2026-12-03T17:01`, seconds optional; read as UTC) or an
 * RFC 3339 date-time; undefined when it is neither (or names a day that does not exist).
 */
export function parseTimeField(value: string): number | undefined {
  const local = LOCAL.exec(value);
  if (!local) return parseRfc3339(value);
  return parseRfc3339(`${local[1]}${local[2] ?? ":00"}Z`);
}

/** `1.2 s`, `85 ms`. */
export function durationText(ms: number): string {
  return ms >= 1000 ? `${(ms / 1000).toFixed(ms >= 10_000 ? 0 : 1)} s` : `${Math.round(ms)} ms`;
}
