import { describe, expect, test } from "bun:test";
import { bytesText, countText, periodText } from "./operator-format";

describe("bytesText", () => {
  test("bytes below a KiB, one decimal below ten of a unit, none above", () => {
    expect(bytesText(0)).toBe("0 bytes");
    expect(bytesText(512)).toBe("512 bytes");
    expect(bytesText(1024)).toBe("1 KiB");
    expect(bytesText(1536)).toBe("1.5 KiB");
    expect(bytesText(42 * 1024 * 1024)).toBe("42 MiB");
    expect(bytesText(3 * 1024 ** 4 * 1024)).toBe("3072 TiB");
  });
  test("a negative figure reads as nothing", () => {
    expect(bytesText(-5)).toBe("0 bytes");
  });
});

describe("periodText", () => {
  test("at most two units, largest first, rounded down", () => {
    expect(periodText(30 * 86_400_000)).toBe("30 days");
    expect(periodText(2 * 3_600_000 + 5 * 60_000 + 7_000)).toBe("2 hours 5 minutes");
    expect(periodText(59_900)).toBe("59 seconds");
    expect(periodText(60_000)).toBe("1 minute");
    expect(periodText(450)).toBe("450 ms");
  });
  test("a zero in the middle ends the text rather than skipping to a smaller unit", () => {
    expect(periodText(86_400_000 + 5 * 60_000)).toBe("1 day");
  });
});

test("countText separates thousands", () => {
  expect(countText(1_234_567)).toBe("1,234,567");
  expect(countText(0)).toBe("0");
});
