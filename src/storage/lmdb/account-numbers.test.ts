import { afterEach, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { open, type RootDatabase } from "lmdb";
import { AccountNumbers, accountKeyPart, accountOfKeyPart } from "./account-numbers";

const opened: Array<{ root: RootDatabase; dir: string }> = [];
afterEach(async () => {
  for (const { root, dir } of opened.splice(0)) {
    await root.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

function environment() {
  const dir = mkdtempSync(join(tmpdir(), "account-numbers-"));
  const root = open({ path: join(dir, "x.mdb"), maxDbs: 4 });
  opened.push({ root, dir });
  const byId = root.openDB<number, string>({ name: "account_numbers" });
  const byNumber = root.openDB<string, number>({ name: "account_ids" });
  return { root, byId, byNumber, numbers: () => new AccountNumbers(byId, byNumber) };
}

describe("AccountNumbers", () => {
  test("assigns 1, 2, … once per account; the pairs outlive the process", () => {
    const env = environment();
    const numbers = env.numbers();
    env.root.transactionSync(() => {
      expect(numbers.numberFor("acct_a")).toBe(1);
      expect(numbers.numberFor("acct_b")).toBe(2);
      expect(numbers.numberFor("acct_a")).toBe(1);
    });
    const later = env.numbers();
    expect(later.numberOf("acct_b")).toBe(2);
    expect(later.idOf(1)).toBe("acct_a");
    expect(later.numberOf("acct_unknown")).toBeUndefined();
    env.root.transactionSync(() => expect(later.numberFor("acct_c")).toBe(3));
  });

  test("a number from a rolled-back job is never given to another account, and is written again on replay", () => {
    const env = environment();
    const numbers = env.numbers();
    expect(() =>
      env.root.transactionSync(() => {
        numbers.numberFor("acct_a");
        throw new Error("the batch fails");
      }),
    ).toThrow("the batch fails");
    expect(env.byId.get("acct_a")).toBeUndefined();
    env.root.transactionSync(() => expect(numbers.numberFor("acct_b")).toBe(2));
    env.root.transactionSync(() => expect(numbers.numberFor("acct_a")).toBe(1));
    expect(env.byId.get("acct_a")).toBe(1);
    expect(env.byNumber.get(1)).toBe("acct_a");
  });

  test("until its job is confirmed committed, a write checks that the pair is stored", () => {
    const env = environment();
    const numbers = env.numbers();
    env.root.transactionSync(() => numbers.numberFor("acct_a"));
    // As after a rollback that memory did not see: the pair is gone from the store.
    env.root.transactionSync(() => env.byId.removeSync("acct_a"));
    env.root.transactionSync(() => expect(numbers.numberFor("acct_a")).toBe(1));
    expect(env.byId.get("acct_a")).toBe(1);
    numbers.confirm("acct_a");
    expect(numbers.numberOf("acct_a")).toBe(1);
  });

  test("an account's key part is short and names its number", () => {
    expect(accountKeyPart(7)).toBe("7");
    expect(accountOfKeyPart(accountKeyPart(123))).toBe(123);
  });

  test("a number with no pair is a damaged store", () => {
    expect(() => environment().numbers().idOf(9)).toThrow("account number 9 names no account");
  });
});
