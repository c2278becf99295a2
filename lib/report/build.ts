/**
 * The run report: what the uploader did with each record (its run records) joined, by externalId,
 * with what Entra did (the provisioning logs of the window), so that "202 Accepted, and then?"
 * has an answer per record: created, updated, disabled, skipped and why, failed and why, or not
 * processed yet.
 *
 * For an API-driven app a log entry's `sourceIdentity.id` is the SCIM externalId (see
 * lib/upload/logs.ts). The field names and enum values are Graph's provisioningObjectSummary
 * (https://learn.microsoft.com/en-us/graph/api/resources/provisioningobjectsummary): actions
 * create, update, delete, stagedDelete, disable, other; statuses success, warning, failure,
 * skipped.
 */
import type {
  ProvisioningLogEntry,
  RunRecord,
  RunRecordEntry,
  UploadOutcome,
  WithheldLine,
} from "../upload";
import { hintFor } from "./hints";

/** A provisioning log entry with the parts the report reads beyond lib/upload/logs' summary. */
export interface ReportLogEntry extends ProvisioningLogEntry {
  modifiedProperties?: { displayName?: string; oldValue?: string; newValue?: string }[];
  provisioningSteps?: { provisioningStepType?: string; status?: string; description?: string }[];
}

/** What Entra did with a record, decided from its log entries after it was sent. */
export type EntraOutcome =
  | "created"
  | "updated"
  | "disabled"
  | "deleted"
  /** A delete or disable held back by the accidental-deletion threshold. */
  | "staged"
  | "skipped"
  | "failed"
  /** Succeeded with an action Graph calls `other`. */
  | "other"
  /** Sent, and no log entry yet: not processed yet (logs lag 5-10 minutes). */
  | "pending";

export const ENTRA_OUTCOMES: readonly EntraOutcome[] = [
  "created",
  "updated",
  "disabled",
  "deleted",
  "staged",
  "skipped",
  "failed",
  "other",
  "pending",
];

/** Why a record was skipped: out of scope, nothing to change, or Graph's code when unclear. */
export type SkipReason = "outOfScope" | "noChange" | string;

export interface ReportRecord {
  externalId: string;
  /** CSV line in the run's file; absent for a record seen only in the logs. */
  line?: number;
  /** What the uploader did; absent when no run of the report sent it (seen only in the logs). */
  upload?: UploadOutcome;
  run?: string;
  /** What Entra did; absent when the record was never handed to Entra and has no log entry. */
  entra?: EntraOutcome;
  /** Graph's provisioningAction and status of the entry that decided `entra`. */
  action?: string;
  status?: string;
  at?: string;
  errorCode?: string;
  skipReason?: SkipReason;
  /** Names of the properties Entra changed (names only: the values are personal data). */
  modifiedProperties?: string[];
  /** Log entries for this record in the window. */
  entries: number;
  /** Personal data, only with `includePii`: Graph's reason text, names and the changed values. */
  reason?: string;
  displayName?: string;
  targetId?: string;
  changes?: { name: string; oldValue?: string; newValue?: string }[];
}

export interface ReportError {
  code: string;
  count: number;
  /** The externalId of one record that failed so. */
  example: string;
  hint: string | null;
}

export interface RunInfo {
  runId: string;
  command: string;
  csv: string;
  startedAt: string;
  finishedAt: string;
  status: string;
  error?: string;
  summary: RunRecord["summary"];
  failedRequests: RunRecord["failedRequests"];
  /** Safeguard checks the run was allowed past, with their counts. */
  overrides: string[];
}

export interface TimelineSlot {
  start: string;
  counts: Partial<Record<EntraOutcome, number>>;
}

/** A lifecycle workflow of the spec in quarantine (lib/lifecycle/graphApi listQuarantinedWorkflows). */
export interface ReportQuarantinedWorkflow {
  /** The workflow's key in the spec. */
  key: string;
  displayName: string;
  quarantinedDateTime: string | null;
  quarantineType: string | null;
  quarantineReason: string | null;
}

/**
 * The spec's lifecycle workflows in quarantine: they process no joiner or leaver the upload sends
 * until a person clears them. `notRead` says why they could not be read (the report goes on).
 */
export interface ReportWorkflows {
  quarantined: ReportQuarantinedWorkflow[];
  notRead?: string;
}

export interface Report {
  generatedAt: string;
  window: { since: string; until: string };
  runs: RunInfo[];
  /** Records in the report: the runs' records and any other record the logs name. */
  total: number;
  byUpload: Partial<Record<UploadOutcome, number>>;
  byOutcome: Partial<Record<EntraOutcome, number>>;
  /** Per record, Graph's provisioningAction of its deciding entry. */
  byAction: Record<string, number>;
  /** Per record, Graph's status of its deciding entry. */
  byStatus: Record<string, number>;
  /** Sent records Entra has not processed yet. */
  pending: number;
  errors: ReportError[];
  timeline: { unit: "hour" | "day"; slots: TimelineSlot[] };
  /** Lines the runs withheld (duplicates, rows that do not convert, malformed lines). */
  withheld: (WithheldLine & { run: string })[];
  includesPii: boolean;
  /** Present when the spec has lifecycle workflows. */
  workflows?: ReportWorkflows;
  records: ReportRecord[];
}

export interface ReportInput {
  /** The runs in the report, each with its records, oldest first. */
  runs: { record: RunRecord; entries: RunRecordEntry[] }[];
  logs: readonly ReportLogEntry[];
  since: Date;
  until: Date;
  includePii?: boolean;
  workflows?: ReportWorkflows;
}

const statusOf = (e: ReportLogEntry) =>
  (e.provisioningStatusInfo ?? e.statusInfo)?.status ?? "unknown";
const errorOf = (e: ReportLogEntry) => (e.provisioningStatusInfo ?? e.statusInfo)?.errorInformation;
const lower = (s: string | undefined) => (s ?? "").toLowerCase();

/** Success outcomes by action, most telling first: a create and then an update is a create. */
const ACTION_OUTCOMES: [string, EntraOutcome][] = [
  ["create", "created"],
  ["delete", "deleted"],
  ["stageddelete", "staged"],
  ["disable", "disabled"],
  ["update", "updated"],
  ["other", "other"],
];

/**
 * Why a skipped entry was skipped. Graph has no field for it: the scoping step's status says
 * out of scope (step types in provisioningStep,
 * https://learn.microsoft.com/en-us/graph/api/resources/provisioningstep); a record in scope
 * that is skipped had nothing to change. Without steps, the reason's wording decides, and failing
 * that the error code is given as it is.
 */
function skipReason(entry: ReportLogEntry): SkipReason {
  const scoping = entry.provisioningSteps?.find((s) => lower(s.provisioningStepType) === "scoping");
  if (scoping) {
    return ["skipped", "failure"].includes(lower(scoping.status)) ? "outOfScope" : "noChange";
  }
  const error = errorOf(entry);
  const text = error?.reason ?? "";
  if (/scope|entitle/i.test(text)) return "outOfScope";
  if (/no change|up to date|already/i.test(text)) return "noChange";
  return error?.errorCode ?? "unknown";
}

/**
 * What an entry did. A person who became inactive (or left the scope) is disabled by an update
 * that sets accountEnabled to false as well as by a `disable` action: both are a disable, so the
 * report says the person was disabled, not merely updated.
 */
function actionOf(entry: ReportLogEntry): string {
  const action = lower(entry.provisioningAction);
  if (action !== "update") return action;
  const enabled = entry.modifiedProperties?.find((p) => lower(p.displayName) === "accountenabled");
  return enabled && /^"?false"?$/i.test((enabled.newValue ?? "").trim()) ? "disable" : action;
}

/** The entry that says what Entra did with a record, and what that was. */
function decide(entries: ReportLogEntry[]): { entry: ReportLogEntry; outcome: EntraOutcome } {
  const last = entries[entries.length - 1];
  if (statusOf(last) === "failure") return { entry: last, outcome: "failed" };
  const done = entries.filter((e) => ["success", "warning"].includes(statusOf(e)));
  for (const [action, outcome] of ACTION_OUTCOMES) {
    const found = done.filter((e) => actionOf(e) === action).pop();
    if (found) return { entry: found, outcome };
  }
  if (done.length > 0) return { entry: done[done.length - 1], outcome: "other" };
  return { entry: last, outcome: statusOf(last) === "skipped" ? "skipped" : "other" };
}

const increment = <K extends string>(counts: Partial<Record<K, number>>, key: K) => {
  counts[key] = (counts[key] ?? 0) + 1;
};

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

export function buildReport(input: ReportInput): Report {
  const includePii = input.includePii ?? false;
  // Per record, the run that last did something with it (an unchanged record keeps the run
  // that sent it, if that run is in the report).
  const fromRuns = new Map<string, { entry: RunRecordEntry; run: RunRecord }>();
  for (const { record, entries } of input.runs) {
    for (const entry of entries) {
      const seen = fromRuns.get(entry.externalId);
      if (!seen || entry.outcome !== "unchanged" || seen.entry.outcome === "unchanged") {
        fromRuns.set(entry.externalId, { entry, run: record });
      }
    }
  }
  const logsById = new Map<string, ReportLogEntry[]>();
  for (const log of input.logs) {
    const id = log.sourceIdentity?.id;
    if (!id) continue;
    const list = logsById.get(id);
    if (list) list.push(log);
    else logsById.set(id, [log]);
  }

  const ids = new Set([...fromRuns.keys(), ...logsById.keys()]);
  const records: ReportRecord[] = [];
  for (const externalId of ids) {
    const upload = fromRuns.get(externalId);
    const after = upload ? upload.run.startedAt : "";
    const entries = (logsById.get(externalId) ?? [])
      .filter((e) => (e.activityDateTime ?? "") >= after)
      .sort((a, b) => (a.activityDateTime ?? "").localeCompare(b.activityDateTime ?? ""));
    const record: ReportRecord = {
      externalId,
      ...(upload
        ? { line: upload.entry.line, upload: upload.entry.outcome, run: upload.run.runId }
        : {}),
      entries: entries.length,
    };
    if (entries.length > 0) {
      const { entry, outcome } = decide(entries);
      const error = errorOf(entry);
      record.entra = outcome;
      record.action = entry.provisioningAction;
      record.status = statusOf(entry);
      record.at = entry.activityDateTime;
      if (error?.errorCode) record.errorCode = error.errorCode;
      if (outcome === "skipped") record.skipReason = skipReason(entry);
      const names = (entry.modifiedProperties ?? [])
        .map((p) => p.displayName)
        .filter((n): n is string => Boolean(n));
      if (names.length > 0) record.modifiedProperties = names;
      if (includePii) {
        if (error?.reason) record.reason = error.reason;
        const name = entry.targetIdentity?.displayName ?? entry.sourceIdentity?.displayName;
        if (name) record.displayName = name;
        if (entry.targetIdentity?.id) record.targetId = entry.targetIdentity.id;
        if (entry.modifiedProperties?.length) {
          record.changes = entry.modifiedProperties.map((p) => ({
            name: p.displayName ?? "",
            oldValue: p.oldValue,
            newValue: p.newValue,
          }));
        }
      }
    } else if (upload && ["sent", "resumed"].includes(upload.entry.outcome)) {
      record.entra = "pending";
    }
    records.push(record);
  }
  records.sort(
    (a, b) =>
      (a.line ?? Number.MAX_SAFE_INTEGER) - (b.line ?? Number.MAX_SAFE_INTEGER) ||
      a.externalId.localeCompare(b.externalId),
  );

  const byUpload: Report["byUpload"] = {};
  const byOutcome: Report["byOutcome"] = {};
  const byAction: Record<string, number> = {};
  const byStatus: Record<string, number> = {};
  const errors = new Map<string, ReportError>();
  for (const r of records) {
    if (r.upload) increment(byUpload, r.upload);
    if (r.entra) increment(byOutcome, r.entra);
    if (r.action) increment(byAction, r.action);
    if (r.status) increment(byStatus, r.status);
    if (r.entra === "failed") {
      const code = r.errorCode ?? "unknown";
      const seen = errors.get(code);
      if (seen) seen.count++;
      else errors.set(code, { code, count: 1, example: r.externalId, hint: hintFor(code) ?? null });
    }
  }

  const span = input.until.getTime() - input.since.getTime();
  const unit = span > 2 * DAY ? "day" : "hour";
  const size = unit === "day" ? DAY : HOUR;
  const first = Math.floor(input.since.getTime() / size) * size;
  const slots: TimelineSlot[] = [];
  for (let t = first; t <= input.until.getTime(); t += size) {
    slots.push({ start: new Date(t).toISOString(), counts: {} });
  }
  for (const r of records) {
    if (!r.at || !r.entra) continue;
    const index = Math.floor((Date.parse(r.at) - first) / size);
    if (index >= 0 && index < slots.length) increment(slots[index].counts, r.entra);
  }

  return {
    generatedAt: input.until.toISOString(),
    window: { since: input.since.toISOString(), until: input.until.toISOString() },
    runs: input.runs.map(({ record }) => ({
      runId: record.runId,
      command: record.command,
      csv: record.csv,
      startedAt: record.startedAt,
      finishedAt: record.finishedAt,
      status: record.status,
      ...(record.error ? { error: record.error } : {}),
      summary: record.summary,
      failedRequests: record.failedRequests,
      overrides: record.overrides ?? [],
    })),
    total: records.length,
    byUpload,
    byOutcome,
    byAction,
    byStatus,
    pending: byOutcome.pending ?? 0,
    errors: [...errors.values()].sort((a, b) => b.count - a.count || a.code.localeCompare(b.code)),
    timeline: { unit, slots },
    withheld: input.runs.flatMap(({ record }) =>
      record.withheld.map((w) => ({ ...w, run: record.runId })),
    ),
    includesPii: includePii,
    ...(input.workflows ? { workflows: input.workflows } : {}),
    records,
  };
}
