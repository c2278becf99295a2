/**
 * Azure Monitor for one tenant, as the spec's `monitoring:` asks (docs/monitoring.md): a Log
 * Analytics workspace (or an existing one), the tenant's Entra diagnostic setting that sends
 * ProvisioningLogs and AuditLogs to it, an action group that mails the spec's addresses, log
 * search alert rules over those logs and a workbook. The uploader's own Application Insights and
 * alert rules are the uploaders' (components/uploader/), on this workspace.
 */
import * as pulumi from "@pulumi/pulumi";
import * as aadiam from "@pulumi/azure-native/aadiam";
import * as applicationinsights from "@pulumi/azure-native/applicationinsights";
import * as monitor from "@pulumi/azure-native/monitor";
import * as operationalinsights from "@pulumi/azure-native/operationalinsights";
import type { Monitoring as MonitoringSpec } from "../lib/model/schema";
import { MONITORING_DEFAULTS } from "../lib/model/schema";
import {
  acceptedNotProcessedQuery,
  lifecycleWorkflowFailuresQuery,
  MEASURE,
  provisioningFailuresQuery,
  quarantineQuery,
  workflowQuarantineQuery,
} from "../lib/monitoring/queries";
import { stableUuid, workbookContent } from "../lib/monitoring/workbook";

export const MONITORING_TYPE = "inbound:monitoring:Monitoring";

/** The Entra log categories inbound's queries read. */
export const ENTRA_LOG_CATEGORIES = ["ProvisioningLogs", "AuditLogs"] as const;

export interface MonitoringArgs {
  /** `tenant.name`: part of every resource name. */
  readonly tenantName: string;
  /** `tenant.id`: seeds the workbook's id. */
  readonly tenantId: string;
  /** The spec's `monitoring` section, after defaults. Plain: it decides which children exist. */
  readonly monitoring: MonitoringSpec;
  /** Who the action group mails (lib/monitoring/checks.ts `monitoringEmails`). At least one. */
  readonly notificationEmails: readonly string[];
  /** Synchronization job ids of the tenant's provisioning apps: the queries read only these. */
  readonly provisioningJobIds: readonly pulumi.Input<string>[];
  /**
   * Job ids of the apps whose records a `function` uploader sends: its traces, on this workspace,
   * say what bulkUpload accepted, which the accepted-not-processed alert holds against the
   * provisioning logs. Defaults to none (no such alert).
   */
  readonly uploadedJobIds?: readonly pulumi.Input<string>[];
  readonly resourceGroupName: pulumi.Input<string>;
  readonly location: pulumi.Input<string>;
  readonly tags?: pulumi.Input<Record<string, pulumi.Input<string>>>;
}

/** One log search alert rule: a query, a measure and a threshold, mailing the action group. */
export interface LogAlert {
  readonly displayName: string;
  readonly description: string;
  readonly query: pulumi.Input<string>;
  /** ISO 8601: how much log each evaluation reads, and how often it runs. */
  readonly windowSize: string;
  readonly evaluationFrequency: string;
  /** ISO 8601: read this much log instead of `windowSize` (the query then filters by time itself). */
  readonly overrideQueryTimeRange?: string;
  /** 0 (critical) to 4 (verbose). */
  readonly severity: number;
  /** Count rows (undefined) or sum this column of the query. */
  readonly measure?: string;
  readonly operator: "GreaterThan" | "LessThan";
  readonly threshold: number;
  /** Columns that split the alert, one alert per value (e.g. per job). */
  readonly dimensions?: readonly string[];
}

export interface LogAlertTarget {
  readonly workspaceId: pulumi.Input<string>;
  readonly actionGroupId: pulumi.Input<string>;
  readonly resourceGroupName: pulumi.Input<string>;
  readonly location: pulumi.Input<string>;
  readonly tags?: pulumi.Input<Record<string, pulumi.Input<string>>>;
}

/**
 * A scheduled query rule (kind LogAlert) on the workspace
 * (https://learn.microsoft.com/en-us/azure/azure-monitor/alerts/alerts-types#log-alerts).
 */
export function logAlertRule(
  name: string,
  ruleName: string,
  alert: LogAlert,
  target: LogAlertTarget,
  parent: pulumi.Resource,
): monitor.ScheduledQueryRule {
  return new monitor.ScheduledQueryRule(
    name,
    {
      resourceGroupName: target.resourceGroupName,
      location: target.location,
      tags: target.tags,
      ruleName,
      kind: "LogAlert",
      displayName: alert.displayName,
      description: alert.description,
      enabled: true,
      severity: alert.severity,
      scopes: [target.workspaceId],
      windowSize: alert.windowSize,
      evaluationFrequency: alert.evaluationFrequency,
      ...(alert.overrideQueryTimeRange
        ? { overrideQueryTimeRange: alert.overrideQueryTimeRange }
        : {}),
      criteria: {
        allOf: [
          {
            query: alert.query,
            timeAggregation: alert.measure ? "Total" : "Count",
            ...(alert.measure ? { metricMeasureColumn: alert.measure } : {}),
            operator: alert.operator,
            threshold: alert.threshold,
            dimensions: (alert.dimensions ?? []).map((dimension) => ({
              name: dimension,
              operator: "Include",
              values: ["*"],
            })),
            failingPeriods: { numberOfEvaluationPeriods: 1, minFailingPeriodsToAlert: 1 },
          },
        ],
      },
      actions: { actionGroups: [target.actionGroupId] },
      // A failure that persists fires once, and the alert resolves itself when it stops.
      autoMitigate: true,
    },
    { parent },
  );
}

export class Monitoring extends pulumi.ComponentResource {
  /** ARM id of the Log Analytics workspace (created or existing). */
  public readonly workspaceId: pulumi.Output<string>;
  /** ARM id of the action group every alert rule mails. */
  public readonly actionGroupId: pulumi.Output<string>;
  /** ARM id of the workbook, when `monitoring.workbook`. */
  public readonly workbookId?: pulumi.Output<string>;

  constructor(name: string, args: MonitoringArgs, opts?: pulumi.ComponentResourceOptions) {
    super(MONITORING_TYPE, name, {}, opts);
    const { monitoring, tenantName } = args;
    if (args.notificationEmails.length === 0) {
      throw new pulumi.ResourceError(
        "monitoring needs at least one notification e-mail address for its action group",
        this,
      );
    }
    const common = {
      resourceGroupName: args.resourceGroupName,
      location: args.location,
      tags: args.tags,
    };

    if (monitoring.workspace.existingId !== undefined) {
      this.workspaceId = pulumi.output(monitoring.workspace.existingId);
    } else {
      const workspace = new operationalinsights.Workspace(
        `${name}-workspace`,
        {
          ...common,
          workspaceName: monitoring.workspace.name ?? `${tenantName}-inbound-logs`,
          sku: { name: "PerGB2018" },
          retentionInDays:
            monitoring.workspace.retentionInDays ?? MONITORING_DEFAULTS.retentionInDays,
        },
        { parent: this },
      );
      this.workspaceId = workspace.id;
    }

    if (monitoring.entraDiagnosticSetting) {
      // A tenant-level setting (microsoft.aadiam), not a resource of the resource group: see
      // docs/monitoring.md for the role it needs
      // (https://learn.microsoft.com/en-us/entra/identity/monitoring-health/howto-configure-diagnostic-settings).
      new aadiam.DiagnosticSetting(
        `${name}-entra-logs`,
        {
          name: `inbound-${tenantName}`,
          workspaceId: this.workspaceId,
          logs: ENTRA_LOG_CATEGORIES.map((category) => ({ category, enabled: true })),
        },
        { parent: this },
      );
    }

    const actionGroup = new monitor.ActionGroup(
      `${name}-action-group`,
      {
        ...common,
        // Action groups are global resources.
        location: "Global",
        actionGroupName: `${tenantName}-inbound-alerts`,
        // At most 12 characters: it prefixes SMS and e-mail subjects.
        groupShortName: "inbound",
        enabled: true,
        emailReceivers: args.notificationEmails.map((emailAddress, i) => ({
          name: `mail-${i + 1}`,
          emailAddress,
          useCommonAlertSchema: true,
        })),
      },
      { parent: this },
    );
    this.actionGroupId = actionGroup.id;

    const target: LogAlertTarget = {
      ...common,
      workspaceId: this.workspaceId,
      actionGroupId: this.actionGroupId,
    };
    const alert = (suffix: string, spec: LogAlert) =>
      logAlertRule(`${name}-${suffix}`, `${tenantName}-inbound-${suffix}`, spec, target, this);
    const jobIds = pulumi.all([...args.provisioningJobIds]);

    if (args.provisioningJobIds.length > 0) {
      alert("provisioning-failures", {
        displayName: `${tenantName}: provisioning failures`,
        description: `More than ${monitoring.alerts.provisioningFailuresPerHour} provisioning log records of one app failed within an hour.`,
        query: jobIds.apply((ids) => provisioningFailuresQuery(ids)),
        windowSize: "PT1H",
        evaluationFrequency: "PT15M",
        severity: 2,
        measure: MEASURE.failures,
        operator: "GreaterThan",
        threshold: monitoring.alerts.provisioningFailuresPerHour,
        dimensions: ["JobId"],
      });
    }
    const hours = monitoring.alerts.acceptedNotProcessedHours;
    const uploaded = args.uploadedJobIds ?? [];
    if (uploaded.length > 0 && hours > 0) {
      alert("accepted-not-processed", {
        displayName: `${tenantName}: uploaded records not processed`,
        description: `bulkUpload accepted records of an upload run and the provisioning job processed none of them within ${hours} h: the job is paused or in quarantine, or (Active Directory) its provisioning agent is inactive.`,
        query: pulumi.all([...uploaded]).apply((ids) => acceptedNotProcessedQuery(ids, hours)),
        windowSize: "PT1H",
        evaluationFrequency: "PT1H",
        // The query reads the runs of the hour `hours` ago and the logs since.
        overrideQueryTimeRange: `PT${hours + 1}H`,
        severity: 1,
        measure: MEASURE.unprocessed,
        operator: "GreaterThan",
        threshold: 0,
        dimensions: ["JobId"],
      });
    }
    if (monitoring.alerts.quarantine) {
      alert("quarantine", {
        displayName: `${tenantName}: provisioning job in quarantine`,
        description:
          "A provisioning job was put in quarantine: it runs at most daily until the cause is fixed, and stops after four weeks.",
        query: quarantineQuery(),
        windowSize: "PT1H",
        evaluationFrequency: "PT1H",
        severity: 1,
        operator: "GreaterThan",
        threshold: 0,
      });
    }
    if (monitoring.alerts.lifecycleWorkflowFailures) {
      alert("lifecycle-failures", {
        displayName: `${tenantName}: lifecycle workflow tasks failed`,
        description: "A lifecycle workflow run has failed tasks.",
        query: monitoring.alerts.lifecycleWorkflowQuery ?? lifecycleWorkflowFailuresQuery(),
        windowSize: "PT1H",
        evaluationFrequency: "PT1H",
        severity: 2,
        operator: "GreaterThan",
        threshold: 0,
      });
    }
    if (monitoring.alerts.workflowQuarantine) {
      alert("workflow-quarantine", {
        displayName: `${tenantName}: lifecycle workflow in quarantine`,
        description:
          "A lifecycle workflow exceeded its execution limits and was quarantined: it runs no scheduled run until a Lifecycle Workflows Administrator, signed in, approves it (docs/lifecycle-workflows.md#quarantine).",
        query: monitoring.alerts.workflowQuarantineQuery ?? workflowQuarantineQuery(),
        windowSize: "PT1H",
        evaluationFrequency: "PT1H",
        severity: 1,
        operator: "GreaterThan",
        threshold: 0,
      });
    }

    if (monitoring.workbook) {
      const workbook = new applicationinsights.Workbook(
        `${name}-workbook`,
        {
          ...common,
          resourceName: stableUuid(`${args.tenantId.toLowerCase()}|inbound-workbook`),
          kind: "shared",
          category: "workbook",
          displayName: `${tenantName}: HR-driven provisioning`,
          sourceId: this.workspaceId,
          version: "Notebook/1.0",
          serializedData: pulumi
            .all([this.workspaceId, jobIds])
            .apply(([workspaceId, ids]) => workbookContent(workspaceId, ids)),
        },
        { parent: this },
      );
      this.workbookId = workbook.id;
    }

    this.registerOutputs({
      workspaceId: this.workspaceId,
      actionGroupId: this.actionGroupId,
      workbookId: this.workbookId,
    });
  }
}
