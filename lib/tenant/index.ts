/**
 * The live tenant: the one place that finds live objects (provisioning apps and their jobs,
 * workflows, custom task extensions, groups, settings) and the one Graph session they are read
 * through. `upload`, `logs`, `report`, `drift`, `export`, `sandbox` and the deployed uploader
 * (functions/src) all come here, so they reach the same objects or fail with the same message.
 */
export {
  API_DRIVEN_TEMPLATES,
  apiDrivenApplicationTemplates,
  apiDrivenPrincipals,
  AppLookupError,
  appCandidates,
  appsFrom,
  describeCandidate,
  expectedTemplate,
  findProvisioningApp,
  findSpecApp,
  isApiDrivenJob,
  resolveProvisioningApp,
  resolveSpecApp,
  servicePrincipals,
  withJobs,
} from "./apps";
export type { AppCandidate, AppQuery, GraphLike, LiveApp } from "./apps";
export { bulkUploadUrl, jobFromEndpoint, parseBulkUploadUrl } from "./endpoint";
export type { JobRef } from "./endpoint";
export { resolveJob } from "./job";
export {
  findExtensionId,
  findGroupId,
  findLogicAppIdentityAppId,
  findWorkflowId,
  groupPath,
  LIFECYCLE_READ,
  lifecyclePaths,
} from "./lifecycle";
export { filterEq, odataString } from "./odata";
export { graphSession, sessionToken } from "./session";
export type { GraphSession, SessionOptions } from "./session";
