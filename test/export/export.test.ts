/**
 * `inbound export` against the Graph emulator: the bundled examples are deployed through the
 * providers' own create (test/export/deploy.ts), exported, validated and compared with the
 * example after `extends`. This proves export inverts what inbound deploys and sends no write; it
 * does not prove the real service echoes every body as the emulator does.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { startGraphEmulator, type GraphEmulator } from "../../lib/emulator";
import { addServicePrincipal } from "../../lib/emulator/routes/provisioning";
import { createGraphClient } from "../../lib/graph";
import { loadSpec } from "../../lib/loader/load";
import type { DriftReport } from "../../lib/drift";
import type { TenantSpec } from "../../lib/model/schema";
import { parseExpression, printExpression } from "../../lib/expressions";
import { inbound } from "../cli/harness";
import { deploy, type Deployed } from "./deploy";
import { sandboxOrganization } from "../../cli/commands/sandbox";

const ROOT = path.join(__dirname, "..", "..");
const example = (name: string) => path.join(ROOT, "examples", "tenants", name);

let emulator: GraphEmulator;
let dir: string;
beforeEach(async () => {
  emulator = await startGraphEmulator();
  process.env.INBOUND_GRAPH_TOKEN = emulator.token;
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "inbound-export-"));
});
afterEach(async () => {
  delete process.env.INBOUND_GRAPH_TOKEN;
  await emulator.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

function loaded(file: string): TenantSpec {
  const result = loadSpec(file);
  expect(result.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
  return result.spec!;
}

const canonical = (text: string) => printExpression(parseExpression(text).ast!);

/** A provisioning app as compared: expressions in canonical text, the uploader left out. */
function appView(app: TenantSpec["provisioning"][string]) {
  const { uploader: _uploader, ...rest } = app;
  return {
    ...rest,
    mappings: Object.fromEntries(
      Object.entries(app.mappings).map(([target, m]) => [
        target,
        typeof m === "string"
          ? { expression: canonical(m), apply: "always" }
          : {
              ...m,
              ...(m.expression !== undefined ? { expression: canonical(m.expression) } : {}),
            },
      ]),
    ),
  };
}

const byDisplayName = <T extends { displayName: string }>(record: Record<string, T>) =>
  Object.fromEntries(Object.values(record).map((v) => [v.displayName, v]));

/**
 * The example's workflows as export writes them: group names and extension keys as the ids the
 * deployment resolved them to (extensions are left as they are and run by id).
 */
function asExported(spec: TenantSpec, deployed: Deployed): TenantSpec["lifecycleWorkflows"] {
  const renames: [string, string][] = [
    ...Object.entries(deployed.groups),
    ...Object.entries(deployed.extensions),
  ];
  return JSON.parse(
    renames.reduce(
      (text, [from, to]) => text.split(JSON.stringify(from)).join(JSON.stringify(to)),
      JSON.stringify(spec.lifecycleWorkflows),
    ),
  );
}

async function exportTo(file: string, ...args: string[]) {
  return inbound(["export", ...args, "--location", "westeurope", "--out", file], {
    env: { INBOUND_GRAPH_TOKEN: emulator.token },
    cwd: dir,
  });
}

const writes = () => emulator.requests.filter((r) => r.method !== "GET");

/** `inbound drift` of an exported spec against the emulator it was exported from. */
const driftOf = (file: string) =>
  inbound(["drift", "--spec", file, "--graph-url", emulator.url], {
    env: { INBOUND_GRAPH_TOKEN: emulator.token },
    cwd: dir,
  });

test("the contoso example round-trips: deployed, exported with no write, valid, and equal after extends", async () => {
  const spec = loaded(example("contoso.yaml"));
  const deployed = await deploy(emulator, spec);
  emulator.requests.length = 0;
  const out = path.join(dir, "contoso.yaml");
  const result = await exportTo(out, ...["--tenant", spec.tenant.id, "--graph-url", emulator.url]);
  expect(result.err).toContain(
    `exported 1 provisioning app(s), 2 workflow(s), the lifecycle settings to ${out}; 1 custom task extension(s) left as they are, run by id`,
  );
  expect(result.code).toBe(0);
  expect(writes()).toEqual([]);

  const validated = await inbound(["validate", out], { env: {}, cwd: dir });
  expect([validated.code, validated.err]).toEqual([0, ""]);
  const exported = loaded(out);
  expect(Object.values(exported.provisioning).map(appView)).toEqual(
    Object.values(spec.provisioning).map(appView),
  );
  expect(byDisplayName(exported.lifecycleWorkflows)).toEqual(
    byDisplayName(asExported(spec, deployed)),
  );
  // Not in the spec: a deployment would make its own Logic App and a second extension.
  expect(exported.customTaskExtensions).toEqual({});
  expect(exported.azure).toEqual(spec.azure);
  expect(exported.graph.baseUrl).toBe(emulator.url);
  // The group id is kept, with its display name beside it.
  const text = fs.readFileSync(out, "utf8");
  expect(text).toContain(`${deployed.groups["All Employees"]} is "All Employees"`);
  const [extension] = Object.values(spec.customTaskExtensions);
  expect(text).toContain(
    `${Object.values(deployed.extensions)[0]} is custom task extension ${JSON.stringify(extension.displayName)}, Logic App ${extension.logicApp.name} in resource group`,
  );

  // What was exported is what is there: drift finds nothing, group ids and all, and then finds
  // a task argument changed on the tenant.
  const clean = await driftOf(out);
  expect([clean.code, clean.err]).toEqual([0, ""]);
  type Task = { arguments: { name: string; value: string }[] };
  const argument = [...emulator.state.lifecycle.tasks.values()]
    .flatMap((tasks) => (tasks as Task[]).flatMap((t) => t.arguments))
    .find((a) => a.name === "groupID")!;
  argument.value = "00000000-0000-0000-0000-000000000001";
  const drifted = await driftOf(out);
  expect(drifted.code).toBe(4);
  expect(drifted.out).toContain("groupID");
});

test("workflows reading attributes no exported mapping writes: declared as set elsewhere, valid, no drift; a portal change is drift", async () => {
  const spec = loaded(example("contoso.yaml"));
  // Something outside the spec (Entra Connect, another HR app) sets employeeType and the division.
  spec.lifecycleWorkflows["onboard-pre-hire"].scope =
    "(department eq 'IT') and (employeeType eq 'Employee') and (employeeOrgData/division eq 'Engineering')";
  spec.attributesSetElsewhere = { employeeType: "Entra Connect", "employeeOrgData/division": "HR" };
  await deploy(emulator, spec);
  const out = path.join(dir, "brownfield.yaml");
  const result = await exportTo(out, "--tenant", spec.tenant.id, "--graph-url", emulator.url);
  expect(result.code).toBe(0);
  const text = fs.readFileSync(out, "utf8");
  expect(text).toMatch(
    /# employeeType: set outside the spec\. lifecycleWorkflows\.onboard-pre-hire/,
  );
  expect(loaded(out).attributesSetElsewhere).toEqual({
    employeeType:
      "set outside this spec; read by lifecycleWorkflows.onboard-pre-hire-employee (scope)",
    "employeeOrgData/division":
      "set outside this spec; read by lifecycleWorkflows.onboard-pre-hire-employee (scope)",
  });
  const validated = await inbound(["validate", out], { env: {}, cwd: dir });
  expect([validated.code, validated.err]).toEqual([0, ""]);
  const clean = await driftOf(out);
  expect([clean.code, clean.err]).toEqual([0, ""]);

  // Without the declarations the spec has lineage errors: validate refuses it, drift still
  // compares and lists them as notes, its exit code its own.
  const bare = path.join(dir, "bare.yaml");
  fs.writeFileSync(bare, text.replace(/\nattributesSetElsewhere:[\s\S]*?(?=\n\S|$)/, ""));
  expect((await inbound(["validate", bare], { env: {}, cwd: dir })).code).toBe(1);
  const noted = await driftOf(bare);
  expect(noted.code).toBe(0);
  expect(noted.err).toMatch(
    /^note: \S*bare\.yaml:\d+:\d+: lifecycleWorkflows\.onboard-pre-hire-employee\.scope: reads employeeType/m,
  );

  // Someone narrows the scope in the portal.
  const workflow = [...emulator.state.lifecycle.workflows.values()].find(
    (w) => w.displayName === "Onboard pre-hire employee",
  )!;
  const conditions = workflow.executionConditions as { scope: { rule: string } };
  conditions.scope.rule = "(department eq 'IT') and (employeeType eq 'Contractor')";
  const drifted = await driftOf(out);
  expect(drifted.code).toBe(4);
  expect(drifted.out).toContain("employeeType eq 'Contractor'");
});

test.each([
  // Active Directory: the target, the AD domain and OU, the mappings.
  path.join("examples", "tenants", "contoso-ad.yaml"),
  path.join("examples", "tenants", "fabrikam.yaml"),
  path.join("examples", "variants", "contoso-monitored.yaml"),
])(
  "%s round-trips too: exported with no write, valid, the same apps, and no drift",
  async (file) => {
    const spec = loaded(path.join(ROOT, file));
    await deploy(emulator, spec);
    emulator.requests.length = 0;
    const out = path.join(dir, "exported.yaml");
    const result = await exportTo(out, "--tenant", spec.tenant.id, "--graph-url", emulator.url);
    expect(result.code).toBe(0);
    expect(writes()).toEqual([]);
    const validated = await inbound(["validate", out], { env: {}, cwd: dir });
    expect([validated.code, validated.err]).toEqual([0, ""]);
    expect(Object.values(loaded(out).provisioning).map(appView)).toEqual(
      Object.values(spec.provisioning).map(appView),
    );
    const drift = await driftOf(out);
    expect([drift.code, drift.err]).toEqual([0, ""]);
  },
);

/** A service principal with a job from a template that is not API-driven provisioning. */
async function otherApp(): Promise<string> {
  const id = "7d1f3a2b-0c4e-4f5a-9b8c-1d2e3f4a5b6c";
  addServicePrincipal(emulator.state.provisioning, id, { templateIds: ["salesforce"] });
  emulator.state.directory.servicePrincipals.set(id, { id, displayName: "Salesforce" });
  const graph = createGraphClient({ baseUrl: emulator.url, token: emulator.token });
  await graph.post(`/servicePrincipals/${id}/synchronization/jobs`, { templateId: "salesforce" });
  return id;
}

test("an --app that is not API-driven is refused by name; the apps that are still get written", async () => {
  const spec = loaded(example("contoso.yaml"));
  const deployed = await deploy(emulator, spec);
  const other = await otherApp();
  const out = path.join(dir, "spec.yaml");
  const result = await exportTo(
    out,
    ...["--tenant", spec.tenant.id, "--graph-url", emulator.url],
    ...["--app", other, "--app", deployed.servicePrincipals.employees],
  );
  expect(result.code).toBe(1);
  expect(result.err).toContain(
    `service principal ${other} ("Salesforce") is not an API-driven provisioning app: its synchronization jobs come from salesforce, not from API2AAD or API2AD; not exported`,
  );
  const text = fs.readFileSync(out, "utf8");
  expect(text).toContain("# gap: service principal 7d1f3a2b");
  expect(Object.keys(loadSpec(out).spec?.provisioning ?? {})).toEqual([
    "contoso-hr-inbound-employees",
  ]);
});

test("against the sandbox, the tenant is named by its organization, not contoso", async () => {
  // The fabrikam example in an emulator that answers /organization as `inbound sandbox` does.
  const spec = loaded(example("fabrikam.yaml"));
  await emulator.close();
  emulator = await startGraphEmulator({ organization: sandboxOrganization(spec) });
  process.env.INBOUND_GRAPH_TOKEN = emulator.token;
  await deploy(emulator, spec);
  const out = path.join(dir, "fabrikam.yaml");
  const result = await exportTo(out, "--tenant", spec.tenant.id, "--graph-url", emulator.url);
  expect(result.code).toBe(0);
  expect(loaded(out).tenant).toEqual(spec.tenant);

  // A real organization's display name, made a key.
  emulator.state.directory.organization.displayName = "Fabrikam Ltd.";
  const renamed = await exportTo(
    path.join(dir, "renamed.yaml"),
    ...["--tenant", spec.tenant.id, "--graph-url", emulator.url],
  );
  expect(renamed.code).toBe(0);
  expect(loaded(path.join(dir, "renamed.yaml")).tenant.name).toBe("fabrikam-ltd");
});

test("a token for another tenant is refused before anything is read or written", async () => {
  await emulator.close();
  const other = "99999999-8888-4777-a666-555555555555";
  const jwt = ["e30", Buffer.from(JSON.stringify({ tid: other })).toString("base64url"), "sig"];
  emulator = await startGraphEmulator({ token: jwt.join(".") });
  const out = path.join(dir, "spec.yaml");
  const spec = loaded(example("contoso.yaml"));
  const result = await exportTo(out, "--tenant", spec.tenant.id, "--graph-url", emulator.url);
  expect(result.code).toBe(1);
  expect(result.err).toBe(
    `inbound export: the Azure sign-in gives tokens for tenant ${other}, but the spec is for tenant ${spec.tenant.id}; sign in to that tenant (az login --tenant ${spec.tenant.id}) or set AZURE_TENANT_ID\n`,
  );
  expect(emulator.requests).toEqual([]);
  expect(fs.existsSync(out)).toBe(false);
});

test("a task whose definition is not in the catalog is kept by its id with its arguments, and listed as a gap", async () => {
  const spec = loaded(example("contoso.yaml"));
  const deployed = await deploy(emulator, spec);
  const unknown = "0f0e0d0c-0b0a-4909-8807-060504030201";
  const tasks = emulator.state.lifecycle.tasks.get(deployed.workflows["onboard-pre-hire"])!;
  tasks[1] = {
    ...tasks[1],
    taskDefinitionId: unknown,
    displayName: "Notify the facilities desk",
    arguments: [{ name: "desk", value: "north" }],
  };
  emulator.requests.length = 0;
  const out = path.join(dir, "spec.yaml");
  const result = await exportTo(out, "--tenant", spec.tenant.id, "--graph-url", emulator.url);
  expect(writes()).toEqual([]);
  expect(result.err).toContain(
    `lifecycleWorkflows.onboard-pre-hire-employee.tasks.1: task definition ${unknown} ("Notify the facilities desk") is not in inbound's task catalog; kept by its id, arguments unchecked`,
  );
  const exported = loaded(out);
  expect(exported.lifecycleWorkflows["onboard-pre-hire-employee"].tasks[1]).toEqual({
    [unknown]: { desk: "north" },
  });
});

test("a 403 on one endpoint is named; the spec is still written for the rest, with the gap marked at its place", async () => {
  const spec = loaded(example("contoso.yaml"));
  await deploy(emulator, spec);
  emulator.faults.add({
    method: "GET",
    path: /\/synchronization\/secrets$/,
    status: 403,
    times: 1,
  });
  emulator.requests.length = 0;
  const out = path.join(dir, "spec.yaml");
  const result = await exportTo(out, "--tenant", spec.tenant.id, "--graph-url", emulator.url);
  expect(result.code).toBe(1);
  expect(writes()).toEqual([]);
  expect(result.err).toMatch(
    /provisioning\.contoso-hr-inbound-employees: the synchronization secrets \(notification email, deletion threshold, AD domain and OU\) could not be read \(GET \/servicePrincipals\/[0-9a-f-]+\/synchronization\/secrets: 403 Insufficient privileges to complete the operation\.\)/,
  );
  const text = fs.readFileSync(out, "utf8");
  expect(text).toMatch(/# gap: the synchronization secrets .* could not be read/);
  // Everything else of the app was read: only what the secrets hold is missing.
  const diagnostics = loadSpec(out).diagnostics.filter((d) => d.severity === "error");
  expect(diagnostics.map((d) => [d.path, d.message])).toEqual([
    [
      "provisioning.contoso-hr-inbound-employees",
      expect.stringContaining("missing required field `notificationEmail`"),
    ],
  ]);
  expect(text).toContain('displayName: Join(" ", [name.givenName], [name.familyName])');
});

test("a tenant id that is not a GUID is a usage error naming --help", async () => {
  const result = await inbound(["export", "--tenant", "contoso"], { env: {} });
  expect(result.code).toBe(2);
  expect(result.err).toContain("The tenant id must be a GUID.");
  expect(result.err).toContain("inbound export --help");
});

test("an app made from the API-driven template whose provisioning was never configured is noted, not an error", async () => {
  const spec = loaded(example("contoso.yaml"));
  await deploy(emulator, spec);
  const graph = createGraphClient({ baseUrl: emulator.url, token: emulator.token });
  const [template] = emulator.state.directory.applicationTemplates;
  const created = await graph.post<{ servicePrincipal: { id: string } }>(
    `/applicationTemplates/${template.id}/instantiate`,
    { displayName: "Half configured" },
  );
  const out = path.join(dir, "spec.yaml");
  const result = await exportTo(out, "--tenant", spec.tenant.id, "--graph-url", emulator.url);
  expect(result.code).toBe(0);
  expect(result.err).toContain(
    `service principal ${created!.servicePrincipal.id} ("Half configured") is not an API-driven provisioning app: it has no synchronization job`,
  );
  expect(Object.keys(loaded(out).provisioning)).toEqual(["contoso-hr-inbound-employees"]);
});

test("the tenant's execution limits are exported in the spec's form and show no drift; ones the spec cannot say are left out", async () => {
  const spec = loaded(example("contoso.yaml"));
  await deploy(emulator, spec);
  const COUNT = "#microsoft.graph.identityGovernance.countBasedQuarantineCondition";
  const PERCENTAGE = "#microsoft.graph.identityGovernance.percentageBasedQuarantineCondition";
  emulator.state.lifecycle.settings.quarantineConfiguration = {
    matchMode: "all",
    conditions: [
      { "@odata.type": PERCENTAGE, percentage: 20 },
      { "@odata.type": COUNT, threshold: 300 },
    ],
  };
  const out = path.join(dir, "limits.yaml");
  const result = await exportTo(out, "--tenant", spec.tenant.id, "--graph-url", emulator.url);
  expect(result.code).toBe(0);
  expect(loaded(out).lifecycleWorkflowSettings!.quarantineConfiguration).toEqual({
    matchMode: "all",
    conditions: [{ threshold: 300 }, { percentage: 20 }],
  });
  const drift = await inbound(["drift", "--spec", out, "--graph-url", emulator.url, "--json"], {
    env: { INBOUND_GRAPH_TOKEN: emulator.token },
    cwd: dir,
  });
  const settings = (JSON.parse(drift.out) as DriftReport).objects.find(
    (o) => o.kind === "settings",
  );
  expect(settings).toEqual({
    kind: "settings",
    name: "lifecycleWorkflowSettings",
    differences: [],
  });

  emulator.state.lifecycle.settings.quarantineConfiguration = {
    matchMode: "any",
    conditions: [{ "@odata.type": "#microsoft.graph.identityGovernance.futureCondition", days: 3 }],
  };
  const other = path.join(dir, "other.yaml");
  const gap = await exportTo(other, "--tenant", spec.tenant.id, "--graph-url", emulator.url);
  expect(gap.code).toBe(0);
  expect(loaded(other).lifecycleWorkflowSettings).not.toHaveProperty("quarantineConfiguration");
  expect(fs.readFileSync(other, "utf8")).toContain(
    "# gap: lifecycleWorkflowSettings.quarantineConfiguration: the tenant's execution limits have no spec form",
  );
});
