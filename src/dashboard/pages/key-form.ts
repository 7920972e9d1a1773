// The operator's forms ("Create account", "Issue key", "Create portal link"), read into what the
// services take, with every problem in words. The bounds are the API's (src/http/models/key.ts,
// account.ts, portal-link.ts: a key name of 1-100 characters, an account name of 1-200, a link
// lifetime of 30-3600 s), so the dashboard accepts nothing the API refuses.
// "Expires" is a datetime-local value, which carries no zone: it is read as UTC, and the form says so.

import type { FieldIssue } from "../../domain/errors";
import type { KeyRequest } from "../../domain/keys-service";
import {
  PORTAL_LINK_TTL_S_DEFAULT,
  PORTAL_LINK_TTL_S_MAX,
  PORTAL_LINK_TTL_S_MIN,
} from "../../http/models/portal-link";
import { KEY_SCOPES, type KeyScope } from "../../storage/records";
import { parseTimeField } from "../components/times";

export const ACCOUNT_NAME_MAX = 200;
export const KEY_NAME_MAX = 100;

/** The fields of a submitted form, as URLSearchParams and FormData both offer them. */
export interface FormFields {
  get(name: string): unknown;
  getAll(name: string): unknown[];
}

/** What the form held, to show it again beside its problems. */
export interface KeyFormValues {
  name: string;
  scopes: KeyScope[];
  expires: string;
}

export type Parsed<T> = { ok: true; value: T } | { ok: false; problems: string[] };

function text(fields: FormFields, name: string): string {
  const value = fields.get(name);
  return typeof value === "string" ? value.trim() : "";
}

/** The account name, or why it cannot be one. */
export function parseAccountName(fields: FormFields): Parsed<string> {
  const name = text(fields, "name");
  if (name === "") return { ok: false, problems: ["Enter an account name."] };
  if (name.length > ACCOUNT_NAME_MAX) {
    return { ok: false, problems: [`The account name can be at most ${ACCOUNT_NAME_MAX} characters long.`] };
  }
  return { ok: true, value: name };
}

export function keyFormValues(fields: FormFields): KeyFormValues {
  const checked = fields.getAll("scopes").filter((v): v is string => typeof v === "string");
  return {
    name: text(fields, "name"),
    scopes: KEY_SCOPES.filter((scope) => checked.includes(scope)),
    expires: text(fields, "expires"),
  };
}

/**
 * The key request the form asks for. At least one scope must be ticked (the API's default of both
 * is for a body that names none; a form always names them). The expiry's "in the future" rule is
 * the service's (KeysService.issue), whose words keyIssueWords gives.
 */
export function parseKeyForm(values: KeyFormValues): Parsed<KeyRequest> {
  const problems: string[] = [];
  if (values.name.length > KEY_NAME_MAX) {
    problems.push(`The key name can be at most ${KEY_NAME_MAX} characters long.`);
  }
  if (values.scopes.length === 0) {
    problems.push('Tick at least one scope: "publish" to send events, "manage" for everything else.');
  }
  let expiresAt: number | undefined;
  if (values.expires !== "") {
    expiresAt = parseTimeField(values.expires);
    if (expiresAt === undefined) {
      problems.push("Expires must be a date and time (UTC) such as 2027-01-15 09:00, or empty for never.");
    }
  }
  if (problems.length > 0) return { ok: false, problems };
  const request: KeyRequest = { scopes: values.scopes };
  if (values.name !== "") request.name = values.name;
  if (expiresAt !== undefined) request.expiresAt = expiresAt;
  return { ok: true, value: request };
}

const FIELD_LABELS: Readonly<Record<string, string>> = {
  "/expires_at": "Expires",
  "/scopes": "Scopes",
  "/name": "Key name",
};

/**
 * A service's refusal of a key request, named by the form's label: "Expires must be in the future.",
 * "Scopes: this key lacks manage.".
 */
export function keyIssueWords(issue: FieldIssue): string {
  const label = FIELD_LABELS[issue.field] ?? issue.field;
  return issue.reason.startsWith("must ") ? `${label} ${issue.reason}.` : `${label}: ${issue.reason}.`;
}

/** The lifetimes the "Create portal link" form offers, in seconds; the first is the API's default. */
export const PORTAL_LIFETIMES_S: readonly [seconds: number, text: string][] = [
  [PORTAL_LINK_TTL_S_DEFAULT, "5 minutes"],
  [900, "15 minutes"],
  [PORTAL_LINK_TTL_S_MAX, "1 hour"],
];

/** The link's lifetime in ms: the form's choice, the API's default when absent. */
export function parsePortalLifetime(fields: FormFields): Parsed<number> {
  const given = text(fields, "lifetime");
  if (given === "") return { ok: true, value: PORTAL_LINK_TTL_S_DEFAULT * 1_000 };
  const seconds = /^\d{1,5}$/.test(given) ? Number(given) : Number.NaN;
  if (!(seconds >= PORTAL_LINK_TTL_S_MIN && seconds <= PORTAL_LINK_TTL_S_MAX)) {
    return {
      ok: false,
      problems: [
        `A portal link can be valid for ${PORTAL_LINK_TTL_S_MIN} seconds to 1 hour: choose one of the lifetimes offered.`,
      ],
    };
  }
  return { ok: true, value: seconds * 1_000 };
}
