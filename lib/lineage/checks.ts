/**
 * Lineage: every value traced from the HR file to the workflow that acts on it.
 *
 *   HR column --csv.columns--> SCIM attribute --mappings--> Entra (or AD) attribute
 *     --> lifecycle workflow trigger, scope rule; and scoping clauses / matching on the SCIM side
 *
 * A break anywhere in that chain fails silently in Entra: a mapping that reads a SCIM attribute no
 * column sends writes nothing, so a leaver workflow timed on it never fires and the leaver keeps
 * their access. Each break is reported at the place that would have to change.
 */
import type { CheckContext } from "../model/checks";
import { type ProvisioningApp, type TenantSpec, uploaderColumns } from "../model/schema";
import { suggest } from "../model/diagnostics";
import { canonicalAttributeName } from "../expressions/attributes";
import { parseExpression } from "../expressions/parser";
import { referencedAttributes, resolveScimTarget } from "../records";
import { parseScopeRule, type RuleNode } from "../lifecycle/scopeRule";
import { TARGET_LABEL, targetAttribute, targetAttributeNames } from "./targets";

/**
 * Entra user attributes that have a value without any mapping of ours: set by Entra itself, by
 * Exchange, or required on every create (so a provisioning app that creates users writes them).
 */
const SET_BY_ENTRA = [
  "createdDateTime",
  "lastSignInDateTime",
  "userType",
  "accountEnabled",
  "mail",
  "proxyAddresses",
  "assignedPlans",
  "onPremisesSecurityIdentifier",
  "onPremisesSyncEnabled",
  "userPrincipalName",
  "displayName",
  "mailNickname",
].map((a) => a.toLowerCase());

export function checkLineage(ctx: CheckContext): void {
  for (const [appKey, app] of Object.entries(ctx.spec.provisioning)) {
    checkTargets(ctx, appKey, app);
    checkSent(ctx, appKey, app);
  }
  checkWorkflowInputs(ctx);
}

// ---------------------------------------------------------------------------------------------
// target attributes

function checkTargets(ctx: CheckContext, appKey: string, app: ProvisioningApp): void {
  const base = ["provisioning", appKey];
  for (const [target, mapping] of Object.entries(app.mappings)) {
    const known = targetAttribute(app.target, target);
    if (!known) {
      const hint = suggest(target, targetAttributeNames(app.target));
      ctx.report(
        [...base, "mappings", target],
        `"${target}" is not a ${TARGET_LABEL[app.target]} user attribute that provisioning writes` +
          (hint ? `; did you mean "${hint}"?` : "") +
          (app.target === "entra"
            ? " (directory extensions are written extension_<appId>_<name>)"
            : ""),
      );
      continue;
    }
    const apply = typeof mapping === "string" ? "always" : mapping.apply;
    if (known.createOnly && apply === "always") {
      ctx.warn(
        [...base, "mappings", target],
        `${known.name} is usually set on creation only: applied always, every change of its source renames the account; set apply: onCreate`,
      );
    }
  }
}

// ---------------------------------------------------------------------------------------------
// the SCIM attributes the uploader sends, and what reads them

/** Canonical names of the SCIM attributes the uploader's columns send; undefined without one. */
function sentAttributes(app: ProvisioningApp): string[] | undefined {
  if (!app.uploader) return undefined;
  const { columns } = uploaderColumns(app.uploader);
  const sent: string[] = [];
  for (const key of Object.keys(columns)) {
    const target = resolveScimTarget(key, app.scimExtension);
    if (!("error" in target)) sent.push(target.canonical.toLowerCase());
  }
  return sent;
}

/**
 * For each app without an uploader, the SCIM attributes its mappings, scoping clauses and
 * matching read, as the spec spells them, externalId first (every bulk operation carries it): the
 * start of the chain, which then lies with whatever posts to the app's `/bulkUpload` endpoint.
 */
export function callerMustSend(spec: TenantSpec): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const [appKey, app] of Object.entries(spec.provisioning)) {
    if (app.uploader) continue;
    const names = new Map<string, string>([["externalid", "externalId"]]);
    const add = (name: string) => {
      const c = canonical(name, app);
      if (c !== undefined && !names.has(c)) names.set(c, name);
    };
    for (const mapping of Object.values(app.mappings)) {
      const text = typeof mapping === "string" ? mapping : mapping.expression;
      const ast = text === undefined ? undefined : parseExpression(text).ast;
      if (ast) referencedAttributes(ast).forEach(add);
    }
    app.scope?.anyOf.forEach((g) => g.allOf.forEach((c) => add(c.attribute)));
    app.matching.forEach((rule) => add(rule.source));
    out[appKey] = [...names.values()];
  }
  return out;
}

/** A read of `name` is fed when it, or a sub-attribute of it (`manager` ← `manager.value`), is sent. */
const isSent = (sent: readonly string[], name: string) =>
  sent.some((s) => s === name || s.startsWith(`${name}.`));

function canonical(name: string, app: ProvisioningApp): string | undefined {
  try {
    return canonicalAttributeName(name, app.scimExtension?.urn).toLowerCase();
  } catch {
    // `ext:` without an extension: reported by the provisioning checks.
    return undefined;
  }
}

function checkSent(ctx: CheckContext, appKey: string, app: ProvisioningApp): void {
  const sent = sentAttributes(app);
  // Without an uploader the caller builds the SCIM records: what it sends is not in the spec.
  if (!sent) return;
  const base = ["provisioning", appKey];
  const columnsPath = [...base, "uploader", "csv", "columns"];
  const unsent = (name: string) => {
    const c = canonical(name, app);
    return c !== undefined && !isSent(sent, c);
  };

  for (const [target, mapping] of Object.entries(app.mappings)) {
    const text = typeof mapping === "string" ? mapping : mapping.expression;
    if (text === undefined) continue;
    const ast = parseExpression(text).ast;
    if (!ast) continue;
    const path =
      typeof mapping === "string"
        ? [...base, "mappings", target]
        : [...base, "mappings", target, "expression"];
    const fallback = typeof mapping === "string" ? undefined : mapping.default;
    // Declared as set by something else: another caller posts it to this endpoint.
    if (Object.hasOwn(ctx.spec.attributesSetElsewhere, target)) continue;
    for (const name of referencedAttributes(ast)) {
      if (!unsent(name)) continue;
      const offset = text.indexOf(`[${name}]`);
      const message = `reads [${name}], which no uploader column sends (${columnsPath.join(".")}): `;
      const at = offset >= 0 ? offset : undefined;
      if (fallback !== undefined) {
        ctx.warn(
          path,
          `${message}${target} is always the default ${JSON.stringify(fallback)}; add a column for it, or map the constant`,
          at,
        );
        continue;
      }
      const starved = consequence(ctx.spec, app, target);
      if (starved) {
        // A workflow that never runs fails silently: a leaver keeps their access.
        ctx.report(
          path,
          `${message}${target} is never set, so ${starved} never runs; add a column for it, or, if another system posts it to this endpoint, declare that under attributesSetElsewhere.${target}`,
          at,
        );
        continue;
      }
      // A warning, not an error: another caller may post the attribute to the same endpoint.
      ctx.warn(path, `${message}${target} is never set; add a column for it`, at);
    }
  }

  app.scope?.anyOf.forEach((group, g) =>
    group.allOf.forEach((clause, c) => {
      if (!unsent(clause.attribute)) return;
      ctx.report(
        [...base, "scope", "anyOf", g, "allOf", c, "attribute"],
        `scopes on ${clause.attribute}, which no uploader column sends: every record is compared with an empty value`,
      );
    }),
  );

  app.matching.forEach((rule, i) => {
    if (!unsent(rule.source)) return;
    ctx.report(
      [...base, "matching", i, "source"],
      `matches on ${rule.source}, which no uploader column sends: no record can be matched to an existing user, so each one is created anew`,
    );
  });
}

/** What an Entra attribute that is never set breaks downstream: the workflows timed on it. */
function consequence(spec: TenantSpec, app: ProvisioningApp, target: string): string {
  if (app.target !== "entra") return "";
  const stuck = Object.entries(spec.lifecycleWorkflows)
    .filter(([, w]) => "attribute" in w.trigger && w.trigger.attribute === target)
    .map(([key]) => `lifecycleWorkflows.${key}`);
  return stuck.join(" and ");
}

// ---------------------------------------------------------------------------------------------
// what the lifecycle workflows read

/** The mapping target a Lifecycle Workflows rule property is written through. */
function ruleTarget(path: readonly string[]): string {
  const joined = path.join("/");
  if (joined.startsWith("onPremisesExtensionAttributes/")) return path[1];
  if (joined.startsWith("employeeOrgData/")) return path[1];
  return path[0];
}

function ruleProperties(node: RuleNode, out: { path: string[]; column: number }[]): void {
  switch (node.kind) {
    case "and":
    case "or":
      ruleProperties(node.left, out);
      ruleProperties(node.right, out);
      return;
    case "not":
      ruleProperties(node.operand, out);
      return;
    case "any":
      out.push(node.collection);
      return;
    default:
      out.push(node.property);
  }
}

/** An attribute a workflow reads that no provisioning app of the spec writes. */
export interface UnwrittenInput {
  /** The Entra attribute as the workflow names it (`employeeType`, `employeeOrgData/division`). */
  attribute: string;
  /** Where the spec reads it. */
  path: (string | number)[];
  message: string;
  /** For a scope rule: the 0-based column of the property in the rule. */
  offset?: number;
}

/**
 * Every attribute a workflow trigger or scope reads that no provisioning app of the spec writes
 * (nor Entra itself, nor `attributesSetElsewhere`). Empty when no app writes Entra users: their
 * attributes then come from elsewhere (Entra Connect from AD, the portal) and there is nothing to
 * trace. `inbound export` declares these under attributesSetElsewhere.
 */
export function unwrittenWorkflowInputs(
  spec: Pick<TenantSpec, "provisioning" | "lifecycleWorkflows" | "attributesSetElsewhere">,
): UnwrittenInput[] {
  const out: UnwrittenInput[] = [];
  const entraApps = Object.entries(spec.provisioning).filter(([, a]) => a.target === "entra");
  if (entraApps.length === 0) return out;
  const written = new Set<string>(SET_BY_ENTRA);
  for (const [, app] of entraApps) {
    for (const target of Object.keys(app.mappings)) {
      written.add(target.toLowerCase());
      // The employeeOrgData properties may be mapped by their full name.
      if (target.startsWith("employeeOrgData.")) written.add(target.slice(16).toLowerCase());
    }
  }
  for (const attribute of Object.keys(spec.attributesSetElsewhere ?? {})) {
    written.add(ruleTarget(attribute.split("/")).toLowerCase());
  }
  const isWritten = (name: string) => written.has(name.toLowerCase());
  const advice = (name: string) =>
    `map it in a provisioning app, or declare what sets it under attributesSetElsewhere.${name}`;

  for (const [key, workflow] of Object.entries(spec.lifecycleWorkflows)) {
    const base = ["lifecycleWorkflows", key];
    const trigger = workflow.trigger;
    if ("attribute" in trigger && !isWritten(trigger.attribute)) {
      out.push({
        attribute: trigger.attribute,
        path: [...base, "trigger", "attribute"],
        message: `is timed on ${trigger.attribute}, which no provisioning app writes: the workflow never runs; ${advice(trigger.attribute)}`,
      });
    }
    if ("attributeChanged" in trigger) {
      trigger.attributeChanged.forEach((name, i) => {
        if (isWritten(name)) return;
        out.push({
          attribute: name,
          path: [...base, "trigger", "attributeChanged", i],
          message: `runs when ${name} changes, which no provisioning app writes: HR changes never trigger it; ${advice(name)}`,
        });
      });
    }
    if (workflow.scope) {
      const parsed = parseScopeRule(workflow.scope);
      if (!parsed.ast) continue;
      const properties: { path: string[]; column: number }[] = [];
      ruleProperties(parsed.ast, properties);
      for (const property of properties) {
        if (/^extension_/i.test(property.path[0])) continue;
        const target = ruleTarget(property.path);
        if (isWritten(target)) continue;
        const attribute = property.path.join("/");
        out.push({
          attribute,
          path: [...base, "scope"],
          message: `reads ${attribute}, which no provisioning app writes: no user is in scope; ${advice(attribute)}`,
          offset: property.column - 1,
        });
      }
    }
  }
  return out;
}

function checkWorkflowInputs(ctx: CheckContext): void {
  for (const input of unwrittenWorkflowInputs(ctx.spec)) {
    ctx.report(input.path, input.message, input.offset);
  }
  for (const [key, workflow] of Object.entries(ctx.spec.lifecycleWorkflows)) {
    const trigger = workflow.trigger;
    if ("attribute" in trigger && trigger.attribute === "employeeLeaveDateTime") {
      warnDateOnlyLeave(ctx, key, trigger.offsetDays);
    }
  }
}

/**
 * A leaver workflow on the day of leaving, fed from a date without a time: the uploader sends
 * `yyyy-MM-dd` as midnight UTC (SCIM's dateTime needs a time), so the workflow runs at the very
 * start of the last day, a working day early for most people.
 */
function warnDateOnlyLeave(ctx: CheckContext, workflowKey: string, offsetDays: number): void {
  if (offsetDays !== 0) return;
  for (const [appKey, app] of Object.entries(ctx.spec.provisioning)) {
    if (app.target !== "entra") continue;
    const mapping = app.mappings.employeeLeaveDateTime;
    const text = typeof mapping === "string" ? mapping : mapping?.expression;
    const ast = text === undefined ? undefined : parseExpression(text).ast;
    const columns = app.uploader ? uploaderColumns(app.uploader).columns : undefined;
    if (!ast || !columns) continue;
    for (const name of referencedAttributes(ast)) {
      const wanted = canonical(name, app);
      for (const [key, expression] of Object.entries(columns)) {
        const target = resolveScimTarget(key, app.scimExtension);
        if ("error" in target || target.canonical.toLowerCase() !== wanted) continue;
        if (/\d{1,2}:\d{2}|HH/.test(expression)) continue;
        ctx.warn(
          ["provisioning", appKey, "uploader", "csv", "columns", key],
          `feeds employeeLeaveDateTime, which lifecycleWorkflows.${workflowKey} acts on the same day: a date without a time is sent as midnight UTC, so the workflow runs at the start of the last day; send the end of the day in the tenant's time zone, e.g. 'FormatDateTime([LeaveDate], , "yyyy-MM-dd", "yyyy-MM-ddT23:59:59+01:00")' (docs/lifecycle-workflows.md, "Leave dates and time zones")`,
        );
      }
    }
  }
}
