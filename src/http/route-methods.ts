// Which methods a path answers to, so an existing path called with the wrong method gets 405 with
// an Allow header instead of a bare 404.

export interface RouteLike {
  method: string;
  path: string;
}

function toPattern(path: string): RegExp {
  const body = path
    .replace(/\/+$/, "")
    .split("/")
    .map((segment) => {
      if (segment.startsWith(":")) return "[^/]+";
      if (segment === "*") return ".*";
      return segment.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
    })
    .join("/");
  return new RegExp(`^${body}/?$`);
}

export class RouteMethods {
  private compiled: { method: string; pattern: RegExp }[] | undefined;
  private compiledFrom = -1;

  constructor(private readonly routes: () => RouteLike[]) {}

  /** Methods registered for `path`; empty when no route matches it at all. */
  allowed(path: string): string[] {
    const routes = this.routes();
    if (!this.compiled || this.compiledFrom !== routes.length) {
      this.compiled = routes.map((r) => ({ method: r.method.toUpperCase(), pattern: toPattern(r.path) }));
      this.compiledFrom = routes.length;
    }
    const methods = new Set<string>();
    for (const r of this.compiled) if (r.pattern.test(path)) methods.add(r.method);
    return [...methods].sort();
  }
}
