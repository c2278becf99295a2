/**
 * Finding a spec's live objects without Pulumi state: a provisioning app by its service
 * principal's display name and its job's template, a workflow or custom task extension by its
 * display name (unique per tenant:
 * https://learn.microsoft.com/en-us/graph/api/identitygovernance-lifecycleworkflowscontainer-post-workflows),
 * a group by its display name. Reads only.
 */
import type { GraphClient } from "../graph/client";
import { EXPECTED_TEMPLATE, syncPaths } from "../provisioning/graphApi";
import { LCW_PATH } from "../lifecycle/compile";
import type { ProvisioningApp } from "../model/schema";

type GraphLike = Pick<GraphClient, "request" | "getAllPages">;
type Json = Record<string, unknown>;

/** Lifecycle reads ask for every enum member (lib/lifecycle/graphApi explains why). */
const LIFECYCLE = { headers: { Prefer: "include-unknown-enum-members" } };

const quoted = (value: string) => `'${value.replace(/'/g, "''")}'`;
const byName = (displayName: string) => encodeURIComponent(`displayName eq ${quoted(displayName)}`);

/** Every item of a collection: the client follows `@odata.nextLink`. */
const all = (client: GraphLike, path: string, options?: typeof LIFECYCLE) =>
  client.getAllPages<Json>(path, options);

export interface LiveApp {
  servicePrincipalId: string;
  jobId: string;
  templateId: string;
}

/** The job template the app's job is made from: the spec's pin, else the target's. */
export const expectedTemplate = (
  app: Pick<ProvisioningApp, "synchronizationTemplateId" | "target">,
) => app.synchronizationTemplateId ?? EXPECTED_TEMPLATE[app.target];

/**
 * The app's service principal (by display name) and its API-driven job (by template), or
 * undefined when no service principal of that name has such a job. Several do: an error, as
 * drift cannot tell which one the spec describes.
 */
export async function findApp(
  client: GraphLike,
  app: Pick<ProvisioningApp, "displayName" | "synchronizationTemplateId" | "target">,
): Promise<LiveApp | undefined> {
  const template = expectedTemplate(app);
  const principals = await all(
    client,
    `/servicePrincipals?$filter=${byName(app.displayName)}&$select=id,displayName`,
  );
  const found: LiveApp[] = [];
  for (const principal of principals) {
    const servicePrincipalId = String(principal.id);
    const jobs = await all(client, syncPaths.jobs(servicePrincipalId));
    for (const job of jobs) {
      if (String(job.templateId ?? "").toLowerCase() === template.toLowerCase()) {
        found.push({
          servicePrincipalId,
          jobId: String(job.id),
          templateId: String(job.templateId),
        });
      }
    }
  }
  if (found.length > 1) {
    throw new Error(
      `${found.length} provisioning jobs from template ${template} belong to service principals named ${JSON.stringify(app.displayName)} (${found.map((f) => `${f.servicePrincipalId}/${f.jobId}`).join(", ")}); give the apps distinct display names`,
    );
  }
  return found[0];
}

/** The workflow or extension in a lifecycle collection with this display name (case-insensitive). */
async function lifecycleNamed(
  client: GraphLike,
  collection: "workflows" | "customTaskExtensions",
  displayName: string,
): Promise<Json | undefined> {
  const wanted = displayName.toLowerCase();
  const items = await all(client, `${LCW_PATH}/${collection}`, LIFECYCLE);
  return items.find((w) => String(w.displayName).toLowerCase() === wanted);
}

export async function findWorkflowId(
  client: GraphLike,
  displayName: string,
): Promise<string | undefined> {
  const found = await lifecycleNamed(client, "workflows", displayName);
  return found ? String(found.id) : undefined;
}

export async function findExtensionId(
  client: GraphLike,
  displayName: string,
): Promise<string | undefined> {
  const found = await lifecycleNamed(client, "customTaskExtensions", displayName);
  return found ? String(found.id) : undefined;
}

/** The id of the one group with this display name; undefined when none or several have it. */
export async function findGroupId(
  client: GraphLike,
  displayName: string,
): Promise<string | undefined> {
  const groups = await all(client, `/groups?$filter=${byName(displayName)}&$select=id,displayName`);
  return groups.length === 1 ? String(groups[0].id) : undefined;
}
