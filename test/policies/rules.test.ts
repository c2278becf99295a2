import { logicAppTriggerAuthorized } from "../../policies/rules/logicAppTriggerAuthorized";
import { provisioningDeletionGuard } from "../../policies/rules/provisioningDeletionGuard";
import { provisioningDeletesDeliberate } from "../../policies/rules/provisioningDeletesDeliberate";
import { SYNCHRONIZATION_SCHEMA_TYPE } from "../../components/graph/synchronizationSchema";
import { SYNCHRONIZATION_SECRETS_TYPE as SECRETS } from "../../components/graph/synchronizationSecrets";
import { checkPolicies } from "../../policies/offline";
import { rules } from "../../policies/rules";
import { violations } from "./harness";

const WORKFLOW = "azure-native:logic:Workflow";

const requestTrigger = { definition: { triggers: { manual: { type: "Request", kind: "Http" } } } };
const policy = (claims: { name: string; value: string }[]) => ({
  triggers: { openAuthenticationPolicies: { policies: { hr: { type: "AAD", claims } } } },
});

describe("inbound-logic-app-trigger-authorized", () => {
  it("accepts a Request trigger behind an Entra policy with an issuer and an audience", async () => {
    const props = {
      ...requestTrigger,
      accessControl: policy([
        { name: "iss", value: "https://sts.windows.net/t/" },
        { name: "aud", value: "api://hr" },
      ]),
    };
    expect(await violations(logicAppTriggerAuthorized, WORKFLOW, props)).toEqual([]);
  });

  it("refuses a Request trigger that only its callback URL protects", async () => {
    expect(await violations(logicAppTriggerAuthorized, WORKFLOW, requestTrigger)).toEqual([
      "Request trigger manual has no authorization policy: set accessControl.triggers.openAuthenticationPolicies so that callers need an Entra ID token, not only the callback URL.",
    ]);
  });

  it("refuses a policy that accepts any tenant's tokens", async () => {
    const props = { ...requestTrigger, accessControl: policy([{ name: "aud", value: "api" }]) };
    expect(await violations(logicAppTriggerAuthorized, WORKFLOW, props)).toEqual([
      'Authorization policy hr has no "iss" claim: without it a token from any tenant is accepted.',
    ]);
  });

  it("refuses a policy that accepts a token issued for any API of the tenant", async () => {
    const props = {
      ...requestTrigger,
      accessControl: policy([{ name: "iss", value: "https://sts.windows.net/t/" }]),
    };
    expect(await violations(logicAppTriggerAuthorized, WORKFLOW, props)).toEqual([
      'Authorization policy hr has no "aud" claim: without it a token issued for any other API of the tenant is accepted.',
    ]);
  });

  it("ignores workflows that only run on a schedule", async () => {
    const props = { definition: { triggers: { daily: { type: "Recurrence" } } } };
    expect(await violations(logicAppTriggerAuthorized, WORKFLOW, props)).toEqual([]);
  });
});

describe("inbound-provisioning-deletion-guard", () => {
  const settings = (value: Record<string, unknown>) => ({
    credentials: [{ key: "SyncNotificationSettings", value: JSON.stringify(value) }],
  });

  it("accepts notifications and a deletion threshold", async () => {
    const props = settings({
      Enabled: true,
      Recipients: "iam@contoso.com",
      DeleteThresholdEnabled: true,
      DeleteThresholdValue: 25,
    });
    expect(await violations(provisioningDeletionGuard, SECRETS, props)).toEqual([]);
  });

  it("refuses a switched-off threshold and missing recipients", async () => {
    const props = settings({ Enabled: true, DeleteThresholdEnabled: false });
    expect(await violations(provisioningDeletionGuard, SECRETS, props)).toEqual([
      "Failure notifications must be enabled with at least one recipient.",
      "The accidental-deletion threshold must be enabled with a value above 0.",
    ]);
  });

  it("refuses secrets without SyncNotificationSettings", async () => {
    expect(await violations(provisioningDeletionGuard, SECRETS, { credentials: [] })).toEqual([
      "SyncNotificationSettings is not set: set notificationEmail and deletionThreshold.",
    ]);
  });
});

describe("inbound-provisioning-deletes-deliberate", () => {
  it("flags the delete action, and only that", async () => {
    const props = (actions: string[]) => ({ appKey: "employees", provisioning: { actions } });
    expect(
      await violations(
        provisioningDeletesDeliberate,
        SYNCHRONIZATION_SCHEMA_TYPE,
        props(["create", "update"]),
      ),
    ).toEqual([]);
    expect(
      await violations(
        provisioningDeletesDeliberate,
        SYNCHRONIZATION_SCHEMA_TYPE,
        props(["create", "update", "delete"]),
      ),
    ).toEqual([
      "App employees deletes Entra users that leave scope; prefer disabling (active: false) and a leaver workflow's deleteUser task after a grace period.",
    ]);
  });
});

describe("the pack", () => {
  it("has unique rule names and reports each violation with its rule and level", async () => {
    expect(new Set(rules.map((r) => r.name)).size).toBe(rules.length);
    const found = await checkPolicies([{ type: WORKFLOW, name: "la", inputs: requestTrigger }]);
    expect(found).toEqual([
      expect.objectContaining({
        policy: "inbound-logic-app-trigger-authorized",
        enforcementLevel: "mandatory",
        resource: "la",
        type: WORKFLOW,
      }),
    ]);
  });
});
