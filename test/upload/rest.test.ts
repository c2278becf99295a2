/**
 * The HR REST source: a stand-in HR API on 127.0.0.1 read by `inbound upload` (no --csv, no
 * --json) into the Graph emulator, and by readRest directly for retries, auth kinds and paging.
 * A partial read sends nothing; the HR token appears in no output and no run record.
 */
import type { IncomingMessage, ServerResponse } from "http";
import { readdirSync, readFileSync, statSync, writeFileSync } from "fs";
import * as path from "path";
import { stringify } from "yaml";
import { inbound } from "../cli/harness";
import { RetryPolicy } from "../../lib/graph";
import { tenantSpec } from "../../lib/model/schema";
import { readRest, RestReadError, type RestSettings } from "../../lib/records";
import {
  emulatorAppPerTest,
  hrStandInPerFile,
  JSON_COLUMNS,
  jsonPerson,
  makeSpecInput,
} from "./helpers";

const TOKEN = "hr-secret-token-7f3a9c";

// Each with a given name of their own, and OnLeave as the text an HR API may send.
const person = (id: number) =>
  jsonPerson(id, {
    name: { first: `Ada${id}`, last: "Lovelace" },
    FullName: `Ada${id} Lovelace`,
    OnLeave: "False",
  });
const PEOPLE = [1, 2, 3, 4, 5, 6, 7].map(person);

type Handler = (req: IncomingMessage, res: ServerResponse, url: URL) => void;
let handler: Handler;
const seen: { url: string; authorization?: string }[] = [];

/** The stand-in's pages: three of them, linked by `next`. */
const pages: Handler = (_req, res, url) => {
  const page = Number(url.searchParams.get("page") ?? 1);
  const records = PEOPLE.slice((page - 1) * 3, page * 3);
  const next = page < 3 ? `/api/employees?page=${page + 1}` : null;
  res.setHeader("content-type", "application/json");
  res.end(JSON.stringify({ data: { employees: records }, links: { next } }));
};

const hr = hrStandInPerFile((req, res, url) => {
  seen.push({ url: url.pathname + url.search, authorization: req.headers.authorization });
  handler(req, res, url);
});

const ctx = emulatorAppPerTest("inbound-rest-");
beforeEach(() => {
  handler = pages;
  seen.length = 0;
});

function writeSpec(rest: Record<string, unknown> = {}, source = "rest") {
  const input = makeSpecInput(JSON_COLUMNS, {
    source,
    csv: {},
    columns: JSON_COLUMNS,
    rest: {
      url: `${hr.base}/api/employees`,
      records: "/data/employees",
      paging: { next: "/links/next" },
      auth: { bearerEnv: "HR_TOKEN" },
      ...rest,
    },
  });
  writeFileSync(path.join(ctx.dir, "tenant.yaml"), stringify(input));
}

const cli = (args: string[]) =>
  inbound(args, {
    cwd: ctx.dir,
    env: { INBOUND_GRAPH_TOKEN: ctx.emulator.token, HR_TOKEN: TOKEN },
  });
const upload = () =>
  cli(["upload", "--spec", "tenant.yaml", "--app", "employees", "--endpoint", ctx.app.endpoint]);
const bulkBodies = () =>
  ctx.emulator.state.directory.bulkUploads.flatMap((u) =>
    (u.body as { Operations: { data: unknown }[] }).Operations.map((o) => o.data),
  );

/** Every file under `root`, read as text. */
function allText(root: string): string {
  return readdirSync(root, { recursive: true })
    .map((f) => path.join(root, String(f)))
    .filter((f) => statSync(f).isFile())
    .map((f) => readFileSync(f, "utf8"))
    .join("\n");
}

describe("upload from an HR REST API", () => {
  it("sends the records of three pages as a JSON or CSV file of the same people would, then nothing; no token in output, run records or report", async () => {
    writeSpec();
    const first = await upload();
    expect(first.err).toBe("");
    expect(first.code).toBe(0);
    expect(seen.map((s) => s.url)).toEqual([
      "/api/employees",
      "/api/employees?page=2",
      "/api/employees?page=3",
    ]);
    expect(seen.every((s) => s.authorization === `Bearer ${TOKEN}`)).toBe(true);
    const fromRest = bulkBodies();
    expect(fromRest).toHaveLength(7);

    const second = await upload();
    expect(second.code).toBe(0);
    expect(second.out).toContain("nothing to send: 7 unchanged");
    expect(bulkBodies()).toHaveLength(7);

    // The same people from a file, into a fresh emulator and state: the same SCIM records.
    ctx.emulator.state.directory.bulkUploads.length = 0;
    writeFileSync(path.join(ctx.dir, "hr.json"), JSON.stringify(PEOPLE));
    const file = await cli([
      "upload",
      "--spec",
      "tenant.yaml",
      "--app",
      "employees",
      "--endpoint",
      ctx.app.endpoint,
      "--json",
      "hr.json",
      "--state",
      "other-state",
    ]);
    expect(file.code).toBe(0);
    expect(bulkBodies()).toEqual(fromRest);

    // And from a CSV file whose headers are the same field names.
    ctx.emulator.state.directory.bulkUploads.length = 0;
    const header = Object.keys(person(0)).flatMap((k) =>
      k === "name" ? ["name.first", "name.last"] : [k],
    );
    const cells = (p: ReturnType<typeof person>) =>
      header.map((h) =>
        h === "name.first"
          ? p.name.first
          : h === "name.last"
            ? p.name.last
            : String(p[h as "City"]),
      );
    const csv = [header, ...PEOPLE.map(cells)].map((r) => r.join(",")).join("\n") + "\n";
    writeFileSync(path.join(ctx.dir, "hr.csv"), csv);
    const fromCsv = await cli([
      "upload",
      "--spec",
      "tenant.yaml",
      "--app",
      "employees",
      "--endpoint",
      ctx.app.endpoint,
      "--csv",
      "hr.csv",
      "--state",
      "csv-state",
    ]);
    expect(fromCsv.err).toBe("");
    expect(fromCsv.code).toBe(0);
    expect(bulkBodies()).toEqual(fromRest);

    // The run's report, as text and as HTML with the personal data: no HR token either.
    const runId = /--run (\S+)$/m.exec(first.out)?.[1];
    expect(runId).toBeDefined();
    const report = await cli([
      "report",
      "--spec",
      "tenant.yaml",
      "--app",
      "employees",
      "--endpoint",
      ctx.app.endpoint,
      "--run",
      runId!,
      "--include-pii",
      "--html",
      "report.html",
    ]);
    expect(report.err).toBe("");
    expect(report.code).toBe(0);
    const html = readFileSync(path.join(ctx.dir, "report.html"), "utf8");
    expect(html).toContain(runId);

    const text =
      first.out +
      first.err +
      second.out +
      second.err +
      report.out +
      html +
      allText(path.join(ctx.dir, ".inbound-state"));
    expect(text).not.toContain(TOKEN);
  });

  const failures: [string, Handler, RegExp][] = [
    [
      "an error on page 2",
      (req, res, url) =>
        url.searchParams.get("page") === "2"
          ? ((res.statusCode = 400), res.end("{}"))
          : pages(req, res, url),
      /page 2: answered 400/,
    ],
    [
      "a sign-in page in place of JSON",
      (req, res, url) => {
        if (url.searchParams.get("page") !== "2") return pages(req, res, url);
        res.setHeader("content-type", "text/html");
        res.end("<html><body>Sign in</body></html>");
      },
      /page 2: the answer is not JSON \(text\/html: HTML, a sign-in or error page\?\)/,
    ],
    [
      "a 401",
      (_req, res) => ((res.statusCode = 401), res.end()),
      /page 1: answered 401: the credentials \(uploader\.rest\.auth\) are refused/,
    ],
    [
      "a next link that loops",
      (_req, res, url) => {
        res.setHeader("content-type", "application/json");
        const page = Number(url.searchParams.get("page") ?? 1);
        res.end(
          JSON.stringify({
            data: { employees: [PEOPLE[page - 1]] },
            links: { next: `/api/employees?page=${page === 2 ? 1 : 2}` },
          }),
        );
      },
      /page 4: the next link leads back to page 2: the paging loops/,
    ],
    [
      "a redirect to another host",
      (_req, res) => {
        res.statusCode = 302;
        res.setHeader("location", "https://login.example.com/sign-in");
        res.end();
      },
      /page 1: answered 302, a redirect to login\.example\.com; redirects to another host are not followed/,
    ],
  ];
  it.each(failures)(
    "sends nothing and exits 1 naming the host and page on %s",
    async (_, fault, message) => {
      writeSpec();
      // A first full run, so that a partial read would otherwise look like leavers.
      await upload();
      const before = bulkBodies().length;
      handler = fault;
      const run = await upload();
      expect(run.code).toBe(1);
      expect(run.err).toMatch(new RegExp(`127\\.0\\.0\\.1:\\d+: ${message.source}`));
      expect(run.err).toContain("nothing was sent");
      expect(bulkBodies()).toHaveLength(before);
      expect(run.out + run.err + allText(path.join(ctx.dir, ".inbound-state"))).not.toContain(
        TOKEN,
      );
    },
  );
});

describe("readRest", () => {
  const settings = (over: Partial<RestSettings>): RestSettings => ({
    url: `${hr.base}/api/employees`,
    method: "GET",
    records: "/data/employees",
    auth: { bearerEnv: "HR_TOKEN" },
    timeoutSeconds: 5,
    maxPages: 100,
    ...over,
  });
  const fast = new RetryPolicy({ baseDelayMs: 1, maxDelayMs: 5 });
  const lines = async (read: { file: string; remove(): Promise<void> }) => {
    const text = readFileSync(read.file, "utf8");
    await read.remove();
    return text
      .trim()
      .split("\n")
      .map((l) => (JSON.parse(l) as { WorkerID: number }).WorkerID);
  };

  it("retries a 503 after its Retry-After, and pages by number until a short page", async () => {
    let failed = false;
    const waits: number[] = [];
    handler = (_req, res, url) => {
      if (!failed) {
        failed = true;
        res.statusCode = 503;
        res.setHeader("retry-after", "2");
        return res.end();
      }
      const page = Number(url.searchParams.get("p"));
      res.end(JSON.stringify({ data: { employees: PEOPLE.slice((page - 1) * 3, page * 3) } }));
    };
    const read = await readRest(
      settings({ paging: { pageParam: "p", firstPage: 1, sizeParam: "n", size: 3 } }),
      { env: { HR_TOKEN: TOKEN }, retry: fast, sleep: async (ms) => void waits.push(ms) },
    );
    expect(waits).toEqual([5]);
    expect(read.pages).toBe(3);
    expect(await lines(read)).toEqual([1, 2, 3, 4, 5, 6, 7]);
  });

  it("signs in with OAuth 2.0 client credentials, or sends an API key header; pages by offset", async () => {
    handler = (req, res, url) => {
      if (url.pathname === "/token") {
        let body = "";
        req.on("data", (c) => (body += c));
        req.on("end", () => {
          const form = new URLSearchParams(body);
          const ok =
            form.get("grant_type") === "client_credentials" &&
            form.get("client_secret") === "s3cret";
          res.statusCode = ok ? 200 : 401;
          res.end(JSON.stringify(ok ? { access_token: "issued", token_type: "Bearer" } : {}));
        });
        return;
      }
      const offset = Number(url.searchParams.get("offset"));
      res.end(JSON.stringify({ data: { employees: PEOPLE.slice(offset, offset + 4) } }));
    };
    // Client credentials against the stand-in's token endpoint, the secret from HR_SECRET.
    const oauth2 = () => ({
      oauth2: { tokenUrl: `${hr.base}/token`, clientId: "inbound", clientSecretEnv: "HR_SECRET" },
    });
    const paging = { offsetParam: "offset", limitParam: "limit", limit: 4 };
    const oauth = await readRest(
      settings({
        paging,
        auth: oauth2(),
      }),
      { env: { HR_SECRET: "s3cret" }, retry: fast },
    );
    expect(await lines(oauth)).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(
      seen
        .filter((s) => s.url.startsWith("/api"))
        .every((s) => s.authorization === "Bearer issued"),
    ).toBe(true);

    seen.length = 0;
    const key = await readRest(
      settings({ paging, auth: { apiKey: { header: "X-API-Key", env: "HR_KEY" } } }),
      { env: { HR_KEY: "k" }, retry: fast },
    );
    expect(await lines(key)).toEqual([1, 2, 3, 4, 5, 6, 7]);

    const refused = readRest(
      settings({
        auth: oauth2(),
      }),
      { env: { HR_SECRET: "wrong" }, retry: fast },
    );
    await expect(refused).rejects.toThrow(/page 1: the token request: answered 401/);
    await expect(readRest(settings({}), { env: {}, retry: fast })).rejects.toThrow(
      "the environment variable HR_TOKEN (uploader.rest.auth) is not set",
    );
  });

  it("POSTs the read query as JSON on every page, retried and redirected within the host like a GET", async () => {
    const requests: { method?: string; type?: string; body: string; url: string }[] = [];
    let failed = false;
    handler = (req, res, url) => {
      let body = "";
      req.on("data", (c) => (body += c));
      req.on("end", () => {
        requests.push({
          method: req.method,
          type: req.headers["content-type"],
          body,
          url: url.pathname + url.search,
        });
        if (url.pathname === "/api/search") {
          res.statusCode = 307;
          res.setHeader("location", "/api/employees/search");
          return res.end();
        }
        if (!failed) {
          failed = true;
          res.statusCode = 429;
          return res.end();
        }
        const page = Number(url.searchParams.get("page") ?? 1);
        const next = page < 3 ? `/api/employees/search?page=${page + 1}` : null;
        res.end(
          JSON.stringify({
            data: { employees: PEOPLE.slice((page - 1) * 3, page * 3) },
            links: { next },
          }),
        );
      });
    };
    const query = { fields: ["root.id", "work.title"], showInactive: false };
    const read = await readRest(
      settings({
        url: `${hr.base}/api/search`,
        method: "POST",
        body: query,
        paging: { next: "/links/next" },
      }),
      { env: { HR_TOKEN: TOKEN }, retry: fast, sleep: async () => undefined },
    );
    expect(await lines(read)).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(requests.map((r) => r.url)).toEqual([
      "/api/search",
      "/api/employees/search",
      "/api/search",
      "/api/employees/search",
      "/api/employees/search?page=2",
      "/api/employees/search?page=3",
    ]);
    for (const r of requests) {
      expect([r.method, r.type, JSON.parse(r.body)]).toEqual(["POST", "application/json", query]);
    }
    expect(seen.every((s) => s.authorization === `Bearer ${TOKEN}`)).toBe(true);

    // 303 See Other: the answer is elsewhere on the host, read with GET and no body.
    requests.length = 0;
    handler = (req, res, url) => {
      requests.push({
        method: req.method,
        type: req.headers["content-type"],
        body: "",
        url: url.pathname,
      });
      if (req.method === "POST") {
        res.statusCode = 303;
        res.setHeader("location", "/api/result");
        return res.end();
      }
      res.end(JSON.stringify({ data: { employees: PEOPLE.slice(0, 2) } }));
    };
    const seeOther = await readRest(
      settings({ url: `${hr.base}/api/search`, method: "POST", body: query }),
      { env: { HR_TOKEN: TOKEN }, retry: fast },
    );
    expect(await lines(seeOther)).toEqual([1, 2]);
    expect(requests.map((r) => [r.method, r.type, r.url])).toEqual([
      ["POST", "application/json", "/api/search"],
      ["GET", undefined, "/api/result"],
    ]);
  });

  it("refuses a request body without method: POST in the spec", () => {
    const rest = { url: `${hr.base}/api/employees`, auth: { bearerEnv: "HR_TOKEN" } };
    const spec = (over: Record<string, unknown>) =>
      tenantSpec.safeParse(
        makeSpecInput(JSON_COLUMNS, {
          source: "rest",
          csv: {},
          columns: JSON_COLUMNS,
          rest: { ...rest, ...over },
        }),
      );
    const refused = spec({ body: { fields: ["root.id"] } });
    expect(refused.success).toBe(false);
    expect(refused.error?.issues.map((i) => [i.path.join("."), i.message])).toEqual([
      ["provisioning.employees.uploader.rest.body", "a request body needs `method: POST`"],
    ]);
    expect(spec({ method: "POST", body: { fields: ["root.id"] } }).success).toBe(true);
  });

  it("gives up after the retries with the page named, and detects a page that repeats", async () => {
    handler = (_req, res) => ((res.statusCode = 500), res.end());
    const err = await readRest(settings({}), { env: { HR_TOKEN: TOKEN }, retry: fast }).catch(
      (e) => e,
    );
    expect(err).toBeInstanceOf(RestReadError);
    expect((err as Error).message).toMatch(
      /^127\.0\.0\.1:\d+: page 1: answered 500 \(after 7 attempts\)$/,
    );

    handler = (_req, res) => res.end(JSON.stringify({ data: { employees: PEOPLE.slice(0, 2) } }));
    const repeat = readRest(settings({ paging: { pageParam: "page", firstPage: 1, size: 2 } }), {
      env: { HR_TOKEN: TOKEN },
      retry: fast,
    });
    await expect(repeat).rejects.toThrow(/page 2: the page repeats page 1: the paging loops/);
  });
});
