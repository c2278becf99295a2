/**
 * A custom task extension as Lifecycle Workflows needs it
 * (https://learn.microsoft.com/en-us/entra/id-governance/configure-logic-app-lifecycle-workflows):
 * a Consumption Logic App whose HTTP trigger only admits Lifecycle Workflows' PoP token, which
 * resumes the waiting task with its system-assigned managed identity; and the Graph
 * customTaskExtension object pointing at the Logic App, which authorizes that identity (and only
 * it) to resume the task through `callbackConfiguration.authorizedApps`, Microsoft's default and
 * recommended response authorization
 * (https://learn.microsoft.com/en-us/entra/id-governance/lifecycle-workflow-extensibility#response-authorization).
 * No Graph app role is granted: the tenant-wide LifecycleWorkflows.ReadWrite.All would let the
 * identity resume, read and change every workflow.
 */
import * as pulumi from "@pulumi/pulumi";
import * as azuread from "@pulumi/azuread";
import * as logic from "@pulumi/azure-native/logic";
import { compileCustomTaskExtension } from "../lib/lifecycle/compile";
import type { CustomTaskExtension as ExtensionSpec } from "../lib/model/schema";
import { CustomTaskExtensionObject } from "./graph/customTaskExtension";

/** The first-party app that calls custom task extensions (the `appid` claim of its token). */
export const LIFECYCLE_WORKFLOWS_APP_ID = "ce79fdc4-cd1d-4ea5-8139-e74d7dbe0bb7";
export const POP_POLICY_NAME = "AzureADLifecycleWorkflowsAuthPOPAuthPolicy";
/**
 * Lifecycle Workflows calls the trigger named `manual`
 * (https://learn.microsoft.com/en-us/entra/id-governance/configure-logic-app-lifecycle-workflows).
 */
export const TRIGGER_NAME = "manual";

export interface CustomTaskExtensionArgs {
  /** The extension from the spec's `customTaskExtensions`. */
  extension: ExtensionSpec;
  /** Entra tenant id: the token issuer is https://sts.windows.net/<tenantId>/. */
  tenantId: string;
  subscriptionId: string;
  /** Resource group of the Logic App (`logicApp.resourceGroup`, else `azure.resourceGroup`). */
  resourceGroupName: string;
  location: string;
  /** Graph endpoint, e.g. https://graph.microsoft.com; the callback goes there too. */
  graphBaseUrl: string;
  graphVersion?: "v1.0" | "beta";
  /**
   * Logic App actions run before the callback, e.g. the call to an on-premises system. The
   * callback runs after the last one succeeds. Default: none (the task completes at once).
   */
  actions?: Record<string, unknown>;
}

/** The ARM id of the Logic App, which is also the PoP token's `p` claim. */
export function logicAppResourceId(
  subscriptionId: string,
  resourceGroup: string,
  name: string,
): string {
  return `/subscriptions/${subscriptionId}/resourceGroups/${resourceGroup}/providers/Microsoft.Logic/workflows/${name}`;
}

/**
 * The trigger authorization policy for Lifecycle Workflows' PoP token, claim by claim as
 * configure-logic-app-lifecycle-workflows.md lists them (the issuer keeps its trailing slash).
 */
export function popAccessControl(tenantId: string, logicAppId: string) {
  return {
    triggers: {
      openAuthenticationPolicies: {
        policies: {
          [POP_POLICY_NAME]: {
            type: "AADPOP",
            claims: [
              { name: "iss", value: `https://sts.windows.net/${tenantId}/` },
              { name: "aud", value: "https://management.azure.com" },
              { name: "appid", value: LIFECYCLE_WORKFLOWS_APP_ID },
              { name: "m", value: "POST" },
              { name: "u", value: "management.azure.com" },
              { name: "p", value: logicAppId },
            ],
          },
        },
      },
    },
  };
}

/** The Logic App definition: the Lifecycle Workflows trigger, optional actions, the callback. */
export function extensionDefinition(graphBaseUrl: string, actions: Record<string, unknown> = {}) {
  const names = Object.keys(actions);
  const base = graphBaseUrl.replace(/\/+$/, "");
  return {
    $schema:
      "https://schema.management.azure.com/providers/Microsoft.Logic/schemas/2016-06-01/workflowdefinition.json#",
    contentVersion: "1.0.0.0",
    parameters: {},
    triggers: {
      [TRIGGER_NAME]: {
        type: "Request",
        kind: "Http",
        inputs: {
          schema: {
            type: "object",
            properties: {
              data: {
                type: "object",
                properties: {
                  callbackUriPath: { type: "string" },
                  subject: {
                    type: "object",
                    properties: {
                      id: { type: "string" },
                      displayName: { type: "string" },
                      email: { type: "string" },
                      userPrincipalName: { type: "string" },
                      manager: {
                        type: "object",
                        properties: {
                          id: { type: "string" },
                          displayName: { type: "string" },
                          email: { type: "string" },
                        },
                      },
                    },
                  },
                  task: {
                    type: "object",
                    properties: { id: { type: "string" }, displayName: { type: "string" } },
                  },
                  taskProcessingResult: {
                    type: "object",
                    properties: { id: { type: "string" }, createdDateTime: { type: "string" } },
                  },
                  workflow: {
                    type: "object",
                    properties: {
                      id: { type: "string" },
                      displayName: { type: "string" },
                      workflowVersion: { type: "integer" },
                    },
                  },
                },
              },
              source: { type: "string" },
              type: { type: "string" },
            },
          },
        },
      },
    },
    actions: {
      ...actions,
      // callbackUriPath is .../taskProcessingResults/{id}/resume; the body is Microsoft's sample.
      Resume_lifecycle_task: {
        type: "Http",
        runAfter: names.length ? { [names[names.length - 1]]: ["Succeeded"] } : {},
        inputs: {
          method: "POST",
          uri: `${base}/v1.0@{triggerBody()?['data']?['callbackUriPath']}`,
          authentication: { type: "ManagedServiceIdentity", audience: base },
          body: {
            data: { operationStatus: "Completed" },
            source: "sample",
            type: "lifecycleEvent",
          },
        },
      },
    },
    outputs: {},
  };
}

export class CustomTaskExtension extends pulumi.ComponentResource {
  public readonly logicApp: logic.Workflow;
  public readonly extension: CustomTaskExtensionObject;
  /** appId of the Logic App's managed identity: the one app allowed to resume the task. */
  public readonly resumedBy: pulumi.Output<string>;
  /** The Graph id that `runCustomTaskExtension` tasks refer to. */
  public readonly extensionId: pulumi.Output<string>;

  constructor(name: string, args: CustomTaskExtensionArgs, opts?: pulumi.ComponentResourceOptions) {
    super("inbound:lifecycle:CustomTaskExtension", name, {}, opts);
    const spec = args.extension;
    const logicAppId = logicAppResourceId(
      args.subscriptionId,
      args.resourceGroupName,
      spec.logicApp.name,
    );

    this.logicApp = new logic.Workflow(
      `${name}-logic-app`,
      {
        workflowName: spec.logicApp.name,
        resourceGroupName: args.resourceGroupName,
        location: args.location,
        state: "Enabled",
        // The callback authenticates as this identity, which Lifecycle Workflows authorizes by default.
        identity: { type: "SystemAssigned" },
        accessControl: popAccessControl(args.tenantId, logicAppId),
        definition: extensionDefinition(args.graphBaseUrl, args.actions),
      },
      { parent: this },
    );

    const principalId = this.logicApp.identity.apply((identity) => {
      if (!identity?.principalId) {
        throw new Error(`the Logic App ${spec.logicApp.name} has no system-assigned identity`);
      }
      return identity.principalId;
    });
    // ARM gives the identity's object id; authorizedApps names it by its appId (client id),
    // which its service principal carries.
    this.resumedBy = azuread.getServicePrincipalOutput(
      { objectId: principalId },
      { parent: this },
    ).clientId;

    // Graph wants the trigger URL when an app rather than a user creates the extension; it holds
    // the trigger's SAS signature, so it stays secret in the state.
    const url = pulumi.secret(
      logic
        .listWorkflowTriggerCallbackUrlOutput(
          {
            resourceGroupName: args.resourceGroupName,
            workflowName: this.logicApp.name,
            triggerName: TRIGGER_NAME,
          },
          { parent: this },
        )
        .apply((result) => result.value ?? ""),
    );
    const location = {
      subscriptionId: args.subscriptionId,
      resourceGroupName: args.resourceGroupName,
    };
    const body = compileCustomTaskExtension(spec, location);
    const endpointConfiguration = url.apply(
      (value) =>
        compileCustomTaskExtension(spec, { ...location, ...(value ? { url: value } : {}) })
          .endpointConfiguration,
    );
    const callbackConfiguration = this.resumedBy.apply(
      (resumedBy) =>
        compileCustomTaskExtension(spec, { ...location, resumedBy }).callbackConfiguration,
    );
    this.extension = new CustomTaskExtensionObject(
      `${name}-object`,
      {
        displayName: spec.displayName,
        description: spec.description,
        endpointConfiguration,
        authenticationConfiguration: body.authenticationConfiguration,
        clientConfiguration: body.clientConfiguration,
        callbackConfiguration,
        graphBaseUrl: args.graphBaseUrl,
        graphVersion: args.graphVersion ?? "v1.0",
        tenantId: args.tenantId,
      },
      { parent: this, dependsOn: [this.logicApp] },
    );
    this.extensionId = this.extension.extensionId;
    this.registerOutputs({
      extensionId: this.extensionId,
      logicAppName: this.logicApp.name,
      resumedBy: this.resumedBy,
    });
  }
}
