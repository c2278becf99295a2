import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { run } from "../../cli/main";
import type { CliIo } from "../../cli/io";

const ROOT = path.resolve(__dirname, "..", "..");
const TENANT =
  "tenant: { name: t1, id: 0b8e7d3c-5f0a-4d6e-9c2b-1a2b3c4d5e6f, domain: contoso.com }\n";

async function inbound(args: string[], cwd = ROOT) {
  let out = "";
  let err = "";
  const io: CliIo = {
    out: (t) => (out += t),
    err: (t) => (err += t),
    isTTY: false,
    env: {},
    cwd,
  };
  const code = await run(["node", "inbound", ...args], io);
  return { code, out, err };
}

let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "inbound-validate-"));
  fs.writeFileSync(path.join(dir, "good.yaml"), TENANT);
  fs.writeFileSync(path.join(dir, "bad.yaml"), TENANT.replace("domain: contoso.com", "domain: x"));
  fs.writeFileSync(path.join(dir, "tabs.yaml"), "tenant:\n\tname: t1\n");
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe("inbound validate", () => {
  it("accepts all three examples", async () => {
    const files = fs
      .readdirSync(path.join(ROOT, "config/tenants"))
      .filter((f) => f.endsWith(".yaml"))
      .sort()
      .map((f) => `config/tenants/${f}`);
    expect(files).toEqual([
      "config/tenants/contoso-ad.yaml",
      "config/tenants/contoso.yaml",
      "config/tenants/fabrikam.yaml",
    ]);
    expect(await inbound(["validate", ...files])).toEqual({
      code: 0,
      out:
        "config/tenants/contoso-ad.yaml: ok\n" +
        "config/tenants/contoso.yaml: ok\n" +
        "config/tenants/fabrikam.yaml: ok\n",
      err: "",
    });
  });

  it("prints one positioned error per problem and exits 1, without a stack trace", async () => {
    expect(await inbound(["validate", "good.yaml", "bad.yaml", "tabs.yaml"], dir)).toEqual({
      code: 1,
      out: "good.yaml: ok\n",
      err:
        "bad.yaml:1:71: tenant.domain: must be a DNS domain name like contoso.com\n" +
        "tabs.yaml:2:1: YAML: tabs cannot indent YAML; indent with spaces\n",
    });
  });

  it("reports a missing file as a diagnostic", async () => {
    expect(await inbound(["validate", "nope.yaml"], dir)).toEqual({
      code: 1,
      out: "",
      err: "nope.yaml:1:1: cannot read the file: ENOENT\n",
    });
  });

  it("prints JSON with --json", async () => {
    const result = await inbound(["validate", "--json", "good.yaml", "bad.yaml"], dir);
    expect(result.code).toBe(1);
    expect(result.err).toBe("");
    expect(JSON.parse(result.out)).toEqual({
      valid: false,
      files: [
        { file: "good.yaml", diagnostics: [] },
        {
          file: "bad.yaml",
          diagnostics: [
            {
              file: "bad.yaml",
              line: 1,
              column: 71,
              path: "tenant.domain",
              message: "must be a DNS domain name like contoso.com",
              severity: "error",
            },
          ],
        },
      ],
    });
    const ok = await inbound(["validate", "--json", "good.yaml"], dir);
    expect(ok.code).toBe(0);
    expect(JSON.parse(ok.out)).toEqual({
      valid: true,
      files: [{ file: "good.yaml", diagnostics: [] }],
    });
  });

  it("is a usage error (exit 2) without files", async () => {
    expect(await inbound(["validate"])).toEqual({
      code: 2,
      out: "",
      err: "error: missing required argument 'spec'\n(run `inbound --help` for usage)\n",
    });
  });
});
