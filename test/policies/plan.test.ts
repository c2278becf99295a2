/**
 * `inbound plan` reports the policy pack's findings with the plan, as `pulumi preview
 * --policy-pack policies` would: advisory ones are shown and the plan succeeds.
 */
import { execFile } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { promisify } from "util";

const ROOT = path.join(__dirname, "..", "..");
let dir: string;

// Each test runs whole plans in a child process, as test/cli/planMonitoring.test.ts does: on a
// busy machine that is more than jest's default 30 s (speed is bench/'s business).
jest.setTimeout(120_000);

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "inbound-plan-policy-"));
  fs.cpSync(path.join(ROOT, "examples"), path.join(dir, "examples"), { recursive: true });
  fs.writeFileSync(
    path.join(dir, "examples", "tenants", "deletes.yaml"),
    [
      // Monitored, so that the delete advisory is the only finding.
      "extends: ../variants/contoso-monitored.yaml",
      "provisioning:",
      "  employees:",
      "    actions: [create, update, delete]",
      "",
    ].join("\n"),
  );
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const plan = (...args: string[]) =>
  promisify(execFile)(process.execPath, [path.join(ROOT, "bin", "inbound.js"), "plan", ...args], {
    cwd: dir,
    maxBuffer: 64 * 1024 * 1024,
  });

it("lists an advisory violation in the JSON plan and still succeeds", async () => {
  const { stdout } = await plan("examples/tenants/deletes.yaml", "--json");
  expect(JSON.parse(stdout).policyViolations).toEqual([
    {
      policy: "inbound-provisioning-deletes-deliberate",
      enforcementLevel: "advisory",
      resource: "contoso-employees-schema",
      type: "pulumi-nodejs:dynamic/inbound-synchronization-schema:Resource",
      message:
        "App employees deletes Entra users that leave scope; prefer disabling (active: false) and a leaver workflow's deleteUser task after a grace period.",
    },
  ]);
});

it("shows it in the Markdown for a pull request", async () => {
  const { stdout } = await plan("examples/tenants/deletes.yaml", "--markdown");
  expect(stdout).toContain("**Policy pack:** 0 mandatory, 1 advisory violation(s)");
  expect(stdout).toContain(
    "- **advisory** `inbound-provisioning-deletes-deliberate` on `contoso-employees-schema`: App employees deletes Entra users",
  );
});

it("advises monitoring for the unmonitored bundled tenant, and not for the monitored one", async () => {
  const advised = async (file: string) =>
    (
      JSON.parse((await plan(file, "--json")).stdout).policyViolations as { policy: string }[]
    ).filter((v) => v.policy === "inbound-provisioning-monitored");
  expect(await advised("examples/tenants/contoso.yaml")).toEqual([
    {
      policy: "inbound-provisioning-monitored",
      enforcementLevel: "advisory",
      resource: "contoso-employees-schema",
      type: "pulumi-nodejs:dynamic/inbound-synchronization-schema:Resource",
      message:
        "Provisioning app employees is not monitored: failed or skipped records show only in the portal's provisioning logs. Add `monitoring: {}` to the tenant spec for Log Analytics, alert mails and a workbook (docs/monitoring.md).",
    },
  ]);
  expect(await advised("examples/variants/contoso-monitored.yaml")).toEqual([]);
});
