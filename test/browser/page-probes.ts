// Functions the browser tests run INSIDE the page (page.evaluate serializes them), so they may use only
// what the page has. The project compiles without the DOM library, so the few DOM shapes they touch are
// declared here and reached through globalThis, which is the window in the page.

interface ProbeRect {
  left: number;
  right: number;
  width: number;
  height: number;
}

interface ProbeElement {
  tagName: string;
  id: string;
  className: unknown;
  parentElement: ProbeElement | null;
  getBoundingClientRect(): ProbeRect;
  querySelectorAll(selector: string): Iterable<ProbeElement>;
}

interface ProbeWindow {
  document: {
    activeElement: ProbeElement | null;
    body: ProbeElement;
    documentElement: ProbeElement & { clientWidth: number; scrollWidth: number };
  };
  getComputedStyle(el: ProbeElement): { overflowX: string; visibility: string };
  axe: {
    run(
      context: unknown,
      options: unknown,
    ): Promise<{
      violations: Array<{ id: string; impact: string; help: string; nodes: Array<{ target: string[] }> }>;
    }>;
  };
  notReloaded?: boolean;
}

/** Runs axe-core (already injected) on the document; answers its serious and critical violations, one line each. */
export async function seriousAxeViolations(): Promise<string[]> {
  const w = globalThis as unknown as ProbeWindow;
  const result = await w.axe.run(w.document, { resultTypes: ["violations"] });
  return result.violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => `${v.id} (${v.impact}): ${v.help} at ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`);
}

/**
 * Elements that stick out of the viewport on the right, unless an ancestor scrolls horizontally (a table
 * wrapper); visually hidden elements (1 px or less, or visibility hidden) are skipped. At most 10.
 */
export function horizontalOverflow(): string[] {
  const w = globalThis as unknown as ProbeWindow;
  const root = w.document.documentElement;
  const width = root.clientWidth;
  const inScroller = (el: ProbeElement) => {
    for (let a = el.parentElement; a && a !== w.document.body; a = a.parentElement) {
      const x = w.getComputedStyle(a).overflowX;
      if (x === "auto" || x === "scroll") return true;
    }
    return false;
  };
  const name = (el: ProbeElement) => {
    const classes =
      typeof el.className === "string" && el.className.trim()
        ? `.${el.className.trim().split(/\s+/).join(".")}`
        : "";
    return `${el.tagName.toLowerCase()}${el.id ? `#${el.id}` : ""}${classes}`;
  };
  const found: string[] = [];
  if (root.scrollWidth > width) found.push(`the document is ${root.scrollWidth} px wide`);
  for (const el of w.document.body.querySelectorAll("*")) {
    const r = el.getBoundingClientRect();
    if (r.width <= 1 || r.height <= 1 || w.getComputedStyle(el).visibility === "hidden") continue;
    // Only the right edge: what sticks out on the left (a skip link parked off-screen) scrolls nothing.
    if (r.right > width + 1 && !inScroller(el)) {
      found.push(`${name(el)} spans ${Math.round(r.left)}..${Math.round(r.right)} px`);
    }
  }
  return found.slice(0, 10);
}

/** Whether `el` has the keyboard focus. */
export function isFocused(el: unknown): boolean {
  return (globalThis as unknown as ProbeWindow).document.activeElement === el;
}

/** Marks the window; a reload or navigation loses the mark. */
export function markWindow(): void {
  (globalThis as unknown as ProbeWindow).notReloaded = true;
}

/** Whether the window still carries markWindow's mark. */
export function windowMarked(): boolean {
  return (globalThis as unknown as ProbeWindow).notReloaded === true;
}
