// A small JSON Schema checker for the subset the server's OpenAPI document uses (TypeBox output:
// type, properties, required, additionalProperties, items, anyOf/oneOf/allOf, const, enum, string
// and number bounds, pattern, a few formats, local $refs). The fuzz test uses it to decide whether
// a body the server accepted really satisfies the documented schema. Unknown keywords are ignored,
// so the checker can only be more lenient than the server, never invent a violation.

export type Schema = Record<string, unknown>;

const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

function typeOf(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "array";
  if (typeof value === "number") return Number.isInteger(value) ? "integer" : "number";
  return typeof value;
}

function typeMatches(expected: string, actual: string): boolean {
  return expected === actual || (expected === "number" && actual === "integer");
}

function checkFormat(format: string, value: string): boolean {
  if (format === "date-time") return RFC3339.test(value) && !Number.isNaN(Date.parse(value));
  if (format === "uri") return URL.canParse(value);
  return true;
}

/** Problems of `value` against `schema` (empty when it satisfies it); `root` resolves "#/..." refs. */
export function schemaProblems(schema: Schema, value: unknown, root: Schema, at = ""): string[] {
  if (typeof schema.$ref === "string") {
    const target = schema.$ref
      .replace(/^#\//, "")
      .split("/")
      .reduce<unknown>((node, part) => (node as Record<string, unknown> | undefined)?.[part], root);
    return target ? schemaProblems(target as Schema, value, root, at) : [];
  }
  const here = at || "/";
  const problems = [...combinedProblems(schema, value, root, at), ...literalProblems(schema, value, here)];
  const actual = typeOf(value);
  if (schema.type !== undefined) {
    const types = Array.isArray(schema.type) ? (schema.type as string[]) : [schema.type as string];
    if (!types.some((t) => typeMatches(t, actual))) {
      problems.push(`${here}: is ${actual}, expected ${types.join("|")}`);
      return problems;
    }
  }
  if (typeof value === "string") problems.push(...stringProblems(schema, value, here));
  if (typeof value === "number") problems.push(...numberProblems(schema, value, here));
  if (Array.isArray(value)) problems.push(...arrayProblems(schema, value, root, at));
  if (actual === "object")
    problems.push(...objectProblems(schema, value as Record<string, unknown>, root, at));
  return problems;
}

/** allOf, anyOf and oneOf; oneOf is checked as anyOf (at least one option matches). */
function combinedProblems(schema: Schema, value: unknown, root: Schema, at: string): string[] {
  const problems: string[] = [];
  if (Array.isArray(schema.allOf)) {
    for (const s of schema.allOf as Schema[]) problems.push(...schemaProblems(s, value, root, at));
  }
  for (const key of ["anyOf", "oneOf"] as const) {
    const options = schema[key];
    if (
      Array.isArray(options) &&
      !options.some((s) => schemaProblems(s as Schema, value, root, at).length === 0)
    ) {
      problems.push(`${at || "/"}: matches none of ${key}`);
    }
  }
  return problems;
}

function literalProblems(schema: Schema, value: unknown, here: string): string[] {
  const problems: string[] = [];
  if ("const" in schema && JSON.stringify(schema.const) !== JSON.stringify(value)) {
    problems.push(`${here}: is not ${JSON.stringify(schema.const)}`);
  }
  if (Array.isArray(schema.enum) && !schema.enum.some((e) => JSON.stringify(e) === JSON.stringify(value))) {
    problems.push(`${here}: not in enum`);
  }
  return problems;
}

function stringProblems(schema: Schema, value: string, here: string): string[] {
  const problems: string[] = [];
  if (typeof schema.minLength === "number" && value.length < schema.minLength)
    problems.push(`${here}: too short`);
  if (typeof schema.maxLength === "number" && value.length > schema.maxLength)
    problems.push(`${here}: too long`);
  if (typeof schema.pattern === "string" && !new RegExp(schema.pattern).test(value)) {
    problems.push(`${here}: does not match ${schema.pattern}`);
  }
  if (typeof schema.format === "string" && !checkFormat(schema.format, value)) {
    problems.push(`${here}: not a ${schema.format}`);
  }
  return problems;
}

function numberProblems(schema: Schema, value: number, here: string): string[] {
  const problems: string[] = [];
  if (typeof schema.minimum === "number" && value < schema.minimum) problems.push(`${here}: below minimum`);
  if (typeof schema.maximum === "number" && value > schema.maximum) problems.push(`${here}: above maximum`);
  if (typeof schema.exclusiveMinimum === "number" && value <= schema.exclusiveMinimum)
    problems.push(`${here}: too small`);
  if (typeof schema.exclusiveMaximum === "number" && value >= schema.exclusiveMaximum)
    problems.push(`${here}: too big`);
  return problems;
}

function arrayProblems(schema: Schema, value: unknown[], root: Schema, at: string): string[] {
  const here = at || "/";
  const problems: string[] = [];
  if (typeof schema.minItems === "number" && value.length < schema.minItems)
    problems.push(`${here}: too few items`);
  if (typeof schema.maxItems === "number" && value.length > schema.maxItems)
    problems.push(`${here}: too many items`);
  if (schema.items && typeof schema.items === "object") {
    value.forEach((item, i) => {
      problems.push(...schemaProblems(schema.items as Schema, item, root, `${at}/${i}`));
    });
  }
  return problems;
}

function objectProblems(schema: Schema, object: Record<string, unknown>, root: Schema, at: string): string[] {
  const problems: string[] = [];
  const properties = (schema.properties ?? {}) as Record<string, Schema>;
  for (const name of (schema.required ?? []) as string[]) {
    if (!(name in object)) problems.push(`${at}/${name}: required`);
  }
  const keys = Object.keys(object);
  if (typeof schema.minProperties === "number" && keys.length < schema.minProperties) {
    problems.push(`${at || "/"}: too few properties`);
  }
  for (const name of keys) {
    problems.push(...propertyProblems(schema, properties[name], object[name], root, `${at}/${name}`));
  }
  return problems;
}

/** One member against its property schema, or else against additionalProperties. */
function propertyProblems(
  schema: Schema,
  property: Schema | undefined,
  value: unknown,
  root: Schema,
  at: string,
): string[] {
  if (property) return schemaProblems(property, value, root, at);
  if (schema.additionalProperties === false) return [`${at}: not allowed`];
  if (schema.additionalProperties && typeof schema.additionalProperties === "object") {
    return schemaProblems(schema.additionalProperties as Schema, value, root, at);
  }
  return [];
}

/** A query-string value as the schema's type would read it: integers and booleans are parsed strictly. */
export function readQueryValue(schema: Schema, raw: string): unknown {
  const types = Array.isArray(schema.type) ? (schema.type as string[]) : [schema.type];
  if (types.includes("integer") || types.includes("number")) {
    return /^-?\d+(\.\d+)?$/.test(raw) ? Number(raw) : raw;
  }
  if (types.includes("boolean")) return raw === "true" ? true : raw === "false" ? false : raw;
  return raw;
}
