// Reads a request body as JSON within the size limit. The limit is enforced on the bytes actually
// received, so a chunked body (no Content-Length) cannot exceed it either; reading stops at the
// first byte over the limit.
//
// With a plain decimal Content-Length the body is read whole (request.bytes()), which skips the
// per-request ReadableStream reader and its promise turns: Bun's server rejects a malformed or
// conflicting Content-Length (or one combined with Transfer-Encoding) with 400 before any handler
// runs, and hands over exactly that many bytes (extra bytes on the socket are the next request; a
// client that sends fewer and stalls is dropped by the idle timeout, which rejects the read). A
// declared length over the limit is 413 without reading anything; the received length is checked
// again after the read, for Requests built in-process whose header need not match their body.
//
// The text is checked (./json-limits.ts: syntax, nesting depth, sizes of keys, strings and arrays,
// numbers that would not survive) before JSON.parse builds anything from it.

import { ApiError } from "./api-error";
import { checkJson, type JsonLimits } from "./json-limits";

const decoder = new TextDecoder("utf-8", { fatal: true });

/**
 * Bun.serve's own maxRequestBodySize, out of reach on purpose: over it, Bun answers by itself before
 * any handler runs (an empty 413, or a closed connection), so every 413 would not be the JSON error.
 * The limit that applies is the configured one, enforced here and in the request guards: a declared
 * length over it is refused before any byte is read, a chunked body at its first byte over. Bun
 * streams request bodies with backpressure and discards what a handler leaves unread, so memory
 * stays bounded whatever a client declares or sends (2 GB declared or chunked: flat at about 30 MB).
 */
export const SOCKET_BODY_BYTES_MAX = Number.MAX_SAFE_INTEGER;

/** A non-negative decimal integer, as RFC 9110 defines Content-Length (no sign, space or exponent). */
const DECIMAL = /^\d+$/;

/**
 * The parsed body, or null when there is none (routes without a body schema ignore it; routes with
 * one answer 422 "is required"). Throws 413, 415, 400 or (over the JSON limits) 422 ApiErrors.
 */
export async function readJsonBody(
  request: Request,
  contentType: string,
  bytesMax: number,
  limits: JsonLimits,
): Promise<unknown> {
  const declared = request.headers.get("content-length");
  let bytes: Uint8Array | null;
  if (declared !== null && DECIMAL.test(declared)) {
    if (Number(declared) > bytesMax) throw ApiError.tooLarge(bytesMax);
    bytes = await request.bytes();
    if (bytes.byteLength > bytesMax) throw ApiError.tooLarge(bytesMax);
  } else {
    bytes = await readCapped(request, bytesMax);
  }
  if (bytes === null || bytes.byteLength === 0) return null;
  if (contentType.trim().toLowerCase() !== "application/json") throw ApiError.unsupportedMediaType();

  let text: string;
  try {
    text = decoder.decode(bytes);
  } catch {
    throw ApiError.malformedJson("request body is not valid UTF-8");
  }
  const check = checkJson(text, limits);
  if (check.outcome === "malformed")
    throw ApiError.malformedJson(`request body is not valid JSON: ${check.reason}`);
  if (check.outcome === "over_limits") throw ApiError.invalid("the request is not valid", check.issues);
  const body: unknown = JSON.parse(text);
  // No route takes a JSON null; refused here because null also stands for "no body" above, which
  // routes with an optional body (rotate, replay) accept.
  if (body === null) {
    throw ApiError.invalid("the request is not valid", [
      { field: "", reason: "must be a JSON object, not null (send no body for none)" },
    ]);
  }
  return body;
}

/** Streams the body chunk by chunk, answering 413 at the first byte over the limit. */
async function readCapped(request: Request, bytesMax: number): Promise<Uint8Array | null> {
  if (request.body === null) return null;
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > bytesMax) {
      await reader.cancel().catch(() => {});
      throw ApiError.tooLarge(bytesMax);
    }
    chunks.push(value);
  }
  const bytes = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return bytes;
}
