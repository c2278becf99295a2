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

/**
 * The most of an answer's body the client reads: far above any Graph page or error (a page of
 * 999 objects is a few MB), and far below what would take the process out of memory (a 1 GB body
 * did). A bigger answer is not Graph's, and is an error.
 */
export const MAX_BODY_BYTES = 64 * 1024 * 1024;
/** An error answer is read this far; the rest is dropped. */
const MAX_ERROR_BYTES = 64 * 1024;

/** The answer is too big to be Graph's. */
export class BodyTooLarge extends Error {}

/**
 * An answer's body as text, read at most `limit` bytes: past it, the rest is cancelled and
 * BodyTooLarge is thrown (`truncate` returns what was read instead).
 */
export async function readText(
  response: Response,
  limit = MAX_BODY_BYTES,
  truncate = false,
): Promise<string> {
  if (!response.body) return "";
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    if (size + value.byteLength > limit) {
      await reader.cancel().catch(() => undefined);
      if (!truncate) throw new BodyTooLarge(`the answer is larger than ${limit / 1024 / 1024} MB`);
      chunks.push(value.subarray(0, limit - size));
      size = limit;
      break;
    }
    chunks.push(value);
    size += value.byteLength;
  }
  return Buffer.concat(chunks, size).toString("utf8");
}

/**
 * An answer that is not Graph's: a success that is not JSON (a proxy's login page, a captive
 * portal), JSON that does not parse, a body too large, or a redirect. Named with the request and
 * the status, so the operator can see what answered instead of Graph.
 */
export class NotGraphAnswer extends GraphRequestError {
  constructor(method: string, path: string, status: number, why: string, requestId?: string) {
    super(method, path, status, "NotGraphAnswer", why, requestId);
    this.message = `Graph ${method} ${path} answered ${status}, which is not Graph's answer: ${why}`;
  }
}

/** A short, printable sample of a body, for an error message. */
export function sample(text: string): string {
  const flat = text
    .replace(/[\u0000-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069\s]+/g, " ")
    .trim();
  return JSON.stringify(flat.length > 80 ? `${flat.slice(0, 80)}…` : flat);
}

export async function errorFromResponse(
  method: string,
  path: string,
  response: Response,
): Promise<GraphRequestError> {
  const text = await readText(response, MAX_ERROR_BYTES, true).catch(() => "");
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
