/**
 * What both uploader kinds share: the spec they are built from, the type token they register
 * under, and the pieces every uploader has (a user-assigned identity, a locked-down storage
 * account with the drop container and its retention, and the role assignments' shape). The
 * identity's Graph permissions (SynchronizationData-User.Upload, ProvisioningLog.Read.All) are
 * granted by the caller with GraphAppRoleGrants on `principalId`: they are Graph objects, not ARM.
 * See docs/uploader-azure.md.
 */
import * as pulumi from "@pulumi/pulumi";
import * as authorization from "@pulumi/azure-native/authorization";
import * as managedidentity from "@pulumi/azure-native/managedidentity";
import * as storage from "@pulumi/azure-native/storage";
import {
  FLEX_MAXIMUM_INSTANCES,
  type Monitoring,
  type ProvisioningApp,
  type Workflow,
} from "../../lib/model/schema";
import {
  CONTAINER,
  roleDefinitionResourceId,
  storageAccountNameProblem,
  uploaderNames,
} from "./azure";

/**
 * The type token of both kinds. It was the one Uploader component's before the function and
 * Logic App uploaders were split; a URN embeds it (in every child's too), so existing stacks keep
 * their resources only while both components register under it (test/uploader-component/urns.test.ts).
 */
export const UPLOADER_TYPE = "inbound:uploader:Uploader";

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
  /** The app's spec section, after defaults. Its `uploader.kind` must be the component's. */
  readonly app: ProvisioningApp;
  /** `azure.subscriptionId`: built-in role definition ids are resource ids in it. */
  readonly subscriptionId: string;
  readonly resourceGroupName: pulumi.Input<string>;
  readonly location: pulumi.Input<string>;
  /** The app's bulkUpload URL, from the provisioning component. */
  readonly bulkUploadUrl: pulumi.Input<string>;
  /**
   * The spec's `lifecycleWorkflows`: the `function` kind's safeguard watches the attributes their
   * triggers and scopes read, as `inbound upload` does. Defaults to none.
   */
  readonly workflows?: Readonly<Record<string, Workflow>>;
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

export type UploaderKind = "function" | "logicApp";
export type UploaderSpec = NonNullable<ProvisioningApp["uploader"]>;

/** What a kind builds on: the common resources, and how to add more of the same shape. */
export interface UploaderFoundation {
  readonly uploader: UploaderSpec;
  readonly names: ReturnType<typeof uploaderNames>;
  readonly graphBaseUrl: string;
  /** resourceGroupName, location and tags, as every resource of the uploader takes them. */
  readonly common: {
    resourceGroupName: pulumi.Input<string>;
    location: pulumi.Input<string>;
    tags?: pulumi.Input<Record<string, pulumi.Input<string>>>;
  };
  readonly identity: managedidentity.UserAssignedIdentity;
  readonly account: storage.StorageAccount;
  readonly drop: storage.BlobContainer;
  /** The account's blob endpoint, without the trailing slash. */
  readonly blobEndpoint: pulumi.Output<string>;
  readonly dropContainerUrl: pulumi.Output<string>;
  /** A private container `<name>-<suffix>` of the account. */
  container(suffix: string, containerName: string): storage.BlobContainer;
  /** A built-in role for the identity on `scope`, as `<name>-<suffix>`. */
  assign(
    suffix: string,
    roleId: string,
    scope: pulumi.Input<string>,
    why: string,
  ): authorization.RoleAssignment;
  /** The resource id of a built-in role definition in the subscription. */
  role(roleId: string): string;
}

/**
 * The base of both kinds: registers under UPLOADER_TYPE, checks the spec section and builds the
 * identity, the storage account, the drop container and its retention policy. `problems` are the
 * kind's own checks of the section, reported with the common ones before anything is created.
 */
export abstract class UploaderBase extends pulumi.ComponentResource {
  /** Object id of the uploader identity's service principal: grant it the Graph app roles. */
  public readonly principalId: pulumi.Output<string>;
  /** Client id of the identity (AZURE_CLIENT_ID of the function app). */
  public readonly clientId: pulumi.Output<string>;
  /** ARM id of the identity. */
  public readonly identityId: pulumi.Output<string>;
  public readonly storageAccountName: pulumi.Output<string>;
  /** Where HR exports are dropped (`function`) or pushed payloads archived (`logicApp`). */
  public readonly dropContainerUrl: pulumi.Output<string>;
  /** Name of the function app or the Logic App. */
  public abstract readonly appName: pulumi.Output<string>;
  protected readonly foundation: UploaderFoundation;

  protected constructor(
    kind: UploaderKind,
    name: string,
    args: UploaderArgs,
    opts: pulumi.ComponentResourceOptions | undefined,
    problems: (uploader: UploaderSpec) => (string | undefined)[],
  ) {
    super(UPLOADER_TYPE, name, {}, opts);
    const uploader = args.app.uploader;
    if (uploader?.kind !== kind) {
      throw new pulumi.ResourceError(
        `the ${kind} uploader needs uploader.kind ${kind}, got ${uploader?.kind ?? "no uploader section"}`,
        this,
      );
    }
    const names = uploaderNames(args.tenantName, args.tenantId, args.appKey);
    // Everything else comes from the spec section, whose schema gives the defaults; the
    // fallbacks are for a section built by hand, without the schema.
    const dropRetentionDays = uploader.dropRetentionDays ?? UPLOADER_DEFAULTS.dropRetentionDays;
    const storageAccountName = uploader.storageAccountName ?? names.storageAccount;
    const found = [
      storageAccountNameProblem(storageAccountName),
      Number.isInteger(dropRetentionDays) && dropRetentionDays >= 0
        ? undefined
        : `uploader.dropRetentionDays must be a whole number of days (0 keeps files), got ${dropRetentionDays}`,
      ...problems(uploader),
    ].filter((p): p is string => p !== undefined);
    if (found.length > 0) throw new pulumi.ResourceError(found.join("\n"), this);

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
        accountName: storageAccountName,
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

    if (dropRetentionDays > 0) {
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
                    baseBlob: { delete: { daysAfterModificationGreaterThan: dropRetentionDays } },
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
    this.foundation = {
      uploader,
      names,
      graphBaseUrl: args.graphBaseUrl ?? UPLOADER_DEFAULTS.graphBaseUrl,
      common,
      identity,
      account,
      drop,
      blobEndpoint,
      dropContainerUrl,
      container,
      assign,
      role,
    };
  }

  /** The outputs both kinds register. */
  protected commonOutputs(): Record<string, pulumi.Output<string> | undefined> {
    return {
      principalId: this.principalId,
      clientId: this.clientId,
      identityId: this.identityId,
      storageAccountName: this.storageAccountName,
      dropContainerUrl: this.dropContainerUrl,
      appName: this.appName,
    };
  }
}
