import { describe, expect, test } from "bun:test";
import { channelIssues, receivesChannels, storedChannels } from "./channels";

describe("channelIssues", () => {
  test("accepts the allowed characters up to 128 long", () => {
    expect(channelIssues(["eu-west", "tenant:acme", "a.b_c", "x".repeat(128)], "/channels", 10)).toEqual([]);
  });

  test("names each bad channel by index", () => {
    const issues = channelIssues(["ok", "", "has space", "x".repeat(129), "ok", 7], "/events/2/channels", 10);
    expect(issues.map((i) => i.field)).toEqual([
      "/events/2/channels/1",
      "/events/2/channels/2",
      "/events/2/channels/3",
      "/events/2/channels/4",
      "/events/2/channels/5",
    ]);
    expect(issues[3]?.reason).toBe('duplicates "ok"');
  });

  test("refuses more than the maximum as a whole", () => {
    expect(channelIssues(["a", "b", "c"], "/channels", 2)).toEqual([
      { field: "/channels", reason: "must have at most 2 channels" },
    ]);
  });
});

describe("receivesChannels", () => {
  test("a webhook without channels receives every event", () => {
    expect(receivesChannels(undefined, undefined)).toBe(true);
    expect(receivesChannels([], ["a"])).toBe(true);
  });

  test("a webhook with channels receives only events sharing one", () => {
    expect(receivesChannels(["a", "b"], ["c", "b"])).toBe(true);
    expect(receivesChannels(["a"], ["c"])).toBe(false);
    expect(receivesChannels(["a"], undefined)).toBe(false);
  });

  test("storedChannels drops an empty list", () => {
    expect(storedChannels([])).toBeUndefined();
    expect(storedChannels(undefined)).toBeUndefined();
    expect(storedChannels(["a"])).toEqual(["a"]);
  });
});
