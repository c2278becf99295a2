/**
 * `upload --wait`: after a run, follow its records in the provisioning logs until each has an
 * outcome or the time is up. `202 Accepted` only says the service staged a request; the logs say
 * what it did, 5-10 minutes later
 * (https://learn.microsoft.com/en-us/entra/identity/app-provisioning/inbound-provisioning-api-issues).
 * When nothing at all was processed, the job's own state usually says why: paused, quarantined,
 * or (for Active Directory) its provisioning agent inactive.
 */
import type { GraphClient } from "../graph";
import { ProvisioningLogEntry, provisioningLogsPath, RecordSummary, summariseLogs } from "./logs";
import type { Clock } from "./scheduler";
import type { UploadPlan } from "./engine";
import { ACCEPTED } from "./recordTable";

export interface FollowInput {
  graph: GraphClient;
  servicePrincipalId: string;
  jobId: string;
  /** When the run started: older log entries are another run's. */
  since: Date;
  /** The records the run had accepted. */
  externalIds: readonly string[];
  /** Epoch ms after which waiting stops. */
  until: number;
  clock: Clock;
  /** Between two reads of the logs. */
  pollMs: number;
}

export interface FollowOutcome {
  total: number;
  /** Processed: success, skipped or warning. */
  processed: number;
  failed: RecordSummary[];
  /** No outcome in the logs yet. */
  pending: string[];
  /**
   * The job, read when nothing was processed; `error` when it could not be read (reading a job
   * takes Synchronization.Read.All, which the deployed uploader's identity may not hold).
   */
  job?: { state?: string; code?: string; quarantine?: string; error?: string };
}

/**
 * "accepted, nothing processed: the job's schedule is …, its status …": what `upload --wait` and
 * the deployed uploader say when the logs show none of a run's records; `read` is said between the
 * job's state and the likely causes.
 */
export function nothingProcessed(job: FollowOutcome["job"], read = ""): string {
  return (
    `accepted, nothing processed: the job's schedule is ${job?.state ?? "unknown"}, its status ${job?.code ?? "unknown"}` +
    (job?.quarantine ? ` (quarantined: ${job.quarantine})` : "") +
    read +
    "; a paused or quarantined job, or an inactive provisioning agent (Active Directory), processes nothing"
  );
}

interface JobView {
  schedule?: { state?: string };
  status?: { code?: string; quarantine?: { reason?: string; currentBegan?: string } | null };
}

export async function followRecords(input: FollowInput): Promise<FollowOutcome> {
  const wanted = new Set(input.externalIds);
  for (;;) {
    const entries = await input.graph.getAllPages<ProvisioningLogEntry>(
      provisioningLogsPath(input.jobId, input.since),
    );
    const summary = summariseLogs(entries);
    const seen = new Map(
      summary.records.filter((r) => wanted.has(r.externalId)).map((r) => [r.externalId, r]),
    );
    const failed = [...seen.values()].filter((r) => r.status === "failure");
    const processed = seen.size - failed.length;
    const pending = input.externalIds.filter((id) => !seen.has(id));
    const outcome: FollowOutcome = { total: wanted.size, processed, failed, pending };
    if (pending.length === 0 || input.clock.now() + input.pollMs > input.until) {
      if (processed + failed.length === 0) {
        try {
          const job = await input.graph.get<JobView>(
            `/servicePrincipals/${encodeURIComponent(input.servicePrincipalId)}/synchronization/jobs/${encodeURIComponent(input.jobId)}`,
          );
          outcome.job = {
            state: job.schedule?.state,
            code: job.status?.code,
            quarantine: job.status?.quarantine?.reason,
          };
        } catch (err) {
          // The records' outcome stands without the job's state.
          outcome.job = { error: err instanceof Error ? err.message : String(err) };
        }
      }
      return outcome;
    }
    await input.clock.sleep(input.pollMs);
  }
}

/** The records a run had accepted, in table order. */
export function acceptedIds(plan: UploadPlan): string[] {
  const { table } = plan.state;
  const ids: string[] = [];
  for (let index = 0; index < table.size; index++) {
    if (table.file(index) & ACCEPTED) ids.push(table.id(index));
  }
  return ids;
}

/** `90s`, `10m`, `1h` in milliseconds, or undefined. */
export function parseWait(text: string): number | undefined {
  const match = /^(\d+)\s*([smh])$/.exec(text.trim());
  if (!match) return undefined;
  return Number(match[1]) * { s: 1_000, m: 60_000, h: 3_600_000 }[match[2] as "s" | "m" | "h"];
}
