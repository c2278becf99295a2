/**
 * Issue 26, case 15: values from elsewhere (a tenant, an HR header) that look like the spec's own
 * syntax. What `export` and `init` write validates and reads back to the values they came from:
 * a literal `${...}` is written `$${...}`, and no key is a name the loader reserves.
 */
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { startGraphEmulator, type GraphEmulator } from "../../lib/emulator";
import { loadSpec } from "../../lib/loader/load";
import type { TenantSpec } from "../../lib/model/schema";
import { inbound } from "../cli/harness";
import { deploy } from "../export/deploy";

const ROOT = path.join(__dirname, "..", "..");

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "inbound-hostile-values-"));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

function loaded(file: string): TenantSpec {
  const result = loadSpec(file);
  expect(result.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
  return result.spec!;
}

describe("export", () => {
  let emulator: GraphEmulator;
  beforeEach(async () => {
    emulator = await startGraphEmulator();
    process.env.INBOUND_GRAPH_TOKEN = emulator.token;
  });
  afterEach(async () => {
    delete process.env.INBOUND_GRAPH_TOKEN;
    await emulator.close();
  });
  const cli = (args: string[]) =>
    inbound(args, { env: { INBOUND_GRAPH_TOKEN: emulator.token }, cwd: dir });

  test("tenant values holding `${...}` and a workflow named Constructor: valid, the same values, no drift", async () => {
    const spec = loaded(path.join(ROOT, "examples", "tenants", "contoso.yaml"));
    const [appKey] = Object.keys(spec.provisioning);
    const app = spec.provisioning[appKey];
    app.displayName = "Contoso HR ${legacy} - employees";
    app.mappings.jobTitle = { expression: "[title]", default: "Dept ${x}", apply: "always" };
    spec.lifecycleWorkflows["onboard-pre-hire"].displayName = "Constructor";
    spec.lifecycleWorkflows["onboard-pre-hire"].description = "Starts $${days} or ${days} early";
    await deploy(emulator, spec);

    const out = path.join(dir, "exported.yaml");
    const exported = await cli([
      ...["export", "--tenant", spec.tenant.id, "--graph-url", emulator.url],
      ...["--location", "westeurope", "--out", out],
    ]);
    expect(exported.code).toBe(0);
    const text = fs.readFileSync(out, "utf8");
    expect(text).toContain("Contoso HR $${legacy} - employees");
    expect(text).toContain("Starts $$${days} or $${days} early");

    const validated = await cli(["validate", out]);
    expect([validated.code, validated.err]).toEqual([0, ""]);
    const back = loaded(out);
    expect(Object.values(back.provisioning).map((a) => a.displayName)).toEqual([
      "Contoso HR ${legacy} - employees",
    ]);
    expect(Object.values(back.provisioning)[0].mappings.jobTitle).toMatchObject({
      default: "Dept ${x}",
    });
    expect(Object.keys(back.lifecycleWorkflows)).toContain("constructor-2");
    expect(back.lifecycleWorkflows["constructor-2"]).toMatchObject({
      displayName: "Constructor",
      description: "Starts $${days} or ${days} early",
    });

    const drift = await cli(["drift", "--spec", out, "--graph-url", emulator.url]);
    expect([drift.code, drift.err]).toEqual([0, ""]);
  });
});

describe("init", () => {
  const cli = (args: string[]) => inbound(args, { cwd: dir });

  test("a header column `Dept ${x}`: the spec validates and reads the column by its name", async () => {
    fs.writeFileSync(path.join(dir, "hr.csv"), "WorkerID,Dept ${x},Ext $${y}\n1,IT,a\n");
    const init = await cli(["init", "--csv", "hr.csv", "--out", "tenant.yaml"]);
    expect([init.code, init.err]).toEqual([0, ""]);
    const text = fs.readFileSync(path.join(dir, "tenant.yaml"), "utf8");
    expect(text).toContain('["WorkerID", "Dept $${x}", "Ext $$${y}"]');

    const validated = await cli(["validate", "tenant.yaml"]);
    expect(validated.code).toBe(0);
    expect(validated.err).not.toMatch(/error/);
    const app = loaded(path.join(dir, "tenant.yaml")).provisioning.employees;
    expect(app.uploader?.csv?.header).toEqual(["WorkerID", "Dept ${x}", "Ext $${y}"]);
  });

  test("--out follows the one writer's rules: a symbolic link or a FIFO is refused, even with --force", async () => {
    fs.writeFileSync(path.join(dir, "elsewhere.yaml"), "theirs\n");
    fs.symlinkSync(path.join(dir, "elsewhere.yaml"), path.join(dir, "link.yaml"));
    expect(await cli(["init", "--out", "link.yaml", "--force"])).toEqual({
      code: 1,
      out: "",
      err: "inbound init: --out link.yaml is a symbolic link, not a regular file; name another path\n",
    });
    expect(fs.readFileSync(path.join(dir, "elsewhere.yaml"), "utf8")).toBe("theirs\n");
    const fifo = path.join(dir, "fifo.yaml");
    execFileSync("mkfifo", [fifo]);
    expect(await cli(["init", "--out", "fifo.yaml", "--force"])).toEqual({
      code: 1,
      out: "",
      err: "inbound init: --out fifo.yaml is a FIFO (named pipe), not a regular file; name another path\n",
    });
  });
});
