/**
 * The one Microsoft Graph client of the project: dynamic providers, the uploader and the CLI all
 * use it, so retry, authentication and error reporting behave the same everywhere.
 *
 * Built on @microsoft/microsoft-graph-client's middleware chain, with middlewares of our own:
 * - bearer: the library's AuthenticationHandler only sends tokens to https Graph hosts and strips
 *   the header otherwise, which rules out the local emulator (and proxies under test);
 * - retry: the library's RetryHandler neither retries dropped connections nor reports how often it
 *   retried, and its delays cannot be injected for deterministic tests;
 * - fetch: the library's HTTPMessageHandler always calls the global fetch, where tests pass an
 *   in-process service so that the whole chain runs without a server.
 * Responses are taken raw, so status codes (202 from bulkUpload, 204 from PUT schema) and request
 * ids reach the caller unchanged.
 *
 * `send` makes a single attempt and hands back the answer whatever its status: the uploader paces
 * its own retries through a rate window shared by its requests, and asks `retry` (the policy the
 * middleware applies to everything else) how long each must wait. Both go through this one chain,
 * so the host check, the token, the timeout and the error reading are the same for every request.
 */
import type { Client, Context, Middleware, ResponseType } from "@microsoft/microsoft-graph-client";
import {
  BodyTooLarge,
  errorFromResponse,
  GraphRequestError,
  NotGraphAnswer,
  readText,
  sample,
} from "./errors";
import { mayCarryToken, tokenRefusal } from "./hosts";
import { RetryPolicy, type RetryOptions } from "./retry";
import { tokenGetter, type TokenOptions } from "./token";

export type { TokenSource } from "./token";
export type { RetryOptions } from "./retry";
export { backoff, retryAfterMs, RetryPolicy } from "./retry";

export type GraphVersion = "v1.0" | "beta";
export type HttpMethod = "GET" | "POST" | "PUT" | "PATCH" | "DELETE";

/**
 * What one call tells the retry middleware, and what the middleware records for it: attempts the
 * service may have acted on without the caller learning the outcome (no answer, or a
 * 500/502/504), so that a create can recognise its own lost success.
 */
class AttemptRecord {
  unanswered = 0;
  /**
   * Ends the last attempt's deadline once its body is read. A timer per attempt that ran on for
   * its whole timeout after the answer would hold every request's timer of the last 100 s or more:
   * 20,000 of them (about 20 MB) in a fast upload of a million rows.
   */
  settle: () => void = () => undefined;
  constructor(
    /** One attempt only: the caller retries (`send`). */
    readonly once = false,
    /** This call's own timeout, instead of the client's. */
    readonly timeoutMs?: number,
  ) {}
}

/** Token options (lib/graph/token.ts): a static token or a credential, pinned to `tenantId`. */
export interface GraphClientOptions extends TokenOptions {
  /** Graph endpoint; national clouds use other hosts. Default https://graph.microsoft.com. */
  baseUrl?: string;
  /** Default version for relative paths. Default v1.0. */
  version?: GraphVersion;
  retry?: RetryOptions;
  /**
   * How long one attempt may wait for an answer before it is abandoned and retried like a dropped
   * connection. Default 120 s: a stalled connection must not hang a deployment.
   */
  timeoutMs?: number;
  /** Injectable for tests. */
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
  /**
   * What sends each attempt, after the token is attached. Default the global `fetch`; tests pass
   * an in-process service so the whole chain runs without a server.
   */
  fetch?: typeof fetch;
  userAgent?: string;
}

export interface RequestOptions {
  headers?: Record<string, string>;
  /**
   * Retry a 404 a few times: right after an object is created, Graph's replicas may not know it
   * yet (replication delay).
   */
  retryNotFound?: boolean;
  /** Request body content type. Default application/json. */
  contentType?: string;
  /** How long each attempt of this call may wait for its answer, instead of the client's timeout. */
  timeoutMs?: number;
}

/** The answer to a single attempt (`send`), whatever its status. */
export interface GraphResponse<T = unknown> {
  status: number;
  headers: Headers;
  /** The parsed body of a 2xx answer (undefined when empty). */
  body?: T;
  /** For any other status: the error `request` would have thrown, Graph's code and request id included. */
  error?: GraphRequestError;
}

export interface GraphStats {
  requests: number;
  retries: number;
}

export interface GraphClient {
  readonly baseUrl: string;
  readonly version: GraphVersion;
  readonly stats: GraphStats;
  /** The policy the client retries by; callers that retry on their own (`send`) wait by it too. */
  readonly retry: RetryPolicy;
  /**
   * One attempt, not retried, answered whatever its status; throws only when no answer came (a
   * dropped connection, the timeout) or the target may not carry the token.
   */
  send<T>(
    method: HttpMethod,
    path: string,
    body?: unknown,
    options?: RequestOptions,
  ): Promise<GraphResponse<T>>;
  request<T>(
    method: HttpMethod,
    path: string,
    body?: unknown,
    options?: RequestOptions,
  ): Promise<T | undefined>;
  get<T>(path: string, options?: RequestOptions): Promise<T>;
  post<T>(path: string, body?: unknown, options?: RequestOptions): Promise<T | undefined>;
  put<T>(path: string, body?: unknown, options?: RequestOptions): Promise<T | undefined>;
  patch<T>(path: string, body?: unknown, options?: RequestOptions): Promise<T | undefined>;
  delete(path: string, options?: RequestOptions): Promise<void>;
  /** Follows `@odata.nextLink` and returns every page's `value`, concatenated. */
  getAllPages<T>(path: string, options?: RequestOptions): Promise<T[]>;
}

// With the backoff below (1 s doubling, capped at 60 s, jittered in its upper half) 8 retries wait
// 1.5 to 3 minutes in all: Microsoft gives no figure for replication after a create, and public
// scripts wait 20-60 s (an undocumented figure), so this leaves a margin without hiding a real 404 for long.
const NOT_FOUND_RETRIES = 8;
const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export function createGraphClient(options: GraphClientOptions = {}): GraphClient {
  const baseUrl = (options.baseUrl ?? "https://graph.microsoft.com").replace(/\/+$/, "");
  const version = options.version ?? "v1.0";
  const sleep = options.sleep ?? defaultSleep;
  const retry = new RetryPolicy(options.retry, options.random ?? Math.random);
  const stats: GraphStats = { requests: 0, retries: 0 };
  const timeoutMs = options.timeoutMs ?? 120_000;
  // A sign-in waits no longer than a request: a token endpoint that never finishes its answer
  // held a run, and its lock, for ever.
  const getToken = tokenGetter({ timeoutMs, ...options }, baseUrl);

  const bearer = new BearerMiddleware(getToken, options.userAgent ?? "inbound", baseUrl);
  const retrying = new RetryMiddleware(retry, stats, sleep, timeoutMs);
  bearer.setNext(retrying);
  retrying.setNext(new FetchHandler(options.fetch));
  // The SDK's request builder, loaded on the first `request`, not with this module or this
  // client: the CLI's offline commands reach this file through the uploader's modules, and the
  // uploader, which only `send`s, never needs it (about 7 MB of a run's memory).
  let builder: { client: Client; raw: ResponseType } | undefined;
  const sdk = () => {
    if (!builder) {
      const { Client, ResponseType } =
        require("@microsoft/microsoft-graph-client") as typeof import("@microsoft/microsoft-graph-client");
      const client = Client.initWithMiddleware({
        baseUrl,
        defaultVersion: version,
        middleware: bearer,
      });
      builder = { client, raw: ResponseType.RAW };
    }
    return builder;
  };

  /** One call through the chain: retried by the middleware unless `once`. */
  async function call(
    method: HttpMethod,
    path: string,
    body: unknown,
    requestOptions: RequestOptions,
    once: boolean,
  ): Promise<{ response: Response; attempts: AttemptRecord; display: string }> {
    // An absolute URL (a nextLink, a URL from a caller) is checked here as well as in the bearer
    // middleware: the request builder would read an http:// URL as a path under the base.
    if (/^https?:\/\//i.test(path) && !mayCarryToken(path, baseUrl)) throw tokenRefusal(path);
    const target = resolvePath(baseUrl, version, path);
    const attempts = new AttemptRecord(once, requestOptions.timeoutMs);
    const headers: Record<string, string> = { ...requestOptions.headers };
    let payload: string | undefined;
    if (body !== undefined) {
      headers["Content-Type"] = requestOptions.contentType ?? "application/json";
      payload = typeof body === "string" ? body : JSON.stringify(body);
    }
    stats.requests++;
    try {
      let response: Response;
      if (once) {
        // One attempt needs nothing of the builder: the same chain (bearer, retry, fetch) is
        // entered directly, with the URL the builder would have made.
        const url = /^https?:\/\//i.test(target.path)
          ? target.path
          : `${baseUrl}/${target.version}${target.path}`;
        const context: Context = {
          request: url,
          options: { method, headers, body: payload },
          middlewareControl: {
            getMiddlewareOptions: (fn: unknown) => (fn === AttemptRecord ? attempts : undefined),
          } as unknown as Context["middlewareControl"],
        };
        await bearer.execute(context);
        response = context.response!;
      } else {
        const { client, raw } = sdk();
        let call = client.api(target.path).version(target.version).responseType(raw);
        for (const [name, value] of Object.entries(headers)) call = call.header(name, value);
        call = call.middlewareOptions([attempts]);
        response = (await sendVia(call, method, payload)) as Response;
      }
      return { response, attempts, display: target.display };
    } catch (error) {
      throw (
        connectionFailure(
          error,
          method,
          target.display,
          requestOptions.timeoutMs ?? timeoutMs,
          once ? 0 : retry.maxRetries,
        ) ?? error
      );
    }
  }

  async function request<T>(
    method: HttpMethod,
    path: string,
    body?: unknown,
    requestOptions: RequestOptions = {},
  ): Promise<T | undefined> {
    for (let notFound = 0; ; notFound++) {
      const { response, attempts, display } = await call(method, path, body, requestOptions, false);
      try {
        if (
          response.status === 404 &&
          requestOptions.retryNotFound &&
          notFound < NOT_FOUND_RETRIES
        ) {
          await response.body?.cancel();
        } else if (!response.ok) {
          const error = isRedirect(response.status)
            ? redirectError(method, display, response)
            : await errorFromResponse(method, display, response);
          error.unansweredAttempts = attempts.unanswered;
          throw error;
        } else {
          return await readBody<T>(response, method, display);
        }
      } finally {
        attempts.settle();
      }
      stats.retries++;
      await sleep(retry.backoff(notFound));
    }
  }

  async function send<T>(
    method: HttpMethod,
    path: string,
    body?: unknown,
    requestOptions: RequestOptions = {},
  ): Promise<GraphResponse<T>> {
    const { response, attempts, display } = await call(method, path, body, requestOptions, true);
    const { status, headers } = response;
    try {
      if (isRedirect(status)) {
        return { status, headers, error: redirectError(method, display, response) };
      }
      if (!response.ok) {
        return { status, headers, error: await errorFromResponse(method, display, response) };
      }
      const answer: GraphResponse<T> = { status, headers };
      // Graph's 202 acknowledges by its status, with a Location or a JSON (or no) body: one
      // whose body breaks off or does not parse must not look unanswered, and so be sent again.
      // Any other answer that is not Graph's (a proxy's 200 login page) acknowledges nothing.
      const type = headers.get("content-type");
      const acknowledged =
        status === 202 && (headers.has("location") || !type || /json/i.test(type));
      try {
        answer.body = await readBody<T>(response, method, display);
      } catch (error) {
        if (error instanceof NotGraphAnswer && !acknowledged) return { status, headers, error };
      }
      return answer;
    } finally {
      attempts.settle();
    }
  }

  return withVerbs({ baseUrl, version, stats, retry, request, send });
}

/**
 * A 2xx answer's body: Graph's JSON, or undefined when empty. Anything else (HTML from a proxy,
 * JSON that does not parse, a body past MAX_BODY_BYTES) is a NotGraphAnswer naming the request:
 * read as a success, a login page became `provisioning: {}` in an export.
 */
async function readBody<T>(
  response: Response,
  method: string,
  display: string,
): Promise<T | undefined> {
  const type = response.headers.get("content-type");
  const notGraph = (why: string) =>
    new NotGraphAnswer(
      method,
      display,
      response.status,
      why,
      response.headers.get("request-id") ?? undefined,
    );
  if (type && !/json/i.test(type)) {
    const text = await readText(response, 4096, true).catch(() => "");
    if (!text.trim()) return undefined;
    throw notGraph(`its body is ${type.split(";")[0].trim()}, not JSON: ${sample(text)}`);
  }
  let text: string;
  try {
    text = await readText(response);
  } catch (error) {
    if (error instanceof BodyTooLarge) throw notGraph(error.message);
    throw error;
  }
  if (!text) return undefined;
  try {
    return JSON.parse(text) as T;
  } catch (error) {
    throw notGraph(`its body is not valid JSON (${(error as Error).message}): ${sample(text)}`);
  }
}

const isRedirect = (status: number) => status >= 300 && status < 400;

/** Reads follow redirects within their Graph host (FetchHandler); any other is an error. */
function redirectError(method: string, display: string, response: Response): NotGraphAnswer {
  void response.body?.cancel().catch(() => undefined);
  const location = response.headers.get("location");
  const where = location ? `a redirect to ${location}` : "a redirect without a Location";
  const rule =
    method === "GET"
      ? "a read follows redirects only within its Graph host"
      : "a write never follows a redirect (it would be re-sent elsewhere, or as a GET)";
  return new NotGraphAnswer(method, display, response.status, `${where}; ${rule}`);
}

/**
 * The most pages one collection may have before paging stops with an error: 10,000 pages of
 * Graph's largest page size (999) is ten million objects, beyond any tenant's provisioning log or
 * directory this project reads, while an answer whose `@odata.nextLink` never ends stops here.
 */
export const MAX_PAGES = 10_000;

/**
 * The links of one paged read: a link that repeats an earlier page (a nextLink pointing at
 * itself made `logs` request 47,286 pages) or paging past MAX_PAGES is an error, and a page that
 * is not a collection is not Graph's answer. Used by every paging loop (getAllPages, export).
 */
export class PageTrail {
  private readonly seen = new Set<string>();
  constructor(private readonly first: string) {
    this.seen.add(first);
  }

  /** The page's items, checked to be a collection. */
  items<T>(page: unknown): T[] {
    if (page === undefined) return [];
    const value = (page as { value?: unknown } | null)?.value;
    if (
      typeof page !== "object" ||
      page === null ||
      (value !== undefined && !Array.isArray(value))
    ) {
      throw new Error(
        `Graph GET ${this.first}: page ${this.seen.size} is not a Graph collection (no "value" list)`,
      );
    }
    return (value ?? []) as T[];
  }

  /** The next page's link, or undefined at the last page. */
  next(page: unknown): string | undefined {
    const link = (page as { "@odata.nextLink"?: unknown } | undefined)?.["@odata.nextLink"];
    if (link === undefined || link === null) return undefined;
    if (typeof link !== "string" || link === "") {
      throw new Error(
        `Graph GET ${this.first}: page ${this.seen.size} has an @odata.nextLink that is not a URL`,
      );
    }
    if (this.seen.has(link)) {
      throw new Error(
        `Graph GET ${this.first}: page ${this.seen.size} links back to an earlier page (${link}); paging stopped`,
      );
    }
    if (this.seen.size >= MAX_PAGES) {
      throw new Error(`Graph GET ${this.first}: more than ${MAX_PAGES} pages; paging stopped`);
    }
    this.seen.add(link);
    return link;
  }
}

/**
 * A client from its `request`: the verbs and paging are the same for every client. A client
 * without a `send` of its own (the recording client) answers it from `request`: a success as
 * 200, a failure with its status and error.
 */
export function withVerbs(
  core: Pick<GraphClient, "baseUrl" | "version" | "stats" | "request"> &
    Partial<Pick<GraphClient, "retry" | "send">>,
): GraphClient {
  const { request } = core;
  const send =
    core.send ??
    (async <T>(method: HttpMethod, path: string, body?: unknown, options?: RequestOptions) => {
      try {
        const answer = await request<T>(method, path, body, options);
        return { status: 200, headers: new Headers(), body: answer } as GraphResponse<T>;
      } catch (error) {
        if (!(error instanceof GraphRequestError)) throw error;
        return { status: error.status, headers: new Headers(), error } as GraphResponse<T>;
      }
    });
  return {
    ...core,
    retry: core.retry ?? new RetryPolicy(),
    send,
    async get<T>(path: string, options?: RequestOptions) {
      return (await request<T>("GET", path, undefined, options)) as T;
    },
    post: (path, body, options) => request("POST", path, body, options),
    put: (path, body, options) => request("PUT", path, body, options),
    patch: (path, body, options) => request("PATCH", path, body, options),
    async delete(path, options) {
      await request("DELETE", path, undefined, options);
    },
    async getAllPages<T>(path: string, options?: RequestOptions) {
      const items: T[] = [];
      const trail = new PageTrail(path);
      let next: string | undefined = path;
      while (next) {
        const page: unknown = await request("GET", next, undefined, options);
        for (const item of trail.items<T>(page)) items.push(item);
        next = trail.next(page);
      }
      return items;
    },
  };
}

type Call = ReturnType<Client["api"]>;

function sendVia(call: Call, method: HttpMethod, payload: string | undefined): Promise<unknown> {
  switch (method) {
    case "GET":
      return call.get();
    case "POST":
      return call.post(payload);
    case "PUT":
      return call.put(payload);
    case "PATCH":
      return call.patch(payload);
    case "DELETE":
      return call.delete();
  }
}

/**
 * Splits a relative path or an absolute URL into what the library's request builder takes. The
 * builder treats only https URLs as absolute, so URLs under our own base (nextLinks from a local
 * emulator) are made relative again.
 */
export function resolvePath(
  baseUrl: string,
  version: GraphVersion,
  path: string,
): { version: string; path: string; display: string } {
  let rest = path;
  if (/^https?:\/\//i.test(path)) {
    if (!path.startsWith(baseUrl + "/")) return { version, path, display: path };
    rest = path.slice(baseUrl.length);
  }
  const match = /^\/(v1\.0|beta)(\/.*)$/.exec(rest);
  if (match) return { version: match[1], path: match[2], display: rest };
  const relative = rest.startsWith("/") ? rest : `/${rest}`;
  return { version, path: relative, display: `/${version}${relative}` };
}

/**
 * Every request passes here, whatever built it (a relative path, an absolute `@odata.nextLink`,
 * a URL a caller passed): the URL it is about to be sent to is checked before the token is
 * attached, and a request for any other host is refused unsent. Redirects need no check here:
 * FetchHandler follows a read's only within its origin, and never a write's.
 */
class BearerMiddleware implements Middleware {
  private next?: Middleware;
  constructor(
    private readonly getToken: () => Promise<string>,
    private readonly userAgent: string,
    private readonly baseUrl: string,
  ) {}
  setNext(next: Middleware) {
    this.next = next;
  }
  async execute(context: Context): Promise<void> {
    const url = typeof context.request === "string" ? context.request : context.request.url;
    if (!mayCarryToken(url, this.baseUrl)) {
      // A GraphClientError reaches the caller as it is; the library wraps any other error.
      const { GraphClientError } =
        require("@microsoft/microsoft-graph-client") as typeof import("@microsoft/microsoft-graph-client");
      throw new GraphClientError(tokenRefusal(url).message);
    }
    // A plain object rather than a Headers: this runs for every request, and a fast upload sends
    // twenty thousand; the garbage of a Headers each grew its peak memory measurably.
    const headers = plainHeaders(context.options?.headers);
    headers["Authorization"] = `Bearer ${await this.getToken()}`;
    headers["User-Agent"] = this.userAgent;
    context.options = { ...context.options, headers };
    await this.next!.execute(context);
  }
}

/** Request headers as a plain object, without the two the bearer middleware sets, in any case. */
function plainHeaders(given: RequestInit["headers"]): Record<string, string> {
  const entries: Iterable<[string, string]> =
    given === undefined
      ? []
      : Array.isArray(given)
        ? (given as [string, string][])
        : typeof (given as Headers).entries === "function"
          ? (given as Headers).entries()
          : Object.entries(given as Record<string, string>);
  const headers: Record<string, string> = {};
  for (const [name, value] of entries) {
    const lower = name.toLowerCase();
    if (lower !== "authorization" && lower !== "user-agent") headers[name] = value;
  }
  return headers;
}

class RetryMiddleware implements Middleware {
  private next?: Middleware;
  constructor(
    private readonly policy: RetryPolicy,
    private readonly stats: GraphStats,
    private readonly sleep: (ms: number) => Promise<void>,
    private readonly timeoutMs: number,
  ) {}
  setNext(next: Middleware) {
    this.next = next;
  }
  async execute(context: Context): Promise<void> {
    const record = context.middlewareControl?.getMiddlewareOptions(AttemptRecord) as
      AttemptRecord | undefined;
    for (let attempt = 0; ; attempt++) {
      let failure: unknown;
      // A fresh deadline per attempt (an aborted signal cannot be reused), which also covers
      // reading the answer's body: the caller ends it (`settle`) once the body is read.
      const ms = record?.timeoutMs ?? this.timeoutMs;
      const controller = new AbortController();
      const deadline = setTimeout(
        () => controller.abort(new DOMException(`no answer within ${ms} ms`, "TimeoutError")),
        ms,
      );
      deadline.unref();
      const signal = controller.signal;
      context.options = { ...context.options, signal };
      // Not an earlier attempt's answer: an attempt that gets none leaves it unset.
      context.response = undefined;
      try {
        await this.next!.execute(context);
      } catch (err) {
        if (!isConnectionError(err)) throw err;
        failure = err;
      }
      const response = context.response as Response | undefined;
      const status = failure === undefined ? response?.status : undefined;
      if (status === undefined || status === 500 || status === 502 || status === 504) {
        if (record) record.unanswered++;
      }
      if (record?.once || !this.policy.isTransient(status) || attempt >= this.policy.maxRetries) {
        if (failure) {
          clearTimeout(deadline);
          throw failure;
        }
        if (record) record.settle = () => clearTimeout(deadline);
        return;
      }
      clearTimeout(deadline);
      const delay = this.policy.delay(attempt, response?.headers.get("retry-after"));
      await response?.body?.cancel();
      this.stats.retries++;
      await this.sleep(delay);
    }
  }
}

/**
 * The end of the chain: sends the attempt with `fetch` (the global one unless a test injects an
 * in-process service).
 */
class FetchHandler implements Middleware {
  constructor(private readonly fetchImpl?: typeof fetch) {}
  async execute(context: Context): Promise<void> {
    const send = this.fetchImpl ?? fetch;
    // fetch's own redirect handling re-sent a 302'd POST as a GET, and a 307'd one, HR records
    // and all, to whichever origin the Location named. Redirects are answers here: a write never
    // follows one, a read only within its own origin (the token stays with it).
    const options: RequestInit = { ...context.options, redirect: "manual" };
    const method = (options.method ?? "GET").toUpperCase();
    let url = typeof context.request === "string" ? context.request : context.request.url;
    for (let hop = 0; ; hop++) {
      const response = await send(url, options);
      const location = response.headers.get("location");
      const target = location && isRedirect(response.status) ? safeUrl(location, url) : undefined;
      if (
        method !== "GET" ||
        !target ||
        target.origin !== new URL(url).origin ||
        hop >= MAX_REDIRECTS
      ) {
        context.response = response;
        return;
      }
      await response.body?.cancel().catch(() => undefined);
      url = target.href;
    }
  }
}

/** Redirects a read follows within its origin before the last one is an error. */
const MAX_REDIRECTS = 5;

function safeUrl(location: string, base: string): URL | undefined {
  try {
    return new URL(location, base);
  } catch {
    return undefined;
  }
}

/** A plain error for a request that never got an answer, or undefined for any other error. */
function connectionFailure(
  error: unknown,
  method: string,
  path: string,
  timeoutMs: number,
  retries: number,
): Error | undefined {
  if (typeof error !== "object" || error === null) return undefined;
  // The library wraps what fetch threw into a GraphError with statusCode -1: the original error's
  // name as its code and its text as its body, or, for an error from another realm (jest), only
  // the text.
  const { name, code, statusCode, message, body } = error as {
    name?: string;
    code?: string | null;
    statusCode?: number;
    message?: string;
    body?: unknown;
  };
  const thrown = /^(\w*Error): ?([^]*)$/.exec(String(body ?? ""));
  const kind = statusCode === -1 ? (code ?? thrown?.[1]) : name;
  if (!(kind === "TypeError" || isTimeout(kind ?? undefined)) && !isConnectionError(error)) {
    return undefined;
  }
  const why = isTimeout(kind ?? undefined)
    ? `no answer within ${timeoutMs / 1000} s`
    : `the connection failed (${message || thrown?.[2] || kind})`;
  const attempts = retries === 0 ? "1 attempt" : `${retries + 1} attempts`;
  return new Error(`Graph ${method} ${path} failed: ${why}, ${attempts}`, {
    cause: error,
  });
}

const isTimeout = (name: string | undefined) => name === "TimeoutError" || name === "AbortError";

function isConnectionError(err: unknown): boolean {
  // Node's fetch reports a reset or refused connection as TypeError("fetch failed") with the socket
  // error as its cause. Checked by shape: fetch's TypeError may come from another realm (jest).
  if (typeof err !== "object" || err === null) return false;
  const { name, cause } = err as { name?: string; cause?: { code?: string } };
  return (
    name === "TypeError" ||
    isTimeout(name) ||
    ["ECONNRESET", "ECONNREFUSED", "EPIPE", "ETIMEDOUT", "UND_ERR_SOCKET"].includes(
      cause?.code ?? "",
    )
  );
}

export { GraphRequestError };
