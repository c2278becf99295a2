/**
 * A small JSON Schema (2020-12) checker for the keywords the generated tenant-spec schema uses,
 * standing in for the editor's YAML language server in tests. A keyword it does not know is an
 * error, so that a schema change cannot make the check silently weaker.
 */
type Schema = Record<string, unknown>;

const ANNOTATIONS = new Set(["$schema", "$id", "title", "description", "default", "format"]);

export function schemaErrors(schema: Schema, value: unknown, at = ""): string[] {
  const errors: string[] = [];
  const here = at || "(root)";
  for (const key of Object.keys(schema)) {
    if (ANNOTATIONS.has(key)) continue;
    const rule = schema[key];
    switch (key) {
      case "type": {
        const types = Array.isArray(rule) ? (rule as string[]) : [rule as string];
        if (!types.some((t) => hasType(value, t))) {
          errors.push(`${here}: expected ${types.join(" or ")}`);
        }
        break;
      }
      case "enum":
        if (!(rule as unknown[]).includes(value)) errors.push(`${here}: not one of the enum`);
        break;
      case "pattern":
        if (typeof value === "string" && !new RegExp(rule as string, "u").test(value)) {
          errors.push(`${here}: does not match ${String(rule)}`);
        }
        break;
      case "minLength":
      case "maxLength":
        if (typeof value === "string") {
          const n = [...value].length;
          if (key === "minLength" ? n < (rule as number) : n > (rule as number)) {
            errors.push(`${here}: ${key} ${String(rule)}`);
          }
        }
        break;
      case "minimum":
      case "maximum":
        if (typeof value === "number") {
          if (key === "minimum" ? value < (rule as number) : value > (rule as number)) {
            errors.push(`${here}: ${key} ${String(rule)}`);
          }
        }
        break;
      case "minItems":
      case "maxItems":
        if (Array.isArray(value)) {
          const n = value.length;
          if (key === "minItems" ? n < (rule as number) : n > (rule as number)) {
            errors.push(`${here}: ${key} ${String(rule)}`);
          }
        }
        break;
      case "items":
        if (Array.isArray(value)) {
          value.forEach((item, i) =>
            errors.push(...schemaErrors(rule as Schema, item, `${at}[${i}]`)),
          );
        }
        break;
      case "required":
        if (isObject(value)) {
          for (const name of rule as string[]) {
            if (!(name in value)) errors.push(`${here}: missing ${name}`);
          }
        }
        break;
      case "properties":
        if (isObject(value)) {
          for (const [name, child] of Object.entries(rule as Record<string, Schema>)) {
            if (name in value) errors.push(...schemaErrors(child, value[name], join(at, name)));
          }
        }
        break;
      case "propertyNames":
        if (isObject(value)) {
          for (const name of Object.keys(value)) {
            errors.push(...schemaErrors(rule as Schema, name, `${join(at, name)} (key)`));
          }
        }
        break;
      case "additionalProperties":
        if (isObject(value)) {
          const known = Object.keys((schema.properties ?? {}) as Schema);
          for (const [name, child] of Object.entries(value)) {
            if (known.includes(name)) continue;
            if (rule === false) errors.push(`${join(at, name)}: not allowed`);
            else errors.push(...schemaErrors(rule as Schema, child, join(at, name)));
          }
        }
        break;
      case "anyOf": {
        const branches = (rule as Schema[]).map((branch) => schemaErrors(branch, value, at));
        if (!branches.some((b) => b.length === 0)) {
          errors.push(`${here}: matches none of anyOf (${branches.map((b) => b[0]).join("; ")})`);
        }
        break;
      }
      default:
        throw new Error(`schemaErrors: keyword ${key} at ${here} is not supported`);
    }
  }
  return errors;
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

const join = (at: string, name: string) => (at ? `${at}.${name}` : name);

function hasType(value: unknown, type: string): boolean {
  switch (type) {
    case "object":
      return isObject(value);
    case "array":
      return Array.isArray(value);
    case "null":
      return value === null;
    case "integer":
      return Number.isInteger(value);
    default:
      return typeof value === type;
  }
}
