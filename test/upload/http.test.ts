/**
 * The real transport against a local bulkUpload endpoint (the Graph emulator has no bulkUpload
 * route): headers, a 429 storm with Retry-After, a 503, and a 400 with Graph's error body.
 */
import { createServer, IncomingMessage, Server, ServerResponse } from "http";
import { AddressInfo } from "net";
import { fetchTransport } from "../../lib/upload/bulk";
import { executePlan, planUpload } from "../../lib/upload/engine";
import { MemoryStateStore } from "../../lib/upload/state";
import { csvOf, csvSource, FakeClock, makeApp, row } from "./helpers";

interface Seen {
  contentType?: string;
  authorization?: string;
  ids: string[];
  status: number;
}

let server: Server;
let url: string;
let seen: Seen[];
let script: (
  n: number,
) => { status: number; headers?: Record<string, string>; body?: string } | undefined = () =>
  undefined;

beforeAll(async () => {
  server = createServer((req: IncomingMessage, res: ServerResponse) => {
    let text = "";
    req.on("data", (c) => (text += c));
    req.on("end", () => {
      const n = seen.length + 1;
      const planned = req.headers.authorization !== "Bearer t0ken" ? { status: 401 } : script(n);
      const status = planned?.status ?? 202;
      const ids = JSON.parse(text).Operations.map(
        (o: { data: { externalId: string } }) => o.data.externalId,
      );
      seen.push({
        contentType: req.headers["content-type"],
        authorization: req.headers.authorization,
        ids,
        status,
      });
      res.writeHead(status, { "request-id": `req-${n}`, ...(planned?.headers ?? {}) });
      res.end(planned?.body ?? "");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  url = `http://127.0.0.1:${port}/v1.0/servicePrincipals/sp-1/synchronization/jobs/API2AAD.abc.def/bulkUpload`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
beforeEach(() => {
  seen = [];
  script = () => undefined;
});

const ids = (n: number) => Array.from({ length: n }, (_, i) => String(i + 1));

async function upload(n: number) {
  const clock = new FakeClock();
  const store = new MemoryStateStore();
  const { plan } = await planUpload({
    app: makeApp(),
    csv: csvSource(csvOf(ids(n).map((id) => row(id)))),
    store,
    clock,
  });
  const transport = fetchTransport(url, async () => "t0ken");
  return executePlan(plan!, {
    transport,
    store,
    rate: { requestsPerWindow: 40, windowSeconds: 5 },
    clock,
    random: () => 0,
  });
}

it("posts application/scim+json with the bearer token and survives a 429 storm and a 503", async () => {
  script = (n) =>
    n >= 2 && n <= 5
      ? {
          status: 429,
          headers: { "retry-after": "1" },
          body: '{"error":{"code":"TooManyRequests"}}',
        }
      : n === 6
        ? { status: 503 }
        : undefined;
  const result = await upload(200);
  expect(seen[0].contentType).toBe("application/scim+json");
  expect(seen[0].authorization).toBe("Bearer t0ken");
  expect(result.accepted).toBe(200);
  expect(result.failed).toEqual([]);
  expect(result.calls).toBe(9);
  expect(result.retries).toBe(5);
  const delivered = seen.filter((s) => s.status === 202).flatMap((s) => s.ids);
  expect(delivered.sort()).toEqual(ids(200).sort());
});

it("reports a 400 with Graph's error and the request id, and goes on with the rest", async () => {
  script = (n) =>
    n === 1
      ? { status: 400, body: '{"error":{"code":"BadRequest","message":"Invalid Data Format"}}' }
      : undefined;
  const result = await upload(60);
  expect(result.accepted).toBe(10);
  expect(result.failed.map(({ lines: _lines, ...f }) => f)).toEqual([
    {
      request: 1,
      status: 400,
      error: "BadRequest: Invalid Data Format",
      requestId: "req-1",
      records: 50,
    },
  ]);
});
