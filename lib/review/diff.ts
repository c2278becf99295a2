/**
 * What changed between two loaded tenant specs, and which of those changes are risky to deploy.
 * The specs are compared after `extends` and variables are resolved, so a base-file change shows
 * up in the tenant it reaches; key order and comments never count as a change, and neither does
 * writing a mapping in its short or long form or an expression with the same meaning.
 */
import type { TenantSpec } from "../model/schema";
import { taskEntry } from "../lifecycle/compile";
import { TASK_PROPERTIES } from "../lifecycle/tasks";
import { sameExpression } from "./expressions";
import { longMapping, Risk, risksBetween } from "./risks";
import { WorkflowUpdate, workflowUpdates } from "./workflows";

export type { Risk, RiskCode } from "./risks";
export { RISK_CODES } from "./risks";
export type { WorkflowUpdate } from "./workflows";

/** A step into the spec: a key, a position, or a list item named by its identity. */
export type SpecPath = (string | number | { item: string })[];

export interface Change {
  path: string;
  before?: unknown;
  after?: unknown;
  /**
   * For an item of a list compared by identity (tasks, matching rules, scoping groups and
   * clauses, lists of values): it was `added` or `removed`, or `moved` (`before` and `after` are
   * then its positions, from 0). `path` is the list's, and `item` names the item.
   */
  change?: "added" | "removed" | "moved";
  item?: string;
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
    .map((p) =>
      typeof p === "number" ? `[${p}]` : typeof p === "object" ? `[${p.item}]` : `.${p}`,
    )
    .join("")
    .slice(1);
}

interface Identity {
  /** Equal for the same item on both sides. */
  key: (item: unknown) => string;
  /** How the report names the item. */
  label: (item: unknown) => string;
  /** What of a paired item is compared field by field (its whole self by default). */
  state?: (item: unknown) => unknown;
}

const json = (v: unknown) => JSON.stringify(v);

/** A task is the same task when its kind and arguments are; its properties are its state. */
const TASK: Identity = {
  key: (entry) => {
    const { name, options } = taskEntry(
      entry as TenantSpec["lifecycleWorkflows"][string]["tasks"][number],
    );
    const args = Object.entries(options)
      .filter(([k]) => !(TASK_PROPERTIES as readonly string[]).includes(k))
      .sort(([a], [b]) => a.localeCompare(b));
    return json([name, args]);
  },
  label: (entry) => {
    const { name, options } = taskEntry(
      entry as TenantSpec["lifecycleWorkflows"][string]["tasks"][number],
    );
    const args = Object.fromEntries(
      Object.entries(options).filter(([k]) => !(TASK_PROPERTIES as readonly string[]).includes(k)),
    );
    return Object.keys(args).length === 0 ? name : `${name} ${json(args)}`;
  },
  // A bare name and `name: { ... }` are one task; what differs is in the options.
  state: (entry) =>
    taskEntry(entry as TenantSpec["lifecycleWorkflows"][string]["tasks"][number]).options,
};

const VALUE: Identity = { key: json, label: (v) => (typeof v === "string" ? v : json(v)) };

/** Lists whose items have an identity of their own, by the name of the list's key. */
function identityOf(path: SpecPath, before: unknown[], after: unknown[]): Identity | undefined {
  const last = path[path.length - 1];
  if (path[0] === "lifecycleWorkflows" && last === "tasks") return TASK;
  if (last === "matching") {
    return {
      key: json,
      label: (m) => `${(m as { source: string }).source} → ${(m as { target: string }).target}`,
    };
  }
  if (last === "anyOf") {
    const named = (g: unknown) => (g as { name?: string }).name;
    return {
      key: (g) => (named(g) ? `name:${named(g)}` : json(g)),
      label: (g) => named(g) ?? json(g),
    };
  }
  if (last === "allOf") {
    const attribute = (c: unknown) => (c as { attribute: string }).attribute;
    return { key: attribute, label: attribute };
  }
  const scalar = (v: unknown) => v === null || typeof v !== "object";
  if (before.every(scalar) && after.every(scalar)) return VALUE;
  return undefined;
}

/**
 * Compares two lists item by item: the n-th item with a key on one side pairs with the n-th with
 * the same key on the other, so removing a task reads as that task removed, not as every later
 * task changing. Paired items that changed their order relative to the others are `moved`.
 */
function walkList(
  before: unknown[],
  after: unknown[],
  path: SpecPath,
  identity: Identity,
  out: Change[],
): void {
  const free = new Map<string, number[]>();
  before.forEach((item, i) => {
    const key = identity.key(item);
    free.set(key, [...(free.get(key) ?? []), i]);
  });
  const pairs: [number, number][] = [];
  const added: number[] = [];
  after.forEach((item, j) => {
    const i = free.get(identity.key(item))?.shift();
    if (i === undefined) added.push(j);
    else pairs.push([i, j]);
  });
  const paired = new Set(pairs.map(([i]) => i));
  const where = join(path);
  before.forEach((item, i) => {
    if (!paired.has(i)) {
      out.push({ path: where, change: "removed", item: identity.label(item), before: item });
    }
  });
  for (const j of added) {
    out.push({ path: where, change: "added", item: identity.label(after[j]), after: after[j] });
  }
  const kept = longestIncreasing(pairs.map(([i]) => i));
  for (const [i, j] of pairs) {
    if (!kept.has(i)) {
      out.push({
        path: where,
        change: "moved",
        item: identity.label(after[j]),
        before: i,
        after: j,
      });
    }
    const state = identity.state ?? ((v: unknown) => v);
    walk(state(before[i]), state(after[j]), [...path, { item: identity.label(after[j]) }], out);
  }
}

/** The values of one longest increasing subsequence of `xs`: the items that did not move. */
function longestIncreasing(xs: number[]): Set<number> {
  const length = xs.map(() => 1);
  const previous = xs.map(() => -1);
  for (let b = 0; b < xs.length; b++) {
    for (let a = 0; a < b; a++) {
      if (xs[a] < xs[b] && length[a] + 1 > length[b]) {
        length[b] = length[a] + 1;
        previous[b] = a;
      }
    }
  }
  let at = length.indexOf(Math.max(0, ...length));
  const kept = new Set<number>();
  while (at >= 0) {
    kept.add(xs[at]);
    at = previous[at];
  }
  return kept;
}

function walk(before: unknown, after: unknown, path: SpecPath, out: Change[]): void {
  if (isObject(before) && isObject(after)) {
    const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
    for (const k of keys) walk(before[k], after[k], [...path, k], out);
    return;
  }
  if (Array.isArray(before) && Array.isArray(after)) {
    const identity = identityOf(path, before, after);
    if (identity) return walkList(before, after, path, identity, out);
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
