// Progressive enhancement for the dashboard; every page works without it. Loaded with `defer` as
// a file of this server (the CSP allows no inline script). Adds: a confirmation before forms marked
// data-confirm are sent, copy buttons beside read-only values marked data-copy, and the "All event
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
  for (const input of document.querySelectorAll("input[data-copy]")) {
    const button = document.createElement("button");
    button.type = "button";
    button.textContent = "Copy";
    button.setAttribute("aria-label", `Copy ${input.labels?.[0]?.textContent ?? "value"}`);
    button.addEventListener("click", async () => {
      try {
        await navigator.clipboard.writeText(input.value);
        button.textContent = "Copied";
      } catch {
        input.select();
        button.textContent = "Press Ctrl+C to copy";
      }
    });
    input.after(button);
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
