/**
 * The package as `npm pack` makes it, in a project of its own: `npx inbound` runs there, the
 * components load from "inbound", and `inbound init --project` writes a project whose validate,
 * plan and upload (dry run) pass as written. Installing the tarball's dependencies from the
 * registry takes about two minutes here, so the project's node_modules holds the unpacked tarball
 * as `inbound` and links to this repository's copies of the package's runtime dependencies only:
 * a module the package needs but does not declare fails here as it would for a user.
 */
import { execFileSync, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

const ROOT = path.resolve(__dirname, "..", "..");
const manifest = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8"));

let dir: string;
let project: string;
let files: string[];

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "inbound-package-"));
  const tarball = execFileSync("npm", ["pack", "--silent", "--pack-destination", dir], {
    cwd: ROOT,
    encoding: "utf8",
  }).trim();
  files = execFileSync("tar", ["tzf", path.join(dir, tarball)], { encoding: "utf8" })
    .trim()
    .split("\n");
  project = path.join(dir, "infra");
  const modules = path.join(project, "node_modules");
  fs.mkdirSync(modules, { recursive: true });
  execFileSync("tar", ["xzf", path.join(dir, tarball), "-C", modules]);
  fs.renameSync(path.join(modules, "package"), path.join(modules, "inbound"));
  const dependencies = Object.keys({
    ...manifest.dependencies,
    ...manifest.optionalDependencies,
  });
  for (const name of dependencies) {
    const link = path.join(modules, name);
    fs.mkdirSync(path.dirname(link), { recursive: true });
    fs.symlinkSync(path.join(ROOT, "node_modules", name), link);
  }
  fs.mkdirSync(path.join(modules, ".bin"));
  fs.symlinkSync("../inbound/bin/inbound.js", path.join(modules, ".bin", "inbound"));
  // What `npm install /path/to/inbound-<version>.tgz` leaves in an empty directory.
  fs.writeFileSync(
    path.join(project, "package.json"),
    JSON.stringify({ dependencies: { inbound: `file:../${tarball}` } }),
  );
  fs.copyFileSync(path.join(ROOT, "examples", "hr.csv"), path.join(project, "hr.csv"));
}, 60_000);
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** `npx inbound ...` in the project, on this Node.js (the system's may be older). */
function npx(...args: string[]) {
  const PATH = `${path.dirname(process.execPath)}${path.delimiter}${process.env.PATH}`;
  return spawnSync("npx", ["--no", "--", "inbound", ...args], {
    cwd: project,
    encoding: "utf8",
    env: { PATH, HOME: process.env.HOME, TMPDIR: os.tmpdir() },
  });
}

test("the tarball holds the command, the sources, the JSON Schema and the examples, no tests", () => {
  for (const file of [
    "package/bin/inbound.js",
    "package/api.js",
    "package/api.ts",
    "package/config/tenant-spec.schema.json",
    "package/examples/tenants/contoso.yaml",
    "package/policies/PulumiPolicy.yaml",
    "package/docs/tenant-spec.md",
  ]) {
    expect(files).toContain(file);
  }
  expect(files.filter((f) => /\.test\.ts$|^package\/test\//.test(f))).toEqual([]);
  expect(files.filter((f) => f.startsWith("package/config/tenants/"))).toEqual([]);
});

test("installed, npx inbound runs; init --project writes a project whose validate, plan and upload pass", () => {
  expect(npx("--version")).toMatchObject({ status: 0, stdout: `${manifest.version}\n` });

  const init = npx("init", "--project", ".", "--csv", "hr.csv");
  expect(init.stderr).toBe("");
  expect(init.status).toBe(0);
  const tenant = "config/tenants/my-tenant.yaml";
  expect(init.stdout).toBe(
    "wrote Pulumi.yaml, package.json, tsconfig.json, index.ts, .gitignore, config/tenants/my-tenant.yaml, .github/workflows/inbound-review.yml, .github/workflows/inbound-deploy.yml, Pulumi.my-tenant.yaml in .\n" +
      `next: npm install && npx inbound validate ${tenant} && npx inbound plan ${tenant}\n`,
  );
  const pkg = JSON.parse(fs.readFileSync(path.join(project, "package.json"), "utf8"));
  // The installed package stays what the project depends on.
  expect(pkg.dependencies.inbound).toMatch(/^file:\.\.\/inbound-.*\.tgz$/);
  expect(fs.readFileSync(path.join(project, "index.ts"), "utf8")).toContain(
    'import { tenantStack } from "inbound";',
  );
  expect(fs.readFileSync(path.join(project, tenant), "utf8")).toMatch(
    /^# yaml-language-server: \$schema=\.\.\/\.\.\/node_modules\/inbound\/config\/tenant-spec\.schema\.json\n/,
  );
  const review = fs.readFileSync(
    path.join(project, ".github/workflows/inbound-review.yml"),
    "utf8",
  );
  expect(review).toContain("npx inbound validate config/tenants/*.yaml");
  expect(review).not.toContain("npm run");

  // The three placeholders init writes on purpose (tenant id, domain, alert address) are warned of.
  expect(npx("validate", tenant)).toMatchObject({
    status: 0,
    stdout: `${tenant}: ok (3 warnings)\n`,
  });
  expect(npx("stacks")).toMatchObject({ status: 0 });
  const plan = npx("plan", tenant, "--json");
  expect(plan.stderr.split("\n").filter((l) => l && !/: warning: .*placeholder/.test(l))).toEqual(
    [],
  );
  expect(plan.status).toBe(0);
  expect(JSON.parse(plan.stdout).resources.length).toBeGreaterThan(0);
  const upload = npx(
    ...["upload", "--spec", tenant, "--app", "employees", "--csv", "hr.csv", "--dry-run"],
  );
  expect(upload.status).toBe(0);
  expect(upload.stdout).toMatch(/dry run: \d+ requests, 10 records, nothing sent\n$/);

  // The components, from "inbound" as the project's program imports them.
  const components = spawnSync(
    process.execPath,
    ["-e", 'const i = require("inbound"); console.log(typeof i.Tenant, typeof i.tenantStack)'],
    { cwd: project, encoding: "utf8" },
  );
  expect(components).toMatchObject({ status: 0, stdout: "function function\n" });
}, 120_000);
