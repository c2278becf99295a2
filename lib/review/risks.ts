/**
 * The risky changes between two specs, judged per object (an app's scope, a workflow's trigger)
 * rather than from the path of a changed leaf: whether a scope widened depends on how the whole
 * clause moved, and a permission comes from the identities a spec creates, not from one field.
 */
import type { Mapping, ProvisioningApp, ScopeClause, TenantSpec, Workflow } from "../model/schema";
import { graphGrantsOf } from "../provisioning/grants";
import { canonical } from "../lifecycle/diff";
import { entryDefinition, taskEntry } from "../lifecycle/compile";
import { TASK_PROPERTIES } from "../lifecycle/tasks";
import { parseExpression } from "../expressions/parser";
import { printExpression } from "../expressions/printer";
import { referencedAttributes, resolveScimTarget } from "../records";
import { sameExpression } from "./expressions";
import { parseScopeRule, RuleNode } from "../lifecycle/scopeRule";

/**
 * A change is a risk when it can (a) leave a person with access they should lose, (b) take access
 * from people who should keep it, (c) rename, re-match or duplicate existing people, or (d) widen
 * what an identity may do. docs/review.md goes through every field of the spec against this.
 */
export type RiskCode =
  | "delete-enabled"
  | "scope-widened"
  | "scope-narrowed"
  | "out-of-scope-kept"
  | "updates-stopped"
  | "app-removed"
  | "account-enabled-unlinked"
  | "deletion-guard-weakened"
  | "matching-changed"
  | "upn-changed-on-update"
  | "leaver-timing-changed"
  | "uploader-safeguard-weakened"
  | "workflow-removed"
  | "workflow-disabled"
  | "leaver-task-removed"
  | "permission-widened";

/** Every code, in the order a summary lists them. */
export const RISK_CODES: readonly RiskCode[] = [
  "app-removed",
  "updates-stopped",
  "account-enabled-unlinked",
  "out-of-scope-kept",
  "delete-enabled",
  "deletion-guard-weakened",
  "scope-widened",
  "scope-narrowed",
  "matching-changed",
  "upn-changed-on-update",
  "workflow-removed",
  "leaver-task-removed",
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
const IDENTITY_TARGETS = ["userPrincipalName", "mail", "mailNickname", "sAMAccountName", "cn"];

/** Workflows whose tasks take access away: losing one leaves people with access. */
const OFFBOARDING = ["leaver", "mover"];

export function risksBetween(before: TenantSpec, after: TenantSpec): Risk[] {
  const risks: Risk[] = [];
  const emit: Emit = (code, path, message) =>
    risks.push({ code, message, tenant: after.tenant.name, path });
  for (const [key, app] of Object.entries(before.provisioning)) {
    if (after.provisioning[key]) continue;
    emit(
      "app-removed",
      `provisioning.${key}`,
      `Provisioning app ${app.displayName} was removed: HR changes, leavers included, no longer reach its accounts, which keep their access.`,
    );
  }
  for (const [key, app] of Object.entries(after.provisioning)) {
    appRisks(before.provisioning[key], app, after, `provisioning.${key}`, emit);
  }
  for (const [key, workflow] of Object.entries(before.lifecycleWorkflows)) {
    const now = after.lifecycleWorkflows[key];
    if (!OFFBOARDING.includes(workflow.category)) continue;
    if (!now) {
      emit(
        "workflow-removed",
        `lifecycleWorkflows.${key}`,
        `${workflow.category[0].toUpperCase()}${workflow.category.slice(1)} workflow ${workflow.displayName} was deleted: the access it removed is kept.`,
      );
    } else if (now.category !== workflow.category) {
      emit(
        "workflow-removed",
        `lifecycleWorkflows.${key}.category`,
        `Workflow ${now.displayName} is no longer a ${workflow.category} workflow (now ${now.category}): the access it removed is kept.`,
      );
    }
  }
  for (const [key, workflow] of Object.entries(after.lifecycleWorkflows)) {
    workflowRisks(before.lifecycleWorkflows[key], workflow, `lifecycleWorkflows.${key}`, emit);
  }
  permissionRisks(before, after, emit);
  return risks;
}

// ---------------------------------------------------------------------------------------------
// where a mapping's value comes from

/**
 * What a mapping's value is made of, through the uploader's `csv.columns`: the mapping's
 * expression in canonical form, and each SCIM attribute it reads with the CSV expression that
 * fills it (or the attribute itself when the app has no uploader). Two mappings with equal
 * lineages give every person the same value; `columns` are the HR columns it follows.
 */
export interface Lineage {
  text: string;
  /** HR columns (or, without an uploader, SCIM attributes) the value follows. */
  columns: string[];
}

function canonicalExpression(text: string): string {
  const parsed = parseExpression(text);
  return parsed.ast ? printExpression(parsed.ast) : text;
}

function readsOf(text: string): string[] {
  const parsed = parseExpression(text);
  return parsed.ast ? referencedAttributes(parsed.ast) : [];
}

/** The `csv.columns` expression that fills SCIM attribute `name`, matched on canonical names. */
function columnFor(app: ProvisioningApp, name: string): string | undefined {
  const columns = app.uploader?.csv.columns;
  if (!columns) return undefined;
  const canonicalName = (key: string) => {
    const t = resolveScimTarget(key, app.scimExtension);
    return "error" in t ? key : t.canonical;
  };
  const wanted = canonicalName(name);
  const key = Object.keys(columns).find((k) => k === name || canonicalName(k) === wanted);
  return key === undefined ? undefined : columns[key];
}

export function lineage(app: ProvisioningApp, target: string): Lineage | undefined {
  const mapping = app.mappings[target];
  if (!mapping) return undefined;
  const long = longMapping(mapping);
  return scimLineage(app, long.expression, long.default);
}

function scimLineage(
  app: ProvisioningApp,
  expression: string | undefined,
  fallback?: unknown,
): Lineage {
  const parts: string[] = [expression === undefined ? "" : canonicalExpression(expression)];
  const columns = new Set<string>();
  for (const attribute of (expression === undefined ? [] : readsOf(expression)).sort()) {
    const column = app.uploader ? columnFor(app, attribute) : undefined;
    if (!app.uploader) {
      columns.add(attribute);
      parts.push(attribute);
    } else if (column !== undefined) {
      parts.push(`${attribute}=${canonicalExpression(column)}`);
      for (const c of readsOf(column)) columns.add(c);
    } else {
      parts.push(`${attribute}=`);
    }
  }
  parts.push(JSON.stringify(fallback ?? null));
  return { text: parts.join("\n"), columns: [...columns].sort() };
}

function appRisks(
  before: ProvisioningApp | undefined,
  after: ProvisioningApp,
  spec: TenantSpec,
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
  if (before.actions.includes("update") && !after.actions.includes("update")) {
    emit(
      "updates-stopped",
      `${path}.actions`,
      "Update was removed from the target object actions: HR changes no longer reach existing accounts, so leavers are not disabled.",
    );
  }
  if (!before.skipOutOfScopeDeletions && after.skipOutOfScopeDeletions) {
    emit(
      "out-of-scope-kept",
      `${path}.skipOutOfScopeDeletions`,
      "skipOutOfScopeDeletions is now true: people who leave the scope keep enabled accounts.",
    );
  }
  accountEnabledRisk(before, after, path, emit);
  if (canonical(before.matching) !== canonical(after.matching)) {
    emit(
      "matching-changed",
      `${path}.matching`,
      `Matching changed from ${matchingText(before)} to ${matchingText(after)}: existing users may not be matched, and duplicates may be created.`,
    );
  } else {
    matchingValueRisks(before, after, path, emit);
  }
  if (
    before.target !== after.target ||
    canonical(before.activeDirectory?.domain) !== canonical(after.activeDirectory?.domain)
  ) {
    emit(
      "matching-changed",
      `${path}.target`,
      `The app now provisions to ${after.target === "entra" ? "Entra ID" : `Active Directory ${after.activeDirectory?.domain}`} (was ${before.target === "entra" ? "Entra ID" : `Active Directory ${before.activeDirectory?.domain}`}): existing accounts are not matched there, and new ones are created.`,
    );
  }
  scopeRisks(before.scope, after.scope, `${path}.scope`, emit);
  for (const target of IDENTITY_TARGETS) {
    upnRisk(before, after, target, `${path}.mappings.${target}`, emit);
  }
  leaverDateRisks(before, after, spec, path, emit);
  callerRisks(before, after, `${path}.uploader.httpTrigger`, emit);
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
  beforeApp: ProvisioningApp,
  afterApp: ProvisioningApp,
  target: string,
  path: string,
  emit: Emit,
): void {
  const afterMapping = afterApp.mappings[target];
  if (!afterMapping) return;
  const after = longMapping(afterMapping);
  if (after.apply !== "always") return;
  const beforeMapping = beforeApp.mappings[target];
  const before = beforeMapping ? longMapping(beforeMapping) : undefined;
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
  } else if (lineage(beforeApp, target)?.text !== lineage(afterApp, target)?.text) {
    emit(
      "upn-changed-on-update",
      path,
      `The HR columns that ${target} is made of changed (uploader.csv.columns), on a mapping applied always: existing users are renamed at their next update.`,
    );
  }
}

/**
 * `accountEnabled` is what disables a leaver: once it no longer follows the HR record (a
 * constant, other columns, applied only on create, or gone), HR can no longer disable anyone.
 */
function accountEnabledRisk(
  before: ProvisioningApp,
  after: ProvisioningApp,
  path: string,
  emit: Emit,
): void {
  const was = lineage(before, "accountEnabled");
  if (!was || was.columns.length === 0) return;
  if (longMapping(before.mappings.accountEnabled).apply !== "always") return;
  const now = lineage(after, "accountEnabled");
  const where = `${path}.mappings.accountEnabled`;
  const say = (why: string) =>
    emit(
      "account-enabled-unlinked",
      where,
      `accountEnabled ${why}: people who leave in HR are no longer disabled (it followed ${was.columns.join(", ")}).`,
    );
  if (!now) return say("is no longer mapped");
  if (longMapping(after.mappings.accountEnabled).apply !== "always") {
    return say("is now applied only on create");
  }
  if (now.columns.length === 0) return say("is now a constant");
  if (now.columns.join() !== was.columns.join()) {
    return say(`now follows ${now.columns.join(", ")}`);
  }
}

/**
 * The values matching compares: the source attribute's HR column and the target's mapping. When
 * either is computed differently, existing users are no longer found by the same value.
 */
function matchingValueRisks(
  before: ProvisioningApp,
  after: ProvisioningApp,
  path: string,
  emit: Emit,
): void {
  for (const rule of after.matching) {
    const source = (app: ProvisioningApp) => scimLineage(app, `[${rule.source}]`).text;
    const target = (app: ProvisioningApp) => lineage(app, rule.target)?.text;
    const what =
      source(before) !== source(after)
        ? `the HR column behind ${rule.source}`
        : target(before) !== target(after)
          ? `the mapping of ${rule.target}`
          : undefined;
    if (!what) continue;
    emit(
      "matching-changed",
      `${path}.matching`,
      `Matching on ${rule.source} → ${rule.target} now compares other values (${what} changed): existing users may not be matched, and duplicates may be created.`,
    );
  }
}

/**
 * The user dates that time leaver and mover workflows: computing one differently moves when
 * people are offboarded, or stops it.
 */
function leaverDateRisks(
  before: ProvisioningApp,
  after: ProvisioningApp,
  spec: TenantSpec,
  path: string,
  emit: Emit,
): void {
  const dates = new Set(
    Object.values(spec.lifecycleWorkflows)
      .filter((w) => OFFBOARDING.includes(w.category) && "attribute" in w.trigger)
      .map((w) => (w.trigger as { attribute: string }).attribute),
  );
  for (const attribute of dates) {
    const was = lineage(before, attribute);
    if (!was || was.text === lineage(after, attribute)?.text) continue;
    emit(
      "leaver-timing-changed",
      `${path}.mappings.${attribute}`,
      `${attribute}, which times a leaver or mover workflow, is now computed differently (its mapping or HR column changed, or it is no longer mapped): people are offboarded at another time, or not at all.`,
    );
  }
}

/** Who may push HR records: another caller, issuer or address range can create and disable users. */
function callerRisks(
  before: ProvisioningApp,
  after: ProvisioningApp,
  path: string,
  emit: Emit,
): void {
  const was = before.uploader?.httpTrigger;
  const now = after.uploader?.httpTrigger;
  if (!was || !now) return;
  for (const key of ["callerAppId", "audience", "issuer"] as const) {
    if (was[key] === now[key]) continue;
    emit(
      "permission-widened",
      `${path}.${key}`,
      `The HR push trigger now accepts tokens with another ${key} (${now[key] ?? "the default"}): that caller can create, change and disable users.`,
    );
  }
  const ranges = was.allowedCallerIpRanges;
  const added = (now.allowedCallerIpRanges ?? ["any address"]).filter(
    (r) => ranges !== undefined && !ranges.includes(r),
  );
  if (added.length > 0) {
    emit(
      "permission-widened",
      `${path}.allowedCallerIpRanges`,
      `The HR push trigger now accepts calls from ${added.join(", ")}.`,
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

interface Movement {
  /** How `after` lets in records `before` did not. */
  wider?: string;
  /** How `after` leaves out records `before` let in. */
  narrower?: string;
}

/**
 * How a clause on the same attribute moved. Judged on the clause alone: an operator swapped for
 * an unrelated one, or a value replaced, moves records both ways.
 */
function clauseMovement(before: ScopeClause, after: ScopeClause): Movement {
  if (before.operator !== after.operator) {
    const from = `the operator went from ${before.operator} to ${after.operator}`;
    if (LOOSER[before.operator]?.includes(after.operator)) return { wider: `${from} (looser)` };
    if (LOOSER[after.operator]?.includes(before.operator)) return { narrower: `${from} (tighter)` };
    return { wider: from, narrower: from };
  }
  const was = values(before);
  const now = values(after);
  const op = before.operator;
  const added = now.filter((v) => !was.includes(v));
  const dropped = was.filter((v) => !now.includes(v));
  const list = (vs: string[]) => vs.map((v) => JSON.stringify(v)).join(", ");
  const movement: Movement = {};
  if (["equals", "includes", "endsWith", "regexMatch"].includes(op)) {
    if (added.length > 0) movement.wider = `${list(added)} was added to its values`;
    if (dropped.length > 0) movement.narrower = `${list(dropped)} was taken from its values`;
    return movement;
  }
  if (["notEquals", "notRegexMatch"].includes(op)) {
    if (dropped.length > 0) movement.wider = `${list(dropped)} is no longer excluded`;
    if (added.length > 0) movement.narrower = `${list(added)} is now excluded`;
    return movement;
  }
  const [a, b] = [Number(was[0]), Number(now[0])];
  if (Number.isNaN(a) || Number.isNaN(b) || a === b) return movement;
  const lower = b < a;
  if (op.startsWith("greaterThan")) {
    return lower
      ? { wider: `its bound was lowered from ${a} to ${b}` }
      : { narrower: `its bound was raised from ${a} to ${b}` };
  }
  if (op === "lessThan") {
    return lower
      ? { narrower: `its bound was lowered from ${a} to ${b}` }
      : { wider: `its bound was raised from ${a} to ${b}` };
  }
  return movement;
}

function groupLabel(group: Group, index: number): string {
  return group.name ? `group "${group.name}"` : `group ${index + 1}`;
}

/**
 * The before-group each after-group continues: the one of the same name; otherwise an unchanged
 * one wherever it stands now (removing a group moves the ones after it, renaming one changes no
 * record), then the remaining unnamed ones in order.
 */
function pairGroups(before: Scope, after: Scope): (Group | undefined)[] {
  const same = (a: Group, b: Group) => JSON.stringify(a.allOf) === JSON.stringify(b.allOf);
  const names = new Set(after.anyOf.map((g) => g.name).filter((n) => n !== undefined));
  const free = before.anyOf.filter((g) => !g.name || !names.has(g.name));
  const pairs = after.anyOf.map((group) => {
    const named = group.name ? before.anyOf.find((g) => g.name === group.name) : undefined;
    if (named) return named;
    const at = free.findIndex((g) => same(g, group));
    return at < 0 ? undefined : free.splice(at, 1)[0];
  });
  after.anyOf.forEach((group, g) => {
    if (group.name || pairs[g]) return;
    const at = free.findIndex((f) => !f.name);
    if (at >= 0) pairs[g] = free.splice(at, 1)[0];
  });
  return pairs;
}

const clauseText = (c: ScopeClause) =>
  `"${c.attribute} ${c.operator}${c.value === undefined ? "" : ` ${JSON.stringify(c.value)}`}"`;

function scopeRisks(
  before: Scope | undefined,
  after: Scope | undefined,
  path: string,
  emit: Emit,
): void {
  const wider = (where: string, why: string) =>
    emit("scope-widened", where, `${why}: more records are in scope.`);
  // Leaving the scope disables the account (unless skipOutOfScopeDeletions): say so.
  const narrower = (where: string, why: string) =>
    emit(
      "scope-narrowed",
      where,
      `${why}: people who fall out of the scope are disabled at the next cycle.`,
    );
  if (!before && !after) return;
  if (!before) return narrower(path, "A scope was added where every record was in scope");
  if (!after) return wider(path, "The scope was removed: every incoming record is now in scope");
  const pairs = pairGroups(before, after);
  before.anyOf.forEach((group, g) => {
    // Groups are ORed: one removed can only leave records out.
    if (!pairs.includes(group))
      narrower(`${path}.anyOf`, `Scoping ${groupLabel(group, g)} was removed`);
  });
  after.anyOf.forEach((group, g) => {
    const groupPath = `${path}.anyOf[${g}]`;
    const old = pairs[g];
    if (!old) {
      // Groups are ORed: a new one can only add records.
      wider(groupPath, `Scoping ${groupLabel(group, g)} was added`);
      return;
    }
    // Clauses are ANDed: pair them by attribute, in order; one left without a partner was
    // removed (wider) or added (narrower).
    const remaining = [...group.allOf.map((c, i) => ({ c, i }))];
    for (const clause of old.allOf) {
      const at = remaining.findIndex((r) => r.c.attribute === clause.attribute);
      if (at < 0) {
        wider(
          `${groupPath}.allOf`,
          `In scoping ${groupLabel(group, g)} the clause ${clauseText(clause)} was removed`,
        );
        continue;
      }
      const [{ c, i }] = remaining.splice(at, 1);
      const how = clauseMovement(clause, c);
      const where = `${groupPath}.allOf[${i}]`;
      const on = `In scoping ${groupLabel(group, g)} the clause on ${clause.attribute}`;
      if (how.wider) wider(where, `${on}: ${how.wider}`);
      if (how.narrower) narrower(where, `${on}: ${how.narrower}`);
    }
    for (const { c, i } of remaining) {
      narrower(
        `${groupPath}.allOf[${i}]`,
        `In scoping ${groupLabel(group, g)} the clause ${clauseText(c)} was added`,
      );
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
  const offboarding = OFFBOARDING.includes(before.category) || OFFBOARDING.includes(after.category);
  if (offboarding && canonical(before.trigger) !== canonical(after.trigger)) {
    emit(
      "leaver-timing-changed",
      `${path}.trigger`,
      `${before.category === "mover" ? "Mover" : "Leaver"} workflow ${after.displayName} moved from ${triggerText(before)} to ${triggerText(after)}: users are offboarded at a different time.`,
    );
  }
  workflowScopeRisks(before, after, offboarding, path, emit);
  if (OFFBOARDING.includes(before.category) && before.category === after.category) {
    taskRisks(before, after, path, emit);
  }
}

function workflowScopeRisks(
  before: Workflow,
  after: Workflow,
  offboarding: boolean,
  path: string,
  emit: Emit,
): void {
  if (before.scope === after.scope) return;
  const where = `${path}.scope`;
  const how =
    before.scope === undefined
      ? undefined
      : after.scope === undefined
        ? "was removed"
        : ruleWidening(before.scope, after.scope);
  if (how) {
    emit(
      "scope-widened",
      where,
      after.scope === undefined
        ? `Workflow ${after.displayName} lost its scope rule: it now runs for every user its trigger reaches.`
        : `Workflow ${after.displayName}'s scope rule ${how}: it runs for more users.`,
    );
  } else if (offboarding) {
    // A leaver or mover rule that is not merely wider may leave people out of offboarding.
    emit(
      "scope-narrowed",
      where,
      `${after.category === "mover" ? "Mover" : "Leaver"} workflow ${after.displayName}'s scope rule ${before.scope === undefined ? "was added" : "changed"}: people it no longer reaches keep the access it removed.`,
    );
  }
}

/**
 * Tasks that take access away (Microsoft Learn, "Lifecycle Workflow built-in tasks":
 * https://learn.microsoft.com/en-us/entra/id-governance/lifecycle-workflow-tasks). A custom task
 * extension counts: what its Logic App does is not known here.
 */
export const ACCESS_REMOVING_TASKS: readonly string[] = [
  "disableUserAccount",
  "deleteUserAccount",
  "removeUserFromSelectedGroups",
  "removeUserFromAllGroups",
  "removeUserFromSelectedTeams",
  "removeUserFromAllTeams",
  "removeLicenses",
  "removeAllLicenses",
  "removeAccessPackageAssignment",
  "removeAllAccessPackageAssignments",
  "cancelPendingAccessPackageRequests",
  "revokeAllRefreshTokens",
  "runCustomTaskExtension",
];

interface TaskItem {
  /** The catalog name, also for a task written as its definition's GUID. */
  name: string;
  /** Kind and arguments: what makes two entries the same task. */
  key: string;
  label: string;
  enabled: boolean;
  continueOnError: boolean;
}

function taskItem(entry: Workflow["tasks"][number]): TaskItem {
  const { name, options } = taskEntry(entry);
  const definition = entryDefinition(name);
  const known = definition && "name" in definition ? definition.name : name;
  const args = Object.entries(options)
    .filter(([k]) => !(TASK_PROPERTIES as readonly string[]).includes(k))
    .sort(([a], [b]) => a.localeCompare(b));
  return {
    name: known,
    key: JSON.stringify([known, args]),
    label: args.length === 0 ? known : `${known} ${JSON.stringify(Object.fromEntries(args))}`,
    enabled: options.enabled !== false,
    continueOnError: options.continueOnError === true,
  };
}

/** Access-removing tasks that left the workflow, or stopped being sure to run. */
function taskRisks(before: Workflow, after: Workflow, path: string, emit: Emit): void {
  const now = after.tasks.map(taskItem);
  for (const task of before.tasks.map(taskItem)) {
    if (!ACCESS_REMOVING_TASKS.includes(task.name) || !task.enabled) continue;
    const at = now.findIndex((t) => t.key === task.key);
    const kept = at < 0 ? undefined : now.splice(at, 1)[0];
    const say = (what: string, where = `${path}.tasks`) =>
      emit(
        "leaver-task-removed",
        where,
        `${what} in ${before.category} workflow ${after.displayName}: the access it removed is kept.`,
      );
    if (!kept) say(`Task ${task.label} was removed`);
    else if (!kept.enabled) say(`Task ${task.label} was disabled`, `${path}.tasks[${task.label}]`);
    else if (kept.continueOnError && !task.continueOnError) {
      say(
        `Task ${task.label} became continueOnError (a failure of it no longer stops the run)`,
        `${path}.tasks[${task.label}]`,
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
  if (before.graph.baseUrl !== after.graph.baseUrl) {
    emit(
      "permission-widened",
      "graph.baseUrl",
      `The Graph token is now sent to ${after.graph.baseUrl} (was ${before.graph.baseUrl}).`,
    );
  }
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
