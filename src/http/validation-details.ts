// Turns Elysia's validation errors (TypeBox underneath) into the API's field issues: one entry per
// offending field, named as a JSON pointer into the body or by query parameter name, with a readable reason.

import { type ValueError, ValueErrorType } from "@sinclair/typebox/errors";
import type { ValidationError } from "elysia";
import type { FieldIssue } from "../domain/errors";
import { describeValueError } from "../domain/value-issues";

const ISSUES_MAX = 50;

type Where = "query" | "path" | "body";

export function validationIssues(error: ValidationError): FieldIssue[] {
  const where: Where = error.type === "query" ? "query" : error.type === "params" ? "path" : "body";
  const issues: FieldIssue[] = [];
  const seen = new Set<string>();
  for (const e of valueErrors(error)) {
    const field = fieldOf(e, where);
    if (seen.has(field)) continue; // the first reason per field is the informative one
    seen.add(field);
    issues.push({ field, reason: reasonFor(field, where, e, error.value) });
    if (issues.length >= ISSUES_MAX) break;
  }
  if (issues.length === 0) issues.push({ field: where, reason: "is not valid" });
  return issues;
}

function valueErrors(error: ValidationError): ValueError[] {
  try {
    return error.all as unknown as ValueError[];
  } catch {
    return [];
  }
}

/** Body fields are JSON pointers (/events/3/data/to); query parameters are named bare (limit). */
function fieldOf(e: ValueError, where: Where): string {
  const path = e.path === "" || e.path === undefined ? where : e.path;
  return where === "query" && path !== where ? path.replace(/^\//, "") : path;
}

function reasonFor(field: string, where: Where, e: ValueError, value: unknown): string {
  if (field === "body" && (value === null || value === undefined)) return "a JSON object body is required";
  return where === "query" ? describeQueryError(e) : describeValueError(e);
}

/** Query parameters are text: an integer one that is not plain decimal digits is told how to write it. */
function describeQueryError(e: ValueError): string {
  if (e.type !== ValueErrorType.Integer) return describeValueError(e);
  const s = e.schema as { minimum?: number; maximum?: number; default?: unknown };
  const range =
    s.minimum !== undefined && s.maximum !== undefined ? ` from ${s.minimum} to ${s.maximum}` : "";
  return `must be an integer${range} written in decimal digits, such as ${s.default ?? s.minimum ?? 1}`;
}
