/**
 * A schema body summarised for a reviewer: the part the spec decides (target object actions,
 * scope, attribute mappings, custom API attributes), one line per item, so that `inbound plan`
 * reads like the portal's mapping page before it shows the whole body.
 */
import type {
  AttributeMapping,
  Filter,
  SynchronizationSchema,
} from "@microsoft/microsoft-graph-types";
import { extractManaged } from "./managed";

function mappingLine(mapping: AttributeMapping, width: number): string {
  const source = mapping.source
    ? (mapping.source.expression ?? mapping.source.name ?? "?")
    : "(none)";
  const flags: string[] = [];
  if ((mapping.matchingPriority ?? 0) > 0) flags.push(`matching ${mapping.matchingPriority}`);
  if (mapping.defaultValue !== null && mapping.defaultValue !== undefined) {
    flags.push(`default ${JSON.stringify(mapping.defaultValue)}`);
  }
  if (mapping.flowType && mapping.flowType !== "Always") {
    flags.push(mapping.flowType === "ObjectAddOnly" ? "on create only" : mapping.flowType);
  }
  const target = (mapping.targetAttributeName ?? "?").padEnd(width);
  return `${target}  ${source}${flags.length ? `  (${flags.join(", ")})` : ""}`;
}

function scopeLines(scope: Filter | null): string[] {
  const groups = scope?.groups ?? [];
  if (groups.length === 0) return ["scope: every record"];
  const lines = ["scope (any group; all clauses of a group):"];
  for (const group of groups) {
    const clauses = (group.clauses ?? []).map((c) => {
      const values = c.targetOperand?.values ?? [];
      const operand = values.length ? " " + values.map((v) => JSON.stringify(v)).join(", ") : "";
      return `${c.sourceOperandName} ${c.operatorName}${operand}`;
    });
    lines.push(`  ${group.name}: ${clauses.join(" and ")}`);
  }
  return lines;
}

/** The summary lines, or undefined when the body is not a schema with an API source rule. */
export function describeSchemaBody(body: unknown): string[] | undefined {
  let managed;
  try {
    managed = extractManaged(body as SynchronizationSchema);
  } catch {
    return undefined;
  }
  const mappings = managed.attributeMappings;
  const width = Math.max(0, ...mappings.map((m) => (m.targetAttributeName ?? "").length));
  const lines = [
    `target object actions: ${managed.flowTypes || "none"}`,
    ...scopeLines(managed.scope),
    `attribute mappings (${mappings.length}):`,
    ...mappings.map((m) => "  " + mappingLine(m, width)),
  ];
  if (managed.customAttributes.length > 0) {
    lines.push(`custom API attributes (${managed.customAttributes.length}):`);
    for (const a of managed.customAttributes) lines.push(`  ${a.name}  ${a.type ?? "String"}`);
  }
  return lines;
}
