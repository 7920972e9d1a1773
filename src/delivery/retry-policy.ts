// When to try a failed delivery again, as a value. The schedule is the docs' table of delays before
// each attempt (immediate, 30 s, 2 min, 8 min, 32 min, 2 h); its length is the number of attempts.
// A receiver's Retry-After can push the next attempt later (never earlier), up to a cap, so that a
// hostile or confused receiver cannot park a delivery for days.

export type RetryDecision = { outcome: "retry"; at: number } | { outcome: "fail" };

/**
 * The next step after attempt number `attemptsMade` (1-based, counting the one that just failed):
 * retry at `now + schedule[attemptsMade]`, pushed to at least `now + min(retryAfterMs, cap)` when the
 * receiver sent a Retry-After; fail once `attemptsMade >= schedule.length`. `attemptsMade = 0`
 * answers when the first attempt is due. Throws RangeError only for arguments no caller should pass
 * (a negative or fractional count, a non-finite time).
 */
export function decideRetry(opts: {
  attemptsMade: number;
  schedule: number[];
  now: number;
  retryAfterMs?: number | null;
  retryAfterMsMax: number;
}): RetryDecision {
  const { attemptsMade, schedule, now, retryAfterMs, retryAfterMsMax } = opts;
  if (!Number.isSafeInteger(attemptsMade) || attemptsMade < 0) {
    throw new RangeError(`attemptsMade must be a non-negative integer, got ${attemptsMade}`);
  }
  if (!Number.isFinite(now)) throw new RangeError(`now must be a finite time, got ${now}`);
  if (attemptsMade >= schedule.length) return { outcome: "fail" };
  let delay = Math.max(0, schedule[attemptsMade] as number);
  if (retryAfterMs != null && Number.isFinite(retryAfterMs) && retryAfterMs > 0) {
    delay = Math.max(delay, Math.min(retryAfterMs, Math.max(0, retryAfterMsMax)));
  }
  return { outcome: "retry", at: now + delay };
}

const DAY_NAMES = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
const LONG_DAY_NAMES = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"];
const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

// RFC 9110 §5.6.7: recipients must accept all three HTTP-date forms.
const IMF_FIXDATE = /^([A-Z][a-z]{2}), (\d{2}) ([A-Z][a-z]{2}) (\d{4}) (\d{2}):(\d{2}):(\d{2}) GMT$/;
const RFC850_DATE = /^([A-Z][a-z]+), (\d{2})-([A-Z][a-z]{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2}) GMT$/;
const ASCTIME_DATE = /^([A-Z][a-z]{2}) ([A-Z][a-z]{2}) ([ \d]\d) (\d{2}):(\d{2}):(\d{2}) (\d{4})$/;

function utc(
  year: number,
  monthName: string,
  day: number,
  hour: number,
  minute: number,
  second: number,
): number | null {
  const month = MONTHS.indexOf(monthName);
  if (month < 0 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60) return null;
  const t = Date.UTC(year, month, day, hour, minute, Math.min(second, 59));
  // Reject dates that roll over (Feb 30 becomes Mar 2).
  if (new Date(t).getUTCDate() !== day) return null;
  return t;
}

/** The instant an HTTP-date denotes, or null when `s` is not one; `now` settles two-digit years. */
export function parseHttpDate(s: string, now: number): number | null {
  let m = IMF_FIXDATE.exec(s);
  if (m !== null) {
    if (!DAY_NAMES.includes(m[1] as string)) return null;
    return utc(Number(m[4]), m[3] as string, Number(m[2]), Number(m[5]), Number(m[6]), Number(m[7]));
  }
  m = RFC850_DATE.exec(s);
  if (m !== null) {
    if (!LONG_DAY_NAMES.includes(m[1] as string)) return null;
    // Two-digit years: RFC 9110 says one that looks more than 50 years ahead is in the past.
    const yy = Number(m[4]);
    const year = yy + 2000 > new Date(now).getUTCFullYear() + 50 ? 1900 + yy : 2000 + yy;
    return utc(year, m[3] as string, Number(m[2]), Number(m[5]), Number(m[6]), Number(m[7]));
  }
  m = ASCTIME_DATE.exec(s);
  if (m !== null) {
    if (!DAY_NAMES.includes(m[1] as string)) return null;
    const day = Number((m[3] as string).trim());
    return utc(Number(m[7]), m[2] as string, day, Number(m[4]), Number(m[5]), Number(m[6]));
  }
  return null;
}

/**
 * A Retry-After header value as a wait in ms from `now`: delta-seconds ("120") or an HTTP-date
 * (a date already past means 0). Null when absent, empty, negative, fractional or not a date.
 * Huge values are clamped to Number.MAX_SAFE_INTEGER; decideRetry caps them anyway.
 */
export function parseRetryAfter(header: string | null | undefined, now: number): number | null {
  if (header == null) return null;
  const value = header.trim();
  if (value === "") return null;
  if (/^\d+$/.test(value)) return Math.min(Number(value) * 1000, Number.MAX_SAFE_INTEGER);
  const at = parseHttpDate(value, now);
  if (at === null) return null;
  return Math.max(0, at - now);
}
