/**
 * Provisioning logs of an API-driven app, summarised per incoming record. For API-driven jobs the
 * log's `sourceIdentity.id` is the SCIM externalId (Microsoft's Postman collection looks a record
 * up by `sourceIdentity/id`,
 * https://github.com/AzureAD/entra-id-inbound-provisioning/tree/main/Postman), so this is the
 * answer to "what happened to the records I uploaded".
 */
import { odataString } from "../tenant";

/** The parts of a provisioningObjectSummary used here (v1.0 names, beta's statusInfo too). */
export interface ProvisioningLogEntry {
  id?: string;
  activityDateTime?: string;
  jobId?: string;
  cycleId?: string;
  changeId?: string;
  provisioningAction?: string;
  sourceIdentity?: { id?: string; displayName?: string };
  targetIdentity?: { id?: string; displayName?: string };
  provisioningStatusInfo?: StatusInfo;
  statusInfo?: StatusInfo;
}

interface StatusInfo {
  status?: string;
  errorInformation?: { errorCode?: string; reason?: string; additionalDetails?: string };
}

export interface RecordSummary {
  externalId: string;
  /** Latest status: success, failure, skipped, warning. */
  status: string;
  action?: string;
  at?: string;
  reason?: string;
  targetId?: string;
  /** Log entries seen for this record. */
  entries: number;
}

export interface LogSummary {
  records: RecordSummary[];
  counts: Record<string, number>;
}

/** `1h`, `30m`, `2d`, `90s`, or an ISO date-time; returns the start instant. */
export function parseSince(text: string, now: number): Date {
  const relative = /^(\d+)\s*([smhd])$/.exec(text.trim());
  let at: number;
  if (relative) {
    const unit = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 }[
      relative[2] as "s" | "m" | "h" | "d"
    ];
    at = now - Number(relative[1]) * unit;
  } else {
    at = Date.parse(text);
    if (Number.isNaN(at)) {
      throw new Error(`--since ${text} is not a duration like 1h, 30m, 2d or an ISO date-time`);
    }
  }
  // A window back to year 1 overflowed the report's stack, and 100000000d grew to 4.4 GB.
  if (!(at >= now - MAX_SINCE_DAYS * 86_400_000)) {
    throw new Error(
      `--since ${text} goes back more than ${MAX_SINCE_DAYS} days, longer than Entra keeps provisioning logs; pass a later time`,
    );
  }
  return new Date(at);
}

/**
 * How far back `logs` and `report` look at most: Entra keeps provisioning logs for 30 days
 * (https://learn.microsoft.com/en-us/entra/identity/monitoring-health/reference-reports-data-retention).
 */
export const MAX_SINCE_DAYS = 30;

/**
 * The list query. `jobId` is filtered with `eq`
 * (https://learn.microsoft.com/en-us/graph/api/provisioningobjectsummary-list) and
 * `activityDateTime` with `ge`, as Microsoft's Postman collection does
 * (https://github.com/AzureAD/entra-id-inbound-provisioning/tree/main/Postman); the job id is
 * quoted, the date-time is a bare OData literal.
 */
export function provisioningLogsPath(jobId: string, since: Date): string {
  const filter = `jobId eq ${odataString(jobId)} and activityDateTime ge ${since.toISOString()}`;
  return `/auditLogs/provisioning?$filter=${encodeURIComponent(filter)}`;
}

export function summariseLogs(entries: readonly ProvisioningLogEntry[]): LogSummary {
  const byRecord = new Map<string, RecordSummary>();
  for (const entry of entries) {
    const externalId = entry.sourceIdentity?.id;
    if (!externalId) continue;
    const info = entry.provisioningStatusInfo ?? entry.statusInfo;
    const status = info?.status ?? "unknown";
    const existing = byRecord.get(externalId);
    const newer = !existing || (entry.activityDateTime ?? "") >= (existing.at ?? "");
    const error = info?.errorInformation;
    const summary: RecordSummary = newer
      ? {
          externalId,
          status,
          action: entry.provisioningAction,
          at: entry.activityDateTime,
          reason:
            status === "success"
              ? undefined
              : [error?.errorCode, error?.reason].filter(Boolean).join(": ") || undefined,
          targetId: entry.targetIdentity?.id,
          entries: (existing?.entries ?? 0) + 1,
        }
      : { ...existing, entries: existing.entries + 1 };
    byRecord.set(externalId, summary);
  }
  const records = [...byRecord.values()].sort((a, b) => a.externalId.localeCompare(b.externalId));
  const counts: Record<string, number> = {};
  for (const r of records) counts[r.status] = (counts[r.status] ?? 0) + 1;
  return { records, counts };
}
