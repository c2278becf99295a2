import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parse } from "yaml";
import { inbound } from "../cli/harness";

const repo = path.resolve(__dirname, "../..");

/** A project directory with the bundled examples as its config/, Pulumi.yaml, and no stack files. */
function project(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "stacks-"));
  fs.cpSync(path.join(repo, "examples"), path.join(dir, "config"), { recursive: true });
  fs.copyFileSync(path.join(repo, "Pulumi.yaml"), path.join(dir, "Pulumi.yaml"));
  return dir;
}

const read = (dir: string, file: string) => parse(fs.readFileSync(path.join(dir, file), "utf8"));

test("--write creates one stack file per tenant with the ids of its spec", async () => {
  const dir = project();
  const r = await inbound(["stacks", "--write"], { cwd: dir });
  expect(r.code).toBe(0);
  expect(r.out).toContain("config/tenants/contoso.yaml -> Pulumi.contoso.yaml: written\n");
  expect(read(dir, "Pulumi.contoso.yaml")).toEqual({
    config: {
      "inbound:spec": "config/tenants/contoso.yaml",
      "azuread:tenantId": "0b8e7d3c-5f0a-4d6e-9c2b-1a2b3c4d5e6f",
      "azure-native:tenantId": "0b8e7d3c-5f0a-4d6e-9c2b-1a2b3c4d5e6f",
      "azure-native:subscriptionId": "6f1c2d3e-4b5a-4c6d-8e7f-9a0b1c2d3e4f",
    },
  });
  expect(
    fs
      .readdirSync(dir)
      .filter((f) => f.startsWith("Pulumi."))
      .sort(),
  ).toEqual([
    "Pulumi.contoso-ad.yaml",
    "Pulumi.contoso.yaml",
    "Pulumi.fabrikam.yaml",
    "Pulumi.yaml",
  ]);
  // Written, the check passes.
  const again = await inbound(["stacks"], { cwd: dir });
  expect(again.code).toBe(0);
  expect(again.out).toContain("Pulumi.fabrikam.yaml: up to date");
});

test("a check reports a missing stack file, a stale id and a stack without a tenant file", async () => {
  const dir = project();
  await inbound(["stacks", "--write"], { cwd: dir });
  fs.rmSync(path.join(dir, "Pulumi.fabrikam.yaml"));
  const contoso = path.join(dir, "Pulumi.contoso.yaml");
  fs.writeFileSync(
    contoso,
    fs.readFileSync(contoso, "utf8").replace("azuread:tenantId: 0b8e", "azuread:tenantId: 1b8e"),
  );
  fs.writeFileSync(path.join(dir, "Pulumi.northwind.yaml"), "config: {}\n");
  const r = await inbound(["stacks"], { cwd: dir });
  expect(r.code).toBe(1);
  expect(r.out).toContain("Pulumi.fabrikam.yaml: missing\n");
  expect(r.out).toContain("Pulumi.contoso.yaml: out of date (azuread:tenantId)\n");
  expect(r.out).toContain(
    "Pulumi.northwind.yaml: no tenant file in config/tenants has tenant.name northwind\n",
  );
  expect(r.err).toContain("2 stack file(s) to write: run `inbound stacks --write`");
});

test("--write keeps what else a stack file holds", async () => {
  const dir = project();
  fs.writeFileSync(
    path.join(dir, "Pulumi.contoso.yaml"),
    [
      "secretsprovider: passphrase",
      "encryptionsalt: v1:abc",
      "config:",
      "  # set by the operator",
      "  inbound:activeDirectorySecretKeys:",
      "    domainKey: Domain",
      "  azuread:tenantId: wrong",
      "",
    ].join("\n"),
  );
  await inbound(["stacks", "--write"], { cwd: dir });
  const text = fs.readFileSync(path.join(dir, "Pulumi.contoso.yaml"), "utf8");
  expect(text).toContain("# set by the operator");
  const stack = read(dir, "Pulumi.contoso.yaml");
  expect(stack.encryptionsalt).toBe("v1:abc");
  expect(stack.config["inbound:activeDirectorySecretKeys"]).toEqual({ domainKey: "Domain" });
  expect(stack.config["azuread:tenantId"]).toBe("0b8e7d3c-5f0a-4d6e-9c2b-1a2b3c4d5e6f");
});

test("two tenant files with one tenant.name are refused", async () => {
  const dir = project();
  fs.copyFileSync(
    path.join(dir, "config/tenants/fabrikam.yaml"),
    path.join(dir, "config/tenants/fabrikam-copy.yaml"),
  );
  const r = await inbound(["stacks", "--write"], { cwd: dir });
  expect(r.code).toBe(1);
  expect(r.err).toContain(
    "config/tenants/fabrikam.yaml: tenant.name fabrikam is also the name in config/tenants/fabrikam-copy.yaml",
  );
});

test("a tenant file that does not load is exit 1 with its diagnostics", async () => {
  const dir = project();
  fs.writeFileSync(path.join(dir, "config/tenants/broken.yaml"), "tenant: { name: x }\n");
  const r = await inbound(["stacks"], { cwd: dir });
  expect(r.code).toBe(1);
  expect(r.err).toMatch(/^config\/tenants\/broken\.yaml:1:\d+: /m);
});

test("a missing directory is exit 1", async () => {
  const r = await inbound(["stacks", "--dir", "nowhere"], { cwd: project() });
  expect(r.code).toBe(1);
  expect(r.err).toBe("nowhere: no such directory\n");
});
