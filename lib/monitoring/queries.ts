/**
 * The KQL of inbound's alert rules and workbook, over the tables Entra's diagnostic setting and a
 * workspace-based Application Insights write. Plain strings, no Pulumi: the component, its tests
 * and docs/monitoring.md share them.
 *
 * Tables and columns:
 * - AADProvisioningLogs (category ProvisioningLogs): TimeGenerated, JobId, ResultType ("success,
 *   failure, or skipped"), ResultSignature (the error code), ResultDescription, ProvisioningAction
 *   (https://learn.microsoft.com/en-us/azure/azure-monitor/reference/tables/aadprovisioninglogs).
 * - AuditLogs (category AuditLogs): TimeGenerated, LoggedByService, Category, OperationName,
 *   Result, ResultReason, TargetResources
 *   (https://learn.microsoft.com/en-us/azure/azure-monitor/reference/tables/auditlogs).
 * - AppRequests (workspace-based Application Insights): TimeGenerated, Name, Success,
 *   AppRoleName, _ResourceId
 *   (https://learn.microsoft.com/en-us/azure/azure-monitor/reference/tables/apprequests).
 * - AppTraces (workspace-based Application Insights; a function's `context.log` lines): TimeGenerated,
 *   Message, SeverityLevel, AppRoleName, _ResourceId
 *   (https://learn.microsoft.com/en-us/azure/azure-monitor/reference/tables/apptraces).
 */

/** A KQL string literal: double quotes, with backslash and quote escaped. */
export function kqlString(value: string): string {
  return `"${value.replace(/\\/g, "\\\\").replace(/"/g, '\\"')}"`;
}

const kqlList = (values: readonly string[]) => `(${values.map(kqlString).join(", ")})`;

/** Name of the column each count-based alert measures. */
export const MEASURE = {
  failures: "Failures",
  runs: "Runs",
  unprocessed: "UnprocessedRuns",
} as const;

const ACCEPTED_PREFIX = "inbound: bulkUpload accepted ";
const ACCEPTED_JOB = " record(s) for job ";

/**
 * The line a `function` uploader logs after a run that bulkUpload accepted records from: what
 * `acceptedNotProcessedQuery` reads back from AppTraces, so both are written here.
 */
export function acceptedLine(accepted: number, jobId: string): string {
  return `${ACCEPTED_PREFIX}${accepted}${ACCEPTED_JOB}${jobId}`;
}

/**
 * Upload runs whose records bulkUpload accepted (202) and of which the job processed none within
 * `hours`: no AADProvisioningLogs record of that job between the run and `hours` after it. Each run
 * is looked at once, in the hour its `hours` run out (the rule evaluates hourly and reads `hours`
 * + 1 hours of log). Microsoft names the causes: the provisioning app is paused, the service has
 * not written the logs yet, or the provisioning agent (Active Directory) is inactive
 * (https://learn.microsoft.com/en-us/entra/identity/app-provisioning/inbound-provisioning-api-issues,
 * "There's nothing in the provisioning logs"). One row per such run, with its job.
 */
export function acceptedNotProcessedQuery(jobIds: readonly string[], hours: number): string {
  return [
    `let window = ${hours}h;`,
    "let runs = AppTraces",
    "| where TimeGenerated between (ago(window + 1h) .. ago(window))",
    `| where Message startswith ${kqlString(ACCEPTED_PREFIX)}`,
    `| parse Message with ${kqlString(ACCEPTED_PREFIX)} Accepted:long ${kqlString(ACCEPTED_JOB)} JobId:string`,
    `| where JobId in ${kqlList(jobIds)} and Accepted > 0`,
    "| project RunAt = TimeGenerated, JobId, Accepted;",
    "let processed = AADProvisioningLogs",
    "| where TimeGenerated > ago(window + 1h)",
    `| where JobId in ${kqlList(jobIds)}`,
    "| project ProcessedAt = TimeGenerated, JobId;",
    "runs",
    "| join kind=leftouter processed on JobId",
    "| summarize Processed = countif(ProcessedAt between (RunAt .. RunAt + window)) by RunAt, JobId, Accepted",
    "| where Processed == 0",
    `| summarize ${MEASURE.unprocessed} = count(), Accepted = sum(Accepted) by JobId`,
  ].join("\n");
}

/**
 * Failed provisioning records of the tenant's own jobs, per job: the alert compares each job's
 * hourly total with the threshold.
 */
export function provisioningFailuresQuery(jobIds: readonly string[]): string {
  return [
    "AADProvisioningLogs",
    `| where JobId in ${kqlList(jobIds)}`,
    '| where ResultType =~ "failure"',
    `| summarize ${MEASURE.failures} = count() by JobId`,
  ].join("\n");
}

/**
 * A provisioning job put in quarantine: the quarantine history is the audit activity
 * "Quarantine" (https://learn.microsoft.com/en-us/entra/identity/app-provisioning/application-provisioning-quarantine-status,
 * "How do I know if my application is in quarantine?"). Which target resource names the job is
 * undocumented, so every quarantine in the tenant alerts: each one stops an app's provisioning.
 */
export function quarantineQuery(): string {
  return [
    "AuditLogs",
    '| where OperationName =~ "Quarantine"',
    "| project TimeGenerated, LoggedByService, OperationName, Result, ResultReason, TargetResources",
  ].join("\n");
}

/**
 * A lifecycle workflow quarantined by its execution limits. Microsoft says a quarantine notifies
 * the Lifecycle Workflows administrators by mail
 * (https://learn.microsoft.com/en-us/entra/id-governance/lifecycle-workflow-execution-limits),
 * but documents no audit activity for it: the activity reference lists none and warns that
 * Lifecycle Workflows activities change
 * (https://learn.microsoft.com/en-us/entra/id-governance/lifecycle-workflow-audits). So this
 * matches any Lifecycle Workflows activity whose name contains "quarantin" except a clearing,
 * and the spec can replace it (`monitoring.alerts.workflowQuarantineQuery`) once the tenant's
 * audit log shows the real name. `inbound drift` reads the quarantine itself, from Graph.
 */
export function workflowQuarantineQuery(): string {
  return [
    "AuditLogs",
    '| where LoggedByService =~ "Lifecycle Workflows"',
    '| where OperationName contains "quarantin" and OperationName !contains "clear"',
    "| project TimeGenerated, Category, OperationName, Result, ResultReason, TargetResources",
  ].join("\n");
}

/**
 * Failed task processing of lifecycle workflows. Learn names the audit service (Lifecycle
 * Workflows), its categories (TaskManagement, WorkflowManagement, Other) and a status per event,
 * and warns that "audit log services, categories, and activities might change frequently"
 * (https://learn.microsoft.com/en-us/entra/id-governance/lifecycle-workflow-audits), so the spec
 * can replace this query (`monitoring.alerts.lifecycleWorkflowQuery`).
 */
export function lifecycleWorkflowFailuresQuery(): string {
  return [
    "AuditLogs",
    '| where LoggedByService =~ "Lifecycle Workflows"',
    '| where Category in ("TaskManagement", "WorkflowManagement")',
    '| where Result =~ "failure"',
    "| project TimeGenerated, Category, OperationName, ResultReason, TargetResources",
  ].join("\n");
}

/**
 * Failed invocations of one uploader function app, read from its Application Insights: the
 * Functions host writes one request per invocation, Success false when the function threw
 * (a refused or failed run throws, docs/uploader-azure.md).
 */
export function uploaderFailuresQuery(applicationInsightsId: string): string {
  return [
    "AppRequests",
    `| where _ResourceId =~ ${kqlString(applicationInsightsId)}`,
    "| where Success == false",
    `| summarize ${MEASURE.failures} = count() by Name`,
  ].join("\n");
}

/**
 * Runs of the uploader's timer function in the last `hours`. `summarize count()` without `by`
 * returns one row even when no request matched, so "no run" is a row with 0, not an empty result.
 * The time filter is the query's own: the rule reads two days (its longest query range) and
 * evaluates hourly.
 */
export function uploaderRunsQuery(
  applicationInsightsId: string,
  timerFunction: string,
  hours: number,
): string {
  return [
    "AppRequests",
    `| where TimeGenerated > ago(${hours}h)`,
    `| where _ResourceId =~ ${kqlString(applicationInsightsId)}`,
    `| where Name == ${kqlString(timerFunction)}`,
    `| summarize ${MEASURE.runs} = count()`,
  ].join("\n");
}

/** The workbook's views, over the tenant's provisioning jobs. */
export function workbookQueries(jobIds: readonly string[]): {
  outcomesOverTime: string;
  topErrors: string;
  joinersAndLeavers: string;
} {
  const jobs = `| where JobId in ${kqlList(jobIds)}`;
  return {
    outcomesOverTime: [
      "AADProvisioningLogs",
      jobs,
      "| summarize Records = count() by ResultType, bin(TimeGenerated, 1h)",
      "| render timechart",
    ].join("\n"),
    topErrors: [
      "AADProvisioningLogs",
      jobs,
      '| where ResultType =~ "failure"',
      "| summarize Records = count(), Example = take_any(ResultDescription) by ErrorCode = ResultSignature",
      "| top 20 by Records",
    ].join("\n"),
    // Graph's provisioningAction values: create, update, delete, disable, stagedDelete, other
    // (https://learn.microsoft.com/en-us/graph/api/resources/provisioningobjectsummary).
    joinersAndLeavers: [
      "AADProvisioningLogs",
      jobs,
      '| where ResultType =~ "success"',
      '| summarize Joiners = countif(ProvisioningAction =~ "create"), Leavers = countif(ProvisioningAction in~ ("disable", "delete")) by bin(TimeGenerated, 1d)',
      "| render columnchart",
    ].join("\n"),
  };
}
