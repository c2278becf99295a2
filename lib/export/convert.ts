/**
 * Graph → tenant spec: the pure half of `inbound export`. Takes what lib/export/read.ts read and
 * returns the spec as plain data plus notes: comments placed at a spec path, each either plain
 * information (a group's display name) or a gap (something Graph holds that the spec has no form
 * for, or that could not be read), which the command also lists at the end of its run.
 *
 * Every conversion is the inverse of the compiler the deployment uses: lib/provisioning/schema
 * (mappings, scope, actions, custom attributes), lib/provisioning/secrets (notification, threshold,
 * AD domain and OU) and lib/lifecycle/compile (workflows, extensions, settings).
 */
import type {
  AttributeDefinition,
  AttributeMapping,
  ObjectMapping,
  SynchronizationSchema,
} from "@microsoft/microsoft-graph-types";
import { expressionFromGraph, shortAttributeName } from "../expressions/graph";
import { ATTRIBUTE_TYPE_NAMES, apiSourceRule } from "../provisioning/schema";
import { BEST_GUESS_AD_SECRET_KEYS, isMaskedSecret, SECRET_KEYS } from "../provisioning/secrets";
import { EXPECTED_TEMPLATE } from "../provisioning/graphApi";
import { SCOPE_OPERATORS, UNARY_SCOPE_OPERATORS, type TenantSpec } from "../model/schema";
import { unwrittenWorkflowInputs } from "../lineage/checks";
import {
  COUNT_CONDITION,
  DEFAULT_SETTINGS,
  normaliseQuarantineConfiguration,
  PERCENTAGE_CONDITION,
} from "../lifecycle/compile";
import { sameTaskName, taskById, TASKS, type TaskDefinition } from "../lifecycle/tasks";
import { RESERVED_NAMES } from "../loader/parse";
import { literalStrings } from "../loader/variables";
import type { Json, LiveApp, LiveTenant, LiveWorkflow, ReadFailure } from "./read";

export type SpecPath = (string | number)[];

export interface ExportNote {
  /** Where the comment goes: the key at this path (or its nearest existing parent). */
  path: SpecPath;
  text: string;
  /** A gap: kept as a comment only, and listed in the run's summary. */
  gap: boolean;
}

/** Pulumi resource ids of what was found, by what they are (see docs/adopting.md). */
export interface FoundIds {
  apps: Record<
    string,
    {
      servicePrincipalId: string;
      jobId: string;
      applicationTemplateId?: string;
      applicationObjectId?: string;
    }
  >;
  workflows: Record<string, string>;
  /** Whether the Lifecycle Workflows settings were exported. */
  settings?: boolean;
}

export interface ExportResult {
  spec: Json;
  notes: ExportNote[];
  ids: FoundIds;
}

export interface ConvertOptions {
  graphBaseUrl: string;
  /** Azure region of the spec's Azure resources (`azure.location`), which Graph does not hold. */
  location?: string;
}

export const DEFAULT_GRAPH_URL = "https://graph.microsoft.com";

/**
 * A spec key from a display name: lowercase letters, digits and `-`, starting with a letter, and
 * not a name the loader reserves (a workflow named "Constructor" becomes `constructor-2`).
 */
export function keyFor(displayName: string, taken: ReadonlySet<string>, fallback: string): string {
  let key = displayName
    .toLowerCase()
    .normalize("NFKD")
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^[^a-z]+/, "")
    .replace(/-+$/, "");
  if (!key) key = fallback;
  let unique = key;
  for (let n = 2; taken.has(unique) || RESERVED_NAMES.has(unique); n++) unique = `${key}-${n}`;
  return unique;
}

const describeFailure = (f: ReadFailure) =>
  `${f.what} could not be read (${f.request}: ${f.status ? `${f.status} ` : ""}${f.message})`;

// ---------------------------------------------------------------------------------------------
// provisioning

const FLOW_ACTIONS: Record<string, string> = { add: "create", update: "update", delete: "delete" };
const letters = (name: string) => name.toLowerCase().replace(/[^a-z]/g, "");
const SPEC_OPERATORS = new Map(SCOPE_OPERATORS.map((op) => [letters(op), op]));
const TYPE_NAMES = new Map(Object.entries(ATTRIBUTE_TYPE_NAMES).map(([k, v]) => [v, k]));
const ENTERPRISE_URN = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";

/** What customAttributeDefinitions writes besides name and type: anything else has no spec form. */
const CUSTOM_ATTRIBUTE_DEFAULTS: Record<string, unknown> = {
  anchor: false,
  caseExact: false,
  flowNullValues: false,
  multivalued: false,
  mutability: "ReadWrite",
  required: false,
};

function userMappingOf(schema: SynchronizationSchema) {
  const rule = apiSourceRule(schema);
  const mapping = (rule.objectMappings ?? []).find((m) => m.sourceObjectName === "User");
  const user = (schema.directories ?? [])
    .find((d) => d.name === rule.sourceDirectoryName)
    ?.objects?.find((o) => o.name === "User");
  return { mapping, user };
}

function customAttributes(
  attributes: AttributeDefinition[],
  at: SpecPath,
  notes: ExportNote[],
): Json | undefined {
  const custom = attributes.filter(
    (a) =>
      a.name?.startsWith("urn:ietf:params:scim:schemas:extension:") &&
      !a.name.startsWith(ENTERPRISE_URN + ":"),
  );
  if (custom.length === 0) return undefined;
  const urnOf = (name: string) => name.slice(0, name.lastIndexOf(":"));
  const urns = [...new Set(custom.map((a) => urnOf(a.name!)))];
  const urn = urns[0];
  if (urns.length > 1) {
    notes.push({
      path: [...at, "scimExtension"],
      text: `gap: custom attributes under ${urns.length} extension URNs; the spec has one, so only ${urn} is exported. Not exported: ${custom
        .filter((a) => urnOf(a.name!) !== urn)
        .map((a) => a.name)
        .join(", ")}`,
      gap: true,
    });
  }
  const types: Json = {};
  for (const attribute of custom.filter((a) => urnOf(a.name!) === urn)) {
    const name = attribute.name!.slice(urn.length + 1);
    const type = TYPE_NAMES.get(attribute.type ?? "String");
    if (!type) {
      notes.push({
        path: [...at, "scimExtension", "attributes"],
        text: `gap: ${name} has type ${String(attribute.type)}, which the spec has no name for; not exported`,
        gap: true,
      });
      continue;
    }
    types[name] = type;
    const odd = Object.entries(CUSTOM_ATTRIBUTE_DEFAULTS).filter(
      ([key, value]) =>
        (attribute as Record<string, unknown>)[key] !== undefined &&
        (attribute as Record<string, unknown>)[key] !== null &&
        (attribute as Record<string, unknown>)[key] !== value,
    );
    if (odd.length > 0) {
      notes.push({
        path: [...at, "scimExtension", "attributes", name],
        text: `gap: ${odd.map(([k]) => `${k}: ${JSON.stringify((attribute as Record<string, unknown>)[k])}`).join(", ")} has no spec form; a deployment writes ${odd.map(([k, v]) => `${k}: ${JSON.stringify(v)}`).join(", ")}`,
        gap: true,
      });
    }
  }
  return { urn, attributes: types };
}

function exportMapping(
  m: AttributeMapping,
  urn: string | undefined,
  at: SpecPath,
  notes: ExportNote[],
): unknown {
  const target = m.targetAttributeName ?? "";
  const where = [...at, "mappings", target];
  let expression: string | undefined;
  if (m.source) {
    try {
      expression = expressionFromGraph(m.source, urn);
    } catch (error) {
      notes.push({
        path: [...at, "mappings"],
        text: `gap: ${target}: the source ${JSON.stringify(m.source.expression ?? m.source.name)} is no expression the spec's language reads (${(error as Error).message}); not exported`,
        gap: true,
      });
      return undefined;
    }
  }
  const hasDefault = m.defaultValue !== null && m.defaultValue !== undefined;
  if (expression === undefined && !hasDefault) {
    notes.push({
      path: [...at, "mappings"],
      text: `gap: ${target} is mapped from nothing with no default value; not exported`,
      gap: true,
    });
    return undefined;
  }
  const flowType = String(m.flowType ?? "Always");
  let apply: string | undefined;
  if (flowType === "ObjectAddOnly") apply = "onCreate";
  else if (flowType !== "Always") {
    notes.push({
      path: where,
      text: `gap: apply ${flowType} has no spec form; exported as always`,
      gap: true,
    });
  }
  if (m.flowBehavior && m.flowBehavior !== "FlowWhenChanged") {
    notes.push({
      path: where,
      text: `gap: flowBehavior ${m.flowBehavior} has no spec form; a deployment writes FlowWhenChanged`,
      gap: true,
    });
  }
  if (m.exportMissingReferences) {
    notes.push({
      path: where,
      text: "gap: exportMissingReferences true has no spec form; a deployment writes false",
      gap: true,
    });
  }
  if (!hasDefault && !apply && expression !== undefined) return expression;
  return {
    ...(expression !== undefined ? { expression } : {}),
    ...(hasDefault ? { default: m.defaultValue } : {}),
    ...(apply ? { apply } : {}),
  };
}

function exportScope(
  mapping: ObjectMapping,
  urn: string | undefined,
  at: SpecPath,
  notes: ExportNote[],
): Json | undefined {
  const groups = mapping.scope?.groups ?? [];
  if (groups.length === 0) return undefined;
  const anyOf: Json[] = [];
  groups.forEach((group, g) => {
    const allOf: Json[] = [];
    for (const clause of group.clauses ?? []) {
      const operator = SPEC_OPERATORS.get(letters(clause.operatorName ?? ""));
      const attribute = shortAttributeName(clause.sourceOperandName ?? "", urn);
      if (!operator) {
        notes.push({
          path: [...at, "scope"],
          text: `gap: the clause ${attribute} ${clause.operatorName} ${JSON.stringify(clause.targetOperand?.values ?? [])} uses an operator the spec has no name for; not exported`,
          gap: true,
        });
        continue;
      }
      const values = (clause.targetOperand?.values ?? []).map(String);
      const item: Json = { attribute, operator };
      if (!UNARY_SCOPE_OPERATORS.includes(operator) && values.length > 0) {
        item.value = values.length === 1 ? values[0] : values;
      }
      allOf.push(item);
    }
    if (allOf.length === 0) return;
    // compileScope names an unnamed group `Scope <n>`: that name is not written back.
    const named = group.name && group.name !== `Scope ${g + 1}` ? { name: group.name } : {};
    anyOf.push({ ...named, allOf });
  });
  return anyOf.length > 0 ? { anyOf } : undefined;
}

function exportSecrets(
  app: LiveApp,
  target: string,
  spec: Json,
  at: SpecPath,
  notes: ExportNote[],
): void {
  const secrets = app.secrets ?? [];
  const byKey = new Map(secrets.map((s) => [s.key, s.value]));
  const owned = new Set<string>(Object.values(SECRET_KEYS));
  const notification = byKey.get(SECRET_KEYS.notification);
  if (notification === undefined) {
    notes.push({
      path: at,
      text: `gap: notificationEmail and deletionThreshold: the app has no ${SECRET_KEYS.notification} secret; set them`,
      gap: true,
    });
  } else if (isMaskedSecret(notification)) {
    notes.push({
      path: at,
      text: `gap: notificationEmail and deletionThreshold: Graph returned ${SECRET_KEYS.notification} masked; set them`,
      gap: true,
    });
  } else {
    try {
      const settings = JSON.parse(notification) as Json;
      if (typeof settings.Recipients === "string" && settings.Recipients) {
        spec.notificationEmail = settings.Recipients;
      } else {
        notes.push({ path: at, text: "gap: no notification recipient is set", gap: true });
      }
      if (settings.Enabled === false) {
        notes.push({
          path: [...at, "notificationEmail"],
          text: "gap: notifications are turned off in the tenant; a deployment turns them on",
          gap: true,
        });
      }
      const threshold = Number(settings.DeleteThresholdValue);
      if (
        settings.DeleteThresholdEnabled === false ||
        settings.DeleteThresholdEnabled === "False"
      ) {
        notes.push({
          path: at,
          text: "gap: the accidental-deletion threshold is off in the tenant; the spec always has one (default 500)",
          gap: true,
        });
      } else if (Number.isInteger(threshold) && threshold >= 1) {
        spec.deletionThreshold = threshold;
      }
    } catch {
      notes.push({
        path: at,
        text: `gap: ${SECRET_KEYS.notification} is not JSON (${JSON.stringify(notification)}); set notificationEmail and deletionThreshold`,
        gap: true,
      });
    }
  }
  const skip = byKey.get(SECRET_KEYS.skipOutOfScopeDeletions);
  if (skip !== undefined && /^true$/i.test(skip)) spec.skipOutOfScopeDeletions = true;

  if (target === "activeDirectory") {
    const keys = BEST_GUESS_AD_SECRET_KEYS;
    owned.add(keys.domainKey).add(keys.ouKey);
    const rawDomain = byKey.get(keys.domainKey);
    const ou = byKey.get(keys.ouKey);
    let domain = rawDomain;
    try {
      const parsed = rawDomain ? (JSON.parse(rawDomain) as Json) : undefined;
      if (parsed && typeof parsed.domain === "string") domain = parsed.domain;
    } catch {
      // The plain form: the bare domain name.
    }
    if (domain && ou && !isMaskedSecret(domain) && !isMaskedSecret(ou)) {
      spec.activeDirectory = { domain, defaultOu: ou };
    } else {
      notes.push({
        path: at,
        text: `gap: activeDirectory.domain and defaultOu: no readable ${keys.domainKey} / ${keys.ouKey} secret (the keys are undocumented; see inbound:activeDirectorySecretKeys); set them`,
        gap: true,
      });
    }
  }
  const others = secrets.filter((s) => !owned.has(s.key));
  if (others.length > 0) {
    notes.push({
      path: at,
      text: `not the spec's, kept by a deployment as they are: secrets ${others
        .map((s) => (isMaskedSecret(s.value) ? `${s.key} (masked)` : s.key))
        .join(", ")}`,
      gap: false,
    });
  }
}

/** One provisioning app of the spec from its live service principal, job, schema and secrets. */
export function exportProvisioningApp(app: LiveApp, at: SpecPath, notes: ExportNote[]): Json {
  const target =
    app.job.templateId === EXPECTED_TEMPLATE.activeDirectory ? "activeDirectory" : "entra";
  const spec: Json = { displayName: app.displayName, target };
  notes.push({
    path: at,
    text: `service principal ${app.servicePrincipalId}, job ${app.job.id} (${app.job.templateId})`,
    gap: false,
  });
  for (const failure of app.failures) {
    notes.push({ path: at, text: `gap: ${describeFailure(failure)}`, gap: true });
  }
  if (app.secrets) exportSecrets(app, target, spec, at, notes);

  if (app.schema) {
    let found: ReturnType<typeof userMappingOf>;
    try {
      found = userMappingOf(app.schema);
    } catch (error) {
      notes.push({
        path: at,
        text: `gap: the schema could not be exported: ${(error as Error).message}`,
        gap: true,
      });
      return spec;
    }
    const { mapping, user } = found;
    const extension = customAttributes(user?.attributes ?? [], at, notes);
    const urn = extension?.urn as string | undefined;
    if (mapping) {
      const flows = String(mapping.flowTypes ?? "")
        .split(",")
        .map((f) => f.trim().toLowerCase())
        .filter(Boolean);
      const actions = flows.map((f) => FLOW_ACTIONS[f]).filter(Boolean);
      const unknown = flows.filter((f) => !FLOW_ACTIONS[f]);
      if (unknown.length > 0) {
        notes.push({
          path: [...at, "actions"],
          text: `gap: target object action(s) ${unknown.join(", ")} have no spec form`,
          gap: true,
        });
      }
      if (actions.length > 0) spec.actions = actions;
      if (extension) spec.scimExtension = extension;
      const matching = (mapping.attributeMappings ?? [])
        .filter((m) => (m.matchingPriority ?? 0) > 0)
        .sort((a, b) => (a.matchingPriority ?? 0) - (b.matchingPriority ?? 0));
      const rules: Json[] = [];
      for (const m of matching) {
        if (m.source?.type === "Attribute" && m.source.name) {
          rules.push({
            source: shortAttributeName(m.source.name, urn),
            target: m.targetAttributeName,
          });
        } else {
          notes.push({
            path: [...at, "matching"],
            text: `gap: ${m.targetAttributeName} is a matching attribute whose source is not an attribute; the spec matches attribute to attribute`,
            gap: true,
          });
        }
      }
      if (rules.length > 0) spec.matching = rules;
      const scope = exportScope(mapping, urn, at, notes);
      if (scope) spec.scope = scope;
      const mappings: Json = {};
      const sorted = [...(mapping.attributeMappings ?? [])].sort((a, b) =>
        String(a.targetAttributeName).localeCompare(String(b.targetAttributeName)),
      );
      for (const m of sorted) {
        const value = exportMapping(m, urn, at, notes);
        if (value !== undefined) mappings[m.targetAttributeName ?? ""] = value;
      }
      spec.mappings = mappings;
    } else {
      notes.push({ path: at, text: "gap: the schema has no User object mapping", gap: true });
    }
  } else {
    spec.mappings = {};
  }
  notes.push({
    path: at,
    text: "uploader: the HR CSV's columns are not stored in Entra; add `uploader:` (docs/uploader.md)",
    gap: false,
  });
  return spec;
}

// ---------------------------------------------------------------------------------------------
// lifecycle

const NS = "#microsoft.graph.identityGovernance.";
const TIME_BASED = ["employeeHireDate", "employeeLeaveDateTime", "createdDateTime"];

interface LifecycleContext {
  live: LiveTenant;
  notes: ExportNote[];
  /** Custom task extension id (lower case) → what it is, for the comment beside its id. */
  extensions: Map<string, string>;
}

function groupComment(ids: string[], live: LiveTenant): string {
  return ids
    .map((id) =>
      live.groupNames[id] !== undefined
        ? `${id} is ${JSON.stringify(live.groupNames[id])}`
        : `${id}: display name not read`,
    )
    .join("; ");
}

/** The catalog entry of a live task: by id, else by the definition's display name in the tenant. */
function definitionOf(task: Json, live: LiveTenant): TaskDefinition | undefined {
  const id = String(task.taskDefinitionId ?? "");
  const known = taskById(id);
  if (known) return known;
  const definition = live.taskDefinitions?.find(
    (d) => String(d.id).toLowerCase() === id.toLowerCase(),
  );
  if (!definition) return undefined;
  return TASKS.find(
    (t) => !t.taskDefinitionId && sameTaskName(t.displayName, String(definition.displayName)),
  );
}

/** Task definition ids a workflow uses that the catalog does not know by id. */
export function unknownDefinitionIds(workflows: readonly LiveWorkflow[]): string[] {
  const ids = new Set<string>();
  for (const w of workflows) {
    for (const task of w.tasks ?? []) {
      const id = String(task.taskDefinitionId ?? "");
      if (!taskById(id)) ids.add(id);
    }
  }
  return [...ids];
}

/** Group and team ids tasks refer to (addUserToGroups, addUserToTeams, ...). */
export function referencedGroupIds(workflows: readonly LiveWorkflow[]): string[] {
  const ids = new Set<string>();
  for (const w of workflows) {
    for (const task of w.tasks ?? []) {
      for (const argument of (task.arguments ?? []) as Json[]) {
        if (argument.name === "groupID" || argument.name === "teamID") {
          for (const id of String(argument.value ?? "").split(","))
            if (id.trim()) ids.add(id.trim());
        }
      }
    }
  }
  return [...ids];
}

function exportTask(task: Json, at: SpecPath, ctx: LifecycleContext): unknown {
  const definition = definitionOf(task, ctx.live);
  const args = (task.arguments ?? []) as Json[];
  const options: Json = {};
  const id = String(task.taskDefinitionId ?? "");
  if (!definition) {
    // A raw GUID is the spec's escape hatch: the task goes through with Graph's own arguments.
    for (const a of args) options[String(a.name)] = String(a.value ?? "");
    ctx.notes.push({
      path: at,
      text: `gap: task definition ${id} (${JSON.stringify(task.displayName)}) is not in inbound's task catalog; kept by its id, arguments unchecked`,
      gap: true,
    });
  } else {
    for (const a of args) {
      const name = String(a.name);
      const value = String(a.value ?? "");
      const argument = definition.arguments?.find((x) => x.wireName === name);
      if (!argument) {
        if (definition.arguments === undefined) {
          options[name] = value;
        } else {
          ctx.notes.push({
            path: at,
            text: `gap: argument ${name}=${JSON.stringify(value)} is not one ${definition.name} takes; not exported`,
            gap: true,
          });
        }
        continue;
      }
      switch (argument.type.kind) {
        case "integer":
          options[argument.name] = /^-?\d+$/.test(value) ? Number(value) : value;
          break;
        case "boolean":
          options[argument.name] = /^true$/i.test(value)
            ? true
            : /^false$/i.test(value)
              ? false
              : value;
          break;
        case "groups": {
          const ids = value
            .split(",")
            .map((v) => v.trim())
            .filter(Boolean);
          options[argument.name] = ids;
          ctx.notes.push({
            path: [...at, argument.name],
            text: groupComment(ids, ctx.live),
            gap: false,
          });
          break;
        }
        case "guidList":
        case "stringList": {
          const list = value
            .split(",")
            .map((v) => v.trim())
            .filter(Boolean);
          options[argument.name] = list.length === 1 ? list[0] : list;
          break;
        }
        case "extension": {
          // The extension stays as it is: the task runs it by id (exportTenant says why).
          options[argument.name] = value;
          const what = ctx.extensions.get(value.toLowerCase());
          ctx.notes.push({
            path: [...at, argument.name],
            text: `${value} is ${what ?? "a custom task extension that was not read"}; inbound leaves it as it is and runs it by id (docs/adopting.md)`,
            gap: false,
          });
          break;
        }
        default:
          options[argument.name] = value;
      }
    }
  }
  if (definition && task.displayName !== undefined && task.displayName !== definition.displayName) {
    options.displayName = task.displayName;
  }
  if (
    definition &&
    typeof task.description === "string" &&
    task.description !== definition.description
  ) {
    options.description = task.description;
  }
  if (task.continueOnError === true) options.continueOnError = true;
  if (task.isEnabled === false) options.enabled = false;
  const name = definition?.name ?? id;
  return Object.keys(options).length === 0 ? name : { [name]: options };
}

function exportTrigger(workflow: Json, at: SpecPath, ctx: LifecycleContext): Json | undefined {
  const conditions = (workflow.executionConditions ?? {}) as Json;
  const trigger = (conditions.trigger ?? {}) as Json;
  const type = String(trigger["@odata.type"] ?? conditions["@odata.type"] ?? "");
  if (type === `${NS}timeBasedAttributeTrigger`) {
    const attribute = String(trigger.timeBasedAttribute);
    if (TIME_BASED.includes(attribute)) {
      return { attribute, offsetDays: Number(trigger.offsetInDays ?? 0) };
    }
  }
  if (type === `${NS}attributeChangeTrigger`) {
    return {
      attributeChanged: ((trigger.triggerAttributes ?? []) as Json[]).map((a) => String(a.name)),
    };
  }
  if (type === `${NS}userInactivityTrigger`) {
    return {
      attribute: "lastSignInDateTime",
      offsetDays: Number(trigger.inactivityPeriodInDays ?? 0),
    };
  }
  if (type === `${NS}membershipChangeTrigger`) {
    const groups = (((conditions.scope ?? {}) as Json).groups ?? []) as Json[];
    const change = trigger.changeType === "remove" ? "removed" : "added";
    if (groups.length === 1 && groups[0].id) {
      const id = String(groups[0].id);
      ctx.notes.push({
        path: [...at, "trigger", "group"],
        text: groupComment([id], ctx.live),
        gap: false,
      });
      return { group: id, change };
    }
    ctx.notes.push({
      path: at,
      text: `gap: trigger: a group membership trigger (${change}) whose group Graph does not return on a read; set \`trigger: { group: <name or id>, change: ${change} }\``,
      gap: true,
    });
    return undefined;
  }
  ctx.notes.push({
    path: at,
    text: `gap: trigger ${type || "(none)"} ${JSON.stringify(trigger)} has no spec form; set \`trigger:\``,
    gap: true,
  });
  return undefined;
}

export function exportWorkflow(live: LiveWorkflow, at: SpecPath, ctx: LifecycleContext): Json {
  const w = live.workflow;
  const spec: Json = { category: String(w.category), displayName: String(w.displayName) };
  ctx.notes.push({ path: at, text: `workflow ${String(w.id)}`, gap: false });
  for (const failure of live.failures) {
    ctx.notes.push({ path: at, text: `gap: ${describeFailure(failure)}`, gap: true });
  }
  if (typeof w.description === "string" && w.description) spec.description = w.description;
  if (w.isEnabled === false) spec.enabled = false;
  else if (w.isSchedulingEnabled === false) spec.schedulingEnabled = false;
  const trigger = exportTrigger(w, at, ctx);
  if (trigger) spec.trigger = trigger;
  const scope = ((w.executionConditions ?? {}) as Json).scope as Json | undefined;
  if (scope?.["@odata.type"] === `${NS}ruleBasedSubjectSet` && typeof scope.rule === "string") {
    spec.scope = scope.rule;
  } else if (
    scope &&
    scope["@odata.type"] !== `${NS}groupBasedSubjectSet` &&
    Object.keys(scope).length > 0
  ) {
    ctx.notes.push({
      path: at,
      text: `gap: scope ${JSON.stringify(scope)} has no spec form`,
      gap: true,
    });
  }
  if (live.tasks) {
    const tasks = [...live.tasks].sort(
      (a, b) => Number(a.executionSequence ?? 0) - Number(b.executionSequence ?? 0),
    );
    spec.tasks = tasks.map((t, i) => exportTask(t, [...at, "tasks", i], ctx));
  }
  return spec;
}

export function exportSettings(settings: Json): Json {
  const email = (settings.emailSettings ?? {}) as Json;
  const out: Json = {
    workflowScheduleIntervalInHours: Number(
      settings.workflowScheduleIntervalInHours ?? DEFAULT_SETTINGS.workflowScheduleIntervalInHours,
    ),
  };
  const emailSettings: Json = {};
  if (typeof email.senderDomain === "string" && email.senderDomain) {
    emailSettings.senderDomain = email.senderDomain;
  }
  if (email.useCompanyBranding === true) emailSettings.useCompanyBranding = true;
  if (Object.keys(emailSettings).length > 0) out.emailSettings = emailSettings;
  const quarantine = exportQuarantineConfiguration(settings.quarantineConfiguration);
  if (quarantine) out.quarantineConfiguration = quarantine;
  return out;
}

/**
 * The tenant's execution limits in the spec's form, or undefined when it has none or has one the
 * spec cannot say (a condition type Graph may add, a match mode other than any or all, two
 * conditions of one kind, a number out of the spec's range). Leaving
 * them out of the spec leaves them as they are in the tenant, so nothing is lost.
 */
function exportQuarantineConfiguration(live: unknown): Json | undefined {
  const found = normaliseQuarantineConfiguration(live);
  if (!found || found.conditions.length === 0) return undefined;
  if (!["any", "all"].includes(found.matchMode)) return undefined;
  const conditions: Json[] = [];
  for (const c of found.conditions) {
    if (
      c["@odata.type"] === COUNT_CONDITION &&
      Number.isSafeInteger(c.threshold) &&
      c.threshold >= 0
    ) {
      conditions.push({ threshold: c.threshold });
    } else if (
      c["@odata.type"] === PERCENTAGE_CONDITION &&
      Number.isInteger(c.percentage) &&
      c.percentage >= 0 &&
      c.percentage <= 100
    ) {
      conditions.push({ percentage: c.percentage });
    } else {
      return undefined;
    }
  }
  const kinds = new Set(conditions.map((c) => Object.keys(c)[0]));
  if (kinds.size !== conditions.length) return undefined;
  return { matchMode: found.matchMode, conditions };
}

// ---------------------------------------------------------------------------------------------
// the file

/**
 * The attributes the tenant's workflows read (trigger or scope) that no exported mapping writes.
 * The workflows exist, so something sets them: Entra Connect, another HR app, the portal. They are
 * declared under attributesSetElsewhere, each with a comment, so the spec validates as exported
 * and `drift` can compare it.
 */
function declareAttributesSetElsewhere(spec: Json, notes: ExportNote[]): void {
  const readers = new Map<string, string[]>();
  const shape = {
    provisioning: spec.provisioning,
    lifecycleWorkflows: spec.lifecycleWorkflows,
    attributesSetElsewhere: {},
  } as unknown as Pick<
    TenantSpec,
    "provisioning" | "lifecycleWorkflows" | "attributesSetElsewhere"
  >;
  for (const input of unwrittenWorkflowInputs(shape)) {
    const where = `${input.path.slice(0, 2).join(".")} (${String(input.path[2])})`;
    const list = readers.get(input.attribute) ?? [];
    if (!list.includes(where)) list.push(where);
    readers.set(input.attribute, list);
  }
  if (readers.size === 0) return;
  const declared: Json = {};
  for (const [attribute, where] of readers) {
    declared[attribute] = `set outside this spec; read by ${where.join(", ")}`;
    notes.push({
      path: ["attributesSetElsewhere", attribute],
      text: `${attribute}: set outside the spec. ${where.join(" and ")} read(s) it, and no exported provisioning app writes it; replace the value with what sets it (Entra Connect, another HR source, the portal)`,
      gap: false,
    });
  }
  spec.attributesSetElsewhere = declared;
}

/** The whole tenant spec from what was read. */
export function exportTenant(live: LiveTenant, options: ConvertOptions): ExportResult {
  const notes: ExportNote[] = [];
  const ids: FoundIds = { apps: {}, workflows: {} };
  const spec: Json = {};
  const domain = live.domain;
  // The tenant is named by its organization; by its domain's first label when that is unread.
  const name = keyFor(live.organization ?? (domain ?? "").split(".")[0], new Set(), "tenant")
    .slice(0, 32)
    .replace(/-+$/, "");
  spec.tenant = {
    name: name.length >= 2 ? name : "tenant",
    id: live.tenantId,
    ...(domain ? { domain } : {}),
  };
  if (!domain) {
    notes.push({
      path: ["tenant"],
      text: "gap: tenant.domain: the tenant's default domain could not be read; set it",
      gap: true,
    });
  }
  for (const failure of live.failures) {
    notes.push({ path: [], text: `gap: ${describeFailure(failure)}`, gap: true });
  }
  for (const refused of live.refused) {
    notes.push({ path: [], text: `gap: ${refused.reason}; not exported`, gap: true });
  }

  const provisioning: Json = {};
  const appKeys = new Set<string>();
  for (const app of live.apps) {
    const key = keyFor(app.displayName, appKeys, "app");
    appKeys.add(key);
    provisioning[key] = exportProvisioningApp(app, ["provisioning", key], notes);
    ids.apps[key] = {
      servicePrincipalId: app.servicePrincipalId,
      jobId: app.job.id,
      ...(app.applicationTemplateId ? { applicationTemplateId: app.applicationTemplateId } : {}),
      ...(app.applicationObjectId ? { applicationObjectId: app.applicationObjectId } : {}),
    };
  }
  spec.provisioning = provisioning;

  // Custom task extensions are not written into the spec: inbound would deploy its own Logic App
  // for each (a portal-made one's definition is the customer's, and Pulumi's import refuses a
  // definition that differs), so the first `pulumi up` would create a second extension. The
  // workflows' tasks run the existing ones by id instead, as a deployment accepts.
  const extensionsRead = new Map<string, string>();
  for (const extension of live.extensions ?? []) {
    const endpoint = (extension.endpointConfiguration ?? {}) as Json;
    const logicApp = endpoint.logicAppWorkflowName
      ? `, Logic App ${String(endpoint.logicAppWorkflowName)} in resource group ${String(endpoint.resourceGroupName)}`
      : "";
    extensionsRead.set(
      String(extension.id).toLowerCase(),
      `custom task extension ${JSON.stringify(String(extension.displayName ?? ""))}${logicApp}`,
    );
  }
  const first = (live.extensions ?? [])
    .map((e) => (e.endpointConfiguration ?? {}) as Json)
    .find((e) => e.subscriptionId && e.resourceGroupName);
  if (first) {
    // Where the tenant's Logic Apps live is where its Azure resources are: the first one's
    // subscription and resource group become the spec's `azure` (the uploader's, by default).
    spec.azure = {
      subscriptionId: String(first.subscriptionId),
      resourceGroup: String(first.resourceGroupName),
      ...(options.location ? { location: options.location } : {}),
    };
    if (!options.location) {
      notes.push({
        path: ["azure"],
        text: "gap: azure.location: the region of the spec's Azure resources is not in Graph; set it (or pass --location)",
        gap: true,
      });
    }
  }

  const ctx: LifecycleContext = { live, notes, extensions: extensionsRead };
  const workflows: Json = {};
  const workflowKeys = new Set<string>();
  for (const workflow of live.workflows ?? []) {
    const key = keyFor(String(workflow.workflow.displayName ?? ""), workflowKeys, "workflow");
    workflowKeys.add(key);
    workflows[key] = exportWorkflow(workflow, ["lifecycleWorkflows", key], ctx);
    ids.workflows[key] = String(workflow.workflow.id);
  }
  spec.lifecycleWorkflows = workflows;
  declareAttributesSetElsewhere(spec, notes);
  if (spec.azure) {
    const { tenant, azure, ...rest } = spec;
    for (const key of Object.keys(spec)) delete spec[key];
    Object.assign(spec, { tenant, azure, ...rest });
  }
  if (live.settings) {
    spec.lifecycleWorkflowSettings = exportSettings(live.settings);
    ids.settings = true;
    const limits = live.settings.quarantineConfiguration;
    if (
      normaliseQuarantineConfiguration(limits)?.conditions.length &&
      !(spec.lifecycleWorkflowSettings as Json).quarantineConfiguration
    ) {
      notes.push({
        path: ["lifecycleWorkflowSettings"],
        text: `gap: lifecycleWorkflowSettings.quarantineConfiguration: the tenant's execution limits have no spec form (${JSON.stringify(limits)}); left out, they stay as they are`,
        gap: true,
      });
    }
  }
  const baseUrl = options.graphBaseUrl.replace(/\/+$/, "");
  if (baseUrl !== DEFAULT_GRAPH_URL) spec.graph = { baseUrl };
  // The tenant's values are text, not variables: one holding `${...}` is written `$${...}`, so
  // that reading the export back gives the value the tenant has.
  return { spec: literalStrings(spec), notes, ids };
}
