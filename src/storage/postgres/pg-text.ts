// Values as PostgreSQL columns hold them. PostgreSQL text cannot hold U+0000, and a lone UTF-16
// surrogate does not survive UTF-8; the LMDB store keeps both (its values are JSON). So every string
// from outside goes through `toDb`, a reversible escape that leaves all other strings unchanged:
// U+0001 starts an escape, "\u0001a" is U+0001 itself, "\u0001b" is U+0000 and "\u0001sXXXX" is the
// lone surrogate U+XXXX. The mapping is injective, so lookups and uniqueness by the escaped form are
// lookups by the original; ordering by it is a total order (listings stay stable, cursors hold the
// original and are escaped the same way).
//
// int8 (bigint) columns arrive from Bun's client as strings; times and counters fit in 2^53.

const ESCAPE = "\u0001";

function needsEscape(s: string): boolean {
  return s.includes("\u0000") || s.includes(ESCAPE) || !s.isWellFormed();
}

export function toDb(s: string): string {
  if (!needsEscape(s)) return s;
  let out = "";
  for (let i = 0; i < s.length; i++) {
    const code = s.charCodeAt(i);
    if (code === 0) out += `${ESCAPE}b`;
    else if (code === 1) out += `${ESCAPE}a`;
    else if (code >= 0xd800 && code <= 0xdbff && isLow(s.charCodeAt(i + 1))) {
      out += s.slice(i, i + 2);
      i++;
    } else if (code >= 0xd800 && code <= 0xdfff) out += `${ESCAPE}s${code.toString(16)}`;
    else out += s.charAt(i);
  }
  return out;
}

function isLow(code: number): boolean {
  return code >= 0xdc00 && code <= 0xdfff;
}

export function fromDb(s: string): string {
  if (!s.includes(ESCAPE)) return s;
  let out = "";
  for (let i = 0; i < s.length; i++) {
    if (s[i] !== ESCAPE) {
      out += s[i];
      continue;
    }
    const kind = s[i + 1];
    if (kind === "a") out += ESCAPE;
    else if (kind === "b") out += "\u0000";
    else {
      out += String.fromCharCode(Number.parseInt(s.slice(i + 2, i + 6), 16));
      i += 4;
    }
    i++;
  }
  return out;
}

export function toDbOrNull(s: string | null | undefined): string | null {
  return s === null || s === undefined ? null : toDb(s);
}

export function fromDbOrNull(s: string | null): string | null {
  return s === null ? null : fromDb(s);
}

/** An int8 column's value (a string from the client) as a number; null stays null. */
export function int8(value: string | number | null): number | null {
  return value === null ? null : Number(value);
}

export function int8NotNull(value: string | number): number {
  return Number(value);
}
