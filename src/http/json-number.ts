// Whether a JSON number reaches a receiver as the number the publisher wrote. Events are parsed into
// JavaScript numbers (64-bit floats) and serialized again for every delivery, so a number survives
// only when its decimal value is exactly the one JSON.stringify writes back: 12345678901234567890123
// would arrive as 1.2345678901234568e+22 and 1e400 as null. Spellings do not matter (1.0, 1E2 and
// 0.10 arrive as 1, 100 and 0.1, the same values); values do.

/** Any decimal of at most 15 significant digits in the normal range survives a 64-bit float. */
const ALWAYS_EXACT_LENGTH_MAX = 15;

/**
 * What the receiver would get instead of `token` (a valid JSON number), or undefined when it gets
 * the same value: the JSON text of the float, "null" when the value is out of the float's range.
 */
export function alteredNumber(token: string): string | undefined {
  // The common case: plain integers and short decimals (no exponent, at most 15 digits).
  if (token.length <= ALWAYS_EXACT_LENGTH_MAX && token.indexOf("e") < 0 && token.indexOf("E") < 0) {
    return undefined;
  }
  const value = Number(token);
  if (!Number.isFinite(value)) return "null";
  const written = String(value);
  return decimalValue(token) === decimalValue(written) ? undefined : written;
}

/**
 * A canonical spelling of a decimal's value, `[-]<digits>e<exponent>` with no leading or trailing
 * zeros in the digits ("0" for zero, whatever its sign): equal values give equal strings.
 */
function decimalValue(text: string): string {
  const negative = text.startsWith("-");
  const exponentAt = text.search(/[eE]/);
  const mantissa = text.slice(negative ? 1 : 0, exponentAt < 0 ? text.length : exponentAt);
  const dot = mantissa.indexOf(".");
  const fraction = dot < 0 ? "" : mantissa.slice(dot + 1);
  let digits = (dot < 0 ? mantissa : mantissa.slice(0, dot)) + fraction;
  let exponent = (exponentAt < 0 ? 0 : Number(text.slice(exponentAt + 1))) - fraction.length;

  let first = 0;
  while (first < digits.length && digits.charCodeAt(first) === 48) first++;
  let end = digits.length;
  while (end > first && digits.charCodeAt(end - 1) === 48) end--;
  if (first === end) return "0";
  exponent += digits.length - end;
  digits = digits.slice(first, end);
  return `${negative ? "-" : ""}${digits}e${exponent}`;
}
