/**
 * SCIM BulkRequest bodies for `/bulkUpload`, and where they are posted. The posting itself is the
 * Graph client's (lib/graph): one HTTP path and one retry policy for deploys and uploads.
 *
 * Bodies are assembled from each user's canonical JSON (already built for the delta hash)
 * instead of serializing the users a second time.
 */
import type { GraphClient, GraphRequestError } from "../graph";
import { mayCarryToken, tokenRefusal } from "../graph/hosts";
import { BULK_REQUEST_URN } from "../records";

/**
 * The API's limit per request
 * (https://learn.microsoft.com/en-us/graph/api/resources/synchronization-bulkupload).
 */
export const MAX_OPERATIONS = 50;

export interface BulkRecord {
  externalId: string;
  /** CSV line; also the operation's bulkId, which makes a rejected operation easy to find. */
  line: number;
  /** Canonical SCIM JSON of the user. */
  json: string;
  hash: string;
  active: boolean | null;
}

const HEAD = `{"schemas":${JSON.stringify([BULK_REQUEST_URN])},"Operations":[`;
// failOnErrors null as in every Microsoft example: the service processes each operation on its own.
const TAIL = `],"failOnErrors":null}`;

export function bulkBody(records: readonly BulkRecord[]): string {
  if (records.length > MAX_OPERATIONS) {
    throw new Error(
      `a bulk request holds at most ${MAX_OPERATIONS} operations, got ${records.length}`,
    );
  }
  let body = HEAD;
  for (let i = 0; i < records.length; i++) {
    const r = records[i];
    if (i > 0) body += ",";
    body += `{"method":"POST","bulkId":"${r.line}","path":"/Users","data":${r.json}}`;
  }
  return body + TAIL;
}

/**
 * Where bulk requests go: the job's bulkUpload URL, through the project's one Graph client (the
 * client refuses a URL that may not carry its token before anything is sent).
 */
export interface BulkTarget {
  graph: GraphClient;
  endpoint: string;
}

/**
 * Refuses, before the first record, an endpoint the client's token may not go to: the client
 * would refuse each request unsent anyway, but a refusal must stop the run, not be retried.
 */
export function checkBulkTarget(target: BulkTarget): void {
  if (!mayCarryToken(target.endpoint, target.graph.baseUrl)) throw tokenRefusal(target.endpoint);
}

export const SCIM_CONTENT_TYPE = "application/scim+json";

/**
 * How long one request may wait for its answer: 100 s, the per-request default of Microsoft's
 * Graph SDKs (microsoft/kiota-http-go#24 "Adds a default 100 secs timeout per request", after
 * .NET's HttpClient.Timeout). A stalled connection is then retried like a dropped one instead of
 * holding a rate slot, and the run, for ever.
 */
export const DEFAULT_TIMEOUT_MS = 100_000;

/** The error Graph (or the SCIM layer) put in a failed answer, in one line. */
export function describeFailure(error: GraphRequestError | undefined): string {
  // An answer that is not Graph's is named with its request (the URL) and status.
  if (error?.code === "NotGraphAnswer") return error.message;
  const detail = [error?.code, error?.graphMessage].filter(Boolean).join(": ");
  return detail || "(empty body)";
}
