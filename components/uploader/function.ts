/**
 * The `function` uploader: a Flex Consumption function app running lib/upload (functions/) on a
 * schedule and when an HR export lands in the drop container, with its code package uploaded by
 * `pulumi up`, and with monitoring its Application Insights and alert rules. See
 * docs/uploader-azure.md.
 */
import * as pulumi from "@pulumi/pulumi";
import * as applicationinsights from "@pulumi/azure-native/applicationinsights";
import * as authorization from "@pulumi/azure-native/authorization";
import * as eventgrid from "@pulumi/azure-native/eventgrid";
import * as web from "@pulumi/azure-native/web";
import { FLEX_MAXIMUM_INSTANCES } from "../../lib/model/schema";
import { MEASURE, uploaderFailuresQuery, uploaderRunsQuery } from "../../lib/monitoring/queries";
import { functionSourceHash, PACKAGE_BLOB } from "../../lib/upload/functionPackage";
import { logAlertRule } from "../monitoring";
import { CONTAINER, dropExtensions, FUNCTION_NAMES, keyVaultReference, ROLE } from "./azure";
import { FunctionPackage } from "./functionPackage";
import {
  UPLOADER_DEFAULTS,
  UploaderBase,
  type UploaderArgs,
  type UploaderMonitoringArgs,
} from "./shared";

export class FunctionUploader extends UploaderBase {
  /** Name of the function app. */
  public readonly appName: pulumi.Output<string>;
  /** With monitoring: ARM id of the function app's Application Insights. */
  public readonly applicationInsightsId?: pulumi.Output<string>;

  constructor(name: string, args: UploaderArgs, opts?: pulumi.ComponentResourceOptions) {
    const resolved = (uploader: NonNullable<UploaderArgs["app"]["uploader"]>) => ({
      instanceMemoryMB:
        uploader.functionApp?.instanceMemoryMB ?? UPLOADER_DEFAULTS.instanceMemoryMB,
      maximumInstanceCount:
        uploader.functionApp?.maximumInstanceCount ?? UPLOADER_DEFAULTS.maximumInstanceCount,
    });
    super("function", name, args, opts, (uploader) => {
      const { maximumInstanceCount } = resolved(uploader);
      return [
        Number.isInteger(maximumInstanceCount) &&
        maximumInstanceCount >= FLEX_MAXIMUM_INSTANCES.lowest &&
        maximumInstanceCount <= FLEX_MAXIMUM_INSTANCES.highest
          ? undefined
          : `uploader.functionApp.maximumInstanceCount must be a whole number from ${FLEX_MAXIMUM_INSTANCES.lowest} (the lowest every Flex Consumption region accepts) to ${FLEX_MAXIMUM_INSTANCES.highest}, got ${maximumInstanceCount}`,
      ];
    });
    const { uploader, names, common, identity, account, blobEndpoint, container, assign, role } =
      this.foundation;
    const { instanceMemoryMB, maximumInstanceCount } = resolved(uploader);

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
      { name: "INBOUND_GRAPH_BASE_URL", value: this.foundation.graphBaseUrl },
      { name: "INBOUND_TENANT_ID", value: args.tenantId },
      { name: "INBOUND_APP_KEY", value: args.appKey },
      { name: "INBOUND_SPEC_JSON", value: JSON.stringify(args.app) },
      { name: "INBOUND_WORKFLOWS_JSON", value: JSON.stringify(args.workflows ?? {}) },
      { name: "INBOUND_SCHEDULE", value: uploader.schedule },
      { name: "INBOUND_DROP_CONTAINER_URL", value: this.foundation.dropContainerUrl },
      {
        name: "INBOUND_STATE_CONTAINER_URL",
        value: pulumi.interpolate`${blobEndpoint}/${CONTAINER.state}`,
      },
    ];
    // The HR API's secrets (uploader.rest.auth): each app setting a Key Vault reference, and the
    // identity a reader of that one secret (Azure RBAC scoped to the secret), nothing else.
    const vault = uploader.keyVault;
    const secretReaders = Object.entries(vault?.secrets ?? {}).map(([setting, secret]) => {
      appSettings.push({ name: setting, value: keyVaultReference(vault!.id, secret) });
      return assign(
        `secret-${setting.toLowerCase().replace(/_/g, "-")}`,
        ROLE.keyVaultSecretsUser,
        `${vault!.id.replace(/\/+$/, "")}/secrets/${secret}`,
        `uploader function: reads the HR API secret ${secret} (app setting ${setting})`,
      );
    });
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
        // Key Vault references resolve with the system-assigned identity unless told otherwise;
        // this app has only the user-assigned one.
        ...(vault ? { keyVaultReferenceIdentity: identity.id } : {}),
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
          scaleAndConcurrency: { instanceMemoryMB, maximumInstanceCount },
        },
      },
      // The host reads its storage with the identity at start: the roles must exist first.
      { parent: this, dependsOn: [owner, queues, deployment, state, ...secretReaders] },
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

    // A rest source reads the HR API on the timer: the function app registers no blob trigger.
    if (uploader.blobEventSubscription && uploader.source !== "rest") {
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
          eventSubscriptionName:
            uploader.source === "json" ? "drop-json-created" : "drop-csv-created",
          destination: {
            endpointType: "WebHook",
            endpointUrl: pulumi.secret(
              pulumi.interpolate`https://${site.defaultHostName}/runtime/webhooks/blobs?functionName=Host.Functions.${FUNCTION_NAMES.blob}&code=${blobKey}`,
            ),
          },
          // The files functions/src/blob.ts reads for the source (isDropFile).
          filter: {
            includedEventTypes: ["Microsoft.Storage.BlobCreated"],
            subjectBeginsWith: `/blobServices/default/containers/${CONTAINER.drop}/blobs/`,
            ...(uploader.source === "json"
              ? {
                  advancedFilters: [
                    {
                      operatorType: "StringEndsWith",
                      key: "subject",
                      values: dropExtensions("json").slice(),
                    },
                  ],
                }
              : { subjectEndsWith: ".csv" }),
          },
          eventDeliverySchema: "EventGridSchema",
        },
        { parent: this },
      );
    }

    this.registerOutputs({
      ...this.commonOutputs(),
      applicationInsightsId: this.applicationInsightsId,
    });
  }

  /** The alert rules: a failed run, and no run within the expected time. */
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
