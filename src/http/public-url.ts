// The origin people and the platform reach this server at: INBOX_PUBLIC_URL when configured, else
// the request's own, where a reverse proxy that terminates TLS or rewrites the host is believed
// through X-Forwarded-Proto and X-Forwarded-Host (first values, and only when well-formed).
// Used for the OpenAPI document's servers, portal links and the dashboard cookies' Secure flag.

const AUTHORITY = /^[A-Za-z0-9.-]+(:[0-9]{1,5})?$/;

/** "https://inbox.example.com": scheme, host and port, no trailing slash. */
export function publicOrigin(request: Request, configured: string | undefined): string {
  if (configured !== undefined) return configured;
  const url = new URL(request.url);
  const first = (name: string) => request.headers.get(name)?.split(",")[0]?.trim();
  const proto = first("x-forwarded-proto");
  const host = first("x-forwarded-host");
  const scheme = proto === "http" || proto === "https" ? `${proto}:` : url.protocol;
  const authority = host && AUTHORITY.test(host) ? host : url.host;
  return `${scheme}//${authority}`;
}
