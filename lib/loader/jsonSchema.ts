/**
 * The JSON Schema that editors (the YAML language server) check tenant files with, generated from
 * the zod schema in ./schema so that the two cannot disagree. `inbound schema --write` writes it to
 * config/tenant-spec.schema.json; a test keeps the committed copy in sync.
 */
import { z } from "zod";
import { tenantSpec } from "../model/schema";

export const SCHEMA_ID = "urn:inbound:tenant-spec";
export const SCHEMA_TITLE = "inbound tenant spec";

/** Where the generated files live, relative to the project root. */
export const SCHEMA_FILE = "config/tenant-spec.schema.json";

export type JsonSchema = Record<string, unknown>;

const EDITOR_NOTE = [
  "Generated from lib/model/schema.ts by `npm run schema`; do not edit by hand.",
  "No field is marked required here: a file that `extends` a base gets fields from it, which an editor cannot see;",
  "`inbound validate` checks the merged file.",
  "Strings containing a `${...}` variable pass the pattern checks here, since variables are substituted before validation.",
].join(" ");

/** The schema as zod describes the input (before defaults), with required fields and all. */
export function tenantSpecJsonSchema(): JsonSchema {
  return z.toJSONSchema(tenantSpec, { io: "input" }) as JsonSchema;
}

/**
 * The schema for editors: no `required` (see EDITOR_NOTE), patterns that let `${...}` through,
 * no "maximum: 2^53-1" noise from integer checks, an id and a title.
 */
export function editorJsonSchema(): JsonSchema {
  const raw = tenantSpecJsonSchema();
  const body = forEditors(raw) as JsonSchema;
  const { $schema, description, ...rest } = body;
  return {
    $schema,
    $id: SCHEMA_ID,
    title: SCHEMA_TITLE,
    description: `${String(description ?? "")} ${EDITOR_NOTE}`.trim(),
    ...rest,
  };
}

/** The file's text: stable key order as generated, two-space indent, final newline. */
export function editorJsonSchemaText(): string {
  return JSON.stringify(editorJsonSchema(), null, 2) + "\n";
}

/** Keywords whose value is one schema. */
const SCHEMA_KEYWORDS = ["additionalProperties", "items", "not", "contains", "propertyNames"];
/** Keywords whose value is a list of schemas. */
const SCHEMA_LIST_KEYWORDS = ["anyOf", "oneOf", "allOf", "prefixItems"];
/** Keywords whose value is a map of name to schema. */
const SCHEMA_MAP_KEYWORDS = ["properties", "$defs", "definitions", "patternProperties"];

function forEditors(node: unknown, isPropertyName = false): unknown {
  if (typeof node !== "object" || node === null || Array.isArray(node)) return node;
  const out: JsonSchema = {};
  for (const [key, value] of Object.entries(node as JsonSchema)) {
    if (key === "required" && Array.isArray(value)) continue;
    if (key === "maximum" && value === Number.MAX_SAFE_INTEGER) continue;
    if (key === "minimum" && value === Number.MIN_SAFE_INTEGER) continue;
    if (key === "pattern" && typeof value === "string" && !isPropertyName) {
      // Keys are never substituted, values are: a value with a variable is checked after.
      out[key] = `(?:${value})|\\$\\{`;
    } else if (SCHEMA_KEYWORDS.includes(key)) {
      out[key] = forEditors(value, key === "propertyNames");
    } else if (SCHEMA_LIST_KEYWORDS.includes(key) && Array.isArray(value)) {
      out[key] = value.map((item) => forEditors(item));
    } else if (SCHEMA_MAP_KEYWORDS.includes(key) && typeof value === "object" && value !== null) {
      out[key] = Object.fromEntries(
        Object.entries(value as JsonSchema).map(([name, schema]) => [name, forEditors(schema)]),
      );
    } else {
      out[key] = value;
    }
  }
  return out;
}
