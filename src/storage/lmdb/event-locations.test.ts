import { expect, test } from "bun:test";
import { newId } from "../../domain/ids";
import { idTime } from "./event-locations";

/** An id as ../../domain/ids.ts makes them, stamped with `t` (newId never goes back in time). */
function stampedId(t: number): string {
  let time = "";
  for (let i = 0, rest = t; i < 10; i++, rest = Math.floor(rest / 32)) {
    time = "0123456789ABCDEFGHJKMNPQRSTVWXYZ".charAt(rest % 32) + time;
  }
  return `evt_${time}7ZZZZZZZZZZZZZZZ`;
}

test("a generated event id tells the time it was stamped with", () => {
  for (const t of [0, 42, 1_736_936_703_000, 1_796_297_313_502, 2 ** 48 - 1])
    expect(idTime(stampedId(t))).toBe(t);
  const id = newId("evt");
  expect(idTime(id)).toBe(idTime(stampedId(idTime(id) as number)));
  expect(stampedId(idTime(id) as number).slice(0, 14)).toBe(id.slice(0, 14));
});

test("any other id tells no time", () => {
  for (const id of [
    "order-42:created",
    "evt_123",
    newId("dlv", 5),
    `evt_${"U".repeat(26)}`,
    "evt_01m8xtkk6y45b39w96bbyjgyg5",
  ]) {
    expect(idTime(id)).toBeUndefined();
  }
});
