import { describe, expect, test } from "bun:test";
import { StoreFullError, StoreUnavailableError } from "../store";
import { classify, QueryDeadlineError, storeError } from "./pg-errors";

const server = (errno: string) =>
  Object.assign(new Error("server said no"), { errno, code: "ERR_POSTGRES_SERVER_ERROR" });
const client = (code: string) => Object.assign(new Error("client said no"), { code });

describe("PostgreSQL failure classes", () => {
  test("serialization failures and deadlocks are retried", () => {
    expect(classify(server("40001"))).toBe("retry");
    expect(classify(server("40P01"))).toBe("retry");
  });

  test("lost, refused and shutting-down connections are an outage: StoreUnavailableError", () => {
    for (const error of [
      server("08006"),
      server("57P01"),
      server("57P03"),
      server("53300"),
      client("ERR_POSTGRES_CONNECTION_CLOSED"),
      client("ERR_POSTGRES_CONNECTION_REFUSED"),
      client("ECONNRESET"),
      new QueryDeadlineError(100),
    ]) {
      expect(classify(error)).toBe("connection");
      expect(storeError(error)).toBeInstanceOf(StoreUnavailableError);
    }
  });

  test("a full disk is StoreFullError; anything else passes through as it is", () => {
    expect(storeError(server("53100"))).toBeInstanceOf(StoreFullError);
    for (const error of [
      server("23505"),
      server("28P01"),
      client("ERR_POSTGRES_NOT_TAGGED_CALL"),
      new Error("x"),
    ]) {
      expect(classify(error)).toBe("other");
      expect(storeError(error)).toBe(error);
    }
  });
});
