/**
 * The spec's objects created in the Graph emulator by the dynamic providers' own create methods,
 * as a first `pulumi up` creates them: what the drift tests compare against.
 */
import { startGraphEmulator, type GraphEmulator } from "../../lib/emulator";
import { createGraphClient } from "../../lib/graph";
import type { TenantSpec } from "../../lib/model/schema";
import { schemaSpecOf } from "../../lib/provisioning/managed";
import { compileSecrets } from "../../lib/provisioning/secrets";
import {
  compileCustomTaskExtension,
  compileSettings,
  compileWorkflow,
} from "../../lib/lifecycle/compile";
import { provisioningJobProvider } from "../../components/graph/provisioningJob";
import { synchronizationSchemaProvider } from "../../components/graph/synchronizationSchema";
import { synchronizationSecretsProvider } from "../../components/graph/synchronizationSecrets";
import { customTaskExtensionProvider } from "../../components/graph/customTaskExtension";
import { lifecycleWorkflowProvider } from "../../components/graph/lifecycleWorkflow";
import { lifecycleSettingsProvider } from "../../components/graph/lifecycleSettings";
import { EXPECTED_TEMPLATE } from "../../lib/provisioning/graphApi";

/** The Logic App identity's appId that the deployed extensions name as their authorized app. */
export const RESUMED_BY = "7d1b4a2e-98c4-4c5e-9a4e-3f2b1c0d9e8f";

/**
 * A Logic App's system-assigned identity as Graph lists it (a ManagedIdentity service principal
 * whose alternativeNames hold the resource id): what drift reads to know the authorized app.
 */
export function logicAppIdentity(
  emulator: GraphEmulator,
  resourceId: string,
  appId = RESUMED_BY,
): void {
  const id = `sp-${appId}`;
  emulator.state.directory.servicePrincipals.set(id, {
    id,
    appId,
    displayName: resourceId.split("/").pop(),
    servicePrincipalType: "ManagedIdentity",
    alternativeNames: ["isExplicit=False", resourceId],
  });
}

/**
 * An emulator ready for the bundled examples: its token where the providers' create methods find
 * it, as in a deployment, and the group the examples' workflows scope to.
 */
export async function startDriftEmulator(): Promise<GraphEmulator> {
  const emulator = await startGraphEmulator();
  process.env.INBOUND_GRAPH_TOKEN = emulator.token;
  emulator.state.directory.groups.set("5c2e8a4f-0d1b-4e6a-9f3c-2b7d8e1a0c4f", {
    id: "5c2e8a4f-0d1b-4e6a-9f3c-2b7d8e1a0c4f",
    displayName: "All Employees",
  });
  return emulator;
}

/** Where each app lives in the emulator, by its spec key. */
export type Deployed = Record<string, { sp: string; job: string }>;

export async function deploy(emulator: GraphEmulator, tenant: TenantSpec): Promise<Deployed> {
  const graph = createGraphClient({ baseUrl: emulator.url, token: emulator.token });
  const at = { graphBaseUrl: emulator.url };
  const apps: Deployed = {};
  for (const [appKey, app] of Object.entries(tenant.provisioning)) {
    const template = emulator.state.directory.applicationTemplates.find(
      (t) => t.synchronizationTemplateId === EXPECTED_TEMPLATE[app.target],
    )!;
    const created = await graph.post<{ servicePrincipal: { id: string } }>(
      `/applicationTemplates/${template.id}/instantiate`,
      { displayName: app.displayName },
    );
    const sp = created!.servicePrincipal.id;
    const job = await provisioningJobProvider.create({
      servicePrincipalId: sp,
      expectedTemplateId: EXPECTED_TEMPLATE[app.target],
      ...at,
    });
    const jobId = (job.outs as { jobId: string }).jobId;
    await synchronizationSecretsProvider.create({
      servicePrincipalId: sp,
      credentials: compileSecrets(app),
      ...at,
    });
    await synchronizationSchemaProvider.create({
      servicePrincipalId: sp,
      jobId,
      appKey,
      provisioning: schemaSpecOf(app),
      ...at,
    });
    apps[appKey] = { sp, job: jobId };
  }
  const extensionIds: Record<string, string> = {};
  for (const [key, extension] of Object.entries(tenant.customTaskExtensions)) {
    const resourceGroupName = extension.logicApp.resourceGroup ?? tenant.azure!.resourceGroup;
    logicAppIdentity(
      emulator,
      `/subscriptions/${tenant.azure!.subscriptionId}/resourceGroups/${resourceGroupName}/providers/Microsoft.Logic/workflows/${extension.logicApp.name}`,
    );
    const body = compileCustomTaskExtension(extension, {
      subscriptionId: tenant.azure!.subscriptionId,
      resourceGroupName,
      // What Azure gives a deployment and the spec cannot know.
      url: "https://prod-01.westeurope.logic.azure.com/workflows/1/triggers/manual/paths/invoke?sig=s",
      resumedBy: RESUMED_BY,
    });
    extensionIds[key] = (await customTaskExtensionProvider.create({ ...body, ...at })).id;
  }
  for (const workflow of Object.values(tenant.lifecycleWorkflows)) {
    const body = compileWorkflow(workflow, {
      groupId: (name) =>
        String(
          [...emulator.state.directory.groups.values()].find((g) => g.displayName === name)!.id,
        ),
      customTaskExtensionId: (key) => extensionIds[key],
    });
    await lifecycleWorkflowProvider.create({ ...body, ...at, graphVersion: "v1.0" });
  }
  if (tenant.lifecycleWorkflowSettings) {
    await lifecycleSettingsProvider.create({
      ...compileSettings(tenant.lifecycleWorkflowSettings),
      ...at,
    });
  }
  return apps;
}
