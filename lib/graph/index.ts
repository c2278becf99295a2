export { createGraphClient, MAX_PAGES, PageTrail, resolvePath } from "./client";
export { backoff, retryAfterMs, RetryPolicy } from "./retry";
export { environmentToken, tokenTenant } from "./token";
export { GRAPH_HOSTS, graphUrlProblem, isGraphHost, mayCarryToken } from "./hosts";
export type {
  GraphClient,
  GraphClientOptions,
  GraphResponse,
  GraphStats,
  GraphVersion,
  HttpMethod,
  RequestOptions,
  RetryOptions,
  TokenSource,
} from "./client";
export { GraphRequestError, MAX_BODY_BYTES, NotGraphAnswer } from "./errors";
export { createRecordingClient } from "./recording";
export type { RecordedRequest, RecordingClientOptions, StandIn } from "./recording";

import { createGraphClient, GraphClient, GraphVersion } from "./client";
import { environmentToken } from "./token";

/** Microsoft Graph's own application (client) id, the same in every tenant. */
export const GRAPH_APP_ID = "00000003-0000-0000-c000-000000000000";

/** Where Graph is, as a dynamic resource carries it in its inputs. */
export interface GraphLocationInputs {
  graphBaseUrl?: string;
  graphVersion?: GraphVersion;
  /** The spec's tenant: tokens for any other tenant are refused. */
  tenantId?: string;
}

/** Builds the client of a dynamic provider method from the resource's inputs. */
export type GraphClientFactory = (inputs: GraphLocationInputs) => GraphClient;

/**
 * Credentials never travel in resource inputs or state: `INBOUND_GRAPH_TOKEN` if set (CI, tests),
 * else the ambient Azure login that DefaultAzureCredential finds (az login, workload identity,
 * managed identity).
 */
const ambientClient: GraphClientFactory = (inputs) =>
  createGraphClient({
    baseUrl: inputs.graphBaseUrl,
    version: inputs.graphVersion,
    token: environmentToken(),
    tenantId: inputs.tenantId,
  });

let factory: GraphClientFactory = ambientClient;

/**
 * The one place that builds clients for the dynamic providers. `inbound plan` swaps in a recording
 * client (lib/graph/recording.ts) so that the providers' own code, unchanged, says what a deploy
 * would send; tests swap in clients with instant retries.
 */
export function graphClientFromInputs(inputs: GraphLocationInputs): GraphClient {
  return factory(inputs);
}

/** Routes every provider client through `next` until the returned restore function is called. */
export function useGraphClientFactory(next: GraphClientFactory): () => void {
  const previous = factory;
  factory = next;
  return () => {
    factory = previous;
  };
}
