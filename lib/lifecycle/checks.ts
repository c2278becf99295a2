/**
 * Offline checks of the lifecycle part of a spec, in the shape lib/loader/validate.ts runs: each
 * reports at the property path of the offending value, with a message that lists what is
 * allowed. Graph would refuse most of these only at deploy time, one at a time.
 */
import type { CheckFn, SpecPath } from "../model/checks";
import { entryDefinition, taskEntry } from "./compile";
import { parseScopeRule } from "./scopeRule";
import { didYouMean } from "../model/diagnostics";
import {
  argumentProblem,
  GUID,
  describeArgument,
  TASK_NAMES,
  TASK_PROPERTIES,
  tasksForCategory,
  type TaskDefinition,
} from "./tasks";

/**
 * Service limits:
 * https://learn.microsoft.com/en-us/entra/id-governance/governance-service-limits
 */
export const LIMITS = { workflows: 100, customTaskExtensions: 100 } as const;

export const checkTasks: CheckFn = ({ spec, report }) => {
  const extensions = Object.keys(spec.customTaskExtensions);
  for (const [key, workflow] of Object.entries(spec.lifecycleWorkflows)) {
    const taskNames = new Map<string, number>();
    workflow.tasks.forEach((raw, index) => {
      const at: SpecPath = ["lifecycleWorkflows", key, "tasks", index];
      if (typeof raw !== "string" && Object.keys(raw).length !== 1) {
        report(
          at,
          `a task is one \`name: { arguments }\` entry, found ${Object.keys(raw).length} keys (${Object.keys(raw).join(", ")}); put each task in its own list item`,
        );
        return;
      }
      const entry = taskEntry(raw);
      const taskAt: SpecPath = typeof raw === "string" ? at : [...at, entry.name];
      const definition = entryDefinition(entry.name);
      if (!definition) {
        report(
          taskAt,
          `unknown task ${JSON.stringify(entry.name)}${didYouMean(entry.name, TASK_NAMES)}; tasks for ${workflow.category} workflows: ${tasksForCategory(workflow.category).join(", ")}`,
        );
        return;
      }
      const known: TaskDefinition | undefined = "name" in definition ? definition : undefined;
      if (known && !known.categories.includes(workflow.category)) {
        report(
          taskAt,
          `task ${JSON.stringify(known.name)} is not available in a ${workflow.category} workflow (it is for ${known.categories.join(", ")}); tasks for ${workflow.category} workflows: ${tasksForCategory(workflow.category).join(", ")}`,
        );
      }
      checkTaskProperties(entry.options, taskAt, workflow.category, report);
      const displayName = String(entry.options.displayName ?? known?.displayName ?? entry.name);
      const earlier = taskNames.get(displayName.toLowerCase());
      if (earlier !== undefined) {
        report(
          taskAt,
          `task display name ${JSON.stringify(displayName)} is already used by tasks[${earlier}]; task names must be unique in a workflow, so set \`displayName\` on one of them`,
        );
      } else {
        taskNames.set(displayName.toLowerCase(), index);
      }
      // A raw GUID is the escape hatch: its arguments are Graph's own, passed through unchecked.
      if (!known?.arguments || GUID.test(entry.name)) return;
      const allowed = known.arguments.map((a) => a.name);
      for (const [name, value] of Object.entries(entry.options)) {
        if ((TASK_PROPERTIES as readonly string[]).includes(name)) continue;
        const argument = known.arguments.find((a) => a.name === name);
        if (!argument) {
          const list = allowed.length
            ? `arguments: ${[...allowed, ...TASK_PROPERTIES].join(", ")}`
            : `it takes no arguments, only ${TASK_PROPERTIES.join(", ")}`;
          report(
            [...taskAt, name],
            `unknown argument ${JSON.stringify(name)} for task ${JSON.stringify(known.name)}${didYouMean(name, [...allowed, ...TASK_PROPERTIES])}; ${list}`,
          );
          continue;
        }
        const problem = argumentProblem(argument, value, extensions);
        if (problem) report([...taskAt, name], problem);
      }
      for (const argument of known.arguments) {
        if (argument.required && entry.options[argument.name] === undefined) {
          report(
            taskAt,
            `task ${JSON.stringify(known.name)} needs the argument ${describeArgument(argument)}`,
          );
        }
      }
    });
  }
};

function checkTaskProperties(
  options: Record<string, unknown>,
  at: SpecPath,
  category: string,
  report: (path: SpecPath, message: string) => void,
) {
  for (const name of ["displayName", "description"]) {
    const value = options[name];
    if (value !== undefined && (typeof value !== "string" || value === "")) {
      report([...at, name], `${name} must be a non-empty string, got ${JSON.stringify(value)}`);
    }
  }
  for (const name of ["continueOnError", "enabled"]) {
    const value = options[name];
    if (value !== undefined && typeof value !== "boolean") {
      report([...at, name], `${name} must be true or false, got ${JSON.stringify(value)}`);
    }
  }
  const value = options.category;
  if (value !== undefined) {
    const parts = typeof value === "string" ? value.split(",").map((p) => p.trim()) : [];
    if (!parts.includes(category)) {
      report(
        [...at, "category"],
        `a task's category must include the workflow's category ${JSON.stringify(category)}, got ${JSON.stringify(value)}; omit it to let Entra set it`,
      );
    }
  }
}

export const checkScopeRules: CheckFn = ({ spec, report }) => {
  for (const [key, workflow] of Object.entries(spec.lifecycleWorkflows)) {
    if (workflow.scope === undefined) continue;
    // The offset puts the diagnostic on the offending token inside the YAML string.
    for (const problem of parseScopeRule(workflow.scope).problems) {
      report(["lifecycleWorkflows", key, "scope"], problem.message, problem.column - 1);
    }
  }
};

export const checkTriggers: CheckFn = ({ spec, report }) => {
  for (const [key, workflow] of Object.entries(spec.lifecycleWorkflows)) {
    const at: SpecPath = ["lifecycleWorkflows", key];
    const trigger = workflow.trigger;
    if ("group" in trigger && workflow.scope !== undefined) {
      report(
        [...at, "scope"],
        "a group-membership trigger scopes the workflow to its group; remove `scope` or use a time or attribute trigger",
      );
    }
    if ("attributeChanged" in trigger && workflow.category !== "mover") {
      report(
        [...at, "trigger"],
        `an attributeChanged trigger is for mover workflows, not ${workflow.category}; set \`category: mover\` or use a time trigger`,
      );
    }
    if (
      "attribute" in trigger &&
      trigger.attribute === "lastSignInDateTime" &&
      trigger.offsetDays < 1
    ) {
      report(
        [...at, "trigger", "offsetDays"],
        `a lastSignInDateTime trigger runs after that many days without a sign-in; offsetDays must be 1-180, got ${trigger.offsetDays}`,
      );
    }
  }
};

const DURATION = /^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$/;

/** Minutes in an ISO 8601 duration like PT1H30M, or undefined. */
export function durationMinutes(text: string): number | undefined {
  const m = DURATION.exec(text);
  if (!m) return undefined;
  const [d, h, min, s] = m.slice(1).map((v) => Number(v ?? 0));
  return d * 1440 + h * 60 + min + s / 60;
}

export const checkCustomTaskExtensions: CheckFn = ({ spec, report }) => {
  const entries = Object.entries(spec.customTaskExtensions);
  for (const [key, extension] of entries) {
    const at: SpecPath = ["customTaskExtensions", key];
    const minutes = durationMinutes(extension.callbackTimeout);
    // 5 minutes to 3 hours (limits page; one Graph page says 30 minutes:
    // https://learn.microsoft.com/en-us/graph/api/resources/identitygovernance-customtaskextensioncallbackconfiguration).
    if (minutes !== undefined && (minutes < 5 || minutes > 180)) {
      report(
        [...at, "callbackTimeout"],
        `callbackTimeout ${JSON.stringify(extension.callbackTimeout)} is out of range; use PT5M to PT3H`,
      );
    }
    if (!spec.azure) {
      report(
        at,
        "a custom task extension's Logic App needs `azure: { subscriptionId, resourceGroup, location }`",
      );
    }
  }
  if (entries.length > LIMITS.customTaskExtensions) {
    report(
      ["customTaskExtensions"],
      `${entries.length} custom task extensions exceed Entra's limit of ${LIMITS.customTaskExtensions} per tenant`,
    );
  }
};

export const checkUniqueNames: CheckFn = ({ spec, report }) => {
  const unique = (section: "lifecycleWorkflows" | "customTaskExtensions", what: string) => {
    const seen = new Map<string, string>();
    for (const [key, item] of Object.entries(spec[section])) {
      const name = item.displayName.toLowerCase();
      const first = seen.get(name);
      if (first !== undefined) {
        report(
          [section, key, "displayName"],
          `${what} display name ${JSON.stringify(item.displayName)} is already used by ${section}.${first}; display names must be unique in the tenant`,
        );
      } else {
        seen.set(name, key);
      }
    }
  };
  unique("lifecycleWorkflows", "workflow");
  unique("customTaskExtensions", "custom task extension");
  const count = Object.keys(spec.lifecycleWorkflows).length;
  if (count > LIMITS.workflows) {
    report(
      ["lifecycleWorkflows"],
      `${count} workflows exceed Entra's limit of ${LIMITS.workflows} per tenant`,
    );
  }
};

/**
 * Update user attributes' documented limits
 * (https://learn.microsoft.com/en-us/entra/id-governance/how-to-lifecycle-workflow-update-user-attributes):
 * `attributeUpdates` is a JSON list of `{ attribute, value }`, "Up to 10 attributes",
 * `employeeLeaveDateTime` and custom security attributes are not supported, and "Synced users are
 * not supported", so a spec whose users come from on-premises AD (a `target: activeDirectory`
 * app) is warned, unless the workflow's scope already keeps to cloud-only users.
 */
/** A scope clause that keeps a workflow to cloud-only users. */
const CLOUD_ONLY = /onPremisesSyncEnabled\s+(ne\s+true|eq\s+false)/i;

export const checkUpdateUserAttributes: CheckFn = ({ spec, report, warn }) => {
  const synced = Object.entries(spec.provisioning)
    .filter(([, app]) => app.target === "activeDirectory")
    .map(([key]) => `provisioning.${key}`);
  for (const [key, workflow] of Object.entries(spec.lifecycleWorkflows)) {
    workflow.tasks.forEach((raw, index) => {
      const entry = taskEntry(raw);
      if (entry.name !== "updateUserAttributes") return;
      const item: SpecPath = ["lifecycleWorkflows", key, "tasks", index];
      const at: SpecPath = typeof raw === "string" ? item : [...item, entry.name];
      const value = entry.options.attributeUpdates;
      if (synced.length > 0 && !CLOUD_ONLY.test(workflow.scope ?? "")) {
        warn(
          at,
          `Update user attributes skips users synced from on-premises AD (Microsoft: synced users are not supported), and ${synced.join(", ")} provisions such users; scope the workflow to cloud-only users, e.g. (onPremisesSyncEnabled ne true)`,
        );
      }
      if (value === undefined) return;
      let updates: unknown;
      try {
        updates = typeof value === "string" ? JSON.parse(value) : value;
      } catch (error) {
        report([...at, "attributeUpdates"], `is not JSON: ${(error as Error).message}`);
        return;
      }
      if (
        !Array.isArray(updates) ||
        updates.some((u) => !u || typeof u !== "object" || typeof u.attribute !== "string")
      ) {
        report(
          [...at, "attributeUpdates"],
          `must be a JSON list of { "attribute": ..., "value": ... }`,
        );
        return;
      }
      if (updates.length > 10) {
        report(
          [...at, "attributeUpdates"],
          `updates ${updates.length} attributes; the task updates at most 10`,
        );
      }
      for (const update of updates as { attribute: string }[]) {
        if (update.attribute.toLowerCase() === "employeeleavedatetime") {
          report(
            [...at, "attributeUpdates"],
            "employeeLeaveDateTime can't be updated by this task (Microsoft documents it as not supported)",
          );
        }
        if (/^customSecurityAttributes\b/i.test(update.attribute)) {
          report(
            [...at, "attributeUpdates"],
            `${update.attribute}: custom security attributes can't be updated by this task (Microsoft documents them as not supported); built-in, on-premises extension and directory extension attributes can`,
          );
        }
      }
    });
  }
};

/** All lifecycle checks, for lib/loader/validate.ts. */
export const lifecycleChecks: CheckFn[] = [
  checkTasks,
  checkScopeRules,
  checkTriggers,
  checkCustomTaskExtensions,
  checkUniqueNames,
  checkUpdateUserAttributes,
];
