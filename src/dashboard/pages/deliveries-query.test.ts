import { describe, expect, test } from "bun:test";
import {
  deliveriesHref,
  FIELD_CHARS_MAX,
  parseDeliveriesQuery,
  queryFields,
  repeatedFields,
} from "./deliveries-query";

describe("deliveries filters", () => {
  test("blank fields mean any; values are trimmed", () => {
    expect(
      queryFields({ webhook_id: "", status: " failed ", since: "  ", extra: "x", event_type: 3 }),
    ).toEqual({
      status: "failed",
    });
  });

  test("every filter read into the service's DeliveryFilter; datetime-local values are UTC", () => {
    const parsed = parseDeliveriesQuery({
      webhook_id: "wh_1",
      status: "pending",
      event_type: "message.delivered",
      since: "2026-12-03T17:00",
      until: "2026-12-03T18:00:30",
      cursor: "abc",
    });
    expect(parsed).toEqual({
      filter: {
        webhook_id: "wh_1",
        status: "pending",
        event_type: "message.delivered",
        since: Date.UTC(2026, 11, 3, 17),
        until: Date.UTC(2026, 11, 3, 18, 0, 30),
      },
      cursor: "abc",
      problems: [],
    });
  });

  test("RFC 3339 times (with an offset) are read too", () => {
    expect(parseDeliveriesQuery({ since: "2026-12-03T19:00:00+02:00" }).filter.since).toBe(
      Date.UTC(2026, 11, 3, 17),
    );
  });

  test("bad values are named in words, all of them", () => {
    const { problems } = parseDeliveriesQuery({
      status: "done",
      since: "yesterday",
      until: "2026-02-30T10:00",
    });
    expect(problems).toEqual([
      '"Status" must be one of: Pending, Succeeded, Failed, Cancelled.',
      '"Since" is not a date and time: pick one, or type it as 2026-12-03T17:00 (UTC).',
      '"Until" is not a date and time: pick one, or type it as 2026-12-03T17:00 (UTC).',
    ]);
  });

  test("an empty range is refused; equal bounds are a valid, empty range", () => {
    expect(parseDeliveriesQuery({ since: "2026-12-03T18:00", until: "2026-12-03T17:00" }).problems).toEqual([
      '"Since" must not be after "Until".',
    ]);
    expect(parseDeliveriesQuery({ since: "2026-12-03T18:00", until: "2026-12-03T18:00" }).problems).toEqual(
      [],
    );
  });

  test("overlong values are refused before anything else", () => {
    const { problems, filter } = parseDeliveriesQuery({
      cursor: "x".repeat(FIELD_CHARS_MAX + 1),
      status: "nope",
    });
    expect(problems).toEqual([`"Next page" is too long (at most ${FIELD_CHARS_MAX} characters).`]);
    expect(filter).toEqual({});
  });

  test("the next page link keeps the filters and adds the cursor", () => {
    expect(deliveriesHref({ status: "failed", event_type: "a.b", cursor: "old" }, "c/2+")).toBe(
      "/dashboard/deliveries?status=failed&event_type=a.b&cursor=c%2F2%2B",
    );
    expect(deliveriesHref({})).toBe("/dashboard/deliveries");
  });

  test("a filter given twice is named", () => {
    expect(
      repeatedFields(new URLSearchParams("status=failed&status=pending&since=x&cursor=a&cursor=b")),
    ).toEqual([
      '"Status" is given more than once: give it once.',
      '"Next page" is given more than once: give it once.',
    ]);
    expect(repeatedFields(new URLSearchParams("status=failed&other=1&other=2"))).toEqual([]);
  });
});
