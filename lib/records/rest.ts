/**
 * Reads an HR REST API (`uploader.rest`) whole, every page, into a JSON Lines file that the
 * uploader then reads like any JSON file (source.ts). Whole first, because a partial read is never
 * the population: records missing from it would look like leavers. So any fault (an error status,
 * a timeout after the retries, a page that is not JSON such as a sign-in page, a `next` that
 * loops, a redirect to another host) throws a `RestReadError` naming the host and the page, and
 * the caller sends nothing.
 *
 * Pages are asked for with GET, or with POST and a JSON read query (`method`, `body`: an API whose
 * bulk read is a search). Each request has a timeout and the retry policy of the project's Graph
 * client (lib/graph/retry.ts: 429 and 5xx other than 501 retried with backoff, `Retry-After`
 * honoured). Secrets come from the environment only and never appear in a message: errors name
 * the variable, not its value.
 */
import { createHash } from "crypto";
import { promises as fs } from "fs";
import { tmpdir } from "os";
import * as path from "path";
import { RetryPolicy } from "../graph/retry";
import type { Uploader } from "../model/schema";
import { RecordFileError } from "./fault";
import { resolvePointer } from "./json";

export type RestSettings = NonNullable<Uploader["rest"]>;

export interface RestAccess {
  /** Where the secrets are (process.env, or the Function's app settings). */
  env: Record<string, string | undefined>;
  /** Default the global fetch; tests pass their own. */
  fetch?: typeof fetch;
  /** Default the Graph client's policy. */
  retry?: RetryPolicy;
  sleep?: (ms: number) => Promise<void>;
  /** Where the read is kept until the run ends; default the system's temporary directory. */
  dir?: string;
}

/** A read that cannot be the population: nothing may be sent. */
export class RestReadError extends RecordFileError {
  constructor(
    readonly host: string,
    readonly page: number,
    reason: string,
  ) {
    super(page, reason, `${host}: page ${page}: ${reason}`);
    this.name = "RestReadError";
  }
}

export interface RestRead {
  /** JSON Lines, one record a line, in the order read. */
  file: string;
  pages: number;
  records: number;
  /** Deletes the file: it holds HR personal data. */
  remove(): Promise<void>;
}

/** A page bigger than this is not a page of HR records. */
const MAX_PAGE_BYTES = 64 * 1024 * 1024;
/** Redirects followed within the API's host. */
const MAX_REDIRECTS = 5;

export async function readRest(settings: RestSettings, access: RestAccess): Promise<RestRead> {
  const first = new URL(settings.url);
  const host = first.host;
  const fail = (page: number, reason: string) => new RestReadError(host, page, reason);
  const dir = await fs.mkdtemp(path.join(access.dir ?? tmpdir(), "inbound-hr-"));
  const file = path.join(dir, "records.jsonl");
  const remove = () => fs.rm(dir, { recursive: true, force: true });
  try {
    const handle = await fs.open(file, "wx", 0o600);
    let pages = 0;
    let records = 0;
    try {
      const http = new Http(settings, access);
      const headers = await http.authHeaders(fail);
      const seen = new Map<string, number>();
      let previousDigest: string | undefined;
      let url: URL | undefined = pagedUrl(settings, first, 0);
      for (let page = 1; url; page++) {
        if (page > settings.maxPages) {
          throw fail(page, `more than maxPages (${settings.maxPages}) pages: check the paging`);
        }
        const key = url.toString();
        const before = seen.get(key);
        if (before !== undefined) {
          throw fail(page, `the next link leads back to page ${before}: the paging loops`);
        }
        seen.set(key, page);
        const body = await http.page(url, headers, page, fail);
        const list = resolvePointer(body, settings.records);
        if (!Array.isArray(list)) {
          throw fail(
            page,
            `no array of records at ${JSON.stringify(settings.records)} (uploader.rest.records)`,
          );
        }
        pages = page;
        if (list.length > 0) {
          // A page that repeats the last one is a paging that ignores its parameter.
          const text = list.map((r) => JSON.stringify(r)).join("\n") + "\n";
          const digest = hash(text);
          if (digest === previousDigest) {
            throw fail(page, `the page repeats page ${page - 1}: the paging loops`);
          }
          previousDigest = digest;
          await handle.write(text);
          records += list.length;
        }
        url = nextUrl(settings, url, body, list.length, page, first, fail);
      }
    } finally {
      await handle.close();
    }
    return { file, pages, records, remove };
  } catch (err) {
    await remove();
    throw err;
  }
}

function hash(text: string): string {
  return createHash("sha256").update(text).digest("base64");
}

/** The URL of the page at `index` (0-based) for numbered or offset paging; `base` otherwise. */
function pagedUrl(settings: RestSettings, base: URL, index: number): URL {
  const paging = settings.paging;
  if (!paging || "next" in paging) return base;
  const url = new URL(base);
  if ("pageParam" in paging) {
    url.searchParams.set(paging.pageParam, String(paging.firstPage + index));
    if (paging.sizeParam) url.searchParams.set(paging.sizeParam, String(paging.size));
  } else {
    url.searchParams.set(paging.offsetParam, String(index * paging.limit));
    url.searchParams.set(paging.limitParam, String(paging.limit));
  }
  return url;
}

function nextUrl(
  settings: RestSettings,
  current: URL,
  body: unknown,
  count: number,
  page: number,
  first: URL,
  fail: (page: number, reason: string) => RestReadError,
): URL | undefined {
  const paging = settings.paging;
  if (!paging) return undefined;
  if ("next" in paging) {
    const link = resolvePointer(body, paging.next);
    if (link === undefined || link === null || link === "") return undefined;
    if (typeof link !== "string") {
      throw fail(page, `the next link at ${paging.next} is not a URL`);
    }
    let next: URL;
    try {
      next = new URL(link, current);
    } catch {
      throw fail(page, `the next link at ${paging.next} is not a URL`);
    }
    if (next.host !== first.host || next.protocol !== first.protocol) {
      throw fail(
        page,
        `the next link leads to another host (${next.host}); the HR token goes only to ${first.host}`,
      );
    }
    return next;
  }
  const size = "pageParam" in paging ? paging.size : paging.limit;
  return count < size ? undefined : pagedUrl(settings, first, page);
}

/** Page requests (GET, or POST with a read query): timeout, retry, same-host redirects; sign-in. */
class Http {
  private readonly fetch: typeof fetch;
  private readonly retry: RetryPolicy;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(
    private readonly settings: RestSettings,
    private readonly access: RestAccess,
  ) {
    this.fetch = access.fetch ?? fetch;
    this.retry = access.retry ?? new RetryPolicy();
    this.sleep = access.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms)));
  }

  private secret(name: string, page: number, fail: (p: number, r: string) => RestReadError) {
    const value = this.access.env[name];
    if (!value)
      throw fail(page, `the environment variable ${name} (uploader.rest.auth) is not set`);
    return value;
  }

  async authHeaders(fail: (p: number, r: string) => RestReadError): Promise<Headers> {
    const headers = new Headers({ accept: "application/json", ...this.settings.headers });
    const auth = this.settings.auth;
    if ("bearerEnv" in auth) {
      headers.set("authorization", `Bearer ${this.secret(auth.bearerEnv, 1, fail)}`);
    } else if ("apiKey" in auth) {
      const key = this.secret(auth.apiKey.env, 1, fail);
      headers.set(auth.apiKey.header, `${auth.apiKey.prefix ?? ""}${key}`);
    } else {
      const { tokenUrl, clientId, clientSecretEnv, scope } = auth.oauth2;
      const form = new URLSearchParams({
        grant_type: "client_credentials",
        client_id: clientId,
        client_secret: this.secret(clientSecretEnv, 1, fail),
      });
      if (scope) form.set("scope", scope);
      const tokenHost = new URL(tokenUrl).host;
      const tokenFail = (_: number, reason: string) =>
        new RestReadError(tokenHost, 1, `the token request: ${reason}`);
      const answer = await this.request(
        new URL(tokenUrl),
        {
          method: "POST",
          headers: {
            "content-type": "application/x-www-form-urlencoded",
            accept: "application/json",
          },
          body: form.toString(),
        },
        1,
        tokenFail,
      );
      const token = (answer as { access_token?: unknown }).access_token;
      if (typeof token !== "string" || token === "") {
        throw tokenFail(1, "the answer has no access_token");
      }
      headers.set("authorization", `Bearer ${token}`);
    }
    return headers;
  }

  page(
    url: URL,
    headers: Headers,
    page: number,
    fail: (p: number, r: string) => RestReadError,
  ): Promise<unknown> {
    if (this.settings.method === "GET")
      return this.request(url, { method: "GET", headers }, page, fail);
    const withBody = new Headers(headers);
    if (!withBody.has("content-type")) withBody.set("content-type", "application/json");
    const body = JSON.stringify(this.settings.body ?? {});
    return this.request(url, { method: "POST", headers: withBody, body }, page, fail);
  }

  /** One call, retried as the Graph client retries; its answer as JSON. */
  private async request(
    url: URL,
    init: RequestInit,
    page: number,
    fail: (p: number, r: string) => RestReadError,
  ): Promise<unknown> {
    const timeoutMs = this.settings.timeoutSeconds * 1000;
    for (let attempt = 0; ; attempt++) {
      let response: Response | undefined;
      let problem: string;
      try {
        response = await this.follow(url, init, timeoutMs, page, fail);
        if (response.ok) return await this.json(response, page, fail);
        problem = statusProblem(response.status);
      } catch (err) {
        if (err instanceof RestReadError) throw err;
        problem = noAnswer(err, timeoutMs);
      }
      const status = response?.status;
      if (!this.retry.isTransient(status) || attempt >= this.retry.maxRetries) {
        const tries = attempt > 0 ? ` (after ${attempt + 1} attempts)` : "";
        throw fail(page, `${problem}${tries}`);
      }
      await response?.body?.cancel().catch(() => undefined);
      await this.sleep(this.retry.delay(attempt, response?.headers.get("retry-after")));
    }
  }

  /** fetch without following a redirect to another host (the token must not go there). */
  private async follow(
    url: URL,
    init: RequestInit,
    timeoutMs: number,
    page: number,
    fail: (p: number, r: string) => RestReadError,
  ): Promise<Response> {
    let target = url;
    let request = init;
    for (let hop = 0; ; hop++) {
      const response = await this.fetch(target, {
        ...request,
        redirect: "manual",
        signal: AbortSignal.timeout(timeoutMs),
      });
      if (response.status < 300 || response.status >= 400 || response.status === 304) {
        return response;
      }
      await response.body?.cancel().catch(() => undefined);
      const location = response.headers.get("location");
      const next = location ? new URL(location, target) : undefined;
      if (!next || next.host !== url.host || next.protocol !== url.protocol) {
        throw fail(
          page,
          `answered ${response.status}, a redirect to ${next ? next.host : "nowhere"}; redirects to another host are not followed (a sign-in page?)`,
        );
      }
      if (hop >= MAX_REDIRECTS) throw fail(page, `more than ${MAX_REDIRECTS} redirects`);
      target = next;
      // As the Fetch standard's HTTP-redirect fetch: 307 and 308 repeat the request with its
      // body; 303, and 301 or 302 after a POST, continue as a GET without one.
      if (
        response.status === 303 ||
        ((response.status === 301 || response.status === 302) && request.method === "POST")
      ) {
        const headers = new Headers(request.headers);
        headers.delete("content-type");
        request = { method: "GET", headers };
      }
    }
  }

  private async json(
    response: Response,
    page: number,
    fail: (p: number, r: string) => RestReadError,
  ): Promise<unknown> {
    const length = Number(response.headers.get("content-length") ?? 0);
    if (length > MAX_PAGE_BYTES) {
      await response.body?.cancel().catch(() => undefined);
      throw fail(page, `the page is ${length} bytes, more than ${MAX_PAGE_BYTES}`);
    }
    const text = await response.text();
    if (text.length > MAX_PAGE_BYTES)
      throw fail(page, `the page is more than ${MAX_PAGE_BYTES} bytes`);
    try {
      return JSON.parse(text.replace(/^\uFEFF/, ""));
    } catch {
      const type = response.headers.get("content-type") ?? "no content type";
      const start = text.trimStart()[0];
      const looks = start === "<" ? ": HTML, a sign-in or error page?" : "";
      throw fail(page, `the answer is not JSON (${type.split(";")[0]}${looks})`);
    }
  }
}

function statusProblem(status: number): string {
  if (status === 401) return "answered 401: the credentials (uploader.rest.auth) are refused";
  if (status === 403) return "answered 403: the credentials may not read these records";
  return `answered ${status}`;
}

/** Why no answer came, without the request (its URL may carry a key in a query). */
function noAnswer(err: unknown, timeoutMs: number): string {
  const e = err as { name?: string; cause?: { code?: string } };
  if (e?.name === "TimeoutError" || e?.name === "AbortError") {
    return `no answer within ${timeoutMs / 1000} s`;
  }
  return `no answer (${e?.cause?.code ?? e?.name ?? "connection failed"})`;
}
