// A small in-process "browser" for dashboard tests: sends requests through the app's handle (no
// socket), keeps the cookies the dashboard sets (by name; Max-Age=0 removes one), sends the
// server's own Origin on POST like a browser, and reads the CSRF token out of the last page so that
// a test can post a form as a person would. Redirects are not followed unless asked. Each client
// comes from an address of its own (X-Forwarded-For), as separate browsers would, so that the
// sign-in rate limit counts them apart. Every dashboard answer it receives is checked for the CSP
// header, and every HTML page for inline script, inline handlers and style attributes (the CSP
// would block them in a browser): a page breaking that fails the test that fetched it.

import type { Harness } from "../http/harness";

export const ORIGIN = "http://localhost";

export interface Page {
  status: number;
  headers: Headers;
  text: string;
  location: string | null;
}

let clients = 0;

/** Why `page` would break under the dashboard's CSP, or undefined. */
export function cspProblem(page: string): string | undefined {
  const inlineScript = /<script(?![^>]*\ssrc=)[^>]*>/i.exec(page);
  if (inlineScript) return `inline script: ${inlineScript[0]}`;
  const handler = /<[^>]+\son[a-z]+\s*=/i.exec(page);
  if (handler) return `inline event handler: ${handler[0]}`;
  const style = /<[^>]+\sstyle\s*=/i.exec(page);
  if (style) return `style attribute: ${style[0]}`;
  if (/<style[\s>]/i.test(page)) return "inline <style> element";
  return undefined;
}

export class BrowserClient {
  readonly cookies = new Map<string, string>();
  /** The client's address, sent as X-Forwarded-For. */
  readonly address = `192.0.2.${(++clients % 250) + 1}`;
  /** The last page's text (for csrf()). */
  last = "";

  constructor(
    private readonly app: Harness["app"],
    private readonly origin = ORIGIN,
  ) {}

  async get(path: string, headers: Record<string, string> = {}): Promise<Page> {
    return this.send(new Request(`${this.origin}${path}`, { headers: this.headers(headers) }));
  }

  /**
   * POSTs `fields` urlencoded; `csrf` is added from the last page unless given (pass csrf: "" to
   * leave it out). `headers` may replace the Origin (or remove it: origin: "").
   */
  async post(
    path: string,
    fields: Record<string, string | string[]>,
    headers: Record<string, string> = {},
  ): Promise<Page> {
    const form = new URLSearchParams();
    if (!("csrf" in fields)) form.set("csrf", this.csrf());
    for (const [name, value] of Object.entries(fields)) {
      for (const v of Array.isArray(value) ? value : [value])
        if (!(name === "csrf" && v === "")) form.append(name, v);
    }
    const all = this.headers({
      origin: this.origin,
      "content-type": "application/x-www-form-urlencoded",
      ...headers,
    });
    if (all.get("origin") === "") all.delete("origin");
    return this.send(
      new Request(`${this.origin}${path}`, { method: "POST", headers: all, body: form.toString() }),
    );
  }

  /** GETs `path` and follows redirects (at most 5). */
  async follow(path: string): Promise<Page> {
    let page = await this.get(path);
    for (let i = 0; i < 5 && page.location; i++) page = await this.get(page.location);
    return page;
  }

  /** The value of the first hidden csrf field of the last page. */
  csrf(): string {
    const match = /name="csrf" value="([^"]*)"/.exec(this.last);
    if (!match?.[1]) throw new Error("the last page has no csrf field");
    return match[1];
  }

  /** Signs in with `key` (opening the sign-in page first for its form token). */
  async signIn(key: string): Promise<Page> {
    await this.get("/dashboard/sign-in");
    return this.post("/dashboard/sign-in", { key });
  }

  private headers(extra: Record<string, string>): Headers {
    const headers = new Headers({ "x-forwarded-for": this.address, ...extra });
    if (this.cookies.size > 0) {
      headers.set("cookie", [...this.cookies].map(([name, value]) => `${name}=${value}`).join("; "));
    }
    return headers;
  }

  private async send(request: Request): Promise<Page> {
    const response = await this.app.handle(request);
    for (const cookie of response.headers.getSetCookie()) this.keep(cookie);
    const text = await response.text();
    if (new URL(request.url).pathname.startsWith("/dashboard")) {
      if (!response.headers.get("content-security-policy")?.includes("default-src 'none'")) {
        throw new Error(`${request.method} ${request.url} answered without the dashboard CSP`);
      }
    }
    if (text.includes("<html")) {
      const problem = cspProblem(text);
      if (problem) throw new Error(`${request.method} ${request.url}: ${problem}`);
      this.last = text;
    }
    return {
      status: response.status,
      headers: response.headers,
      text,
      location: response.headers.get("location"),
    };
  }

  private keep(setCookie: string): void {
    const [pair] = setCookie.split(";");
    const eq = pair?.indexOf("=") ?? -1;
    if (!pair || eq <= 0) return;
    const name = pair.slice(0, eq);
    if (/max-age=0\b/i.test(setCookie)) this.cookies.delete(name);
    else this.cookies.set(name, pair.slice(eq + 1));
  }
}
