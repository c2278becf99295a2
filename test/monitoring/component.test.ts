/**
 * Monitoring, the Uploader's monitoring and their wiring in Tenant, under Pulumi's mocks: which
 * Azure Monitor resources are registered, and that each points at the right one (the diagnostic
 * setting and every alert rule at the workspace, the rules at the action group, the action group
 * at the spec's addresses, Application Insights at the workspace). This proves the registrations;
 * it does not prove that Azure accepts them or that the queries match real log rows.
 */
import * as pulumi from "@pulumi/pulumi";
import { Monitoring, MONITORING_TYPE } from "../../components/monitoring";
import { acceptedLine } from "../../lib/monitoring/queries";
import { Tenant } from "../../components/tenant";
import { FunctionUploader, newUploader } from "../../components/uploader";
import { tenantSpec, type Monitoring as MonitoringSpec } from "../../lib/model/schema";
import { functionApp, logicApp, SUBSCRIPTION_ID, TENANT_ID } from "../uploader-component/fixtures";
import { registeredTree, settled } from "../helpers/pulumi";

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

const RG = `/subscriptions/${SUBSCRIPTION_ID}/resourceGroups/rg-hr`;
const WORKSPACE_ID = `${RG}/providers/Microsoft.OperationalInsights/workspaces/contoso-inbound-logs`;
const ACTION_GROUP_ID = `${RG}/providers/Microsoft.Insights/actionGroups/contoso-inbound-alerts`;
const registered: pulumi.runtime.MockResourceArgs[] = [];

/** Ids and outputs Azure would compute, so that the wiring can be followed by value. */
function armState(type: string, name: string, inputs: Record<string, Json>): Record<string, Json> {
  switch (type) {
    case "azure-native:operationalinsights:Workspace":
      return {
        id: `${RG}/providers/Microsoft.OperationalInsights/workspaces/${inputs.workspaceName}`,
      };
    case "azure-native:monitor:ActionGroup":
      return { id: `${RG}/providers/Microsoft.Insights/actionGroups/${inputs.actionGroupName}` };
    case "azure-native:applicationinsights:Component":
      return {
        id: `${RG}/providers/Microsoft.Insights/components/${inputs.resourceName}`,
        connectionString: `InstrumentationKey=${name}-key`,
      };
    case "azure-native:managedidentity:UserAssignedIdentity":
      return { id: `${RG}/identities/${inputs.resourceName}`, principalId: `${name}-oid` };
    case "azure-native:storage:StorageAccount":
      return {
        id: `${RG}/storage/${inputs.accountName}`,
        primaryEndpoints: { blob: `https://${inputs.accountName}.blob.core.windows.net/` },
      };
    case "azure-native:web:WebApp":
      return { id: `${RG}/sites/${inputs.name}` };
    case "azure-native:logic:Workflow":
      return { id: `${RG}/providers/Microsoft.Logic/workflows/${inputs.workflowName}` };
    case "pulumi-nodejs:dynamic/inbound-provisioning-job:Resource":
      return { id: `${name}-id`, jobId: `API2AAD.${name}` };
    default:
      return { id: `${name}-id` };
  }
}

beforeAll(async () => {
  await pulumi.runtime.setMocks(
    {
      newResource(args) {
        registered.push(args);
        const { id, ...state } = armState(args.type, args.name, args.inputs);
        return { id, state: { ...args.inputs, ...state } };
      },
      call(args) {
        // The deployer, who uploads a function uploader's code package.
        if (args.token === "azure-native:authorization:getClientConfig") {
          return { objectId: "deployer-oid", subscriptionId: SUBSCRIPTION_ID, tenantId: TENANT_ID };
        }
        if (args.token === "azure-native:logic:listWorkflowTriggerCallbackUrl") {
          return { value: "https://prod-01.westeurope.logic.azure.com/w/triggers/manual?sig=s" };
        }
        if (args.token === "azuread:index/getApplicationTemplate:getApplicationTemplate") {
          return { templateId: "template" };
        }
        if (args.token === "azuread:index/getServicePrincipal:getServicePrincipal") {
          return {
            objectId: "graph-sp",
            appRoleIds: {
              "SynchronizationData-User.Upload": "role-upload",
              "ProvisioningLog.Read.All": "role-logs",
            },
          };
        }
        throw new Error(`unexpected invoke ${args.token}`);
      },
    },
    "inbound",
    "test",
    false,
  );
});
beforeEach(() => {
  registered.length = 0;
});

const inputsOf = (type: string) =>
  registered.filter((r) => r.type === type).map((r) => ({ name: r.name, inputs: r.inputs }));
function the(type: string): Record<string, Json> {
  const found = inputsOf(type);
  if (found.length !== 1) throw new Error(`expected one ${type}, got ${found.length}`);
  return found[0].inputs;
}

const monitoringSpec = (monitoring: Record<string, unknown> = {}): MonitoringSpec =>
  tenantSpec.parse({
    tenant: { name: "contoso", id: TENANT_ID, domain: "contoso.com" },
    azure: { subscriptionId: SUBSCRIPTION_ID, resourceGroup: "rg-hr", location: "westeurope" },
    monitoring,
  }).monitoring!;

async function buildMonitoring(
  monitoring: MonitoringSpec,
  jobIds = ["API2AAD.a", "API2AAD.b"],
  uploadedJobIds?: string[],
) {
  const component = new Monitoring("mon", {
    tenantName: "contoso",
    tenantId: TENANT_ID,
    monitoring,
    notificationEmails: ["iam-alerts@contoso.com", "hr-it@contoso.com"],
    provisioningJobIds: jobIds,
    uploadedJobIds,
    resourceGroupName: "rg-hr",
    location: "westeurope",
    tags: { owner: "hr-it" },
  });
  await registeredTree(component);
  return component;
}

describe("Monitoring", () => {
  test("a workspace, the Entra diagnostic setting on it, an action group, four alert rules and a workbook", async () => {
    const component = await buildMonitoring(monitoringSpec());
    expect(registered.map((r) => [r.type, r.name]).sort()).toEqual(
      [
        [MONITORING_TYPE, "mon"],
        ["azure-native:operationalinsights:Workspace", "mon-workspace"],
        ["azure-native:aadiam:DiagnosticSetting", "mon-entra-logs"],
        ["azure-native:monitor:ActionGroup", "mon-action-group"],
        ["azure-native:monitor:ScheduledQueryRule", "mon-provisioning-failures"],
        ["azure-native:monitor:ScheduledQueryRule", "mon-quarantine"],
        ["azure-native:monitor:ScheduledQueryRule", "mon-lifecycle-failures"],
        ["azure-native:monitor:ScheduledQueryRule", "mon-workflow-quarantine"],
        ["azure-native:applicationinsights:Workbook", "mon-workbook"],
      ].sort(),
    );
    expect(await settled(component.workspaceId)).toBe(WORKSPACE_ID);
    expect(await settled(component.actionGroupId)).toBe(ACTION_GROUP_ID);
    expect(the("azure-native:operationalinsights:Workspace")).toEqual({
      resourceGroupName: "rg-hr",
      location: "westeurope",
      tags: { owner: "hr-it" },
      workspaceName: "contoso-inbound-logs",
      sku: { name: "PerGB2018" },
      retentionInDays: 30,
    });
  });

  test("the diagnostic setting sends ProvisioningLogs and AuditLogs to the workspace", async () => {
    await buildMonitoring(monitoringSpec());
    expect(the("azure-native:aadiam:DiagnosticSetting")).toEqual({
      name: "inbound-contoso",
      workspaceId: WORKSPACE_ID,
      logs: [
        { category: "ProvisioningLogs", enabled: true },
        { category: "AuditLogs", enabled: true },
      ],
    });
  });

  test("the action group mails every given address", async () => {
    await buildMonitoring(monitoringSpec());
    expect(the("azure-native:monitor:ActionGroup")).toEqual({
      resourceGroupName: "rg-hr",
      location: "Global",
      tags: { owner: "hr-it" },
      actionGroupName: "contoso-inbound-alerts",
      groupShortName: "inbound",
      enabled: true,
      emailReceivers: [
        { name: "mail-1", emailAddress: "iam-alerts@contoso.com", useCommonAlertSchema: true },
        { name: "mail-2", emailAddress: "hr-it@contoso.com", useCommonAlertSchema: true },
      ],
    });
  });

  test("every alert rule queries the workspace and mails the action group", async () => {
    await buildMonitoring(monitoringSpec({ alerts: { provisioningFailuresPerHour: 25 } }));
    const rules = inputsOf("azure-native:monitor:ScheduledQueryRule");
    expect(rules).toHaveLength(4);
    for (const { inputs } of rules) {
      expect(inputs.kind).toBe("LogAlert");
      expect(inputs.scopes).toEqual([WORKSPACE_ID]);
      expect(inputs.actions).toEqual({ actionGroups: [ACTION_GROUP_ID] });
    }
    const failures = rules.find((r) => r.name === "mon-provisioning-failures")!.inputs;
    expect(failures.windowSize).toBe("PT1H");
    expect(failures.criteria.allOf).toEqual([
      {
        query:
          'AADProvisioningLogs\n| where JobId in ("API2AAD.a", "API2AAD.b")\n| where ResultType =~ "failure"\n| summarize Failures = count() by JobId',
        timeAggregation: "Total",
        metricMeasureColumn: "Failures",
        operator: "GreaterThan",
        threshold: 25,
        dimensions: [{ name: "JobId", operator: "Include", values: ["*"] }],
        failingPeriods: { numberOfEvaluationPeriods: 1, minFailingPeriodsToAlert: 1 },
      },
    ]);
    const quarantine = rules.find((r) => r.name === "mon-quarantine")!.inputs;
    expect(quarantine.criteria.allOf[0].query).toContain(
      'AuditLogs\n| where OperationName =~ "Quarantine"',
    );
    expect(quarantine.criteria.allOf[0]).toMatchObject({ timeAggregation: "Count", threshold: 0 });
    const lifecycle = rules.find((r) => r.name === "mon-lifecycle-failures")!.inputs;
    expect(lifecycle.criteria.allOf[0].query).toContain('LoggedByService =~ "Lifecycle Workflows"');
  });

  test("a workflow quarantine alert over Lifecycle Workflows audit events; the spec can replace its query", async () => {
    await buildMonitoring(monitoringSpec());
    const rule = () =>
      inputsOf("azure-native:monitor:ScheduledQueryRule").find(
        (r) => r.name === "mon-workflow-quarantine",
      )!.inputs;
    expect(rule().displayName).toBe("contoso: lifecycle workflow in quarantine");
    expect(rule().criteria.allOf[0].query).toBe(
      [
        "AuditLogs",
        '| where LoggedByService =~ "Lifecycle Workflows"',
        '| where OperationName contains "quarantin" and OperationName !contains "clear"',
        "| project TimeGenerated, Category, OperationName, Result, ResultReason, TargetResources",
      ].join("\n"),
    );
    expect(rule().criteria.allOf[0]).toMatchObject({ timeAggregation: "Count", threshold: 0 });
    expect(rule().severity).toBe(1);

    registered.length = 0;
    const query = 'AuditLogs | where OperationName == "Workflow quarantined"';
    await buildMonitoring(monitoringSpec({ alerts: { workflowQuarantineQuery: query } }));
    expect(rule().criteria.allOf[0].query).toBe(query);
  });

  test("accepted, nothing processed: a run's accepted records against the job's provisioning logs, per job", async () => {
    await buildMonitoring(
      monitoringSpec({ alerts: { acceptedNotProcessedHours: 3 } }),
      ["API2AAD.a", "API2AAD.b"],
      ["API2AAD.a"],
    );
    const rule = inputsOf("azure-native:monitor:ScheduledQueryRule").find(
      (r) => r.name === "mon-accepted-not-processed",
    )!.inputs;
    expect(rule).toMatchObject({
      ruleName: "contoso-inbound-accepted-not-processed",
      kind: "LogAlert",
      scopes: [WORKSPACE_ID],
      actions: { actionGroups: [ACTION_GROUP_ID] },
      windowSize: "PT1H",
      evaluationFrequency: "PT1H",
      overrideQueryTimeRange: "PT4H",
      severity: 1,
    });
    const [criterion] = rule.criteria.allOf;
    expect(criterion).toMatchObject({
      timeAggregation: "Total",
      metricMeasureColumn: "UnprocessedRuns",
      operator: "GreaterThan",
      threshold: 0,
      dimensions: [{ name: "JobId", operator: "Include", values: ["*"] }],
    });
    // The line the Function logs is the one the query parses, for the uploaded job only.
    const line = acceptedLine(40, "API2AAD.a");
    expect(line).toBe("inbound: bulkUpload accepted 40 record(s) for job API2AAD.a");
    expect(criterion.query).toBe(
      [
        "let window = 3h;",
        "let runs = AppTraces",
        "| where TimeGenerated between (ago(window + 1h) .. ago(window))",
        '| where Message startswith "inbound: bulkUpload accepted "',
        '| parse Message with "inbound: bulkUpload accepted " Accepted:long " record(s) for job " JobId:string',
        '| where JobId in ("API2AAD.a") and Accepted > 0',
        "| project RunAt = TimeGenerated, JobId, Accepted;",
        "let processed = AADProvisioningLogs",
        "| where TimeGenerated > ago(window + 1h)",
        '| where JobId in ("API2AAD.a")',
        "| project ProcessedAt = TimeGenerated, JobId;",
        "runs",
        "| join kind=leftouter processed on JobId",
        "| summarize Processed = countif(ProcessedAt between (RunAt .. RunAt + window)) by RunAt, JobId, Accepted",
        "| where Processed == 0",
        "| summarize UnprocessedRuns = count(), Accepted = sum(Accepted) by JobId",
      ].join("\n"),
    );
  });

  test("no uploaded job, or acceptedNotProcessedHours 0: no accepted-not-processed rule", async () => {
    await buildMonitoring(monitoringSpec());
    await buildMonitoring(monitoringSpec({ alerts: { acceptedNotProcessedHours: 0 } }), undefined, [
      "API2AAD.a",
    ]);
    expect(inputsOf("azure-native:monitor:ScheduledQueryRule").map((r) => r.name)).not.toContain(
      "mon-accepted-not-processed",
    );
  });

  test("a lifecycleWorkflowQuery replaces the default query", async () => {
    const query = 'AuditLogs | where OperationName == "Workflow execution failed"';
    await buildMonitoring(monitoringSpec({ alerts: { lifecycleWorkflowQuery: query } }));
    const rule = inputsOf("azure-native:monitor:ScheduledQueryRule").find(
      (r) => r.name === "mon-lifecycle-failures",
    )!;
    expect(rule.inputs.criteria.allOf[0].query).toBe(query);
  });

  test("the workbook reads the workspace: outcomes over time, top errors, joiners and leavers", async () => {
    const component = await buildMonitoring(monitoringSpec());
    const workbook = the("azure-native:applicationinsights:Workbook");
    expect(workbook).toMatchObject({
      kind: "shared",
      category: "workbook",
      sourceId: WORKSPACE_ID,
      version: "Notebook/1.0",
    });
    expect(workbook.resourceName).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
    const content = JSON.parse(workbook.serializedData);
    expect(content.fallbackResourceIds).toEqual([WORKSPACE_ID]);
    const queries = content.items.filter((i: Json) => i.type === 3);
    expect(queries.map((i: Json) => i.content.title)).toEqual([
      "Outcomes over time",
      "Top errors",
      "Joiners and leavers processed",
    ]);
    for (const item of queries) {
      expect(item.content.crossComponentResources).toEqual([WORKSPACE_ID]);
      expect(item.content.query).toContain('| where JobId in ("API2AAD.a", "API2AAD.b")');
    }
    expect(await settled(component.workbookId)).toBe("mon-workbook-id");
  });

  test("an existing workspace: nothing created, the setting and the rules point at it", async () => {
    const existing = `/subscriptions/${SUBSCRIPTION_ID}/resourceGroups/rg-sec/providers/Microsoft.OperationalInsights/workspaces/sentinel`;
    await buildMonitoring(monitoringSpec({ workspace: { existingId: existing } }));
    expect(inputsOf("azure-native:operationalinsights:Workspace")).toEqual([]);
    expect(the("azure-native:aadiam:DiagnosticSetting").workspaceId).toBe(existing);
    for (const { inputs } of inputsOf("azure-native:monitor:ScheduledQueryRule")) {
      expect(inputs.scopes).toEqual([existing]);
    }
  });

  test("what the spec turns off is not created", async () => {
    await buildMonitoring(
      monitoringSpec({
        entraDiagnosticSetting: false,
        workbook: false,
        alerts: { quarantine: false, lifecycleWorkflowFailures: false, workflowQuarantine: false },
      }),
      [],
    );
    expect(registered.map((r) => r.type).sort()).toEqual(
      [
        MONITORING_TYPE,
        "azure-native:operationalinsights:Workspace",
        "azure-native:monitor:ActionGroup",
      ].sort(),
    );
  });

  test("without an address there is no action group to send to", () => {
    expect(
      () =>
        new Monitoring("none", {
          tenantName: "contoso",
          tenantId: TENANT_ID,
          monitoring: monitoringSpec(),
          notificationEmails: [],
          provisioningJobIds: [],
          resourceGroupName: "rg-hr",
          location: "westeurope",
        }),
    ).toThrow("monitoring needs at least one notification e-mail address for its action group");
  });
});

describe("Uploader with monitoring", () => {
  const build = async (
    app = functionApp(),
    alerts: Pick<
      MonitoringSpec["alerts"],
      "uploaderFailures" | "uploaderMissedRunHours"
    > = monitoringSpec().alerts,
  ) => {
    const uploader = newUploader("up", {
      tenantName: "contoso",
      tenantId: TENANT_ID,
      appKey: "employees",
      app,
      subscriptionId: SUBSCRIPTION_ID,
      resourceGroupName: "rg-hr",
      location: "westeurope",
      bulkUploadUrl: "https://graph.microsoft.com/v1.0/bulkUpload",
      monitoring: { workspaceId: WORKSPACE_ID, actionGroupId: ACTION_GROUP_ID, alerts },
    })!;
    await registeredTree(uploader);
    return uploader;
  };
  const INSIGHTS_ID = `${RG}/providers/Microsoft.Insights/components/contoso-employees-uploader-d51ecdb8`;

  test("the function's Application Insights is on the workspace and the app sends to it", async () => {
    const uploader = await build();
    expect(the("azure-native:applicationinsights:Component")).toMatchObject({
      resourceName: "contoso-employees-uploader-d51ecdb8",
      kind: "web",
      applicationType: "web",
      workspaceResourceId: WORKSPACE_ID,
      ingestionMode: "LogAnalytics",
    });
    const settings = the("azure-native:web:WebApp").siteConfig.appSettings;
    expect(settings).toContainEqual({
      name: "APPLICATIONINSIGHTS_CONNECTION_STRING",
      value: "InstrumentationKey=up-insights-key",
    });
    expect(uploader).toBeInstanceOf(FunctionUploader);
    expect(await settled((uploader as FunctionUploader).applicationInsightsId)).toBe(INSIGHTS_ID);
  });

  test("a failed run and a missed run alert, on the workspace, to the action group", async () => {
    await build(functionApp(), { uploaderFailures: true, uploaderMissedRunHours: 30 });
    const rules = inputsOf("azure-native:monitor:ScheduledQueryRule");
    expect(rules.map((r) => r.name).sort()).toEqual(["up-failures", "up-missed-run"]);
    for (const { inputs } of rules) {
      expect(inputs.scopes).toEqual([WORKSPACE_ID]);
      expect(inputs.actions).toEqual({ actionGroups: [ACTION_GROUP_ID] });
    }
    const failures = rules.find((r) => r.name === "up-failures")!.inputs;
    expect(failures.criteria.allOf[0].query).toBe(
      `AppRequests\n| where _ResourceId =~ "${INSIGHTS_ID}"\n| where Success == false\n| summarize Failures = count() by Name`,
    );
    const missed = rules.find((r) => r.name === "up-missed-run")!.inputs;
    expect(missed).toMatchObject({
      ruleName: "contoso-employees-uploader-missed-run",
      windowSize: "PT1H",
      evaluationFrequency: "PT1H",
      overrideQueryTimeRange: "P2D",
    });
    expect(missed.criteria.allOf[0]).toMatchObject({
      query: `AppRequests\n| where TimeGenerated > ago(30h)\n| where _ResourceId =~ "${INSIGHTS_ID}"\n| where Name == "uploadOnSchedule"\n| summarize Runs = count()`,
      timeAggregation: "Total",
      metricMeasureColumn: "Runs",
      operator: "LessThan",
      threshold: 1,
    });
  });

  test("uploaderFailures off leaves only the missed-run rule", async () => {
    await build(functionApp(), { uploaderFailures: false, uploaderMissedRunHours: 26 });
    expect(inputsOf("azure-native:monitor:ScheduledQueryRule").map((r) => r.name)).toEqual([
      "up-missed-run",
    ]);
  });

  test("uploaderMissedRunHours 0 turns the missed-run rule off", async () => {
    await build(functionApp(), { uploaderFailures: true, uploaderMissedRunHours: 0 });
    expect(inputsOf("azure-native:monitor:ScheduledQueryRule").map((r) => r.name)).toEqual([
      "up-failures",
    ]);
  });

  test("a Logic App uploader gets no Application Insights; its failed runs alert through the RunsFailed metric", async () => {
    await build(logicApp());
    expect(inputsOf("azure-native:applicationinsights:Component")).toEqual([]);
    expect(inputsOf("azure-native:monitor:ScheduledQueryRule")).toEqual([]);
    expect(the("azure-native:monitor:MetricAlert")).toMatchObject({
      ruleName: "contoso-employees-uploader-failures",
      location: "global",
      severity: 2,
      scopes: [`${RG}/providers/Microsoft.Logic/workflows/contoso-employees-uploader`],
      criteria: {
        odataType: "Microsoft.Azure.Monitor.SingleResourceMultipleMetricCriteria",
        allOf: [
          {
            criterionType: "StaticThresholdCriterion",
            metricNamespace: "Microsoft.Logic/workflows",
            metricName: "RunsFailed",
            operator: "GreaterThan",
            threshold: 0,
            timeAggregation: "Total",
          },
        ],
      },
      actions: [{ actionGroupId: ACTION_GROUP_ID }],
    });
  });

  test("uploaderFailures off: no alert on the Logic App's failed runs", async () => {
    await build(logicApp(), { uploaderFailures: false, uploaderMissedRunHours: 26 });
    expect(inputsOf("azure-native:monitor:MetricAlert")).toEqual([]);
  });
});

describe("Tenant", () => {
  const spec = (monitoring?: Record<string, unknown>) =>
    tenantSpec.parse({
      tenant: { name: "contoso", id: TENANT_ID, domain: "contoso.com" },
      azure: {
        subscriptionId: SUBSCRIPTION_ID,
        resourceGroup: "rg-hr",
        location: "westeurope",
        tags: { owner: "hr-it" },
      },
      provisioning: {
        employees: { ...functionApp(), notificationEmail: "iam-alerts@contoso.com" },
        contractors: { ...logicApp(), notificationEmail: "vendors@contoso.com" },
      },
      ...(monitoring ? { monitoring } : {}),
    });

  test("monitoring watches every app's job, mails the apps' addresses and hosts the uploader's telemetry", async () => {
    const tenant = new Tenant("contoso", { spec: spec({}) });
    await registeredTree(tenant);
    expect(the("azure-native:monitor:ActionGroup").emailReceivers).toEqual([
      { name: "mail-1", emailAddress: "iam-alerts@contoso.com", useCommonAlertSchema: true },
      { name: "mail-2", emailAddress: "vendors@contoso.com", useCommonAlertSchema: true },
    ]);
    const failures = inputsOf("azure-native:monitor:ScheduledQueryRule").find(
      (r) => r.name === "contoso-monitoring-provisioning-failures",
    )!;
    expect(failures.inputs.criteria.allOf[0].query).toContain(
      'where JobId in ("API2AAD.contoso-employees-job", "API2AAD.contoso-contractors-job")',
    );
    // Only the function uploader logs what bulkUpload accepted; the Logic App has no traces.
    const accepted = inputsOf("azure-native:monitor:ScheduledQueryRule").find(
      (r) => r.name === "contoso-monitoring-accepted-not-processed",
    )!;
    expect(accepted.inputs.criteria.allOf[0].query).toContain(
      '| where JobId in ("API2AAD.contoso-employees-job") and Accepted > 0',
    );
    expect(the("azure-native:applicationinsights:Component").workspaceResourceId).toBe(
      WORKSPACE_ID,
    );
    // azure.tags reach the resource group, the uploaders and the monitoring resources.
    expect(the("azure-native:resources:ResourceGroup").tags).toEqual({ owner: "hr-it" });
    expect(the("azure-native:operationalinsights:Workspace").tags).toEqual({ owner: "hr-it" });
    expect(the("azure-native:web:WebApp").tags).toEqual({ owner: "hr-it" });
    expect(await settled(tenant.monitoring!.workspaceId)).toBe(WORKSPACE_ID);
  });

  test("without monitoring nothing of Azure Monitor is created; the Logic App's trigger URL is an output", async () => {
    const tenant = new Tenant("contoso", { spec: spec() });
    await registeredTree(tenant);
    expect(tenant.monitoring).toBeUndefined();
    expect(
      registered.filter((r) =>
        /operationalinsights|monitor:|aadiam|applicationinsights/.test(r.type),
      ),
    ).toEqual([]);
    expect(await settled(tenant.provisioning.contractors.triggerUrl)).toBe(
      "https://prod-01.westeurope.logic.azure.com/w/triggers/manual",
    );
    expect(tenant.provisioning.employees.triggerUrl).toBeUndefined();
  });
});
