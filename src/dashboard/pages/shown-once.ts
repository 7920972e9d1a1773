// A value the operator must copy now because no page shows it again (a new API key, a one-time
// portal link): a readonly input with a visible label, selectable and copyable by hand, a copy
// button that the dashboard script brings to life (data-copy names the input), and a warning.

import { type Html, html } from "../html";

export interface ShownOnce {
  /** The input's id, unique on the page. */
  id: string;
  /** Its visible label (the control's accessible name). */
  label: string;
  value: string;
  /** Why it must be copied now, read out with the input (aria-describedby). */
  warning: string;
}

export function shownOnce(item: ShownOnce): Html {
  const warningId = `${item.id}-warning`;
  return html`<div class="shown-once">
  <label for="${item.id}">${item.label}</label>
  <div class="copy-row">
    <input id="${item.id}" type="text" readonly value="${item.value}" aria-describedby="${warningId}" autocomplete="off" spellcheck="false">
    <button type="button" class="copy" data-copy="${item.id}" hidden>Copy</button>
  </div>
  <p id="${warningId}" class="warning">${item.warning}</p>
</div>`;
}
