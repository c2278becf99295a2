import * as http from "http";
import { AddressInfo } from "net";
import { createGraphClient, GraphRequestError, retryAfterMs, tokenTenant } from "../../lib/graph";

type Handler = (req: http.IncomingMessage, body: string, res: http.ServerResponse) => void;

let server: http.Server;
let url: string;
let handler: Handler;
const seen: { method: string; url: string; auth?: string; contentType?: string; body: string }[] =
  [];

beforeAll(async () => {
  server = http.createServer((req, res) => {
    let body = "";
    req.on("data", (chunk) => (body += chunk));
    req.on("end", () => {
      seen.push({
        method: req.method!,
        url: req.url!,
        auth: req.headers.authorization,
        contentType: req.headers["content-type"],
        body,
      });
      handler(req, body, res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
beforeEach(() => (seen.length = 0));

function json(
  res: http.ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
) {
  res.writeHead(status, { "content-type": "application/json", ...headers });
  res.end(JSON.stringify(body));
}

function client(delays: number[] = []) {
  return createGraphClient({
    baseUrl: url,
    token: "tok",
    sleep: async (ms) => void delays.push(ms),
    random: () => 0.5,
  });
}

it("sends the bearer token over http and parses JSON", async () => {
  handler = (_req, _body, res) => json(res, 200, { id: "sp1" });
  expect(await client().get("/servicePrincipals/sp1")).toEqual({ id: "sp1" });
  expect(seen).toEqual([
    {
      method: "GET",
      url: "/v1.0/servicePrincipals/sp1",
      auth: "Bearer tok",
      contentType: undefined,
      body: "",
    },
  ]);
});

it("sends bodies as JSON, or with the content type asked for", async () => {
  handler = (_req, _body, res) => {
    res.writeHead(202);
    res.end();
  };
  const graph = client();
  await graph.put("/x", { a: 1 });
  await graph.post("https://ignored.example/beta/y", { b: 2 }).catch(() => undefined);
  await graph.post(
    `${url}/beta/jobs/j/bulkUpload`,
    { c: 3 },
    { contentType: "application/scim+json" },
  );
  expect(seen.map((s) => [s.method, s.url, s.contentType, s.body])).toEqual([
    ["PUT", "/v1.0/x", "application/json", '{"a":1}'],
    ["POST", "/beta/jobs/j/bulkUpload", "application/scim+json", '{"c":3}'],
  ]);
});

it("survives a 429 storm, honouring Retry-After, and a 503", async () => {
  let calls = 0;
  handler = (_req, _body, res) => {
    calls++;
    if (calls <= 3)
      return json(res, 429, { error: { code: "TooManyRequests" } }, { "retry-after": "7" });
    if (calls === 4) return json(res, 503, { error: { code: "ServiceUnavailable" } });
    json(res, 200, { ok: true });
  };
  const delays: number[] = [];
  const graph = client(delays);
  expect(await graph.get("/x")).toEqual({ ok: true });
  expect(delays).toEqual([7000, 7000, 7000, 6000]);
  expect(graph.stats).toEqual({ requests: 1, retries: 4 });
});

it("gives up after the retry budget with the status, code and request id", async () => {
  handler = (_req, _body, res) =>
    json(res, 503, {
      error: {
        code: "ServiceUnavailable",
        message: "try later",
        innerError: { "request-id": "r-1" },
      },
    });
  const graph = createGraphClient({
    baseUrl: url,
    token: "t",
    retry: { maxRetries: 2 },
    sleep: async () => undefined,
  });
  const error = (await graph.get("/x").catch((e: unknown) => e)) as GraphRequestError;
  expect(error).toBeInstanceOf(GraphRequestError);
  expect(error.message).toBe(
    "Graph GET /v1.0/x failed: 503 ServiceUnavailable: try later (request-id r-1)",
  );
  expect(seen).toHaveLength(3);
});

it("does not retry a 400, and reports the header request id", async () => {
  handler = (_req, _body, res) =>
    json(
      res,
      400,
      { error: { code: "BadRequest", message: "Unknown field" } },
      { "request-id": "abc" },
    );
  const error = (await client()
    .put("/schema", {})
    .catch((e: unknown) => e)) as GraphRequestError;
  expect(error.message).toBe(
    "Graph PUT /v1.0/schema failed: 400 BadRequest: Unknown field (request-id abc)",
  );
  expect(seen).toHaveLength(1);
});

it("retries a 404 only when asked (replication delay after a create)", async () => {
  let calls = 0;
  handler = (_req, _body, res) =>
    ++calls <= 2 ? json(res, 404, { error: { code: "NotFound" } }) : json(res, 200, { id: "1" });
  expect(await client().get("/sp", { retryNotFound: true })).toEqual({ id: "1" });
  calls = 0;
  const error = (await client()
    .get("/sp")
    .catch((e: unknown) => e)) as GraphRequestError;
  expect(error.status).toBe(404);
});

it("retries a dropped connection", async () => {
  let calls = 0;
  handler = (req, _body, res) => {
    if (++calls === 1) return req.socket.destroy();
    json(res, 200, { ok: 1 });
  };
  expect(await client().get("/x")).toEqual({ ok: 1 });
  expect(calls).toBe(2);
});

it("abandons an attempt that gets no answer in time and retries it", async () => {
  let calls = 0;
  handler = (_req, _body, res) => {
    // The first answer comes too late for the client's 50 ms deadline.
    if (++calls === 1) setTimeout(() => json(res, 200, { late: true }), 300);
    else json(res, 200, { ok: 1 });
  };
  const slow = createGraphClient({
    baseUrl: url,
    token: "tok",
    timeoutMs: 50,
    sleep: async () => {},
  });
  expect(await slow.get("/x")).toEqual({ ok: 1 });
  expect(calls).toBe(2);
  expect(slow.stats).toEqual({ requests: 1, retries: 1 });
});

it("says plainly when no attempt got an answer", async () => {
  handler = (_req, _body, res) => void setTimeout(() => json(res, 200, {}), 200);
  const slow = createGraphClient({
    baseUrl: url,
    token: "tok",
    timeoutMs: 20,
    retry: { maxRetries: 2 },
    sleep: async () => {},
  });
  await expect(slow.get("/servicePrincipals/sp1")).rejects.toThrow(
    "Graph GET /v1.0/servicePrincipals/sp1 failed: no answer within 0.02 s, 3 attempts",
  );
  // Let the late answers go out, so that the server can close.
  await new Promise((resolve) => setTimeout(resolve, 250));
});

it("says plainly when the connection keeps failing", async () => {
  handler = (req) => req.socket.destroy();
  const failing = createGraphClient({
    baseUrl: url,
    token: "tok",
    retry: { maxRetries: 1 },
    sleep: async () => {},
  });
  await expect(failing.get("/x")).rejects.toThrow(
    /^Graph GET \/v1\.0\/x failed: the connection failed \(.+\), 2 attempts$/,
  );
});

it("ends each attempt's deadline once its answer is read, instead of holding a timer for its whole timeout", async () => {
  const set = jest.spyOn(global, "setTimeout");
  const clear = jest.spyOn(global, "clearTimeout");
  try {
    const graph = createGraphClient({
      token: "t",
      timeoutMs: 120_000,
      fetch: (async () =>
        new Response("{}", {
          status: 200,
          headers: { "content-type": "application/json" },
        })) as unknown as typeof fetch,
    });
    await graph.send("POST", "/x", "{}", { timeoutMs: 100_000 });
    await graph.get("/y");
    const deadlines = set.mock.calls
      .map(([, ms], i) => ({ ms, timer: set.mock.results[i].value }))
      .filter(({ ms }) => ms === 100_000 || ms === 120_000);
    expect(deadlines.map(({ ms }) => ms)).toEqual([100_000, 120_000]);
    for (const { timer } of deadlines) expect(clear).toHaveBeenCalledWith(timer);
  } finally {
    set.mockRestore();
    clear.mockRestore();
  }
});

describe("send: one attempt, answered whatever its status", () => {
  it("hands back a 429 with its headers and error instead of retrying it", async () => {
    handler = (_req, _body, res) =>
      json(
        res,
        429,
        { error: { code: "TooManyRequests", message: "slow down" } },
        { "retry-after": "3", "request-id": "r-9" },
      );
    const delays: number[] = [];
    const graph = client(delays);
    const answer = await graph.send("POST", "/jobs/j/bulkUpload", "{}", {
      contentType: "application/scim+json",
    });
    expect(answer.status).toBe(429);
    expect(answer.headers.get("retry-after")).toBe("3");
    expect(answer.error).toBeInstanceOf(GraphRequestError);
    expect([answer.error?.code, answer.error?.graphMessage, answer.error?.requestId]).toEqual([
      "TooManyRequests",
      "slow down",
      "r-9",
    ]);
    expect(seen).toHaveLength(1);
    expect(delays).toEqual([]);
    // The wait is the policy's, the one the middleware applies to `request`.
    expect(graph.retry.delay(0, answer.headers.get("retry-after"))).toBe(3000);
  });

  it("returns a success's status and body", async () => {
    handler = (_req, _body, res) => {
      res.writeHead(202, { "request-id": "r-1" });
      res.end();
    };
    const answer = await client().send("POST", "/x", { a: 1 });
    expect([answer.status, answer.body, answer.error]).toEqual([202, undefined, undefined]);
    expect(answer.headers.get("request-id")).toBe("r-1");
  });

  it("gives up a stalled attempt after the call's own timeout, once", async () => {
    const stalled = jest.fn(
      (_input: string | URL | Request, init?: RequestInit) =>
        new Promise<Response>((_, reject) =>
          init?.signal?.addEventListener("abort", () => reject(init.signal!.reason)),
        ),
    );
    const graph = createGraphClient({
      baseUrl: "https://graph.microsoft.com",
      token: "tok",
      fetch: stalled as unknown as typeof fetch,
    });
    await expect(graph.send("POST", "/x", "{}", { timeoutMs: 50 })).rejects.toThrow(
      "Graph POST /v1.0/x failed: no answer within 0.05 s, 1 attempt",
    );
    expect(stalled).toHaveBeenCalledTimes(1);
    expect(stalled.mock.calls[0][1]?.signal?.aborted).toBe(true);
  });
});

it("follows @odata.nextLink across pages", async () => {
  handler = (req, _body, res) =>
    req.url!.includes("page=2")
      ? json(res, 200, { value: [3] })
      : json(res, 200, { value: [1, 2], "@odata.nextLink": `${url}/v1.0/items?page=2` });
  expect(await client().getAllPages("/items")).toEqual([1, 2, 3]);
});

it("reads Retry-After as seconds or an HTTP date", () => {
  expect(retryAfterMs("2")).toBe(2000);
  expect(retryAfterMs("Thu, 01 Jan 2026 00:00:10 GMT", Date.parse("2026-01-01T00:00:00Z"))).toBe(
    10000,
  );
  expect(retryAfterMs("soon")).toBeUndefined();
});

it("backs off on a negative or past Retry-After instead of retrying at once (issue 26, case 9)", async () => {
  expect(retryAfterMs("-5")).toBeUndefined();
  expect(retryAfterMs("7")).toBe(7000);
  expect(retryAfterMs("Thu, 01 Jan 2026 00:00:10 GMT", Date.parse("2027-01-01T00:00:00Z"))).toBe(
    undefined,
  );
  handler = (_req, _body, res) =>
    json(res, 429, { error: { code: "TooManyRequests" } }, { "retry-after": "-5" });
  const delays: number[] = [];
  await expect(client(delays).get("/x")).rejects.toThrow("429");
  // The backoff (random 0.5: three quarters of 1 s doubling), capped at 60 s: not 0 s seven times.
  expect(delays).toEqual([750, 1500, 3000, 6000, 12000, 24000]);
});

it("gives up a sign-in that never finishes after the request timeout (issue 26, case 8)", async () => {
  const stalled = createGraphClient({
    baseUrl: url,
    timeoutMs: 50,
    credential: { getToken: () => new Promise(() => undefined) },
    sleep: async () => undefined,
  });
  await expect(stalled.get("/x")).rejects.toThrow(
    `no Azure credential gave a token for ${url}/.default within 0.05 s`,
  );
});

describe("tenant pinning", () => {
  const SPEC_TENANT = "0b8e7d3c-5f0a-4d6e-9c2b-1a2b3c4d5e6f";
  const OTHER_TENANT = "72f988bf-86f1-41af-91ab-2d7cd011db47";
  // The shape of an Entra access token; the signature is not checked by the client.
  const jwt = (claims: Record<string, unknown>) =>
    ["{}", JSON.stringify(claims)].map((p) => Buffer.from(p).toString("base64url")).join(".") +
    ".signature";
  const pinned = (options: { token?: string; tokens?: string[] }) =>
    createGraphClient({
      baseUrl: url,
      tenantId: SPEC_TENANT,
      token: options.token,
      credential: options.tokens && {
        getToken: async (scope) => {
          expect(scope).toBe(`${url}/.default`);
          return { token: options.tokens!.shift()! };
        },
      },
      sleep: async () => undefined,
    });

  it("reads the tid claim of a JWT and nothing else", () => {
    expect(tokenTenant(jwt({ tid: OTHER_TENANT }))).toBe(OTHER_TENANT);
    expect(tokenTenant(jwt({ oid: "x" }))).toBeUndefined();
    expect(tokenTenant("emulator-token")).toBeUndefined();
    expect(tokenTenant("a.%%%.c")).toBeUndefined();
  });

  it("refuses a token for another tenant before anything is sent", async () => {
    handler = (_req, _body, res) => json(res, 200, {});
    const message =
      `the Azure sign-in gives tokens for tenant ${OTHER_TENANT}, but the spec is for tenant ` +
      `${SPEC_TENANT}; sign in to that tenant (az login --tenant ${SPEC_TENANT}) or set AZURE_TENANT_ID`;
    await expect(pinned({ tokens: [jwt({ tid: OTHER_TENANT })] }).get("/x")).rejects.toThrow(
      message,
    );
    await expect(pinned({ token: jwt({ tid: OTHER_TENANT }) }).get("/x")).rejects.toThrow(message);
    expect(seen).toEqual([]);
  });

  it("sends a token of the spec's tenant, and an opaque test token", async () => {
    handler = (_req, _body, res) => json(res, 200, { ok: 1 });
    const good = jwt({ tid: SPEC_TENANT.toUpperCase() });
    expect(await pinned({ tokens: [good] }).get("/x")).toEqual({ ok: 1 });
    expect(await pinned({ token: "emulator-token" }).get("/x")).toEqual({ ok: 1 });
    expect(seen.map((s) => s.auth)).toEqual([`Bearer ${good}`, "Bearer emulator-token"]);
  });
});
