/**
 * The `monitoring:` section through the loader, as `validate` reports it: its defaults, and each
 * mistake once, at its line, naming the field.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { loadSpec } from "../../lib/loader/load";
import { formatDiagnostic } from "../../lib/model/diagnostics";
import { longestGapHours, monitoringEmails } from "../../lib/monitoring/checks";
import { kqlString } from "../../lib/monitoring/queries";

const TENANT =
  "tenant: { name: t1, id: 0b8e7d3c-5f0a-4d6e-9c2b-1a2b3c4d5e6f, domain: contoso.com }\n";
const AZURE =
  "azure: { subscriptionId: 6f1c2d3e-4b5a-4c6d-8e7f-9a0b1c2d3e4f, resourceGroup: rg, location: westeurope }\n";
const APP =
  "provisioning:\n" +
  "  emp:\n" +
  "    displayName: HR\n" +
  "    notificationEmail: alerts@contoso.com\n" +
  "    mappings:\n" +
  '      employeeId: "[externalId]"\n';

let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "inbound-monitoring-"));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function load(text: string) {
  fs.writeFileSync(path.join(dir, "t.yaml"), text);
  const result = loadSpec("t.yaml", { cwd: dir });
  return { spec: result.spec, errors: result.diagnostics.map(formatDiagnostic) };
}

test("`monitoring: {}` takes every default: a new workspace, the Entra setting, every alert, the workbook", () => {
  const { spec, errors } = load(TENANT + AZURE + APP + "monitoring: {}\n");
  expect(errors).toEqual([]);
  expect(spec!.monitoring).toEqual({
    workspace: {},
    entraDiagnosticSetting: true,
    alerts: {
      provisioningFailuresPerHour: 10,
      quarantine: true,
      uploaderFailures: true,
      uploaderMissedRunHours: 26,
      acceptedNotProcessedHours: 2,
      lifecycleWorkflowFailures: true,
      workflowQuarantine: true,
    },
    workbook: true,
  });
  expect(monitoringEmails(spec!)).toEqual(["alerts@contoso.com"]);
});

test("the spec's addresses replace the apps', each once", () => {
  const { spec } = load(
    TENANT +
      AZURE +
      APP +
      "monitoring:\n  notificationEmails: [a@contoso.com, a@contoso.com, b@contoso.com]\n",
  );
  expect(monitoringEmails(spec!)).toEqual(["a@contoso.com", "b@contoso.com"]);
});

test("monitoring without azure is refused at its line", () => {
  expect(load(TENANT + APP + "monitoring: {}\n").errors).toEqual([
    "t.yaml:8:13: monitoring: monitoring deploys a workspace, alert rules and an action group in Azure: add `azure: { subscriptionId, resourceGroup, location }`",
  ]);
});

test("without apps and without notificationEmails nobody would be alerted", () => {
  expect(load(TENANT + AZURE + "monitoring:\n  workbook: false\n").errors).toEqual([
    "t.yaml:4:3: monitoring: nobody would receive the alerts: add `notificationEmails: [...]` (without provisioning apps there is no notificationEmail to default to)",
  ]);
});

test("an existing workspace takes no name or retention; ids, hours and addresses are checked", () => {
  const { errors } = load(
    TENANT +
      AZURE +
      APP +
      "monitoring:\n" +
      "  workspace:\n" +
      "    existingId: /subscriptions/6f1c2d3e-4b5a-4c6d-8e7f-9a0b1c2d3e4f/resourceGroups/rg-sec/providers/Microsoft.OperationalInsights/workspaces/sentinel\n" +
      "    retentionInDays: 90\n" +
      "  notificationEmails: [not-an-address]\n" +
      "  alerts:\n" +
      "    uploaderMissedRunHours: 72\n",
  );
  expect(errors).toEqual([
    "t.yaml:12:22: monitoring.workspace.retentionInDays: `retentionInDays` applies only to a workspace inbound creates; leave it out with `existingId`",
    "t.yaml:13:24: monitoring.notificationEmails[0]: must be an email address like alerts@contoso.com",
    "t.yaml:15:29: monitoring.alerts.uploaderMissedRunHours: must be at most 48; got number 72",
  ]);
  expect(
    load(
      TENANT +
        AZURE +
        APP +
        "monitoring:\n  workspace: { existingId: /subscriptions/x/workspaces/w }\n",
    ).errors,
  ).toEqual([
    "t.yaml:10:28: monitoring.workspace.existingId: must be a Log Analytics workspace resource id like /subscriptions/<id>/resourceGroups/<rg>/providers/Microsoft.OperationalInsights/workspaces/<name>",
  ]);
});

test("KQL string literals escape quotes and backslashes", () => {
  expect(kqlString('a"b\\c')).toBe('"a\\"b\\\\c"');
});

describe("the missed-run alert and the uploader's schedule", () => {
  test.each([
    ["0 30 1 * * *", 24],
    ["0 0 */6 * * *", 6],
    ["0 0,30 8-17 * * *", 14.5],
    ["0 0 2 * * mon-fri", 72],
    ["0 0 2 * * 1", 168],
    ["0 0 0 1 * *", 744],
  ])("%s leaves at most %s h between runs", (schedule, hours) => {
    expect(longestGapHours(schedule)).toBe(hours);
  });

  test("both day fields restricted: not guessed", () => {
    expect(longestGapHours("0 0 0 1 * mon")).toBeUndefined();
  });

  const withSchedule = (schedule: string, monitoring: string) =>
    TENANT +
    AZURE +
    APP +
    "    uploader:\n" +
    `      schedule: "${schedule}"\n` +
    '      csv: { columns: { externalId: "[WorkerID]" } }\n' +
    monitoring;

  test("validate warns when the alert would fire between normal runs, with the value to set", () => {
    fs.writeFileSync(
      path.join(dir, "t.yaml"),
      withSchedule("0 0 2 * * mon-fri", "monitoring:\n  alerts: { uploaderMissedRunHours: 26 }\n"),
    );
    const result = loadSpec("t.yaml", { cwd: dir });
    expect(result.spec).toBeDefined();
    expect(result.diagnostics.map(formatDiagnostic)).toEqual([
      't.yaml:13:37: warning: monitoring.alerts.uploaderMissedRunHours: the emp uploader\'s schedule "0 0 2 * * mon-fri" leaves up to 72 h between runs, not less than uploaderMissedRunHours 26: the missed-run alert would fire between normal runs; set it to 0 (off), since a rule reads at most 48 h',
    ]);
  });

  test("a daily schedule and the default are fine; 0 turns the alert off", () => {
    for (const monitoring of [
      "monitoring: {}\n",
      "monitoring:\n  alerts: { uploaderMissedRunHours: 0 }\n",
    ]) {
      fs.writeFileSync(path.join(dir, "t.yaml"), withSchedule("0 30 1 * * *", monitoring));
      const result = loadSpec("t.yaml", { cwd: dir });
      expect(result.diagnostics).toEqual([]);
    }
  });
});
