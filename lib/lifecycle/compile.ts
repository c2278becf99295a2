/**
 * Spec → Microsoft Graph request bodies for Lifecycle Workflows, custom task extensions and the
 * tenant settings. Pure: ids only known at deploy time (groups, extensions, unconfirmed task
 * definitions) come from an injected resolver, so the same code feeds the deployment, the offline
 * plan (with `<group:Name>` placeholders) and the tests against Microsoft's own samples.
 */
import type {
  CustomExtensionClientConfiguration,
  IdentityGovernanceNamespace as IG,
  KeyValuePair,
  LogicAppTriggerEndpointConfiguration,
} from "@microsoft/microsoft-graph-types";
import type { CustomTaskExtension, TenantSpec, Workflow } from "../model/schema";
import {
  GUID,
  TaskDefinition,
  taskById,
  taskByName,
  taskDefinitionPlaceholder,
  TASK_PROPERTIES,
  wireValue,
} from "./tasks";

export const LCW_PATH = "/identityGovernance/lifecycleWorkflows";
const NS = "#microsoft.graph.identityGovernance";

/** Ids the compiler cannot know offline. */
export interface LifecycleResolver {
  groupId(displayName: string): string;
  customTaskExtensionId(key: string): string;
  /** Id of a task whose GUID is unconfirmed; by default a `<taskDefinition:Name>` placeholder. */
  taskDefinitionId?(displayName: string): string;
}

/** Stand-ins naming what is looked up at deploy time (used by `inbound plan`). */
export const placeholderResolver: LifecycleResolver = {
  groupId: (name) => `<group:${name}>`,
  customTaskExtensionId: (key) => `<customTaskExtension:${key}>`,
};

/**
 * `resolver` for what a deployment sends: a group or custom task extension given as a GUID is that
 * object's id as it is (`inbound export` writes ids, with the name in a comment); only names and
 * keys are looked up. The deployment and `drift` resolve through it.
 */
export function byIdOrLookUp(resolver: LifecycleResolver): LifecycleResolver {
  return {
    ...resolver,
    groupId: (name) => (GUID.test(name) ? name : resolver.groupId(name)),
    customTaskExtensionId: (key) => (GUID.test(key) ? key : resolver.customTaskExtensionId(key)),
  };
}

// The Graph typings omit `@odata.type` on derived types; it is what selects the type on the wire.
type Typed<T> = T & { "@odata.type": string };

export type TaskBody = Required<
  Pick<IG.Task, "continueOnError" | "displayName" | "isEnabled" | "taskDefinitionId">
> & {
  description?: string;
  /** Read-only per entra-docs, but accepted, and sent by some of Microsoft's examples. */
  category?: string;
  /** Graph keyValuePairs; every value is a string. */
  arguments: (Required<Pick<KeyValuePair, "name">> & { value: string })[];
};

export type SubjectSetBody =
  Typed<Required<Pick<IG.RuleBasedSubjectSet, "rule">>> | Typed<{ groups: { id: string }[] }>;

export type TriggerBody =
  | Typed<Required<Pick<IG.TimeBasedAttributeTrigger, "timeBasedAttribute" | "offsetInDays">>>
  | Typed<{ triggerAttributes: { name: string }[] }>
  | Typed<{ changeType: IG.MembershipChangeType }>
  | Typed<{ inactivityPeriodInDays: number }>;

export interface ExecutionConditionsBody {
  "@odata.type": string;
  scope?: SubjectSetBody;
  trigger: TriggerBody;
}

export type WorkflowBody = Required<
  Pick<IG.Workflow, "displayName" | "isEnabled" | "isSchedulingEnabled">
> & {
  category: IG.LifecycleWorkflowCategory;
  description?: string;
  executionConditions: ExecutionConditionsBody;
  tasks: TaskBody[];
};

export interface TaskEntry {
  name: string;
  /** Arguments and task properties as written; `{}` for a bare name. */
  options: Record<string, unknown>;
}

/** A task list item is a name, or a one-key map `name: { ... }` (a null value is `{}`). */
export function taskEntry(entry: Workflow["tasks"][number]): TaskEntry {
  if (typeof entry === "string") return { name: entry, options: {} };
  const [name, options] = Object.entries(entry)[0] ?? ["", {}];
  return { name, options: (options ?? {}) as Record<string, unknown> };
}

/** The task definition a task list item names: a friendly name, or a raw GUID. */
export function entryDefinition(
  name: string,
): TaskDefinition | { taskDefinitionId: string } | undefined {
  if (GUID.test(name)) return taskById(name) ?? { taskDefinitionId: name };
  return taskByName(name);
}

export class LifecycleCompileError extends Error {}

function compileTask(entry: TaskEntry, where: string, resolver: LifecycleResolver): TaskBody {
  const definition = entryDefinition(entry.name);
  if (!definition)
    throw new LifecycleCompileError(`${where}: unknown task ${JSON.stringify(entry.name)}`);
  const known = "name" in definition ? definition : undefined;
  const isProperty = (key: string) => (TASK_PROPERTIES as readonly string[]).includes(key);
  const options = entry.options;

  const args: { name: string; value: string }[] = [];
  for (const [key, value] of Object.entries(options)) {
    if (isProperty(key) || value === undefined || value === null) continue;
    const argument = known?.arguments?.find((a) => a.name === key);
    if (argument) {
      args.push({ name: argument.wireName, value: wireValue(argument, value, resolver) });
    } else if (known?.arguments === undefined || GUID.test(entry.name)) {
      // Unconfirmed or raw-GUID tasks: arguments go through under the names written.
      args.push({ name: key, value: Array.isArray(value) ? value.join(",") : String(value) });
    } else {
      throw new LifecycleCompileError(`${where}: unknown argument ${JSON.stringify(key)}`);
    }
  }

  const taskDefinitionId =
    definition.taskDefinitionId ??
    (resolver.taskDefinitionId ?? taskDefinitionPlaceholder)(known!.displayName);
  const displayName = options.displayName ?? known?.displayName ?? entry.name;
  const description = options.description ?? known?.description;
  return {
    ...(options.category !== undefined ? { category: String(options.category) } : {}),
    continueOnError: options.continueOnError === true,
    ...(description !== undefined ? { description: String(description) } : {}),
    displayName: String(displayName),
    isEnabled: options.enabled !== false,
    taskDefinitionId,
    arguments: args,
  };
}

const TIME_BASED = ["employeeHireDate", "employeeLeaveDateTime", "createdDateTime"];

function compileConditions(
  workflow: Workflow,
  resolver: LifecycleResolver,
): ExecutionConditionsBody {
  const trigger = workflow.trigger;
  const conditions: ExecutionConditionsBody = {
    "@odata.type": `${NS}.triggerAndScopeBasedConditions`,
    trigger: undefined as unknown as TriggerBody,
  };
  if (workflow.scope !== undefined) {
    conditions.scope = { "@odata.type": `${NS}.ruleBasedSubjectSet`, rule: workflow.scope };
  }
  if ("group" in trigger) {
    conditions.scope = {
      "@odata.type": `${NS}.groupBasedSubjectSet`,
      groups: [{ id: resolver.groupId(trigger.group) }],
    };
    conditions.trigger = {
      "@odata.type": `${NS}.membershipChangeTrigger`,
      changeType: trigger.change === "added" ? "add" : "remove",
    };
  } else if ("attributeChanged" in trigger) {
    conditions.trigger = {
      "@odata.type": `${NS}.attributeChangeTrigger`,
      triggerAttributes: trigger.attributeChanged.map((name) => ({ name })),
    };
  } else if (TIME_BASED.includes(trigger.attribute)) {
    conditions.trigger = {
      "@odata.type": `${NS}.timeBasedAttributeTrigger`,
      timeBasedAttribute: trigger.attribute as IG.WorkflowTriggerTimeBasedAttribute,
      offsetInDays: trigger.offsetDays,
    };
  } else {
    // lastSignInDateTime: "inactive for N days" is Graph's userInactivityTrigger.
    conditions.trigger = {
      "@odata.type": `${NS}.userInactivityTrigger`,
      inactivityPeriodInDays: trigger.offsetDays,
    };
  }
  return conditions;
}

/** The body of `POST /identityGovernance/lifecycleWorkflows/workflows` for one spec workflow. */
export function compileWorkflow(
  workflow: Workflow,
  resolver: LifecycleResolver,
  where = "workflow",
): WorkflowBody {
  return {
    category: workflow.category,
    ...(workflow.description !== undefined ? { description: workflow.description } : {}),
    displayName: workflow.displayName,
    isEnabled: workflow.enabled,
    // Graph refuses scheduling on a disabled workflow.
    isSchedulingEnabled: workflow.enabled && workflow.schedulingEnabled,
    executionConditions: compileConditions(workflow, resolver),
    tasks: workflow.tasks.map((t, i) =>
      compileTask(taskEntry(t), `${where}.tasks[${i}]`, resolver),
    ),
  };
}

/**
 * An application allowed to resume a waiting task. The element type is Graph's `application`;
 * the customTaskExtensionCallbackConfiguration page describes the collection as "unique
 * identifiers or appIds", and a managed identity has no application object, only its appId
 * (https://learn.microsoft.com/en-us/graph/api/resources/identitygovernance-customtaskextensioncallbackconfiguration).
 */
export type AuthorizedApp = { "@odata.type": "#microsoft.graph.application"; id: string };

export type CustomTaskExtensionBody = {
  displayName: string;
  description?: string;
  endpointConfiguration: Typed<LogicAppTriggerEndpointConfiguration>;
  authenticationConfiguration: { "@odata.type": string };
  clientConfiguration: Typed<CustomExtensionClientConfiguration>;
  callbackConfiguration: Typed<{ timeoutDuration: string; authorizedApps?: AuthorizedApp[] }>;
};

export interface LogicAppLocation {
  subscriptionId: string;
  resourceGroupName: string;
  /** The trigger's callback URL; Graph wants it when an app (not a user) creates the extension. */
  url?: string;
  /** appId (client id) of the Logic App's managed identity, which resumes the waiting task. */
  resumedBy?: string;
}

/**
 * The body of `POST .../customTaskExtensions`: PoP authentication, which is all new extensions get
 * (https://learn.microsoft.com/en-us/entra/id-governance/configure-logic-app-lifecycle-workflows),
 * launch-and-wait with the spec's callback timeout. The Logic App's managed identity is listed in
 * `authorizedApps`: the response authorization Microsoft makes the default and recommends, instead
 * of a tenant-wide LifecycleWorkflows.ReadWrite.All grant
 * (https://learn.microsoft.com/en-us/entra/id-governance/lifecycle-workflow-extensibility#response-authorization).
 */
export function compileCustomTaskExtension(
  extension: CustomTaskExtension,
  location: LogicAppLocation,
): CustomTaskExtensionBody {
  return {
    displayName: extension.displayName,
    ...(extension.description !== undefined ? { description: extension.description } : {}),
    endpointConfiguration: {
      "@odata.type": "#microsoft.graph.logicAppTriggerEndpointConfiguration",
      subscriptionId: location.subscriptionId,
      resourceGroupName: location.resourceGroupName,
      logicAppWorkflowName: extension.logicApp.name,
      ...(location.url !== undefined ? { url: location.url } : {}),
    },
    authenticationConfiguration: {
      "@odata.type": "#microsoft.graph.azureAdPopTokenAuthentication",
    },
    // Graph's defaults, written out so that a drifted value is visible in a diff.
    clientConfiguration: {
      "@odata.type": "#microsoft.graph.customExtensionClientConfiguration",
      maximumRetries: 1,
      timeoutInMilliseconds: 1000,
    },
    callbackConfiguration: {
      "@odata.type": `${NS}.customTaskExtensionCallbackConfiguration`,
      timeoutDuration: extension.callbackTimeout,
      ...(location.resumedBy !== undefined
        ? {
            authorizedApps: [
              { "@odata.type": "#microsoft.graph.application", id: location.resumedBy },
            ],
          }
        : {}),
    },
  };
}

/** Graph's emailSettings; `senderDomain` null is no custom domain (mail comes from Microsoft's). */
export interface EmailSettingsBody {
  senderDomain?: string | null;
  useCompanyBranding?: boolean;
}

export const COUNT_CONDITION = "#microsoft.graph.identityGovernance.countBasedQuarantineCondition";
export const PERCENTAGE_CONDITION =
  "#microsoft.graph.identityGovernance.percentageBasedQuarantineCondition";

/**
 * Graph's quarantineConfiguration (https://learn.microsoft.com/en-us/graph/api/resources/identitygovernance-quarantineconfiguration):
 * conditions told apart by `@odata.type`, a countBasedQuarantineCondition with `threshold`
 * (https://learn.microsoft.com/en-us/graph/api/resources/identitygovernance-countbasedquarantinecondition)
 * and a percentageBasedQuarantineCondition with `percentage`
 * (https://learn.microsoft.com/en-us/graph/api/resources/identitygovernance-percentagebasedquarantinecondition).
 */
export interface QuarantineConfigurationBody {
  matchMode: string;
  conditions: (
    | { "@odata.type": typeof COUNT_CONDITION; threshold: number }
    | { "@odata.type": typeof PERCENTAGE_CONDITION; percentage: number }
  )[];
}

/**
 * The settings as the spec sets them: the schedule always, the mail settings and the execution
 * limits when written.
 */
export type SettingsBody = Required<
  Pick<IG.LifecycleManagementSettings, "workflowScheduleIntervalInHours">
> & {
  emailSettings?: EmailSettingsBody;
  quarantineConfiguration?: QuarantineConfigurationBody;
};

/**
 * What the PATCH carries: both properties the update page marks Required
 * (https://learn.microsoft.com/en-us/graph/api/identitygovernance-lifecyclemanagementsettings-update),
 * the mail settings whole.
 */
export interface CompleteSettingsBody {
  workflowScheduleIntervalInHours: number;
  /**
   * `senderDomain` is left out when there is none: the v1.0 metadata declares it
   * `Nullable="false"` (emailSettings, https://learn.microsoft.com/en-us/graph/api/resources/emailsettings),
   * so a PATCH never sends it as null.
   */
  emailSettings: { senderDomain?: string; useCompanyBranding: boolean };
  /** Optional on the update page: sent only when the spec sets it, so the tenant's stays. */
  quarantineConfiguration?: QuarantineConfigurationBody;
}

/** The body of `PATCH /identityGovernance/lifecycleWorkflows/settings`, as far as the spec sets it. */
export function compileSettings(
  settings: NonNullable<TenantSpec["lifecycleWorkflowSettings"]>,
): SettingsBody {
  const body: SettingsBody = {
    workflowScheduleIntervalInHours: settings.workflowScheduleIntervalInHours,
  };
  if (settings.emailSettings) {
    body.emailSettings = {
      ...(settings.emailSettings.senderDomain !== undefined
        ? { senderDomain: settings.emailSettings.senderDomain }
        : {}),
      useCompanyBranding: settings.emailSettings.useCompanyBranding,
    };
  }
  if (settings.quarantineConfiguration) {
    body.quarantineConfiguration = compileQuarantineConfiguration(settings.quarantineConfiguration);
  }
  return body;
}

type QuarantineSpec = NonNullable<
  NonNullable<TenantSpec["lifecycleWorkflowSettings"]>["quarantineConfiguration"]
>;

/** The count condition first, then the percentage one, whatever the spec's order. */
export function compileQuarantineConfiguration(spec: QuarantineSpec): QuarantineConfigurationBody {
  const conditions: QuarantineConfigurationBody["conditions"] = [];
  for (const c of spec.conditions) {
    if ("threshold" in c)
      conditions.push({ "@odata.type": COUNT_CONDITION, threshold: c.threshold });
  }
  for (const c of spec.conditions) {
    if ("percentage" in c) {
      conditions.push({ "@odata.type": PERCENTAGE_CONDITION, percentage: c.percentage });
    }
  }
  return { matchMode: spec.matchMode, conditions };
}

/**
 * A quarantineConfiguration as Graph returned it, in the form compileQuarantineConfiguration
 * builds: the conditions Graph documents, in the same order, numbers as numbers (an Int64 may
 * come as a string) and the match mode in lower case. Conditions of a type Graph may add later
 * are kept with their type, so they show as a difference rather than vanish. Null when the
 * tenant has none.
 */
export function normaliseQuarantineConfiguration(
  live: unknown,
): QuarantineConfigurationBody | null {
  if (typeof live !== "object" || live === null) return null;
  const found = live as { matchMode?: unknown; conditions?: unknown };
  const list = Array.isArray(found.conditions)
    ? (found.conditions as Record<string, unknown>[])
    : [];
  const typeOf = (c: Record<string, unknown>) => String(c["@odata.type"] ?? "").replace(/^#?/, "#");
  const same = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();
  const conditions: QuarantineConfigurationBody["conditions"] = [];
  for (const c of list) {
    if (same(typeOf(c), COUNT_CONDITION)) {
      conditions.push({ "@odata.type": COUNT_CONDITION, threshold: Number(c.threshold) });
    }
  }
  for (const c of list) {
    if (same(typeOf(c), PERCENTAGE_CONDITION)) {
      conditions.push({ "@odata.type": PERCENTAGE_CONDITION, percentage: Number(c.percentage) });
    }
  }
  const other = list.filter(
    (c) => !same(typeOf(c), COUNT_CONDITION) && !same(typeOf(c), PERCENTAGE_CONDITION),
  );
  return {
    matchMode: String(found.matchMode ?? "").toLowerCase(),
    conditions: [...conditions, ...(other as unknown as QuarantineConfigurationBody["conditions"])],
  };
}

/**
 * What a tenant has when nobody set anything. The 3-hour schedule is the documented default
 * (https://learn.microsoft.com/en-us/graph/api/resources/identitygovernance-lifecyclemanagementsettings);
 * the emailSettings page documents no default, and describes a custom sender domain and the
 * company banner as opt-ins replacing Microsoft's (https://learn.microsoft.com/en-us/graph/api/resources/emailsettings),
 * so the untouched state is no domain and no branding.
 */
export const DEFAULT_SETTINGS: CompleteSettingsBody = {
  workflowScheduleIntervalInHours: 3,
  emailSettings: { useCompanyBranding: false },
};

/**
 * The PATCH body for `desired`: what the spec sets, and for what it leaves out (the mail
 * settings, or the sender domain), the tenant's `live` values, so that a PATCH that must carry
 * both required properties changes nothing the spec does not own. `live` is the GET answer;
 * whatever it lacks falls back to the defaults.
 */
export function completeSettings(
  desired: SettingsBody,
  live: { emailSettings?: EmailSettingsBody | null } | undefined,
): CompleteSettingsBody {
  const current = live?.emailSettings ?? {};
  const wanted = desired.emailSettings ?? {};
  const pick = <K extends keyof EmailSettingsBody>(key: K) =>
    wanted[key] !== undefined ? wanted[key] : current[key];
  const senderDomain = pick("senderDomain");
  return {
    workflowScheduleIntervalInHours: desired.workflowScheduleIntervalInHours,
    emailSettings: {
      ...(senderDomain ? { senderDomain } : {}),
      useCompanyBranding:
        pick("useCompanyBranding") ?? DEFAULT_SETTINGS.emailSettings.useCompanyBranding,
    },
    ...(desired.quarantineConfiguration
      ? { quarantineConfiguration: desired.quarantineConfiguration }
      : {}),
  };
}

/** Whether `desired` already sets everything the PATCH carries, so nothing need be read. */
export function settingsAreComplete(desired: SettingsBody): boolean {
  const email = desired.emailSettings;
  return email?.senderDomain !== undefined && email.useCompanyBranding !== undefined;
}
