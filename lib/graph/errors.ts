/** A Graph call that failed for good (after any retries), with what is needed to report it. */
export class GraphRequestError extends Error {
  /**
   * Earlier attempts of this call that the service may have acted on without answering (dropped
   * connections, 500/502/504): a 409 on a create after one may be the create's own success.
   */
  unansweredAttempts = 0;

  constructor(
    readonly method: string,
    readonly path: string,
    readonly status: number,
    readonly code: string | undefined,
    readonly graphMessage: string | undefined,
    readonly requestId: string | undefined,
    readonly body?: unknown,
  ) {
    const detail = [code, graphMessage].filter(Boolean).join(": ");
    super(
      `Graph ${method} ${path} failed: ${status}${detail ? ` ${detail}` : ""}` +
        (requestId ? ` (request-id ${requestId})` : ""),
    );
    this.name = "GraphRequestError";
  }
}

interface GraphErrorBody {
  error?: {
    code?: string;
    message?: string;
    innerError?: Record<string, string>;
    innererror?: Record<string, string>;
  };
  // SCIM errors (bulkUpload) use their own shape.
  detail?: string;
  scimType?: string;
}

export async function errorFromResponse(
  method: string,
  path: string,
  response: Response,
): Promise<GraphRequestError> {
  const text = await response.text().catch(() => "");
  let body: GraphErrorBody | undefined;
  try {
    body = text ? (JSON.parse(text) as GraphErrorBody) : undefined;
  } catch {
    body = undefined;
  }
  const inner = body?.error?.innerError ?? body?.error?.innererror;
  const requestId =
    response.headers.get("request-id") ??
    response.headers.get("client-request-id") ??
    inner?.["request-id"] ??
    inner?.["client-request-id"] ??
    undefined;
  return new GraphRequestError(
    method,
    path,
    response.status,
    body?.error?.code ?? body?.scimType ?? (response.statusText || undefined),
    body?.error?.message ?? body?.detail ?? (body ? undefined : text.slice(0, 200) || undefined),
    requestId,
    body ?? text,
  );
}
