/**
 * Provisioning log entries of every action and status Graph documents
 * (https://learn.microsoft.com/en-us/graph/api/resources/provisioningobjectsummary), shaped as
 * GET /auditLogs/provisioning answers them, for the records of one upload.
 */
import type { ReportLogEntry } from "../../lib/report/build";

export interface Seed {
  externalId: string;
  action: string;
  status: string;
  code?: string;
  reason?: string;
  scoping?: string;
  modified?: { displayName: string; oldValue: string; newValue: string }[];
  displayName?: string;
  /** Minutes after the base time. */
  minutes?: number;
}

/** `unit`: milliseconds per minute of `Seed.minutes` (a test against "now" shrinks them). */
export function logEntry(
  jobId: string,
  base: number,
  seed: Seed,
  unit = 60_000,
): ReportLogEntry & Record<string, unknown> {
  return {
    id: `log-${seed.externalId}-${seed.action}-${seed.minutes ?? 0}`,
    jobId,
    activityDateTime: new Date(base + (seed.minutes ?? 1) * unit).toISOString(),
    provisioningAction: seed.action,
    sourceIdentity: { id: seed.externalId, displayName: seed.displayName ?? "Ada Lovelace" },
    targetIdentity: {
      id: `00000000-0000-0000-0000-${seed.externalId.padStart(12, "0")}`,
      displayName: seed.displayName ?? "Ada Lovelace",
    },
    provisioningStatusInfo: {
      status: seed.status,
      ...(seed.code || seed.reason
        ? { errorInformation: { errorCode: seed.code, reason: seed.reason } }
        : {}),
    },
    ...(seed.modified ? { modifiedProperties: seed.modified } : {}),
    ...(seed.scoping
      ? {
          provisioningSteps: [
            { provisioningStepType: "import", status: "success" },
            { provisioningStepType: "scoping", status: seed.scoping },
          ],
        }
      : {}),
  };
}

/**
 * One record per case: every action (create, update, disable, delete, stagedDelete, other) and
 * every status (success, warning, failure, skipped), a skip out of scope and one with nothing to
 * change, a documented error code and one Microsoft does not list, a record the uploader did not
 * send (99), and markup in a name and a reason, which must reach HTML escaped.
 */
export const SEEDS: Seed[] = [
  { externalId: "1", action: "create", status: "success" },
  { externalId: "2", action: "create", status: "success", minutes: 1 },
  {
    externalId: "2",
    action: "update",
    status: "success",
    minutes: 2,
    modified: [{ displayName: "manager", oldValue: "", newValue: "1000" }],
  },
  {
    externalId: "3",
    action: "update",
    status: "success",
    modified: [{ displayName: "department", oldValue: "Finance", newValue: "IT" }],
  },
  { externalId: "4", action: "disable", status: "success" },
  { externalId: "5", action: "delete", status: "success" },
  { externalId: "6", action: "stagedDelete", status: "success" },
  {
    externalId: "8",
    action: "other",
    status: "skipped",
    code: "EntrySynchronizationSkipped",
    scoping: "skipped",
  },
  {
    externalId: "9",
    action: "other",
    status: "skipped",
    code: "EntrySynchronizationSkipped",
    scoping: "success",
  },
  {
    externalId: "10",
    action: "update",
    status: "failure",
    code: "DuplicateTargetEntries",
    reason: "Two users match userPrincipalName ada.lovelace@contoso.com <b>",
    displayName: "<img src=x onerror=alert(1)>",
  },
  { externalId: "11", action: "create", status: "failure", code: "SomethingNew", minutes: 65 },
  { externalId: "12", action: "update", status: "warning", minutes: 65 },
  { externalId: "99", action: "create", status: "success", minutes: 70 },
];
