// Deliveries and attempts in words a customer understands: a delivery's state, an attempt's error
// class, and the markup of a status. Pure.

import type { DeliveryStatus, ErrorClass } from "../../storage/records";
import { type Html, html } from "../html";

export const DELIVERY_STATUSES: readonly DeliveryStatus[] = ["pending", "succeeded", "failed", "cancelled"];

const STATUS_TEXT: Record<DeliveryStatus, string> = {
  pending: "Pending",
  succeeded: "Succeeded",
  failed: "Failed",
  cancelled: "Cancelled",
};

export function statusText(status: DeliveryStatus): string {
  return STATUS_TEXT[status];
}

export function isDeliveryStatus(value: string): value is DeliveryStatus {
  return (DELIVERY_STATUSES as readonly string[]).includes(value);
}

const BADGE: Record<DeliveryStatus, string> = {
  pending: "warn",
  succeeded: "ok",
  failed: "bad",
  cancelled: "idle",
};

/** A status as a badge (the class colours it; the word carries it). */
export function statusBadge(status: DeliveryStatus): Html {
  return html`<span class="${`badge ${BADGE[status]}`}">${statusText(status)}</span>`;
}

const ERROR_TEXT: Record<ErrorClass, string> = {
  timeout: "Timed out",
  connection_refused: "Connection refused",
  dns: "Host name not found",
  tls: "TLS (certificate) error",
  reset: "Connection reset",
  http_status: "Endpoint answered an error status",
  redirect: "Endpoint answered a redirect (not followed)",
  ssrf_blocked: "Destination blocked",
  network: "Network error",
};

/** Classes whose stored message is the endpoint's answer itself ("HTTP 500", "HTTP 302 redirect to …"). */
const ANSWERED: ReadonlySet<ErrorClass> = new Set<ErrorClass>(["http_status", "redirect"]);

/**
 * The error class in words, with the stored message when there is one; "" when none. An error
 * status reads "Endpoint answered HTTP 500", a redirect "Endpoint answered HTTP 302 redirect to
 * … (not followed)"; the others "Timed out: no response within 10000 ms".
 */
export function errorText(errorClass: ErrorClass | null, message: string | null): string {
  if (errorClass === null) return message ?? "";
  if (message && ANSWERED.has(errorClass)) return `Endpoint answered ${message}`;
  const words = ERROR_TEXT[errorClass] ?? errorClass;
  return message ? `${words}: ${message}` : words;
}
