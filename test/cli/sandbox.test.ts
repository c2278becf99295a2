/**
 * `inbound sandbox`, as a new user meets it: the bundled example deployed into the emulator in a
 * child process, then the upload and logs commands it prints, run as printed, against the sample
 * HR file that ships in examples/; then Ctrl+C. One child process for the whole flow, and one for
 * a deployment that fails; the rest runs in process.
 */
import { spawn, type ChildProcess } from "child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import * as net from "net";
import * as path from "path";
import { inbound } from "./harness";
import { describeSandbox, type SandboxFacts } from "../../cli/commands/sandbox";
import { tokenTenant } from "../../lib/graph";

const ROOT = path.join(__dirname, "..", "..");
const TENANT_ID = "0b8e7d3c-5f0a-4d6e-9c2b-1a2b3c4d5e6f";

/** The first line the child writes to stdout, or its exit and stderr if it ends first. */
function firstLine(child: ChildProcess): Promise<string> {
  return new Promise((resolve, reject) => {
    let out = "";
    let err = "";
    child.stderr!.on("data", (chunk: Buffer) => (err += chunk.toString()));
    const onData = (chunk: Buffer) => {
      out += chunk.toString();
      const end = out.indexOf("\n");
      if (end >= 0) {
        child.stdout!.off("data", onData);
        resolve(out.slice(0, end));
      }
    };
    child.stdout!.on("data", onData);
    child.once("exit", (code) => reject(new Error(`sandbox exited ${code}: ${err}`)));
  });
}

const exitOf = (child: ChildProcess) =>
  new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));

test("the sandbox deploys the example, the printed upload and logs commands run against it, and Ctrl+C ends it with 0", async () => {
  const child = spawn(
    process.execPath,
    [path.join(ROOT, "bin", "inbound.js"), "sandbox", "--port", "0", "--json"],
    { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] },
  );
  try {
    const facts = JSON.parse(await firstLine(child)) as SandboxFacts;
    expect(facts.baseUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(facts.baseUrl).not.toMatch(/:0$/);
    expect(facts.spec).toBe(path.join("examples", "tenants", "contoso.yaml"));
    expect(facts.csv).toBe(path.join("examples", "hr.csv"));
    // A token the CLI's tenant check takes for the spec's tenant.
    expect(tokenTenant(facts.token)).toBe(TENANT_ID);
    expect(facts.apps.map((a) => a.key)).toEqual(["employees"]);
    const app = facts.apps[0];
    expect(app.bulkUploadUrl).toBe(
      `${facts.baseUrl}/v1.0/servicePrincipals/${app.servicePrincipalId}/synchronization/jobs/${app.jobId}/bulkUpload`,
    );
    // The spec's schema, secrets, workflows and extension were created by their providers.
    expect(facts.created).toMatchObject({
      "pulumi-nodejs:dynamic/inbound-provisioning-job:Resource": 1,
      "pulumi-nodejs:dynamic/inbound-synchronization-schema:Resource": 1,
      "pulumi-nodejs:dynamic/inbound-synchronization-secrets:Resource": 1,
      "pulumi-nodejs:dynamic/inbound-provisioning-job-start:Resource": 1,
      "pulumi-nodejs:dynamic/inbound-lifecycle-workflow:Resource": 2,
      "pulumi-nodejs:dynamic/inbound-custom-task-extension:Resource": 1,
    });

    // The commands as printed: the sample HR file that ships, the emulator as Graph.
    expect(app.upload).toEqual([
      "upload",
      "--spec",
      facts.spec,
      "--app",
      "employees",
      "--csv",
      path.join("examples", "hr.csv"),
      "--graph-url",
      facts.baseUrl,
      "--state",
      expect.any(String),
    ]);
    const env = { INBOUND_GRAPH_TOKEN: facts.token };
    const upload = await inbound(app.upload!, { cwd: ROOT, env });
    expect(upload.err).toBe("");
    expect(upload.code).toBe(0);
    const rows = readFileSync(path.join(ROOT, "examples", "hr.csv"), "utf8")
      .trim()
      .split("\n");
    expect(upload.out).toContain(`sent ${rows.length - 1} records`);

    const logs = await inbound([...app.logs, "--json"], { cwd: ROOT, env });
    expect(logs.code).toBe(0);
    const summary = JSON.parse(logs.out) as {
      records: { externalId: string; status: string; action?: string; reason?: string }[];
    };
    const byId = new Map(summary.records.map((r) => [r.externalId, r]));
    expect(byId.size).toBe(rows.length - 1);
    // Ada is in IT and active: in the example's scope, created; 1006 works in another department.
    expect(byId.get("1001")).toMatchObject({ status: "success", action: "create" });
    expect(byId.get("1006")).toMatchObject({ status: "skipped" });
    expect(byId.get("1006")!.reason).toMatch(/out of scope/);

    // Without the token loaded, one line naming the file that holds it, not the Azure sign-in's
    // errors.
    const unloaded = await inbound(["drift", "--spec", facts.spec, "--graph-url", facts.baseUrl], {
      cwd: ROOT,
      env: {},
    });
    expect(unloaded).toEqual({
      code: 1,
      out: "",
      err: `could not read the live tenant: app employees: INBOUND_GRAPH_TOKEN is not set: load the sandbox's token with \`. ${facts.envFile}\` in this shell, then run the command again\n`,
    });

    // The users the emulator created, through Graph as a script would read them.
    const read = async (query: string) => {
      const response = await fetch(`${facts.baseUrl}/v1.0/users?$filter=${query}`, {
        headers: { authorization: `Bearer ${facts.token}` },
      });
      return ((await response.json()) as { value: Record<string, unknown>[] }).value;
    };
    expect(await read(encodeURIComponent("employeeId eq '1001'"))).toEqual([
      expect.objectContaining({
        displayName: "Ada Lovelace",
        userPrincipalName: "Ada.Lovelace@contoso.com",
        mailNickname: "EMP1001",
        department: "IT",
        accountEnabled: true,
        usageLocation: "NL",
      }),
    ]);
    expect(await read(encodeURIComponent("employeeId eq '1006'"))).toEqual([]);

    // The state and the token file live in one directory per port beside the user, so that the
    // lines to paste are the same on every start (the README's, for the default port).
    const port = new URL(facts.baseUrl).port;
    const home = path.join(ROOT, ".inbound-sandbox", port);
    expect(app.upload![app.upload!.length - 1]).toBe(
      path.join(".inbound-sandbox", port, "state", "employees"),
    );
    expect(facts.envFile).toBe(path.join(".inbound-sandbox", port, "env"));
    expect(readFileSync(path.join(ROOT, facts.envFile), "utf8")).toBe(
      `export INBOUND_GRAPH_TOKEN=${facts.token}\n`,
    );
    expect(existsSync(path.join(home, "state", "employees"))).toBe(true);
    const exited = exitOf(child);
    child.kill("SIGINT");
    expect(await exited).toBe(0);
    // The uploader's state and the token belonged to that emulator and go with it.
    expect(existsSync(home)).toBe(false);
  } finally {
    if (child.exitCode === null) child.kill("SIGKILL");
  }
}, 120_000);

test("a port in use is an exit 1 that names it and says what to do", async () => {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as net.AddressInfo).port;
  try {
    const result = await inbound(["sandbox", "--port", String(port)], { cwd: ROOT });
    expect(result.code).toBe(1);
    expect(result.err).toBe(
      `inbound sandbox: port ${port} on 127.0.0.1 is in use; pass another with --port, or --port 0 for any free port\n`,
    );
    expect(result.out).toBe("");
  } finally {
    server.close();
  }
});

test("a port Node's fetch blocks is an exit 1 that says so, not an internal error", async () => {
  // The Fetch standard's blocked ports include 6665-6669; one of them is free here.
  let port: number | undefined;
  for (const candidate of [6665, 6666, 6667, 6668, 6669]) {
    const server = net.createServer();
    const free = await new Promise<boolean>((resolve) => {
      server.once("error", () => resolve(false));
      server.listen(candidate, "127.0.0.1", () => resolve(true));
    });
    if (free) await new Promise((resolve) => server.close(resolve));
    if (free) {
      port = candidate;
      break;
    }
  }
  expect(port).toBeDefined();
  const result = await inbound(["sandbox", "--port", String(port)], { cwd: ROOT });
  expect([result.code, result.out]).toEqual([1, ""]);
  expect(result.err).toBe(
    `inbound sandbox: Node's fetch refuses to connect to port ${port} (bad port); pass another with --port, or --port 0 for any free port\n`,
  );
});

test("a port that is not a number is a usage error; a spec that does not load is an exit 1", async () => {
  const port = await inbound(["sandbox", "--port", "http"], { cwd: ROOT });
  expect(port.code).toBe(2);
  expect(port.err).toMatch(/--port.*0 to 65535/s);
  expect(port.err).toContain("inbound sandbox --help");

  const spec = await inbound(["sandbox", "--spec", "missing.yaml"], { cwd: ROOT });
  expect(spec.code).toBe(1);
  expect(spec.err).toMatch(/^missing\.yaml/);
});

test("the text form gives the export line and the commands to paste, quoted for the shell", () => {
  const facts: SandboxFacts = {
    baseUrl: "http://127.0.0.1:8777",
    tenantId: TENANT_ID,
    token: "a.b.c",
    envFile: ".inbound-sandbox/8777/env",
    spec: "my tenants/t.yaml",
    csv: "examples/hr.csv",
    apps: [
      {
        key: "employees",
        displayName: "HR",
        servicePrincipalId: "sp",
        jobId: "job",
        bulkUploadUrl:
          "http://127.0.0.1:8777/v1.0/servicePrincipals/sp/synchronization/jobs/job/bulkUpload",
        upload: ["upload", "--spec", "my tenants/t.yaml", "--csv", "examples/hr.csv"],
        logs: ["logs", "--spec", "my tenants/t.yaml"],
      },
    ],
    created: { "pulumi-nodejs:dynamic/inbound-provisioning-job:Resource": 1 },
  };
  const io = (command?: string) => ({
    out: () => undefined,
    err: () => undefined,
    isTTY: false,
    env: {},
    cwd: ROOT,
    command,
  });
  const fromRoot = describeSandbox(io("npm run -s inbound --"), facts);
  expect(fromRoot).toContain("created: 1 provisioning-job\n");
  expect(fromRoot).toContain(
    "\n  . .inbound-sandbox/8777/env    # sets INBOUND_GRAPH_TOKEN=a.b.c\n" +
      "  npm run -s inbound -- upload --spec 'my tenants/t.yaml' --csv examples/hr.csv\n" +
      "  npm run -s inbound -- logs --spec 'my tenants/t.yaml'\n",
  );
  // Started another way, the same way again.
  expect(describeSandbox(io("npx inbound"), facts)).toContain(
    "\n  npx inbound logs --spec 'my tenants/t.yaml'\n",
  );
  expect(describeSandbox(io(), facts)).toContain("\n  inbound logs --spec 'my tenants/t.yaml'\n");
  // A spec of the user's and no --csv: no sample HR file pretending to be theirs.
  const noCsv = describeSandbox(io("npx inbound"), {
    ...facts,
    csv: null,
    apps: [{ ...facts.apps[0], upload: undefined }],
  });
  expect(noCsv).not.toContain("inbound upload");
  expect(noCsv).toContain(
    "No upload command: start the sandbox with --csv <your HR file> for one.",
  );
});

test("the README's sandbox lines are the ones the sandbox prints on its default port", () => {
  const readme = readFileSync(path.join(ROOT, "README.md"), "utf8");
  const port = "8777";
  const state = path.join(".inbound-sandbox", port, "state", "employees");
  const text = describeSandbox(
    {
      out: () => undefined,
      err: () => undefined,
      isTTY: false,
      env: {},
      cwd: ROOT,
      command: "npm run -s inbound --",
    },
    {
      baseUrl: `http://127.0.0.1:${port}`,
      tenantId: TENANT_ID,
      token: "t",
      envFile: path.join(".inbound-sandbox", port, "env"),
      spec: path.join("examples", "tenants", "contoso.yaml"),
      csv: path.join("examples", "hr.csv"),
      apps: [
        {
          key: "employees",
          displayName: "HR",
          servicePrincipalId: "sp",
          jobId: "job",
          bulkUploadUrl: "",
          upload: [
            ...["upload", "--spec", "examples/tenants/contoso.yaml", "--app", "employees"],
            ...["--csv", "examples/hr.csv", "--graph-url", `http://127.0.0.1:${port}`],
            ...["--state", state],
          ],
          logs: [
            ...["logs", "--spec", "examples/tenants/contoso.yaml", "--app", "employees"],
            ...["--since", "1h", "--graph-url", `http://127.0.0.1:${port}`],
          ],
        },
      ],
      created: {},
    },
  );
  const pasted = text
    .split("\n")
    .filter((l) => l.startsWith("  . ") || l.startsWith("  npm run -s inbound"))
    .map((l) => l.trim().replace(/ +# .*$/, ""));
  expect(pasted).toHaveLength(3);
  for (const line of pasted) expect(readme).toContain(`\n${line}\n`);
});

test("the README's upload command, run where there is no hr.csv, says so with exit 1 (not an internal error)", async () => {
  const missing = path.join(ROOT, "hr.csv");
  expect(existsSync(missing)).toBe(false);
  const args = ["--spec", "examples/tenants/contoso.yaml", "--app", "employees", "--csv", "hr.csv"];
  for (const command of [
    ["upload", ...args, "--dry-run"],
    ["simulate", ...args],
  ]) {
    const result = await inbound(command, { cwd: ROOT });
    expect(result).toEqual({
      code: 1,
      out: "",
      err: `--csv hr.csv: there is no such file (looked for ${missing})\n`,
    });
  }
});

test("a resource the emulator refuses ends the sandbox with exit 1 naming the resource and Graph's answer", async () => {
  const dir = mkdtempSync(path.join(tmpdir(), "inbound-sandbox-test-"));
  const template = "11111111-2222-3333-4444-555555555555";
  const spec = path.join(dir, "tenant.yaml");
  writeFileSync(
    spec,
    `extends: ${JSON.stringify(path.join(ROOT, "examples", "tenants", "contoso.yaml"))}\n` +
      `provisioning:\n  employees:\n    applicationTemplateId: ${template}\n`,
  );
  try {
    // A child: Pulumi's mocks report a failed registration as an unhandled rejection, which
    // the command's own process takes and a Jest worker does not.
    const child = spawn(
      process.execPath,
      [path.join(ROOT, "bin", "inbound.js"), "sandbox", "--port", "0", "--spec", spec],
      { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] },
    );
    let out = "";
    let err = "";
    child.stdout!.on("data", (chunk: Buffer) => (out += chunk.toString()));
    child.stderr!.on("data", (chunk: Buffer) => (err += chunk.toString()));
    expect(await exitOf(child)).toBe(1);
    expect(out).toBe("");
    expect(err).toMatch(
      new RegExp(
        `^${spec}: the deployment fails: contoso-employees-app: Graph POST /v1\\.0/applicationTemplates/${template}/instantiate failed: 404 Request_ResourceNotFound: template ${template} \\(request-id [^)]+\\)\\n$`,
      ),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}, 60_000);
