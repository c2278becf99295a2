import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { reviewFleet } from "../../lib/review/fleet";
import { inbound } from "../cli/harness";

const repo = path.resolve(__dirname, "../..");

/**
 * A git repository with the bundled examples as its config/ plus a third tenant on the Entra base (tailspin, a
 * copy of fabrikam), committed; then a mapping added to config/base/entra-employees.yaml in the
 * working tree. contoso, fabrikam and tailspin extend that base; contoso-ad does not.
 */
function fleetRepo(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "diff-all-"));
  fs.cpSync(path.join(repo, "examples"), path.join(dir, "config"), { recursive: true });
  const fabrikam = fs.readFileSync(path.join(dir, "config/tenants/fabrikam.yaml"), "utf8");
  fs.writeFileSync(
    path.join(dir, "config/tenants/tailspin.yaml"),
    fabrikam.replace("name: fabrikam", "name: tailspin").replace(/fabrikam\.com/g, "tailspin.com"),
  );
  const git = (...a: string[]) => execFileSync("git", a, { cwd: dir, stdio: "pipe" });
  git("init", "-q");
  git("add", ".");
  git("-c", "user.email=t@t", "-c", "user.name=t", "commit", "-qm", "fleet");
  const basePath = path.join(dir, "config/base/entra-employees.yaml");
  const baseText = fs.readFileSync(basePath, "utf8");
  const edited = baseText.replace(
    '      jobTitle: "[title]"\n',
    '      jobTitle: "[title]"\n      companyName: \'"Northwind Group"\'\n',
  );
  expect(edited).not.toBe(baseText);
  fs.writeFileSync(basePath, edited);
  return dir;
}

test("a base change fans out to the three tenants that extend it, and no other", () => {
  const dir = fleetRepo();
  const review = reviewFleet("config/tenants", "HEAD", dir);
  expect(review.errors).toEqual([]);
  const status = Object.fromEntries(review.tenants.map((t) => [t.tenant, t.status]));
  expect(status).toEqual({
    contoso: "changed",
    "contoso-ad": "unchanged",
    fabrikam: "changed",
    tailspin: "changed",
  });
  for (const t of review.tenants.filter((t) => t.status === "changed")) {
    expect(t.diff!.changes).toEqual([
      {
        path: "provisioning.employees.mappings.companyName",
        after: { expression: '"Northwind Group"', apply: "always" },
      },
    ]);
  }
});

describe("inbound diff --all", () => {
  const dir = fleetRepo();

  test("Markdown: one row per tenant, exit 3", async () => {
    const r = await inbound(
      ["diff", "--all", "config/tenants", "--base-ref", "HEAD", "--markdown"],
      { cwd: dir },
    );
    expect(r.err).toBe("");
    expect(r.code).toBe(3);
    expect(r.out).toContain("3 of 4 tenants changed, 0 risks.");
    expect(r.out).toContain("| contoso-ad | <code>config/tenants/contoso-ad.yaml</code> | 0 | 0 |");
    expect(r.out).toContain("| tailspin | <code>config/tenants/tailspin.yaml</code> | 1 | 0 |");
    expect(r.out.match(/<details>/g)).toHaveLength(3);
  });

  test("a tenant file added since the ref is reported as added", async () => {
    const extra = fs.mkdtempSync(path.join(os.tmpdir(), "diff-all-add-"));
    fs.cpSync(dir, extra, { recursive: true });
    fs.copyFileSync(
      path.join(extra, "config/tenants/tailspin.yaml"),
      path.join(extra, "config/tenants/woodgrove.yaml"),
    );
    fs.rmSync(path.join(extra, "config/tenants/fabrikam.yaml"));
    const r = await inbound(["diff", "--all", "config/tenants", "--base-ref", "HEAD", "--json"], {
      cwd: extra,
    });
    const byFile = Object.fromEntries(
      JSON.parse(r.out).tenants.map((t: { file: string; status: string }) => [t.file, t.status]),
    );
    expect(byFile["config/tenants/woodgrove.yaml"]).toBe("added");
    expect(byFile["config/tenants/fabrikam.yaml"]).toBe("removed");
    expect(r.code).toBe(3);
  });

  test("no change since the ref: exit 0", async () => {
    const clean = fs.mkdtempSync(path.join(os.tmpdir(), "diff-all-clean-"));
    fs.cpSync(dir, clean, { recursive: true });
    execFileSync("git", ["checkout", "-q", "--", "."], { cwd: clean });
    const r = await inbound(["diff", "--all", "config/tenants", "--base-ref", "HEAD"], {
      cwd: clean,
    });
    expect(r.out).toBe("0 of 4 tenant files changed since HEAD\n");
    expect(r.code).toBe(0);
  });

  test("an unknown ref is exit 1, naming it", async () => {
    const r = await inbound(["diff", "--all", "config/tenants", "--base-ref", "no-such-ref"], {
      cwd: dir,
    });
    expect(r.code).toBe(1);
    expect(r.err).toContain("--base-ref no-such-ref:");
  });

  test.each([
    [["diff", "--all", "config/tenants"], "--all needs --base-ref"],
    [["diff", "a.yaml", "--all", "config/tenants", "--base-ref", "HEAD"], "--all takes no"],
    [["diff", "a.yaml", "b.yaml", "--base-ref", "HEAD"], "--base-ref goes with --all"],
    [["diff", "a.yaml"], "give <base> and <head>"],
  ])("usage: %j", async (args, message) => {
    const r = await inbound(args, { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.err).toContain(message);
    expect(r.err).toContain("inbound diff --help");
  });
});

test("--all --csv <dir>: each tenant's apps read <dir>/<tenant>/<app>.csv, and only they", async () => {
  const dir = fleetRepo();
  fs.mkdirSync(path.join(dir, "hr/contoso"), { recursive: true });
  fs.copyFileSync(path.join(repo, "examples/hr.csv"), path.join(dir, "hr/contoso/employees.csv"));
  const r = await inbound(
    ["diff", "--all", "config/tenants", "--base-ref", "HEAD", "--csv", "hr", "--json"],
    { cwd: dir },
  );
  expect(r.err).toBe("");
  expect(r.code).toBe(3);
  const tenants = JSON.parse(r.out).tenants as { tenant: string; impact?: unknown }[];
  const impact = Object.fromEntries(tenants.map((t) => [t.tenant, t.impact]));
  expect(impact.fabrikam).toBeUndefined();
  const contoso = impact.contoso as Record<
    string,
    { records: number; changed: Record<string, { count: number }> }
  >;
  expect(contoso.employees.records).toBeGreaterThan(0);
  expect(contoso.employees.changed.companyName.count).toBeGreaterThan(0);
  expect(contoso.employees.changed.companyName.count).toBeLessThanOrEqual(
    contoso.employees.records,
  );
  // A git repository, four tenants loaded at two revisions and an HR file: slow on a busy machine.
}, 120_000);
