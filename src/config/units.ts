// Human-friendly durations and sizes for configuration: "30s", "2h42m30s", "256KiB".
// Parsers accept exactly what formatDuration/formatSize print (so help text round-trips) and throw
// an Error whose message reads on its own and ends with `got "<input>"`, so that config errors can
// be prefixed with the variable's name.

const DURATION_UNITS: Record<string, number> = {
  ms: 1,
  s: 1_000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
};

const SIZE_UNITS: Record<string, number> = {
  b: 1,
  kb: 1_000,
  kib: 1_024,
  mb: 1_000_000,
  mib: 1_048_576,
  gb: 1_000_000_000,
  gib: 1_073_741_824,
};

const DURATION_HINT = "must be a duration such as 500ms, 30s, 2m, 1h30m or 30d (units ms, s, m, h, d)";
const DURATION_UNIT_HINT = "must have a unit (ms, s, m, h or d); only 0 may stand alone";
const SIZE_HINT = "must be a size such as 512B, 64KB or 256KiB (units B, KB, KiB, MB, MiB, GB, GiB)";

// One "<number><unit>" piece; the number may have a fractional part ("1.5h").
const PIECE = /(\d+(?:\.\d+)?)\s*([a-z]+)/gy;

function fail(hint: string, input: string): never {
  throw new Error(`${hint}, got ${JSON.stringify(input)}`);
}

function checkSafe(n: number, input: string): number {
  if (!Number.isSafeInteger(n)) throw new Error(`is too large, got ${JSON.stringify(input)}`);
  return n;
}

/**
 * Milliseconds in `s`: one or more `<number><unit>` pieces with units ms, s, m, h, d, largest first
 * or in any order ("2h30m", "1.5s"), or a bare "0". Any other bare number is refused rather than
 * guessed: "30" meant as seconds or days but read as milliseconds purged fresh data and timed out
 * every attempt. Rejects negatives, garbage, fractional milliseconds and values beyond
 * Number.MAX_SAFE_INTEGER.
 */
export function parseDuration(s: string): number {
  const input = s.trim();
  if (input === "") fail(DURATION_HINT, s);
  if (input.startsWith("-")) throw new Error(`must not be negative, got ${JSON.stringify(s)}`);
  if (/^0+$/.test(input)) return 0;
  if (/^\d+(\.\d+)?$/.test(input)) {
    throw new Error(`${DURATION_UNIT_HINT}: add one, e.g. ${input}s or ${input}d, got ${JSON.stringify(s)}`);
  }
  let total = 0;
  PIECE.lastIndex = 0;
  let consumed = 0;
  for (let m = PIECE.exec(input); m !== null; m = PIECE.exec(input)) {
    const factor = DURATION_UNITS[m[2] as string];
    if (factor === undefined) fail(DURATION_HINT, s);
    total += Number(m[1]) * factor;
    consumed = PIECE.lastIndex;
    // Allow optional spaces between pieces ("1h 30m").
    while (input[PIECE.lastIndex] === " ") PIECE.lastIndex++;
  }
  if (consumed === 0 || consumed !== input.length) fail(DURATION_HINT, s);
  // Sums of decimal fractions pick up float noise ("0.1s" = 100.00000000000001); round it away
  // but still reject genuinely fractional milliseconds ("1.5ms").
  const rounded = Math.round(total);
  if (Math.abs(total - rounded) > 1e-9 * Math.max(1, total)) {
    throw new Error(`must be a whole number of milliseconds, got ${JSON.stringify(s)}`);
  }
  return checkSafe(rounded, s);
}

/**
 * Bytes in `s`: a bare number is bytes; otherwise `<number><unit>` with B, KB, MB, GB (powers of
 * 1000) or KiB, MiB, GiB (powers of 1024), case-insensitive. Rejects negatives, garbage, fractional
 * bytes and values beyond Number.MAX_SAFE_INTEGER.
 */
export function parseSize(s: string): number {
  const input = s.trim();
  if (input.startsWith("-")) throw new Error(`must not be negative, got ${JSON.stringify(s)}`);
  const m = /^(\d+(?:\.\d+)?)\s*([a-zA-Z]*)$/.exec(input);
  if (m === null) fail(SIZE_HINT, s);
  const unit = (m[2] as string).toLowerCase();
  const factor = unit === "" ? 1 : SIZE_UNITS[unit];
  if (factor === undefined) fail(SIZE_HINT, s);
  const bytes = Number(m[1]) * factor;
  const rounded = Math.round(bytes);
  if (Math.abs(bytes - rounded) > 1e-9 * Math.max(1, bytes)) {
    throw new Error(`must be a whole number of bytes, got ${JSON.stringify(s)}`);
  }
  return checkSafe(rounded, s);
}

/** `ms` as the shortest exact duration string, largest unit first: 9_750_000 -> "2h42m30s", 0 -> "0". */
export function formatDuration(ms: number): string {
  if (!Number.isSafeInteger(ms) || ms < 0) throw new RangeError(`not a duration in ms: ${ms}`);
  if (ms === 0) return "0";
  let rest = ms;
  let out = "";
  for (const [unit, factor] of [
    ["d", 86_400_000],
    ["h", 3_600_000],
    ["m", 60_000],
    ["s", 1_000],
    ["ms", 1],
  ] as const) {
    const n = Math.floor(rest / factor);
    if (n > 0) {
      out += `${n}${unit}`;
      rest -= n * factor;
    }
  }
  return out;
}

/** `bytes` with the largest binary unit that divides it exactly: 262_144 -> "256KiB", 1000 -> "1000B". */
export function formatSize(bytes: number): string {
  if (!Number.isSafeInteger(bytes) || bytes < 0) throw new RangeError(`not a size in bytes: ${bytes}`);
  for (const [unit, factor] of [
    ["GiB", 1_073_741_824],
    ["MiB", 1_048_576],
    ["KiB", 1_024],
  ] as const) {
    if (bytes >= factor && bytes % factor === 0) return `${bytes / factor}${unit}`;
  }
  return `${bytes}B`;
}
