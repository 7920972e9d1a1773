// Prefixed, time-sortable identifiers: `<prefix>_<10 chars of time><16 chars of randomness>`,
// Crockford base32 (ULID alphabet). Ids made by one process sort by creation time, also within
// one millisecond (the random part is incremented instead of redrawn), so storage can use them
// as ordered keys and cursors.

const ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
const TIME_LEN = 10;
const RANDOM_LEN = 16;

export const ID_PREFIXES = ["wh", "evt", "dlv", "att", "acct", "key"] as const;
export type IdPrefix = (typeof ID_PREFIXES)[number];

let lastTime = -1;
const lastRandom = new Uint8Array(RANDOM_LEN);

function encodeTime(ms: number): string {
  let out = "";
  let t = ms;
  for (let i = 0; i < TIME_LEN; i++) {
    out = ALPHABET[t % 32] + out;
    t = Math.floor(t / 32);
  }
  return out;
}

function nextRandom(ms: number): string {
  if (ms === lastTime) {
    // Increment the previous random part (base 32) so ids stay strictly increasing.
    for (let i = RANDOM_LEN - 1; i >= 0; i--) {
      const digit = lastRandom[i] as number;
      if (digit < 31) {
        lastRandom[i] = digit + 1;
        break;
      }
      lastRandom[i] = 0;
    }
  } else {
    lastTime = ms;
    crypto.getRandomValues(lastRandom);
    for (let i = 0; i < RANDOM_LEN; i++) lastRandom[i] = (lastRandom[i] as number) & 31;
    lastRandom[0] = (lastRandom[0] as number) & 15; // headroom so increments never overflow
  }
  let out = "";
  for (let i = 0; i < RANDOM_LEN; i++) out += ALPHABET[lastRandom[i] as number];
  return out;
}

/** A new id with the given prefix, stamped with `now` (ms since the epoch; callers pass their clock). */
export function newId(prefix: IdPrefix, now: number = Date.now()): string {
  const ms = Math.max(now, lastTime);
  return `${prefix}_${encodeTime(ms)}${nextRandom(ms)}`;
}
