// Progressive enhancement for the dashboard; every page works without it. Loaded with `defer` as
// a file of this server (the CSP allows no inline script). Adds: a confirmation before forms marked
// data-confirm are sent, copy buttons beside values marked data-copy (an input's value or an element's text; the attribute's
// value, when given, names it), and the "All event
// types" checkbox disabling the per-type ones while checked.

function confirmations() {
  for (const form of document.querySelectorAll("form[data-confirm]")) {
    form.addEventListener("submit", (event) => {
      if (!window.confirm(form.getAttribute("data-confirm"))) event.preventDefault();
    });
  }
}

function copyButtons() {
  if (!navigator.clipboard) return;
  for (const source of document.querySelectorAll("[data-copy]")) {
    const name = source.getAttribute("data-copy") || source.labels?.[0]?.textContent || "value";
    const button = document.createElement("button");
    button.type = "button";
    button.textContent = "Copy";
    button.setAttribute("aria-label", `Copy ${name}`);
    button.addEventListener("click", async () => {
      const text = "value" in source ? source.value : source.textContent;
      try {
        await navigator.clipboard.writeText(text);
        button.textContent = "Copied";
      } catch {
        button.textContent = "Select and copy it by hand";
      }
    });
    source.after(button);
  }
}

function allEventTypes() {
  for (const all of document.querySelectorAll("input[data-all-types]")) {
    const fieldset = all.closest("fieldset");
    const sync = () => {
      for (const box of fieldset.querySelectorAll("input[type=checkbox]")) {
        if (box !== all) box.disabled = all.checked;
      }
    };
    all.addEventListener("change", sync);
    sync();
  }
}

confirmations();
copyButtons();
allEventTypes();
