/**
 * The light commands start without the heavy SDKs: each command runs as a user runs it, in a
 * child process through bin/inbound.js, and reports at exit every module file it loaded
 * (`require.cache`). In process, jest's own module registry would hide what a real run loads.
 */
import { execFile } from "child_process";
import { mkdtempSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import * as path from "path";
import { promisify } from "util";
import { stringify } from "yaml";
import { startGraphEmulator } from "../../lib/emulator";
import { makeSpecInput, SAMPLE_2, seedApiDrivenApp } from "../upload/helpers";

const ROOT = path.resolve(__dirname, "..", "..");
const BIN = path.join(ROOT, "bin", "inbound.js");
const CONTOSO = path.join(ROOT, "examples", "tenants", "contoso.yaml");
const EXAMPLE_CSV = path.join(ROOT, "examples", "hr.csv");

/** Pulumi and its gRPC runtime, the Azure SDK, the Graph SDK: what only some commands need. */
const HEAVY = ["@pulumi", "@grpc", "@azure", "@microsoft/microsoft-graph-client"];
const MARK = "loaded-packages:";

/**
 * Runs `inbound ...args` in a child Node and resolves to the packages it loaded by the time it
 * exited, as "scope/name" or "name", with its exit code and output.
 */
async function loadedBy(args: string[], env: NodeJS.ProcessEnv = {}, cwd = ROOT) {
  // `node -e script -- args` puts the arguments from argv[1] (the `--` keeps Node from reading
  // `--help` as its own); the CLI reads them from argv[2], as after a script path.
  const script = `process.on("exit", () => {
  const names = new Set();
  for (const file of Object.keys(require.cache)) {
    const at = file.lastIndexOf("node_modules/");
    const m = at === -1 ? null : /^((?:@[^/]+\\/)?[^/]+)\\//.exec(file.slice(at + 13));
    if (m) names.add(m[1]);
  }
  process.stderr.write(${JSON.stringify(MARK)} + JSON.stringify([...names]) + "\\n");
});
process.argv.splice(1, 0, ${JSON.stringify(BIN)});
require(${JSON.stringify(BIN)});`;
  const run = promisify(execFile);
  let result: { stdout: string; stderr: string; code: number };
  try {
    const { stdout, stderr } = await run(process.execPath, ["-e", script, "--", ...args], {
      cwd,
      env: { PATH: process.env.PATH, ...env },
    });
    result = { stdout, stderr, code: 0 };
  } catch (err) {
    const e = err as { stdout: string; stderr: string; code: number };
    result = { stdout: e.stdout, stderr: e.stderr, code: e.code };
  }
  const line = result.stderr.split("\n").find((l) => l.startsWith(MARK));
  if (!line) throw new Error(`no module report from inbound ${args.join(" ")}: ${result.stderr}`);
  const packages: string[] = JSON.parse(line.slice(MARK.length));
  return { ...result, packages };
}

const heavy = (packages: string[]) =>
  packages.filter((p) => HEAVY.some((h) => p === h || p.startsWith(`${h}/`)));

describe("commands load only the SDKs they need", () => {
  test.each([
    ["--help", ["--help"]],
    ["--version", ["--version"]],
    ["validate", ["validate", CONTOSO]],
    ["expr", ["expr", 'Join(" ", "Zoë", "Ng")']],
    ["simulate", ["simulate", "--spec", CONTOSO, "--app", "employees", "--csv", EXAMPLE_CSV]],
    ["a subcommand's help", ["upload", "--help"]],
    ["a usage error", ["validate"]],
  ])("%s loads no Pulumi, gRPC, Azure or Graph SDK", async (_title, args) => {
    const { packages, code, stderr } = await loadedBy(args);
    expect(stderr).not.toContain("internal error");
    expect([0, 2]).toContain(code);
    expect(packages).toContain("commander");
    expect(heavy(packages)).toEqual([]);
  });

  test("--version prints package.json's version", async () => {
    const { stdout, code } = await loadedBy(["--version"]);
    expect(code).toBe(0);
    expect(stdout).toBe(`${require("../../package.json").version}\n`);
  });

  test("plan loads Pulumi (so the check above can see it)", async () => {
    const { packages } = await loadedBy(["plan", "--help"]);
    expect(heavy(packages)).toContain("@pulumi/pulumi");
  });

  test("upload, looking its app up in Graph, loads the Graph client but not Pulumi", async () => {
    const emulator = await startGraphEmulator();
    try {
      await seedApiDrivenApp(emulator, "Contoso HR inbound - employees");
      const dir = mkdtempSync(path.join(tmpdir(), "inbound-lazy-"));
      writeFileSync(path.join(dir, "tenant.yaml"), stringify(makeSpecInput()));
      const { packages, code, stdout, stderr } = await loadedBy(
        ["upload", "--spec", "tenant.yaml", "--app", "employees", "--csv", SAMPLE_2].concat([
          "--graph-url",
          emulator.url,
        ]),
        { INBOUND_GRAPH_TOKEN: emulator.token },
        dir,
      );
      expect({ code, stdout, stderr: stderr.replace(/^loaded-packages:.*\n/m, "") }).toEqual({
        code: 0,
        stdout: expect.stringContaining("sent 2"),
        // Microsoft's 2-record sample names managers that are not in it.
        stderr:
          "2 manager ids are neither in the file nor known from earlier runs: 1684, 1959 (manager of 2 records sent); Entra leaves their manager empty until a record with that id is sent\n",
      });
      expect(emulator.state.directory.bulkUploads).toHaveLength(1);
      expect(heavy(packages)).toEqual(["@microsoft/microsoft-graph-client"]);
    } finally {
      await emulator.close();
    }
  });
});
