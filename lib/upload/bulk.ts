/**
 * SCIM BulkRequest bodies for `/bulkUpload`, and the HTTP transport that posts them.
 *
 * Bodies are assembled from each user's canonical JSON (already built for the delta hash)
 * instead of serializing the users a second time.
 */
import { graphUrlProblem } from "../graph/hosts";
import { BULK_REQUEST_URN } from "./scim";

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

export interface BulkResponse {
  status: number;
  retryAfter?: string;
  requestId?: string;
  body: string;
}

/** Posts one body; throws only when no HTTP response came back (connection reset, DNS...). */
export type BulkTransport = (body: string) => Promise<BulkResponse>;

export const SCIM_CONTENT_TYPE = "application/scim+json";

/**
 * How long one request may wait for its answer: 100 s, the per-request default of Microsoft's
 * Graph SDKs (microsoft/kiota-http-go#24 "Adds a default 100 secs timeout per request", after
 * .NET's HttpClient.Timeout). A stalled connection is then retried like a dropped one instead of
 * holding a rate slot, and the run, for ever.
 */
export const DEFAULT_TIMEOUT_MS = 100_000;

/**
 * The real transport: `fetch` to the bulkUpload URL with a bearer token asked for per call. It
 * sends its own Authorization header, so it checks the host itself: an endpoint that is not
 * Graph is refused before any token is asked for (lib/graph/hosts.ts).
 */
export function fetchTransport(
  endpoint: string,
  token: () => Promise<string>,
  fetchImpl: typeof fetch = fetch,
  timeoutMs: number = DEFAULT_TIMEOUT_MS,
): BulkTransport {
  const problem = graphUrlProblem(endpoint);
  if (problem)
    throw new Error(`refused to send a Graph token to ${endpoint}: the endpoint ${problem}`);
  return async (body) => {
    // AbortSignal.timeout's timer does not keep the process alive.
    const signal = AbortSignal.timeout(timeoutMs);
    try {
      const response = await fetchImpl(endpoint, {
        method: "POST",
        headers: {
          authorization: `Bearer ${await token()}`,
          "content-type": SCIM_CONTENT_TYPE,
          accept: "application/json",
        },
        body,
        signal,
      });
      return {
        status: response.status,
        retryAfter: response.headers.get("retry-after") ?? undefined,
        requestId:
          response.headers.get("request-id") ??
          response.headers.get("client-request-id") ??
          undefined,
        body: await response.text(),
      };
    } catch (err) {
      if (signal.aborted) throw new Error(`no answer within ${timeoutMs / 1000} s`);
      throw err;
    }
  };
}

/** The error Graph (or the SCIM layer) put in a failed response, in one line. */
export function describeErrorBody(body: string): string {
  if (!body.trim()) return "(empty body)";
  try {
    const parsed = JSON.parse(body) as {
      error?: { code?: string; message?: string };
      detail?: string;
      scimType?: string;
    };
    if (parsed.error) return [parsed.error.code, parsed.error.message].filter(Boolean).join(": ");
    if (parsed.detail) return [parsed.scimType, parsed.detail].filter(Boolean).join(": ");
  } catch {
    // not JSON: fall through to the raw text
  }
  return body.length > 300 ? body.slice(0, 300) + "…" : body;
}
