import { describe, expect, test } from "bun:test";
import { parseDatabaseUrl, redactDatabaseUrl, redactPasswordIn } from "./database-url";

describe("database URL", () => {
  test("postgres:// and postgresql:// URLs with a host are taken as given (trimmed)", () => {
    expect(parseDatabaseUrl(" postgres://inbox:pw@127.0.0.1:5432/inbox ")).toBe(
      "postgres://inbox:pw@127.0.0.1:5432/inbox",
    );
    expect(parseDatabaseUrl("postgresql://db.internal/inbox?sslmode=require")).toBe(
      "postgresql://db.internal/inbox?sslmode=require",
    );
  });

  test("redaction replaces the password and nothing else; text that is no URL is hidden whole", () => {
    expect(redactDatabaseUrl("postgres://inbox:s3cr%40t@db:5432/inbox?sslmode=require")).toBe(
      "postgres://inbox:***@db:5432/inbox?sslmode=require",
    );
    expect(redactDatabaseUrl("postgres://inbox@db/inbox")).toBe("postgres://inbox@db/inbox");
    expect(redactDatabaseUrl("s3cret garbage")).toBe("***");
  });

  test("errors say what is wrong without the password", () => {
    expect(() => parseDatabaseUrl("http://u:s3cret@db/x")).toThrow(
      'must start with postgres:// or postgresql://, got a URL starting with "http:"',
    );
    expect(() => parseDatabaseUrl("postgres:///x")).toThrow(/must name the database server.s host/);
    for (const raw of ["u:s3cret", "s3cret words", "ftp://s3cret@x"]) {
      let message = "";
      try {
        parseDatabaseUrl(raw);
      } catch (err) {
        message = (err as Error).message;
      }
      expect(message).toMatch(/^must /);
      expect(message).not.toContain("s3cret");
    }
  });

  test("a password is hidden wherever it appears in an error message, raw or decoded", () => {
    const url = "postgres://inbox:p%40ss-w0rd@db:5432/inbox";
    expect(redactPasswordIn(`connect to ${url} failed; password p@ss-w0rd rejected`, url)).toBe(
      "connect to postgres://inbox:***@db:5432/inbox failed; password *** rejected",
    );
    expect(redactPasswordIn("nothing secret here", url)).toBe("nothing secret here");
    expect(redactPasswordIn("no url", undefined)).toBe("no url");
    expect(redactPasswordIn("postgres://inbox@db/x", "postgres://inbox@db/x")).toBe("postgres://inbox@db/x");
  });
});
