/**
 * The report for a terminal: the same summary as the HTML and JSON, shortest first (totals,
 * errors with what to do), then the records that need a look. The caller strips control
 * sequences from the whole text (every value comes from the service or the HR file).
 */
import type { EntraOutcome, Report, ReportQuarantinedWorkflow, ReportRecord } from "./build";
import { ENTRA_OUTCOMES } from "./build";
import { ERROR_CODES_URL } from "./hints";
import { UPLOAD_OUTCOMES } from "../upload";
import { CLEAR_QUARANTINE } from "../lifecycle/graphApi";
import { shownValue } from "../records";

/** How many records each list shows before "and N more" (the JSON and HTML have them all). */
export const LIST_LIMIT = 20;

const counts = (order: readonly string[], values: Record<string, number | undefined>) =>
  [
    ...order,
    ...Object.keys(values)
      .filter((k) => !order.includes(k))
      .sort(),
  ]
    .filter((k) => values[k])
    .map((k) => `${k} ${values[k]}`)
    .join(", ") || "none";

export const SKIP_REASONS: Record<string, string> = {
  outOfScope: "out of scope",
  noChange: "no change",
};

/** One record in a line: where it is, and what happened to it. */
export function describeRecord(r: ReportRecord): string {
  const where = r.line === undefined ? "(logs only)" : `line ${r.line}`;
  const parts = [`${where}  externalId ${shownValue(r.externalId)}`];
  if (r.upload) parts.push(`upload ${r.upload}`);
  if (r.entra) parts.push(`entra ${r.entra}`);
  if (r.action) parts.push(`${r.action}/${r.status}`);
  if (r.errorCode) parts.push(r.errorCode);
  if (r.skipReason) parts.push(SKIP_REASONS[r.skipReason] ?? r.skipReason);
  if (r.reason) parts.push(r.reason);
  return parts.join("  ");
}

/** `key "Display name" since <when>, <type>: <reason>` for a quarantined workflow. */
export function describeQuarantine(w: ReportQuarantinedWorkflow): string {
  return (
    `${w.key} ${JSON.stringify(w.displayName)} since ${w.quarantinedDateTime ?? "(unknown)"}` +
    (w.quarantineType ? `, ${w.quarantineType}` : "") +
    (w.quarantineReason ? `: ${w.quarantineReason}` : "")
  );
}

/** Lines on the spec's lifecycle workflows in quarantine, or none when the spec has none. */
export function workflowLines(report: Report): string[] {
  const w = report.workflows;
  if (!w) return [];
  if (w.notRead !== undefined) return [`lifecycle workflows: quarantine not read (${w.notRead})`];
  if (w.quarantined.length === 0) return ["lifecycle workflows in quarantine: none"];
  return [
    `lifecycle workflows in quarantine: ${w.quarantined.length} (they process no joiner or leaver)`,
    ...w.quarantined.map((q) => `  ${describeQuarantine(q)}`),
    `  ${CLEAR_QUARANTINE}`,
  ];
}

/** Records that need a look: Entra failed them, or the uploader did not get them to Entra. */
export function isFailure(r: ReportRecord): boolean {
  return (
    r.entra === "failed" ||
    (r.upload !== undefined && ["failed", "notSent", "invalid", "duplicate"].includes(r.upload))
  );
}

export function renderText(report: Report, app: string): string {
  const out: string[] = [];
  const line = (text = "") => out.push(text);
  line(`inbound report for ${app}: ${report.window.since} to ${report.window.until}`);
  for (const run of report.runs) {
    const s = run.summary;
    line(`run ${run.runId} (${run.status}): ${run.command}`);
    line(`  ${run.csv}: started ${run.startedAt}, finished ${run.finishedAt}`);
    line(
      `  ${s.rows} rows: sent ${s.accepted}, unchanged ${s.unchanged}, withheld ${s.skipped}, failed ${s.failedRecords}, not attempted ${s.notAttempted}; ${s.calls} requests, ${s.retries} retries`,
    );
    if (run.error) line(`  ${run.error}`);
    for (const o of run.overrides) line(`  safeguard overridden: ${o}`);
    for (const f of run.failedRequests) {
      line(
        `  request ${f.request} failed (lines ${f.lines[0]}-${f.lines[f.lines.length - 1]}): ${f.status ?? "no response"} ${f.error}`,
      );
    }
  }
  if (report.runs.length === 0) line("no upload run in this window: the logs alone");
  line(`records ${report.total}`);
  line(`  uploader: ${counts(UPLOAD_OUTCOMES, report.byUpload)}`);
  const byOutcome = counts(ENTRA_OUTCOMES, report.byOutcome as Record<EntraOutcome, number>);
  line(`  entra: ${byOutcome}`);
  const skips: Record<string, number> = {};
  for (const r of report.records) {
    if (r.skipReason) {
      const why = SKIP_REASONS[r.skipReason] ?? r.skipReason;
      skips[why] = (skips[why] ?? 0) + 1;
    }
  }
  if (Object.keys(skips).length > 0) line(`  skipped: ${counts([], skips)}`);
  line(`  by status: ${counts(["success", "warning", "failure", "skipped"], report.byStatus)}`);
  const actions = ["create", "update", "disable", "delete", "stagedDelete", "other"];
  line(`  by action: ${counts(actions, report.byAction)}`);
  for (const l of workflowLines(report)) line(l);
  if (report.errors.length > 0) {
    line(`errors (what to do: ${ERROR_CODES_URL})`);
    for (const e of report.errors) {
      line(`  ${e.code}: ${e.count} (e.g. externalId ${shownValue(e.example)})`);
      line(`    ${e.hint ?? "no advice from Microsoft for this code"}`);
    }
  }
  const list = (title: string, records: ReportRecord[]) => {
    if (records.length === 0) return;
    line(`${title}: ${records.length}`);
    for (const r of records.slice(0, LIST_LIMIT)) line(`  ${describeRecord(r)}`);
    if (records.length > LIST_LIMIT) {
      line(`  and ${records.length - LIST_LIMIT} more (--json or --html lists them all)`);
    }
  };
  list("failures", report.records.filter(isFailure));
  list(
    "not processed by Entra yet (logs appear 5-10 minutes after an upload; is the job running?)",
    report.records.filter((r) => r.entra === "pending"),
  );
  if (report.withheld.length > 0) {
    line(`withheld by the uploader: ${report.withheld.length} lines`);
    for (const w of report.withheld.slice(0, LIST_LIMIT)) {
      const id = w.externalId === undefined ? "" : ` externalId ${shownValue(w.externalId)}:`;
      line(`  line ${w.line}:${id} ${w.reason}`);
    }
    if (report.withheld.length > LIST_LIMIT) {
      line(`  and ${report.withheld.length - LIST_LIMIT} more`);
    }
  }
  return out.join("\n") + "\n";
}
