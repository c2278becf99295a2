/**
 * `inbound drift`: the live tenant against the spec, with no Pulumi state. Each object's desired
 * Graph body is built by the functions the dynamic providers' create uses, the live object is read
 * by the functions their read uses, and the two are compared by the comparison their diff uses
 * (lib/provisioning/managed diffManaged, lib/provisioning/secrets secretChanges,
 * lib/lifecycle/diff workflowChanges and changedExtensionKeys). What counts as drift is therefore
 * exactly what the next `pulumi up` would change. Sends no write: the only POST is
 * `…/schema/parseExpression`, which a deploy also uses to build its trees.
 */
import type { GraphClient } from "../graph/client";
import type { ProvisioningApp, TenantSpec } from "../model/schema";
import { buildSchema, managedPartOf, readSecrets } from "../provisioning/graphApi";
import {
  comparableManaged,
  diffManaged,
  sameComparable,
  schemaSpecOf,
} from "../provisioning/managed";
import {
  BEST_GUESS_AD_SECRET_KEYS,
  compileSecrets,
  ownedLiveSecrets,
  secretChanges,
  type SecretPair,
} from "../provisioning/secrets";
import {
  compileCustomTaskExtension,
  compileSettings,
  byIdOrLookUp,
  compileWorkflow,
  placeholderResolver,
  type CustomTaskExtensionBody,
  type WorkflowBody,
} from "../lifecycle/compile";
import { canonical, changedExtensionKeys, workflowChanges } from "../lifecycle/diff";
import {
  CLEAR_QUARANTINE,
  listQuarantinedWorkflows,
  specWorkflowsInQuarantine,
  readCustomTaskExtension,
  readSettings,
  readWorkflow,
  resolveTaskDefinitionIds,
  type WorkflowQuarantine,
} from "../lifecycle/graphApi";
import {
  findExtensionId,
  findGroupId,
  findLogicAppIdentityAppId,
  findSpecApp,
  findWorkflowId,
} from "../tenant";

type GraphLike = Pick<GraphClient, "request" | "getAllPages">;

/** One difference: where, what the spec wants, what the tenant has (null: nothing). */
export interface Difference {
  path: string;
  spec: unknown;
  live: unknown;
}

export type DriftKind = "app" | "workflow" | "extension" | "settings";

export interface DriftObject {
  kind: DriftKind;
  /** The spec's key (`provisioning.<key>`, `lifecycleWorkflows.<key>`...). */
  name: string;
  differences: Difference[];
  /**
   * A workflow its execution limits put in quarantine: it runs no scheduled run until a
   * Lifecycle Workflows Administrator clears it. Not drift (no deploy can clear it), but reported
   * with it, as `upload --wait` reports a quarantined provisioning job.
   */
  quarantine?: WorkflowQuarantine & { displayName: string };
}

export interface DriftReport {
  drift: boolean;
  objects: DriftObject[];
}

/** A read that failed: the tenant could not be compared. */
export class DriftReadError extends Error {
  constructor(
    readonly kind: DriftKind,
    readonly objectName: string,
    cause: unknown,
  ) {
    super(`${kind} ${objectName}: ${(cause as Error)?.message ?? String(cause)}`, { cause });
    this.name = "DriftReadError";
  }
}

/**
 * What the spec cannot say, so drift does not compare it: the AD domain/OU secret keys are stack
 * configuration (inbound:activeDirectorySecretKeys), and an extension's trigger URL carries a
 * signature only Azure knows, which drift does not read. (The app allowed to resume is compared:
 * the Logic App's managed identity is found in Graph.)
 */
export const NOT_COMPARED = [
  "the AD domain and OU secrets of an activeDirectory app (their keys are stack configuration)",
  "a custom task extension's trigger URL (it comes from the Logic App in Azure)",
];

const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

/** `a.b`, or `a["b.c"]` for a key that would read as a path. */
const child = (path: string, key: string) =>
  /^[A-Za-z_$][\w$-]*$/.test(key)
    ? path
      ? `${path}.${key}`
      : key
    : `${path}[${JSON.stringify(key)}]`;

/**
 * The leaves in which two values differ, for the report. Which objects differ at all is decided
 * by the providers' comparison; this only says where, so it is called only for what that
 * comparison found changed.
 */
export function leafDifferences(
  path: string,
  spec: unknown,
  live: unknown,
  same: (a: unknown, b: unknown) => boolean = (a, b) =>
    canonical(a ?? null) === canonical(b ?? null),
): Difference[] {
  if (isPlainObject(spec) && isPlainObject(live)) {
    const keys = [...new Set([...Object.keys(spec), ...Object.keys(live)])].sort();
    return keys.flatMap((k) => leafDifferences(child(path, k), spec[k], live[k], same));
  }
  if (Array.isArray(spec) && Array.isArray(live) && spec.length === live.length) {
    return spec.flatMap((item, i) => leafDifferences(`${path}[${i}]`, item, live[i], same));
  }
  if (same(spec, live)) return [];
  return [{ path, spec: spec ?? null, live: live ?? null }];
}

/** Differences that name a whole object with nothing found under its display name. */
const missing = (displayName: string): Difference[] => [
  { path: "displayName", spec: displayName, live: null },
];

// ---------------------------------------------------------------------------------------------
// provisioning apps

/** The secrets the spec decides and drift can compare (see NOT_COMPARED). */
function comparedSecrets(app: ProvisioningApp): SecretPair[] {
  const all = compileSecrets(app, BEST_GUESS_AD_SECRET_KEYS);
  if (app.target !== "activeDirectory") return all;
  const adKeys = [BEST_GUESS_AD_SECRET_KEYS.domainKey, BEST_GUESS_AD_SECRET_KEYS.ouKey];
  return all.filter((s) => !adKeys.includes(s.key));
}

const parsedObject = (value: string | undefined): Record<string, unknown> | undefined => {
  try {
    const parsed: unknown = value === undefined ? undefined : JSON.parse(value);
    return isPlainObject(parsed) ? parsed : undefined;
  } catch {
    return undefined;
  }
};

/** A secret's differences: per JSON key for a JSON value (the notification settings). */
function secretDifferences(key: string, spec?: string, live?: string): Difference[] {
  const specObject = parsedObject(spec);
  const liveObject = parsedObject(live);
  if (specObject && liveObject) return leafDifferences(`secrets.${key}`, specObject, liveObject);
  return [{ path: `secrets.${key}`, spec: spec ?? null, live: live ?? null }];
}

export async function appDrift(
  client: GraphLike,
  appKey: string,
  app: ProvisioningApp,
): Promise<Difference[]> {
  const { app: live } = await findSpecApp(client, app);
  if (!live) return missing(app.displayName);
  const { servicePrincipalId, jobId } = live;
  const differences: Difference[] = [];

  const built = await buildSchema(client, servicePrincipalId, jobId, schemaSpecOf(app), appKey);
  const current = managedPartOf(built.current);
  const desired = managedPartOf(built.schema);
  const wanted = comparableManaged(desired);
  const found = comparableManaged(current);
  for (const { mapping } of diffManaged(current, desired)) {
    if (mapping === "flowTypes") {
      differences.push({ path: "actions", spec: wanted.flowTypes, live: found.flowTypes });
    } else if (mapping === "scope") {
      differences.push(...leafDifferences("scope", wanted.scope, found.scope, sameComparable));
    } else if (mapping.startsWith("mappings.")) {
      const target = mapping.slice("mappings.".length);
      differences.push(
        ...leafDifferences(
          child("mappings", target),
          wanted.mappings[target],
          found.mappings[target],
          sameComparable,
        ),
      );
    } else {
      const name = mapping.slice("attributes.".length);
      differences.push(
        ...leafDifferences(
          child("scimExtension.attributes", name),
          wanted.attributes[name],
          found.attributes[name],
          sameComparable,
        ),
      );
    }
  }

  const desiredSecrets = comparedSecrets(app);
  const liveSecrets = ownedLiveSecrets(
    await readSecrets(client, servicePrincipalId),
    desiredSecrets,
  );
  const valueOf = (pairs: SecretPair[], key: string) => pairs.find((p) => p.key === key)?.value;
  for (const key of Object.keys(secretChanges(liveSecrets, desiredSecrets)).sort()) {
    differences.push(
      ...secretDifferences(key, valueOf(desiredSecrets, key), valueOf(liveSecrets, key)),
    );
  }
  return differences;
}

// ---------------------------------------------------------------------------------------------
// lifecycle

/** Ids looked up once per run: groups and custom task extensions by display name. */
interface Ids {
  groups: Map<string, string | undefined>;
  extensions: Map<string, string | undefined>;
}

/** A workflow body in the form the report walks: arguments by name. */
function workflowView(body: WorkflowBody): Record<string, unknown> {
  return {
    ...body,
    tasks: body.tasks.map((t) => ({
      ...t,
      taskDefinitionId: t.taskDefinitionId.toLowerCase(),
      arguments: Object.fromEntries(t.arguments.map((a) => [a.name, a.value])),
    })),
  };
}

/** The value at `tasks[1]` / `executionConditions` of a view. */
function at(view: Record<string, unknown>, key: string): unknown {
  const task = /^tasks\[(\d+)\]$/.exec(key);
  return task ? (view.tasks as unknown[])[Number(task[1])] : view[key];
}

export async function workflowDrift(
  client: GraphLike,
  spec: TenantSpec,
  key: string,
  ids: Ids,
): Promise<Difference[]> {
  const workflow = spec.lifecycleWorkflows[key];
  const where = `lifecycleWorkflows.${key}`;
  // The compiler names the groups and extensions it needs; a first pass collects them.
  const groupNames = new Set<string>();
  const extensionKeys = new Set<string>();
  compileWorkflow(
    workflow,
    byIdOrLookUp({
      groupId: (name) => (groupNames.add(name), placeholderResolver.groupId(name)),
      customTaskExtensionId: (k) => (
        extensionKeys.add(k),
        placeholderResolver.customTaskExtensionId(k)
      ),
    }),
    where,
  );
  for (const name of groupNames) {
    if (!ids.groups.has(name)) ids.groups.set(name, await findGroupId(client, name));
  }
  for (const k of extensionKeys) {
    const extension = spec.customTaskExtensions[k];
    if (!ids.extensions.has(k)) {
      ids.extensions.set(
        k,
        extension ? await findExtensionId(client, extension.displayName) : undefined,
      );
    }
  }
  // A group or extension not found stays a placeholder, which no live id equals: drift.
  const desired = compileWorkflow(
    workflow,
    byIdOrLookUp({
      groupId: (name) => ids.groups.get(name) ?? placeholderResolver.groupId(name),
      customTaskExtensionId: (k) =>
        ids.extensions.get(k) ?? placeholderResolver.customTaskExtensionId(k),
    }),
    where,
  );
  const id = await findWorkflowId(client, desired.displayName);
  if (!id) return missing(desired.displayName);
  const taskDefinitionIds = await resolveTaskDefinitionIds(client, desired);
  const live = await readWorkflow(client, id, desired, taskDefinitionIds);
  if (!live) return missing(desired.displayName);
  const changes = workflowChanges(live.body, desired);
  const wanted = workflowView(desired);
  const found = workflowView(live.body);
  return [...Object.keys(changes.patched), ...Object.keys(changes.versioned)].flatMap((k) =>
    leafDifferences(k, at(wanted, k), at(found, k)),
  );
}

/**
 * The live extension's trigger URL carried into the desired body: the spec cannot know it
 * (it holds the trigger's SAS signature), so it is not drift.
 */
function withTriggerUrl(
  desired: CustomTaskExtensionBody,
  live: CustomTaskExtensionBody,
): CustomTaskExtensionBody {
  const url = live.endpointConfiguration?.url;
  return {
    ...desired,
    endpointConfiguration: {
      ...desired.endpointConfiguration,
      ...(url != null ? { url } : {}),
    },
  };
}

export async function extensionDrift(
  client: GraphLike,
  spec: TenantSpec,
  key: string,
  ids: Ids,
): Promise<Difference[]> {
  const extension = spec.customTaskExtensions[key];
  if (!spec.azure) {
    throw new Error(
      `customTaskExtensions.${key}: the Logic App needs \`azure: { subscriptionId, resourceGroup, location }\` in the spec`,
    );
  }
  const location = {
    subscriptionId: spec.azure.subscriptionId,
    resourceGroupName: extension.logicApp.resourceGroup ?? spec.azure.resourceGroup,
  };
  if (!ids.extensions.has(key)) {
    ids.extensions.set(key, await findExtensionId(client, extension.displayName));
  }
  const id = ids.extensions.get(key);
  if (!id) return missing(extension.displayName);
  // The app the deployment authorizes to resume: the Logic App's managed identity, by its appId.
  // Without it in the tenant (the Logic App gone), the placeholder makes any listed app drift.
  const resumedBy =
    (await findLogicAppIdentityAppId(client, { ...location, name: extension.logicApp.name })) ??
    `<managed identity of the Logic App ${extension.logicApp.name}: not found>`;
  const body = compileCustomTaskExtension(extension, { ...location, resumedBy });
  const live = await readCustomTaskExtension(client, id, body);
  if (!live) return missing(extension.displayName);
  const desired = withTriggerUrl(body, live);
  return changedExtensionKeys(live, desired).flatMap((k) =>
    leafDifferences(
      k,
      desired[k as keyof CustomTaskExtensionBody],
      live[k as keyof CustomTaskExtensionBody],
    ),
  );
}

export async function settingsDrift(client: GraphLike, spec: TenantSpec): Promise<Difference[]> {
  if (!spec.lifecycleWorkflowSettings) return [];
  const desired = compileSettings(spec.lifecycleWorkflowSettings);
  const live = await readSettings(client, desired);
  if (canonical(live) === canonical(desired)) return [];
  return leafDifferences("", desired, live);
}

/**
 * Every object of the spec against the tenant, in the spec's order: apps, extensions,
 * workflows, settings. Throws DriftReadError naming the object when a read fails.
 */
export async function detectDrift(client: GraphLike, spec: TenantSpec): Promise<DriftReport> {
  const objects: DriftObject[] = [];
  const ids: Ids = { groups: new Map(), extensions: new Map() };
  const compare = async (kind: DriftKind, name: string, run: () => Promise<Difference[]>) => {
    try {
      objects.push({ kind, name, differences: await run() });
    } catch (error) {
      throw new DriftReadError(kind, name, error);
    }
  };
  for (const [key, app] of Object.entries(spec.provisioning)) {
    await compare("app", key, () => appDrift(client, key, app));
  }
  for (const key of Object.keys(spec.customTaskExtensions)) {
    await compare("extension", key, () => extensionDrift(client, spec, key, ids));
  }
  for (const key of Object.keys(spec.lifecycleWorkflows)) {
    await compare("workflow", key, () => workflowDrift(client, spec, key, ids));
  }
  if (spec.lifecycleWorkflowSettings) {
    await compare("settings", "lifecycleWorkflowSettings", () => settingsDrift(client, spec));
  }
  const keys = Object.keys(spec.lifecycleWorkflows);
  if (keys.length > 0) {
    let quarantined;
    try {
      quarantined = await listQuarantinedWorkflows(client);
    } catch (error) {
      throw new DriftReadError("workflow", "quarantine", error);
    }
    for (const found of specWorkflowsInQuarantine(spec.lifecycleWorkflows, quarantined)) {
      const object = objects.find((o) => o.kind === "workflow" && o.name === found.key);
      if (object) object.quarantine = { displayName: found.displayName, ...found.quarantine };
    }
  }
  return { drift: objects.some((o) => o.differences.length > 0), objects };
}

/** The workflows of a report that are in quarantine. */
export function quarantinedObjects(report: DriftReport): DriftObject[] {
  return report.objects.filter((o) => o.quarantine !== undefined);
}

export { CLEAR_QUARANTINE };
