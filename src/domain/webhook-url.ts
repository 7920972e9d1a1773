// Registration-time checks of a webhook's destination URL. The SSRF guard here sees only literal
// addresses; names are checked again after DNS resolution at every delivery (src/delivery).

import { checkRegistrationUrl } from "../delivery/ssrf-guard";
import type { FieldIssue } from "./errors";

export const MAX_URL_LENGTH = 2048;

/** The reason `raw` cannot be a webhook destination, or undefined when it can. */
export function checkWebhookUrl(
  raw: string,
  allowPrivateTargets: boolean,
  field = "/url",
): FieldIssue | undefined {
  if (raw.length > MAX_URL_LENGTH) return { field, reason: `must be at most ${MAX_URL_LENGTH} characters` };
  // The URL parser would trim these silently; refuse them so the stored URL is the one checked.
  if (raw !== raw.trim()) return { field, reason: "must not have leading or trailing whitespace" };
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return { field, reason: "must be an absolute http or https URL" };
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    return { field, reason: "must use the http or https scheme" };
  }
  if (url.username !== "" || url.password !== "") {
    return { field, reason: "must not contain credentials (user:password@)" };
  }
  if (url.hostname === "") return { field, reason: "must name a host" };
  const verdict = checkRegistrationUrl(url, allowPrivateTargets);
  if (!verdict.allowed) return { field, reason: verdict.reason };
  return undefined;
}
