// The operations of the generated OpenAPI document, for the modules that correct it in place before
// it is served (*-in-spec.ts, run by ./swagger-ui.ts): one walk over paths and methods for all of them.

/** Each operation object of `spec` with its path and method; nothing when `spec` has no paths. */
export function* operationsOf<Operation extends object>(
  spec: unknown,
): Generator<[operation: Operation, path: string, method: string]> {
  const paths = (spec as { paths?: Record<string, Record<string, unknown>> } | null)?.paths;
  for (const [path, item] of Object.entries(paths ?? {})) {
    for (const [method, operation] of Object.entries(item ?? {})) {
      if (operation && typeof operation === "object") yield [operation as Operation, path, method];
    }
  }
}
