/**
 * The token-host rule and bounded reads where the user meets them: `validate`, and the options
 * and files of `upload`, `simulate` and `logs`. Each is refused before any request is made.
 */
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { stringify } from "yaml";
import { inbound } from "../cli/harness";
import { csvOf, makeSpecInput, row } from "../upload/helpers";

const EXPECTED =
  "must be https:// on a Microsoft Graph host (graph.microsoft.com, graph.microsoft.us, dod-graph.microsoft.us, microsoftgraph.chinacloudapi.cn), or http://127.0.0.1, localhost or [::1] for the emulator";

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "inbound-hardening-cli-"));
  fs.writeFileSync(path.join(dir, "tenant.yaml"), stringify(makeSpecInput()));
  fs.writeFileSync(path.join(dir, "hr.csv"), csvOf([row("1")]));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

// No request can be made: a token that would be sent anywhere fails the test loudly.
const cli = (args: string[]) =>
  inbound(args, { cwd: dir, env: { INBOUND_GRAPH_TOKEN: "must-not-be-sent" } });
const base = ["--spec", "tenant.yaml", "--app", "employees"];

describe("graph.baseUrl", () => {
  it.each([
    ["another host", "https://graph.evil.example"],
    ["plain http to Graph", "http://graph.microsoft.com"],
    ["a look-alike", "https://graph.microsoft.com.evil.example"],
  ])("is a validate error for %s, positioned at graph.baseUrl", async (_name, url) => {
    fs.writeFileSync(
      path.join(dir, "tenant.yaml"),
      stringify({ ...makeSpecInput(), graph: { baseUrl: url } }),
    );
    const lines = fs.readFileSync(path.join(dir, "tenant.yaml"), "utf8").split("\n");
    const line = lines.findIndex((l) => l.includes("baseUrl:")) + 1;
    const column = lines[line - 1].indexOf(url) + 1;
    expect(await cli(["validate", "tenant.yaml"])).toEqual({
      code: 1,
      out: "",
      err: `tenant.yaml:${line}:${column}: graph.baseUrl: ${EXPECTED}; got ${JSON.stringify(url)}\n`,
    });
  });

  it.each([
    "https://graph.microsoft.us",
    "https://dod-graph.microsoft.us",
    "https://microsoftgraph.chinacloudapi.cn",
    "http://127.0.0.1:4010",
  ])("accepts %s", async (url) => {
    fs.writeFileSync(
      path.join(dir, "tenant.yaml"),
      stringify({ ...makeSpecInput(), graph: { baseUrl: url } }),
    );
    expect(await cli(["validate", "tenant.yaml"])).toEqual({
      code: 0,
      out: "tenant.yaml: ok\n",
      err: "",
    });
  });
});

describe("endpoint overrides are usage errors", () => {
  const endpoint =
    "https://graph.evil.example/v1.0/servicePrincipals/sp/synchronization/jobs/j/bulkUpload";
  it.each([
    ["upload", "--endpoint", endpoint],
    ["upload", "--graph-url", "http://10.0.0.5"],
    ["logs", "--endpoint", endpoint],
    ["logs", "--graph-url", "https://graph.evil.example"],
  ])("%s %s", async (command, option, url) => {
    const csv = command === "upload" ? ["--csv", "hr.csv"] : [];
    expect(await cli([command, ...base, ...csv, option, url])).toEqual({
      code: 2,
      out: "",
      err:
        `error: option '${option} <url>' argument '${url}' is invalid. It receives the Graph token, so it ${EXPECTED}; got ${JSON.stringify(url)}.\n` +
        `(run \`inbound ${command} --help\` for usage)\n`,
    });
  });
});

describe("the CSV path must be a regular file", () => {
  const refusal = (file: string, kind: string) =>
    `--csv ${file}: it is ${kind}, not a regular file; save the data to a file and name that\n`;

  // `init` reads only the header line, and a FIFO would still hold it waiting for a writer.
  const commands: [string, string[]][] = [
    ["upload", base],
    ["simulate", base],
    ["init", []],
  ];

  it.each(commands)("%s refuses /dev/zero", async (command, args) => {
    expect(await cli([command, ...args, "--csv", "/dev/zero"])).toEqual({
      code: 1,
      out: "",
      err: refusal("/dev/zero", "a character device"),
    });
  });

  it.each(commands)("%s refuses a FIFO without waiting for a writer", async (command, args) => {
    execFileSync("mkfifo", [path.join(dir, "hr.fifo")]);
    expect(await cli([command, ...args, "--csv", "hr.fifo"])).toEqual({
      code: 1,
      out: "",
      err: refusal("hr.fifo", "a FIFO (named pipe)"),
    });
  });

  it("refuses a directory", async () => {
    expect(await cli(["simulate", ...base, "--csv", "."])).toEqual({
      code: 1,
      out: "",
      err: refusal(".", "a directory"),
    });
  });
});

describe("a --state that is not a state directory", () => {
  it("report names it and exits 1 before any request", async () => {
    const result = await cli(["report", ...base, "--state", "hr.csv"]);
    expect([result.code, result.out]).toEqual([1, ""]);
    expect(result.err).toBe(
      `${path.join(dir, "hr.csv")}: the state cannot be read (ENOTDIR: not a directory, scandir '${path.join(dir, "hr.csv")}')\n`,
    );
  });
});
