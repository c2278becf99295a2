export { backoff, createGraphClient, resolvePath, retryAfterMs } from "./client";
export { tokenTenant } from "./token";
export type {
  GraphClient,
  GraphClientOptions,
  GraphStats,
  GraphVersion,
  HttpMethod,
  RequestOptions,
  RetryOptions,
  TokenSource,
} from "./client";
export { GraphRequestError } from "./errors";

import { createGraphClient, GraphClient, GraphVersion } from "./client";

/** Where Graph is, as a dynamic resource carries it in its inputs. */
export interface GraphLocationInputs {
  graphBaseUrl?: string;
  graphVersion?: GraphVersion;
  /** The spec's tenant: tokens for any other tenant are refused. */
  tenantId?: string;
}

/**
 * The client a dynamic provider method builds for itself. Credentials never travel in resource
 * inputs or state: `INBOUND_GRAPH_TOKEN` if set (CI, tests), else the ambient Azure login that
 * DefaultAzureCredential finds (az login, workload identity, managed identity).
 */
export function graphClientFromInputs(inputs: GraphLocationInputs): GraphClient {
  return createGraphClient({
    baseUrl: inputs.graphBaseUrl,
    version: inputs.graphVersion,
    token: process.env.INBOUND_GRAPH_TOKEN || undefined,
    tenantId: inputs.tenantId,
  });
}
