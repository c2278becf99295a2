/**
 * When would each workflow of the spec run for one user? Offline and approximate in one
 * documented way: a scheduled workflow runs on the first schedule after its date, which this
 * reports as the date itself (the tenant interval is 1-24 h). Rule scopes are evaluated against
 * the user's attributes; group and attribute-change triggers fire on events, not dates, and are
 * reported only when the caller says the event happened.
 */
import type { TenantSpec } from "../model/schema";
import { evaluateRule, parseScopeRule, type UserRecord } from "./scopeRule";
import type { WorkflowCategory } from "./tasks";

export interface SimulatedUser extends UserRecord {
  employeeHireDate?: string;
  employeeLeaveDateTime?: string;
  createdDateTime?: string;
  lastSignInDateTime?: string;
}

export interface SimulationEvents {
  /** Attributes that changed (mover triggers). */
  changedAttributes?: string[];
  /** Groups (display names) the user was added to. */
  addedToGroups?: string[];
  /** Groups (display names) the user was removed from. */
  removedFromGroups?: string[];
}

export interface WorkflowFiring {
  /** The workflow's key in the spec. */
  workflow: string;
  category: WorkflowCategory;
  /** ISO 8601 instant the workflow becomes due; for event triggers, `now`. */
  date: string;
  reason: string;
}

const DAY = 86_400_000;

function parseDate(value: unknown): Date | undefined {
  if (typeof value !== "string" || value === "") return undefined;
  // A date-only value is midnight UTC, as Entra stores it.
  const date = new Date(/^\d{4}-\d{2}-\d{2}$/.test(value) ? `${value}T00:00:00Z` : value);
  return Number.isNaN(date.getTime()) ? undefined : date;
}

// Simulation asks for every user: each workflow's rule is parsed once, not once per user.
const parsedRules = new Map<string, ReturnType<typeof parseScopeRule>>();
function parsedRule(rule: string): ReturnType<typeof parseScopeRule> {
  let parsed = parsedRules.get(rule);
  if (!parsed) parsedRules.set(rule, (parsed = parseScopeRule(rule)));
  return parsed;
}

const days = (n: number) => (n === 1 || n === -1 ? `${Math.abs(n)} day` : `${Math.abs(n)} days`);

/**
 * The workflows of `spec` that fire for `user`, each with its due date and why. Workflows whose
 * scope excludes the user, or whose date attribute is missing, are left out. Sorted by date.
 */
export function workflowFirings(
  spec: TenantSpec,
  user: SimulatedUser,
  now: Date,
  events: SimulationEvents = {},
): WorkflowFiring[] {
  const firings: WorkflowFiring[] = [];
  for (const [key, workflow] of Object.entries(spec.lifecycleWorkflows)) {
    if (!workflow.enabled) continue;
    let scopeReason = "";
    if (workflow.scope !== undefined) {
      const parsed = parsedRule(workflow.scope);
      if (!parsed.ast || !evaluateRule(parsed.ast, user)) continue;
      scopeReason = ` and the user matches ${workflow.scope}`;
    }
    const trigger = workflow.trigger;
    const fire = (date: Date, reason: string) =>
      firings.push({
        workflow: key,
        category: workflow.category,
        date: date.toISOString(),
        reason: reason + scopeReason,
      });
    if ("attribute" in trigger) {
      const base = parseDate(user[trigger.attribute]);
      if (!base) continue;
      const offset = trigger.offsetDays;
      if (trigger.attribute === "lastSignInDateTime") {
        fire(
          new Date(base.getTime() + offset * DAY),
          `no sign-in for ${days(offset)} since ${trigger.attribute} ${base.toISOString()}`,
        );
        continue;
      }
      const when =
        offset === 0 ? "on" : offset < 0 ? `${days(offset)} before` : `${days(offset)} after`;
      fire(
        new Date(base.getTime() + offset * DAY),
        `${when} ${trigger.attribute} ${base.toISOString()}`,
      );
    } else if ("attributeChanged" in trigger) {
      const changed = trigger.attributeChanged.filter((a) =>
        (events.changedAttributes ?? []).some((c) => c.toLowerCase() === a.toLowerCase()),
      );
      if (changed.length > 0) fire(now, `${changed.join(", ")} changed`);
    } else {
      const list = trigger.change === "added" ? events.addedToGroups : events.removedFromGroups;
      if ((list ?? []).includes(trigger.group)) {
        fire(
          now,
          `${trigger.change} ${trigger.change === "added" ? "to" : "from"} group ${trigger.group}`,
        );
      }
    }
  }
  return firings.sort(
    (a, b) => a.date.localeCompare(b.date) || a.workflow.localeCompare(b.workflow),
  );
}
