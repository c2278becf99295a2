import * as pulumi from "@pulumi/pulumi";
import * as azuread from "@pulumi/azuread";
import * as azureNative from "@pulumi/azure-native/provider";
import * as resources from "@pulumi/azure-native/resources";
import type { TenantSpec } from "../lib/model/schema";
import { ApiProvisioningApp } from "./apiProvisioningApp";
import { GraphAppRoleGrants } from "./graphPermissions";
import { deploysUploader } from "../lib/provisioning/grants";
import { LifecycleWorkflows } from "./lifecycleWorkflows";
import { Monitoring } from "./monitoring";
import { LogicAppUploader, newUploader } from "./uploader";
import { monitoringEmails } from "../lib/monitoring/checks";

export const TENANT_TYPE = "inbound:index:Tenant";

export interface TenantArgs {
  /** The loaded, validated tenant spec (see lib/loader/load.ts). */
  readonly spec: TenantSpec;
  /**
   * Objects that already exist, to adopt instead of create: resource name → id, as
   * `inbound export --adopt` writes them into the stack config `inbound:adopt`
   * (docs/adopting.md). Plain: it decides how each resource is registered.
   */
  readonly adopt?: Readonly<Record<string, string>>;
}

/** The resource names `adopt` may name for a spec under the component name `name`. */
export function adoptableNames(name: string, spec: TenantSpec): string[] {
  return [
    ...(spec.azure ? [`${name}-rg`] : []),
    ...Object.keys(spec.provisioning).map((key) => `${name}-${key}-app`),
    ...Object.keys(spec.lifecycleWorkflows).map((key) => `${name}-lifecycle-workflow-${key}`),
    ...(spec.lifecycleWorkflowSettings ? [`${name}-lifecycle-settings`] : []),
  ];
}

/** What one provisioning app exposes: where to send HR data, and who may send it. */
export interface ProvisioningAppOutputs {
  servicePrincipalId: pulumi.Output<string>;
  jobId: pulumi.Output<string>;
  bulkUploadUrl: pulumi.Output<string>;
  uploaderPrincipalId?: pulumi.Output<string | undefined>;
  dropContainerUrl?: pulumi.Output<string | undefined>;
  /**
   * `logicApp` uploader: the URL the HR system POSTs records to, with its bearer token (without
   * the SAS; a stack secret all the same).
   */
  triggerUrl?: pulumi.Output<string | undefined>;
}

/**
 * One Entra tenant's whole HR-driven identity flow, as its spec describes it: the provisioning
 * apps, their uploaders with their Graph permissions, and the lifecycle workflows.
 *
 * The spec names the tenant and the subscription, so the component brings its own explicit
 * providers for them: a stack can never deploy one customer's spec into the tenant the operator
 * happens to be signed in to.
 */
export class Tenant extends pulumi.ComponentResource {
  public readonly provisioning: Record<string, ProvisioningAppOutputs>;
  public readonly workflows: LifecycleWorkflows;
  /** The tenant's Azure Monitor resources, when the spec has `monitoring:`. */
  public readonly monitoring?: Monitoring;

  constructor(name: string, args: TenantArgs, opts?: pulumi.ComponentResourceOptions) {
    super(TENANT_TYPE, name, {}, opts);
    const { spec } = args;
    const graphBaseUrl = spec.graph.baseUrl;
    const adopt = args.adopt ?? {};
    // A misspelt name would silently create what was meant to be adopted.
    const adoptable = adoptableNames(name, spec);
    const unknown = Object.keys(adopt).filter((key) => !adoptable.includes(key));
    if (unknown.length > 0) {
      throw new Error(
        `inbound:adopt names ${unknown.join(", ")}, which this spec does not build; adoptable: ${adoptable.join(", ") || "none"}`,
      );
    }

    const entra = new azuread.Provider(
      `${name}-entra`,
      { tenantId: spec.tenant.id },
      { parent: this },
    );
    const providers: pulumi.ProviderResource[] = [entra];
    let resourceGroup: resources.ResourceGroup | undefined;
    if (spec.azure) {
      const azure = new azureNative.Provider(
        `${name}-azure`,
        { subscriptionId: spec.azure.subscriptionId, tenantId: spec.tenant.id },
        { parent: this },
      );
      providers.push(azure);
      resourceGroup = new resources.ResourceGroup(
        `${name}-rg`,
        {
          resourceGroupName: spec.azure.resourceGroup,
          location: spec.azure.location,
          tags: spec.azure.tags,
        },
        adopt[`${name}-rg`]
          ? { parent: this, provider: azure, import: adopt[`${name}-rg`] }
          : { parent: this, provider: azure },
      );
    }
    const childOpts = (dependsOn: pulumi.Resource[] = []): pulumi.ComponentResourceOptions => ({
      parent: this,
      providers,
      dependsOn,
    });

    this.provisioning = {};
    const provisioningApps: Record<string, ApiProvisioningApp> = {};
    for (const [appKey, app] of Object.entries(spec.provisioning)) {
      const appName = `${name}-${appKey}`;
      const provisioningApp = new ApiProvisioningApp(
        appName,
        {
          app,
          appKey,
          tenantName: spec.tenant.name,
          tenantId: spec.tenant.id,
          graphBaseUrl,
          adoptApplication: adopt[`${appName}-app`],
        },
        childOpts(),
      );
      provisioningApps[appKey] = provisioningApp;
      this.provisioning[appKey] = {
        servicePrincipalId: provisioningApp.servicePrincipalId,
        jobId: provisioningApp.jobId,
        bulkUploadUrl: provisioningApp.bulkUploadUrl,
      };
    }

    // Before the uploaders: their Application Insights goes on the workspace, and their alert
    // rules mail the action group.
    if (spec.monitoring && spec.azure && resourceGroup) {
      this.monitoring = new Monitoring(
        `${name}-monitoring`,
        {
          tenantName: spec.tenant.name,
          tenantId: spec.tenant.id,
          monitoring: spec.monitoring,
          notificationEmails: monitoringEmails(spec),
          provisioningJobIds: Object.values(provisioningApps).map((app) => app.jobId),
          uploadedJobIds: Object.entries(spec.provisioning)
            .filter(([, app]) => deploysUploader(spec, app) && app.uploader?.kind === "function")
            .map(([appKey]) => provisioningApps[appKey].jobId),
          resourceGroupName: resourceGroup.name,
          location: spec.azure.location,
          tags: spec.azure.tags,
        },
        childOpts(),
      );
    }

    for (const [appKey, app] of Object.entries(spec.provisioning)) {
      if (!deploysUploader(spec, app) || !spec.azure || !resourceGroup) continue;
      const appName = `${name}-${appKey}`;
      const uploader = newUploader(
        `${appName}-uploader`,
        {
          tenantName: spec.tenant.name,
          tenantId: spec.tenant.id,
          appKey,
          app,
          subscriptionId: spec.azure.subscriptionId,
          resourceGroupName: resourceGroup.name,
          location: spec.azure.location,
          bulkUploadUrl: provisioningApps[appKey].bulkUploadUrl,
          workflows: spec.lifecycleWorkflows,
          graphBaseUrl,
          tags: spec.azure.tags,
          monitoring:
            this.monitoring && spec.monitoring
              ? {
                  workspaceId: this.monitoring.workspaceId,
                  actionGroupId: this.monitoring.actionGroupId,
                  alerts: spec.monitoring.alerts,
                }
              : undefined,
        },
        childOpts(),
      );
      if (!uploader) continue;
      new GraphAppRoleGrants(
        `${appName}-uploader-graph`,
        { principalObjectId: uploader.principalId },
        childOpts(),
      );
      const outputs = this.provisioning[appKey];
      outputs.uploaderPrincipalId = uploader.principalId;
      outputs.dropContainerUrl = uploader.dropContainerUrl;
      if (uploader instanceof LogicAppUploader) outputs.triggerUrl = uploader.triggerUrl;
    }

    // Workflows act on the users that provisioning creates, and custom task extensions need the
    // resource group their Logic Apps live in.
    this.workflows = new LifecycleWorkflows(
      `${name}-lifecycle`,
      { spec, graphBaseUrl, adopt },
      childOpts(resourceGroup ? [resourceGroup] : []),
    );

    this.registerOutputs({
      provisioning: this.provisioning,
      monitoring: this.monitoring
        ? {
            workspaceId: this.monitoring.workspaceId,
            actionGroupId: this.monitoring.actionGroupId,
            workbookId: this.monitoring.workbookId,
          }
        : undefined,
    });
  }
}
