import { describe, expect, test } from "bun:test";
import type { FieldIssue } from "../../domain/errors";
import { parseHeaders, readValues, splitChannels, toInput } from "./endpoint-form-input";

describe("endpoint form input", () => {
  test("headers: Name: value lines, blank lines skipped, values may hold colons", () => {
    const issues: FieldIssue[] = [];
    expect(parseHeaders("X-A: 1\n\r\nAuthorization: Bearer a:b \r\n", issues)).toEqual({
      "X-A": "1",
      Authorization: "Bearer a:b",
    });
    expect(issues).toEqual([]);
  });

  test("headers: a line without a name and a repeated name are named by line", () => {
    const issues: FieldIssue[] = [];
    parseHeaders("x-a: 1\n: 2\nno colon\nX-A: 3", issues);
    expect(issues).toEqual([
      { field: "/headers", reason: 'line 2 is not of the form "Name: value"' },
      { field: "/headers", reason: 'line 3 is not of the form "Name: value"' },
      { field: "/headers", reason: "line 4 repeats the header X-A" },
    ]);
  });

  test("channels split on commas and spaces", () => {
    expect(splitChannels(" eu, us\nprio ,, ")).toEqual(["eu", "us", "prio"]);
    expect(splitChannels("")).toEqual([]);
  });

  test("the form becomes a full update; All event types wins; empty texts clear", () => {
    const form = new URLSearchParams([
      ["url", " https://x.example/h "],
      ["description", ""],
      ["events", "message.read"],
      ["events", "*"],
      ["rate_limit", "10"],
      ["enabled", "on"],
    ]);
    expect(toInput(readValues(form))).toEqual({
      input: {
        url: "https://x.example/h",
        description: null,
        events: ["*"],
        channels: [],
        rate_limit: 10,
        headers: {},
        enabled: true,
      },
    });
  });

  test("a rate limit that is not a whole number is the form's problem; an unchecked Enabled is false", () => {
    const values = readValues(new URLSearchParams([["rate_limit", "1.5"]]));
    expect(values.enabled).toBe(false);
    expect(toInput(values)).toEqual({
      issues: [
        {
          field: "/rate_limit",
          reason: "must be a whole number of attempts per second, or empty for no limit",
        },
      ],
    });
  });
});
