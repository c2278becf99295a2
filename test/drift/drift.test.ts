/**
 * `inbound drift` against the Graph emulator: the bundled contoso example is deployed with the
 * dynamic providers' own create methods (as `pulumi up` would), then the live objects are changed
 * directly in the emulator's state, as a portal edit would change them. This proves drift finds
 * what the providers' comparison calls a change and nothing else, and that it writes nothing; it
 * does not prove the real service echoes objects the way the emulator does.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { inbound } from "../cli/harness";
import { startGraphEmulator, type GraphEmulator } from "../../lib/emulator";
import { createGraphClient } from "../../lib/graph";
import { loadSpec } from "../../lib/loader/load";
import type { TenantSpec } from "../../lib/model/schema";
import { schemaSpecOf } from "../../lib/provisioning/managed";
import { compileSecrets } from "../../lib/provisioning/secrets";
import {
  compileCustomTaskExtension,
  compileSettings,
  compileWorkflow,
} from "../../lib/lifecycle/compile";
import { provisioningJobProvider } from "../../components/graph/provisioningJob";
import { synchronizationSchemaProvider } from "../../components/graph/synchronizationSchema";
import { synchronizationSecretsProvider } from "../../components/graph/synchronizationSecrets";
import { customTaskExtensionProvider } from "../../components/graph/customTaskExtension";
import { lifecycleWorkflowProvider } from "../../components/graph/lifecycleWorkflow";
import { lifecycleSettingsProvider } from "../../components/graph/lifecycleSettings";
import { EXPECTED_TEMPLATE } from "../../lib/provisioning/graphApi";
import type { DriftReport } from "../../lib/drift";

const ROOT = path.join(__dirname, "..", "..");
const CONTOSO = path.join(ROOT, "config", "tenants", "contoso.yaml");

type Json = Record<string, unknown>;

let emulator: GraphEmulator;
let dir: string;
let specFile: string;
let spec: TenantSpec;
/** Where the contoso app lives in the emulator. */
let live: { sp: string; job: string };

function load(file: string): TenantSpec {
  const loaded = loadSpec(file);
  if (!loaded.spec) throw new Error(JSON.stringify(loaded.diagnostics));
  return loaded.spec;
}

/** The spec's objects created by the providers' create, as a first `pulumi up` does. */
async function deploy(tenant: TenantSpec): Promise<void> {
  const graph = createGraphClient({ baseUrl: emulator.url, token: emulator.token });
  const at = { graphBaseUrl: emulator.url };
  for (const [appKey, app] of Object.entries(tenant.provisioning)) {
    const template = emulator.state.directory.applicationTemplates.find(
      (t) => t.synchronizationTemplateId === EXPECTED_TEMPLATE[app.target],
    )!;
    const created = await graph.post<{ servicePrincipal: { id: string } }>(
      `/applicationTemplates/${template.id}/instantiate`,
      { displayName: app.displayName },
    );
    const sp = created!.servicePrincipal.id;
    const job = await provisioningJobProvider.create({
      servicePrincipalId: sp,
      expectedTemplateId: EXPECTED_TEMPLATE[app.target],
      ...at,
    });
    const jobId = (job.outs as { jobId: string }).jobId;
    await synchronizationSecretsProvider.create({
      servicePrincipalId: sp,
      credentials: compileSecrets(app),
      ...at,
    });
    await synchronizationSchemaProvider.create({
      servicePrincipalId: sp,
      jobId,
      appKey,
      provisioning: schemaSpecOf(app),
      ...at,
    });
    if (appKey === "employees") live = { sp, job: jobId };
  }
  const extensionIds: Record<string, string> = {};
  for (const [key, extension] of Object.entries(tenant.customTaskExtensions)) {
    const body = compileCustomTaskExtension(extension, {
      subscriptionId: tenant.azure!.subscriptionId,
      resourceGroupName: extension.logicApp.resourceGroup ?? tenant.azure!.resourceGroup,
      // What Azure gives a deployment and the spec cannot know.
      url: "https://prod-01.westeurope.logic.azure.com/workflows/1/triggers/manual/paths/invoke?sig=s",
      resumedBy: "7d1b4a2e-98c4-4c5e-9a4e-3f2b1c0d9e8f",
    });
    extensionIds[key] = (await customTaskExtensionProvider.create({ ...body, ...at })).id;
  }
  for (const workflow of Object.values(tenant.lifecycleWorkflows)) {
    const body = compileWorkflow(workflow, {
      groupId: (name) =>
        String(
          [...emulator.state.directory.groups.values()].find((g) => g.displayName === name)!.id,
        ),
      customTaskExtensionId: (key) => extensionIds[key],
    });
    await lifecycleWorkflowProvider.create({ ...body, ...at, graphVersion: "v1.0" });
  }
  if (tenant.lifecycleWorkflowSettings) {
    await lifecycleSettingsProvider.create({
      ...compileSettings(tenant.lifecycleWorkflowSettings),
      ...at,
    });
  }
}

async function drift(...extra: string[]) {
  return inbound(["drift", "--spec", specFile, "--graph-url", emulator.url, ...extra], {
    env: { INBOUND_GRAPH_TOKEN: emulator.token },
  });
}

async function driftJson(): Promise<{ code: number; report: DriftReport; err: string }> {
  const result = await drift("--json");
  return { code: result.code, report: JSON.parse(result.out || "null"), err: result.err };
}

/** Every difference as `kind name path`. */
const named = (report: DriftReport) =>
  report.objects.flatMap((o) => o.differences.map((d) => `${o.kind} ${o.name} ${d.path}`));

/** The live schema of the contoso app, as the emulator stores it. */
function liveSchema() {
  return emulator.state.provisioning.servicePrincipals.get(live.sp)!.jobs.get(live.job)!.schema as {
    synchronizationRules: {
      objectMappings: {
        sourceObjectName: string;
        flowTypes: string;
        scope: { groups?: Json[]; inputFilterGroups?: Json[] } | null;
        attributeMappings: Json[];
      }[];
    }[];
    directories: { name: string; objects: { name: string; attributes: Json[] }[] }[];
  };
}
const userMapping = () =>
  liveSchema()
    .synchronizationRules.flatMap((r) => r.objectMappings)
    .find((m) => m.sourceObjectName === "User")!;
const mappingOf = (target: string) =>
  userMapping().attributeMappings.find((m) => m.targetAttributeName === target)!;

/** The tasks of the live workflow with this display name. */
function liveTasks(displayName: string): Json[] {
  const [id] = [...emulator.state.lifecycle.workflows].find(
    ([, w]) => w.displayName === displayName,
  )!;
  return emulator.state.lifecycle.tasks.get(id)!;
}

beforeEach(async () => {
  emulator = await startGraphEmulator();
  process.env.INBOUND_GRAPH_TOKEN = emulator.token;
  emulator.state.directory.groups.set("5c2e8a4f-0d1b-4e6a-9f3c-2b7d8e1a0c4f", {
    id: "5c2e8a4f-0d1b-4e6a-9f3c-2b7d8e1a0c4f",
    displayName: "All Employees",
  });
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "inbound-drift-"));
  specFile = CONTOSO;
  spec = load(CONTOSO);
  await deploy(spec);
  emulator.requests.length = 0;
});
afterEach(async () => {
  delete process.env.INBOUND_GRAPH_TOKEN;
  fs.rmSync(dir, { recursive: true, force: true });
  await emulator.close();
});

test("right after a deploy there is no drift: exit 0, every object compared", async () => {
  const { code, report, err } = await driftJson();
  expect(err).toBe("");
  expect(code).toBe(0);
  expect(report).toEqual({
    drift: false,
    objects: [
      { kind: "app", name: "employees", differences: [] },
      { kind: "extension", name: "hybrid-offboarding", differences: [] },
      { kind: "workflow", name: "onboard-pre-hire", differences: [] },
      { kind: "workflow", name: "offboard-on-last-day", differences: [] },
    ],
  });
});

test("drift sends no write: only GETs and parseExpression", async () => {
  await drift();
  const writes = emulator.requests.filter(
    (r) => r.method !== "GET" && !r.path.endsWith("/schema/parseExpression"),
  );
  expect(writes).toEqual([]);
  expect(emulator.requests.some((r) => r.path.endsWith("/schema/parseExpression"))).toBe(true);
});

test("a mapping and a task argument changed in the tenant: drift names both, exit 4", async () => {
  mappingOf("department").source = {
    type: "Attribute",
    name: "title",
    expression: "[title]",
    parameters: [],
  };
  const tap = liveTasks("Onboard pre-hire employee").find((t) =>
    (t.arguments as Json[]).some((a) => a.name === "tapLifetimeMinutes"),
  )!;
  for (const a of tap.arguments as Json[]) if (a.name === "tapLifetimeMinutes") a.value = "60";

  const { code, report } = await driftJson();
  expect(code).toBe(4);
  expect(report.drift).toBe(true);
  expect(report.objects.find((o) => o.name === "employees")!.differences).toEqual([
    {
      path: "mappings.department.source",
      spec: "[urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department]",
      live: "[title]",
    },
  ]);
  expect(report.objects.find((o) => o.name === "onboard-pre-hire")!.differences).toEqual([
    { path: "tasks[0].arguments.tapLifetimeMinutes", spec: "4320", live: "60" },
  ]);
  expect(named(report)).toHaveLength(2);

  const text = await drift();
  expect(text.code).toBe(4);
  expect(text.out).toContain("app employees: 1 difference\n  mappings.department.source\n");
  expect(text.out).toContain('    live: "[title]"\n');
  expect(text.out).toContain("workflow onboard-pre-hire: 1 difference\n");

  const markdown = await drift("--markdown");
  expect(markdown.code).toBe(4);
  expect(markdown.out).toContain("**Drift found** in 2 of 4 objects (2 differences)");
  expect(markdown.out).toContain(
    '| <code>mappings.department.source</code> | <code>"[urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department]"</code> | <code>"[title]"</code> |',
  );
});
