import { describe, expect, test } from "bun:test";
import { escapeHtml, Html, html, raw } from "./html";

describe("html", () => {
  test("escapes interpolated text for text and attribute context", () => {
    const evil = `"><script>alert('x')</script>&`;
    expect(html`<a title="${evil}">${evil}</a>`.text).toBe(
      '<a title="&quot;&gt;&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&amp;">&quot;&gt;&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&amp;</a>',
    );
  });

  test("nests Html unescaped, joins arrays, renders nothing for null, undefined and false", () => {
    const items = ["a<b", "c"].map((x) => html`<li>${x}</li>`);
    expect(html`<ul>${items}</ul>${null}${undefined}${false}${0}`.text).toBe(
      "<ul><li>a&lt;b</li><li>c</li></ul>0",
    );
    expect(html`${raw("<br>")}`).toBeInstanceOf(Html);
    expect(html`${raw("<br>")}`.text).toBe("<br>");
  });

  test("escapeHtml leaves ordinary text alone", () => {
    expect(escapeHtml("plain text 123")).toBe("plain text 123");
  });
});
