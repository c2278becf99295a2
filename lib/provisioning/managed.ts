/**
 * The part of a synchronization schema the spec owns ("managed"): the API source's User object
 * mapping's attribute mappings, target object actions (flowTypes) and scope groups, and the custom SCIM
 * extension attributes of the API source directory. The dynamic resource stores it and reads it
 * back from the live schema, so drift shows per mapping. Built on lib/provisioning/schema.
 */
import type {
  AttributeDefinition,
  AttributeMapping,
  Filter,
  SynchronizationSchema,
} from "@microsoft/microsoft-graph-types";
import { sameOperator, type OperatorNames, type ScopeOperator } from "./operators";
import { sourceExpressionKey } from "../expressions/graph";
import {
  apiSourceRule,
  compileAttributeMappings,
  compileFlowTypes,
  compileScope,
  customAttributeDefinitions,
  defaultExpressionCompiler,
  type ExpressionCompiler,
  type SchemaChange,
  type SchemaSpec,
} from "./schema";

export interface ManagedSchema {
  /** objectMapping.flowTypes, e.g. "Add, Update". */
  flowTypes: string;
  /**
   * objectMapping.scope, its `groups` only (the rest is the template's); null takes every record.
   */
  scope: Filter | null;
  attributeMappings: AttributeMapping[];
  /** Custom SCIM extension attributes of the API source directory's User object. */
  customAttributes: AttributeDefinition[];
}

const ENTERPRISE_URN = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
const isCustomAttribute = (name: string | null | undefined) =>
  !!name &&
  name.startsWith("urn:ietf:params:scim:schemas:extension:") &&
  !name.startsWith(ENTERPRISE_URN + ":");

/** The spec operators an app's scope uses (only these need an Entra name). */
export function operatorsUsed(app: Pick<SchemaSpec, "scope">): ScopeOperator[] {
  const used = new Set<ScopeOperator>();
  for (const group of app.scope?.anyOf ?? []) for (const c of group.allOf) used.add(c.operator);
  return [...used];
}

/** The schema-deciding fields of an app as plain JSON (a dynamic resource's input). */
export function schemaSpecOf(app: SchemaSpec): SchemaSpec {
  const spec: SchemaSpec = { actions: app.actions, matching: app.matching, mappings: app.mappings };
  if (app.scope) spec.scope = app.scope;
  if (app.scimExtension) spec.scimExtension = app.scimExtension;
  return spec;
}

/** The managed part the spec asks for. Errors name the app's input (`provisioning.<key>...`). */
export function compileManaged(
  app: SchemaSpec,
  operatorNames: OperatorNames,
  appKey = "app",
  compiler: ExpressionCompiler = defaultExpressionCompiler(),
): ManagedSchema {
  try {
    return {
      flowTypes: compileFlowTypes(app.actions),
      scope: compileScope(app, operatorNames, compiler),
      attributeMappings: compileAttributeMappings(app, compiler),
      customAttributes: customAttributeDefinitions(app),
    };
  } catch (error) {
    throw new Error(`provisioning.${appKey}.${(error as Error).message}`);
  }
}

/** The managed part of a live schema. */
export function extractManaged(schema: SynchronizationSchema): ManagedSchema {
  const rule = apiSourceRule(schema);
  const mapping = (rule.objectMappings ?? []).find((m) => m.sourceObjectName === "User");
  const user = (schema.directories ?? [])
    .find((d) => d.name === rule.sourceDirectoryName)
    ?.objects?.find((o) => o.name === "User");
  return {
    flowTypes: String(mapping?.flowTypes ?? ""),
    scope: mapping?.scope?.groups?.length ? { groups: mapping.scope.groups } : null,
    attributeMappings: mapping?.attributeMappings ?? [],
    customAttributes: (user?.attributes ?? []).filter((a) => isCustomAttribute(a.name)),
  };
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** Sorted keys; nulls, empty lists and OData annotations dropped (Graph echoes them variably). */
function canonical(value: unknown): Json | undefined {
  if (value === null || value === undefined) return undefined;
  if (Array.isArray(value)) {
    const items = value.map(canonical).filter((v) => v !== undefined) as Json[];
    return items.length === 0 ? undefined : items;
  }
  if (typeof value === "object") {
    const out: { [key: string]: Json } = {};
    for (const key of Object.keys(value).sort()) {
      if (key.startsWith("@odata.")) continue;
      const v = canonical((value as Record<string, unknown>)[key]);
      if (v !== undefined) out[key] = v;
    }
    return out;
  }
  return value as Json;
}

const byText =
  <T>(key: (item: T) => string) =>
  (a: T, b: T) =>
    key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0;

type Source = NonNullable<AttributeMapping["source"]>;
const normalizeSource = (s: Source): unknown => ({
  ...s,
  type: s.type ?? "Attribute",
  parameters: (s.parameters ?? []).map((p) => ({
    key: p.key,
    value: p.value ? normalizeSource(p.value) : null,
  })),
});

type Clause = NonNullable<NonNullable<Filter["groups"]>[number]["clauses"]>[number];

/**
 * A one-sided clause (`IS TRUE`, `IS NULL`) is sent with `targetOperand: {values: []}`, and Graph
 * may store it as `targetOperand: null`: the same clause, so an operand without values is none.
 */
function oneSidedClause(clause: Clause): Clause {
  if (clause.targetOperand?.values?.length) return clause;
  const rest = { ...clause };
  delete rest.targetOperand;
  return rest;
}

function normalizeFilter(filter: Filter | null | undefined): Filter | null {
  const groups = (list: Filter["groups"]) =>
    (list ?? [])
      .map((g) => ({
        name: g.name,
        clauses: (g.clauses ?? [])
          .map((c) => canonical(oneSidedClause(c)) as Json)
          .sort(byText(JSON.stringify)),
      }))
      .sort(byText(JSON.stringify));
  // Only `groups` is the spec's; input and category filter groups are the template's.
  const out = canonical({ groups: groups(filter?.groups) }) as Filter | undefined;
  // No groups at all is the same as no scope.
  return out && Object.keys(out).length > 0 ? out : null;
}

/** Comparable form: order and documented server-side defaults don't matter. */
export function normalizeManaged(managed: ManagedSchema): ManagedSchema {
  return {
    flowTypes: managed.flowTypes
      .split(",")
      .map((t) => t.trim())
      .filter(Boolean)
      .sort()
      .join(", "),
    scope: normalizeFilter(managed.scope),
    attributeMappings: managed.attributeMappings
      .map(
        (m) =>
          canonical({
            ...m,
            flowBehavior: m.flowBehavior ?? "FlowWhenChanged",
            flowType: m.flowType ?? "Always",
            matchingPriority: m.matchingPriority ?? 0,
            exportMissingReferences: m.exportMissingReferences ?? false,
            source: m.source ? normalizeSource(m.source) : null,
          }) as AttributeMapping,
      )
      .sort(byText((m) => m.targetAttributeName ?? "")),
    customAttributes: managed.customAttributes
      .map(
        (a) =>
          canonical({
            ...a,
            type: a.type ?? "String",
            mutability: a.mutability ?? "ReadWrite",
            anchor: a.anchor ?? false,
            caseExact: a.caseExact ?? false,
            flowNullValues: a.flowNullValues ?? false,
            multivalued: a.multivalued ?? false,
            required: a.required ?? false,
          }) as AttributeDefinition,
      )
      .sort(byText((a) => a.name ?? "")),
  };
}

/**
 * A managed part in the form that is compared, keyed as `diffManaged` names changes: mappings by
 * target attribute, custom attributes by name. A source is its expression text: Graph keys a
 * parsed tree's parameters its own way (`Find`, `Replacement`, ...), which is no change to the
 * mapping. `inbound drift` reports the differences between two of these.
 */
export interface ComparableManaged {
  flowTypes: string;
  scope: unknown;
  mappings: Record<string, unknown>;
  attributes: Record<string, unknown>;
}

export function comparableManaged(managed: ManagedSchema): ComparableManaged {
  const n = normalizeManaged(managed);
  return {
    flowTypes: n.flowTypes,
    scope: scopeView(n.scope),
    mappings: Object.fromEntries(
      n.attributeMappings.map((m) => [
        m.targetAttributeName ?? "",
        { ...m, source: sourceExpressionKey(m.source) },
      ]),
    ),
    attributes: Object.fromEntries(n.customAttributes.map((x) => [x.name ?? "", x])),
  };
}

/** Enum-valued properties: Graph may echo `always` for the `Always` it was sent. */
const ENUM_KEYS = new Set(["flowBehavior", "flowType", "type", "mutability", "flowTypes"]);

/** Whether two comparable values are the same, enum values compared without case. */
export function sameComparable(a: unknown, b: unknown): boolean {
  const folded = (value: unknown) =>
    JSON.stringify(value ?? null, (key, v: unknown) =>
      ENUM_KEYS.has(key) && typeof v === "string" ? v.toLowerCase() : v,
    );
  return folded(a) === folded(b);
}

/**
 * Per-item differences from `a` to `b`, named as lib/provisioning/schema's diffSchemas names
 * them: `mappings.<target>`, `scope`, `flowTypes`, `attributes.<name>`.
 */
export function diffManaged(a: ManagedSchema, b: ManagedSchema): SchemaChange[] {
  const ca = comparableManaged(a);
  const cb = comparableManaged(b);
  const changes: SchemaChange[] = [];
  const compare = (
    left: Record<string, unknown>,
    right: Record<string, unknown>,
    label: string,
  ) => {
    for (const key of Object.keys(left)) {
      if (!(key in right)) changes.push({ mapping: label + key, change: "removed" });
      else if (!sameComparable(left[key], right[key])) {
        changes.push({ mapping: label + key, change: "changed" });
      }
    }
    for (const key of Object.keys(right)) {
      if (!(key in left)) changes.push({ mapping: label + key, change: "added" });
    }
  };
  compare(ca.mappings, cb.mappings, "mappings.");
  if (!sameComparable(ca.scope, cb.scope)) {
    changes.push({
      mapping: "scope",
      change: ca.scope === null ? "added" : cb.scope === null ? "removed" : "changed",
    });
  }
  if (!sameComparable({ flowTypes: ca.flowTypes }, { flowTypes: cb.flowTypes })) {
    changes.push({ mapping: "flowTypes", change: "changed" });
  }
  compare(ca.attributes, cb.attributes, "attributes.");
  return changes;
}

/**
 * A normalised scope as compared: an operator is the same whichever spelling the job's
 * filterOperators gave it (`IS TRUE`, `IS_TRUE`, `IsTrue`; lib/provisioning/operators).
 */
function scopeView(scope: Filter | null): unknown {
  if (!scope) return null;
  return {
    ...scope,
    groups: (scope.groups ?? []).map((g) => ({
      ...g,
      clauses: (g.clauses ?? [])
        .map((c) => ({ ...c, operatorName: sameOperator(c.operatorName ?? "") }))
        .sort(byText(JSON.stringify)),
    })),
  };
}
