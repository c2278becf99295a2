/**
 * The Graph session every command and the deployed uploader talk through: where Graph is, where
 * tokens come from, and the one tenant they must belong to. Built here from a command line (the
 * spec's tenant and graph.baseUrl, or --graph-url) or from the Function's app settings, so a
 * token for any other tenant is refused before the first request, on every road.
 */
import { createGraphClient, type GraphClient } from "../graph/client";
import { environmentToken, tokenGetter } from "../graph/token";

export interface GraphSession {
  /** Graph's base URL, without a trailing slash. */
  readonly baseUrl: string;
  /** The Entra tenant every token must belong to. */
  readonly tenantId: string;
  readonly client: GraphClient;
  /**
   * A token for `tenantId`. Asked once before the first request, it stops a run whose sign-in
   * fails or is for another tenant before anything is read or sent.
   */
  token(): Promise<string>;
}

export interface SessionOptions {
  baseUrl: string;
  tenantId: string;
  /** Where INBOUND_GRAPH_TOKEN is read (lib/graph/token.ts); else DefaultAzureCredential. */
  env: NodeJS.ProcessEnv;
  /**
   * Why no token can be had here (a local Graph without INBOUND_GRAPH_TOKEN, which no Azure
   * sign-in serves): `token()` fails with it instead of trying every Azure credential.
   */
  tokenProblem?: string;
}

// One sign-in per process, Graph host and tenant: a command's lookup, upload and log reads share
// DefaultAzureCredential's cache, which refreshes, so asking per call is cheap.
const tokens = new Map<string, () => Promise<string>>();

/** Bearer tokens for Graph at `baseUrl`, pinned to `tenantId`. */
export function sessionToken(options: SessionOptions): () => Promise<string> {
  const origin = new URL(options.baseUrl).origin;
  const token = environmentToken(options.env);
  const key = JSON.stringify([origin, options.tenantId, token]);
  let getter = tokens.get(key);
  if (!getter) {
    getter = tokenGetter({ token, tenantId: options.tenantId }, origin);
    tokens.set(key, getter);
  }
  return getter;
}

export function graphSession(options: SessionOptions): GraphSession {
  const baseUrl = options.baseUrl.replace(/\/+$/, "");
  const problem = options.tokenProblem;
  const token = problem
    ? () => Promise.reject(new Error(problem))
    : sessionToken({ ...options, baseUrl });
  return {
    baseUrl,
    tenantId: options.tenantId,
    client: createGraphClient({
      baseUrl,
      tenantId: options.tenantId,
      credential: { getToken: async () => ({ token: await token() }) },
    }),
    token,
  };
}
