/**
 * Finding a spec's Lifecycle Workflows objects and groups in the live tenant, and where export
 * reads them. A workflow or custom task extension is found by its display name (unique per
 * tenant:
 * https://learn.microsoft.com/en-us/graph/api/identitygovernance-lifecycleworkflowscontainer-post-workflows),
 * a group by its display name when exactly one group has it. Reads only; every page is read.
 */
import { LCW_PATH } from "../lifecycle/compile";
import type { GraphLike } from "./apps";
import { filterEq } from "./odata";

type Json = Record<string, unknown>;

/** Lifecycle reads ask for every enum member (lib/lifecycle/graphApi explains why). */
export const LIFECYCLE_READ = { headers: { Prefer: "include-unknown-enum-members" } };

export const lifecyclePaths = {
  workflows: `${LCW_PATH}/workflows`,
  workflow: (id: string) => `${LCW_PATH}/workflows/${encodeURIComponent(id)}`,
  tasks: (id: string) => `${LCW_PATH}/workflows/${encodeURIComponent(id)}/tasks`,
  customTaskExtensions: `${LCW_PATH}/customTaskExtensions`,
  settings: `${LCW_PATH}/settings`,
  taskDefinitions: `${LCW_PATH}/taskDefinitions`,
};

/** A group's id and display name. */
export const groupPath = (id: string) => `/groups/${encodeURIComponent(id)}?$select=id,displayName`;

/** The id of the workflow or extension with this display name (case-insensitive), if any. */
async function lifecycleIdNamed(
  client: GraphLike,
  collection: "workflows" | "customTaskExtensions",
  displayName: string,
): Promise<string | undefined> {
  const wanted = displayName.toLowerCase();
  const items = await client.getAllPages<Json>(lifecyclePaths[collection], LIFECYCLE_READ);
  const found = items.find((w) => String(w.displayName).toLowerCase() === wanted);
  return found ? String(found.id) : undefined;
}

export const findWorkflowId = (client: GraphLike, displayName: string) =>
  lifecycleIdNamed(client, "workflows", displayName);

export const findExtensionId = (client: GraphLike, displayName: string) =>
  lifecycleIdNamed(client, "customTaskExtensions", displayName);

/** The id of the one group with this display name; undefined when none or several have it. */
export async function findGroupId(
  client: GraphLike,
  displayName: string,
): Promise<string | undefined> {
  const groups = await client.getAllPages<Json>(
    `/groups?${filterEq("displayName", displayName)}&$select=id,displayName`,
  );
  return groups.length === 1 ? String(groups[0].id) : undefined;
}

/**
 * The appId (client id) of a Logic App's system-assigned managed identity: the service principal
 * of type ManagedIdentity named as the Logic App whose `alternativeNames` hold the Logic App's
 * resource id (servicePrincipal: "alternativeNames … identify resource group and full resource
 * IDs for managed identities",
 * https://learn.microsoft.com/en-us/graph/api/resources/serviceprincipal). Undefined when none.
 */
export async function findLogicAppIdentityAppId(
  client: GraphLike,
  logicApp: { subscriptionId: string; resourceGroupName: string; name: string },
): Promise<string | undefined> {
  const resourceId =
    `/subscriptions/${logicApp.subscriptionId}/resourceGroups/${logicApp.resourceGroupName}` +
    `/providers/Microsoft.Logic/workflows/${logicApp.name}`;
  const principals = await client.getAllPages<Json>(
    `/servicePrincipals?${filterEq("displayName", logicApp.name)}&$select=appId,servicePrincipalType,alternativeNames`,
  );
  // Resource ids compare case-insensitively in Azure.
  const found = principals.find(
    (sp) =>
      sp.servicePrincipalType === "ManagedIdentity" &&
      Array.isArray(sp.alternativeNames) &&
      sp.alternativeNames.some((n) => String(n).toLowerCase() === resourceId.toLowerCase()),
  );
  return found ? String(found.appId) : undefined;
}
