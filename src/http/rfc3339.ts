// The one place where internal millisecond times become RFC 3339 strings and back. The API shows
// whole seconds in UTC (`2025-01-15T10:25:03Z`), as the public docs do.

const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|z|[+-]\d{2}:\d{2})$/;

export function toRfc3339(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");
}

export function toRfc3339OrNull(ms: number | null): string | null {
  return ms === null ? null : toRfc3339(ms);
}

/** Milliseconds for a strict RFC 3339 date-time (any offset), or undefined when it is not one. */
export function parseRfc3339(value: string): number | undefined {
  if (!RFC3339.test(value)) return undefined;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? undefined : ms;
}
