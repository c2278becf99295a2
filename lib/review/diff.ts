/**
 * What changed between two loaded tenant specs, and which of those changes are risky to deploy.
 * The specs are compared after `extends` and variables are resolved, so a base-file change shows
 * up in the tenant it reaches; key order and comments never count as a change, and neither does
 * writing a mapping in its short or long form or an expression with the same meaning.
 */
import type { TenantSpec } from "../model/schema";
import { sameExpression } from "./expressions";
import { longMapping, Risk, risksBetween } from "./risks";
import { WorkflowUpdate, workflowUpdates } from "./workflows";

export type { Risk, RiskCode } from "./risks";
export { RISK_CODES } from "./risks";
export type { WorkflowUpdate } from "./workflows";

export type SpecPath = (string | number)[];

export interface Change {
  path: string;
  before?: unknown;
  after?: unknown;
}

export interface SpecDiff {
  /** The tenant's name from the head spec (`tenant.name`). */
  tenant: string;
  changes: Change[];
  risks: Risk[];
  /** Per changed workflow: created, deleted, PATCHed, or a new version. */
  workflows: WorkflowUpdate[];
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function join(path: SpecPath): string {
  return path
    .map((p) => (typeof p === "number" ? `[${p}]` : `.${p}`))
    .join("")
    .slice(1);
}

function walk(before: unknown, after: unknown, path: SpecPath, out: Change[]): void {
  if (isObject(before) && isObject(after)) {
    const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
    for (const k of keys) walk(before[k], after[k], [...path, k], out);
    return;
  }
  if (Array.isArray(before) && Array.isArray(after)) {
    const n = Math.max(before.length, after.length);
    for (let i = 0; i < n; i++) walk(before[i], after[i], [...path, i], out);
    return;
  }
  if (JSON.stringify(before) === JSON.stringify(after)) return;
  // Only values under mappings and columns are expressions; other strings compare as written.
  if (path.some((p) => p === "mappings" || p === "columns") && sameExpression(before, after)) {
    return;
  }
  out.push({ path: join(path), before, after });
}

/** Every mapping in its long form, so `"[a]"` and `{ expression: "[a]" }` compare equal. */
function comparable(spec: TenantSpec): unknown {
  return {
    ...spec,
    provisioning: Object.fromEntries(
      Object.entries(spec.provisioning).map(([key, app]) => [
        key,
        {
          ...app,
          mappings: Object.fromEntries(
            Object.entries(app.mappings).map(([t, m]) => [t, longMapping(m)]),
          ),
        },
      ]),
    ),
  };
}

export function diffSpecs(before: TenantSpec, after: TenantSpec): SpecDiff {
  const changes: Change[] = [];
  walk(comparable(before), comparable(after), [], changes);
  return {
    tenant: after.tenant.name,
    changes,
    risks: changes.length === 0 ? [] : risksBetween(before, after),
    workflows: workflowUpdates(before, after),
  };
}
