/**
 * The ids Pulumi needs to adopt what export found instead of creating it again: the stack config
 * `inbound:adopt`, a map of resource name → id that the Tenant component reads (see
 * docs/adopting.md). Names are the components' own child names, so they follow the spec's keys.
 */
import type { FoundIds } from "./convert";

/** `inbound:adopt` entries: resource name → the id Pulumi imports it by. */
export function adoptIds(
  tenantName: string,
  ids: FoundIds,
  azure?: { subscriptionId: string; resourceGroup: string },
): Record<string, string> {
  const adopt: Record<string, string> = {};
  if (azure) {
    // The extensions' resource group exists: azure-native refuses to create it again.
    adopt[`${tenantName}-rg`] =
      `/subscriptions/${azure.subscriptionId}/resourceGroups/${azure.resourceGroup}`;
  }
  for (const [key, app] of Object.entries(ids.apps)) {
    if (app.applicationTemplateId && app.applicationObjectId) {
      // azuread's import id of a templated application
      // (https://www.pulumi.com/registry/packages/azuread/api-docs/applicationfromtemplate/#import).
      adopt[`${tenantName}-${key}-app`] =
        `/applicationTemplates/${app.applicationTemplateId}/instantiate/${app.applicationObjectId}/${app.servicePrincipalId}`;
    }
  }
  for (const [key, id] of Object.entries(ids.workflows)) {
    adopt[`${tenantName}-lifecycle-workflow-${key}`] = id;
  }
  // The tenant has one settings object, always there: its id is a constant.
  if (ids.settings) adopt[`${tenantName}-lifecycle-settings`] = "lifecycleWorkflowSettings";
  return adopt;
}

const shellQuote = (text: string) => `'${text.replace(/'/g, `'\\''`)}'`;

/** A script of `pulumi config set --path` lines that puts `adopt` into the selected stack. */
export function adoptScript(adopt: Record<string, string>): string {
  const lines = [
    "#!/bin/sh",
    "# Written by `inbound export`: the ids of what exists, so that the first `pulumi up` adopts",
    "# it instead of creating it again (docs/adopting.md). Run with the stack selected, or pass",
    "# --stack to each line.",
    "set -e",
    ...Object.entries(adopt).map(
      ([name, id]) =>
        `pulumi config set --path ${shellQuote(`inbound:adopt["${name}"]`)} ${shellQuote(id)}`,
    ),
  ];
  return lines.join("\n") + "\n";
}
