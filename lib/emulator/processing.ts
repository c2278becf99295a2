/**
 * What the provisioning service does with a bulkUpload, so that a sandbox shows users and
 * provisioning logs for the records sent: each SCIM operation is scoped by the job's scoping
 * filter, matched on the attributes with a matching priority, and turned into a create or an
 * update of an Entra user through the job schema's attribute mappings (mappings applied only on
 * create are left alone on update); a known user whose record leaves the scope is disabled unless
 * the SkipOutOfScopeDeletions secret is True. One provisioningObjectSummary per record
 * (https://learn.microsoft.com/en-us/entra/identity/app-provisioning/inbound-provisioning-api-concepts,
 * https://learn.microsoft.com/en-us/graph/api/resources/provisioningobjectsummary).
 *
 * The real service works through a record 5-10 minutes after the upload; the emulator does it at
 * once. Only a started job processes records: an upload to a job that is missing or not running
 * is accepted and kept, as before, for tests that look at the requests alone.
 */
import { randomUUID } from "crypto";
import { compileExpression, parseExpression } from "../expressions";
import { SCOPE_OPERATORS, type ScopeClause } from "../model/schema";
import { evaluateClause } from "../records";
import type { EmulatorState } from "./index";

type Json = Record<string, unknown>;

interface Mapping {
  targetAttributeName: string;
  flowType?: string;
  matchingPriority?: number;
  defaultValue?: string | null;
  source?: { type?: string; name?: string; expression?: string };
}

interface Clause {
  sourceOperandName: string;
  operatorName: string;
  targetOperand?: { values?: string[] };
}

interface ObjectMapping {
  sourceObjectName?: string;
  flowTypes?: string;
  scope?: { groups?: { name?: string; clauses?: Clause[] }[] } | null;
  attributeMappings?: Mapping[];
}

interface Operation {
  method?: string;
  bulkId?: string;
  data?: Json;
}

const BULK_PATH = /^\/servicePrincipals\/([^/]+)\/synchronization\/jobs\/([^/]+)\/bulkUpload$/;

/** Processes an accepted bulk request; does nothing when its job is missing or not started. */
export function processBulkRequest(
  state: EmulatorState,
  path: string,
  body: { Operations?: unknown[] },
  now: Date = new Date(),
): void {
  const match = BULK_PATH.exec(path);
  if (!match) return;
  const [, servicePrincipalId, jobId] = match;
  const job = state.provisioning.servicePrincipals.get(servicePrincipalId)?.jobs.get(jobId);
  if (!job || job.job.schedule.state !== "Active") return;
  const rules = (job.schema.synchronizationRules ?? []) as {
    targetDirectoryName?: string;
    objectMappings?: ObjectMapping[];
  }[];
  const rule = rules.find((r) => r.objectMappings?.some((m) => m.sourceObjectName === "User"));
  const mapping = rule?.objectMappings?.find((m) => m.sourceObjectName === "User");
  const principal = state.directory.servicePrincipals.get(servicePrincipalId);
  // "If SkipOutOfScopeDeletions is set to 0 (false), accounts that go out of scope are disabled in
  // the target" (https://learn.microsoft.com/en-us/entra/identity/app-provisioning/skip-out-of-scope-deletions).
  const skip = state.provisioning.servicePrincipals
    .get(servicePrincipalId)
    ?.secrets.find((s) => s.key === "SkipOutOfScopeDeletions");
  const keepOutOfScope = /^true$/i.test(skip?.value ?? "");
  const cycleId = randomUUID();
  for (const operation of (body.Operations ?? []) as Operation[]) {
    const data = operation.data ?? {};
    const entry = processRecord(state, mapping, flattenScim(data), keepOutOfScope);
    state.directory.provisioningLogs.push({
      id: randomUUID(),
      activityDateTime: now.toISOString(),
      jobId,
      cycleId,
      changeId: randomUUID(),
      provisioningAction: entry.action,
      durationInMilliseconds: 0,
      initiatedBy: { id: "", displayName: "Microsoft.Azure.SyncFabric", initiatorType: "system" },
      modifiedProperties: entry.modified,
      provisioningSteps: entry.steps,
      provisioningStatusInfo: {
        status: entry.status,
        errorInformation: entry.reason ? { errorCode: entry.code, reason: entry.reason } : null,
      },
      servicePrincipal: { id: servicePrincipalId, displayName: principal?.displayName ?? "" },
      sourceIdentity: {
        id: String(data.externalId ?? operation.bulkId ?? ""),
        displayName: String(data.displayName ?? data.userName ?? ""),
        identityType: "User",
      },
      targetIdentity: {
        id: entry.user ? String(entry.user.id) : "",
        displayName: entry.user ? String(entry.user.displayName ?? "") : "",
        identityType: "User",
      },
      sourceSystem: { displayName: "API" },
      targetSystem: { displayName: rule?.targetDirectoryName ?? "Microsoft Entra ID" },
    });
  }
}

interface Outcome {
  action: "create" | "update" | "disable" | "other";
  status: "success" | "skipped" | "failure";
  code?: string;
  reason?: string;
  user?: Json;
  modified: { displayName: string; oldValue: string | null; newValue: string | null }[];
  steps: { name: string; provisioningStepType: string; status: string; description: string }[];
}

function processRecord(
  state: EmulatorState,
  mapping: ObjectMapping | undefined,
  source: Json,
  keepOutOfScope = false,
): Outcome {
  const steps: Outcome["steps"] = [
    step("EntryImport", "import", "success", "Received the record from the API"),
  ];
  const none = { modified: [], steps };
  if (!mapping) {
    return {
      action: "other",
      status: "failure",
      code: "NoUserMapping",
      reason: "the job's schema has no mapping for User objects",
      ...none,
    };
  }
  const scope = inScope(mapping, source);
  steps.push(
    step("EntrySynchronizationScoping", "scoping", scope.holds ? "success" : "skipped", scope.why),
  );
  const matchers = (mapping.attributeMappings ?? [])
    .filter((m) => (m.matchingPriority ?? 0) > 0)
    .sort((a, b) => a.matchingPriority! - b.matchingPriority!);
  if (!scope.holds) {
    const known = matchedUser(state, matchers, source);
    if (!known || keepOutOfScope || known.accountEnabled === false) {
      return { action: "other", status: "skipped", reason: scope.why, user: known, ...none };
    }
    known.accountEnabled = false;
    const modified = [change("accountEnabled", true, false)];
    steps.push(step("EntryMatching", "matching", "success", `matched user ${String(known.id)}`));
    steps.push(step("EntryExport", "export", "success", `disabled user ${String(known.id)}`));
    return { action: "disable", status: "success", user: known, modified, steps };
  }

  const values: Json = {};
  for (const m of mapping.attributeMappings ?? []) {
    let value: unknown;
    try {
      value = evaluateSource(m, source);
    } catch (err) {
      const reason = `${m.targetAttributeName}: ${(err as Error).message}`;
      return {
        action: "other",
        status: "failure",
        code: "AttributeMappingFailed",
        reason,
        ...none,
      };
    }
    if ((value === undefined || value === null || value === "") && m.defaultValue) {
      value = m.defaultValue;
    }
    if (value !== undefined && value !== null && value !== "")
      values[m.targetAttributeName] = value;
  }

  const existing = matchedUser(state, matchers, source, values);
  const matched = existing
    ? `matched user ${String(existing.id)}`
    : "no user matched on the matching attributes";
  steps.push(step("EntryMatching", "matching", "success", matched));
  const flowTypes = (mapping.flowTypes ?? "").split(",").map((f) => f.trim());

  if (!existing) {
    if (!flowTypes.includes("Add")) {
      const reason = "no user matched, and the job does not create users (flowTypes has no Add)";
      return { action: "other", status: "skipped", reason, ...none };
    }
    const user: Json = { id: randomUUID(), ...values };
    state.directory.users.push(user);
    steps.push(step("EntryExport", "export", "success", `created user ${String(user.id)}`));
    const modified = Object.entries(values).map(([k, v]) => change(k, undefined, v));
    return { action: "create", status: "success", user, modified, steps };
  }
  if (!flowTypes.includes("Update")) {
    const reason = "the user exists, and the job does not update users (flowTypes has no Update)";
    return { action: "other", status: "skipped", reason, user: existing, ...none };
  }
  const modified: Outcome["modified"] = [];
  for (const m of mapping.attributeMappings ?? []) {
    // Mappings applied only when the object is added (ObjectAddOnly) keep the created value.
    if (m.flowType === "ObjectAddOnly") continue;
    const name = m.targetAttributeName;
    if (values[name] === undefined || values[name] === existing[name]) continue;
    modified.push(change(name, existing[name], values[name]));
    existing[name] = values[name];
  }
  const described = modified.length
    ? `updated ${modified.map((c) => c.displayName).join(", ")}`
    : "nothing to update";
  steps.push(step("EntryExport", "export", "success", described));
  return { action: "update", status: "success", user: existing, modified, steps };
}

/** The user the matching mappings find, in their priority order; a mapping that fails matches none. */
function matchedUser(
  state: EmulatorState,
  matchers: Mapping[],
  source: Json,
  values?: Json,
): Json | undefined {
  for (const m of matchers) {
    let value = values?.[m.targetAttributeName];
    if (!values) {
      try {
        value = evaluateSource(m, source);
      } catch {
        continue;
      }
    }
    if (value === undefined || value === null || value === "") continue;
    const found = state.directory.users.find((u) => u[m.targetAttributeName] === value);
    if (found) return found;
  }
  return undefined;
}

function step(name: string, type: string, status: string, description: string) {
  return { name, provisioningStepType: type, status, description };
}

function change(name: string, before: unknown, after: unknown) {
  const text = (v: unknown) => (v === undefined || v === null ? null : String(v));
  return { displayName: name, oldValue: text(before), newValue: text(after) };
}

function evaluateSource(mapping: Mapping, source: Json): unknown {
  const s = mapping.source ?? {};
  const type = s.type ?? "Attribute";
  if (type === "Attribute") return source[s.name ?? ""];
  if (type === "Constant") return s.name;
  const parsed = parseExpression(s.expression ?? "");
  if (!parsed.ast) {
    throw new Error(`the expression ${JSON.stringify(s.expression)} does not parse`);
  }
  return compileExpression(parsed.ast)(source);
}

// The job's operator spellings ("IS_TRUE", "IS TRUE") name the spec's operators (isTrue).
const letters = (name: string) => name.toLowerCase().replace(/[^a-z]/g, "");

/** The scoping filter: any group (OR) whose clauses all (AND) hold; no groups, every record. */
function inScope(mapping: ObjectMapping, source: Json): { holds: boolean; why: string } {
  const groups = mapping.scope?.groups ?? [];
  if (groups.length === 0) return { holds: true, why: "no scoping filter" };
  const failed: string[] = [];
  for (const [i, group] of groups.entries()) {
    const name = group.name ?? `group ${i + 1}`;
    const first = (group.clauses ?? []).find((c) => !clauseHolds(c, source));
    if (!first) return { holds: true, why: `in scope by ${name}` };
    failed.push(`${name}: ${first.sourceOperandName} ${first.operatorName} does not hold`);
  }
  return { holds: false, why: `out of scope: ${failed.join("; ")}` };
}

function clauseHolds(clause: Clause, source: Json): boolean {
  const operator = SCOPE_OPERATORS.find((o) => letters(o) === letters(clause.operatorName));
  if (!operator) return false;
  const spec = {
    attribute: clause.sourceOperandName,
    operator,
    value: clause.targetOperand?.values ?? [],
  } as ScopeClause;
  try {
    return evaluateClause(spec, source[clause.sourceOperandName]);
  } catch {
    return false;
  }
}

/**
 * A SCIM user as the API source's attributes, under the names the job's schema uses:
 * `userName`, `name.givenName`, `emails[type eq "work"].value`, and for an extension
 * `<urn>:department` (a complex one, `<urn>:manager`, by its `value`).
 */
export function flattenScim(user: Json): Json {
  const flat: Json = {};
  for (const [key, value] of Object.entries(user)) {
    if (key === "schemas") continue;
    if (key.startsWith("urn:") && value && typeof value === "object") {
      for (const [attribute, inner] of Object.entries(value as Json)) {
        const complex = inner && typeof inner === "object" && !Array.isArray(inner);
        flat[`${key}:${attribute}`] = complex ? (inner as Json).value : inner;
      }
    } else if (Array.isArray(value)) {
      for (const item of value) {
        if (!item || typeof item !== "object") continue;
        const { type, ...rest } = item as Json;
        if (typeof type !== "string") continue;
        for (const [sub, inner] of Object.entries(rest)) {
          flat[`${key}[type eq ${JSON.stringify(type)}].${sub}`] = inner;
        }
      }
    } else if (value && typeof value === "object") {
      for (const [sub, inner] of Object.entries(value as Json)) flat[`${key}.${sub}`] = inner;
    } else {
      flat[key] = value;
    }
  }
  return flat;
}
