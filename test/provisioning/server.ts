/**
 * A local HTTP server running the provisioning emulator routes, with scripted faults (429 storms,
 * 503s), until the routes are registered with the shared Graph emulator. It checks the bearer
 * token the way Graph does.
 */
import * as http from "http";
import type { AddressInfo } from "net";
import {
  createProvisioningState,
  handleProvisioning,
  type ProvisioningState,
} from "../graph-emulator/routes/provisioning";

export const TOKEN = "provisioning-test-token";

export interface Fault {
  method: string;
  /** Matches when the request path ends with this. */
  pathEndsWith: string;
  status: number;
  /** How many matching requests fail. */
  times: number;
  retryAfter?: string;
}

export interface RecordedRequest {
  method: string;
  path: string;
  status: number;
  body: unknown;
}

export interface ProvisioningServer {
  url: string;
  state: ProvisioningState;
  faults: Fault[];
  requests: RecordedRequest[];
  close(): Promise<void>;
}

export async function startProvisioningServer(): Promise<ProvisioningServer> {
  const state = createProvisioningState();
  const faults: Fault[] = [];
  const requests: RecordedRequest[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const url = new URL(req.url ?? "/", "http://127.0.0.1");
      const method = req.method ?? "GET";
      const path = url.pathname.replace(/^\/(v1\.0|beta)/, "");
      const text = Buffer.concat(chunks).toString("utf8");
      const body = text ? JSON.parse(text) : undefined;
      const send = (status: number, payload?: unknown, headers: Record<string, string> = {}) => {
        requests.push({ method, path, status, body });
        res.writeHead(status, {
          ...headers,
          ...(payload === undefined ? {} : { "content-type": "application/json" }),
        });
        res.end(payload === undefined ? undefined : JSON.stringify(payload));
      };
      if (req.headers.authorization !== `Bearer ${TOKEN}`) {
        return send(401, { error: { code: "InvalidAuthenticationToken", message: "no token" } });
      }
      const fault = faults.find(
        (f) => f.times > 0 && f.method === method && path.endsWith(f.pathEndsWith),
      );
      if (fault) {
        fault.times -= 1;
        return send(
          fault.status,
          { error: { code: fault.status === 429 ? "TooManyRequests" : "ServiceUnavailable" } },
          fault.retryAfter === undefined ? {} : { "retry-after": fault.retryAfter },
        );
      }
      const answer = handleProvisioning(state, {
        method,
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
    faults,
    requests,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
