import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { formatIPv4, formatIPv6, parseIPv4, parseIPv6, parseLegacyIPv4 } from "./ip-address";

describe("parseIPv4 (strict dotted quad)", () => {
  test.each([
    ["0.0.0.0", 0],
    ["127.0.0.1", 0x7f000001],
    ["255.255.255.255", 0xffffffff],
    ["8.8.8.8", 0x08080808],
  ])("%p", (s, n) => {
    expect(parseIPv4(s)).toBe(n);
    expect(formatIPv4(n)).toBe(s);
  });

  test.each([
    "",
    "1.2.3",
    "1.2.3.4.5",
    "256.0.0.1",
    "01.2.3.4",
    "1.2.3.04",
    "0x1.2.3.4",
    "1.2.3.-4",
    "1..3.4",
    " 1.2.3.4",
    "1.2.3.4 ",
    "a.b.c.d",
    "1.2.3.4.",
  ])("rejects %p", (s) => {
    expect(parseIPv4(s)).toBeNull();
  });
});

describe("parseLegacyIPv4 (URL / inet_aton spellings)", () => {
  test.each([
    ["127.0.0.1", "127.0.0.1"],
    ["2130706433", "127.0.0.1"],
    ["0x7f000001", "127.0.0.1"],
    ["0X7F000001", "127.0.0.1"],
    ["017700000001", "127.0.0.1"],
    ["0x7f.0.0.1", "127.0.0.1"],
    ["0177.0.0.1", "127.0.0.1"],
    ["0177.0.0.01", "127.0.0.1"],
    ["127.1", "127.0.0.1"],
    ["127.0.1", "127.0.0.1"],
    ["0x7f.1", "127.0.0.1"],
    ["10.0x10000", "10.1.0.0"],
    ["127.0.0.1.", "127.0.0.1"],
    ["0", "0.0.0.0"],
    ["0x", "0.0.0.0"],
    ["00", "0.0.0.0"],
    ["4294967295", "255.255.255.255"],
    ["169.254.43518", "169.254.169.254"],
  ])("%p -> %p", (s, canonical) => {
    const n = parseLegacyIPv4(s);
    expect(n).not.toBeNull();
    expect(formatIPv4(n!)).toBe(canonical);
  });

  test.each([
    "",
    ".",
    "1.2.3.4.5",
    "4294967296",
    "256.1",
    "1.16777216",
    "1.2.65536",
    "08",
    "0x1g",
    "1..2",
    "example.com",
    "1.2.3.4..",
    "-1",
    "1.2.3.-4",
    "１２７.0.0.1",
    "9".repeat(30),
  ])("rejects %p", (s) => {
    expect(parseLegacyIPv4(s)).toBeNull();
  });

  test("agrees with the WHATWG URL parser on generated spellings", () => {
    const part = fc.tuple(fc.integer({ min: 0, max: 0xffffffff }), fc.constantFrom("dec", "hex", "oct"));
    const spell = ([v, radix]: [number, string]) =>
      radix === "hex" ? `0x${v.toString(16)}` : radix === "oct" ? `0${v.toString(8)}` : String(v);
    fc.assert(
      fc.property(fc.array(part, { minLength: 1, maxLength: 4 }), (parts) => {
        const host = parts.map(spell).join(".");
        let expected: string | null;
        try {
          expected = new URL(`http://${host}/`).hostname;
        } catch {
          expected = null;
        }
        const n = parseLegacyIPv4(host);
        expect(n === null ? null : formatIPv4(n)).toBe(expected);
      }),
      { numRuns: 2000 },
    );
  });
});

describe("parseIPv6 / formatIPv6", () => {
  test.each([
    ["::", "::"],
    ["::1", "::1"],
    ["0:0:0:0:0:0:0:1", "::1"],
    ["1::", "1::"],
    ["2001:DB8::1", "2001:db8::1"],
    ["2001:0db8:0000:0000:0000:0000:0000:0001", "2001:db8::1"],
    ["2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1"],
    ["2001:db8:0:1:1:1:1:1", "2001:db8:0:1:1:1:1:1"],
    ["::ffff:127.0.0.1", "::ffff:7f00:1"],
    ["::127.0.0.1", "::7f00:1"],
    ["64:ff9b::10.0.0.1", "64:ff9b::a00:1"],
    ["1:2:3:4:5:6:1.2.3.4", "1:2:3:4:5:6:102:304"],
    ["fe80::1:2", "fe80::1:2"],
    ["1:0:0:2:0:0:0:3", "1:0:0:2::3"],
  ])("%p -> %p", (s, canonical) => {
    const groups = parseIPv6(s);
    expect(groups).not.toBeNull();
    expect(groups).toHaveLength(8);
    expect(formatIPv6(groups!)).toBe(canonical);
  });

  test.each([
    "",
    ":",
    ":::",
    "1:::2",
    "1::2::3",
    ":1::2",
    "1::2:",
    "1:2:3:4:5:6:7",
    "1:2:3:4:5:6:7:8:9",
    "1:2:3:4:5:6:7:8::",
    "::1:2:3:4:5:6:7:8",
    "12345::",
    "g::1",
    "fe80::1%eth0",
    "fe80::1%25eth0",
    "[::1]",
    "::ffff:1.2.3",
    "::ffff:01.2.3.4",
    "::ffff:256.2.3.4",
    "1.2.3.4::",
    "::1.2.3.4:1",
    "1:2:3:4:5:6:7:1.2.3.4",
    " ::1",
  ])("rejects %p", (s) => {
    expect(parseIPv6(s)).toBeNull();
  });

  test("round-trips and agrees with the WHATWG URL serializer", () => {
    const group = fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 0xffff }));
    fc.assert(
      fc.property(fc.array(group, { minLength: 8, maxLength: 8 }), (groups) => {
        const text = formatIPv6(groups);
        expect(parseIPv6(text)).toEqual(groups);
        expect(new URL(`http://[${text}]/`).hostname).toBe(`[${text}]`);
        const full = groups.map((g) => g.toString(16).padStart(4, "0")).join(":");
        expect(parseIPv6(full)).toEqual(groups);
      }),
      { numRuns: 2000 },
    );
  });
});
