import { describe, expect, test } from "bun:test";
import type { ApiKeyRecord } from "../../storage/records";
import { raw } from "../html";
import { accountBody, deleteAccountBody } from "./account-view";

const csrf = raw('<input type="hidden" name="csrf" value="tok">');
const now = Date.UTC(2026, 11, 3, 17, 0, 0);
const account = { id: "acct_1", name: "Acme", created_at: now - 86_400_000 };

function key(over: Partial<ApiKeyRecord>): ApiKeyRecord {
  return {
    id: "key_a",
    account_id: "acct_1",
    hash: "h",
    prefix: "ik_AbCd1234",
    created_at: now - 3_600_000,
    revoked_at: null,
    name: "billing",
    scopes: ["publish"],
    expires_at: null,
    last_used_at: null,
    ...over,
  };
}

describe("accountPage", () => {
  test("keys with their figures; Revoke only for keys not yet revoked", () => {
    const keys = [
      key({}),
      key({ id: "key_b", name: null, revoked_at: now - 60_000, scopes: ["publish", "manage"] }),
      key({ id: "key_c", expires_at: now - 1, last_used_at: now - 120_000 }),
    ];
    const page = accountBody({ account, keys, now, csrf }).text;
    expect(page).toContain("<h1>Acme</h1>");
    expect(page).toContain("<code>ik_AbCd1234…</code>");
    expect(page).toContain("(no name)");
    expect(page).toContain("publish, manage");
    expect(page).toContain('<span class="badge idle">Revoked</span> 2026-12-03 16:59:00 UTC');
    expect(page).toContain("Expired");
    expect(page).toContain("Active");
    expect(page).toContain("2026-12-03 16:58:00 UTC");
    expect(page.match(/>Revoke<\/button>/g)?.length).toBe(2);
    expect(page).toContain('action="/dashboard/accounts/acct_1/keys/key_a/revoke"');
    expect(page).not.toContain('action="/dashboard/accounts/acct_1/keys/key_b/revoke"');
  });

  test("the issue-key form: labels, both scopes ticked by default, UTC expiry", () => {
    const page = accountBody({ account, keys: [], now, csrf }).text;
    expect(page).toContain('<label for="key-name">Key name</label>');
    expect(page).toContain('<input type="checkbox" name="scopes" value="publish" checked>publish</label>');
    expect(page).toContain('<input type="checkbox" name="scopes" value="manage" checked>manage</label>');
    expect(page).toContain('<label for="key-expires">Expires</label>');
    expect(page).toContain('type="datetime-local"');
    expect(page).toContain("In UTC");
    expect(page).toContain(">Issue key</button>");
    expect(page).toContain(">Create portal link</button>");
    expect(page).toContain('href="/dashboard/accounts/acct_1/delete">Delete account</a>');
    expect(page).toContain("no API keys");
  });

  test("a refused form is shown again as submitted", () => {
    const page = accountBody({
      account,
      keys: [],
      now,
      csrf,
      keyForm: { name: "ci", scopes: [], expires: "2020-01-01T00:00" },
    }).text;
    expect(page).toContain('value="ci"');
    expect(page).toContain('<input type="checkbox" name="scopes" value="publish">publish</label>');
    expect(page).toContain('value="2020-01-01T00:00"');
  });

  test("a new key and a new portal link are shown in readonly inputs", () => {
    const page = accountBody({
      account,
      keys: [key({})],
      now,
      csrf,
      issued: { apiKey: "ik_fresh", key: key({}) },
      portalLink: { url: "https://inbox.example/dashboard/portal/tok123", expiresAt: now + 600_000 },
    }).text;
    expect(page).toMatch(/<input id="new-api-key" type="text" readonly value="ik_fresh" data-copy/);
    expect(page).toContain('<label for="portal-link">Portal link</label>');
    expect(page).toMatch(
      /<input id="portal-link" type="text" readonly value="https:\/\/inbox.example\/dashboard\/portal\/tok123"/,
    );
    expect(page).toContain("until 2026-12-03 17:10:00 UTC");
  });
});

test("deleteAccountPage says what goes and asks with a Delete account button", () => {
  const page = deleteAccountBody({ account, liveKeys: 2, retention: "30 days", csrf }).text;
  expect(page).toContain("its 2 API keys");
  expect(page).toContain("endpoints and their signing secrets");
  expect(page).toContain("ends its dashboard sessions");
  expect(page).toContain("after 30 days");
  expect(page).toContain('action="/dashboard/accounts/acct_1/delete"');
  expect(page).toContain(">Delete account</button>");
  expect(deleteAccountBody({ account, liveKeys: 1, retention: "1 day", csrf }).text).toContain(
    "its 1 API key: requests made with it fail from now on",
  );
});
