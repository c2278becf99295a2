/**
 * The deployed uploader of one provisioning app: a user-assigned identity, a locked-down storage
 * account and, by `uploader.kind`, a Flex Consumption function app running lib/upload (functions/)
 * or a Consumption Logic App that takes pushed JSON. See docs/uploader-azure.md.
 *
 * The identity's Graph permissions (SynchronizationData-User.Upload, ProvisioningLog.Read.All) are
 * granted by the caller with GraphAppRoleGrants on `principalId`: they are Graph objects, not ARM.
 */
import * as pulumi from "@pulumi/pulumi";
import * as applicationinsights from "@pulumi/azure-native/applicationinsights";
import * as authorization from "@pulumi/azure-native/authorization";
import * as eventgrid from "@pulumi/azure-native/eventgrid";
import * as logic from "@pulumi/azure-native/logic";
import * as managedidentity from "@pulumi/azure-native/managedidentity";
import * as monitor from "@pulumi/azure-native/monitor";
import * as storage from "@pulumi/azure-native/storage";
import * as web from "@pulumi/azure-native/web";
import { FLEX_MAXIMUM_INSTANCES, type Monitoring, type ProvisioningApp } from "../lib/model/schema";
import { MEASURE, uploaderFailuresQuery, uploaderRunsQuery } from "../lib/monitoring/queries";
import { logAlertRule } from "./monitoring";
import {
  CONTAINER,
  FUNCTION_NAMES,
  graphAudience,
  LOGIC_APP_TRIGGER,
  ROLE,
  roleDefinitionResourceId,
  storageAccountNameProblem,
  uploaderNames,
  withoutSas,
} from "./uploader/azure";
import { buildLogicAppDefinition } from "./uploader/logicAppDefinition";
import { FunctionPackage } from "./uploader/functionPackage";
import { functionSourceHash, PACKAGE_BLOB } from "../lib/upload/functionPackage";

export const UPLOADER_TYPE = "inbound:uploader:Uploader";

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

/** What the Tenant's Monitoring gives an uploader (components/monitoring.ts). */
export interface UploaderMonitoringArgs {
  /** ARM id of the Log Analytics workspace. */
  readonly workspaceId: pulumi.Input<string>;
  /** ARM id of the action group the alert rules mail. */
  readonly actionGroupId: pulumi.Input<string>;
  /** `monitoring.alerts`: which uploader alerts, and after how long without a run. */
  readonly alerts: Pick<Monitoring["alerts"], "uploaderFailures" | "uploaderMissedRunHours">;
}

export interface UploaderArgs {
  /** `tenant.name` of the spec: part of every resource name. */
  readonly tenantName: string;
  /** `tenant.id`: makes the global names unique and is the trigger policy's issuer. */
  readonly tenantId: string;
  /** The app's key under `provisioning`. */
  readonly appKey: string;
  /** The app's spec section, after defaults. Plain: its `uploader.kind` decides the children. */
  readonly app: ProvisioningApp;
  /** `azure.subscriptionId`: built-in role definition ids are resource ids in it. */
  readonly subscriptionId: string;
  readonly resourceGroupName: pulumi.Input<string>;
  readonly location: pulumi.Input<string>;
  /** The app's bulkUpload URL, from the provisioning component. */
  readonly bulkUploadUrl: pulumi.Input<string>;
  /** `graph.baseUrl`; its origin is the token audience. Defaults to https://graph.microsoft.com. */
  readonly graphBaseUrl?: string;
  /** `azure.tags`: put on every resource. */
  readonly tags?: pulumi.Input<Record<string, pulumi.Input<string>>>;
  /**
   * With the spec's `monitoring`: the `function` kind's Application Insights goes on this
   * workspace, and its alert rules query it; the `logicApp` kind alerts on failed runs. Defaults
   * to none.
   */
  readonly monitoring?: UploaderMonitoringArgs;
}

export const UPLOADER_DEFAULTS = {
  graphBaseUrl: "https://graph.microsoft.com",
  dropRetentionDays: 30,
  instanceMemoryMB: 2048,
  // The lowest maximum every Flex Consumption region accepts (lib/model/schema.ts); the state's
  // lease, not the instance count, keeps runs one at a time.
  maximumInstanceCount: FLEX_MAXIMUM_INSTANCES.lowest,
  // Node 20 left Azure Functions support on 30 April 2026; 22 is GA until April 2027
  // (learn.microsoft.com/azure/azure-functions/supported-languages, docs/uploader-azure.md).
  nodeVersion: "22",
} as const;

export class Uploader extends pulumi.ComponentResource {
  /** Object id of the uploader identity's service principal: grant it the Graph app roles. */
  public readonly principalId?: pulumi.Output<string>;
  /** Client id of the identity (AZURE_CLIENT_ID of the function app). */
  public readonly clientId?: pulumi.Output<string>;
  /** ARM id of the identity. */
  public readonly identityId?: pulumi.Output<string>;
  public readonly storageAccountName?: pulumi.Output<string>;
  /** Where HR exports are dropped (`function`) or pushed payloads archived (`logicApp`). */
  public readonly dropContainerUrl?: pulumi.Output<string>;
  /** Name of the function app or the Logic App. */
  public readonly appName?: pulumi.Output<string>;
  /**
   * The Logic App trigger's URL, to call with `Authorization: Bearer <token>`. The SAS query
   * parameters are removed (a call with both is refused); kept secret all the same.
   */
  public readonly triggerUrl?: pulumi.Output<string>;
  /** `function` kind with monitoring: ARM id of the function app's Application Insights. */
  public readonly applicationInsightsId?: pulumi.Output<string>;

  constructor(name: string, args: UploaderArgs, opts?: pulumi.ComponentResourceOptions) {
    super(UPLOADER_TYPE, name, {}, opts);
    const uploader = args.app.uploader;
    // `none` (or no uploader section): the CLI runs the engine with its own login and local
    // state, so nothing in Azure is needed.
    if (!uploader || uploader.kind === "none") {
      this.registerOutputs({});
      return;
    }
    const names = uploaderNames(args.tenantName, args.tenantId, args.appKey);
    // Everything else comes from the spec section, whose schema gives the defaults; the
    // fallbacks are for a section built by hand, without the schema.
    const resolved = {
      graphBaseUrl: args.graphBaseUrl ?? UPLOADER_DEFAULTS.graphBaseUrl,
      dropRetentionDays: uploader.dropRetentionDays ?? UPLOADER_DEFAULTS.dropRetentionDays,
      storageAccountName: uploader.storageAccountName ?? names.storageAccount,
      instanceMemoryMB:
        uploader.functionApp?.instanceMemoryMB ?? UPLOADER_DEFAULTS.instanceMemoryMB,
      maximumInstanceCount:
        uploader.functionApp?.maximumInstanceCount ?? UPLOADER_DEFAULTS.maximumInstanceCount,
    };
    const problems = [
      storageAccountNameProblem(resolved.storageAccountName),
      Number.isInteger(resolved.dropRetentionDays) && resolved.dropRetentionDays >= 0
        ? undefined
        : `uploader.dropRetentionDays must be a whole number of days (0 keeps files), got ${resolved.dropRetentionDays}`,
      Number.isInteger(resolved.maximumInstanceCount) &&
      resolved.maximumInstanceCount >= FLEX_MAXIMUM_INSTANCES.lowest &&
      resolved.maximumInstanceCount <= FLEX_MAXIMUM_INSTANCES.highest
        ? undefined
        : `uploader.functionApp.maximumInstanceCount must be a whole number from ${FLEX_MAXIMUM_INSTANCES.lowest} (the lowest every Flex Consumption region accepts) to ${FLEX_MAXIMUM_INSTANCES.highest}, got ${resolved.maximumInstanceCount}`,
    ].filter((p): p is string => p !== undefined);
    if (problems.length > 0) throw new pulumi.ResourceError(problems.join("\n"), this);

    const common = {
      resourceGroupName: args.resourceGroupName,
      location: args.location,
      tags: args.tags,
    };
    const role = (roleId: string) => roleDefinitionResourceId(args.subscriptionId, roleId);

    const identity = new managedidentity.UserAssignedIdentity(
      `${name}-identity`,
      { ...common, resourceName: names.identity },
      { parent: this },
    );

    const account = new storage.StorageAccount(
      `${name}-storage`,
      {
        ...common,
        accountName: resolved.storageAccountName,
        kind: "StorageV2",
        sku: { name: "Standard_LRS" },
        // HR exports are personal data: Entra identities only, never anonymous or by key.
        allowBlobPublicAccess: false,
        allowSharedKeyAccess: false,
        defaultToOAuthAuthentication: true,
        minimumTlsVersion: "TLS1_2",
        enableHttpsTrafficOnly: true,
        // The documented default. A Flex app without VNet integration reaches its storage over
        // the public endpoint; closing it needs private endpoints (docs/uploader-azure.md).
        publicNetworkAccess: "Enabled",
        allowCrossTenantReplication: false,
      },
      { parent: this },
    );
    const container = (suffix: string, containerName: string) =>
      new storage.BlobContainer(
        `${name}-${suffix}`,
        {
          resourceGroupName: args.resourceGroupName,
          accountName: account.name,
          containerName,
          publicAccess: "None",
        },
        { parent: this },
      );
    const drop = container("drop", CONTAINER.drop);
    const blobEndpoint = account.primaryEndpoints.apply((e) => e.blob.replace(/\/+$/, ""));
    const dropContainerUrl = pulumi.interpolate`${blobEndpoint}/${CONTAINER.drop}`;

    if (resolved.dropRetentionDays > 0) {
      new storage.ManagementPolicy(
        `${name}-retention`,
        {
          resourceGroupName: args.resourceGroupName,
          accountName: account.name,
          // Azure allows one policy per account and it must be called "default".
          managementPolicyName: "default",
          policy: {
            rules: [
              {
                name: "delete-old-hr-exports",
                enabled: true,
                type: "Lifecycle",
                definition: {
                  filters: { blobTypes: ["blockBlob"], prefixMatch: [`${CONTAINER.drop}/`] },
                  actions: {
                    baseBlob: {
                      delete: { daysAfterModificationGreaterThan: resolved.dropRetentionDays },
                    },
                  },
                },
              },
            ],
          },
        },
        { parent: this, dependsOn: [drop] },
      );
    }

    const assign = (suffix: string, roleId: string, scope: pulumi.Input<string>, why: string) =>
      new authorization.RoleAssignment(
        `${name}-${suffix}`,
        {
          principalId: identity.principalId,
          // Without it a just-created identity can fail the assignment while Entra replicates.
          principalType: "ServicePrincipal",
          roleDefinitionId: role(roleId),
          scope,
          description: why,
        },
        { parent: this },
      );

    this.principalId = identity.principalId;
    this.clientId = identity.clientId;
    this.identityId = identity.id;
    this.storageAccountName = account.name;
    this.dropContainerUrl = dropContainerUrl;

    if (uploader.kind === "function") {
      // Identity-based AzureWebJobsStorage, the deployment container, drop and state: the Flex
      // sample grants Blob Data Owner on the account; the blob trigger also needs queues.
      const owner = assign(
        "blob-owner",
        ROLE.storageBlobDataOwner,
        account.id,
        "uploader function: host storage, HR drop and state",
      );
      const queues = assign(
        "queue-contributor",
        ROLE.storageQueueDataContributor,
        account.id,
        "uploader function: blob trigger queues",
      );
      const state = container("state", CONTAINER.state);
      const deployment = container("deployment", CONTAINER.deployment);

      const plan = new web.AppServicePlan(
        `${name}-plan`,
        {
          ...common,
          name: names.plan,
          kind: "functionapp",
          sku: { name: "FC1", tier: "FlexConsumption" },
          reserved: true,
        },
        { parent: this },
      );

      const appSettings: { name: string; value: pulumi.Input<string> }[] = [
        { name: "AzureWebJobsStorage__accountName", value: account.name },
        { name: "AzureWebJobsStorage__credential", value: "managedidentity" },
        { name: "AzureWebJobsStorage__clientId", value: identity.clientId },
        // DefaultAzureCredential in the engine picks the user-assigned identity by this.
        { name: "AZURE_CLIENT_ID", value: identity.clientId },
        { name: "INBOUND_BULK_UPLOAD_URL", value: args.bulkUploadUrl },
        { name: "INBOUND_GRAPH_BASE_URL", value: resolved.graphBaseUrl },
        { name: "INBOUND_TENANT_ID", value: args.tenantId },
        { name: "INBOUND_APP_KEY", value: args.appKey },
        { name: "INBOUND_SPEC_JSON", value: JSON.stringify(args.app) },
        { name: "INBOUND_SCHEDULE", value: uploader.schedule },
        { name: "INBOUND_DROP_CONTAINER_URL", value: dropContainerUrl },
        {
          name: "INBOUND_STATE_CONTAINER_URL",
          value: pulumi.interpolate`${blobEndpoint}/${CONTAINER.state}`,
        },
      ];
      const insights = args.monitoring
        ? new applicationinsights.Component(
            `${name}-insights`,
            {
              ...common,
              resourceName: names.functionApp,
              kind: "web",
              applicationType: "web",
              // Workspace-based: the telemetry lands in AppRequests & co. of the tenant's
              // workspace, where the alert rules below read it.
              workspaceResourceId: args.monitoring.workspaceId,
              ingestionMode: "LogAnalytics",
            },
            { parent: this },
          )
        : undefined;
      if (insights) {
        appSettings.push({
          name: "APPLICATIONINSIGHTS_CONNECTION_STRING",
          value: insights.connectionString,
        });
        this.applicationInsightsId = insights.id;
      }

      const site = new web.WebApp(
        `${name}-function`,
        {
          ...common,
          name: names.functionApp,
          kind: "functionapp,linux",
          serverFarmId: plan.id,
          httpsOnly: true,
          identity: { type: "UserAssigned", userAssignedIdentities: [identity.id] },
          siteConfig: {
            appSettings,
            minTlsVersion: "1.2",
            ftpsState: "Disabled",
          },
          functionAppConfig: {
            deployment: {
              storage: {
                type: "blobContainer",
                value: pulumi.interpolate`${blobEndpoint}/${CONTAINER.deployment}`,
                authentication: {
                  type: "UserAssignedIdentity",
                  userAssignedIdentityResourceId: identity.id,
                },
              },
            },
            runtime: { name: "node", version: UPLOADER_DEFAULTS.nodeVersion },
            scaleAndConcurrency: {
              instanceMemoryMB: resolved.instanceMemoryMB,
              maximumInstanceCount: resolved.maximumInstanceCount,
            },
          },
        },
        // The host reads its storage with the identity at start: the roles must exist first.
        { parent: this, dependsOn: [owner, queues, deployment, state] },
      );
      this.appName = site.name;

      // The code: built from this repository and uploaded by `pulumi up` itself, signed in as the
      // deployer, who needs to write the deployment container (the account takes no key).
      const deployer = authorization.getClientConfigOutput({ parent: this });
      const deployerWrites = new authorization.RoleAssignment(
        `${name}-package-writer`,
        {
          principalId: deployer.objectId,
          // The deployer is a user or a service principal, and ARM refuses an assignment whose
          // principalType does not match (UnmatchedPrincipalType). azure-native fills in "User"
          // for a missing value, but not for an output that resolves to none: then the field is
          // left out and ARM looks the principal up.
          principalType: deployer.objectId.apply(() => undefined as unknown as string),
          roleDefinitionId: role(ROLE.storageBlobDataContributor),
          scope: deployment.id,
          description: "deployer: uploads the uploader function's code package",
        },
        { parent: this },
      );
      new FunctionPackage(
        `${name}-package`,
        {
          containerUrl: pulumi.interpolate`${blobEndpoint}/${CONTAINER.deployment}`,
          blobName: PACKAGE_BLOB,
          sourceHash: functionSourceHash(),
          siteId: site.id,
        },
        { parent: this, dependsOn: [deployment, deployerWrites] },
      );

      if (insights && args.monitoring) {
        this.watch(name, args, args.monitoring, insights.id);
      }

      if (uploader.blobEventSubscription) {
        const topic = new eventgrid.SystemTopic(
          `${name}-blob-events`,
          {
            ...common,
            systemTopicName: names.eventTopic,
            source: account.id,
            topicType: "Microsoft.Storage.StorageAccounts",
          },
          { parent: this },
        );
        const keys = web.listWebAppHostKeysOutput(
          { resourceGroupName: args.resourceGroupName, name: site.name },
          { parent: this },
        );
        const blobKey = keys.apply((k) => {
          const key = k.systemKeys?.blobs_extension;
          if (!key) {
            throw new Error(
              `function app ${names.functionApp} has no blobs_extension system key yet: deploy the functions/ package first, then set uploader.blobEventSubscription: true`,
            );
          }
          return key;
        });
        new eventgrid.SystemTopicEventSubscription(
          `${name}-blob-created`,
          {
            resourceGroupName: args.resourceGroupName,
            systemTopicName: topic.name,
            eventSubscriptionName: "drop-csv-created",
            destination: {
              endpointType: "WebHook",
              endpointUrl: pulumi.secret(
                pulumi.interpolate`https://${site.defaultHostName}/runtime/webhooks/blobs?functionName=Host.Functions.${FUNCTION_NAMES.blob}&code=${blobKey}`,
              ),
            },
            filter: {
              includedEventTypes: ["Microsoft.Storage.BlobCreated"],
              subjectBeginsWith: `/blobServices/default/containers/${CONTAINER.drop}/blobs/`,
              subjectEndsWith: ".csv",
            },
            eventDeliverySchema: "EventGridSchema",
          },
          { parent: this },
        );
      }
    } else {
      // Writes the archive of each pushed payload; reads nothing else.
      assign(
        "drop-writer",
        ROLE.storageBlobDataContributor,
        drop.id,
        "uploader Logic App: archive of pushed HR records",
      );
      const audience = graphAudience(resolved.graphBaseUrl);
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
      );
    }

    this.registerOutputs({
      principalId: this.principalId,
      clientId: this.clientId,
      identityId: this.identityId,
      storageAccountName: this.storageAccountName,
      dropContainerUrl: this.dropContainerUrl,
      appName: this.appName,
      triggerUrl: this.triggerUrl,
      applicationInsightsId: this.applicationInsightsId,
    });
  }

  /** The function uploader's alert rules: a failed run, and no run within the expected time. */
  private watch(
    name: string,
    args: UploaderArgs,
    monitoring: UploaderMonitoringArgs,
    insightsId: pulumi.Output<string>,
  ): void {
    const target = {
      workspaceId: monitoring.workspaceId,
      actionGroupId: monitoring.actionGroupId,
      resourceGroupName: args.resourceGroupName,
      location: args.location,
      tags: args.tags,
    };
    const ruleName = (suffix: string) => `${args.tenantName}-${args.appKey}-uploader-${suffix}`;
    const label = `${args.tenantName} ${args.appKey} uploader`;
    if (monitoring.alerts.uploaderFailures) {
      logAlertRule(
        `${name}-failures`,
        ruleName("failures"),
        {
          displayName: `${label}: run failed`,
          description:
            "An uploader function invocation failed: a refused run (safeguard, quota), a Graph error or damaged state. Its trace in Application Insights says which.",
          query: insightsId.apply((id) => uploaderFailuresQuery(id)),
          windowSize: "PT1H",
          evaluationFrequency: "PT15M",
          severity: 2,
          measure: MEASURE.failures,
          operator: "GreaterThan",
          threshold: 0,
          dimensions: ["Name"],
        },
        target,
        this,
      );
    }
    const hours = monitoring.alerts.uploaderMissedRunHours;
    if (hours === 0) return;
    logAlertRule(
      `${name}-missed-run`,
      ruleName("missed-run"),
      {
        displayName: `${label}: no run for ${hours} h`,
        description: `The uploader's timer (${FUNCTION_NAMES.timer}, schedule ${args.app.uploader?.schedule}) has not run for ${hours} hours: the function app is stopped, not deployed or failing to start.`,
        query: insightsId.apply((id) => uploaderRunsQuery(id, FUNCTION_NAMES.timer, hours)),
        windowSize: "PT1H",
        evaluationFrequency: "PT1H",
        overrideQueryTimeRange: "P2D",
        severity: 2,
        measure: MEASURE.runs,
        operator: "LessThan",
        threshold: 1,
      },
      target,
      this,
    );
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
