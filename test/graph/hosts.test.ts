/**
 * The token goes to Graph only: the host rule itself, and each place that attaches a token (the
 * client's bearer middleware, the token getter) refusing any other host before anything is sent,
 * bulkUpload included, which goes through the same client.
 */
import * as http from "http";
import { AddressInfo } from "net";
import { createGraphClient, graphUrlProblem, isGraphHost } from "../../lib/graph";
import { tokenGetter } from "../../lib/graph/token";
import { checkBulkTarget } from "../../lib/upload/bulk";

const EXPECTED =
  "must be https:// on a Microsoft Graph host (graph.microsoft.com, graph.microsoft.us, dod-graph.microsoft.us, microsoftgraph.chinacloudapi.cn), or http://127.0.0.1, localhost or [::1] for the emulator";

describe("isGraphHost", () => {
  it.each([
    "https://graph.microsoft.com",
    "https://graph.microsoft.com/v1.0/servicePrincipals/x/synchronization/jobs/y/bulkUpload",
    "https://GRAPH.microsoft.com/",
    "https://graph.microsoft.us",
    "https://dod-graph.microsoft.us",
    "https://microsoftgraph.chinacloudapi.cn",
    "http://127.0.0.1:4010",
    "http://localhost:8080/v1.0",
    "http://[::1]:3000",
    "https://localhost",
  ])("accepts %s", (url) => {
    expect(graphUrlProblem(url)).toBeUndefined();
    expect(isGraphHost(url)).toBe(true);
  });

  it.each([
    ["http://graph.microsoft.com", `${EXPECTED}; got "http://graph.microsoft.com"`],
    [
      "https://graph.microsoft.com.evil.example",
      `${EXPECTED}; got "https://graph.microsoft.com.evil.example"`,
    ],
    [
      "https://evil.example/graph.microsoft.com",
      `${EXPECTED}; got "https://evil.example/graph.microsoft.com"`,
    ],
    ["https://graph.microsoft.com.", `${EXPECTED}; got "https://graph.microsoft.com."`],
    ["https://graph.windows.net", `${EXPECTED}; got "https://graph.windows.net"`],
    ["http://10.0.0.5:8080", `${EXPECTED}; got "http://10.0.0.5:8080"`],
    ["http://127.0.0.2", `${EXPECTED}; got "http://127.0.0.2"`],
    ["ftp://localhost", `${EXPECTED}; got "ftp://localhost"`],
    ["https://me:pw@graph.microsoft.com", `must not carry a user name or password; ${EXPECTED}`],
    ["graph.microsoft.com", `${EXPECTED}; "graph.microsoft.com" is not a URL`],
  ])("refuses %s", (url, problem) => {
    expect(graphUrlProblem(url)).toBe(problem);
    expect(isGraphHost(url)).toBe(false);
  });
});

describe("the client attaches its token only for Graph", () => {
  let server: http.Server;
  let url: string;
  let other: http.Server;
  let otherUrl: string;
  const seen: { url: string; auth?: string }[] = [];
  let respond: (req: http.IncomingMessage, res: http.ServerResponse) => void;

  const listen = (handler: http.RequestListener) =>
    new Promise<[http.Server, string]>((resolve) => {
      const s = http.createServer(handler);
      s.listen(0, "127.0.0.1", () =>
        resolve([s, `http://127.0.0.1:${(s.address() as AddressInfo).port}`]),
      );
    });

  beforeAll(async () => {
    [server, url] = await listen((req, res) => {
      seen.push({ url: `${url}${req.url}`, auth: req.headers.authorization });
      respond(req, res);
    });
    [other, otherUrl] = await listen((req, res) => {
      seen.push({ url: `${otherUrl}${req.url}`, auth: req.headers.authorization });
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ value: ["stolen"] }));
    });
  });
  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
    await new Promise((resolve) => other.close(resolve));
  });
  beforeEach(() => (seen.length = 0));

  const page = (nextLink: string) => (_req: http.IncomingMessage, res: http.ServerResponse) => {
    res.writeHead(200, { "content-type": "application/json" });
    res.end(JSON.stringify({ value: [1], "@odata.nextLink": nextLink }));
  };
  const client = () => createGraphClient({ baseUrl: url, token: "tok", retry: { maxRetries: 0 } });

  it("refuses an @odata.nextLink to another host, unsent", async () => {
    const fetchSpy = jest.spyOn(globalThis, "fetch");
    try {
      respond = page("https://graph.evil.example/v1.0/users?$skiptoken=2");
      await expect(client().getAllPages("/users")).rejects.toThrow(
        "refused to send a Graph token to https://graph.evil.example: a token goes only to Microsoft Graph (graph.microsoft.com, graph.microsoft.us, dod-graph.microsoft.us, microsoftgraph.chinacloudapi.cn) or to the local emulator",
      );
      const fetched = fetchSpy.mock.calls.map(([input]) =>
        typeof input === "string" ? input : (input as Request).url,
      );
      expect(fetched).toEqual([`${url}/v1.0/users`]);
    } finally {
      fetchSpy.mockRestore();
    }
  });

  it("refuses a nextLink to another loopback port: the token is not for whatever listens there", async () => {
    respond = page(`${otherUrl}/v1.0/users?$skiptoken=2`);
    await expect(client().getAllPages("/users")).rejects.toThrow(
      `refused to send a Graph token to ${otherUrl}`,
    );
    expect(seen).toEqual([{ url: `${url}/v1.0/users`, auth: "Bearer tok" }]);
  });

  it("refuses an absolute URL a caller passes for another host", async () => {
    await expect(client().get("https://evil.example/v1.0/me")).rejects.toThrow(
      "refused to send a Graph token to https://evil.example",
    );
    expect(seen).toEqual([]);
  });

  it("a redirect to another origin is an error, not followed (issue 26, case 4)", async () => {
    respond = (_req, res) => {
      res.writeHead(307, { location: `${otherUrl}/elsewhere` });
      res.end();
    };
    await expect(client().get("/users")).rejects.toThrow(
      `Graph GET /v1.0/users answered 307, which is not Graph's answer: a redirect to ${otherUrl}/elsewhere; a read follows redirects only within its Graph host`,
    );
    expect(seen).toEqual([{ url: `${url}/v1.0/users`, auth: "Bearer tok" }]);
  });

  it("a read follows a redirect within its origin, with the token; a write follows none", async () => {
    respond = (req, res) => {
      if (req.url === "/v1.0/users") {
        res.writeHead(302, { location: "/v1.0/moved" });
        res.end();
      } else {
        res.writeHead(200, { "content-type": "application/json" });
        res.end(JSON.stringify({ value: ["a"] }));
      }
    };
    expect(await client().get("/users")).toEqual({ value: ["a"] });
    expect(seen).toEqual([
      { url: `${url}/v1.0/users`, auth: "Bearer tok" },
      { url: `${url}/v1.0/moved`, auth: "Bearer tok" },
    ]);
    seen.length = 0;
    await expect(client().post("/users", { a: 1 })).rejects.toThrow(
      "Graph POST /v1.0/users answered 302, which is not Graph's answer: a redirect to /v1.0/moved; a write never follows a redirect",
    );
    expect(seen).toEqual([{ url: `${url}/v1.0/users`, auth: "Bearer tok" }]);
  });

  it("refuses to be built for a base URL that is not Graph", () => {
    expect(() =>
      createGraphClient({ baseUrl: "https://graph.evil.example", token: "tok" }),
    ).toThrow(
      `refused to get a Graph token for https://graph.evil.example: the Graph URL ${EXPECTED}; got "https://graph.evil.example"`,
    );
  });
});

describe("the token getter and bulkUpload", () => {
  it("asks no credential for a token for another host", () => {
    const getToken = jest.fn(async () => ({ token: "t" }));
    expect(() => tokenGetter({ credential: { getToken } }, "https://evil.example")).toThrow(
      "refused to get a Graph token for https://evil.example",
    );
    expect(getToken).not.toHaveBeenCalled();
  });

  it("refuses a bulkUpload endpoint that is not Graph before asking for a token", async () => {
    const getToken = jest.fn(async () => ({ token: "t" }));
    const fetchImpl = jest.fn() as unknown as typeof fetch;
    const graph = createGraphClient({ credential: { getToken }, fetch: fetchImpl });
    const endpoint =
      "https://graph.microsoft.com.evil.example/v1.0/servicePrincipals/sp/synchronization/jobs/j/bulkUpload";
    const refusal = `refused to send a Graph token to https://graph.microsoft.com.evil.example: a token goes only to Microsoft Graph`;
    // Before the run sends its first record (lib/upload/run.ts), and on every attempt.
    expect(() => checkBulkTarget({ graph, endpoint })).toThrow(refusal);
    await expect(graph.send("POST", endpoint, "{}")).rejects.toThrow(refusal);
    expect(getToken).not.toHaveBeenCalled();
    expect(fetchImpl).not.toHaveBeenCalled();
  });
});
