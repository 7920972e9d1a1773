// How the operator's pages write sizes, counts and long periods (uptime, retention): sizes in binary
// units, periods in at most two whole units. Times are ../components/times.ts's. Pure.

const BYTE_UNITS = ["bytes", "KiB", "MiB", "GiB", "TiB"] as const;

/** "512 bytes", "1.5 MiB", "12 GiB": one decimal below 10 of a unit, none above. */
export function bytesText(bytes: number): string {
  let value = Math.max(0, bytes);
  let unit = 0;
  while (value >= 1024 && unit < BYTE_UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  if (unit === 0) return `${Math.round(value)} bytes`;
  const shown = value < 10 ? value.toFixed(1).replace(/\.0$/, "") : String(Math.round(value));
  return `${shown} ${BYTE_UNITS[unit]}`;
}

const DURATION_UNITS: readonly [ms: number, one: string, many: string][] = [
  [86_400_000, "day", "days"],
  [3_600_000, "hour", "hours"],
  [60_000, "minute", "minutes"],
  [1_000, "second", "seconds"],
];

/**
 * "30 days", "2 hours 5 minutes", "450 ms": at most two units, largest first, rounded down
 * (an uptime of 59.9 s reads "59 seconds").
 */
export function periodText(ms: number): string {
  if (ms < 1_000) return `${Math.max(0, Math.round(ms))} ms`;
  const parts: string[] = [];
  let rest = ms;
  for (const [size, one, many] of DURATION_UNITS) {
    const count = Math.floor(rest / size);
    if (count === 0) {
      if (parts.length > 0) break;
      continue;
    }
    parts.push(`${count} ${count === 1 ? one : many}`);
    rest -= count * size;
    if (parts.length === 2) break;
  }
  return parts.join(" ");
}

/** "12,345": whole numbers with thousands separators. */
export function countText(n: number): string {
  return n.toLocaleString("en-US");
}
