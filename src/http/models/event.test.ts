import { describe, expect, test } from "bun:test";
import { TransformKind } from "@sinclair/typebox";
import { BatchResponse, PublishedEvent } from "./event";

/** JSON pointers of the transforms in a schema (Elysia encodes a response through them). */
function transformsIn(schema: unknown, at = ""): string[] {
  if (!schema || typeof schema !== "object") return [];
  const own = TransformKind in schema ? [at] : [];
  return own.concat(...Object.entries(schema).map(([key, value]) => transformsIn(value, `${at}/${key}`)));
}

describe("publish answer schemas", () => {
  // A transform anywhere in a 202 schema would make every publish answer go through TypeBox's
  // interpreted Encode instead of the compiled Check (src/http/models/event.ts, delivery_count).
  test("hold no transform, so that publish answers are checked, not encoded", () => {
    expect(transformsIn(PublishedEvent)).toEqual([]);
    expect(transformsIn(BatchResponse)).toEqual([]);
  });
});
