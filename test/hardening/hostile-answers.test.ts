/**
 * Issue 26: answers that are not Graph's, from one local server that plays a proxy or a broken
 * service. Nothing is counted that Graph did not accept, a write never follows a redirect, a read
 * of HTML is an error naming its request, and paging and answer sizes are bounded.
 */
import { mkdtempSync, rmSync, writeFileSync } from "fs";
import * as http from "http";
import type { AddressInfo } from "net";
import { tmpdir } from "os";
import * as path from "path";
import { stringify } from "yaml";
import { inbound } from "../cli/harness";
import { csvOf, makeSpecInput, row } from "../upload/helpers";

interface Seen {
  method: string;
  url: string;
  auth?: string;
}
type Handler = (req: http.IncomingMessage, res: http.ServerResponse, body: string) => void;

const servers: { url: string; seen: Seen[]; handler: Handler }[] = [];
let closers: (() => Promise<void>)[] = [];

async function listen(): Promise<{ url: string; seen: Seen[]; handler: Handler }> {
  const entry = { url: "", seen: [] as Seen[], handler: (() => undefined) as Handler };
  const server = http.createServer((req, res) => {
    let body = "";
    req.on("data", (c) => (body += c));
    req.on("end", () => {
      entry.seen.push({ method: req.method!, url: req.url!, auth: req.headers.authorization });
      entry.handler(req, res, body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  entry.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  closers.push(
    () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  );
  servers.push(entry);
  return entry;
}

let graph: Awaited<ReturnType<typeof listen>>;
let elsewhere: Awaited<ReturnType<typeof listen>>;
let dir: string;
beforeAll(async () => {
  graph = await listen();
  elsewhere = await listen();
});
afterAll(async () => {
  for (const close of closers) await close();
  closers = [];
});
beforeEach(() => {
  graph.seen.length = 0;
  elsewhere.seen.length = 0;
  dir = mkdtempSync(path.join(tmpdir(), "inbound-hostile-"));
  writeFileSync(path.join(dir, "tenant.yaml"), stringify(makeSpecInput()));
  writeFileSync(path.join(dir, "hr.csv"), csvOf(["1", "2", "3"].map((id) => row(id))));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const JOB = "/v1.0/servicePrincipals/sp-1/synchronization/jobs/API2AAD.abc.def";
const cli = (args: string[]) => inbound(args, { cwd: dir, env: { INBOUND_GRAPH_TOKEN: "tok" } });
const upload = () =>
  cli([
    "upload",
    ...["--spec", "tenant.yaml", "--app", "employees", "--csv", "hr.csv"],
    ...["--endpoint", `${graph.url}${JOB}/bulkUpload`],
  ]);
const json = (res: http.ServerResponse, status: number, body: unknown, headers = {}) => {
  res.writeHead(status, { "content-type": "application/json", ...headers });
  res.end(JSON.stringify(body));
};
const html = (res: http.ServerResponse) => {
  res.writeHead(200, { "content-type": "text/html" });
  res.end("<html><body>Proxy login required</body></html>");
};
const posts = () => graph.seen.filter((s) => s.method === "POST").length;

describe("a bulkUpload answer that is not Graph's 202 (case 3)", () => {
  it("a proxy's 200 text/html is a failed request naming the URL and status; nothing is checkpointed", async () => {
    graph.handler = (_req, res) => html(res);
    const first = await upload();
    expect(first.code).toBe(1);
    expect(first.err).toContain(
      `Graph POST ${JOB}/bulkUpload answered 200, which is not Graph's answer: its body is text/html, not JSON: "<html><body>Proxy login required</body></html>"`,
    );
    expect(first.out).toMatch(/^sent 0 records .*\n(.*\n)*failed 3, not attempted 0$/m);
    // The next run, with Graph back, sends every record again.
    graph.handler = (_req, res) => {
      res.writeHead(202);
      res.end();
    };
    graph.seen.length = 0;
    const second = await upload();
    expect(second.code).toBe(0);
    expect(posts()).toBe(1);
    expect(second.out).toMatch(/^sent 3 records/m);
  });

  it("a 200 with Graph's JSON is still not the documented 202", async () => {
    graph.handler = (_req, res) => json(res, 200, {});
    const run = await upload();
    expect(run.code).toBe(1);
    expect(run.err).toContain("bulkUpload answered 200, not 202 Accepted");
  });
});

describe("redirects (case 4)", () => {
  it("a 302 on bulkUpload is an error; the POST is not re-sent as a GET", async () => {
    graph.handler = (req, res) => {
      if (req.method === "POST") {
        res.writeHead(302, { location: `${JOB}/moved` });
        res.end();
      } else json(res, 200, {});
    };
    const run = await upload();
    expect(run.code).toBe(1);
    expect(run.err).toContain(
      `answered 302, which is not Graph's answer: a redirect to ${JOB}/moved; a write never follows a redirect`,
    );
    expect(graph.seen.map((s) => s.method)).toEqual(["POST"]);
  });

  it("a 307 to another origin carries neither the records nor the token there", async () => {
    graph.handler = (_req, res) => {
      res.writeHead(307, { location: `${elsewhere.url}/collect` });
      res.end();
    };
    const run = await upload();
    expect(run.code).toBe(1);
    expect(run.err).toContain(`a redirect to ${elsewhere.url}/collect`);
    expect(elsewhere.seen).toEqual([]);
  });
});

describe("reads that are not Graph's JSON (case 5)", () => {
  const TENANT = "0b8e7d3c-5f0a-4d6e-9c2b-1a2b3c4d5e6f";
  it("export of a tenant answered with HTML fails naming the request, writing nothing", async () => {
    graph.handler = (_req, res) => html(res);
    const run = await cli(["export", "--tenant", TENANT, "--graph-url", graph.url]);
    expect(run.code).toBe(1);
    expect(run.out).toBe("");
    expect(run.err).toMatch(/GET \/v1\.0\/\S+/);
    expect(run.err).toContain("its body is text/html, not JSON");
  });

  it("JSON that does not parse names the request", async () => {
    graph.handler = (_req, res) => {
      res.writeHead(200, { "content-type": "application/json" });
      res.end("{'a': 1}");
    };
    const run = await cli([
      "logs",
      ...["--spec", "tenant.yaml", "--app", "employees"],
      ...["--endpoint", `${graph.url}${JOB}/bulkUpload`],
    ]);
    expect(run.code).toBe(1);
    expect(run.err).toMatch(
      /Graph GET \/v1\.0\/auditLogs\/provisioning\S* answered 200, which is not Graph's answer: its body is not valid JSON \(.*position 1.*\)/,
    );
  });
});

describe("paging (case 6)", () => {
  it("a nextLink that points at its own page stops logs at once", async () => {
    graph.handler = (req, res) =>
      json(res, 200, { value: [], "@odata.nextLink": `${graph.url}${req.url}` });
    const run = await cli([
      "logs",
      ...["--spec", "tenant.yaml", "--app", "employees"],
      ...["--endpoint", `${graph.url}${JOB}/bulkUpload`],
    ]);
    expect(run.code).toBe(1);
    expect(run.err).toMatch(/page \d links back to an earlier page .*; paging stopped/);
    expect(graph.seen.length).toBeLessThanOrEqual(2);
  });
});

describe("answer size (case 10)", () => {
  it("an endless answer body is cut at the cap and is an error, not the process's memory", async () => {
    graph.handler = (_req, res) => {
      res.writeHead(200, { "content-type": "application/json" });
      const chunk = Buffer.alloc(1 << 20, 0x20);
      const pump = () => {
        while (!res.destroyed && res.write(chunk));
        if (!res.destroyed) res.once("drain", pump);
      };
      pump();
    };
    const run = await cli([
      "logs",
      ...["--spec", "tenant.yaml", "--app", "employees"],
      ...["--endpoint", `${graph.url}${JOB}/bulkUpload`],
    ]);
    expect(run.code).toBe(1);
    expect(run.err).toContain("which is not Graph's answer: the answer is larger than 64 MB");
  });
});
