// The operator's JSON Schemas (draft 2020-12) of an event type's `data`, checked and compiled by
// Ajv. One Ajv instance for the process: a compiled schema is removed from its registry at once
// (the validate function keeps working), so recompiling a changed type neither leaks nor collides
// on `$id`.
//
// Limits: a schema is at most SCHEMA_BYTES_MAX of JSON and SCHEMA_DEPTH_MAX levels deep, which
// bounds Ajv's compilation (linear in the schema: a 64 KiB schema compiles in milliseconds). A
// `$ref` resolves only inside the schema itself: Ajv is given no loader, so nothing is ever fetched.
// Checking `data` stops at the first error (Ajv's allErrors off: the fast path), and names the JSON
// pointer of the bad value under `/data`.

import Ajv2020, { type ErrorObject, type ValidateFunction } from "ajv/dist/2020";
import addFormats from "ajv-formats";
import type { FieldIssue } from "./errors";
import type { DataCheck } from "./event-catalog";

export const SCHEMA_BYTES_MAX = 64 * 1024;
const SCHEMA_DEPTH_MAX = 32;
const DRAFT_2020_12 = "https://json-schema.org/draft/2020-12/schema";
const SCHEMA_ISSUES_MAX = 10;

const ajv = new Ajv2020({
  strict: true, // unknown keywords and formats are refused when registered, not ignored
  strictTypes: false,
  strictTuples: false,
  strictRequired: false,
  allErrors: false,
  logger: false,
});
addFormats(ajv);

export type CompiledSchema = { check: DataCheck } | { issues: FieldIssue[] };

/** Checks `schema` (found at `field` of the request) and compiles it; issues name where it is wrong. */
export function compileDataSchema(schema: unknown, field = "/schema"): CompiledSchema {
  const shape = shapeIssues(schema, field);
  if (shape.length > 0) return { issues: shape };
  if (!ajv.validateSchema(schema as object)) return { issues: metaIssues(ajv.errors ?? [], field) };
  let validate: ValidateFunction;
  try {
    validate = ajv.compile(schema as object);
  } catch (error) {
    return { issues: [compileIssue(schema as Record<string, unknown>, error, field)] };
  } finally {
    ajv.removeSchema(schema as object);
  }
  return { check: (data) => (validate(data) ? [] : dataIssues(validate.errors)) };
}

/** Size, depth, the dialect and the top level (an object schema: `data` is always a JSON object). */
function shapeIssues(schema: unknown, field: string): FieldIssue[] {
  if (typeof schema !== "object" || schema === null || Array.isArray(schema)) {
    return [{ field, reason: "must be a JSON Schema object" }];
  }
  const bytes = Buffer.byteLength(JSON.stringify(schema));
  if (bytes > SCHEMA_BYTES_MAX) {
    return [{ field, reason: `is ${bytes} bytes of JSON; at most ${SCHEMA_BYTES_MAX}` }];
  }
  if (depthOf(schema) > SCHEMA_DEPTH_MAX) {
    return [{ field, reason: `nests deeper than ${SCHEMA_DEPTH_MAX} levels` }];
  }
  const s = schema as Record<string, unknown>;
  if (s.$schema !== undefined && s.$schema !== DRAFT_2020_12) {
    return [{ field: `${field}/$schema`, reason: `must be "${DRAFT_2020_12}" (draft 2020-12) or absent` }];
  }
  if (s.type !== "object") {
    return [{ field: `${field}/type`, reason: 'must be "object": an event\'s data is a JSON object' }];
  }
  return [];
}

function depthOf(value: unknown): number {
  if (typeof value !== "object" || value === null) return 0;
  let max = 0;
  for (const v of Object.values(value)) {
    max = Math.max(max, depthOf(v));
    if (max > SCHEMA_DEPTH_MAX) break;
  }
  return max + 1;
}

/** The first reason for each place (the meta-schema's anyOf branches add the others). */
function metaIssues(errors: ErrorObject[], field: string): FieldIssue[] {
  const seen = new Set<string>();
  const issues: FieldIssue[] = [];
  for (const e of errors) {
    if (seen.has(e.instancePath)) continue;
    seen.add(e.instancePath);
    issues.push(metaIssue(e, field));
    if (issues.length >= SCHEMA_ISSUES_MAX) break;
  }
  return issues;
}

function metaIssue(e: ErrorObject, field: string): FieldIssue {
  const allowed = (e.params as { allowedValues?: unknown[] }).allowedValues;
  const reason = allowed ? `must be one of: ${allowed.join(", ")}` : (e.message ?? "is not valid");
  return { field: `${field}${e.instancePath}`, reason: `not a valid JSON Schema: ${reason}` };
}

/**
 * Where a schema that passed the meta-schema failed to compile: an unknown keyword, an unknown
 * format, a `$ref` that does not resolve inside it, a bad regular expression.
 */
function compileIssue(schema: Record<string, unknown>, error: unknown, field: string): FieldIssue {
  const message = error instanceof Error ? error.message : String(error);
  const keyword = /unknown keyword: "([^"]+)"/.exec(message)?.[1];
  const missingRef = (error as { missingRef?: string }).missingRef;
  const formatAt = /unknown format "[^"]*" ignored in schema at path "#([^"]*)"/.exec(message)?.[1];
  let at: string | undefined;
  if (keyword !== undefined) at = pointerOf(schema, (k) => k === keyword);
  else if (missingRef !== undefined) at = pointerOf(schema, (k, v) => k === "$ref" && v === missingRef);
  else if (formatAt !== undefined) at = `${formatAt}/format`;
  else if (/regular expression/i.test(message)) at = pointerOf(schema, isBadPattern);
  const reason =
    missingRef !== undefined
      ? `$ref "${missingRef}" ${missingRef.startsWith("#") ? "points to nothing in this schema" : "is not in this schema, and remote references are not fetched"}`
      : message.replace(/^strict mode: /, "");
  return { field: `${field}${at ?? ""}`, reason: `not a valid JSON Schema: ${reason}` };
}

/** A `pattern` (or a patternProperties name) that is not a regular expression Ajv accepts. */
function isBadPattern(key: string, value: unknown): boolean {
  const candidates =
    key === "pattern" && typeof value === "string"
      ? [value]
      : key === "patternProperties" && typeof value === "object" && value !== null
        ? Object.keys(value)
        : [];
  return candidates.some((p) => {
    try {
      new RegExp(p, "u");
      return false;
    } catch {
      return true;
    }
  });
}

/** The JSON pointer of the first member (depth first) that `match` accepts. */
function pointerOf(
  value: unknown,
  match: (key: string, v: unknown) => boolean,
  path = "",
): string | undefined {
  if (typeof value !== "object" || value === null) return undefined;
  for (const [key, v] of Object.entries(value)) {
    const here = `${path}/${escapePointer(key)}`;
    if (match(key, v)) return here;
    const found = pointerOf(v, match, here);
    if (found !== undefined) return found;
  }
  return undefined;
}

const escapePointer = (token: string) => token.replaceAll("~", "~0").replaceAll("/", "~1");

/** The first error, at the pointer of the bad value under /data (a missing property's own path). */
function dataIssues(errors: ErrorObject[] | null | undefined): FieldIssue[] {
  const e = errors?.[0];
  if (!e) return [{ field: "/data", reason: "does not fit the type's schema" }];
  const p = e.params as {
    missingProperty?: string;
    additionalProperty?: string;
    unevaluatedProperty?: string;
    allowedValues?: unknown[];
    allowedValue?: unknown;
  };
  const property = p.missingProperty ?? p.additionalProperty ?? p.unevaluatedProperty;
  const field = `/data${e.instancePath}${property === undefined ? "" : `/${escapePointer(property)}`}`;
  return [{ field, reason: dataReason(e, p) }];
}

function dataReason(e: ErrorObject, p: { allowedValues?: unknown[]; allowedValue?: unknown }): string {
  if (e.keyword === "required" || e.keyword === "dependentRequired") return "is required";
  if (e.keyword === "additionalProperties" || e.keyword === "unevaluatedProperties") {
    return "is not allowed by the type's schema";
  }
  if (p.allowedValues) return `must be one of: ${p.allowedValues.map((v) => JSON.stringify(v)).join(", ")}`;
  if (e.keyword === "const") return `must be ${JSON.stringify(p.allowedValue)}`;
  return e.message ?? "does not fit the type's schema";
}
