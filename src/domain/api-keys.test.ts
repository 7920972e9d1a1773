import { describe, expect, test } from "bun:test";
import { createHash } from "node:crypto";
import { idTime, isId } from "../../test/support/ids";
import { generateAdminKey, hashApiKey, hashesEqual, issueApiKey } from "./api-keys";

describe("api keys", () => {
  test("issued keys are random, prefixed, and stored only as their SHA-256", () => {
    const a = issueApiKey("acct_x", 1_700_000_000_000);
    const b = issueApiKey("acct_x", 1_700_000_000_000);
    expect(a.apiKey).toMatch(/^ik_[A-Za-z0-9_-]{43}$/);
    expect(a.apiKey).not.toBe(b.apiKey);
    expect(a.record.hash).toBe(hashApiKey(a.apiKey));
    expect(a.record.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.stringify(a.record)).not.toContain(a.apiKey);
    expect(a.apiKey.startsWith(a.record.prefix)).toBe(true);
    expect(a.record.prefix.length).toBeLessThan(16);
    expect(isId("key", a.record.id)).toBe(true);
    expect(idTime(a.record.id)).toBe(1_700_000_000_000);
    expect(a.record).toMatchObject({ account_id: "acct_x", created_at: 1_700_000_000_000, revoked_at: null });
  });

  test("admin keys are distinguishable", () => {
    expect(generateAdminKey()).toMatch(/^ik_admin_[A-Za-z0-9_-]{43}$/);
  });

  test("hashApiKey is SHA-256 of the UTF-8 bytes in hex, so stored hashes keep matching", () => {
    // FIPS 180-2 vectors, and node:crypto (which hashed keys before) on a key and non-ASCII text.
    expect(hashApiKey("")).toBe("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    expect(hashApiKey("abc")).toBe("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    for (const text of [generateAdminKey(), "ik_é€😀"]) {
      expect(hashApiKey(text)).toBe(createHash("sha256").update(text, "utf8").digest("hex"));
    }
  });

  test("hashesEqual compares digests, rejecting different or malformed ones", () => {
    const h = hashApiKey("k");
    expect(hashesEqual(h, hashApiKey("k"))).toBe(true);
    expect(hashesEqual(h, hashApiKey("j"))).toBe(false);
    expect(hashesEqual(h, h.slice(0, 10))).toBe(false);
    expect(hashesEqual("", "")).toBe(false);
  });
});
