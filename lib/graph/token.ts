/**
 * Where Graph bearer tokens come from, and the check that they are for the spec's tenant. Kept
 * apart from the client: the deployed uploader function uses it without the Graph SDK.
 */

import { graphUrlProblem } from "./hosts";

/** The subset of @azure/identity's TokenCredential the client needs. */
export interface TokenSource {
  getToken(scope: string): Promise<{ token: string } | null>;
}

export interface TokenOptions {
  /** A bearer token used as is (tests, CI, `INBOUND_GRAPH_TOKEN`). */
  token?: string;
  /**
   * The Entra tenant the calls are meant for (spec `tenant.id`). DefaultAzureCredential asks for a
   * token of this tenant, and any token whose `tid` claim names another tenant is refused before
   * it is sent, so a spec is never applied to whichever tenant the operator is signed in to.
   */
  tenantId?: string;
  /** Where tokens come from when no static token is given. Default: DefaultAzureCredential. */
  credential?: TokenSource;
  /** Token scope. Default `${baseUrl}/.default`. */
  scope?: string;
  /**
   * How long one sign-in may take before it fails. Default 120 s, the Graph client's request
   * timeout (the client passes its own).
   */
  timeoutMs?: number;
}

/**
 * Bearer tokens for `baseUrl`: the static token, or the credential's (DefaultAzureCredential by
 * default), each checked against `tenantId` before it is used.
 */
export function tokenGetter(options: TokenOptions, baseUrl: string): () => Promise<string> {
  // Whoever asks for a Graph token is about to send it to `baseUrl`: refused here, before any
  // credential is asked, when that is not Graph.
  const problem = graphUrlProblem(baseUrl);
  if (problem)
    throw new Error(`refused to get a Graph token for ${baseUrl}: the Graph URL ${problem}`);
  const { tenantId } = options;
  if (options.token) {
    const token = options.token;
    return async () => checkTenant(token, tenantId);
  }
  const scope = options.scope ?? `${baseUrl}/.default`;
  let credential = options.credential;
  return async () => {
    if (!credential) {
      // Created on first use, never at module load: dynamic providers must not capture it.
      const { DefaultAzureCredential } = require("@azure/identity");
      credential = new DefaultAzureCredential(tenantId ? { tenantId } : {}) as TokenSource;
    }
    const token = await withTimeout(
      credential.getToken(scope),
      options.timeoutMs ?? 120_000,
      `no Azure credential gave a token for ${scope} within`,
    );
    if (!token) throw new Error(`no Azure credential could get a token for ${scope}`);
    return checkTenant(token.token, tenantId);
  };
}

/**
 * The bearer token the environment gives as is (CI, tests, `inbound sandbox`), or undefined for
 * the ambient Azure login. The one place the variable is read.
 */
export function environmentToken(env: NodeJS.ProcessEnv = process.env): string | undefined {
  return env.INBOUND_GRAPH_TOKEN || undefined;
}

/** `promise`, or an error once `ms` have passed without it settling. */
function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} ${ms / 1000} s`)), ms);
  });
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
}

/** The `tid` claim of a JWT access token; undefined for anything that is not one. */
export function tokenTenant(token: string): string | undefined {
  const payload = token.split(".")[1];
  if (!payload) return undefined;
  try {
    const claims = JSON.parse(Buffer.from(payload, "base64url").toString("utf8")) as {
      tid?: unknown;
    };
    return typeof claims.tid === "string" ? claims.tid : undefined;
  } catch {
    return undefined;
  }
}

function checkTenant(token: string, tenantId: string | undefined): string {
  const tid = tokenTenant(token);
  if (tenantId && tid && tid.toLowerCase() !== tenantId.toLowerCase()) {
    throw new Error(
      `the Azure sign-in gives tokens for tenant ${tid}, but the spec is for tenant ${tenantId}; ` +
        `sign in to that tenant (az login --tenant ${tenantId}) or set AZURE_TENANT_ID`,
    );
  }
  return token;
}
