/**
 * A local HTTP server running the lifecycle emulator routes, and a minimal Graph client for it
 * with lib/graph's `request` signature. Used until the lifecycle routes are registered with the
 * shared Graph emulator; it checks the bearer token the same way.
 */
import * as http from "http";
import type { AddressInfo } from "net";
import {
  createLifecycleState,
  handleLifecycle,
  type LifecycleState,
} from "../graph-emulator/routes/lifecycle";
import type { GraphLike } from "../../lib/lifecycle/graphApi";

export const TOKEN = "test-token";

export interface RecordedRequest {
  method: string;
  path: string;
  body: unknown;
  prefer: string | undefined;
}

export interface LifecycleServer {
  url: string;
  state: LifecycleState;
  requests: RecordedRequest[];
  close(): Promise<void>;
}

export async function startLifecycleServer(): Promise<LifecycleServer> {
  const state = createLifecycleState();
  const requests: RecordedRequest[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const url = new URL(req.url ?? "/", "http://127.0.0.1");
      const send = (status: number, body?: unknown) => {
        res.writeHead(status, body === undefined ? {} : { "content-type": "application/json" });
        res.end(body === undefined ? undefined : JSON.stringify(body));
      };
      if (req.headers.authorization !== `Bearer ${TOKEN}`) {
        return send(401, { error: { code: "InvalidAuthenticationToken", message: "no token" } });
      }
      const text = Buffer.concat(chunks).toString("utf8");
      const body = text ? JSON.parse(text) : undefined;
      const path = url.pathname.replace(/^\/(v1\.0|beta)/, "");
      requests.push({
        method: req.method ?? "GET",
        path,
        body,
        prefer: String(req.headers.prefer ?? "") || undefined,
      });
      const answer = handleLifecycle(state, {
        method: req.method ?? "GET",
        path,
        query: url.searchParams,
        headers: req.headers,
        body,
      });
      if (!answer) return send(404, { error: { code: "NotFound", message: path } });
      send(answer.status, answer.body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    state,
    requests,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

export class TestGraphError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** A fetch-based client with lib/graph's request signature (no retries: the tests want every call). */
export function testClient(inputs: { graphBaseUrl: string; graphVersion?: string }): GraphLike {
  return {
    async request<T>(
      method: string,
      path: string,
      body?: unknown,
      options?: { headers?: Record<string, string> },
    ) {
      const response = await fetch(
        `${inputs.graphBaseUrl}/${inputs.graphVersion ?? "v1.0"}${path}`,
        {
          method,
          headers: {
            authorization: `Bearer ${TOKEN}`,
            ...(body === undefined ? {} : { "content-type": "application/json" }),
            ...options?.headers,
          },
          body: body === undefined ? undefined : JSON.stringify(body),
        },
      );
      const text = await response.text();
      const json = text ? JSON.parse(text) : undefined;
      if (!response.ok) {
        throw new TestGraphError(
          response.status,
          json?.error?.code ?? "",
          json?.error?.message ?? text,
        );
      }
      return json as T;
    },
  };
}
