/**
 * The Graph calls behind the lifecycle resources, against any client with lib/graph's `request`
 * signature. Every call sends `Prefer: include-unknown-enum-members`: without it a v1.0 read
 * returns a mover workflow's category as `unknownFutureValue`
 * (https://learn.microsoft.com/en-us/graph/api/resources/identitygovernance-workflowbase).
 */
import type { GraphClient, HttpMethod } from "../graph/client";
import {
  completeSettings,
  DEFAULT_SETTINGS,
  LCW_PATH,
  normaliseQuarantineConfiguration,
  settingsAreComplete,
  type CompleteSettingsBody,
  type CustomTaskExtensionBody,
  type SettingsBody,
  type WorkflowBody,
} from "./compile";
import { normaliseWorkflow, PATCHABLE, workflowChanges } from "./diff";
import { placeholderDisplayName, sameTaskName } from "./tasks";

/** Only `request` is used, so a recording client (inbound plan) needs nothing more. */
type GraphLike = Pick<GraphClient, "request">;

type Json = Record<string, unknown>;

const headers = { Prefer: "include-unknown-enum-members" };
const call = async <T = Json>(
  client: GraphLike,
  method: HttpMethod,
  path: string,
  body?: unknown,
): Promise<T> => (await client.request<T>(method, path, body, { headers })) as T;

export function isNotFound(error: unknown): boolean {
  const e = error as { status?: number; statusCode?: number } | undefined;
  return e?.status === 404 || e?.statusCode === 404;
}

// ---------------------------------------------------------------------------------------------
// task definitions: ids looked up by display name, categories checked against the tenant

const readTaskDefinitions = async (client: GraphLike): Promise<Json[]> =>
  (await call<{ value: Json[] }>(client, "GET", `${LCW_PATH}/taskDefinitions`)).value;

/**
 * Placeholder → id for every `<taskDefinition:Name>` in the body, from `GET /taskDefinitions`
 * (read here when `definitions` are not given).
 * Names compare case-insensitively and with or without the " (Preview)" Microsoft appends to
 * tasks in preview (the Update user attributes how-to names its task "Update user attributes
 * (Preview)"), so a task keeps resolving when it enters or leaves preview.
 */
export async function resolveTaskDefinitionIds(
  client: GraphLike,
  body: WorkflowBody,
  definitions?: Json[],
): Promise<Record<string, string>> {
  const wanted = body.tasks
    .map((t) => t.taskDefinitionId)
    .filter((id) => placeholderDisplayName(id) !== undefined);
  if (wanted.length === 0) return {};
  const value = definitions ?? (await readTaskDefinitions(client));
  const ids: Record<string, string> = {};
  for (const placeholder of wanted) {
    const name = placeholderDisplayName(placeholder)!;
    const hit = value.find((d) => sameTaskName(String(d.displayName), name));
    if (!hit) {
      throw new Error(
        `this tenant has no Lifecycle Workflows task named ${JSON.stringify(name)}; available: ${value.map((d) => String(d.displayName)).join(", ")}`,
      );
    }
    ids[placeholder] = String(hit.id);
  }
  return ids;
}

/**
 * The ids for a write (create, new version, adoption): resolved as above, and every task's
 * category checked against the tenant's own task definition. Microsoft's pages have disagreed on
 * which categories a task allows (the task table and the API's example answer differ for several
 * tasks), so the tenant's `category` decides
 * (https://learn.microsoft.com/en-us/graph/api/resources/identitygovernance-taskdefinition: "the
 * category of the HR function that the tasks created using this definition can be used with", a
 * flagged enumeration such as "joiner,leaver"; mover shows only with the Prefer header every call
 * here sends). The offline check (lib/lifecycle/checks.ts) follows Microsoft's task table.
 */
export async function checkedTaskDefinitionIds(
  client: GraphLike,
  body: WorkflowBody,
): Promise<Record<string, string>> {
  const definitions = await readTaskDefinitions(client);
  const ids = await resolveTaskDefinitionIds(client, body, definitions);
  const category = String(body.category).toLowerCase();
  const refused = substitute(body, ids).tasks.flatMap((task, index) => {
    const definition = definitions.find(
      (d) => String(d.id).toLowerCase() === task.taskDefinitionId.toLowerCase(),
    );
    // An id the tenant does not list is Graph's to refuse, with its own message.
    if (!definition || typeof definition.category !== "string") return [];
    const allowed = definition.category.split(",").map((c) => c.trim().toLowerCase());
    if (allowed.includes(category)) return [];
    return [
      `task ${JSON.stringify(task.displayName)} (tasks[${index}], ${JSON.stringify(String(definition.displayName))}) is for ${definition.category} workflows in this tenant`,
    ];
  });
  if (refused.length > 0) {
    throw new Error(
      `workflow ${JSON.stringify(body.displayName)} (${body.category}): ${refused.join("; ")}; remove the task or move it to a workflow of its category`,
    );
  }
  return ids;
}

function substitute(body: WorkflowBody, ids: Record<string, string>): WorkflowBody {
  return {
    ...body,
    tasks: body.tasks.map((t) => ({
      ...t,
      taskDefinitionId: ids[t.taskDefinitionId] ?? t.taskDefinitionId,
    })),
  };
}

// ---------------------------------------------------------------------------------------------
// workflows

export interface WorkflowState {
  id: string;
  version: number;
  /** Placeholder → id of the task definitions resolved at deploy time. */
  taskDefinitionIds: Record<string, string>;
}

export async function createWorkflow(
  client: GraphLike,
  body: WorkflowBody,
): Promise<WorkflowState> {
  const taskDefinitionIds = await checkedTaskDefinitionIds(client, body);
  const started = Date.now();
  let created: Json;
  try {
    created = await call(
      client,
      "POST",
      `${LCW_PATH}/workflows`,
      substitute(body, taskDefinitionIds),
    );
  } catch (e) {
    const failure = e as { status?: number; unansweredAttempts?: number };
    if (failure.status !== 409) throw e;
    const holder = await workflowNamed(client, `${LCW_PATH}/workflows`, body.displayName);
    if (holder && (failure.unansweredAttempts ?? 0) > 0) {
      const own = await ownLostCreate(client, holder, body, taskDefinitionIds, started);
      if (own) return own;
    }
    return explainNameConflict(client, holder, body, e);
  }
  return { id: String(created.id), version: Number(created.version ?? 1), taskDefinitionIds };
}

/** How far the service's clock may be behind ours when it stamps createdDateTime. */
const CLOCK_SKEW_MS = 5 * 60_000;

/**
 * A create whose answer was lost (a timeout, a connection dropped after Graph acted) is retried
 * and meets its own workflow's name. The holder is this create's own when it was made after the
 * create started and is exactly the workflow asked for; anything else belongs to someone else,
 * and only a 409 that followed an unanswered attempt is looked at this way.
 */
async function ownLostCreate(
  client: GraphLike,
  holder: Json,
  body: WorkflowBody,
  taskDefinitionIds: Record<string, string>,
  started: number,
): Promise<WorkflowState | undefined> {
  if (!(Date.parse(String(holder.createdDateTime)) >= started - CLOCK_SKEW_MS)) return undefined;
  const live = await readWorkflow(client, String(holder.id), body, taskDefinitionIds);
  if (!live) return undefined;
  const changes = workflowChanges(body, live.body);
  if (Object.keys(changes.patched).length + Object.keys(changes.versioned).length > 0) {
    return undefined;
  }
  return { id: String(holder.id), version: live.version, taskDefinitionIds };
}

/**
 * Adopts the existing workflow `id` as the spec's: read, then changed only where it differs from
 * `body` (a PATCH or one new version, as an update); nothing is sent when it already matches.
 */
export async function adoptWorkflow(
  client: GraphLike,
  id: string,
  body: WorkflowBody,
): Promise<WorkflowState> {
  const taskDefinitionIds = await checkedTaskDefinitionIds(client, body);
  const live = await readWorkflow(client, id, body, taskDefinitionIds);
  if (!live) {
    throw new Error(
      `inbound:adopt: no workflow ${id} exists (deleted since the export?); remove it from inbound:adopt to create ${JSON.stringify(body.displayName)}`,
    );
  }
  const updated = await updateWorkflow(client, id, live.body, body, {
    version: live.version,
    taskDefinitionIds,
  });
  return { id, version: updated.version, taskDefinitionIds: updated.taskDefinitionIds };
}

/** The workflow in a collection with this display name (case-insensitive); none on failure. */
async function workflowNamed(
  client: GraphLike,
  path: string,
  displayName: string,
): Promise<Json | undefined> {
  const name = displayName.toLowerCase();
  try {
    const { value } = await call<{ value: Json[] }>(client, "GET", path);
    return value.find((w) => String(w.displayName).toLowerCase() === name);
  } catch {
    return undefined;
  }
}

/**
 * Display names are unique per tenant
 * (https://learn.microsoft.com/en-us/graph/api/identitygovernance-lifecycleworkflowscontainer-post-workflows),
 * and soft-deleted workflows keep theirs (undocumented; deletion is soft:
 * https://learn.microsoft.com/en-us/graph/api/identitygovernance-workflow-delete): say which
 * workflow holds the name and what to do, rather than Graph's bare 409.
 */
async function explainNameConflict(
  client: GraphLike,
  live: Json | undefined,
  body: WorkflowBody,
  cause: unknown,
): Promise<never> {
  const shown = JSON.stringify(body.displayName);
  if (live) {
    throw new Error(
      `a workflow named ${shown} already exists (id ${String(live.id)}) and is not managed by this stack; rename it in the spec, or delete it in Entra and run again`,
      { cause },
    );
  }
  const deleted = await workflowNamed(
    client,
    `${LCW_PATH}/deletedItems/workflows`,
    body.displayName,
  );
  if (deleted) {
    throw new Error(
      `a deleted workflow still holds the name ${shown} (id ${String(deleted.id)}, in deleted items for 30 days); restore it (POST ${LCW_PATH}/deletedItems/workflows/${String(deleted.id)}/restore), purge it (DELETE ${LCW_PATH}/deletedItems/workflows/${String(deleted.id)}), or rename the workflow; set purgeOnDelete to free names on delete`,
      { cause },
    );
  }
  throw cause;
}

/**
 * The workflow as it is in the tenant, in the shape of `desired` (with the same placeholders),
 * or undefined when it no longer exists (deleted out of band, or soft-deleted).
 */
export async function readWorkflow(
  client: GraphLike,
  id: string,
  desired: WorkflowBody,
  taskDefinitionIds: Record<string, string>,
): Promise<{ body: WorkflowBody; version: number } | undefined> {
  let workflow: Json;
  let tasks: Json[];
  try {
    workflow = await call(client, "GET", `${LCW_PATH}/workflows/${encodeURIComponent(id)}`);
    // `$expand=tasks` is undocumented; the tasks collection is documented
    // (https://learn.microsoft.com/en-us/graph/api/resources/identitygovernance-workflow).
    tasks = (
      await call<{ value: Json[] }>(
        client,
        "GET",
        `${LCW_PATH}/workflows/${encodeURIComponent(id)}/tasks`,
      )
    ).value;
  } catch (e) {
    if (isNotFound(e)) return undefined;
    throw e;
  }
  const body = normaliseWorkflow(workflow, tasks, substitute(desired, taskDefinitionIds));
  const back = Object.fromEntries(
    Object.entries(taskDefinitionIds).map(([k, v]) => [v.toLowerCase(), k]),
  );
  return {
    body: {
      ...body,
      tasks: body.tasks.map((t) => ({
        ...t,
        taskDefinitionId: back[t.taskDefinitionId.toLowerCase()] ?? t.taskDefinitionId,
      })),
    },
    version: Number(workflow.version ?? 1),
  };
}

export interface WorkflowUpdate extends WorkflowState {
  /** What was sent: nothing, a PATCH of the four PATCH-able properties, or a new version. */
  via: "none" | "patch" | "createNewVersion";
}

/**
 * Moves the workflow from `olds` to `news` the way Graph allows: a PATCH when only displayName,
 * description, isEnabled or isSchedulingEnabled changed; otherwise one createNewVersion with the
 * whole definition (same id, version + 1). Never a delete and re-create.
 */
export async function updateWorkflow(
  client: GraphLike,
  id: string,
  olds: WorkflowBody,
  news: WorkflowBody,
  state: { version: number; taskDefinitionIds: Record<string, string> },
): Promise<WorkflowUpdate> {
  const changes = workflowChanges(olds, news);
  const path = `${LCW_PATH}/workflows/${encodeURIComponent(id)}`;
  if (Object.keys(changes.versioned).length > 0) {
    const taskDefinitionIds = await checkedTaskDefinitionIds(client, news);
    const created = await call(client, "POST", `${path}/createNewVersion`, {
      workflow: substitute(news, taskDefinitionIds),
    });
    return {
      id,
      version: Number(created.version ?? state.version + 1),
      taskDefinitionIds,
      via: "createNewVersion",
    };
  }
  const patch: Json = {};
  for (const key of PATCHABLE) {
    if (key in changes.patched) patch[key] = news[key] ?? null;
  }
  if (Object.keys(patch).length === 0) return { id, ...state, via: "none" };
  await call(client, "PATCH", path, patch);
  return { id, ...state, via: "patch" };
}

/** Soft delete; with `purge`, also removes it from deleted items so the name can be reused. */
export async function deleteWorkflow(client: GraphLike, id: string, purge: boolean): Promise<void> {
  try {
    await call(client, "DELETE", `${LCW_PATH}/workflows/${encodeURIComponent(id)}`);
  } catch (e) {
    if (!isNotFound(e)) throw e;
  }
  if (!purge) return;
  try {
    await call(client, "DELETE", `${LCW_PATH}/deletedItems/workflows/${encodeURIComponent(id)}`);
  } catch (e) {
    if (!isNotFound(e)) throw e;
  }
}

// ---------------------------------------------------------------------------------------------
// custom task extensions

const EXTENSION_SERVER_FIELDS = ["id", "createdDateTime", "lastModifiedDateTime", "@odata.context"];

/**
 * `callbackConfiguration.authorizedApps` is a navigation property
 * (https://learn.microsoft.com/en-us/graph/api/resources/identitygovernance-customtaskextensioncallbackconfiguration),
 * which a read lists only when expanded; the Get page supports `$expand`
 * (https://learn.microsoft.com/en-us/graph/api/identitygovernance-customtaskextension-get).
 */
const EXPAND_AUTHORIZED_APPS = "$expand=callbackConfiguration/authorizedApps";

const extensionPath = (id: string) => `${LCW_PATH}/customTaskExtensions/${encodeURIComponent(id)}`;

/**
 * The extension with its authorized apps expanded. How the expansion is spelled for a navigation
 * property inside a complex property is not shown on the Get page, so a tenant that refuses it
 * (400) is read without it: its answer then lists none, and the caller says so.
 */
async function readExtension(client: GraphLike, id: string): Promise<Json> {
  try {
    return await call(client, "GET", `${extensionPath(id)}?${EXPAND_AUTHORIZED_APPS}`);
  } catch (e) {
    if ((e as { status?: number }).status !== 400) throw e;
    return call(client, "GET", extensionPath(id));
  }
}

/**
 * The ids a read lists in `authorizedApps`, lowercased. An expanded entry is an application
 * object, whose `id` is its object id and `appId` its client id; the body names an app by either
 * (the callback configuration page: "unique identifiers or appIds"), so both are kept.
 */
function authorizedAppIds(callback: unknown): string[] {
  const apps = (callback as Json | undefined)?.authorizedApps;
  if (!Array.isArray(apps)) return [];
  return apps.flatMap((app) =>
    ["id", "appId"]
      .map((k) => (app as Json | null)?.[k])
      .filter((v): v is string => typeof v === "string")
      .map((v) => v.toLowerCase()),
  );
}

/**
 * Microsoft documents no request body carrying `authorizedApps`, so a tenant could take the
 * write and keep none of it, and the Logic App's identity could then not resume the task: every
 * run would wait out the callback timeout and fail. After each write the extension is read back,
 * and an app sent but not listed fails the deployment.
 */
async function confirmAuthorizedApps(
  client: GraphLike,
  id: string,
  body: CustomTaskExtensionBody,
  after: "create" | "update",
): Promise<void> {
  const wanted = (body.callbackConfiguration?.authorizedApps ?? []).map((a) => a.id);
  if (wanted.length === 0) return;
  const found = await readExtension(client, id);
  const listed = authorizedAppIds(found.callbackConfiguration);
  const missing = wanted.filter((app) => !listed.includes(app.toLowerCase()));
  if (missing.length === 0) return;
  const outcome =
    after === "create"
      ? "it was deleted again, so that no extension its Logic App cannot resume is left behind"
      : "it keeps what Graph holds";
  throw new Error(
    `custom task extension ${JSON.stringify(body.displayName)} (${id}): Graph did not keep callbackConfiguration.authorizedApps after the ${after}: sent ${missing.join(", ")} (the Logic App's managed identity), read back ${listed.length > 0 ? listed.join(", ") : "none"}; without it the Logic App cannot resume its tasks, which would fail at their callback timeout; ${outcome}`,
  );
}

export async function createCustomTaskExtension(
  client: GraphLike,
  body: CustomTaskExtensionBody,
): Promise<string> {
  const created = await call(client, "POST", `${LCW_PATH}/customTaskExtensions`, body);
  const id = String(created.id);
  try {
    await confirmAuthorizedApps(client, id, body, "create");
  } catch (e) {
    await deleteCustomTaskExtension(client, id);
    throw e;
  }
  return id;
}

/** The extension as it is, limited to the properties the body sets; undefined when gone. */
export async function readCustomTaskExtension(
  client: GraphLike,
  id: string,
  desired: CustomTaskExtensionBody,
): Promise<CustomTaskExtensionBody | undefined> {
  try {
    const found = await readExtension(client, id);
    const body: Json = {};
    for (const [key, value] of Object.entries(found)) {
      if (EXTENSION_SERVER_FIELDS.includes(key) || value === null) continue;
      if (key in desired) body[key] = value;
    }
    // The trigger URL carries the trigger's SAS signature; a read that leaves it out is not
    // drift (whether Graph echoes it is undocumented), one that shows another URL is.
    const endpoint = body.endpointConfiguration as Json | undefined;
    const wanted = desired.endpointConfiguration?.url;
    if (endpoint && endpoint.url == null && wanted !== undefined) {
      body.endpointConfiguration = { ...endpoint, url: wanted };
    }
    const callback = body.callbackConfiguration as Json | undefined;
    if (callback) body.callbackConfiguration = liveCallback(callback, desired);
    return body as CustomTaskExtensionBody;
  } catch (e) {
    if (isNotFound(e)) return undefined;
    throw e;
  }
}

/**
 * The read's callback configuration in the body's shape: each expanded application object as the
 * `{ "@odata.type", id }` entry the body sends, under the id the body uses when either of the
 * object's ids matches it. No `authorizedApps` read back is none, which is drift when the body
 * sets some.
 */
function liveCallback(callback: Json, desired: CustomTaskExtensionBody): Json {
  const { authorizedApps: apps, ...rest } = callback;
  if (!Array.isArray(apps) || apps.length === 0) {
    return desired.callbackConfiguration?.authorizedApps ? { ...rest, authorizedApps: [] } : rest;
  }
  const sent = desired.callbackConfiguration?.authorizedApps ?? [];
  const entries = apps.map((app) => {
    const ids = authorizedAppIds({ authorizedApps: [app] });
    const match = sent.find((s) => ids.includes(s.id.toLowerCase()));
    const entry = app as Json;
    return {
      "@odata.type": "#microsoft.graph.application",
      id: match?.id ?? String(entry.appId ?? entry.id),
    };
  });
  return { ...rest, authorizedApps: entries };
}

export async function updateCustomTaskExtension(
  client: GraphLike,
  id: string,
  body: CustomTaskExtensionBody,
): Promise<void> {
  // PATCH can change every property of an extension
  // (https://learn.microsoft.com/en-us/graph/api/identitygovernance-customtaskextension-update).
  await call(client, "PATCH", extensionPath(id), body);
  await confirmAuthorizedApps(client, id, body, "update");
}

export async function deleteCustomTaskExtension(client: GraphLike, id: string): Promise<void> {
  try {
    await call(client, "DELETE", extensionPath(id));
  } catch (e) {
    if (!isNotFound(e)) throw e;
  }
}

// ---------------------------------------------------------------------------------------------
// tenant settings

const SETTINGS_PATH = `${LCW_PATH}/settings`;

/**
 * PATCHes the settings with both properties the update page marks Required
 * (https://learn.microsoft.com/en-us/graph/api/identitygovernance-lifecyclemanagementsettings-update).
 * What the spec leaves out is read from the tenant first (read-modify-write), so the PATCH does
 * not reset it. Returns what was sent.
 */
export async function patchSettings(
  client: GraphLike,
  desired: SettingsBody,
): Promise<CompleteSettingsBody> {
  const live = settingsAreComplete(desired)
    ? undefined
    : await call<Json>(client, "GET", SETTINGS_PATH);
  const body = completeSettings(desired, live);
  await call(client, "PATCH", SETTINGS_PATH, body);
  return body;
}

/** The settings as they are, limited to the properties `desired` sets. */
export async function readSettings(
  client: GraphLike,
  desired: SettingsBody,
): Promise<SettingsBody> {
  const found = await call(client, "GET", SETTINGS_PATH);
  const body: Json = { workflowScheduleIntervalInHours: found.workflowScheduleIntervalInHours };
  if (desired.emailSettings) {
    const email = (found.emailSettings ?? {}) as Json;
    body.emailSettings = Object.fromEntries(
      Object.keys(desired.emailSettings).map((k) => [k, email[k] ?? null]),
    );
  }
  if (desired.quarantineConfiguration) {
    body.quarantineConfiguration = normaliseQuarantineConfiguration(found.quarantineConfiguration);
  }
  return body as SettingsBody;
}

/**
 * Removing the settings from the spec hands the tenant back Entra's defaults for what the spec
 * managed: the schedule, and the whole mail settings (sender domain included) when the spec set
 * them. Mail settings the spec never set are carried over from the tenant as they are. The
 * execution limits (quarantineConfiguration) stay as they are: the PATCH leaves them out, and
 * removing a guardrail is left to a person. The
 * default mail settings go without a senderDomain (it may not be null): the PATCH replaces the
 * complex property whole, which leaves the tenant with no custom domain.
 */
export async function restoreDefaultSettings(
  client: GraphLike,
  managedEmail: boolean,
): Promise<CompleteSettingsBody> {
  if (managedEmail) {
    await call(client, "PATCH", SETTINGS_PATH, DEFAULT_SETTINGS);
    return DEFAULT_SETTINGS;
  }
  return patchSettings(
    client,
    managedEmail
      ? DEFAULT_SETTINGS
      : { workflowScheduleIntervalInHours: DEFAULT_SETTINGS.workflowScheduleIntervalInHours },
  );
}

// ---------------------------------------------------------------------------------------------
// quarantine

/**
 * Why a workflow stopped: Graph's quarantineDetails
 * (https://learn.microsoft.com/en-us/graph/api/resources/identitygovernance-quarantinedetails).
 */
export interface WorkflowQuarantine {
  quarantinedDateTime: string | null;
  /** countBasedThresholdExceeded, percentageBasedThresholdExceeded, multipleConditionsExceeded… */
  quarantineType: string | null;
  quarantineReason: string | null;
}

export interface QuarantinedWorkflow {
  id: string;
  displayName: string;
  quarantine: WorkflowQuarantine;
}

/**
 * The tenant's workflows in quarantine. A workflow whose scheduled run exceeded its execution
 * limits runs no scheduled run until a Lifecycle Workflows Administrator clears it
 * (https://learn.microsoft.com/en-us/entra/id-governance/lifecycle-workflow-execution-limits);
 * its quarantineDetails say when and why. The property is asked for by name: whether a plain
 * read returns it is not documented. A `quarantineType` of notQuarantined counts as not
 * quarantined.
 */
export async function listQuarantinedWorkflows(
  client: Pick<GraphClient, "getAllPages">,
): Promise<QuarantinedWorkflow[]> {
  const workflows = await client.getAllPages<Json>(
    `${LCW_PATH}/workflows?$select=id,displayName,quarantineDetails`,
    { headers },
  );
  const quarantined: QuarantinedWorkflow[] = [];
  for (const w of workflows) {
    const details = w.quarantineDetails as Json | null | undefined;
    if (typeof details !== "object" || details === null) continue;
    if (String(details.quarantineType ?? "").toLowerCase() === "notquarantined") continue;
    const text = (v: unknown) => (typeof v === "string" ? v : null);
    quarantined.push({
      id: String(w.id),
      displayName: String(w.displayName),
      quarantine: {
        quarantinedDateTime: text(details.quarantinedDateTime),
        quarantineType: text(details.quarantineType),
        quarantineReason: text(details.quarantineReason),
      },
    });
  }
  return quarantined;
}

/** The spec's workflows (by key) that are in quarantine, matched by display name. */
export function specWorkflowsInQuarantine(
  workflows: Record<string, { displayName: string }>,
  quarantined: readonly QuarantinedWorkflow[],
): (QuarantinedWorkflow & { key: string })[] {
  const found: (QuarantinedWorkflow & { key: string })[] = [];
  for (const [key, { displayName }] of Object.entries(workflows)) {
    // Graph refuses two workflows whose names differ only in case.
    const match = quarantined.find(
      (q) => q.displayName.toLowerCase() === displayName.toLowerCase(),
    );
    if (match) found.push({ key, ...match });
  }
  return found;
}

/**
 * What a person must do to clear a quarantine. The clearQuarantine action supports no
 * application permission, and for delegated access names Lifecycle Workflows Administrator as the
 * least privileged role (https://learn.microsoft.com/en-us/graph/api/identitygovernance-workflow-clearquarantine),
 * so no deploy, pipeline or app-only token can clear it.
 */
export const CLEAR_QUARANTINE =
  "it runs no scheduled run until a Lifecycle Workflows Administrator, signed in, approves it: Microsoft Entra admin center > ID Governance > Lifecycle workflows > Quarantined workflows > Approve execution (app-only access cannot clear it; see docs/lifecycle-workflows.md#quarantine)";
