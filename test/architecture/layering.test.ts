// Layers point one way: http → domain → storage, with delivery and the scheduler beside the domain
// (they may use its types and pure modules; it never uses them), and src/net, the pure address
// checks, under everything. Reads every import of every source file under src/, type-only imports
// included (a type import still couples the layers), and fails naming each import that points the
// wrong way.

import { describe, expect, test } from "bun:test";
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";

const ROOT = resolve(import.meta.dir, "../..");
const SRC = join(ROOT, "src");

interface Rule {
  /** Files (repo-relative path prefixes) the rule applies to. */
  from: string[];
  /** Files the rule does not apply to although `from` names them. */
  exempt?: string[];
  /** Import targets (repo-relative path prefixes) those files may not reach. */
  forbidden: string[];
  /** Targets under `forbidden` that may be imported all the same. */
  except?: string[];
  /** Targets under `forbidden` that may be imported for their types only (`import type`). */
  typesOnly?: string[];
  why: string;
}

/** What the dashboard may use of the HTTP layer: the API's authorization and error vocabulary. */
const DASHBOARD_HTTP_HELPERS = [
  "src/http/auth",
  "src/http/route-scopes",
  "src/http/public-url",
  "src/http/client-address",
  "src/http/error-handler",
  "src/http/api-error",
  "src/http/rfc3339",
  "src/http/models/portal-link",
];

const DOMAIN_SERVICES = [
  "src/domain/accounts-service",
  "src/domain/deliveries-service",
  "src/domain/events-service",
  "src/domain/logs-service",
  "src/domain/webhooks-service",
  "src/domain/services",
];

const RULES: Rule[] = [
  {
    from: ["src/domain/"],
    forbidden: ["src/delivery/", "src/http/", "src/scheduler/", "src/app", "src/main", "src/cli/"],
    why: "the domain never depends on delivery, HTTP or the scheduler",
  },
  {
    from: ["src/storage/"],
    forbidden: [...DOMAIN_SERVICES, "src/http/", "src/delivery/", "src/scheduler/", "src/app", "src/main"],
    why: "storage sits below the domain services, HTTP and delivery",
  },
  {
    from: ["src/delivery/", "src/scheduler/"],
    forbidden: ["src/http/", "src/app", "src/main"],
    why: "the sender and the scheduler never import the HTTP layer",
  },
  {
    from: ["src/net/"],
    forbidden: ["src/"],
    why: "src/net is pure and imports nothing else of the project",
  },
  {
    from: ["src/dashboard/"],
    forbidden: [
      "src/http/",
      "src/storage/",
      "src/delivery/",
      "src/scheduler/",
      "src/app",
      "src/main",
      "src/cli/",
    ],
    except: [...DASHBOARD_HTTP_HELPERS, "src/storage/records"],
    typesOnly: ["src/storage/"],
    why:
      "the dashboard calls the domain services (with the API's auth and route-scope helpers), never the store " +
      "itself (its types and record vocabulary only), the sender or the scheduler",
  },
  {
    from: [
      "src/app",
      "src/main",
      "src/version",
      "src/cli/",
      "src/config/",
      "src/delivery/",
      "src/domain/",
      "src/http/",
      "src/net/",
      "src/observability/",
      "src/scheduler/",
      "src/storage/",
    ],
    exempt: ["src/http/http-app.ts"],
    forbidden: ["src/dashboard/"],
    why: "only src/http/http-app.ts mounts the dashboard; nothing else depends on it",
  },
];

/** Every module specifier in `source`: static imports and re-exports (type-only too) and import(). */
export function specifiers(source: string): string[] {
  const found: string[] = [];
  const patterns = [
    /\b(?:import|export)\b[^;'"]*?\bfrom\s*["']([^"']+)["']/g,
    /\bimport\s*\(\s*["']([^"']+)["']\s*\)/g,
    /^\s*import\s*["']([^"']+)["']/gm,
  ];
  for (const pattern of patterns) for (const m of source.matchAll(pattern)) found.push(m[1] as string);
  return found;
}

/** The module specifiers `source` imports for their types only (`import type`, `export type`). */
export function typeOnlySpecifiers(source: string): Set<string> {
  const found = new Set<string>();
  for (const m of source.matchAll(/\b(?:import|export)\s+type\b[^;'"]*?\bfrom\s*["']([^"']+)["']/g)) {
    found.add(m[1] as string);
  }
  return found;
}

/** Whether `rule` forbids `file` importing `target` (`typeOnly`: an `import type`). */
function breaks(rule: Rule, file: string, target: string, typeOnly: boolean): boolean {
  if (!rule.from.some((p) => file.startsWith(p))) return false;
  if (rule.exempt?.some((p) => file.startsWith(p))) return false;
  if (rule.from.some((p) => target.startsWith(p))) return false; // within its own layer
  if (!rule.forbidden.some((p) => target.startsWith(p))) return false;
  if (rule.except?.some((p) => target === p || target.startsWith(`${p}/`))) return false;
  return !(typeOnly && rule.typesOnly?.some((p) => target.startsWith(p)));
}

/** The imports of `file` (repo-relative) that break a rule, as readable lines. */
export function violations(file: string, source: string): string[] {
  const out: string[] = [];
  const typeOnly = typeOnlySpecifiers(source);
  for (const spec of specifiers(source)) {
    if (!spec.startsWith(".")) continue; // packages and node: builtins
    const target = relative(ROOT, resolve(ROOT, dirname(file), spec));
    for (const rule of RULES) {
      if (breaks(rule, file, target, typeOnly.has(spec)))
        out.push(`${file} imports ${spec} (${target}): ${rule.why}`);
    }
  }
  return out;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return /\.tsx?$/.test(entry.name) && !entry.name.endsWith(".test.ts") ? [path] : [];
  });
}

describe("layering", () => {
  test("no source file imports against the direction of the layers", () => {
    const files = sourceFiles(SRC);
    expect(files.length).toBeGreaterThan(50);
    const found = files.flatMap((path) => violations(relative(ROOT, path), readFileSync(path, "utf8")));
    expect(found).toEqual([]);
  });

  test("the check sees every form of import, and allows what the layers allow", () => {
    const bad = [
      'import { generateSecret } from "../delivery/signing";',
      'import type { ApiError } from "../http/api-error";',
      'export { DueScheduler } from "../scheduler/due-scheduler";',
      'const m = await import("../delivery/sender");',
      'import {\n  send,\n  type SendOutcome,\n} from "../delivery/sender";',
    ];
    for (const line of bad) expect(violations("src/domain/x.ts", line)).toHaveLength(1);
    expect(
      violations("src/storage/lmdb/x.ts", 'import type { X } from "../../domain/events-service";'),
    ).toHaveLength(1);
    expect(violations("src/storage/x.ts", 'import { y } from "../http/api-error";')).toHaveLength(1);
    expect(violations("src/delivery/x.ts", 'import { y } from "../http/api-error";')).toHaveLength(1);
    expect(violations("src/net/x.ts", 'import { y } from "../domain/ids";')).toHaveLength(1);
    for (const [file, line] of [
      ["src/domain/x.ts", 'import { checkAddress } from "../net/ssrf-guard";'],
      ["src/domain/x.ts", 'import type { Store } from "../storage/store";'],
      ["src/delivery/x.ts", 'import { newId } from "../domain/ids";'],
      ["src/net/x.ts", 'import { parseIPv4 } from "./ip-address";'],
      ["src/storage/lmdb/x.ts", 'import type { Logger } from "../../observability/logger";'],
      ["src/domain/x.ts", 'import { t } from "elysia";'],
      ["src/dashboard/x.ts", 'import { hasScope } from "../http/auth";'],
      ["src/dashboard/pages/x.ts", 'import type { Store } from "../../storage/store";'],
      ["src/dashboard/pages/x.ts", 'import { KEY_SCOPES } from "../../storage/records";'],
      ["src/dashboard/pages/x.ts", 'import { html } from "../html";'],
      ["src/http/http-app.ts", 'import { createDashboard } from "../dashboard/dashboard-app";'],
    ] as const) {
      expect(violations(file, line)).toEqual([]);
    }
  });

  test("the rule keeping the dashboard out of the other layers names every other part of src/", () => {
    const rule = RULES.find((r) => r.forbidden.includes("src/dashboard/"));
    for (const entry of readdirSync(SRC)) {
      if (entry === "dashboard") continue;
      const path = `src/${entry.replace(/\.ts$/, "")}`;
      expect(rule?.from.some((p) => `${path}/`.startsWith(p) || path === p)).toBe(true);
    }
  });

  test("the dashboard reaches the store only through types, and only http-app.ts imports it", () => {
    for (const [file, line] of [
      ["src/dashboard/x.ts", 'import { InvalidCursorError } from "../storage/store";'],
      ["src/dashboard/x.ts", 'import { openLmdbStore } from "../storage/lmdb/lmdb-store";'],
      ["src/dashboard/x.ts", 'import { webhookRoutes } from "../http/routes/webhooks";'],
      ["src/dashboard/x.ts", 'import { readJsonBody } from "../http/json-body";'],
      ["src/dashboard/x.ts", 'import { createDeliveryEngine } from "../delivery/delivery-engine";'],
      ["src/http/routes/webhooks.ts", 'import { html } from "../../dashboard/html";'],
      ["src/domain/x.ts", 'import type { PageContext } from "../dashboard/context";'],
      ["src/app.ts", 'import { createDashboard } from "./dashboard/dashboard-app";'],
    ] as const) {
      expect(violations(file, line)).toHaveLength(1);
    }
  });
});
