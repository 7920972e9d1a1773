// Live updates of an event page's deliveries (src/dashboard/pages/live.ts answers). Runs only on a
// page whose #deliveries carries data-live-url (the server sets it while a delivery is pending).
// Cost bounds: one request at a time; every ~2 s while the page is visible and something changes,
// slowing to 10 s while nothing does and to 30 s after errors; none while the page is hidden; it
// stops for good once every delivery is finished, or when the server no longer answers JSON for
// this session (signed out, event gone). Sections are replaced with markup from the server's
// escaped renderer, parsed with DOMParser (inert: no script runs); text is set with textContent.
// Without this file the page's "Refresh" link reloads it.

(() => {
  const box = document.getElementById("deliveries");
  const url = box?.getAttribute("data-live-url");
  if (!box || !url) return;
  const note = document.getElementById("live-text");

  const BASE_MS = 2000;
  const QUIET_MAX_MS = 10000;
  const ERROR_MAX_MS = 30000;
  let delay = BASE_MS;
  let timer = null;
  let busy = false;
  let stopped = false;

  const say = (text) => {
    if (note) note.textContent = text;
  };

  /** The page's deliveries and their states: the version the server compares against. */
  const known = () =>
    Array.from(box.querySelectorAll("section[data-delivery-id]"))
      .map((s) => `${s.getAttribute("data-delivery-id")}:${s.getAttribute("data-state")}`)
      .join(",");

  function schedule() {
    if (stopped || busy || timer !== null || document.visibilityState !== "visible") return;
    timer = window.setTimeout(poll, delay);
  }

  function stop(text) {
    stopped = true;
    if (timer !== null) window.clearTimeout(timer);
    timer = null;
    say(text);
  }

  function sectionFrom(markup) {
    const doc = new DOMParser().parseFromString(markup, "text/html");
    const section = doc.body.firstElementChild;
    return section ? document.adoptNode(section) : null;
  }

  /** Replaces or adds each changed section, keeping focus on the same control when it was inside. */
  function replace(change) {
    const fresh = sectionFrom(change.html);
    if (!fresh) return;
    const old = document.getElementById(change.id);
    if (!old) {
      box.append(fresh);
      return;
    }
    const hadFocus = old.contains(document.activeElement);
    old.replaceWith(fresh);
    if (hadFocus) fresh.querySelector("button, a, summary")?.focus();
  }

  function apply(answer) {
    for (const change of answer.changed) replace(change);
    if (answer.changed.length > 0) {
      for (const placeholder of box.querySelectorAll(":scope > p.empty")) placeholder.remove();
    }
    // The server's order (newest first): moving each in turn puts them in it.
    for (const id of answer.order) {
      const section = document.getElementById(id);
      if (section) box.append(section);
    }
    say(answer.note);
  }

  /** Whether the answer is this session's JSON: a redirect (signed out) or a 404 is not. */
  function usable(response) {
    const isJson = (response.headers.get("content-type") ?? "").startsWith("application/json");
    return !response.redirected && isJson && response.status !== 404 && response.status !== 403;
  }

  /** One poll; answers whether to go on polling. */
  async function pollOnce() {
    const response = await fetch(`${url}?known=${encodeURIComponent(known())}`, {
      headers: { accept: "application/json" },
      credentials: "same-origin",
      cache: "no-store",
    });
    if (!usable(response)) {
      stop("Live updates stopped: use Refresh to reload the page.");
      return false;
    }
    if (!response.ok) throw new Error(`status ${response.status}`);
    const answer = await response.json();
    apply(answer);
    if (answer.final) {
      stop(answer.note);
      return false;
    }
    delay = answer.changed.length > 0 ? BASE_MS : Math.min(Math.round(delay * 1.5), QUIET_MAX_MS);
    return true;
  }

  async function poll() {
    timer = null;
    if (stopped || document.visibilityState !== "visible") return;
    busy = true;
    let goOn = true;
    try {
      goOn = await pollOnce();
    } catch {
      delay = Math.min(Math.max(delay * 2, 5000), ERROR_MAX_MS);
      say("Live updates are failing; retrying. Refresh reloads the page.");
    } finally {
      busy = false;
    }
    if (goOn) schedule();
  }

  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "visible") {
      delay = BASE_MS;
      schedule();
    } else if (timer !== null) {
      window.clearTimeout(timer);
      timer = null;
    }
  });
  schedule();
})();
