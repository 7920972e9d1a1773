// Failures in words a customer understands. Handlers throw what the services throw (DomainError,
// ApiError, the store's errors); this maps each through the API's own mapping (toApiError, so the
// status is the one the API would answer) to a title, a sentence and, for invalid input, the
// fields. Anything unexpected becomes a 500 page that says so and shows no detail (it is logged).

import type { FieldIssue } from "../domain/errors";
import { toApiError } from "../http/error-handler";

export interface ErrorView {
  status: number;
  title: string;
  message: string;
  /** For 422: each field and why it is refused. */
  issues?: FieldIssue[];
  /** Seconds to wait before trying again (503, 429). */
  retryAfterS?: number;
}

const NOT_FOUND =
  "It does not exist: it may have been deleted, the link may be mistyped, or it belongs to another account.";
const INTERNAL =
  "Something went wrong on our side and nothing was changed. Try again; if it keeps happening, tell the operator (the error is in the server's log).";

/** The page for a thrown value, or undefined when it is unexpected (a bug: log it, show 500). */
export function errorView(error: unknown): ErrorView | undefined {
  const api = toApiError(error);
  if (api === undefined) return undefined;
  const message = sentence(api.message);
  switch (api.status) {
    case 400:
      return api.code === "invalid_cursor"
        ? {
            status: 400,
            title: "Page link expired",
            message: "This page link is no longer valid. Start again from the first page.",
          }
        : { status: 400, title: "Request not understood", message };
    case 403:
      return { status: 403, title: "Not allowed", message: forbidden(api.details) };
    case 404:
      return { status: 404, title: "Not found", message: NOT_FOUND };
    case 409:
      return { status: 409, title: "Could not be done now", message };
    case 422:
      return { status: 422, title: "Some values are not valid", message, issues: issuesOf(api.details) };
    case 503:
      return { status: 503, title: "Temporarily unavailable", message, retryAfterS: 1 };
    case 507:
      return { status: 507, title: "Storage full", message };
    default:
      return api.status >= 500
        ? internalError()
        : { status: api.status, title: "Could not be done", message };
  }
}

export function internalError(): ErrorView {
  return { status: 500, title: "Something went wrong", message: INTERNAL };
}

export function notFoundError(): ErrorView {
  return { status: 404, title: "Page not found", message: NOT_FOUND };
}

/** The 403 of a session whose key lacks the scope a page needs. */
export function missingScope(needed: string): ErrorView {
  const message =
    needed === "admin"
      ? "Only the operator (signed in with the admin key) may open this page."
      : `The key you signed in with lacks the "${needed}" scope this page needs. Sign in with a key that has it.`;
  return { status: 403, title: "Not allowed", message };
}

/** The field issues of a 422, when the error is one (for forms that show them beside each field). */
export function fieldIssues(error: unknown): FieldIssue[] | undefined {
  const api = toApiError(error);
  if (api === undefined || api.status !== 422) return undefined;
  return issuesOf(api.details) ?? [];
}

/** The field named by an issue, without the JSON pointer's leading slash: "/events/2" → "events/2". */
export function issueField(issue: FieldIssue): string {
  return issue.field.replace(/^\//, "");
}

function issuesOf(details: unknown): FieldIssue[] | undefined {
  if (!Array.isArray(details)) return undefined;
  return details.filter(
    (d): d is FieldIssue => typeof d?.field === "string" && typeof d?.reason === "string",
  );
}

function forbidden(details: unknown): string {
  const needed = (details as { required_scope?: unknown } | undefined)?.required_scope;
  return typeof needed === "string" ? missingScope(needed).message : "Your session may not do this.";
}

/** "a recovery is already running" → "A recovery is already running." */
export function sentence(text: string): string {
  const trimmed = text.trim();
  if (trimmed === "") return trimmed;
  const first = trimmed.charAt(0).toUpperCase() + trimmed.slice(1);
  return /[.!?]$/.test(first) ? first : `${first}.`;
}
