import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { alteredNumber } from "./json-number";

/** The exact value of a decimal numeral as an integer and a power of ten: digits × 10^exponent. */
function exactValue(text: string): { digits: bigint; exponent: number } {
  const [mantissa = "", exponent = "0"] = text.toLowerCase().split("e");
  const [integer = "", fraction = ""] = mantissa.split(".");
  return { digits: BigInt(integer + fraction), exponent: Number(exponent) - fraction.length };
}

/** Whether two decimal numerals denote the same number (-0 and 0 alike), compared exactly. */
function sameValue(a: string, b: string): boolean {
  const x = exactValue(a);
  const y = exactValue(b);
  const low = Math.min(x.exponent, y.exponent);
  return x.digits * 10n ** BigInt(x.exponent - low) === y.digits * 10n ** BigInt(y.exponent - low);
}

describe("alteredNumber", () => {
  test.each([
    "0",
    "-0",
    "1.0",
    "1E2",
    "0.10",
    "123456789012345",
    "9007199254740991",
    "9007199254740992",
    "-9007199254740992",
    "1e21",
    "1.7976931348623157e308",
    "5e-324",
    "2.2250738585072014e-308",
    "0.1",
    "3.141592653589793",
    "100.000000000000000000000000",
    "0.0000000000000000000000000000000000000001",
    "25e-1",
    "1.5e300",
  ])("%s arrives as itself", (token) => {
    expect(alteredNumber(token)).toBeUndefined();
  });

  test.each([
    ["12345678901234567890123", "1.2345678901234568e+22"],
    ["9007199254740993", "9007199254740992"],
    ["1e400", "null"],
    ["-1e400", "null"],
    ["1e-400", "0"],
    ["3e-324", "5e-324"],
    ["0.1000000000000000055511151231257827", "0.1"],
    ["3.14159265358979323846", "3.141592653589793"],
  ])("%s would arrive as %s", (token, arrives) => {
    expect(alteredNumber(token)).toBe(arrives);
  });

  test("every number JavaScript writes arrives as itself", () => {
    fc.assert(
      fc.property(fc.double({ noNaN: true, noDefaultInfinity: true }), (d) => {
        expect(alteredNumber(JSON.stringify(d))).toBeUndefined();
        expect(alteredNumber(d.toExponential())).toBeUndefined();
      }),
      { numRuns: 5000 },
    );
  });

  test("a number it lets through has the value the receiver reads back", () => {
    const digits = fc.string({ unit: fc.constantFrom(..."0123456789"), minLength: 1, maxLength: 25 });
    const token = fc
      .tuple(fc.boolean(), digits, fc.option(digits), fc.option(fc.integer({ min: -330, max: 330 })))
      .map(([negative, int, frac, exp]) => {
        const integer = int.replace(/^0+(?=\d)/, "");
        return `${negative ? "-" : ""}${integer}${frac === null ? "" : `.${frac}`}${exp === null ? "" : `e${exp}`}`;
      });
    fc.assert(
      fc.property(token, (t) => {
        const arrives = JSON.stringify(JSON.parse(t));
        const altered = alteredNumber(t);
        if (altered === undefined) expect(sameValue(arrives, t), `${t} arrives as ${arrives}`).toBe(true);
        else {
          expect(altered).toBe(arrives);
          expect(arrives === "null" || !sameValue(arrives, t), `${t} arrives as ${arrives}`).toBe(true);
        }
      }),
      { numRuns: 5000 },
    );
  });
});
