/**
 * What Graph does with each changed workflow. Only displayName, description, isEnabled and
 * isSchedulingEnabled can be PATCHed; a change to the trigger, the scope or any task goes through
 * createNewVersion
 * (https://learn.microsoft.com/en-us/graph/api/identitygovernance-workflow-createnewversion), which
 * a reviewer should know: the new version is what runs from then on, and the old one stays in the
 * workflow's version history. Both sides are compiled to the bodies the provider sends and
 * compared the way the provider compares them (lib/lifecycle/diff.ts), so the answer is the
 * provider's.
 */
import type { TenantSpec } from "../model/schema";
import { compileWorkflow, placeholderResolver } from "../lifecycle/compile";
import { workflowChanges } from "../lifecycle/diff";

export type WorkflowVia = "create" | "delete" | "patch" | "createNewVersion";

export interface WorkflowUpdate {
  key: string;
  displayName: string;
  via: WorkflowVia;
  /** The workflow body's keys that changed: `executionConditions`, `tasks[2]`, `displayName`. */
  changed: string[];
}

export function workflowUpdates(before: TenantSpec, after: TenantSpec): WorkflowUpdate[] {
  const keys = [
    ...new Set([
      ...Object.keys(before.lifecycleWorkflows),
      ...Object.keys(after.lifecycleWorkflows),
    ]),
  ].sort();
  const updates: WorkflowUpdate[] = [];
  for (const key of keys) {
    const old = before.lifecycleWorkflows[key];
    const now = after.lifecycleWorkflows[key];
    if (!old || !now) {
      const w = (now ?? old)!;
      updates.push({
        key,
        displayName: w.displayName,
        via: now ? "create" : "delete",
        changed: [],
      });
      continue;
    }
    const where = `lifecycleWorkflows.${key}`;
    const changes = workflowChanges(
      compileWorkflow(old, placeholderResolver, where),
      compileWorkflow(now, placeholderResolver, where),
    );
    const versioned = Object.keys(changes.versioned);
    const patched = Object.keys(changes.patched);
    if (versioned.length + patched.length === 0) continue;
    updates.push({
      key,
      displayName: now.displayName,
      via: versioned.length > 0 ? "createNewVersion" : "patch",
      changed: [...versioned, ...patched],
    });
  }
  return updates;
}

/** The sentence a reviewer reads for one update. */
export function describeUpdate(u: WorkflowUpdate): string {
  switch (u.via) {
    case "create":
      return `workflow ${u.key} is created`;
    case "delete":
      return `workflow ${u.key} is deleted`;
    case "patch":
      return `workflow ${u.key} is updated in place (PATCH of ${u.changed.join(", ")})`;
    case "createNewVersion":
      return `workflow ${u.key}: Graph makes a new workflow version (createNewVersion; changed: ${u.changed.join(", ")})`;
  }
}
