/**
 * The spec's `provisioning.<key>` section compiled into a provisioning job's synchronization
 * schema, plus the normalisation and diff used to detect drift.
 *
 * Graph's schema API only offers a whole-object PUT
 * (https://learn.microsoft.com/en-us/graph/api/synchronization-synchronizationschema-update), so
 * compilation takes the job's current schema and returns a full new one in which exactly the parts
 * the spec owns are replaced: the API source's User object mapping (all attribute mappings, the
 * scope's `groups`, the target object actions) and the custom SCIM extension attributes of the API
 * source directory. Everything else (other rules, the target directory's definition) is kept as the
 * service wrote it.
 *
 * Pure: no Pulumi, no network. Expressions are compiled through lib/expressions unless a compiler
 * is injected.
 */
import type {
  AttributeDefinition,
  AttributeMapping,
  AttributeMappingSource,
  AttributeType,
  Filter,
  ObjectMapping,
  SynchronizationRule,
  SynchronizationSchema,
} from "@microsoft/microsoft-graph-types";
import type { ProvisioningApp, ScopeClause } from "../model/schema";
import type { OperatorNames, ScopeOperator } from "./operators";

/** The spec's custom attribute types and their Graph attributeType. */
export const ATTRIBUTE_TYPE_NAMES: Record<string, AttributeType> = {
  string: "String",
  boolean: "Boolean",
  integer: "Integer",
  dateTime: "DateTime",
  reference: "Reference",
  binary: "Binary",
};

const ACTION_FLOW_TYPES = [
  ["create", "Add"],
  ["update", "Update"],
  ["delete", "Delete"],
] as const;

// Custom API attributes live under SCIM extension URNs; the enterprise extension is the standard
// one the template itself defines and is never ours to remove.
const EXTENSION_PREFIX = "urn:ietf:params:scim:schemas:extension:";
const ENTERPRISE_URN = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";

/** Directory names of the provisioning targets, which are never the API source. */
const TARGET_DIRECTORY_NAMES = ["Azure Active Directory", "Microsoft Entra ID", "Active Directory"];

/** How mapping expressions and attribute short forms become Graph's shapes. */
export interface ExpressionCompiler {
  /** Expression text → attributeMappingSource. Throws with a message naming the problem. */
  toSource(text: string, extensionUrn: string | undefined): AttributeMappingSource;
  /** `enterprise:department`, `ext:HireDate`, `title` → Graph's canonical attribute name. */
  canonicalName(name: string, extensionUrn: string | undefined): string;
}

export interface CompileOptions {
  /**
   * Spec operator → Graph operatorName. Filled at deploy time from
   * `GET .../schema/filterOperators` (see `resolveOperatorNames`); only an offline plan passes the
   * best-guess table.
   */
  operatorNames: OperatorNames;
  /** Defaults to lib/expressions (`parseExpression` + `compileToGraph`, `canonicalAttributeName`). */
  compiler?: ExpressionCompiler;
  /**
   * Name of the API source directory, when a schema has several candidate rules. By default it is
   * the `sourceDirectoryName` of the one rule whose source is not a target directory.
   */
  sourceDirectoryName?: string;
}

type SchemaPart = Pick<SynchronizationSchema, "directories" | "synchronizationRules"> &
  Partial<Pick<SynchronizationSchema, "id" | "version">>;

/** The spec section of one app, as far as the schema is concerned. */
export type SchemaSpec = Pick<
  ProvisioningApp,
  "actions" | "matching" | "mappings" | "scope" | "scimExtension"
>;

/**
 * The lib/expressions compiler, loaded on first use so that this module stays importable (and
 * testable with an injected compiler) on its own.
 */
export function defaultExpressionCompiler(): ExpressionCompiler {
  const expressions = require("../expressions/graph") as typeof import("../expressions/graph");
  const attributes =
    require("../expressions/attributes") as typeof import("../expressions/attributes");
  return {
    toSource: (text, extensionUrn) => expressions.compileExpressionText(text, extensionUrn),
    canonicalName: (name, extensionUrn) => attributes.canonicalAttributeName(name, extensionUrn),
  };
}

/** Finds the rule whose source is the API directory: `synchronizationRules[].sourceDirectoryName`. */
export function apiSourceRule(
  schema: SchemaPart,
  sourceDirectoryName?: string,
): SynchronizationRule {
  const rules = schema.synchronizationRules ?? [];
  const describe = () =>
    rules.map((r) => `${r.id ?? r.name}: ${r.sourceDirectoryName} → ${r.targetDirectoryName}`);
  if (sourceDirectoryName) {
    const named = rules.find((r) => r.sourceDirectoryName === sourceDirectoryName);
    if (!named) {
      throw new Error(
        `no synchronization rule has source directory "${sourceDirectoryName}"; the schema has: ${describe().join("; ") || "no rules"}`,
      );
    }
    return named;
  }
  const candidates = rules.filter(
    (r) => r.sourceDirectoryName && !TARGET_DIRECTORY_NAMES.includes(r.sourceDirectoryName),
  );
  if (candidates.length !== 1) {
    throw new Error(
      `cannot tell which synchronization rule reads from the API (${candidates.length} candidates); ` +
        `the schema has: ${describe().join("; ") || "no rules"}. Pass the API source directory name explicitly`,
    );
  }
  return candidates[0];
}

/**
 * The mapping targets the job's target directory does not have. The offline catalog
 * (lib/lineage/targets.ts) is documentation; the job's own schema, read at deploy time, is the
 * authority. A target directory that lists no attributes (as the stand-in of an offline plan)
 * checks nothing.
 */
export function unknownTargetAttributes(
  schema: SchemaPart,
  app: Pick<ProvisioningApp, "mappings">,
  sourceDirectoryName?: string,
): { target: string; known: string[] }[] {
  const rule = apiSourceRule(schema, sourceDirectoryName);
  const objectName = userMapping(rule).targetObjectName ?? "User";
  const directory = (schema.directories ?? []).find((d) => d.name === rule.targetDirectoryName);
  const object = directory?.objects?.find((o) => o.name === objectName);
  const known = (object?.attributes ?? []).map((a) => a.name ?? "").filter(Boolean);
  if (known.length === 0) return [];
  const lower = new Set(known.map((n) => n.toLowerCase()));
  return Object.keys(app.mappings)
    .filter((target) => !lower.has(target.toLowerCase()))
    .map((target) => ({ target, known }));
}

function userMapping(rule: SynchronizationRule): ObjectMapping {
  const mapping = (rule.objectMappings ?? []).find((m) => m.sourceObjectName === "User");
  if (!mapping) {
    throw new Error(
      `synchronization rule ${rule.id ?? rule.name} has no object mapping for source object User`,
    );
  }
  return mapping;
}

function defaultValueText(value: string | number | boolean | undefined): string | null {
  if (value === undefined) return null;
  // Entra's expression language writes booleans as "True"/"False".
  if (typeof value === "boolean") return value ? "True" : "False";
  return String(value);
}

/**
 * A map's entries ordered by key. A dynamic resource's inputs reach its provider through Pulumi's
 * protobuf structs, which do not keep key order, so anything compiled from a map is ordered by key:
 * the offline plan then shows the body a deployment really sends, and re-deploys send the same.
 */
function byKey<T>(map: Record<string, T>): [string, T][] {
  return Object.entries(map).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

/** The spec's mappings as Graph attributeMappings, ordered by target attribute. */
export function compileAttributeMappings(
  app: SchemaSpec,
  compiler: ExpressionCompiler,
): AttributeMapping[] {
  const urn = app.scimExtension?.urn;
  const priority = new Map<string, number>();
  app.matching.forEach((rule, index) => {
    if (!priority.has(rule.target)) priority.set(rule.target, index + 1);
  });
  for (const target of priority.keys()) {
    if (!(target in app.mappings)) {
      throw new Error(
        `matching.target "${target}" has no mapping; add \`mappings.${target}\` (the matching attribute must be mapped)`,
      );
    }
  }
  return byKey(app.mappings).map(([target, mapping]) => {
    const long = typeof mapping === "string" ? { expression: mapping } : mapping;
    let source: AttributeMappingSource | null = null;
    if (long.expression !== undefined) {
      try {
        source = compiler.toSource(long.expression, urn);
      } catch (error) {
        throw new Error(`mappings.${target}: ${(error as Error).message}`);
      }
    }
    const apply = "apply" in long ? long.apply : undefined;
    return {
      defaultValue: defaultValueText("default" in long ? long.default : undefined),
      exportMissingReferences: false,
      flowBehavior: "FlowWhenChanged",
      flowType: apply === "onCreate" ? "ObjectAddOnly" : "Always",
      matchingPriority: priority.get(target) ?? 0,
      source,
      targetAttributeName: target,
    } satisfies AttributeMapping;
  });
}

/** `actions: [create, update]` → `"Add, Update"`. */
export function compileFlowTypes(actions: readonly string[]): string {
  return ACTION_FLOW_TYPES.filter(([action]) => actions.includes(action))
    .map(([, flow]) => flow)
    .join(", ");
}

function operandValues(clause: ScopeClause): string[] {
  if (clause.value === undefined) return [];
  const values = Array.isArray(clause.value) ? clause.value : [clause.value];
  return values.map((v) => (typeof v === "boolean" ? (v ? "True" : "False") : String(v)));
}

/**
 * The spec's `scope` as the `groups` of a Graph filter (groups OR-ed, clauses AND-ed); null takes
 * everyone. Only `groups` is the spec's: `inputFilterGroups` and `categoryFilterGroups`
 * (experimental, per the filter resource page
 * https://learn.microsoft.com/en-us/graph/api/resources/synchronization-filter) stay as the
 * template has them.
 */
export function compileScope(
  app: SchemaSpec,
  operatorNames: OperatorNames,
  compiler: ExpressionCompiler,
): Filter | null {
  if (!app.scope) return null;
  const urn = app.scimExtension?.urn;
  return {
    groups: app.scope.anyOf.map((group, g) => ({
      name: group.name ?? `Scope ${g + 1}`,
      clauses: group.allOf.map((clause, c) => {
        const operatorName = operatorNames[clause.operator as ScopeOperator];
        if (!operatorName) {
          throw new Error(
            `scope.anyOf[${g}].allOf[${c}]: no Graph operator name is known for "${clause.operator}"; ` +
              "the operator table must come from GET .../schema/filterOperators",
          );
        }
        return {
          operatorName,
          sourceOperandName: compiler.canonicalName(clause.attribute, urn),
          targetOperand: { values: operandValues(clause) },
        };
      }),
    })),
  };
}

/**
 * `current` scope with its `groups` replaced by the spec's, everything else the template (or the
 * portal) put there kept. Null when neither has anything.
 */
export function mergeScope(
  current: Filter | null | undefined,
  groups: Filter | null,
): Filter | null {
  const rest: Filter = { ...(current ?? {}) };
  delete rest.groups;
  const kept = Object.values(rest).some((v) =>
    Array.isArray(v) ? v.length > 0 : v !== null && v !== undefined,
  );
  if (!groups) return kept ? { ...rest, groups: [] } : null;
  return { ...rest, groups: groups.groups };
}

/**
 * The custom SCIM extension attributes as attributeDefinitions, with the field set Microsoft's
 * CSV2SCIM `UpdateScimSchema` mode writes
 * (https://github.com/AzureAD/entra-id-inbound-provisioning/blob/main/PowerShell/CSV2SCIM/src/CSV2SCIM.ps1).
 */
export function customAttributeDefinitions(app: SchemaSpec): AttributeDefinition[] {
  if (!app.scimExtension) return [];
  const { urn, attributes } = app.scimExtension;
  return byKey(attributes).map(
    ([name, type]) =>
      ({
        anchor: false,
        apiExpressions: [],
        caseExact: false,
        flowNullValues: false,
        metadata: [],
        multivalued: false,
        mutability: "ReadWrite",
        name: `${urn}:${name}`,
        referencedObjects: [],
        required: false,
        type: ATTRIBUTE_TYPE_NAMES[type],
      }) as AttributeDefinition,
  );
}

const isCustomAttribute = (name: string | null | undefined) =>
  !!name && name.startsWith(EXTENSION_PREFIX) && !name.startsWith(ENTERPRISE_URN + ":");

/**
 * The full schema to PUT: `current` with the API source's User mapping and custom attributes
 * replaced by the spec's. `current` is not modified.
 */
export function compileSchema<T extends SchemaPart>(
  current: T,
  app: SchemaSpec,
  options: CompileOptions,
): T {
  const compiler = options.compiler ?? defaultExpressionCompiler();
  const schema = structuredClone(current);
  const rule = apiSourceRule(schema, options.sourceDirectoryName);
  const mapping = userMapping(rule);
  mapping.attributeMappings = compileAttributeMappings(app, compiler);
  // objectFlowTypes is a flags enum: Graph writes combinations comma-separated.
  mapping.flowTypes = compileFlowTypes(app.actions) as ObjectMapping["flowTypes"];
  mapping.scope = mergeScope(mapping.scope, compileScope(app, options.operatorNames, compiler));

  const directory = (schema.directories ?? []).find((d) => d.name === rule.sourceDirectoryName);
  if (!directory) {
    throw new Error(
      `the schema has no directory "${rule.sourceDirectoryName}" (the source of rule ${rule.id ?? rule.name})`,
    );
  }
  const user = (directory.objects ?? []).find((o) => o.name === mapping.sourceObjectName);
  if (!user) {
    throw new Error(
      `directory "${directory.name}" has no object "${mapping.sourceObjectName}" to add API attributes to`,
    );
  }
  // Replace rather than append: attributes removed from the spec disappear, re-deploys are stable.
  user.attributes = [
    ...(user.attributes ?? []).filter((a) => !isCustomAttribute(a.name)),
    ...customAttributeDefinitions(app),
  ];
  return schema;
}

// ---------------------------------------------------------------------------------------------
// normalisation and diff

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

// Values the service sets or bumps on every write, which say nothing about the configuration.
const VOLATILE_KEYS = new Set(["id", "version", "discoveryDateTime"]);

// Collections whose order carries no meaning, and the key that identifies their items.
const ORDER_FREE: Record<string, string> = {
  directories: "name",
  objects: "name",
  attributes: "name",
  synchronizationRules: "id",
  objectMappings: "name",
  attributeMappings: "targetAttributeName",
  metadata: "key",
  groups: "name",
};

const stableKey = (value: Json) => JSON.stringify(value);

function normalizeValue(value: unknown, key: string | undefined): Json | undefined {
  if (value === null || value === undefined) return undefined;
  if (Array.isArray(value)) {
    const items = value
      .map((item) => normalizeValue(item, undefined))
      .filter((item): item is Json => item !== undefined);
    if (items.length === 0) return undefined;
    const by = key ? ORDER_FREE[key] : undefined;
    if (by || key === "clauses") {
      const sortKey = (item: Json) =>
        by && item && typeof item === "object" && !Array.isArray(item)
          ? String(item[by] ?? "") + "\u0000" + stableKey(item)
          : stableKey(item);
      items.sort((a, b) => (sortKey(a) < sortKey(b) ? -1 : sortKey(a) > sortKey(b) ? 1 : 0));
    }
    return items;
  }
  if (typeof value === "object") {
    const out: Record<string, Json> = {};
    for (const k of Object.keys(value as object).sort()) {
      if (k.startsWith("@odata.")) continue;
      // Schema and directory ids/versions are server-assigned (rule ids are protected below).
      if (VOLATILE_KEYS.has(k)) continue;
      const v = normalizeValue((value as Record<string, unknown>)[k], k);
      if (v !== undefined) out[k] = v;
    }
    return out;
  }
  return value as Json;
}

/**
 * A schema in a canonical form for comparison: no server-bumped ids and versions, no OData
 * annotations, nulls and empty lists dropped (Graph returns either), and collections whose order
 * means nothing sorted. Rule ids are kept: they identify the rule to the engine.
 */
export function normalizeSchema(schema: SchemaPart): SchemaPart {
  const normalized = (normalizeValue(
    {
      ...schema,
      synchronizationRules: (schema.synchronizationRules ?? []).map((r) => ({
        ...r,
        // Protect the rule id from the volatile-key filter by moving it under a stable name.
        ruleId: r.id,
        id: undefined,
      })),
    },
    undefined,
  ) ?? {}) as Record<string, Json>;
  const rules = (normalized.synchronizationRules ?? []) as Record<string, Json>[];
  normalized.synchronizationRules = rules
    .map(({ ruleId, ...rest }) => (ruleId === undefined ? rest : { id: ruleId, ...rest }))
    .sort((a, b) =>
      stableKey(a.id ?? a.name ?? null).localeCompare(stableKey(b.id ?? b.name ?? null)),
    );
  return {
    directories: (normalized.directories ?? []) as SchemaPart["directories"],
    synchronizationRules: normalized.synchronizationRules as SchemaPart["synchronizationRules"],
  };
}

export interface SchemaChange {
  /** `mappings.<target>`, `scope`, `flowTypes`, `attributes.<name>`, `rules.<id>`, `directories.<name>`. */
  mapping: string;
  change: "added" | "removed" | "changed";
}

function keyed<T>(items: T[] | null | undefined, key: (item: T) => string): Map<string, string> {
  return new Map((items ?? []).map((item) => [key(item), stableKey(item as Json)]));
}

function compareMaps(
  before: Map<string, string>,
  after: Map<string, string>,
  label: (key: string) => string,
  into: SchemaChange[],
) {
  for (const [key, value] of before) {
    if (!after.has(key)) into.push({ mapping: label(key), change: "removed" });
    else if (after.get(key) !== value) into.push({ mapping: label(key), change: "changed" });
  }
  for (const key of after.keys()) {
    if (!before.has(key)) into.push({ mapping: label(key), change: "added" });
  }
}

function userRuleOf(schema: SchemaPart): { rule?: SynchronizationRule; mapping?: ObjectMapping } {
  try {
    const rule = apiSourceRule(schema);
    return {
      rule,
      mapping: (rule.objectMappings ?? []).find((m) => m.sourceObjectName === "User"),
    };
  } catch {
    return {};
  }
}

/**
 * What differs between two schemas, per spec-level item: each attribute mapping of the API
 * source's User mapping, its scope and flow types, each API attribute; anything else by rule or
 * directory. Empty when the schemas are equivalent.
 */
export function diffSchemas(a: SchemaPart, b: SchemaPart): SchemaChange[] {
  const na = normalizeSchema(a);
  const nb = normalizeSchema(b);
  const changes: SchemaChange[] = [];
  const ua = userRuleOf(na);
  const ub = userRuleOf(nb);
  const apiDirectory = ua.rule?.sourceDirectoryName ?? ub.rule?.sourceDirectoryName;
  const compareUserMapping =
    ua.rule && ub.rule && ua.rule.id === ub.rule.id && ua.mapping && ub.mapping;

  if (compareUserMapping) {
    compareMaps(
      keyed(ua.mapping!.attributeMappings, (m) => m.targetAttributeName ?? ""),
      keyed(ub.mapping!.attributeMappings, (m) => m.targetAttributeName ?? ""),
      (k) => `mappings.${k}`,
      changes,
    );
    for (const field of ["scope", "flowTypes"] as const) {
      const before = ua.mapping![field];
      const after = ub.mapping![field];
      if (stableKey((before ?? null) as Json) !== stableKey((after ?? null) as Json)) {
        changes.push({
          mapping: field,
          change: before == null ? "added" : after == null ? "removed" : "changed",
        });
      }
    }
    const strip = (m: ObjectMapping) => ({
      ...m,
      attributeMappings: undefined,
      scope: undefined,
      flowTypes: undefined,
    });
    if (
      stableKey(strip(ua.mapping!) as unknown as Json) !==
      stableKey(strip(ub.mapping!) as unknown as Json)
    ) {
      changes.push({ mapping: `objectMappings.${ua.mapping!.name}`, change: "changed" });
    }
  }

  // Rules: the API rule's User mapping was compared above; the rest as whole items.
  const ruleView = (schema: SchemaPart, user: ObjectMapping | undefined) =>
    keyed(
      (schema.synchronizationRules ?? []).map((r) =>
        compareUserMapping
          ? {
              ...r,
              objectMappings: (r.objectMappings ?? []).filter((m) => m !== user),
            }
          : r,
      ),
      (r) => r.id ?? r.name ?? "",
    );
  compareMaps(ruleView(na, ua.mapping), ruleView(nb, ub.mapping), (k) => `rules.${k}`, changes);

  // Directories: the API source's User attributes one by one, the rest as whole items.
  const attributesOf = (schema: SchemaPart) =>
    (schema.directories ?? [])
      .find((d) => d.name === apiDirectory)
      ?.objects?.find((o) => o.name === "User")?.attributes;
  if (apiDirectory) {
    compareMaps(
      keyed(attributesOf(na), (x) => x.name ?? ""),
      keyed(attributesOf(nb), (x) => x.name ?? ""),
      (k) => `attributes.${k}`,
      changes,
    );
  }
  const directoryView = (schema: SchemaPart) =>
    keyed(
      (schema.directories ?? []).map((d) =>
        d.name === apiDirectory
          ? {
              ...d,
              objects: (d.objects ?? []).map((o) =>
                o.name === "User" ? { ...o, attributes: undefined } : o,
              ),
            }
          : d,
      ),
      (d) => d.name ?? "",
    );
  compareMaps(directoryView(na), directoryView(nb), (k) => `directories.${k}`, changes);
  return changes;
}
