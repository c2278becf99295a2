/**
 * The `logicApp` uploader: a Consumption Logic App that takes HR records pushed as JSON by a
 * caller with an Entra ID token, archives each payload in the drop container and sends the
 * records to bulkUpload; with monitoring, an alert on failed runs. See docs/uploader-azure.md.
 */
import * as pulumi from "@pulumi/pulumi";
import * as logic from "@pulumi/azure-native/logic";
import * as monitor from "@pulumi/azure-native/monitor";
import type { ProvisioningApp } from "../../lib/model/schema";
import { graphAudience, LOGIC_APP_TRIGGER, ROLE, withoutSas } from "./azure";
import { buildLogicAppDefinition } from "./logicAppDefinition";
import { UploaderBase, type UploaderArgs } from "./shared";

/** The `logicApp` kind's HTTP trigger policy, as built from the spec's `uploader.httpTrigger`. */
export interface UploaderHttpTriggerArgs {
  /**
   * Entra ID authorization policy: callers present a token with this audience (`aud`), issued
   * by the tenant (`iss`); the SAS signature of the callback URL is refused.
   */
  readonly audience: string;
  /** Token issuer. Defaults to `https://sts.windows.net/<tenantId>/` (v1 tokens, as Logic Apps checks). */
  readonly issuer?: string;
  /** More claims the token must carry, e.g. `{ appid: "<HR system's client id>" }`. */
  readonly claims?: Readonly<Record<string, string>>;
  /** Caller IP ranges (CIDR) allowed to call the trigger. Defaults to any. */
  readonly allowedCallerIpRanges?: readonly string[];
}

export class LogicAppUploader extends UploaderBase {
  /** Name of the Logic App. */
  public readonly appName: pulumi.Output<string>;
  /**
   * The Logic App trigger's URL, to call with `Authorization: Bearer <token>`. The SAS query
   * parameters are removed (a call with both is refused); kept secret all the same.
   */
  public readonly triggerUrl: pulumi.Output<string>;

  constructor(name: string, args: UploaderArgs, opts?: pulumi.ComponentResourceOptions) {
    super("logicApp", name, args, opts, () => []);
    const { uploader, names, common, identity, drop, dropContainerUrl, assign } = this.foundation;

    // Writes the archive of each pushed payload; reads nothing else.
    assign(
      "drop-writer",
      ROLE.storageBlobDataContributor,
      drop.id,
      "uploader Logic App: archive of pushed HR records",
    );
    const audience = graphAudience(this.foundation.graphBaseUrl);
    const definition = pulumi
      .all([args.bulkUploadUrl, identity.id, dropContainerUrl])
      .apply(([bulkUploadUrl, identityResourceId, dropUrl]) =>
        buildLogicAppDefinition({
          app: args.app,
          bulkUploadUrl,
          identityResourceId,
          graphAudience: audience,
          dropContainerUrl: dropUrl,
        }),
      );
    const trigger = specHttpTrigger(uploader.httpTrigger);
    if (!trigger) {
      throw new pulumi.ResourceError(
        `uploader.kind logicApp needs uploader.httpTrigger (audience, callerAppId): the push trigger must demand an Entra ID token, not only the callback URL's signature`,
        this,
      );
    }
    const workflow = new logic.Workflow(
      `${name}-logic-app`,
      {
        ...common,
        workflowName: names.logicApp,
        state: "Enabled",
        identity: { type: "UserAssigned", userAssignedIdentities: [identity.id] },
        definition,
        accessControl: { triggers: triggerAccessControl(trigger, args.tenantId) },
      },
      { parent: this },
    );
    this.appName = workflow.name;
    if (args.monitoring?.alerts.uploaderFailures) {
      // A push whose bulkUpload calls failed ends Failed (Fail_when_a_request_failed): the
      // workflow's RunsFailed metric (Microsoft.Logic/workflows, "Supported metrics for
      // Microsoft.Logic/workflows" on Microsoft Learn) counts it without diagnostic settings.
      new monitor.MetricAlert(
        `${name}-failures`,
        {
          resourceGroupName: args.resourceGroupName,
          location: "global",
          tags: args.tags,
          ruleName: `${args.tenantName}-${args.appKey}-uploader-failures`,
          description: `A push to the ${args.tenantName} ${args.appKey} uploader Logic App failed: a bulkUpload request failed (its records were not accepted), the archive could not be written, or a record did not convert. The run's history says which.`,
          severity: 2,
          enabled: true,
          scopes: [workflow.id],
          evaluationFrequency: "PT5M",
          windowSize: "PT15M",
          criteria: {
            odataType: "Microsoft.Azure.Monitor.SingleResourceMultipleMetricCriteria",
            allOf: [
              {
                criterionType: "StaticThresholdCriterion",
                name: "failed-runs",
                metricNamespace: "Microsoft.Logic/workflows",
                metricName: "RunsFailed",
                operator: "GreaterThan",
                threshold: 0,
                timeAggregation: "Total",
              },
            ],
          },
          autoMitigate: true,
          actions: [{ actionGroupId: args.monitoring.actionGroupId }],
        },
        { parent: this },
      );
    }
    this.triggerUrl = pulumi.secret(
      logic
        .listWorkflowTriggerCallbackUrlOutput(
          {
            resourceGroupName: args.resourceGroupName,
            workflowName: workflow.name,
            triggerName: LOGIC_APP_TRIGGER,
          },
          { parent: this },
        )
        .value.apply((url) => (url ? withoutSas(url) : url)),
    ) as pulumi.Output<string>;

    this.registerOutputs({ ...this.commonOutputs(), triggerUrl: this.triggerUrl });
  }
}

type SpecHttpTrigger = NonNullable<NonNullable<ProvisioningApp["uploader"]>["httpTrigger"]>;

/** The spec's form: one caller, named by client id in the claim its token version carries. */
export function specHttpTrigger(
  trigger: SpecHttpTrigger | undefined,
): UploaderHttpTriggerArgs | undefined {
  if (!trigger) return undefined;
  // v2.0 access tokens name the client in `azp`; v1 tokens (the default issuer) in `appid`.
  const clientClaim = trigger.issuer?.replace(/\/+$/, "").endsWith("/v2.0") ? "azp" : "appid";
  return {
    audience: trigger.audience,
    ...(trigger.issuer !== undefined ? { issuer: trigger.issuer } : {}),
    claims: { [clientClaim]: trigger.callerAppId },
    ...(trigger.allowedCallerIpRanges
      ? { allowedCallerIpRanges: trigger.allowedCallerIpRanges }
      : {}),
  };
}

function triggerAccessControl(trigger: UploaderHttpTriggerArgs, tenantId: string) {
  const claims = [
    { name: "iss", value: trigger.issuer ?? `https://sts.windows.net/${tenantId}/` },
    { name: "aud", value: trigger.audience },
    ...Object.entries(trigger.claims ?? {}).map(([claim, value]) => ({ name: claim, value })),
  ];
  return {
    openAuthenticationPolicies: { policies: { "hr-caller": { type: "AAD", claims } } },
    allowedCallerIpAddresses: trigger.allowedCallerIpRanges?.map((addressRange) => ({
      addressRange,
    })),
  };
}
