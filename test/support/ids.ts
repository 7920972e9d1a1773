// Reading ids back, for assertions: production code never needs to, since ids are opaque to it.
// Mirrors the format newId makes (src/domain/ids.ts): `<prefix>_<10 chars of time><16 chars of
// randomness>`, Crockford base32.

const ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
const ID_PATTERN = /^([a-z]+)_([0-9A-HJKMNP-TV-Z]{26})$/;

/** True when `value` is a well-formed id of the given prefix. */
export function isId(prefix: string, value: string): boolean {
  const m = ID_PATTERN.exec(value);
  return m !== null && m[1] === prefix;
}

/** The creation time (ms since the epoch) encoded in a well-formed id. */
export function idTime(id: string): number {
  const start = id.indexOf("_") + 1;
  let t = 0;
  for (const ch of id.slice(start, start + 10)) t = t * 32 + ALPHABET.indexOf(ch);
  return t;
}
