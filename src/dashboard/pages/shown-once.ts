// A value the operator must copy now because no page shows it again (a new API key, a one-time
// portal link): a readonly input with a visible label, selectable and copyable by hand; the
// dashboard script adds a copy button beside inputs marked data-copy. The warning is read out with
// the input (aria-describedby).

import { type Html, html } from "../html";

export interface ShownOnce {
  /** The input's id, unique on the page. */
  id: string;
  /** Its visible label (the control's accessible name). */
  label: string;
  value: string;
  /** Why it must be copied now. */
  warning: string;
}

export function shownOnce(item: ShownOnce): Html {
  const warningId = `${item.id}-warning`;
  return html`<div class="shown-once">
  <label for="${item.id}">${item.label}</label>
  <div class="secret">
    <input id="${item.id}" type="text" readonly value="${item.value}" data-copy aria-describedby="${warningId}" autocomplete="off" spellcheck="false">
  </div>
  <p id="${warningId}" class="hint"><strong>${item.warning}</strong></p>
</div>`;
}
