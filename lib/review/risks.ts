/**
 * The risky changes between two specs, judged per object (an app's scope, a workflow's trigger)
 * rather than from the path of a changed leaf: whether a scope widened depends on how the whole
 * clause moved, and a permission comes from the identities a spec creates, not from one field.
 */
import type { Mapping, ProvisioningApp, ScopeClause, TenantSpec, Workflow } from "../model/schema";
import { graphGrantsOf } from "../provisioning/grants";
import { canonical } from "../lifecycle/diff";
import { sameExpression } from "./expressions";
import { parseScopeRule, RuleNode } from "../lifecycle/scopeRule";

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

/** Every code, in the order a summary lists them. */
export const RISK_CODES: readonly RiskCode[] = [
  "delete-enabled",
  "deletion-guard-weakened",
  "scope-widened",
  "matching-changed",
  "upn-changed-on-update",
  "leaver-timing-changed",
  "workflow-disabled",
  "uploader-safeguard-weakened",
  "permission-widened",
];

export interface Risk {
  code: RiskCode;
  message: string;
  /** The tenant's name from the spec (`tenant.name`). */
  tenant: string;
  path: string;
}

type Emit = (code: RiskCode, path: string, message: string) => void;

/** Mapping targets whose value is a sign-in name or address: recomputing it renames users. */
const IDENTITY_TARGETS = ["userPrincipalName", "mail"];

export function risksBetween(before: TenantSpec, after: TenantSpec): Risk[] {
  const risks: Risk[] = [];
  const emit: Emit = (code, path, message) =>
    risks.push({ code, message, tenant: after.tenant.name, path });
  for (const [key, app] of Object.entries(after.provisioning)) {
    appRisks(before.provisioning[key], app, `provisioning.${key}`, emit);
  }
  for (const [key, workflow] of Object.entries(after.lifecycleWorkflows)) {
    workflowRisks(before.lifecycleWorkflows[key], workflow, `lifecycleWorkflows.${key}`, emit);
  }
  permissionRisks(before, after, emit);
  return risks;
}

function appRisks(
  before: ProvisioningApp | undefined,
  after: ProvisioningApp,
  path: string,
  emit: Emit,
): void {
  if (after.actions.includes("delete") && !before?.actions.includes("delete")) {
    emit(
      "delete-enabled",
      `${path}.actions`,
      "Delete was added to the target object actions: provisioning can now delete users.",
    );
  }
  if (!before) return;
  // Compared after defaults, so a threshold removed from the file shows as raised to Entra's 500.
  if (after.deletionThreshold > before.deletionThreshold) {
    emit(
      "deletion-guard-weakened",
      `${path}.deletionThreshold`,
      `The accidental-deletion threshold was raised from ${before.deletionThreshold} to ${after.deletionThreshold}: more accounts can be deleted in one cycle before it stops.`,
    );
  }
  if (canonical(before.matching) !== canonical(after.matching)) {
    emit(
      "matching-changed",
      `${path}.matching`,
      `Matching changed from ${matchingText(before)} to ${matchingText(after)}: existing users may not be matched, and duplicates may be created.`,
    );
  }
  scopeRisks(before.scope, after.scope, `${path}.scope`, emit);
  for (const target of IDENTITY_TARGETS) {
    upnRisk(before.mappings[target], after.mappings[target], `${path}.mappings.${target}`, emit);
  }
  const was = before.uploader?.safeguard.maxDisablePercent;
  const now = after.uploader?.safeguard.maxDisablePercent;
  if (was !== undefined && now !== undefined && now > was) {
    emit(
      "uploader-safeguard-weakened",
      `${path}.uploader.safeguard.maxDisablePercent`,
      `The uploader may now disable ${now}% of known users in one run (was ${was}%).`,
    );
  }
}

const matchingText = (app: ProvisioningApp) =>
  app.matching.map((m) => `${m.source} → ${m.target}`).join(", then ");

interface LongMapping {
  expression?: string;
  default?: string | number | boolean;
  apply: "always" | "onCreate";
}

export function longMapping(m: Mapping): LongMapping {
  return typeof m === "string" ? { expression: m, apply: "always" } : m;
}

function upnRisk(
  beforeMapping: Mapping | undefined,
  afterMapping: Mapping | undefined,
  path: string,
  emit: Emit,
): void {
  if (!afterMapping) return;
  const after = longMapping(afterMapping);
  if (after.apply !== "always") return;
  const before = beforeMapping ? longMapping(beforeMapping) : undefined;
  const target = path.split(".").pop();
  if (!before || before.apply !== "always") {
    emit(
      "upn-changed-on-update",
      path,
      `${target} is now applied always: every update recomputes it, renaming existing users whose value differs.`,
    );
  } else if (
    before.expression !== after.expression &&
    !sameExpression(before.expression, after.expression)
  ) {
    emit(
      "upn-changed-on-update",
      path,
      `The ${target} expression changed on a mapping applied always: existing users are renamed at their next update.`,
    );
  }
}

// ---------------------------------------------------------------------------------------------
// scope

type Scope = NonNullable<ProvisioningApp["scope"]>;
type Group = Scope["anyOf"][number];

/**
 * Operators that match at least what the key matches, for the same value: moving to one of them
 * can only let more records in (an exact value also ends with and includes itself).
 */
const LOOSER: Record<string, readonly string[]> = {
  equals: ["includes", "endsWith", "regexMatch", "isNotNull"],
  endsWith: ["includes", "regexMatch", "isNotNull"],
  includes: ["regexMatch", "isNotNull"],
  regexMatch: ["isNotNull"],
  greaterThan: ["greaterThanOrEquals", "isNotNull"],
  greaterThanOrEquals: ["isNotNull"],
  lessThan: ["isNotNull"],
  isTrue: ["isNotNull"],
  isFalse: ["isNotNull"],
};

const values = (c: ScopeClause) =>
  (Array.isArray(c.value) ? c.value : c.value === undefined ? [] : [c.value]).map(String);

/** How `after` lets in more than `before` on the same attribute, or undefined if it does not. */
function loosening(before: ScopeClause, after: ScopeClause): string | undefined {
  if (before.operator !== after.operator) {
    return LOOSER[before.operator]?.includes(after.operator)
      ? `the operator was loosened from ${before.operator} to ${after.operator}`
      : undefined;
  }
  const was = values(before);
  const now = values(after);
  const op = before.operator;
  if (["equals", "includes", "endsWith", "regexMatch"].includes(op)) {
    const added = now.filter((v) => !was.includes(v));
    if (added.length > 0 && was.every((v) => now.includes(v))) {
      return `${added.map((v) => JSON.stringify(v)).join(", ")} was added to its values`;
    }
  }
  if (["notEquals", "notRegexMatch"].includes(op)) {
    const dropped = was.filter((v) => !now.includes(v));
    if (dropped.length > 0 && now.every((v) => was.includes(v))) {
      return `${dropped.map((v) => JSON.stringify(v)).join(", ")} is no longer excluded`;
    }
  }
  const [a, b] = [Number(was[0]), Number(now[0])];
  if (!Number.isNaN(a) && !Number.isNaN(b)) {
    if (op.startsWith("greaterThan") && b < a) return `its bound was lowered from ${a} to ${b}`;
    if (op === "lessThan" && b > a) return `its bound was raised from ${a} to ${b}`;
  }
  return undefined;
}

function groupLabel(group: Group, index: number): string {
  return group.name ? `group "${group.name}"` : `group ${index + 1}`;
}

/**
 * The before-group each after-group continues: the one of the same name; for unnamed groups, an
 * unchanged one wherever it stands now (removing a group moves the ones after it), then the
 * remaining unnamed ones in order.
 */
function pairGroups(before: Scope, after: Scope): (Group | undefined)[] {
  const same = (a: Group, b: Group) => JSON.stringify(a) === JSON.stringify(b);
  const free = before.anyOf.filter((g) => !g.name);
  const pairs = after.anyOf.map((group) => {
    if (group.name) return before.anyOf.find((g) => g.name === group.name);
    const at = free.findIndex((g) => same(g, group));
    return at < 0 ? undefined : free.splice(at, 1)[0];
  });
  after.anyOf.forEach((group, g) => {
    if (!group.name && !pairs[g]) pairs[g] = free.shift();
  });
  return pairs;
}

function scopeRisks(
  before: Scope | undefined,
  after: Scope | undefined,
  path: string,
  emit: Emit,
): void {
  // No scope before means every record was in scope: nothing can widen it.
  if (!before) return;
  if (!after) {
    emit("scope-widened", path, "The scope was removed: every incoming record is now in scope.");
    return;
  }
  const pairs = pairGroups(before, after);
  after.anyOf.forEach((group, g) => {
    const groupPath = `${path}.anyOf[${g}]`;
    const old = pairs[g];
    if (!old) {
      // Groups are ORed: a new one can only add records.
      emit(
        "scope-widened",
        groupPath,
        `Scoping ${groupLabel(group, g)} was added: records it matches are now in scope as well.`,
      );
      return;
    }
    // Clauses are ANDed: pair them by attribute, in order; one left without a partner was removed.
    const remaining = [...group.allOf.map((c, i) => ({ c, i }))];
    for (const clause of old.allOf) {
      const at = remaining.findIndex((r) => r.c.attribute === clause.attribute);
      if (at < 0) {
        emit(
          "scope-widened",
          `${groupPath}.allOf`,
          `In scoping ${groupLabel(group, g)} the clause "${clause.attribute} ${clause.operator}${clause.value === undefined ? "" : ` ${JSON.stringify(clause.value)}`}" was removed: more records are in scope.`,
        );
        continue;
      }
      const [{ c, i }] = remaining.splice(at, 1);
      const how = loosening(clause, c);
      if (how) {
        emit(
          "scope-widened",
          `${groupPath}.allOf[${i}]`,
          `In scoping ${groupLabel(group, g)} the clause on ${clause.attribute}: ${how}; more records are in scope.`,
        );
      }
    }
  });
}

// ---------------------------------------------------------------------------------------------
// workflows

function triggerText(w: Workflow): string {
  const t = w.trigger;
  if ("offsetDays" in t) {
    return `${t.attribute} ${t.offsetDays < 0 ? "" : "+"}${t.offsetDays} days`;
  }
  return canonical(t);
}

function workflowRisks(
  before: Workflow | undefined,
  after: Workflow,
  path: string,
  emit: Emit,
): void {
  if (!before) return;
  for (const key of ["enabled", "schedulingEnabled"] as const) {
    if (before[key] && !after[key]) {
      emit(
        "workflow-disabled",
        `${path}.${key}`,
        `Workflow ${after.displayName} was ${key === "enabled" ? "disabled" : "taken off the schedule"}: it no longer runs for the users it reaches.`,
      );
    }
  }
  const leaver = before.category === "leaver" || after.category === "leaver";
  if (leaver && canonical(before.trigger) !== canonical(after.trigger)) {
    emit(
      "leaver-timing-changed",
      `${path}.trigger`,
      `Leaver workflow ${after.displayName} moved from ${triggerText(before)} to ${triggerText(after)}: users are offboarded at a different time.`,
    );
  }
  if (before.scope !== undefined && after.scope === undefined) {
    emit(
      "scope-widened",
      `${path}.scope`,
      `Workflow ${after.displayName} lost its scope rule: it now runs for every user its trigger reaches.`,
    );
  } else if (before.scope !== undefined && after.scope !== undefined) {
    const how = ruleWidening(before.scope, after.scope);
    if (how) {
      emit(
        "scope-widened",
        `${path}.scope`,
        `Workflow ${after.displayName}'s scope rule ${how}: it runs for more users.`,
      );
    }
  }
}

/** The terms of a rule joined by `kind` at its top, each as position-free JSON. */
function terms(node: RuleNode, kind: "and" | "or"): string[] {
  if (node.kind === kind) return [...terms(node.left, kind), ...terms(node.right, kind)];
  return [JSON.stringify(node, (key, value: unknown) => (key === "column" ? undefined : value))];
}

/**
 * How the `after` rule lets in more users than `before`, judged on the rule's shape: a condition
 * dropped from its top-level `and`s, or one added to its top-level `or`s. Rules that do not parse
 * are left alone (validate reports them), and other rewrites are changes without a verdict.
 */
function ruleWidening(before: string, after: string): string | undefined {
  const a = parseScopeRule(before).ast;
  const b = parseScopeRule(after).ast;
  if (!a || !b) return undefined;
  const contains = (outer: string[], inner: string[]) => inner.every((t) => outer.includes(t));
  const [andA, andB] = [terms(a, "and"), terms(b, "and")];
  if (andB.length < andA.length && contains(andA, andB)) return "lost a condition";
  const [orA, orB] = [terms(a, "or"), terms(b, "or")];
  if (orB.length > orA.length && contains(orB, orA)) return "gained an alternative (or)";
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// permissions

function permissionRisks(before: TenantSpec, after: TenantSpec, emit: Emit): void {
  const held = new Set(graphGrantsOf(before).flatMap((g) => g.roles.map((r) => `${g.path} ${r}`)));
  for (const grant of graphGrantsOf(after)) {
    for (const role of grant.roles) {
      if (held.has(`${grant.path} ${role}`)) continue;
      emit(
        "permission-widened",
        grant.path,
        `Microsoft Graph application permission ${role} is granted to ${grant.identity}.`,
      );
    }
  }
}
