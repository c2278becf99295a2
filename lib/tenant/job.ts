/**
 * The job an upload, `logs` or `report` works on when no bulkUpload URL names it (a stack output,
 * the preferred input: jobFromEndpoint): the spec app's, found by its display name and template.
 */
import type { ProvisioningApp } from "../model/schema";
import { resolveSpecApp } from "./apps";
import { bulkUploadUrl, type JobRef } from "./endpoint";
import type { GraphSession } from "./session";

export async function resolveJob(
  session: Pick<GraphSession, "baseUrl" | "client">,
  app: Pick<ProvisioningApp, "displayName" | "synchronizationTemplateId" | "target">,
): Promise<JobRef & { graphBaseUrl: string }> {
  const live = await resolveSpecApp(session.client, app);
  return {
    servicePrincipalId: live.servicePrincipalId,
    jobId: live.jobId,
    endpoint: bulkUploadUrl(session.baseUrl, live.servicePrincipalId, live.jobId),
    graphBaseUrl: session.baseUrl,
  };
}
