/**
 * A Graph client that sends nothing: it records each request and answers it from stand-ins.
 *
 * `inbound plan` routes the dynamic providers' clients here (lib/graph's client factory) and calls
 * their real `create`, so what the plan prints is what the deploy code sends, request for request,
 * not a second description of it that could drift away from the code.
 */
import type { GraphClient, GraphVersion, HttpMethod, RequestOptions } from "./client";
import { resolvePath, withVerbs } from "./client";

export interface RecordedRequest {
  method: HttpMethod;
  /** As sent, under the version root: `/v1.0/servicePrincipals/...`. */
  path: string;
  /** The headers that change what Graph does: `Prefer` and the body's content type. */
  headers?: Record<string, string>;
  body?: unknown;
}

/**
 * The answer Graph would give, for a path without the version root or query string (`query` has
 * it). `undefined` is an empty answer (204). Throw for a request the stand-ins cannot answer.
 */
export type StandIn = (
  method: HttpMethod,
  path: string,
  body: unknown,
  query: string,
) => unknown | undefined;

export interface RecordingClientOptions {
  baseUrl?: string;
  version?: GraphVersion;
  answer: StandIn;
  /** Where requests are appended, in the order they are sent. */
  log: RecordedRequest[];
}

// Only these change Graph's behaviour; the rest (User-Agent, Authorization) are transport.
const HEADERS_THAT_MATTER = ["prefer", "content-type"];

export function createRecordingClient(options: RecordingClientOptions): GraphClient {
  const baseUrl = (options.baseUrl ?? "https://graph.microsoft.com").replace(/\/+$/, "");
  const version = options.version ?? "v1.0";
  const stats = { requests: 0, retries: 0 };

  async function request<T>(
    method: HttpMethod,
    path: string,
    body?: unknown,
    requestOptions: RequestOptions = {},
  ): Promise<T | undefined> {
    const target = resolvePath(baseUrl, version, path);
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(requestOptions.headers ?? {})) {
      if (HEADERS_THAT_MATTER.includes(name.toLowerCase())) headers[name] = value;
    }
    if (body !== undefined)
      headers["Content-Type"] = requestOptions.contentType ?? "application/json";
    // A copy: the caller may go on to change the object it sent.
    const sent = typeof body === "string" || body === undefined ? body : structuredClone(body);
    options.log.push({
      method,
      path: target.display,
      ...(Object.keys(headers).length > 0 ? { headers } : {}),
      ...(sent !== undefined ? { body: sent } : {}),
    });
    stats.requests++;
    const [bare, query = ""] = target.path.split("?", 2);
    return options.answer(method, bare, sent, query) as T | undefined;
  }

  // Paging follows `@odata.nextLink`, which the stand-ins never set: one page, as asked.
  return withVerbs({ baseUrl, version, stats, request });
}
