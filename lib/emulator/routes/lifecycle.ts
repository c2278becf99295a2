/**
 * Lifecycle Workflows routes of the Graph emulator, behaving as the documentation says the real
 * service does (https://learn.microsoft.com/en-us/graph/api/resources/identitygovernance-workflow):
 * create returns 201 without tasks, PATCH refuses
 * anything but the four PATCH-able properties, createNewVersion keeps the id and bumps the
 * version, DELETE is soft, and without `Prefer: include-unknown-enum-members` a v1.0 read shows
 * a mover workflow's category as `unknownFutureValue`.
 */
import * as fs from "fs";
import * as path from "path";
import { randomUUID } from "crypto";

export interface LifecycleRequest {
  method: string;
  /** Path after the version segment, without the query: `/identityGovernance/...`. */
  path: string;
  query: URLSearchParams;
  headers: Record<string, string | string[] | undefined>;
  body: unknown;
}

export interface LifecycleResponse {
  status: number;
  body?: unknown;
}

type Json = Record<string, unknown>;

export interface LifecycleState {
  workflows: Map<string, Json>;
  /** Tasks by workflow id. */
  tasks: Map<string, Json[]>;
  versions: Map<string, Json[]>;
  deletedWorkflows: Map<string, { workflow: Json; tasks: Json[] }>;
  customTaskExtensions: Map<string, Json>;
  settings: Json;
  taskDefinitions: Json[];
  /**
   * Drop `callbackConfiguration.authorizedApps` from every write, as a tenant would that ignores
   * it in the body (Microsoft documents no request example carrying it).
   */
  dropsAuthorizedApps: boolean;
}

const FIXTURE = path.join(__dirname, "..", "fixtures", "taskDefinitions-v1.0.response.json");

/**
 * Task definitions a 2026 tenant has beyond the 25 of the v1.0 response, named as Microsoft's
 * pages name them: preview tasks carry " (Preview)" in their display name (the Update user
 * attributes and unsponsored guest removal how-tos). Ids as the localized task table lists them
 * (https://learn.microsoft.com/ja-jp/entra/id-governance/lifecycle-workflow-tasks).
 */
export const NEWER_TASK_DEFINITIONS: readonly Json[] = [
  {
    id: "2c8f4a1b-7d3e-4f9c-8a5b-6e1d2c3f4a5b",
    displayName: "Update user attributes (Preview)",
    description: "Update or clear user attribute values including custom attributes",
    category: "joiner,leaver,mover",
    parameters: [{ name: "attributeUpdates", values: [], valueType: "string" }],
  },
  {
    id: "b8c4e1f9-3a7d-4b2e-9c5f-8d6a9b1c2e3f",
    displayName: "Send email to manager about sponsorship changes",
    description: "Send email to manager about sponsorship changes",
    category: "leaver,mover",
    parameters: [],
  },
  {
    id: "ad3b85cd-75b1-43e7-b4b9-0e52faba3944",
    displayName: "Send email to co-sponsors about sponsor changes",
    description: "Send email to co-sponsors about sponsor changes",
    category: "leaver,mover",
    parameters: [],
  },
  {
    id: "b8f4c3d5-9e7a-4b1c-8f2d-6a5e8b9c7f4a",
    displayName: "Transfer agent identity sponsorships to manager",
    description: "Transfer agent identity sponsorships to manager",
    category: "leaver,mover",
    parameters: [],
  },
  {
    id: "92f74cb4-f1b6-4ec0-b766-96210f56edc2",
    displayName: "Send email about user inactivity",
    description: "Send email about user inactivity",
    category: "leaver",
    parameters: [],
  },
  {
    id: "a8e4c7f2-9d1b-4a3e-b5c6-8f2e7a9d4c1b",
    displayName: "Send email about unsponsored guest removal (Preview)",
    description: "Send email about unsponsored guest removal",
    category: "leaver",
    parameters: [],
  },
];

export function createLifecycleState(): LifecycleState {
  const definitions = JSON.parse(fs.readFileSync(FIXTURE, "utf8")) as { value: Json[] };
  return {
    workflows: new Map(),
    tasks: new Map(),
    versions: new Map(),
    deletedWorkflows: new Map(),
    customTaskExtensions: new Map(),
    settings: {
      workflowScheduleIntervalInHours: 3,
      // A tenant that never set execution limits: whether Graph then answers
      // quarantineConfiguration null or leaves it out is not documented; the emulator leaves it out.
      emailSettings: { senderDomain: null, useCompanyBranding: false },
    },
    taskDefinitions: [...definitions.value, ...NEWER_TASK_DEFINITIONS.map((d) => ({ ...d }))],
    dropsAuthorizedApps: false,
  };
}

const BASE = "/identityGovernance/lifecycleWorkflows";
const PATCHABLE = ["displayName", "description", "isEnabled", "isSchedulingEnabled"];
const TASK_PATCHABLE = ["displayName", "description"];
const SERVER_FIELDS = [
  "id",
  "createdDateTime",
  "lastModifiedDateTime",
  "version",
  "deletedDateTime",
  "nextScheduleRunDateTime",
  "quarantineDetails",
];

const error = (status: number, code: string, message: string): LifecycleResponse => ({
  status,
  body: { error: { code, message } },
});
const notFound = (what: string) => error(404, "ResourceNotFound", `${what} was not found`);

function wantsUnknownEnums(req: LifecycleRequest): boolean {
  const prefer = req.headers["prefer"];
  const values = Array.isArray(prefer) ? prefer : prefer ? [prefer] : [];
  return values.some((v) => v.split(",").some((p) => p.trim() === "include-unknown-enum-members"));
}

/** A workflow as a read returns it; `mover` hides behind the evolvable-enum sentinel. */
function view(req: LifecycleRequest, workflow: Json, tasks?: Json[]): Json {
  const shown: Json = { ...workflow };
  if (shown.category === "mover" && !wantsUnknownEnums(req)) shown.category = "unknownFutureValue";
  const scope = (shown.executionConditions as Json | undefined)?.scope as Json | undefined;
  if (scope?.["@odata.type"] === "#microsoft.graph.identityGovernance.groupBasedSubjectSet") {
    // The documented response echoes a group-based scope without its groups.
    const { groups: _groups, ...rest } = scope;
    shown.executionConditions = { ...(shown.executionConditions as Json), scope: rest };
  }
  if (tasks) shown.tasks = tasks;
  return shown;
}

function validateDefinition(state: LifecycleState, body: Json): LifecycleResponse | undefined {
  for (const key of ["category", "displayName", "executionConditions", "tasks"]) {
    if (body[key] === undefined)
      return error(400, "InvalidRequest", `property '${key}' is required`);
  }
  if (!["joiner", "leaver", "mover"].includes(String(body.category))) {
    return error(400, "InvalidRequest", `category '${String(body.category)}' is not valid`);
  }
  if (body.isEnabled === false && body.isSchedulingEnabled === true) {
    return error(
      400,
      "InvalidRequest",
      "isSchedulingEnabled can't be true when isEnabled is false",
    );
  }
  const tasks = body.tasks as Json[];
  if (!Array.isArray(tasks) || tasks.length === 0 || tasks.length > 25) {
    return error(400, "InvalidRequest", "a workflow needs 1-25 tasks");
  }
  for (const task of tasks) {
    const definition = state.taskDefinitions.find(
      (d) => String(d.id).toLowerCase() === String(task.taskDefinitionId).toLowerCase(),
    );
    if (!definition) {
      return error(
        400,
        "InvalidRequest",
        `taskDefinitionId '${String(task.taskDefinitionId)}' does not exist`,
      );
    }
    if (!String(definition.category).split(",").includes(String(body.category))) {
      return error(
        400,
        "InvalidRequest",
        `task '${String(task.displayName)}' is not valid for category ${String(body.category)}`,
      );
    }
    if (!Array.isArray(task.arguments))
      return error(400, "InvalidRequest", "task arguments are required");
    for (const argument of task.arguments as Json[]) {
      if (typeof argument.value !== "string") {
        return error(400, "InvalidRequest", `argument '${String(argument.name)}' must be a string`);
      }
    }
  }
  return undefined;
}

function storeTasks(state: LifecycleState, body: Json): Json[] {
  return (body.tasks as Json[]).map((task, i) => {
    const definition = state.taskDefinitions.find(
      (d) => String(d.id).toLowerCase() === String(task.taskDefinitionId).toLowerCase(),
    )!;
    return {
      isEnabled: true,
      continueOnError: false,
      description: null,
      ...task,
      id: randomUUID(),
      executionSequence: i + 1,
      category: definition.category,
    };
  });
}

function definitionOf(body: Json): Json {
  const { tasks: _tasks, ...rest } = body;
  for (const key of SERVER_FIELDS) delete rest[key];
  return { description: null, isEnabled: true, isSchedulingEnabled: false, ...rest };
}

function workflowRoutes(
  state: LifecycleState,
  req: LifecycleRequest,
  rest: string[],
): LifecycleResponse {
  const [id, action] = rest;
  const now = new Date().toISOString();
  if (id === undefined) {
    if (req.method === "GET") {
      return {
        status: 200,
        body: { value: [...state.workflows.values()].map((w) => view(req, w)) },
      };
    }
    if (req.method === "POST") {
      const body = req.body as Json;
      const invalid = validateDefinition(state, body);
      if (invalid) return invalid;
      const taken = [
        ...state.workflows.values(),
        ...[...state.deletedWorkflows.values()].map((d) => d.workflow),
      ].some((w) => String(w.displayName).toLowerCase() === String(body.displayName).toLowerCase());
      if (taken)
        return error(
          409,
          "Conflict",
          `a workflow named '${String(body.displayName)}' already exists`,
        );
      const workflow: Json = {
        ...definitionOf(body),
        id: randomUUID(),
        createdDateTime: now,
        lastModifiedDateTime: now,
        version: 1,
        deletedDateTime: null,
        nextScheduleRunDateTime: null,
        quarantineDetails: null,
      };
      state.workflows.set(String(workflow.id), workflow);
      state.tasks.set(String(workflow.id), storeTasks(state, body));
      state.versions.set(String(workflow.id), []);
      return { status: 201, body: view(req, workflow) };
    }
    return error(405, "MethodNotAllowed", req.method);
  }

  const workflow = state.workflows.get(id);
  if (!workflow) return notFound(`workflow ${id}`);
  const tasks = state.tasks.get(id)!;

  if (action === undefined) {
    if (req.method === "GET") {
      const expand = (req.query.get("$expand") ?? "").split(",").includes("tasks");
      return { status: 200, body: view(req, workflow, expand ? tasks : undefined) };
    }
    if (req.method === "PATCH") {
      const body = req.body as Json;
      const refused = Object.keys(body).filter((k) => !PATCHABLE.includes(k));
      if (refused.length > 0) {
        return error(
          400,
          "InvalidRequest",
          `only displayName, description, isEnabled and isSchedulingEnabled can be updated; use createNewVersion to change ${refused.join(", ")}`,
        );
      }
      const next = { ...workflow, ...body };
      if (next.isEnabled === false && next.isSchedulingEnabled === true) {
        return error(
          400,
          "InvalidRequest",
          "isSchedulingEnabled can't be true when isEnabled is false",
        );
      }
      state.workflows.set(id, { ...next, lastModifiedDateTime: now });
      return { status: 204 };
    }
    if (req.method === "DELETE") {
      state.workflows.delete(id);
      state.deletedWorkflows.set(id, { workflow: { ...workflow, deletedDateTime: now }, tasks });
      return { status: 204 };
    }
    return error(405, "MethodNotAllowed", req.method);
  }

  if (action === "tasks") {
    const taskId = rest[2];
    if (taskId === undefined && req.method === "GET")
      return { status: 200, body: { value: tasks } };
    const task = tasks.find((t) => t.id === taskId);
    if (!task) return notFound(`task ${taskId} of workflow ${id}`);
    if (req.method === "GET") return { status: 200, body: task };
    if (req.method === "PATCH") {
      // A task's own PATCH changes only its name and description (identitygovernance-task-update).
      const body = req.body as Json;
      const refused = Object.keys(body).filter((k) => !TASK_PATCHABLE.includes(k));
      if (refused.length > 0) {
        return error(
          400,
          "InvalidRequest",
          `only displayName and description of a task can be updated; use createNewVersion to change ${refused.join(", ")}`,
        );
      }
      Object.assign(task, body);
      return { status: 204 };
    }
    return error(405, "MethodNotAllowed", req.method);
  }
  if (action === "versions" && req.method === "GET") {
    return { status: 200, body: { value: state.versions.get(id) ?? [] } };
  }
  if (
    (action === "createNewVersion" ||
      action === "microsoft.graph.identityGovernance.createNewVersion") &&
    req.method === "POST"
  ) {
    const wrapped = (req.body as Json | undefined)?.workflow as Json | undefined;
    if (!wrapped)
      return error(400, "InvalidRequest", "the body must wrap the definition in 'workflow'");
    const invalid = validateDefinition(state, wrapped);
    if (invalid) return invalid;
    const previous = { ...definitionOf(workflow), versionNumber: workflow.version, tasks };
    state.versions.get(id)!.push(previous);
    const next: Json = {
      ...workflow,
      ...definitionOf(wrapped),
      version: Number(workflow.version) + 1,
      lastModifiedDateTime: now,
    };
    state.workflows.set(id, next);
    state.tasks.set(id, storeTasks(state, wrapped));
    return { status: 200, body: view(req, next) };
  }
  return notFound(`${req.method} workflows/${id}/${action}`);
}

function deletedRoutes(
  state: LifecycleState,
  req: LifecycleRequest,
  rest: string[],
): LifecycleResponse {
  const [id, action] = rest;
  if (id === undefined && req.method === "GET") {
    return {
      status: 200,
      body: { value: [...state.deletedWorkflows.values()].map((d) => view(req, d.workflow)) },
    };
  }
  const deleted = id === undefined ? undefined : state.deletedWorkflows.get(id);
  if (!deleted) return notFound(`deleted workflow ${id}`);
  if (action === undefined && req.method === "GET")
    return { status: 200, body: view(req, deleted.workflow) };
  if (action === undefined && req.method === "DELETE") {
    state.deletedWorkflows.delete(id!);
    return { status: 204 };
  }
  if (action === "restore" && req.method === "POST") {
    state.deletedWorkflows.delete(id!);
    const workflow = { ...deleted.workflow, deletedDateTime: null };
    state.workflows.set(id!, workflow);
    state.tasks.set(id!, deleted.tasks);
    return { status: 200, body: view(req, workflow) };
  }
  return error(405, "MethodNotAllowed", req.method);
}

/**
 * `callbackConfiguration.authorizedApps` is a collection of application objects, each naming an
 * app by id or appId (identitygovernance-customtaskextensioncallbackconfiguration); anything else
 * is refused.
 */
function invalidAuthorizedApps(body: Json | undefined): LifecycleResponse | undefined {
  const apps = (body?.callbackConfiguration as Json | undefined)?.authorizedApps;
  if (apps === undefined) return undefined;
  const valid =
    Array.isArray(apps) &&
    apps.every(
      (app) =>
        typeof app === "object" &&
        app !== null &&
        typeof (app as Json).id === "string" &&
        [undefined, "#microsoft.graph.application"].includes(
          (app as Json)["@odata.type"] as string | undefined,
        ),
    );
  return valid
    ? undefined
    : error(400, "InvalidRequest", "authorizedApps must be a collection of applications");
}

/** The written extension as this tenant keeps it: without authorizedApps when it drops them. */
function kept(state: LifecycleState, body: Json): Json {
  const callback = body.callbackConfiguration as Json | undefined;
  if (!state.dropsAuthorizedApps || !callback || !("authorizedApps" in callback)) return body;
  const { authorizedApps: _dropped, ...rest } = callback;
  return { ...body, callbackConfiguration: rest };
}

/**
 * An extension as a read returns it: `authorizedApps` is a navigation property, so it is listed
 * only under `$expand=callbackConfiguration/authorizedApps` (the Get page supports `$expand`:
 * https://learn.microsoft.com/en-us/graph/api/identitygovernance-customtaskextension-get).
 */
function extensionView(req: LifecycleRequest, extension: Json): Json {
  const expand = (req.query.get("$expand") ?? "").split(",").map((e) => e.trim());
  const callback = extension.callbackConfiguration as Json | undefined;
  if (expand.includes("callbackConfiguration/authorizedApps") || !callback) return extension;
  const { authorizedApps: _apps, ...rest } = callback;
  return { ...extension, callbackConfiguration: rest };
}

function extensionRoutes(
  state: LifecycleState,
  req: LifecycleRequest,
  rest: string[],
): LifecycleResponse {
  const [id] = rest;
  if (id === undefined) {
    if (req.method === "GET") {
      const value = [...state.customTaskExtensions.values()].map((e) => extensionView(req, e));
      return { status: 200, body: { value } };
    }
    if (req.method === "POST") {
      const body = req.body as Json;
      for (const key of ["displayName", "endpointConfiguration", "authenticationConfiguration"]) {
        if (body[key] === undefined)
          return error(400, "InvalidRequest", `property '${key}' is required`);
      }
      const refused = invalidAuthorizedApps(body);
      if (refused) return refused;
      const now = new Date().toISOString();
      const extension = {
        ...kept(state, body),
        id: randomUUID(),
        createdDateTime: now,
        lastModifiedDateTime: now,
      };
      state.customTaskExtensions.set(String(extension.id), extension);
      return { status: 201, body: extensionView(req, extension) };
    }
    return error(405, "MethodNotAllowed", req.method);
  }
  const extension = state.customTaskExtensions.get(id);
  if (!extension) return notFound(`customTaskExtension ${id}`);
  if (req.method === "GET") return { status: 200, body: extensionView(req, extension) };
  if (req.method === "PATCH") {
    const refused = invalidAuthorizedApps(req.body as Json);
    if (refused) return refused;
    state.customTaskExtensions.set(id, {
      ...extension,
      ...kept(state, req.body as Json),
      lastModifiedDateTime: new Date().toISOString(),
    });
    return { status: 204 };
  }
  if (req.method === "DELETE") {
    const used = [...state.tasks.values()]
      .flat()
      .some((t) =>
        ((t.arguments as Json[]) ?? []).some(
          (a) => a.name === "customTaskExtensionID" && a.value === id,
        ),
      );
    if (used)
      return error(400, "InvalidRequest", `customTaskExtension ${id} is used by a workflow`);
    state.customTaskExtensions.delete(id);
    return { status: 204 };
  }
  return error(405, "MethodNotAllowed", req.method);
}

/** `$filter=category has 'joiner'`, the one filter the taskDefinitions page documents. */
function listDefinitions(definitions: Json[], req: LifecycleRequest): LifecycleResponse {
  const filter = req.query.get("$filter");
  if (!filter) return { status: 200, body: { value: definitions } };
  const category = /^category has '(\w+)'$/.exec(filter.trim())?.[1];
  if (!category) return error(400, "BadRequest", `unsupported $filter: ${filter}`);
  const value = definitions.filter((d) => String(d.category).split(",").includes(category));
  return { status: 200, body: { value } };
}

/**
 * The update page marks both properties Required
 * (https://learn.microsoft.com/en-us/graph/api/identitygovernance-lifecyclemanagementsettings-update),
 * so a PATCH without one is refused; emailSettings, a complex value, is replaced whole.
 */
function patchSettings(state: LifecycleState, body: Json): LifecycleResponse {
  const missing = ["workflowScheduleIntervalInHours", "emailSettings"].filter(
    (key) => body?.[key] === undefined,
  );
  if (missing.length > 0) {
    return error(
      400,
      "InvalidRequest",
      `${missing.map((k) => `'${k}'`).join(" and ")} ${missing.length > 1 ? "are" : "is"} required`,
    );
  }
  const interval = body.workflowScheduleIntervalInHours;
  if (typeof interval !== "number" || interval < 1 || interval > 24) {
    return error(400, "InvalidRequest", "workflowScheduleIntervalInHours must be 1-24");
  }
  const email = body.emailSettings as Json | null;
  if (email === null || typeof email !== "object" || Array.isArray(email)) {
    return error(400, "InvalidRequest", "emailSettings must be an emailSettings object");
  }
  // The v1.0 metadata declares senderDomain Nullable="false" (emailSettings); a read may still
  // show null for a tenant that never set one.
  if (email.senderDomain === null) {
    return error(400, "InvalidRequest", "emailSettings.senderDomain may not be null");
  }
  const quarantine = body.quarantineConfiguration;
  if (quarantine !== undefined) {
    const refused = invalidQuarantineConfiguration(quarantine);
    if (refused) return error(400, "InvalidRequest", refused);
  }
  state.settings = {
    ...state.settings,
    workflowScheduleIntervalInHours: interval,
    emailSettings: { senderDomain: null, useCompanyBranding: false, ...email },
    ...(quarantine !== undefined ? { quarantineConfiguration: quarantine } : {}),
  };
  return { status: 204 };
}

const CONDITION_PROPERTY: Record<string, string> = {
  "#microsoft.graph.identityGovernance.countBasedQuarantineCondition": "threshold",
  "#microsoft.graph.identityGovernance.percentageBasedQuarantineCondition": "percentage",
};

/**
 * A quarantineConfiguration is a matchMode (any, all) and conditions told apart by `@odata.type`,
 * each with its one integer
 * (https://learn.microsoft.com/en-us/graph/api/resources/identitygovernance-quarantineconfiguration).
 * Null is accepted as "none", the state of a tenant that never set limits.
 */
function invalidQuarantineConfiguration(value: unknown): string | undefined {
  if (value === null) return undefined;
  if (typeof value !== "object" || Array.isArray(value)) {
    return "quarantineConfiguration must be a quarantineConfiguration object";
  }
  const { matchMode, conditions } = value as Json;
  if (!["any", "all"].includes(String(matchMode))) {
    return `quarantineConfiguration.matchMode '${String(matchMode)}' is not valid`;
  }
  if (!Array.isArray(conditions)) return "quarantineConfiguration.conditions must be a collection";
  for (const condition of conditions as Json[]) {
    const property = CONDITION_PROPERTY[String(condition?.["@odata.type"])];
    if (!property) {
      return `quarantineCondition '${String(condition?.["@odata.type"])}' is not a known type`;
    }
    if (!Number.isInteger(condition[property])) return `${property} must be an integer`;
  }
  return undefined;
}

/** Handles a Lifecycle Workflows request, or returns undefined for paths outside this area. */
export function handleLifecycle(
  state: LifecycleState,
  req: LifecycleRequest,
): LifecycleResponse | undefined {
  if (!req.path.startsWith(BASE + "/")) return undefined;
  const [collection, ...rest] = req.path
    .slice(BASE.length + 1)
    .split("/")
    .filter(Boolean)
    .map(decodeURIComponent);
  switch (collection) {
    case "workflows":
      return workflowRoutes(state, req, rest);
    case "deletedItems":
      if (rest[0] !== "workflows") return notFound(req.path);
      return deletedRoutes(state, req, rest.slice(1));
    case "customTaskExtensions":
      return extensionRoutes(state, req, rest);
    case "taskDefinitions":
      if (req.method !== "GET") return error(405, "MethodNotAllowed", req.method);
      return listDefinitions(state.taskDefinitions, req);
    case "settings":
      if (req.method === "GET") return { status: 200, body: state.settings };
      if (req.method === "PATCH") return patchSettings(state, req.body as Json);
      return error(405, "MethodNotAllowed", req.method);
    default:
      return notFound(req.path);
  }
}
