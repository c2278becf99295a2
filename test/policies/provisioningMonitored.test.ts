import { SYNCHRONIZATION_SCHEMA_TYPE as SCHEMA } from "../../components/graph/synchronizationSchema";
import { checkPolicies, type OfflineResource } from "../../policies/offline";
import { provisioningMonitored } from "../../policies/rules/provisioningMonitored";

const app = (appKey: string): OfflineResource => ({
  type: SCHEMA,
  name: `contoso-${appKey}-schema`,
  inputs: { appKey },
});
const setting = (logs: { category: string; enabled: boolean }[]): OfflineResource => ({
  type: "azure-native:aadiam:DiagnosticSetting",
  name: "entra-logs",
  inputs: { workspaceId: "/subscriptions/s/.../workspaces/w", logs },
});
const alert = (query: unknown): OfflineResource => ({
  type: "azure-native:monitor:ScheduledQueryRule",
  name: "rule",
  inputs: { criteria: { allOf: [{ query }] } },
});
const messages = async (resources: OfflineResource[]) =>
  (await checkPolicies(resources, [provisioningMonitored])).map((v) => [
    v.policy,
    v.enforcementLevel,
    v.resource,
    v.message,
  ]);

describe("inbound-provisioning-monitored", () => {
  it("advises monitoring for each provisioning app of an unmonitored stack", async () => {
    expect(await messages([app("employees"), app("contractors")])).toEqual(
      ["employees", "contractors"].map((key) => [
        "inbound-provisioning-monitored",
        "advisory",
        `contoso-${key}-schema`,
        `Provisioning app ${key} is not monitored: failed or skipped records show only in the portal's provisioning logs. Add \`monitoring: {}\` to the tenant spec for Log Analytics, alert mails and a workbook (docs/monitoring.md).`,
      ]),
    );
  });

  it("is satisfied by a diagnostic setting that sends ProvisioningLogs", async () => {
    expect(
      await messages([
        app("employees"),
        setting([{ category: "ProvisioningLogs", enabled: true }]),
      ]),
    ).toEqual([]);
  });

  it("is not satisfied by a setting that sends only other logs, or has ProvisioningLogs off", async () => {
    for (const logs of [
      [{ category: "AuditLogs", enabled: true }],
      [{ category: "ProvisioningLogs", enabled: false }],
    ]) {
      expect(await messages([app("employees"), setting(logs)])).toHaveLength(1);
    }
  });

  it("is satisfied by an alert rule over AADProvisioningLogs (a tenant whose logs an existing setting sends)", async () => {
    expect(await messages([app("employees"), alert("AADProvisioningLogs | count")])).toEqual([]);
    expect(await messages([app("employees"), alert("AuditLogs | count")])).toHaveLength(1);
  });

  it("does not guess about a query unknown during preview", async () => {
    expect(await messages([app("employees"), alert(undefined)])).toEqual([]);
  });

  it("says nothing about a stack without provisioning apps", async () => {
    expect(await messages([alert("AuditLogs | count")])).toEqual([]);
  });
});
