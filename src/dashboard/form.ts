// Reads the body of a dashboard POST: an HTML form, application/x-www-form-urlencoded only (the
// dashboard has no file inputs), at most FORM_BYTES_MAX bytes counted as they arrive (a missing or
// false Content-Length cannot get past the cap).

/** The largest form accepted: room for a long list of custom headers and event types. */
export const FORM_BYTES_MAX = 64 * 1024;

/** A body the dashboard does not take: `status` 413 (too large) or 415 (not a form). */
export class FormError extends Error {
  constructor(
    readonly status: 413 | 415,
    message: string,
  ) {
    super(message);
    this.name = "FormError";
  }
}

const URLENCODED = "application/x-www-form-urlencoded";

export async function readForm(request: Request, bytesMax = FORM_BYTES_MAX): Promise<URLSearchParams> {
  const declared = Number(request.headers.get("content-length") ?? "0");
  if (Number.isFinite(declared) && declared > bytesMax) throw tooLarge(bytesMax);
  if (request.body === null) return new URLSearchParams();
  const type = (request.headers.get("content-type") ?? "").split(";")[0]?.trim().toLowerCase();
  if (type !== URLENCODED) {
    throw new FormError(415, "The form was not sent as a web form. Reload the page and try again.");
  }
  return new URLSearchParams(await readCapped(request.body, bytesMax));
}

async function readCapped(body: ReadableStream<Uint8Array>, bytesMax: number): Promise<string> {
  const chunks: Uint8Array[] = [];
  let size = 0;
  const reader = body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > bytesMax) {
      await reader.cancel();
      throw tooLarge(bytesMax);
    }
    chunks.push(value);
  }
  return new TextDecoder().decode(Buffer.concat(chunks));
}

function tooLarge(bytesMax: number): FormError {
  return new FormError(413, `The form is too large: at most ${Math.floor(bytesMax / 1024)} KiB can be sent.`);
}
