/**
 * A local Microsoft Graph emulator for tests and `inbound sandbox`: HTTP on 127.0.0.1, a bearer
 * token required, the status codes and rules of the real API for the calls this project makes,
 * fault injection, and every request recorded for exact assertions.
 *
 * Areas are route modules (routes/*.ts), each a pure `(state, request) => response | undefined`;
 * this file adds what cuts across them: authentication, faults, rate limits, recording.
 * processing.ts is the provisioning service behind /bulkUpload (users and provisioning logs).
 */
import * as http from "http";
import type { AddressInfo } from "net";
import { randomUUID } from "crypto";
import { createLifecycleState, handleLifecycle, LifecycleState } from "./routes/lifecycle";
import {
  addServicePrincipal,
  createProvisioningState,
  handleProvisioning,
  ProvisioningState,
} from "./routes/provisioning";
import {
  createDirectoryState,
  DirectoryState,
  handleDirectory,
  type EmulatedOrganization,
} from "./routes/directory";
import { processBulkRequest } from "./processing";
import { paged } from "./paging";

export interface EmulatorRequest {
  method: string;
  /** Path after the version segment, without the query: `/servicePrincipals/...`. */
  path: string;
  query: URLSearchParams;
  headers: Record<string, string | string[] | undefined>;
  body: unknown;
}

export interface EmulatorResponse {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export interface RecordedRequest {
  method: string;
  /** As sent, with the version segment: `/v1.0/servicePrincipals/...`. */
  path: string;
  query: string;
  headers: Record<string, string | string[] | undefined>;
  /**
   * The body as sent; undefined for a request the emulator refused itself (no token, too large, a
   * 4xx of its own), whose body is read to its end and dropped.
   */
  body: unknown;
  status: number;
  /** Milliseconds since the emulator started. */
  at: number;
  /** Why the request failed when the emulator made it fail: an injected fault or a rate limit. */
  fault?: "injected" | "rateLimit";
}

export interface Fault {
  method?: string;
  path?: RegExp;
  /** The error to answer with; without one (and with `delayMs`) the request is served normally. */
  status?: 429 | 500 | 503 | 400 | 401 | 404 | 403;
  times: number;
  retryAfterSeconds?: number;
  /** Destroy the socket instead of answering (a dropped connection). */
  reset?: boolean;
  /** Answer this much later (a slow or stalled service); the request is processed at once. */
  delayMs?: number;
  /**
   * Process the request, then drop the connection instead of answering: Graph acted, and the
   * caller cannot know it (a timeout or reset after a create).
   */
  lostAnswer?: boolean;
}

export interface RandomFaults {
  rate429?: number;
  rate503?: number;
  rateReset?: number;
  retryAfterSeconds?: number;
  /** Only requests whose path matches are affected. */
  path?: RegExp;
  seed?: number;
}

export interface FaultInjector {
  add(fault: Fault): void;
  random(faults: RandomFaults): void;
  clear(): void;
}

export interface EmulatorOptions {
  token?: string;
  /** Port on 127.0.0.1; 0 (the default) takes any free one, which `url` then names. */
  port?: number;
  /** 404s a new service principal answers after instantiate (replication delay). */
  replicationDelayGets?: number;
  /** bulkUpload throttling: at most `requests` per `windowMs` (the API's is 40 per 5 s). */
  bulkRate?: { requests: number; windowMs: number };
  /** The tenant `GET /organization` describes; Contoso (contoso.com) by default. */
  organization?: EmulatedOrganization;
  /** Drop `callbackConfiguration.authorizedApps` from extension writes (a tenant ignoring it). */
  dropAuthorizedApps?: boolean;
  /**
   * The largest request body read; a larger one is answered 413 without being kept. The
   * emulator's own bound (a bulkUpload holds at most 50 operations), not a documented Graph limit.
   */
  maxBodyBytes?: number;
  /** Keep the log of requests (`requests`); the sandbox, which never reads it, keeps none. */
  record?: boolean;
}

export const MAX_REQUEST_BODY_BYTES = 16 * 1024 * 1024;

export interface EmulatorState {
  directory: DirectoryState;
  provisioning: ProvisioningState;
  lifecycle: LifecycleState;
}

export interface GraphEmulator {
  url: string;
  token: string;
  state: EmulatorState;
  faults: FaultInjector;
  requests: RecordedRequest[];
  close(): Promise<void>;
}

const SCHEMA_KEYS = new Set([
  "@odata.context",
  "id",
  "version",
  "directories",
  "synchronizationRules",
]);

export async function startGraphEmulator(options: EmulatorOptions = {}): Promise<GraphEmulator> {
  const token = options.token ?? `emulator-${randomUUID()}`;
  const state: EmulatorState = {
    directory: createDirectoryState(options.organization),
    provisioning: createProvisioningState(),
    lifecycle: createLifecycleState(),
  };
  state.lifecycle.dropsAuthorizedApps = options.dropAuthorizedApps ?? false;
  state.directory.onInstantiate = (servicePrincipalId, templateId) =>
    addServicePrincipal(state.provisioning, servicePrincipalId, {
      templateIds: [templateId],
      notReplicatedFor: options.replicationDelayGets ?? 0,
    });
  const requests: RecordedRequest[] = [];
  const started = Date.now();
  const explicit: Fault[] = [];
  let randomFaults: (RandomFaults & { next: () => number }) | undefined;
  const bulkTimes: number[] = [];
  const sockets = new Set<import("net").Socket>();

  const maxBodyBytes = options.maxBodyBytes ?? MAX_REQUEST_BODY_BYTES;
  const server = http.createServer((req, res) => {
    // A request without the token, or past the size bound, is refused before its body is kept:
    // it is read to its end (so that the client gets the answer) and dropped, so that a sandbox
    // sent large refused requests does not grow by each one.
    const authorized = req.headers.authorization === `Bearer ${token}`;
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (c: Buffer) => {
      size += c.length;
      if (!authorized || size > maxBodyBytes) chunks.length = 0;
      else chunks.push(c);
    });
    req.on("end", () => {
      const url = new URL(req.url ?? "/", "http://127.0.0.1");
      const method = req.method ?? "GET";
      const versioned = /^\/(v1\.0|beta)(\/.*)$/.exec(url.pathname);
      const text = Buffer.concat(chunks).toString("utf8");
      chunks.length = 0;
      let body: unknown;
      try {
        body = text ? JSON.parse(text) : undefined;
      } catch {
        body = text;
      }
      const record = (status: number, fault?: RecordedRequest["fault"]) => {
        if (options.record === false) return;
        // What the emulator refused itself is not kept; a fault a test injected keeps its body,
        // which the retry that follows is compared with.
        const kept = status < 400 || fault !== undefined;
        requests.push({
          method,
          path: url.pathname,
          query: url.search,
          headers: req.headers,
          body: kept ? body : undefined,
          status,
          at: Date.now() - started,
          ...(fault ? { fault } : {}),
        });
      };
      let failedBy: RecordedRequest["fault"];
      let delayMs = 0;
      let loseAnswer = false;
      const send = (answer: EmulatorResponse) => {
        if (loseAnswer) {
          record(answer.status, "injected");
          return req.socket.destroy();
        }
        const write = () => {
          record(answer.status, failedBy);
          const headers: Record<string, string> = {
            "request-id": randomUUID(),
            ...answer.headers,
          };
          if (answer.body !== undefined) headers["content-type"] = "application/json";
          res.writeHead(answer.status, headers);
          res.end(answer.body === undefined ? undefined : JSON.stringify(answer.body));
        };
        if (delayMs > 0) setTimeout(write, delayMs).unref();
        else write();
      };
      const fail = (
        status: number,
        code: string,
        message: string,
        headers?: Record<string, string>,
      ) => send({ status, body: { error: { code, message } }, headers });

      if (!authorized) {
        return fail(401, "InvalidAuthenticationToken", "Access token is empty or invalid.");
      }
      if (size > maxBodyBytes) {
        return fail(
          413,
          "RequestEntityTooLarge",
          `The request body is over ${maxBodyBytes} bytes.`,
        );
      }
      if (!versioned) return fail(400, "BadRequest", `Invalid version in ${url.pathname}`);
      const path = versioned[2];

      const fault = explicit.find(
        (f) => f.times > 0 && (!f.method || f.method === method) && (!f.path || f.path.test(path)),
      );
      const roll =
        randomFaults && (!randomFaults.path || randomFaults.path.test(path))
          ? randomFaults.next()
          : 1;
      if (fault) fault.times -= 1;
      if (fault?.reset || (randomFaults && roll < (randomFaults.rateReset ?? 0))) {
        record(0, "injected");
        return req.socket.destroy();
      }
      delayMs = fault?.delayMs ?? 0;
      loseAnswer = fault?.lostAnswer ?? false;
      if (fault?.status || (randomFaults && roll < faultShare(randomFaults))) failedBy = "injected";
      if (fault?.status) {
        return fail(
          fault.status,
          FAULT_CODES[fault.status],
          fault.status === 403
            ? "Insufficient privileges to complete the operation."
            : "injected fault",
          fault.retryAfterSeconds === undefined
            ? undefined
            : { "retry-after": String(fault.retryAfterSeconds) },
        );
      }
      if (randomFaults) {
        const r429 = randomFaults.rate429 ?? 0;
        const after = String(randomFaults.retryAfterSeconds ?? 1);
        if (roll >= (randomFaults.rateReset ?? 0) && roll < (randomFaults.rateReset ?? 0) + r429) {
          return fail(429, "TooManyRequests", "injected fault", { "retry-after": after });
        }
        const r503 = randomFaults.rate503 ?? 0;
        if (
          roll >= (randomFaults.rateReset ?? 0) + r429 &&
          roll < (randomFaults.rateReset ?? 0) + r429 + r503
        ) {
          return fail(503, "ServiceUnavailable", "injected fault");
        }
      }

      const request: EmulatorRequest = {
        method,
        path,
        query: url.searchParams,
        headers: req.headers,
        body,
      };
      if (/\/synchronization\/jobs\/[^/]+\/bulkUpload$/.test(path)) {
        const answer = bulkUpload(request, options.bulkRate, bulkTimes, state);
        if (answer.status === 429) failedBy = "rateLimit";
        return send(answer);
      }
      if (/\/synchronization\/jobs\/[^/]+\/schema$/.test(path)) {
        if (method === "PATCH")
          return fail(
            405,
            "MethodNotAllowed",
            "PATCH is not supported on a synchronization schema; PUT the whole schema",
          );
        if (method === "PUT" && body && typeof body === "object") {
          const unknown = Object.keys(body).filter((k) => !SCHEMA_KEYS.has(k));
          if (unknown.length)
            return fail(
              400,
              "BadRequest",
              `Invalid property '${unknown[0]}' on synchronizationSchema`,
            );
        }
      }
      const answer =
        handleDirectory(state.directory, request) ??
        handleProvisioning(state.provisioning, request) ??
        handleLifecycle(state.lifecycle, request) ??
        auditLogs(request, state);
      if (!answer) return fail(404, "NotFound", `Resource not found for the segment '${path}'.`);
      send(answer);
    });
  });
  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  // A port in use (EADDRINUSE) rejects here rather than crashing the process from an event.
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, "127.0.0.1", () => {
      server.off("error", reject);
      resolve();
    });
  });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    url,
    token,
    state,
    requests,
    faults: {
      add: (fault) => explicit.push({ ...fault }),
      random: (faults) => (randomFaults = { ...faults, next: seeded(faults.seed ?? 1) }),
      clear: () => {
        explicit.length = 0;
        randomFaults = undefined;
      },
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/** Graph's error code for each status a fault may answer with. */
const FAULT_CODES: Record<NonNullable<Fault["status"]>, string> = {
  400: "BadRequest",
  401: "InvalidAuthenticationToken",
  403: "Authorization_RequestDenied",
  404: "Request_ResourceNotFound",
  429: "TooManyRequests",
  500: "ServiceUnavailable",
  503: "ServiceUnavailable",
};

/** The share of requests that random faults fail (resets, 429s and 503s). */
function faultShare(faults: RandomFaults): number {
  return (faults.rateReset ?? 0) + (faults.rate429 ?? 0) + (faults.rate503 ?? 0);
}

/** Deterministic pseudo-random numbers in [0, 1) (mulberry32), so fault patterns repeat. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * POST .../jobs/{id}/bulkUpload: SCIM BulkRequest with at most 50 operations, content type
 * application/scim+json, 202 with no body; throttled per the API's published limit when asked.
 */
function bulkUpload(
  request: EmulatorRequest,
  rate: EmulatorOptions["bulkRate"],
  times: number[],
  state: EmulatorState,
): EmulatorResponse {
  const scim = (status: number, detail: string): EmulatorResponse => ({
    status,
    body: {
      schemas: ["urn:ietf:params:scim:api:messages:2.0:Error"],
      status: String(status),
      detail,
    },
  });
  if (request.method !== "POST") return scim(405, "bulkUpload accepts POST only");
  if (rate) {
    const now = Date.now();
    while (times.length && times[0] <= now - rate.windowMs) times.shift();
    if (times.length >= rate.requests) {
      const wait = Math.ceil((times[0] + rate.windowMs - now) / 1000);
      return {
        ...scim(429, "Too many requests"),
        headers: { "retry-after": String(Math.max(1, wait)) },
      };
    }
    times.push(now);
  }
  const contentType = String(request.headers["content-type"] ?? "");
  if (!contentType.startsWith("application/scim+json")) {
    return scim(415, `Content-Type must be application/scim+json, got ${contentType || "none"}`);
  }
  const body = request.body as { schemas?: string[]; Operations?: unknown[] } | undefined;
  if (!body?.schemas?.includes("urn:ietf:params:scim:api:messages:2.0:BulkRequest")) {
    return scim(400, "schemas must list urn:ietf:params:scim:api:messages:2.0:BulkRequest");
  }
  if (!Array.isArray(body.Operations) || body.Operations.length === 0)
    return scim(400, "Operations is empty");
  if (body.Operations.length > 50)
    return scim(413, `${body.Operations.length} operations; the maximum is 50`);
  state.directory.bulkUploads.push({ path: request.path, body });
  processBulkRequest(state, request.path, body);
  return { status: 202 };
}

/** GET /auditLogs/provisioning, filtered by job id, paged. */
function auditLogs(request: EmulatorRequest, state: EmulatorState): EmulatorResponse | undefined {
  if (request.path !== "/auditLogs/provisioning") return undefined;
  if (request.method !== "GET")
    return { status: 405, body: { error: { code: "MethodNotAllowed", message: request.method } } };
  const filter = request.query.get("$filter") ?? "";
  const jobId = /jobId eq '([^']+)'/.exec(filter)?.[1];
  const since = /activityDateTime ge ([0-9TZ:.-]+)/.exec(filter)?.[1];
  const entries = state.directory.provisioningLogs.filter(
    (e) => (!jobId || e.jobId === jobId) && (!since || String(e.activityDateTime) >= since),
  );
  return paged(request, entries, state.directory.pageSize);
}
