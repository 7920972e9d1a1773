// The PostgreSQL connection URL (INBOX_DATABASE_URL): checked once at start, and never shown with
// its password. Every log line and error that names the database uses redactDatabaseUrl().

const SCHEMES = ["postgres:", "postgresql:"];

/** The URL with its password replaced by "***" (unparsable text is replaced whole). */
export function redactDatabaseUrl(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return "***";
  }
  if (url.password !== "") url.password = "***";
  return url.toString();
}

/**
 * A postgres:// or postgresql:// URL with a host, as Bun's SQL client takes it. Throws an Error
 * whose message says what is wrong and shows the URL with its password redacted.
 */
export function parseDatabaseUrl(raw: string): string {
  const text = raw.trim();
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new Error(
      "must be a URL such as postgres://user:password@host:5432/database, got text that is not a URL",
    );
  }
  // Only the scheme of another kind of URL is shown: what follows it may be anything, a password too.
  if (!SCHEMES.includes(url.protocol)) {
    throw new Error(
      `must start with postgres:// or postgresql://, got a URL starting with "${url.protocol}"`,
    );
  }
  if (url.hostname === "") {
    throw new Error(`must name the database server's host, got ${JSON.stringify(redactDatabaseUrl(text))}`);
  }
  return text;
}

/**
 * `text` with the URL's password replaced by "***" wherever it appears (as written in the URL or
 * decoded), for error messages that a driver may have built from the URL.
 */
export function redactPasswordIn(text: string, url: string | undefined): string {
  if (url === undefined) return text;
  let password = "";
  try {
    password = new URL(url).password;
  } catch {
    return text;
  }
  if (password === "") return text;
  let decoded = password;
  try {
    decoded = decodeURIComponent(password);
  } catch {
    // Not percent-encoded text: only the raw form can appear.
  }
  return text.split(password).join("***").split(decoded).join("***");
}
