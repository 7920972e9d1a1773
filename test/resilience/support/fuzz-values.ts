// The values the request fuzzer is made of: nasty strings, bad urls, garbage JSON, mutations of a
// valid body, and the ways a body can be encoded wrongly. No generated url can reach a host other
// than 127.0.0.1: the http(s) ones are loopback, the rest are not http(s) URLs at all.

import fc from "fast-check";

export const printable = fc.string({
  unit: fc.integer({ min: 0x21, max: 0x7e }).map((c) => String.fromCharCode(c)),
});
export const HUGE = "x".repeat(300 * 1024);

/** Strings that break things: empty, control chars, lone surrogates, emoji, RTL, very long. */
export const nastyString = fc.oneof(
  fc.string(),
  fc.string({ unit: "grapheme", maxLength: 40 }),
  fc.string({ unit: "binary", maxLength: 40 }),
  fc.constantFrom(
    "",
    " ",
    "\u0000",
    "\ud800",
    "💥🔥",
    "\u202eevil",
    "null",
    "NaN",
    "../../etc/passwd",
    "%00",
    "' OR 1=1 --",
    "<script>alert(1)</script>",
    "a".repeat(5000),
    "ü".repeat(2000),
  ),
);

/** Bad webhook urls. Valid ones point at loopback only; no generated url may reach another host. */
export const badUrl = fc.constantFrom(
  "",
  "not a url",
  "ftp://127.0.0.1/x",
  "http://",
  "http://127.0.0.1:99999/",
  "javascript:alert(1)",
  "http://[::1",
  "//127.0.0.1/x",
  "/relative/path",
  "file:///etc/passwd",
  "data:text/plain,hi",
  `http://127.0.0.1/${"a".repeat(9000)}`,
  "http://127.0.0.1:1/\u0000",
  "HTTP://127.0.0.1:1/ok",
  "http://user:pass@127.0.0.1:1/",
);

export const garbageValue: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 3, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
  { weight: 2, arbitrary: nastyString },
  { weight: 1, arbitrary: badUrl },
  {
    weight: 1,
    arbitrary: fc.constantFrom(-1, 0, 1.5, 1e308, -0, 2 ** 53 + 1, true, null, [], {}, [null], ["*", 5]),
  },
  { weight: 1, arbitrary: fc.array(nastyString, { maxLength: 5 }) },
);

/** A seed body with one change: a field replaced, removed or added, or nested data mangled. */
export function mutated(seed: unknown): fc.Arbitrary<unknown> {
  if (seed === null || typeof seed !== "object" || Array.isArray(seed)) return garbageValue;
  const object = seed as Record<string, unknown>;
  const keys = Object.keys(object);
  const extraField = fc.tuple(nastyString, garbageValue).map(([k, v]) => ({ ...object, [k]: v }));
  if (keys.length === 0) return fc.oneof(extraField, garbageValue, fc.constant(seed));
  const replaceField = fc
    .tuple(fc.constantFrom(...keys), garbageValue)
    .map(([k, v]) => ({ ...object, [k]: v }));
  const removeField = fc.constantFrom(...keys).map((k) => {
    const { [k]: _dropped, ...rest } = object;
    return rest;
  });
  const nested = fc.tuple(fc.constantFrom(...keys), fc.jsonValue({ maxDepth: 2 })).chain(([k, v]) => {
    const inner = object[k];
    if (inner && typeof inner === "object" && !Array.isArray(inner)) {
      const innerKeys = Object.keys(inner);
      if (innerKeys.length === 0) return fc.constant({ ...object, [k]: { junk: v } });
      return fc.constantFrom(...innerKeys).map((ik) => ({ ...object, [k]: { ...inner, [ik]: v } }));
    }
    if (Array.isArray(inner)) return fc.constant({ ...object, [k]: [...inner, v] });
    return fc.constant({ ...object, [k]: v });
  });
  const hugeField = fc.constantFrom(...keys).map((k) => ({ ...object, [k]: HUGE }));
  return fc.oneof(
    { weight: 4, arbitrary: replaceField },
    { weight: 2, arbitrary: removeField },
    { weight: 2, arbitrary: extraField },
    { weight: 3, arbitrary: nested },
    { weight: 1, arbitrary: hugeField },
    { weight: 1, arbitrary: fc.constant(seed) },
  );
}

export type Encoded = { body: string | FormData | undefined; contentType: string | undefined; how: string };

/**
 * JSON text past the limits on request bodies, spliced into a body as an extra member of its
 * outermost object, or as the value of a member of its event data when it has one.
 */
const HOSTILE_JSON = [
  `${"[".repeat(40_000)}${"]".repeat(40_000)}`,
  `${'{"a":'.repeat(34)}1${"}".repeat(34)}`,
  "12345678901234567890123",
  "1e400",
  "-1e-400",
  "9007199254740993",
  `"${"s".repeat(70_000)}"`,
  `[${new Array(10_001).fill(0).join(",")}]`,
  `{"${"k".repeat(300)}":1}`,
];

function spliced(json: string, piece: string): string {
  const data = json.indexOf('"data":{');
  if (data >= 0) {
    const rest = json.slice(data + 8);
    return `${json.slice(0, data + 8)}"hostile":${piece}${rest.startsWith("}") ? "" : ","}${rest}`;
  }
  if (json.startsWith("{") && json.endsWith("}"))
    return `${json.slice(0, -1)}${json === "{}" ? "" : ","}"hostile":${piece}}`;
  return piece;
}

export function encodings(value: unknown): fc.Arbitrary<Encoded> {
  const json = JSON.stringify(value) ?? "null";
  return fc.oneof(
    {
      weight: 8,
      arbitrary: fc.constant<Encoded>({ body: json, contentType: "application/json", how: "json" }),
    },
    {
      weight: 2,
      arbitrary: fc.nat({ max: Math.max(0, json.length - 1) }).map<Encoded>((n) => ({
        body: json.slice(0, n),
        contentType: "application/json",
        how: "truncated json",
      })),
    },
    {
      weight: 1,
      arbitrary: fc
        .constantFrom("{", "[1,2", '{"a":}', "{'a':1}", "undefined", "\u0000", '{"a":1}}', "NaN", "")
        .map<Encoded>((body) => ({ body, contentType: "application/json", how: "broken json" })),
    },
    {
      weight: 2,
      arbitrary: fc
        .constantFrom(
          "text/plain",
          "application/xml",
          "application/x-www-form-urlencoded",
          "application/json-patch+json",
        )
        .map<Encoded>((contentType) => ({ body: json, contentType, how: `json as ${contentType}` })),
    },
    {
      weight: 1,
      arbitrary: fc.constant<Encoded>({
        body: new URLSearchParams({
          url: "http://127.0.0.1:1/x",
          events: "*",
          type: "message.delivered",
        }).toString(),
        contentType: "application/x-www-form-urlencoded",
        how: "form",
      }),
    },
    {
      weight: 1,
      arbitrary: fc.constant(null).map<Encoded>(() => {
        const form = new FormData();
        form.set("url", "http://127.0.0.1:1/x");
        form.set("events", "*");
        return { body: form, contentType: undefined, how: "multipart" };
      }),
    },
    {
      weight: 1,
      arbitrary: fc.constant<Encoded>({ body: json, contentType: undefined, how: "no content-type" }),
    },
    {
      weight: 1,
      arbitrary: fc.constant<Encoded>({ body: HUGE, contentType: "application/json", how: "huge" }),
    },
    {
      weight: 2,
      arbitrary: fc.constantFrom(...HOSTILE_JSON).map<Encoded>((piece) => ({
        body: spliced(json, piece),
        contentType: "application/json",
        how: "hostile json",
      })),
    },
  );
}
