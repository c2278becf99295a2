/**
 * `inbound plan` of the monitored example shows the monitoring resources, under the component
 * that owns them, wired to each other by the ids the plan's mocks give (`<name>-id`) and to the
 * provisioning job by the plan's placeholder for its id. This proves what the program registers
 * and what the plan prints, not what Azure accepts.
 */
import { inboundProcess, plannedNamed, plannedResources, type PlannedResource } from "./harness";

let resources: PlannedResource[] = [];
let text = "";
beforeAll(async () => {
  resources = await plannedResources("examples/variants/contoso-monitored.yaml");
  text = await inboundProcess("plan", "examples/variants/contoso-monitored.yaml");
}, 120_000);

const named = (name: string) => plannedNamed(resources, name);
const WORKSPACE_ID = "contoso-monitoring-workspace-id";
const ACTION_GROUP_ID = "contoso-monitoring-action-group-id";

test("the monitoring resources, with their types and parents", () => {
  const monitoring = resources
    .filter((r) =>
      /operationalinsights|monitor:|aadiam|applicationinsights|Monitoring$/.test(r.type),
    )
    .map((r) => [r.type, r.name, r.parent])
    .sort((a, b) => a[1].localeCompare(b[1]));
  const m = "contoso-monitoring";
  const up = "contoso-employees-uploader";
  expect(monitoring).toEqual(
    [
      ["inbound:monitoring:Monitoring", m, "contoso"],
      ["azure-native:operationalinsights:Workspace", `${m}-workspace`, m],
      ["azure-native:aadiam:DiagnosticSetting", `${m}-entra-logs`, m],
      ["azure-native:monitor:ActionGroup", `${m}-action-group`, m],
      ["azure-native:monitor:ScheduledQueryRule", `${m}-provisioning-failures`, m],
      ["azure-native:monitor:ScheduledQueryRule", `${m}-quarantine`, m],
      ["azure-native:monitor:ScheduledQueryRule", `${m}-lifecycle-failures`, m],
      ["azure-native:monitor:ScheduledQueryRule", `${m}-workflow-quarantine`, m],
      ["azure-native:monitor:ScheduledQueryRule", `${m}-accepted-not-processed`, m],
      ["azure-native:applicationinsights:Workbook", `${m}-workbook`, m],
      ["azure-native:applicationinsights:Component", `${up}-insights`, up],
      ["azure-native:monitor:ScheduledQueryRule", `${up}-failures`, up],
      ["azure-native:monitor:ScheduledQueryRule", `${up}-missed-run`, up],
    ].sort((a, b) => a[1].localeCompare(b[1])),
  );
});

test("wiring: logs to the workspace, rules on it mailing the action group, telemetry into it", () => {
  expect(named("contoso-monitoring-entra-logs").inputs.workspaceId).toBe(WORKSPACE_ID);
  expect(named("contoso-monitoring-workspace").inputs.retentionInDays).toBe(90);
  expect(
    named("contoso-monitoring-action-group").inputs.emailReceivers.map(
      (r: { emailAddress: string }) => r.emailAddress,
    ),
  ).toEqual(["iam-alerts@contoso.com", "hr-it@contoso.com"]);
  const rules = resources.filter((r) => r.type === "azure-native:monitor:ScheduledQueryRule");
  expect(rules).toHaveLength(7);
  for (const rule of rules) {
    expect(rule.inputs.scopes).toEqual([WORKSPACE_ID]);
    expect(rule.inputs.actions).toEqual({ actionGroups: [ACTION_GROUP_ID] });
  }
  const failures = named("contoso-monitoring-provisioning-failures").inputs.criteria.allOf[0];
  expect(failures.query).toContain('| where JobId in ("<contoso-employees-job.jobId>")');
  expect(failures.threshold).toBe(20);
  const accepted = named("contoso-monitoring-accepted-not-processed").inputs.criteria.allOf[0];
  expect(accepted.query).toContain(
    '| where JobId in ("<contoso-employees-job.jobId>") and Accepted > 0',
  );
  expect(named("contoso-employees-uploader-insights").inputs.workspaceResourceId).toBe(
    WORKSPACE_ID,
  );
  expect(named("contoso-employees-uploader-missed-run").inputs.criteria.allOf[0].query).toContain(
    '| where _ResourceId =~ "contoso-employees-uploader-insights-id"',
  );
  expect(named("contoso-employees-uploader-function").inputs.siteConfig.appSettings).toContainEqual(
    {
      name: "APPLICATIONINSIGHTS_CONNECTION_STRING",
      value: "<contoso-employees-uploader-insights.connectionString>",
    },
  );
});

test("the text plan lists them under the monitoring component", () => {
  expect(text).toContain(
    [
      "    + contoso-monitoring  inbound:monitoring:Monitoring",
      "      + contoso-monitoring-workspace  azure-native:operationalinsights:Workspace",
    ].join("\n"),
  );
  expect(text).toContain(
    "      + contoso-monitoring-entra-logs  azure-native:aadiam:DiagnosticSetting",
  );
  expect(text).toContain("Policy pack: no violations");
});
