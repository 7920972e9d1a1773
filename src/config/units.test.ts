import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { formatDuration, formatSize, parseDuration, parseSize } from "./units";

describe("parseDuration", () => {
  test.each([
    ["0", 0],
    ["00", 0],
    ["250ms", 250],
    ["0ms", 0],
    ["500ms", 500],
    ["30s", 30_000],
    ["2m", 120_000],
    ["8m", 480_000],
    ["32m", 1_920_000],
    ["2h", 7_200_000],
    ["30d", 2_592_000_000],
    ["1.5s", 1_500],
    ["0.1s", 100],
    ["1.5h", 5_400_000],
    ["2h42m30s", 9_750_000],
    ["1h 30m", 5_400_000],
    ["10 s", 10_000],
    ["  10s  ", 10_000],
    ["1d1ms", 86_400_001],
    ["9007199254740991ms", Number.MAX_SAFE_INTEGER],
  ])("%p -> %p ms", (input, ms) => {
    expect(parseDuration(input)).toBe(ms);
  });

  test.each([
    ["", /must be a duration/],
    ["   ", /must be a duration/],
    ["abc", /must be a duration.*got "abc"/],
    ["10x", /must be a duration/],
    ["10S", /must be a duration/],
    ["s", /must be a duration/],
    ["10s garbage", /must be a duration/],
    ["10s,", /must be a duration/],
    [".5s", /must be a duration/],
    ["1e3", /must be a duration/],
    ["0x10", /must be a duration/],
    ["Infinity", /must be a duration/],
    ["NaN", /must be a duration/],
    ["-5s", /must not be negative, got "-5s"/],
    ["-0", /must not be negative/],
    ["1.5ms", /whole number of milliseconds/],
    ["0.0001s", /whole number of milliseconds/],
    ["9007199254740992ms", /too large/],
    ["999999999999999999999d", /too large/],
    ["104249991375d", /too large/],
  ])("rejects %p", (input, message) => {
    expect(() => parseDuration(input)).toThrow(message);
  });

  test.each([
    ["30", 'must have a unit (ms, s, m, h or d); only 0 may stand alone: add one, e.g. 30s or 30d, got "30"'],
    ["10", 'must have a unit (ms, s, m, h or d); only 0 may stand alone: add one, e.g. 10s or 10d, got "10"'],
    [
      " 1.5 ",
      'must have a unit (ms, s, m, h or d); only 0 may stand alone: add one, e.g. 1.5s or 1.5d, got " 1.5 "',
    ],
    ["9007199254740992", /must have a unit/],
  ])("refuses the bare number %p instead of reading it as milliseconds", (input, message) => {
    expect(() => parseDuration(input)).toThrow(message);
  });

  test("formatDuration prints the docs' schedule compactly", () => {
    expect([0, 30_000, 150_000, 630_000, 2_550_000, 9_750_000].map(formatDuration)).toEqual([
      "0",
      "30s",
      "2m30s",
      "10m30s",
      "42m30s",
      "2h42m30s",
    ]);
    expect(formatDuration(2_592_000_000)).toBe("30d");
    expect(formatDuration(1_001)).toBe("1s1ms");
    expect(() => formatDuration(-1)).toThrow(RangeError);
    expect(() => formatDuration(1.5)).toThrow(RangeError);
  });

  test("formatDuration round-trips through parseDuration", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }), (ms) => {
        expect(parseDuration(formatDuration(ms))).toBe(ms);
      }),
    );
  });
});

describe("parseSize", () => {
  test.each([
    ["0", 0],
    ["1024", 1024],
    ["512B", 512],
    ["512b", 512],
    ["1KB", 1_000],
    ["1kb", 1_000],
    ["1KiB", 1_024],
    ["256KiB", 262_144],
    ["256kib", 262_144],
    ["1.5KiB", 1_536],
    ["0.1KB", 100],
    ["2MB", 2_000_000],
    ["2MiB", 2_097_152],
    ["1GB", 1_000_000_000],
    ["1GiB", 1_073_741_824],
    [" 64 KiB ", 65_536],
  ])("%p -> %p bytes", (input, bytes) => {
    expect(parseSize(input)).toBe(bytes);
  });

  test.each([
    ["", /must be a size/],
    ["KiB", /must be a size/],
    ["12XB", /must be a size.*got "12XB"/],
    ["1TB", /must be a size/],
    ["1 2KiB", /must be a size/],
    ["1e3", /must be a size/],
    ["-1KiB", /must not be negative/],
    ["0.5B", /whole number of bytes/],
    ["1.0001KB", /whole number of bytes/],
    ["99999999999GiB", /too large/],
  ])("rejects %p", (input, message) => {
    expect(() => parseSize(input)).toThrow(message);
  });

  test("formatSize picks the largest exact binary unit and round-trips", () => {
    expect(formatSize(262_144)).toBe("256KiB");
    expect(formatSize(1_000)).toBe("1000B");
    expect(formatSize(0)).toBe("0B");
    expect(formatSize(3 * 1_073_741_824)).toBe("3GiB");
    expect(formatSize(1_572_864)).toBe("1536KiB");
    expect(() => formatSize(-1)).toThrow(RangeError);
    fc.assert(
      fc.property(fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }), (bytes) => {
        expect(parseSize(formatSize(bytes))).toBe(bytes);
      }),
    );
  });
});
