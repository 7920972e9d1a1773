// Turns TypeBox validation errors into short reasons a caller can act on ("must be at most 500
// characters") instead of TypeBox's internal wording. Used for request bodies, query strings and
// event data alike, so every 422 reads the same.

import type { TSchema } from "@sinclair/typebox";
import { type ValueError, ValueErrorType } from "@sinclair/typebox/errors";
import { Value } from "@sinclair/typebox/value";

const COERCION_FORMATS = new Set(["integer", "numeric", "boolean"]);

function typeName(schema: TSchema): string {
  const s = schema as { type?: unknown; const?: unknown; anyOf?: TSchema[] };
  if (s.const !== undefined) return JSON.stringify(s.const);
  if (typeof s.type === "string")
    return s.type === "integer" ? "an integer" : `a${/^[aeiou]/.test(s.type) ? "n" : ""} ${s.type}`;
  return "a valid value";
}

function jsonTypeMatches(schema: TSchema, value: unknown): boolean {
  const type = (schema as { type?: unknown }).type;
  if (value === null) return type === "null";
  if (Array.isArray(value)) return type === "array";
  if (typeof value === "number") return type === "number" || type === "integer";
  return typeof type === "string" && type === typeof value;
}

function describeUnion(e: ValueError): string {
  const branches = ((e.schema as { anyOf?: TSchema[] }).anyOf ?? []).filter((b) => {
    // Elysia adds a string branch to numbers in query strings so it can coerce them; skip it.
    const { type, format } = b as { type?: unknown; format?: unknown };
    return !(type === "string" && typeof format === "string" && COERCION_FORMATS.has(format));
  });
  const consts = branches.map((b) => (b as { const?: unknown }).const).filter((c) => c !== undefined);
  if (consts.length === branches.length && consts.length > 0) {
    return `must be one of: ${consts.map((c) => String(c)).join(", ")}`;
  }
  // When exactly one branch has the value's JSON type, that branch's complaint is the useful one
  // ("must be at most 500 characters" rather than "must be a string or null").
  const sameType = branches.filter((b) => jsonTypeMatches(b, e.value));
  if (sameType.length === 1) {
    const inner = Value.Errors(sameType[0] as TSchema, e.value).First();
    if (inner) return describeValueError(inner);
  }
  return `must be ${branches.map(typeName).join(" or ")}`.replace("a null", "null");
}

export function describeValueError(e: ValueError): string {
  const s = e.schema as unknown as Record<string, unknown>;
  switch (e.type) {
    case ValueErrorType.ObjectRequiredProperty:
      return "is required";
    case ValueErrorType.ObjectAdditionalProperties:
      return "is not a known field";
    case ValueErrorType.String:
      return "must be a string";
    case ValueErrorType.Integer:
      return "must be an integer";
    case ValueErrorType.Number:
      return "must be a number";
    case ValueErrorType.Boolean:
      return "must be a boolean (true or false)";
    case ValueErrorType.Object:
      return "must be a JSON object";
    case ValueErrorType.Array:
      return "must be an array";
    case ValueErrorType.Null:
      return "must be null";
    case ValueErrorType.Literal:
      return `must be ${JSON.stringify(s.const)}`;
    case ValueErrorType.StringMinLength:
      return s.minLength === 1 ? "must not be empty" : `must be at least ${s.minLength} characters`;
    case ValueErrorType.StringMaxLength:
      return `must be at most ${s.maxLength} characters`;
    case ValueErrorType.StringPattern:
    case ValueErrorType.StringFormat:
      return s.format === "date-time"
        ? "must be an RFC 3339 date-time such as 2025-01-15T10:25:03Z"
        : `must match ${String(s.format ?? s.pattern)}`;
    case ValueErrorType.ArrayMinItems:
      return s.minItems === 1 ? "must not be empty" : `must have at least ${s.minItems} items`;
    case ValueErrorType.ArrayMaxItems:
      return `must have at most ${s.maxItems} items`;
    case ValueErrorType.ArrayUniqueItems:
      return "must not contain duplicates";
    case ValueErrorType.IntegerMinimum:
    case ValueErrorType.NumberMinimum:
      return `must be at least ${s.minimum}`;
    case ValueErrorType.IntegerMaximum:
    case ValueErrorType.NumberMaximum:
      return `must be at most ${s.maximum}`;
    case ValueErrorType.ObjectMaxProperties:
      return `must have at most ${s.maxProperties} entries`;
    case ValueErrorType.ObjectMinProperties:
      return s.minProperties === 1
        ? "must set at least one field"
        : `must have at least ${s.minProperties} fields`;
    case ValueErrorType.Union:
      return describeUnion(e);
    default:
      return e.message.replace(/^Expected/, "must be").toLowerCase();
  }
}
