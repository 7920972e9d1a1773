import { describe, expect, test } from "bun:test";
import { redirect } from "./results";

describe("redirect", () => {
  test("goes to a path of this server, 303 by default", () => {
    expect(redirect("/dashboard/endpoints?x=1")).toMatchObject({
      location: "/dashboard/endpoints?x=1",
      status: 303,
    });
  });

  // Browsers read "/\evil.example" as "//evil.example", and drop tabs and line breaks from a URL
  // ("/\t/evil.example" becomes "//evil.example"): all of them are another host.
  test("refuses whatever a browser would take for another host", () => {
    for (const location of [
      "https://evil.example/",
      "//evil.example",
      "/\\evil.example",
      "\\\\evil.example",
      "/\t/evil.example",
      "/\n/evil.example",
      "/\r/evil.example",
      "dashboard",
    ]) {
      expect(() => redirect(location)).toThrow();
    }
  });
});
