/**
 * What changed between two loaded tenant specs, and which of those changes are risky to deploy.
 * The specs are compared after `extends` and variables are resolved, so a base-file change shows
 * up in the tenant it reaches; key order and comments never count as a change.
 */
import type { TenantSpec } from "../model/schema";
import { parseExpression } from "../expressions/parser";
import { printExpression } from "../expressions/printer";

export type SpecPath = (string | number)[];

export interface Change {
  path: string;
  before?: unknown;
  after?: unknown;
}

export interface Risk {
  code: RiskCode;
  message: string;
  tenant: string;
  path: string;
}

export type RiskCode =
  | "delete-enabled"
  | "scope-widened"
  | "deletion-guard-weakened"
  | "matching-changed"
  | "upn-changed-on-update"
  | "leaver-timing-changed"
  | "uploader-safeguard-weakened"
  | "workflow-disabled"
  | "permission-widened";

export interface SpecDiff {
  tenant: string;
  changes: Change[];
  risks: Risk[];
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
  if (JSON.stringify(before) !== JSON.stringify(after) && !sameExpression(before, after, path)) {
    out.push({ path: join(path), before, after });
  }
}

/**
 * Two expressions that print the same once parsed (`[a]` and `[ a ]`) are no change; only
 * values under mappings and columns are expressions, so other strings are compared as written.
 */
function sameExpression(before: unknown, after: unknown, path: SpecPath): boolean {
  if (typeof before !== "string" || typeof after !== "string") return false;
  if (!path.some((p) => p === "mappings" || p === "columns")) return false;
  const a = parseExpression(before).ast;
  const b = parseExpression(after).ast;
  return a !== undefined && b !== undefined && printExpression(a) === printExpression(b);
}

/** The risk a single change carries, if any: judged from where it is and which way it moved. */
function riskOf(c: Change, tenant: string): Risk | undefined {
  const risk = (code: RiskCode, message: string): Risk => ({ code, message, tenant, path: c.path });
  const last = c.path.split(/[.[]/).pop() ?? "";
  if (
    /actions/i.test(c.path) &&
    JSON.stringify(c.after ?? "")
      .toLowerCase()
      .includes("delete")
  ) {
    if (
      !JSON.stringify(c.before ?? "")
        .toLowerCase()
        .includes("delete")
    ) {
      return risk("delete-enabled", "Delete was added to the actions: users can now be deleted.");
    }
  }
  if (last === "deletionThreshold") {
    if (c.after === undefined || (typeof c.before === "number" && Number(c.after) > c.before)) {
      return risk("deletion-guard-weakened", "The deletion threshold was raised or removed.");
    }
  }
  if (last === "notificationEmail" && c.before !== undefined && c.after === undefined) {
    return risk("deletion-guard-weakened", "The deletion-threshold notification was removed.");
  }
  if (
    last === "maxDisablePercent" &&
    (c.after === undefined || Number(c.after) > Number(c.before))
  ) {
    return risk("uploader-safeguard-weakened", "The uploader may now disable more users per run.");
  }
  if (/(^|\.)matching(\.|\[|$)/.test(c.path)) {
    return risk(
      "matching-changed",
      "Matching changed: existing users may not be matched and duplicates may be created.",
    );
  }
  if (
    (last === "enabled" || last === "schedulingEnabled") &&
    c.before === true &&
    c.after !== true
  ) {
    return risk("workflow-disabled", "A workflow was disabled.");
  }
  if (/scope/i.test(c.path) && c.before !== undefined && c.after === undefined) {
    return risk("scope-widened", "A scope clause was removed: more users are in scope.");
  }
  return undefined;
}

export function diffSpecs(tenant: string, before: TenantSpec, after: TenantSpec): SpecDiff {
  const changes: Change[] = [];
  walk(before, after, [], changes);
  const risks = changes.flatMap((c) => riskOf(c, tenant) ?? []);
  return { tenant, changes, risks };
}
