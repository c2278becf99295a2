/**
 * Deploys a tenant spec into the Graph emulator the way `pulumi up` does, through the dynamic
 * providers' own `create` (the gallery app is instantiated as azuread does it), so that export
 * reads back exactly what a deployment writes.
 */
import { randomUUID } from "crypto";
import {
  provisioningJobProvider,
  provisioningJobStartProvider,
} from "../../components/graph/provisioningJob";
import { synchronizationSchemaProvider } from "../../components/graph/synchronizationSchema";
import { synchronizationSecretsProvider } from "../../components/graph/synchronizationSecrets";
import { lifecycleWorkflowProvider } from "../../components/graph/lifecycleWorkflow";
import { lifecycleSettingsProvider } from "../../components/graph/lifecycleSettings";
import { createGraphClient } from "../../lib/graph";
import type { GraphEmulator } from "../../lib/emulator";
import { TEMPLATE_NAMES } from "../../lib/emulator/routes/directory";
import { EXPECTED_TEMPLATE } from "../../lib/provisioning/graphApi";
import { schemaSpecOf } from "../../lib/provisioning/managed";
import { compileSecrets } from "../../lib/provisioning/secrets";
import {
  compileCustomTaskExtension,
  compileSettings,
  compileWorkflow,
} from "../../lib/lifecycle/compile";
import { createCustomTaskExtension } from "../../lib/lifecycle/graphApi";
import { groupUses } from "../../components/lifecycleWorkflows";
import type { TenantSpec } from "../../lib/model/schema";

export interface Deployed {
  /** Service principal id by app key. */
  servicePrincipals: Record<string, string>;
  /** Group object id by display name. */
  groups: Record<string, string>;
  extensions: Record<string, string>;
  workflows: Record<string, string>;
}

/** `spec` deployed into `emulator`; INBOUND_GRAPH_TOKEN must hold the emulator's token. */
export async function deploy(emulator: GraphEmulator, spec: TenantSpec): Promise<Deployed> {
  const graph = createGraphClient({ baseUrl: emulator.url, token: emulator.token });
  const where = { graphBaseUrl: emulator.url };
  const deployed: Deployed = { servicePrincipals: {}, groups: {}, extensions: {}, workflows: {} };
  for (const [key, app] of Object.entries(spec.provisioning)) {
    const template = emulator.state.directory.applicationTemplates.find(
      (t) => t.displayName === TEMPLATE_NAMES[app.target],
    )!;
    const created = await graph.post<{ servicePrincipal: { id: string } }>(
      `/applicationTemplates/${template.id}/instantiate`,
      { displayName: app.displayName },
    );
    const servicePrincipalId = created!.servicePrincipal.id;
    deployed.servicePrincipals[key] = servicePrincipalId;
    const job = await provisioningJobProvider.create({
      ...where,
      servicePrincipalId,
      expectedTemplateId: EXPECTED_TEMPLATE[app.target],
    });
    const jobId = String(job.id);
    await synchronizationSecretsProvider.create({
      ...where,
      servicePrincipalId,
      credentials: compileSecrets(app),
    });
    await synchronizationSchemaProvider.create({
      ...where,
      servicePrincipalId,
      jobId,
      appKey: key,
      provisioning: schemaSpecOf(app),
    });
    await provisioningJobStartProvider.create({ ...where, servicePrincipalId, jobId });
  }
  for (const [key, extension] of Object.entries(spec.customTaskExtensions)) {
    deployed.extensions[key] = await createCustomTaskExtension(
      graph,
      compileCustomTaskExtension(extension, {
        subscriptionId: spec.azure!.subscriptionId,
        resourceGroupName: extension.logicApp.resourceGroup ?? spec.azure!.resourceGroup,
      }),
    );
  }
  for (const workflow of Object.values(spec.lifecycleWorkflows)) {
    for (const name of groupUses(workflow).keys()) {
      if (deployed.groups[name]) continue;
      const id = randomUUID();
      deployed.groups[name] = id;
      emulator.state.directory.groups.set(id, { id, displayName: name });
    }
  }
  for (const [key, workflow] of Object.entries(spec.lifecycleWorkflows)) {
    const body = compileWorkflow(workflow, {
      groupId: (name) => deployed.groups[name],
      customTaskExtensionId: (extension) => deployed.extensions[extension],
    });
    const created = await lifecycleWorkflowProvider.create({
      ...body,
      ...where,
      graphVersion: "v1.0",
    });
    deployed.workflows[key] = String(created.id);
  }
  if (spec.lifecycleWorkflowSettings) {
    await lifecycleSettingsProvider.create({
      ...compileSettings(spec.lifecycleWorkflowSettings),
      ...where,
      graphVersion: "v1.0",
    });
  }
  return deployed;
}
