// Small, strict IP address parsers and formatters for the SSRF guard. No DNS, no OS calls: what a
// string means is decided here, the same way on every platform.
//  - parseIPv4 / parseIPv6 accept the textual forms DNS answers and people write (dotted quad;
//    IPv6 with `::` compression and an embedded dotted quad); zone ids ("fe80::1%eth0") are refused.
//  - parseLegacyIPv4 accepts every form the WHATWG URL parser and inet_aton accept: 1 to 4 parts,
//    each decimal, octal (leading 0) or hex (0x), the last filling the remaining bytes
//    ("2130706433", "0x7f.1", "0177.0.0.1", "127.1").
//  - formatIPv6 prints the RFC 5952 form with hex groups only, as `new URL()` does ("::ffff:7f00:1").

/** A dotted quad with decimal parts 0-255 and no leading zeros, as a uint32; else null. */
export function parseIPv4(s: string): number | null {
  const parts = s.split(".");
  if (parts.length !== 4) return null;
  let n = 0;
  for (const part of parts) {
    if (!/^(0|[1-9]\d{0,2})$/.test(part)) return null;
    const v = Number(part);
    if (v > 255) return null;
    n = n * 256 + v;
  }
  return n;
}

export function formatIPv4(n: number): string {
  return `${(n >>> 24) & 255}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`;
}

function parseLegacyPart(part: string): number | null {
  if (part === "") return null;
  if (/^0x[0-9a-f]*$/i.test(part)) return part.length === 2 ? 0 : Number.parseInt(part.slice(2), 16);
  if (/^0[0-7]+$/.test(part)) return Number.parseInt(part.slice(1), 8);
  if (/^(0|[1-9]\d*)$/.test(part)) return Number(part);
  return null;
}

/** Any IPv4 spelling a URL parser or inet_aton accepts (see header), as a uint32; else null. */
export function parseLegacyIPv4(s: string): number | null {
  const parts = s.split(".");
  if (parts.length > 1 && parts[parts.length - 1] === "") parts.pop(); // "127.0.0.1."
  if (parts.length === 0 || parts.length > 4) return null;
  const values: number[] = [];
  for (const part of parts) {
    // Long digit strings would lose precision; anything over 20 chars is out of range anyway.
    if (part.length > 20) return null;
    const v = parseLegacyPart(part);
    if (v === null) return null;
    values.push(v);
  }
  const last = values.pop() as number;
  for (const v of values) if (v > 255) return null;
  if (last >= 256 ** (4 - values.length)) return null;
  let n = 0;
  for (const v of values) n = n * 256 + v;
  return n * 256 ** (4 - values.length) + last;
}

/**
 * IPv6 text (RFC 4291 §2.2: hex groups, one `::`, optional trailing dotted quad) as eight 16-bit
 * groups; null for anything else, including zone ids and brackets.
 */
export function parseIPv6(s: string): number[] | null {
  if (s.length === 0 || s.length > 45 || !/^[0-9a-fA-F:.]+$/.test(s)) return null;
  const halves = s.split("::");
  if (halves.length > 2) return null;
  const head = parseIPv6Groups(halves[0] as string);
  if (head === null) return null;
  if (halves.length === 1) return head.length === 8 ? head : null;
  // A dotted quad may only end the address, so it cannot sit before the `::`.
  if ((halves[0] as string).includes(".")) return null;
  const tail = parseIPv6Groups(halves[1] as string);
  if (tail === null || head.length + tail.length > 7) return null;
  return [...head, ...new Array<number>(8 - head.length - tail.length).fill(0), ...tail];
}

/** One side of a `::` (or a whole address without one) as 16-bit groups; a dotted quad may end it. */
function parseIPv6Groups(text: string): number[] | null {
  if (text === "") return [];
  const out: number[] = [];
  const pieces = text.split(":");
  for (let i = 0; i < pieces.length; i++) {
    const piece = pieces[i] as string;
    if (i === pieces.length - 1 && piece.includes(".")) {
      const v4 = parseIPv4(piece);
      if (v4 === null) return null;
      out.push(v4 >>> 16, v4 & 0xffff);
    } else if (/^[0-9a-fA-F]{1,4}$/.test(piece)) {
      out.push(Number.parseInt(piece, 16));
    } else {
      return null;
    }
  }
  return out;
}

/** RFC 5952 text: lowercase, no leading zeros, the longest run (2+) of zero groups as `::`. */
export function formatIPv6(groups: number[]): string {
  let bestStart = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestStart < 0) return hex.join(":");
  return `${hex.slice(0, bestStart).join(":")}::${hex.slice(bestStart + bestLen).join(":")}`;
}

/** The IPv4 address held in the low 32 bits of `groups`. */
export function low32(groups: number[]): number {
  return (groups[6] as number) * 65536 + (groups[7] as number);
}
