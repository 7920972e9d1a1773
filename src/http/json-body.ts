// Reads a request body as JSON within the size limit. The limit is enforced on the bytes actually
// received, so a chunked body (no Content-Length) cannot exceed it either; reading stops at the
// first byte over the limit.

import { ApiError } from "./api-error";

const decoder = new TextDecoder("utf-8", { fatal: true });

/**
 * The parsed body, or null when there is none (routes without a body schema ignore it; routes with
 * one answer 422 "is required"). Throws 413, 415 or 400 ApiErrors.
 */
export async function readJsonBody(
  request: Request,
  contentType: string,
  maxBytes: number,
): Promise<unknown> {
  if (request.body === null) return null;
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      await reader.cancel().catch(() => {});
      throw ApiError.tooLarge(maxBytes);
    }
    chunks.push(value);
  }
  if (total === 0) return null;
  if (contentType.trim().toLowerCase() !== "application/json") throw ApiError.unsupportedMediaType();

  const bytes = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  let text: string;
  try {
    text = decoder.decode(bytes);
  } catch {
    throw ApiError.malformedJson("request body is not valid UTF-8");
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw ApiError.malformedJson(`request body is not valid JSON: ${(error as Error).message}`);
  }
}
