/**
 * `inbound drift --write` against the Graph emulator: a copy of the bundled contoso example (with
 * its base files) is deployed with the providers' own create methods, live objects are changed in
 * the emulator's state as a portal edit would change them, and `drift --write` must put exactly
 * those values into the spec file, leave every other byte alone, and leave a spec that validates
 * and that a second `drift` finds in step with the tenant.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { inbound } from "../cli/harness";
import { type GraphEmulator } from "../../lib/emulator";
import { loadSpec } from "../../lib/loader/load";
import type { TenantSpec } from "../../lib/model/schema";
import type { DriftReport } from "../../lib/drift";
import { deploy, type Deployed, startDriftEmulator } from "./deploy";

const EXAMPLES = path.join(__dirname, "..", "..", "examples");

type Json = Record<string, unknown>;

let emulator: GraphEmulator;
let dir: string;
let specFile: string;
let apps: Deployed;

function load(file: string): TenantSpec {
  const loaded = loadSpec(file);
  if (!loaded.spec) throw new Error(JSON.stringify(loaded.diagnostics));
  return loaded.spec;
}

const drift = (...extra: string[]) =>
  inbound(["drift", "--spec", specFile, "--graph-url", emulator.url, ...extra], {
    env: { INBOUND_GRAPH_TOKEN: emulator.token },
  });

async function driftJson(...extra: string[]) {
  const result = await drift("--json", ...extra);
  return {
    ...result,
    report: JSON.parse(result.out || "null") as DriftReport & {
      write?: {
        written: Json[];
        notWritten: { kind: string; name: string; path: string; reason: string }[];
      };
    },
  };
}

/** The lines of `after` that differ from `before`, as `line: text` (same line count expected). */
function changedLines(before: string, after: string): string[] {
  const a = before.split("\n");
  const b = after.split("\n");
  expect(b).toHaveLength(a.length);
  return b.flatMap((line, i) => (line === a[i] ? [] : [`${i + 1}: ${line}`]));
}

const employees = () => emulator.state.provisioning.servicePrincipals.get(apps.employees.sp)!;
function userMapping() {
  const schema = employees().jobs.get(apps.employees.job)!.schema as {
    synchronizationRules: {
      objectMappings: { sourceObjectName: string; attributeMappings: Json[] }[];
    }[];
  };
  return schema.synchronizationRules
    .flatMap((r) => r.objectMappings)
    .find((m) => m.sourceObjectName === "User")!;
}
const mappingOf = (target: string) =>
  userMapping().attributeMappings.find((m) => m.targetAttributeName === target)!;
const secret = (key: string) =>
  (employees().secrets as { key: string; value: string }[]).find((s) => s.key === key)!;

function liveTask(displayName: string, argument: string): Json {
  const [id] = [...emulator.state.lifecycle.workflows].find(
    ([, w]) => w.displayName === displayName,
  )!;
  return emulator.state.lifecycle.tasks
    .get(id)!
    .find((t) => (t.arguments as Json[]).some((a) => a.name === argument))!;
}
function setArgument(displayName: string, name: string, value: string): void {
  for (const a of liveTask(displayName, name).arguments as Json[]) {
    if (a.name === name) a.value = value;
  }
}
const liveExtension = () => [...emulator.state.lifecycle.customTaskExtensions.values()][0];

beforeEach(async () => {
  emulator = await startDriftEmulator();
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "inbound-drift-write-"));
  for (const sub of ["tenants", "base"]) {
    fs.cpSync(path.join(EXAMPLES, sub), path.join(dir, sub), { recursive: true });
  }
  specFile = path.join(dir, "tenants", "contoso.yaml");
  apps = await deploy(emulator, load(specFile));
});
afterEach(async () => {
  delete process.env.INBOUND_GRAPH_TOKEN;
  fs.rmSync(dir, { recursive: true, force: true });
  await emulator.close();
});

test("portal edits are written into the spec in place; the next drift finds none", async () => {
  const before = fs.readFileSync(specFile, "utf8");
  mappingOf("department").source = {
    type: "Attribute",
    name: "title",
    expression: "[title]",
    parameters: [],
  };
  mappingOf("usageLocation").defaultValue = "DE";
  mappingOf("mailNickname").flowType = "Always";
  const settings = JSON.parse(secret("SyncNotificationSettings").value) as Json;
  settings.DeleteThresholdValue = 40;
  settings.Recipients = "idm-team@contoso.com";
  secret("SyncNotificationSettings").value = JSON.stringify(settings);
  setArgument("Onboard pre-hire employee", "tapLifetimeMinutes", "60");
  setArgument("Onboard pre-hire employee", "tapIsUsableOnce", "true");
  (liveExtension().callbackConfiguration as Json).timeoutDuration = "PT1H";
  (userMapping() as Json).flowTypes = "Add, Update, Delete";
  const [, onboard] = [...emulator.state.lifecycle.workflows].find(
    ([, w]) => w.displayName === "Onboard pre-hire employee",
  )!;
  const conditions = onboard.executionConditions as { trigger: Json; scope: Json };
  conditions.trigger.offsetInDays = -5;
  conditions.scope.rule = "(department eq 'Sales')";

  const { code, report, err } = await driftJson("--write");
  expect(err).toBe("");
  expect(report.write!.notWritten).toEqual([]);
  expect(report.write!.written).toHaveLength(11);
  expect(code).toBe(0);

  const after = fs.readFileSync(specFile, "utf8");
  // Only the drifted values changed: every comment, quote style, flow map and alignment stays.
  expect(changedLines(before, after)).toEqual([
    "18:     notificationEmail: idm-team@contoso.com",
    "19: " +
      "    deletionThreshold: 40                # accidental-deletion guard; see the reference, SyncNotificationSettings",
    "20:     actions: [create, update, delete]            # target object actions; add `delete` only deliberately",
    '42:       department: "[title]"',
    '45:       usageLocation: { expression: "[ext:UsageLocation]", default: DE }',
    '49:       mailNickname: { expression: "[userName]", apply: always }',
    "79:     trigger: { attribute: employeeHireDate, offsetDays: -5 }",
    "80:     scope: \"(department eq 'Sales')\"        # Entra's rule syntax, checked offline",
    "82:       - generateTemporaryAccessPass: { lifetimeMinutes: 60, usableOnce: true }",
    "99:     callbackTimeout: PT1H",
  ]);

  const second = await drift();
  expect(second.err).toBe("");
  expect(second.code).toBe(0);
  const validate = await inbound(["validate", specFile]);
  expect(validate.code).toBe(0);
});

test("text output names each written value and its line", async () => {
  (liveExtension().callbackConfiguration as Json).timeoutDuration = "PT2H";
  const result = await drift("--write");
  expect(result.code).toBe(0);
  expect(result.out).toContain(
    `written to ${specFile}: 1 value\n  ${specFile}:99 customTaskExtensions.hybrid-offboarding.callbackTimeout: "PT30M" -> "PT2H"\n`,
  );
});

test("values from ${...}, from a base file, and objects on one side only are listed, not written", async () => {
  // A tenant file over the contoso file: contoso's values are a base file's now.
  const tenant = path.join(dir, "tenants", "contoso-eu.yaml");
  fs.writeFileSync(
    tenant,
    "# EU tenant\nextends: contoso.yaml\ncustomTaskExtensions:\n  hybrid-offboarding:\n    callbackTimeout: PT30M # as agreed\n",
  );
  specFile = tenant;
  const base = fs.readFileSync(path.join(dir, "tenants", "contoso.yaml"), "utf8");
  const before = fs.readFileSync(tenant, "utf8");

  const upn = mappingOf("userPrincipalName");
  upn.source = { type: "Attribute", name: "userName", expression: "[userName]", parameters: [] };
  mappingOf("jobTitle").source = {
    type: "Attribute",
    name: "displayName",
    expression: "[displayName]",
    parameters: [],
  };
  secret("SkipOutOfScopeDeletions").value = "True";
  const [id] = [...emulator.state.lifecycle.workflows].find(
    ([, w]) => w.displayName === "Offboard employee on last day",
  )!;
  emulator.state.lifecycle.workflows.delete(id);
  (liveExtension().callbackConfiguration as Json).timeoutDuration = "PT1H";

  const { code, report } = await driftJson("--write");
  expect(code).toBe(4);
  expect(report.write!.written).toEqual([
    expect.objectContaining({
      kind: "extension",
      path: "callbackConfiguration.timeoutDuration",
      file: tenant,
      line: 5,
      spec: "PT30M",
      live: "PT1H",
    }),
  ]);
  const reasons = Object.fromEntries(
    report.write!.notWritten.map((n) => [`${n.kind} ${n.name} ${n.path}`, n.reason]),
  );
  const contoso = path.join(dir, "tenants", "contoso.yaml");
  expect(reasons["app employees mappings.userPrincipalName.source"]).toBe(
    `the value is set in the base file ${contoso}:47, which other tenant files may extend; not written there: set provisioning.employees.mappings.userPrincipalName.expression in ${tenant} to override it`,
  );
  expect(reasons["app employees mappings.jobTitle.source"]).toBe(
    `the value is set in the base file ${contoso}:41, which other tenant files may extend; not written there: set provisioning.employees.mappings.jobTitle in ${tenant} to override it`,
  );
  expect(reasons["app employees secrets.SkipOutOfScopeDeletions"]).toMatch(
    /^the spec leaves provisioning\.employees\.skipOutOfScopeDeletions to its default; add `skipOutOfScopeDeletions: true` under provisioning\.employees \(.*contoso\.yaml:16\) by hand$/,
  );
  expect(reasons["workflow offboard-on-last-day displayName"]).toMatch(
    /^the tenant has no workflow/,
  );
  expect(Object.keys(reasons)).toHaveLength(4);

  expect(changedLines(before, fs.readFileSync(tenant, "utf8"))).toEqual([
    "5:     callbackTimeout: PT1H # as agreed",
  ]);
  expect(fs.readFileSync(path.join(dir, "tenants", "contoso.yaml"), "utf8")).toBe(base);
});

test("a value built from ${...} in the spec file itself is not written", async () => {
  const upn = mappingOf("userPrincipalName");
  upn.source = { type: "Attribute", name: "userName", expression: "[userName]", parameters: [] };
  const before = fs.readFileSync(specFile, "utf8");
  const { code, report } = await driftJson("--write");
  expect(code).toBe(4);
  expect(report.write!.written).toEqual([]);
  expect(report.write!.notWritten).toEqual([
    {
      kind: "app",
      name: "employees",
      path: "mappings.userPrincipalName.source",
      reason: `the value is built with \${...} (${specFile}:47); a variable is not written back`,
    },
  ]);
  expect(fs.readFileSync(specFile, "utf8")).toBe(before);
});

test("a spec file that is a symbolic link is not written through", async () => {
  const real = specFile;
  specFile = path.join(dir, "tenants", "link.yaml");
  fs.symlinkSync(real, specFile);
  const before = fs.readFileSync(real, "utf8");
  (liveExtension().callbackConfiguration as Json).timeoutDuration = "PT1H";
  const result = await drift("--write");
  expect(result.code).toBe(1);
  expect(result.err).toBe(
    `inbound drift --write: ${specFile} is a symbolic link; name the file it points to; nothing written\n`,
  );
  expect(fs.readFileSync(real, "utf8")).toBe(before);
});

test("a spec file changed while drift read the tenant is not written", async () => {
  (liveExtension().callbackConfiguration as Json).timeoutDuration = "PT1H";
  // The workflows are read after the spec: the file is edited while drift waits for them.
  emulator.faults.add({ method: "GET", path: /\/workflows/, delayMs: 300, times: 1 });
  const running = drift("--write");
  await new Promise((resolve) => setTimeout(resolve, 100));
  const edited = fs.readFileSync(specFile, "utf8") + "# edited meanwhile\n";
  fs.writeFileSync(specFile, edited);
  const result = await running;
  expect(result.code).toBe(1);
  expect(result.err).toBe(
    `inbound drift --write: ${specFile} changed since drift read it; run drift again; nothing written\n`,
  );
  expect(fs.readFileSync(specFile, "utf8")).toBe(edited);
});

test("a live value the spec refuses is listed; the others are written", async () => {
  setArgument("Onboard pre-hire employee", "tapLifetimeMinutes", "5");
  (liveExtension().callbackConfiguration as Json).timeoutDuration = "PT1H";
  const before = fs.readFileSync(specFile, "utf8");
  const { code, report } = await driftJson("--write");
  expect(code).toBe(4);
  expect(report.write!.written).toEqual([
    expect.objectContaining({ path: "callbackConfiguration.timeoutDuration", live: "PT1H" }),
  ]);
  expect(report.write!.notWritten).toEqual([
    {
      kind: "workflow",
      name: "onboard-pre-hire",
      path: "tasks[0].arguments.tapLifetimeMinutes",
      reason:
        "the spec does not accept the live value 5: lifetimeMinutes 5 is out of range; use 10-43200 minutes",
    },
  ]);
  expect(changedLines(before, fs.readFileSync(specFile, "utf8"))).toEqual([
    "99:     callbackTimeout: PT1H",
  ]);
});

test("--write with --markdown is a usage error", async () => {
  const result = await drift("--write", "--markdown");
  expect(result.code).toBe(2);
  expect(result.err).toContain("--write reports in text or --json");
});
