// Checks the JSON text of a request body against syntax and the limits on event data before anything
// turns it into objects: one left-to-right pass with an explicit stack (no recursion, so no stack
// overflow at any depth), stopping at the first level over the depth limit. A body nested 100,000
// levels deep costs the scan of its first few dozen levels, and nothing deep ever reaches the
// parser, the schema checks, the store or a listing.
//
// Limits, each answered 422 naming the value (a JSON pointer) and the limit:
// - depth: event data (`/data`, `/events/<i>/data`) nests at most `dataDepthMax` levels of objects
//   and arrays, `data` itself being level 1; the rest of a body at most ENVELOPE_DEPTH more;
// - characters in a key, characters in a string, items in an array or members in an object;
// - numbers: only those the receiver gets with the same value (see ./json-number.ts).
// Problems are reported in text order, as a streaming parser would meet them: a syntax error before
// the scan stops makes the body malformed (400); it stops at a depth violation or at the 20th issue.

import type { FieldIssue } from "../domain/errors";
import { alteredNumber } from "./json-number";

export interface JsonLimits {
  /** Levels of objects and arrays in event data, `data` itself being level 1. */
  dataDepthMax: number;
  /** Characters (UTF-16 code units, as JavaScript counts them) in one object key. */
  keyLengthMax: number;
  /** Characters in one string value. */
  stringLengthMax: number;
  /** Items in one array, members in one object. */
  itemsMax: number;
}

export const JSON_LIMITS_DEFAULT: JsonLimits = {
  dataDepthMax: 32,
  keyLengthMax: 256,
  stringLengthMax: 65_536,
  itemsMax: 10_000,
};

/** Levels a body has above event data: {"events": [{"data": …}]}. */
export const ENVELOPE_DEPTH = 3;

export type JsonCheck =
  | { outcome: "ok" }
  | { outcome: "malformed"; reason: string }
  | { outcome: "over_limits"; issues: FieldIssue[] };

/** Scans `text`; "ok" means it is valid JSON within the limits, so JSON.parse will take it. */
export function checkJson(text: string, limits: JsonLimits): JsonCheck {
  return new JsonScanner(text, limits).scan();
}

const ISSUES_MAX = 20;

const OBJECT = 1;
const ARRAY = 2;

// What the scanner expects next. Negative values end the scan.
const VALUE = 0;
const VALUE_OR_END = 1; // just after "["
const KEY = 2;
const KEY_OR_END = 3; // just after "{"
const COLON = 4;
const AFTER_VALUE = 5;
const FAILED = -1;
const STOPPED = -2;
const DONE = -3;

const HEX4 = /[0-9a-fA-F]{4}/y;

/** Characters the escape at `i` (a backslash) takes: 2, 6 for \uXXXX, 0 when it is not valid JSON. */
function escapeWidth(text: string, i: number): number {
  const c = text.charCodeAt(i + 1);
  // " \ / b f n r t
  if (c === 34 || c === 92 || c === 47 || c === 98 || c === 102 || c === 110 || c === 114 || c === 116)
    return 2;
  if (c !== 117) return 0;
  HEX4.lastIndex = i + 2;
  return HEX4.test(text) ? 6 : 0;
}

function skipDigits(text: string, i: number): number {
  let c = text.charCodeAt(i);
  while (c >= 48 && c <= 57) c = text.charCodeAt(++i);
  return i;
}

class JsonScanner {
  private pos = 0;
  private depth = 0;
  /** Levels below which the depth limit counts: 1 inside /data, 3 elsewhere. */
  private base = ENVELOPE_DEPTH;
  /** The level of the event data container being read, 0 outside event data. */
  private dataLevel = 0;
  private readonly kinds: Uint8Array;
  /** Per level: the index of the current item (arrays) or member (objects). */
  private readonly counts: Int32Array;
  /** Per object level: where the current member's key starts and ends (inside the quotes). */
  private readonly keyStarts: Int32Array;
  private readonly keyEnds: Int32Array;
  private readonly issues: FieldIssue[] = [];
  private failure = "";

  constructor(
    private readonly text: string,
    private readonly limits: JsonLimits,
  ) {
    const levels = limits.dataDepthMax + ENVELOPE_DEPTH + 2;
    this.kinds = new Uint8Array(levels);
    this.counts = new Int32Array(levels);
    this.keyStarts = new Int32Array(levels);
    this.keyEnds = new Int32Array(levels);
  }

  scan(): JsonCheck {
    const text = this.text;
    let state = VALUE;
    while (state >= 0) {
      let c = text.charCodeAt(this.pos);
      while (c === 32 || c === 10 || c === 13 || c === 9) c = text.charCodeAt(++this.pos);
      if (this.pos >= text.length) {
        state = state === AFTER_VALUE && this.depth === 0 ? DONE : this.fail("unexpected end of input");
      } else {
        state = this.step(state, c);
      }
    }
    if (state === FAILED) return { outcome: "malformed", reason: this.failure };
    return this.issues.length > 0 ? { outcome: "over_limits", issues: this.issues } : { outcome: "ok" };
  }

  private step(state: number, c: number): number {
    switch (state) {
      case VALUE_OR_END:
        return c === 93 ? this.close(ARRAY) : this.value(c);
      case VALUE:
        return this.value(c);
      case KEY_OR_END:
        return c === 125 ? this.close(OBJECT) : this.key(c);
      case KEY:
        return this.key(c);
      case COLON:
        if (c !== 58) return this.fail(`expected ":" after a key, found ${this.found()}`);
        this.pos++;
        return VALUE;
      default:
        return this.afterValue(c);
    }
  }

  private value(c: number): number {
    if (c === 123) return this.open(OBJECT);
    if (c === 91) return this.open(ARRAY);
    if (c === 34) return this.string();
    if (c === 45 || (c >= 48 && c <= 57)) return this.number();
    const literal = c === 116 ? "true" : c === 102 ? "false" : c === 110 ? "null" : "";
    if (literal === "" || !this.text.startsWith(literal, this.pos)) {
      return this.fail(`expected a value, found ${this.found()}`);
    }
    this.pos += literal.length;
    return AFTER_VALUE;
  }

  private key(c: number): number {
    if (c !== 34) return this.fail(`expected a string key, found ${this.found()}`);
    const start = this.pos + 1;
    const length = this.skipString();
    if (length < 0) return FAILED;
    this.keyStarts[this.depth] = start;
    this.keyEnds[this.depth] = this.pos - 1;
    const max = this.limits.keyLengthMax;
    if (length > max)
      this.report(this.depth - 1, `has a key of ${length} characters; keys may have at most ${max}`);
    return this.issues.length >= ISSUES_MAX ? STOPPED : COLON;
  }

  private string(): number {
    const length = this.skipString();
    if (length < 0) return FAILED;
    const max = this.limits.stringLengthMax;
    if (length > max)
      this.report(this.depth, `is a string of ${length} characters; strings may have at most ${max}`);
    return this.issues.length >= ISSUES_MAX ? STOPPED : AFTER_VALUE;
  }

  /** Moves past the string whose opening quote is at pos; answers the characters it decodes to, or -1. */
  private skipString(): number {
    const text = this.text;
    let i = this.pos + 1;
    let escapeExtra = 0; // characters written for escapes beyond the one each stands for
    for (;;) {
      const c = text.charCodeAt(i);
      if (c === 34) break;
      if (c === 92) {
        const width = escapeWidth(text, i);
        if (width === 0) return this.fail(`bad escape in a string at character ${i + 1}`);
        escapeExtra += width - 1;
        i += width;
      } else if (c >= 32) {
        i++;
      } else {
        // A control character, or NaN past the end of the text.
        this.pos = i;
        return this.fail(i >= text.length ? "unterminated string" : `unescaped ${this.found()} in a string`);
      }
    }
    const length = i - this.pos - 1 - escapeExtra;
    this.pos = i + 1;
    return length;
  }

  private number(): number {
    const text = this.text;
    const start = this.pos;
    let i = text.charCodeAt(start) === 45 ? start + 1 : start;
    const integer = i;
    i = text.charCodeAt(i) === 48 ? i + 1 : skipDigits(text, i); // no leading zeros: "01" is "0" then junk
    if (i === integer) return this.failAt(i, "expected a digit");
    let digits = i - integer;
    if (text.charCodeAt(i) === 46) {
      const end = skipDigits(text, i + 1);
      if (end === i + 1) return this.failAt(end, "expected a digit after the decimal point");
      digits += end - i - 1;
      i = end;
    }
    let exponent = 0;
    const e = text.charCodeAt(i);
    if (e === 101 || e === 69) {
      const sign = text.charCodeAt(i + 1);
      const from = sign === 43 || sign === 45 ? i + 2 : i + 1;
      i = skipDigits(text, from);
      if (i === from) return this.failAt(i, "expected a digit in the exponent");
      // The magnitude only: a large negative exponent is as far from the normal range as a large one.
      exponent = i - from > 6 ? Number.POSITIVE_INFINITY : Number(text.slice(from, i));
    }
    this.pos = i;
    return this.exact(start, i, digits, exponent);
  }

  /** Reports the number text[start, end) when a 64-bit float would not carry it exactly. */
  private exact(start: number, end: number, digits: number, exponent: number): number {
    // Up to 15 digits within the normal range always survive; anything else is compared exactly.
    if (digits <= 15 && exponent <= 280) return AFTER_VALUE;
    const arrives = alteredNumber(this.text.slice(start, end));
    if (arrives === undefined) return AFTER_VALUE;
    this.report(
      this.depth,
      `is a number the receiver would not get exactly (it would arrive as ${arrives}): numbers must ` +
        "survive a 64-bit float (any up to 15 significant digits, integers up to 2^53); send it as a string",
    );
    return this.issues.length >= ISSUES_MAX ? STOPPED : AFTER_VALUE;
  }

  private open(kind: number): number {
    const level = this.depth + 1;
    if (this.dataLevel === 0 && this.isEventData(level)) {
      this.dataLevel = level;
      this.base = level - 1;
    }
    const limit = this.limits.dataDepthMax + this.base;
    if (level > limit) {
      this.report(
        this.depth,
        this.dataLevel > 0
          ? `nests deeper than ${this.limits.dataDepthMax} levels of objects and arrays, the limit for event data`
          : `nests deeper than ${limit} levels of objects and arrays, the limit for a request body`,
      );
      return STOPPED;
    }
    this.depth = level;
    this.kinds[level] = kind;
    this.counts[level] = 0;
    this.pos++;
    return kind === OBJECT ? KEY_OR_END : VALUE_OR_END;
  }

  /** A container opened at `level` is event data when it is the value of /data or /events/<i>/data. */
  private isEventData(level: number): boolean {
    const parent = level - 1;
    if (parent === 1) return this.kinds[1] === OBJECT && this.keyIs(1, "data");
    if (parent !== 3 || this.kinds[3] !== OBJECT || this.kinds[2] !== ARRAY || this.kinds[1] !== OBJECT) {
      return false;
    }
    return this.keyIs(3, "data") && this.keyIs(1, "events");
  }

  private close(kind: number): number {
    if (this.kinds[this.depth] !== kind) return this.fail(`unexpected ${this.found()}`);
    if (this.depth === this.dataLevel) {
      this.dataLevel = 0;
      this.base = ENVELOPE_DEPTH;
    }
    this.depth--;
    this.pos++;
    return AFTER_VALUE;
  }

  private afterValue(c: number): number {
    if (this.depth === 0) return this.fail(`unexpected ${this.found()} after the JSON value`);
    const kind = this.kinds[this.depth];
    if (c === 44) return this.comma(kind);
    if (c === 125 || c === 93) return this.close(c === 125 ? OBJECT : ARRAY);
    return this.fail(`expected "," or "${kind === OBJECT ? "}" : "]"}", found ${this.found()}`);
  }

  /** A comma in the container open at the current depth: one more item, counted against the limit. */
  private comma(kind: number | undefined): number {
    this.pos++;
    const count = (this.counts[this.depth] ?? 0) + 1;
    this.counts[this.depth] = count;
    if (count === this.limits.itemsMax) {
      const what = kind === OBJECT ? "members; objects" : "items; arrays";
      this.report(this.depth - 1, `has more than ${count} ${what} may have at most ${count}`);
      if (this.issues.length >= ISSUES_MAX) return STOPPED;
    }
    return kind === OBJECT ? KEY : VALUE;
  }

  private fail(reason: string): number {
    this.failure = reason;
    return FAILED;
  }

  private failAt(position: number, expected: string): number {
    this.pos = position;
    return this.fail(`${expected}, found ${this.found()}`);
  }

  private found(): string {
    const c = this.text.codePointAt(this.pos);
    if (c === undefined) return "the end of input";
    return `${JSON.stringify(String.fromCodePoint(c))} at character ${this.pos + 1}`;
  }

  private report(level: number, reason: string): void {
    this.issues.push({ field: this.pointer(level) || "body", reason });
  }

  /** The JSON pointer of the current value at `level` (levels 1..level name its path). */
  private pointer(level: number): string {
    let pointer = "";
    for (let l = 1; l <= level; l++) {
      pointer += `/${this.kinds[l] === OBJECT ? this.keySegment(l) : this.counts[l]}`;
    }
    return pointer;
  }

  /** The key at `level` as a pointer segment; a key over the limit (reported already) is cut short. */
  private keySegment(level: number): string {
    const key = this.keyAt(level);
    const max = this.limits.keyLengthMax;
    const segment = key.length > max ? `${key.slice(0, max)}…` : key;
    return segment.replaceAll("~", "~0").replaceAll("/", "~1");
  }

  private keyAt(level: number): string {
    const raw = this.text.slice(this.keyStarts[level], this.keyEnds[level]);
    return raw.includes("\\") ? (JSON.parse(`"${raw}"`) as string) : raw;
  }

  private keyIs(level: number, name: string): boolean {
    const start = this.keyStarts[level] ?? 0;
    const length = (this.keyEnds[level] ?? 0) - start;
    if (length === name.length) return this.text.startsWith(name, start);
    // An escaped spelling ("d\u0061ta") names the same member.
    return length > name.length && length <= 6 * name.length && this.keyAt(level) === name;
  }
}
