// Target resolution: every address checked, the checked one returned, answers cached briefly.
// Look-ups are injected (no DNS traffic leaves the machine) except for `localhost`.

import { describe, expect, test } from "bun:test";
import { createTargetResolver, type ResolvedAddress } from "../../src/delivery/resolve-target";

const PUBLIC_V4 = "93.184.216.34";
const PUBLIC_V6 = "2606:2800:220:1:248:1893:25c8:1946";

function countingLookup(answers: Record<string, ResolvedAddress[]>) {
  const calls: string[] = [];
  const lookup = async (host: string) => {
    calls.push(host);
    await Bun.sleep(5);
    const a = answers[host];
    if (!a) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: "ENOTFOUND" });
    return a;
  };
  return { calls, lookup };
}

describe("createTargetResolver", () => {
  test("IP literals are checked without a look-up", async () => {
    const { calls, lookup } = countingLookup({});
    const guarded = createTargetResolver({ allowPrivate: false, lookup });
    expect(await guarded.resolve(PUBLIC_V4)).toEqual({ ok: true, address: PUBLIC_V4, family: 4 });
    for (const host of ["127.0.0.1", "[::1]", "10.1.2.3", "169.254.169.254", "[::ffff:127.0.0.1]"]) {
      expect(await guarded.resolve(host)).toMatchObject({ ok: false, errorClass: "ssrf_blocked" });
    }
    const open = createTargetResolver({ allowPrivate: true, lookup });
    expect(await open.resolve("127.0.0.1")).toEqual({ ok: true, address: "127.0.0.1", family: 4 });
    expect(await open.resolve("[::1]")).toMatchObject({ ok: true, family: 6 });
    expect(calls).toEqual([]);
  });

  test("an IP literal's verdict is the same at every attempt, and a name is still looked up", async () => {
    const { calls, lookup } = countingLookup({ "hooks.example": [{ address: PUBLIC_V4, family: 4 }] });
    const guarded = createTargetResolver({ allowPrivate: false, lookup, ttlMs: 0 });
    for (let i = 0; i < 3; i++) {
      expect(await guarded.resolve("10.1.2.3")).toMatchObject({ ok: false, errorClass: "ssrf_blocked" });
      expect(await guarded.resolve("[::1]")).toMatchObject({ ok: false, errorClass: "ssrf_blocked" });
      expect(await guarded.resolve(PUBLIC_V4)).toEqual({ ok: true, address: PUBLIC_V4, family: 4 });
      expect(await guarded.resolve("hooks.example")).toEqual({ ok: true, address: PUBLIC_V4, family: 4 });
    }
    // No cache for names here (TTL 0): each resolve of the name looked it up; literals never do.
    expect(calls).toEqual(["hooks.example", "hooks.example", "hooks.example"]);
  });

  test("one forbidden answer refuses the whole name", async () => {
    const { lookup } = countingLookup({
      "mixed.example": [
        { address: PUBLIC_V4, family: 4 },
        { address: "10.0.0.5", family: 4 },
      ],
      "public.example": [
        { address: PUBLIC_V6, family: 6 },
        { address: PUBLIC_V4, family: 4 },
      ],
    });
    const resolver = createTargetResolver({ allowPrivate: false, lookup });
    const mixed = await resolver.resolve("mixed.example");
    expect(mixed).toMatchObject({ ok: false, errorClass: "ssrf_blocked" });
    if (!mixed.ok) expect(mixed.message).not.toContain("10.0.0.5");
    // Allowed: the IPv4 answer is preferred.
    expect(await resolver.resolve("public.example")).toEqual({ ok: true, address: PUBLIC_V4, family: 4 });
  });

  test("a refused name tells the tenant it is not allowed, never the address; the operator's log has it", async () => {
    const { lookup } = countingLookup({
      "db.internal": [{ address: "127.0.0.1", family: 4 }],
      "meta.internal": [{ address: "fd00::5", family: 6 }],
    });
    const lines: Array<{ msg: string; fields: Record<string, unknown> | undefined }> = [];
    const logger = { warn: (msg: string, fields?: Record<string, unknown>) => lines.push({ msg, fields }) };
    const resolver = createTargetResolver({ allowPrivate: false, lookup, logger });
    const refused = [await resolver.resolve("db.internal"), await resolver.resolve("meta.internal")];
    const messages = refused.map((r) => (r.ok ? "" : r.message));
    expect(messages).toEqual([
      "destination not allowed: db.internal resolves to an address that webhooks may not reach",
      "destination not allowed: meta.internal resolves to an address that webhooks may not reach",
    ]);
    for (const m of messages) expect(m).not.toMatch(/127\.0\.0\.1|fd00|loopback|private/);
    expect(lines).toEqual([
      {
        msg: "delivery destination refused",
        fields: { host: "db.internal", address: "127.0.0.1", reason: expect.stringContaining("loopback") },
      },
      {
        msg: "delivery destination refused",
        fields: {
          host: "meta.internal",
          address: "fd00::5",
          reason: expect.stringContaining("unique local"),
        },
      },
    ]);
    // Cached with the refusal: the operator's log gets one line per host per TTL, not one per attempt.
    await resolver.resolve("db.internal");
    expect(lines).toHaveLength(2);
    // An IP literal is the tenant's own text, so its refusal may say what it is.
    const literal = await resolver.resolve("10.1.2.3");
    expect(literal).toMatchObject({
      ok: false,
      message: "destination not allowed: 10.1.2.3 is a private address (10.0.0.0/8)",
    });
  });

  test("localhost resolves to loopback and is refused unless private targets are allowed", async () => {
    expect(await createTargetResolver({ allowPrivate: false }).resolve("localhost")).toMatchObject({
      ok: false,
      errorClass: "ssrf_blocked",
    });
    const open = await createTargetResolver({ allowPrivate: true }).resolve("localhost");
    expect(open.ok).toBe(true);
  });

  test("answers are cached for the TTL and concurrent look-ups share one resolution", async () => {
    let clock = 1_000_000;
    const { calls, lookup } = countingLookup({ "a.example": [{ address: PUBLIC_V4, family: 4 }] });
    const resolver = createTargetResolver({ allowPrivate: false, lookup, ttlMs: 30_000, now: () => clock });
    const all = await Promise.all([resolver.resolve("a.example"), resolver.resolve("a.example")]);
    expect(all.every((r) => r.ok)).toBe(true);
    expect(calls).toHaveLength(1);
    clock += 29_000;
    await resolver.resolve("a.example");
    expect(calls).toHaveLength(1);
    clock += 2_000;
    await resolver.resolve("a.example");
    expect(calls).toHaveLength(2);
  });

  test("a failed look-up is a dns error, remembered only briefly", async () => {
    let clock = 0;
    const { calls, lookup } = countingLookup({});
    const resolver = createTargetResolver({
      allowPrivate: false,
      lookup,
      failureTtlMs: 5_000,
      now: () => clock,
    });
    const first = await resolver.resolve("nowhere.invalid");
    expect(first).toMatchObject({ ok: false, errorClass: "dns" });
    if (!first.ok) expect(first.message).toContain("ENOTFOUND");
    await resolver.resolve("nowhere.invalid");
    expect(calls).toHaveLength(1);
    clock += 5_001;
    await resolver.resolve("nowhere.invalid");
    expect(calls).toHaveLength(2);
  });

  test("the cache holds a bounded number of hosts", async () => {
    const answers = Object.fromEntries(
      ["h1", "h2", "h3"].map((h) => [`${h}.example`, [{ address: PUBLIC_V4, family: 4 }]]),
    );
    const { calls, lookup } = countingLookup(answers);
    const resolver = createTargetResolver({ allowPrivate: false, lookup, entriesMax: 2 });
    for (const h of ["h1", "h2", "h3", "h3", "h2", "h1"]) await resolver.resolve(`${h}.example`);
    // h1 was evicted by h3, so it is looked up twice; h2 and h3 once.
    expect(calls).toEqual(["h1.example", "h2.example", "h3.example", "h1.example"]);
  });
});
