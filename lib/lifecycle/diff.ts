/**
 * Comparing workflow bodies the way Graph lets us change them
 * (https://learn.microsoft.com/en-us/graph/api/identitygovernance-workflow-update and
 * https://learn.microsoft.com/en-us/graph/api/identitygovernance-workflow-createnewversion):
 * displayName, description, isEnabled and isSchedulingEnabled are PATCHed; anything else (the
 * category, the execution conditions, any task) needs `createNewVersion`. Server-side fields (ids,
 * versions, timestamps, execution sequence) are not part of the comparison.
 */
import type { CustomTaskExtensionBody, TaskBody, WorkflowBody } from "./compile";

export const PATCHABLE = [
  "displayName",
  "description",
  "isEnabled",
  "isSchedulingEnabled",
] as const;

export type ChangeKind = "add" | "delete" | "update";

export interface WorkflowChanges {
  /** Keys that need a new version: `category`, `executionConditions`, `tasks[i]`. */
  versioned: Record<string, ChangeKind>;
  /** Keys a PATCH can change. */
  patched: Record<string, ChangeKind>;
}

/** JSON with sorted keys, for comparing nested Graph objects regardless of key order. */
export function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => {
    if (v && typeof v === "object" && !Array.isArray(v)) {
      return Object.fromEntries(Object.entries(v).sort(([a], [b]) => a.localeCompare(b)));
    }
    return v;
  });
}

/** The properties of a custom task extension's body; every one can be PATCHed. */
export const EXTENSION_BODY_KEYS = [
  "displayName",
  "description",
  "endpointConfiguration",
  "authenticationConfiguration",
  "clientConfiguration",
  "callbackConfiguration",
] as const;

/** The extension body properties whose values differ. */
export function changedExtensionKeys(
  olds: Partial<CustomTaskExtensionBody>,
  news: Partial<CustomTaskExtensionBody>,
): string[] {
  return EXTENSION_BODY_KEYS.filter((k) => canonical(olds[k]) !== canonical(news[k]));
}

function canonicalTask(task: TaskBody | undefined): string {
  if (!task) return "";
  return canonical({
    ...task,
    taskDefinitionId: task.taskDefinitionId.toLowerCase(),
    arguments: [...task.arguments].sort((a, b) => a.name.localeCompare(b.name)),
  });
}

export function workflowChanges(olds: WorkflowBody, news: WorkflowBody): WorkflowChanges {
  const changes: WorkflowChanges = { versioned: {}, patched: {} };
  const kind = (a: unknown, b: unknown): ChangeKind =>
    a === undefined ? "add" : b === undefined ? "delete" : "update";
  for (const key of PATCHABLE) {
    if (olds[key] !== news[key]) changes.patched[key] = kind(olds[key], news[key]);
  }
  if (olds.category !== news.category) changes.versioned.category = "update";
  if (canonical(olds.executionConditions) !== canonical(news.executionConditions)) {
    changes.versioned.executionConditions = "update";
  }
  const count = Math.max(olds.tasks.length, news.tasks.length);
  for (let i = 0; i < count; i++) {
    if (canonicalTask(olds.tasks[i]) !== canonicalTask(news.tasks[i])) {
      changes.versioned[`tasks[${i}]`] = kind(olds.tasks[i], news.tasks[i]);
    }
  }
  return changes;
}

type Json = Record<string, unknown>;

/**
 * A workflow as Graph returns it (`GET workflows/{id}` plus its tasks), in the shape of the body
 * that created it, so that the two compare equal when nothing drifted. `desired` supplies what a
 * response leaves out: Graph echoes a group-based scope without its groups, and a task's
 * read-only category is compared only if the spec sets it.
 */
export function normaliseWorkflow(
  server: Json,
  tasks: Json[],
  desired: WorkflowBody,
): WorkflowBody {
  const conditions = { ...((server.executionConditions as Json) ?? {}) };
  const scope = conditions.scope as Json | undefined;
  const desiredScope = desired.executionConditions.scope as Json | undefined;
  if (scope && scope.groups === undefined && desiredScope && "groups" in desiredScope) {
    conditions.scope = { ...scope, groups: desiredScope.groups };
  }
  if (conditions.scope === null) delete conditions.scope;
  const ordered = [...tasks].sort(
    (a, b) => Number(a.executionSequence ?? 0) - Number(b.executionSequence ?? 0),
  );
  const body: WorkflowBody = {
    category: server.category as WorkflowBody["category"],
    displayName: String(server.displayName),
    isEnabled: server.isEnabled === true,
    isSchedulingEnabled: server.isSchedulingEnabled === true,
    executionConditions: conditions as unknown as WorkflowBody["executionConditions"],
    tasks: ordered.map((task, i) => normaliseTask(task, desired.tasks[i])),
  };
  if (typeof server.description === "string") body.description = server.description;
  return body;
}

function normaliseTask(task: Json, desired: TaskBody | undefined): TaskBody {
  const body: TaskBody = {
    continueOnError: task.continueOnError === true,
    displayName: String(task.displayName),
    isEnabled: task.isEnabled !== false,
    taskDefinitionId: String(task.taskDefinitionId),
    arguments: ((task.arguments as Json[]) ?? []).map((a) => ({
      name: String(a.name),
      value: String(a.value),
    })),
  };
  if (typeof task.description === "string") body.description = task.description;
  if (desired?.category !== undefined && typeof task.category === "string") {
    body.category = task.category;
  }
  return body;
}
