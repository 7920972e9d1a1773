import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import {
  checkJson,
  ENVELOPE_DEPTH,
  JSON_LIMITS_DEFAULT,
  type JsonCheck,
  type JsonLimits,
} from "./json-limits";

const SMALL: JsonLimits = { dataDepthMax: 4, keyLengthMax: 8, stringLengthMax: 10, itemsMax: 5 };

function issues(text: string, limits = SMALL) {
  const check = checkJson(text, limits);
  if (check.outcome !== "over_limits") throw new Error(`expected issues, got ${JSON.stringify(check)}`);
  return check.issues;
}

function malformed(text: string): string {
  const check = checkJson(text, SMALL);
  if (check.outcome !== "malformed") throw new Error(`expected malformed, got ${JSON.stringify(check)}`);
  return check.reason;
}

/** `levels` nested arrays around `inner`. */
const arrays = (levels: number, inner = "") => `${"[".repeat(levels)}${inner}${"]".repeat(levels)}`;
/** `levels` nested objects {"a": …} around `inner`. */
const objects = (levels: number, inner = "1") => `${'{"a":'.repeat(levels)}${inner}${"}".repeat(levels)}`;

/** Whether JSON.parse takes the text. */
function jsonParses(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

describe("syntax: the same verdict as JSON.parse", () => {
  test("any JSON value, however spaced, is ok", () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 6 }), fc.constantFrom(undefined, 2, "\t"), (value, space) => {
        const text = JSON.stringify(value, null, space);
        expect(checkJson(text, JSON_LIMITS_DEFAULT)).toEqual({ outcome: "ok" });
      }),
      { numRuns: 2000 },
    );
  });

  test("text made of JSON's pieces is malformed exactly when JSON.parse throws", () => {
    const piece = fc.constantFrom(
      ...'{}[],:"a1-0.eE+ \\ut\n\u0001'.split(""),
      "true",
      "fals",
      "null",
      '"k"',
      "\\u00e9",
      "\\x",
      "1e5",
      "01",
      "-.5",
    );
    const text = fc.array(piece, { maxLength: 14 }).map((parts) => parts.join(""));
    fc.assert(
      fc.property(text, (t) => {
        expect(checkJson(t, JSON_LIMITS_DEFAULT).outcome !== "malformed", t).toBe(jsonParses(t));
      }),
      { numRuns: 10_000 },
    );
  });

  test("valid JSON with one character dropped or inserted is judged as JSON.parse judges it", () => {
    const mutated = fc
      .tuple(fc.jsonValue({ maxDepth: 4 }), fc.nat(), fc.constantFrom("", ...'{}[],:"\\0eE-. x'))
      .map(([value, at, insert]) => {
        const text = JSON.stringify(value);
        const i = at % (text.length + 1);
        return insert === ""
          ? text.slice(0, i) + text.slice(i + 1)
          : text.slice(0, i) + insert + text.slice(i);
      });
    fc.assert(
      fc.property(mutated, (t) => {
        expect(checkJson(t, JSON_LIMITS_DEFAULT).outcome !== "malformed", t).toBe(jsonParses(t));
      }),
      { numRuns: 5000 },
    );
  });

  test.each([
    ["", "unexpected end of input"],
    ["   ", "unexpected end of input"],
    ['{"a":1,}', 'expected a string key, found "}" at character 8'],
    ['{"a" 1}', 'expected ":" after a key, found "1" at character 6'],
    ["[1 2]", 'expected "," or "]", found "2" at character 4'],
    ["[1}", 'unexpected "}" at character 3'],
    ["01", 'unexpected "1" at character 2 after the JSON value'],
    ["-", "expected a digit, found the end of input"],
    ["1.", "expected a digit after the decimal point, found the end of input"],
    ["1e+", "expected a digit in the exponent, found the end of input"],
    ['"abc', "unterminated string"],
    ['"a\u0001"', 'unescaped "\\u0001" at character 3 in a string'],
    ['"a\\x"', "bad escape in a string at character 3"],
    ['"a\\u12G4"', "bad escape in a string at character 3"],
    ["tru", 'expected a value, found "t" at character 1'],
    ["{} {}", 'unexpected "{" at character 4 after the JSON value'],
  ])("%j is malformed: %s", (text, reason) => {
    expect(malformed(text)).toBe(reason);
  });
});

describe("depth", () => {
  test("event data nests at most dataDepthMax levels, data itself being level 1", () => {
    expect(checkJson(`{"type":"t","data":${objects(4)}}`, SMALL)).toEqual({ outcome: "ok" });
    expect(issues(`{"type":"t","data":${objects(5)}}`)).toEqual([
      {
        field: "/data/a/a/a/a",
        reason: "nests deeper than 4 levels of objects and arrays, the limit for event data",
      },
    ]);
    expect(checkJson(`{"data":${arrays(4)}}`, SMALL)).toEqual({ outcome: "ok" });
    expect(issues(`{"data":${arrays(5)}}`)[0]?.field).toBe("/data/0/0/0/0");
  });

  test("in a batch too: /events/<i>/data counts from data", () => {
    const ok = `{"events":[{"data":{}},{"data":${arrays(4)}}]}`;
    expect(checkJson(ok, SMALL)).toEqual({ outcome: "ok" });
    expect(issues(`{"events":[{"data":{}},{"data":${arrays(5)}}]}`)).toEqual([
      {
        field: "/events/1/data/0/0/0/0",
        reason: "nests deeper than 4 levels of objects and arrays, the limit for event data",
      },
    ]);
  });

  test("an escaped spelling of data is data", () => {
    expect(issues(`{"d\\u0061ta":${arrays(5)}}`)[0]?.field).toBe("/data/0/0/0/0");
  });

  test("elsewhere a body nests at most dataDepthMax + ENVELOPE_DEPTH levels", () => {
    const max = SMALL.dataDepthMax + ENVELOPE_DEPTH;
    expect(checkJson(arrays(max), SMALL)).toEqual({ outcome: "ok" });
    expect(checkJson(`{"x":${arrays(max - 1)}}`, SMALL)).toEqual({ outcome: "ok" });
    expect(issues(`{"x":${arrays(max)}}`)).toEqual([
      {
        field: "/x/0/0/0/0/0/0",
        reason: `nests deeper than ${max} levels of objects and arrays, the limit for a request body`,
      },
    ]);
    // Only /data and /events/<i>/data are event data; a "data" member elsewhere is not.
    expect(checkJson(`{"x":[{"data":${arrays(max - 3)}}]}`, SMALL)).toEqual({ outcome: "ok" });
    expect(issues(`{"x":[{"data":${arrays(max - 2)}}]}`)[0]?.reason).toContain("a request body");
  });

  test("leaving data restores the body's limit", () => {
    expect(checkJson(`{"data":{},"x":${arrays(6)}}`, SMALL)).toEqual({ outcome: "ok" });
    expect(issues(`{"data":{},"x":${arrays(7)}}`)[0]?.field).toBe("/x/0/0/0/0/0/0");
  });

  test("100,000 levels stop at the first level over, however the text goes on", () => {
    const deep = `{"type":"t","data":${objects(100_000)}}`;
    const found = issues(deep, JSON_LIMITS_DEFAULT);
    expect(found).toHaveLength(1);
    expect(found[0]?.field).toBe(`/data${"/a".repeat(32)}`);
    expect(found[0]?.reason).toBe(
      "nests deeper than 32 levels of objects and arrays, the limit for event data",
    );
    // Unterminated, and malformed after the limit: the depth is what is reported.
    expect(issues(`{"data":${"[".repeat(100_000)}x`, JSON_LIMITS_DEFAULT)[0]?.field).toStartWith("/data/0/0");
  });

  test("a syntax error before the limit is reached is malformed", () => {
    expect(malformed(`{"data":[[x${"[".repeat(100)}`)).toBe('expected a value, found "x" at character 11');
  });
});

describe("sizes", () => {
  test("strings: counted as decoded characters, at most stringLengthMax", () => {
    expect(checkJson(`{"data":{"s":"${"x".repeat(10)}"}}`, SMALL)).toEqual({ outcome: "ok" });
    // Escapes count as the one character they stand for; a surrogate pair as two, as JavaScript does.
    expect(checkJson(`{"data":{"s":"\\u00e9\\n\\"\\ud83d\\ude00xxxxx"}}`, SMALL)).toEqual({ outcome: "ok" });
    expect(issues(`{"data":{"a/b~c":"${"x".repeat(11)}"}}`)).toEqual([
      { field: "/data/a~1b~0c", reason: "is a string of 11 characters; strings may have at most 10" },
    ]);
    expect(issues(`"${"x".repeat(11)}"`)[0]?.field).toBe("body");
  });

  test("keys: at most keyLengthMax characters; the issue names the object", () => {
    expect(checkJson(`{"data":{"${"k".repeat(8)}":1}}`, SMALL)).toEqual({ outcome: "ok" });
    expect(issues(`{"data":{"list":[{"${"k".repeat(9)}":1}]}}`)).toEqual([
      { field: "/data/list/0", reason: "has a key of 9 characters; keys may have at most 8" },
    ]);
    // A pointer through an overlong key names it cut short, so that an answer stays small.
    expect(issues(`{"data":{"${"k".repeat(100_000)}":"${"s".repeat(11)}"}}`).map((i) => i.field)).toEqual([
      "/data",
      `/data/${"k".repeat(8)}…`,
    ]);
  });

  test("arrays and objects: at most itemsMax items or members", () => {
    const list = (n: number) => Array.from({ length: n }, (_, i) => i).join(",");
    const members = (n: number) => Array.from({ length: n }, (_, i) => `"k${i}":${i}`).join(",");
    expect(checkJson(`{"data":{"n":[${list(5)}],"o":{${members(5)}}}}`, SMALL)).toEqual({ outcome: "ok" });
    expect(issues(`{"data":{"n":[${list(6)}],"o":{${members(600)}}}}`)).toEqual([
      { field: "/data/n", reason: "has more than 5 items; arrays may have at most 5" },
      { field: "/data/o", reason: "has more than 5 members; objects may have at most 5" },
    ]);
  });
});

describe("numbers", () => {
  test("numbers that would arrive altered are named, with what the receiver would get", () => {
    const text =
      '{"data":{"big":12345678901234567890123,"far":1e400,"tiny":1e-400,"ok":[1.0,1E2,0.10,-0,9007199254740991]}}';
    expect(issues(text, JSON_LIMITS_DEFAULT).map((i) => [i.field, i.reason.split(":")[0]])).toEqual([
      [
        "/data/big",
        "is a number the receiver would not get exactly (it would arrive as 1.2345678901234568e+22)",
      ],
      ["/data/far", "is a number the receiver would not get exactly (it would arrive as null)"],
      ["/data/tiny", "is a number the receiver would not get exactly (it would arrive as 0)"],
    ]);
    expect(issues(text, JSON_LIMITS_DEFAULT)[0]?.reason).toEndWith("; send it as a string");
  });
});

describe("reporting", () => {
  test("issues are listed in text order, at most 20", () => {
    const many = `{"data":[${Array.from({ length: 30 }, () => "1e999").join(",")}]}`;
    const found = issues(many, { ...JSON_LIMITS_DEFAULT });
    expect(found).toHaveLength(20);
    expect(found.map((i) => i.field)).toEqual(Array.from({ length: 20 }, (_, i) => `/data/${i}`));
  });

  test("a syntax error after an issue still makes the body malformed", () => {
    const check: JsonCheck = checkJson(`{"data":{"s":"${"x".repeat(11)}",}}`, SMALL);
    expect(check.outcome).toBe("malformed");
  });
});
