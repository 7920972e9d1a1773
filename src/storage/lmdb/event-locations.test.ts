import { expect, test } from "bun:test";
import { newId } from "../../domain/ids";
import { idTime } from "./event-locations";

test("a generated event id tells the time it was stamped with", () => {
  for (const t of [0, 1, 1_736_936_703_000, 1_796_297_313_502, 2 ** 48 - 1]) {
    expect(idTime(newId("evt", t))).toBe(t);
  }
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
