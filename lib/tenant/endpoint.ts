/**
 * An app's `/bulkUpload` URL
 * (https://learn.microsoft.com/en-us/graph/api/synchronization-synchronizationjob-post-bulkupload):
 * built here from the service principal and job ids, and read back here from a URL given on the
 * command line or in the deployed uploader's settings.
 */
import { syncPaths } from "../provisioning/graphApi";

export interface JobRef {
  servicePrincipalId: string;
  jobId: string;
  endpoint: string;
}

/** `<graph>/<version>/servicePrincipals/<sp>/synchronization/jobs/<job>/bulkUpload`. */
export function bulkUploadUrl(
  graphBaseUrl: string,
  servicePrincipalId: string,
  jobId: string,
  version: "v1.0" | "beta" = "v1.0",
): string {
  const path = syncPaths.bulkUpload(
    encodeURIComponent(servicePrincipalId),
    encodeURIComponent(jobId),
  );
  return `${graphBaseUrl.replace(/\/+$/, "")}/${version}${path}`;
}

/** Service principal id and job id out of a bulkUpload URL. */
export function parseBulkUploadUrl(
  url: string,
):
  { graphBaseUrl: string; version: string; servicePrincipalId: string; jobId: string } | undefined {
  const match =
    /^(https?:\/\/[^/]+)\/(v1\.0|beta)\/servicePrincipals\/([^/]+)\/synchronization\/jobs\/([^/]+)\/bulkUpload\/?$/i.exec(
      url,
    );
  if (!match) return undefined;
  return {
    graphBaseUrl: match[1],
    version: match[2],
    servicePrincipalId: decodeURIComponent(match[3]),
    jobId: decodeURIComponent(match[4]),
  };
}

/** A job reference from a bulkUpload URL; `what` names where the URL came from. */
export function jobFromEndpoint(
  endpoint: string,
  what = "--endpoint",
): JobRef & { graphBaseUrl: string } {
  const parsed = parseBulkUploadUrl(endpoint);
  if (!parsed) {
    throw new Error(
      `${what} ${endpoint} is not a bulkUpload URL like https://graph.microsoft.com/v1.0/servicePrincipals/<id>/synchronization/jobs/<jobId>/bulkUpload`,
    );
  }
  return { ...parsed, endpoint };
}
