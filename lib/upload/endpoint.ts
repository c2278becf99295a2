/**
 * Finding the bulkUpload URL and a token for it. The deployed stack outputs the URL and that is the
 * preferred input; looking the app up by display name needs Application.Read.All and
 * Synchronization.Read.All besides the upload permission
 * (https://learn.microsoft.com/en-us/entra/identity/app-provisioning/inbound-provisioning-api-grant-access).
 */
import { tokenGetter } from "../graph/token";
import type { GraphClient } from "../graph";
import { parseBulkUploadUrl } from "./logs";

export interface JobRef {
  servicePrincipalId: string;
  jobId: string;
  endpoint: string;
}

interface Page<T> {
  value?: T[];
}

/** Resolves an app's provisioning job by its display name. */
export async function findProvisioningJob(
  graph: GraphClient,
  graphBaseUrl: string,
  displayName: string,
  version: "v1.0" | "beta" = "v1.0",
): Promise<JobRef> {
  const filter = encodeURIComponent(`displayName eq '${displayName.replace(/'/g, "''")}'`);
  const principals = await graph.get<Page<{ id: string; displayName?: string }>>(
    `/servicePrincipals?$filter=${filter}&$select=id,displayName`,
  );
  const found = principals.value ?? [];
  if (found.length === 0) {
    throw new Error(
      `no service principal named "${displayName}"; deploy the stack first or pass --endpoint with its bulkUpload URL`,
    );
  }
  if (found.length > 1) {
    throw new Error(
      `${found.length} service principals are named "${displayName}" (${found.map((p: { id: string }) => p.id).join(", ")}); pass --endpoint with the bulkUpload URL`,
    );
  }
  const servicePrincipalId = found[0].id;
  const jobs = await graph.get<Page<{ id: string; templateId?: string }>>(
    `/servicePrincipals/${servicePrincipalId}/synchronization/jobs`,
  );
  const list = jobs.value ?? [];
  if (list.length !== 1) {
    throw new Error(
      list.length === 0
        ? `service principal ${servicePrincipalId} ("${displayName}") has no synchronization job; is provisioning configured?`
        : `service principal ${servicePrincipalId} has ${list.length} synchronization jobs (${list.map((j: { id: string }) => j.id).join(", ")}); pass --endpoint`,
    );
  }
  const jobId = list[0].id;
  const base = graphBaseUrl.replace(/\/+$/, "");
  return {
    servicePrincipalId,
    jobId,
    endpoint: `${base}/${version}/servicePrincipals/${encodeURIComponent(servicePrincipalId)}/synchronization/jobs/${encodeURIComponent(jobId)}/bulkUpload`,
  };
}

/** A job reference from a bulkUpload URL given on the command line. */
export function jobFromEndpoint(endpoint: string): JobRef & { graphBaseUrl: string } {
  const parsed = parseBulkUploadUrl(endpoint);
  if (!parsed) {
    throw new Error(
      `--endpoint ${endpoint} is not a bulkUpload URL like https://graph.microsoft.com/v1.0/servicePrincipals/<id>/synchronization/jobs/<jobId>/bulkUpload`,
    );
  }
  return { ...parsed, endpoint };
}

/**
 * Bearer tokens for Graph: INBOUND_GRAPH_TOKEN as is when set (CI, tests), else
 * DefaultAzureCredential (managed identity in Azure, the developer's login locally), which caches
 * and refreshes, so asking per call is cheap and survives a long run. With `tenantId` (the spec's
 * tenant.id) a token for any other tenant is refused before it is used: an HR file is never sent
 * to whichever tenant the operator happens to be signed in to.
 */
export function graphTokenProvider(
  env: NodeJS.ProcessEnv,
  graphBaseUrl: string,
  tenantId?: string,
): () => Promise<string> {
  const origin = new URL(graphBaseUrl).origin;
  const token = env.INBOUND_GRAPH_TOKEN || undefined;
  // One sign-in per process and tenant: the job lookup, the upload and the logs share its cache.
  const key = JSON.stringify([origin, tenantId, token]);
  let provider = providers.get(key);
  if (!provider) providers.set(key, (provider = tokenGetter({ token, tenantId }, origin)));
  return provider;
}
const providers = new Map<string, () => Promise<string>>();
