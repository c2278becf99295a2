/**
 * Adopting an exported tenant: the Tenant component runs under Pulumi's mocks with the exported
 * spec and the ids `inbound export --adopt` wrote, and every Graph resource it registers is created
 * by its own provider against the emulator that holds the live tenant, as a first `pulumi up`
 * would. This proves each object export found is imported (the azuread app and the resource group
 * by Pulumi's `import` option with the exported id) or adopted by its provider (job, secrets,
 * schema, start, workflows), and that nothing in Graph is written; it does not run the Pulumi
 * engine's import step itself (no CLI here). Custom task extensions are left as they are: the
 * workflows run them by id.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { startGraphEmulator, type GraphEmulator } from "../../lib/emulator";
import { loadSpec } from "../../lib/loader/load";
import type { TenantSpec } from "../../lib/model/schema";
import { Tenant } from "../../components/tenant";
import { DYNAMIC_PROVIDERS } from "../../components/graph/providers";
import { CUSTOM_TASK_EXTENSION_TYPE } from "../../components/graph/customTaskExtension";
import { LIFECYCLE_WORKFLOW_TYPE } from "../../components/graph/lifecycleWorkflow";
import { inbound } from "../cli/harness";
import { deploy, type Deployed } from "./deploy";

const ROOT = path.join(__dirname, "..", "..");
const APP_TYPE = "azuread:index/applicationFromTemplate:ApplicationFromTemplate";

interface Registered {
  type: string;
  name: string;
  inputs: Record<string, unknown>;
  importId?: string;
}
const registered: Registered[] = [];
/** Provider creates still running: the test waits for all of them, as the engine would. */
const pending = new Set<Promise<unknown>>();

let emulator: GraphEmulator;
let dir: string;
let deployed: Deployed;
let exported: TenantSpec;
let adopt: Record<string, string>;
let writesDuringUp: string[] = [];

/** `pulumi config set --path 'inbound:adopt["name"]' 'id'` lines → { name: id }. */
function parseAdoptScript(text: string): Record<string, string> {
  const map: Record<string, string> = {};
  for (const m of text.matchAll(
    /^pulumi config set --path 'inbound:adopt\["([^"]+)"\]' '([^']+)'$/gm,
  )) {
    map[m[1]] = m[2];
  }
  return map;
}

beforeAll(async () => {
  emulator = await startGraphEmulator();
  process.env.INBOUND_GRAPH_TOKEN = emulator.token;
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "inbound-adopt-"));
  const example = loadSpec(path.join(ROOT, "examples", "tenants", "contoso.yaml")).spec!;
  deployed = await deploy(emulator, example);

  const out = path.join(dir, "spec.yaml");
  const script = path.join(dir, "adopt.sh");
  const result = await inbound(
    [
      ...["export", "--tenant", example.tenant.id, "--graph-url", emulator.url],
      ...["--location", "westeurope", "--out", out, "--adopt", script],
    ],
    { env: { INBOUND_GRAPH_TOKEN: emulator.token }, cwd: dir },
  );
  expect(result.code).toBe(0);
  exported = loadSpec(out).spec!;
  adopt = parseAdoptScript(fs.readFileSync(script, "utf8"));

  await pulumi.runtime.setMocks(
    {
      async newResource(args) {
        const { __provider: _provider, ...inputs } = args.inputs as Record<string, unknown>;
        registered.push({
          type: args.type,
          name: args.name,
          inputs,
          ...(args.id ? { importId: args.id } : {}),
        });
        if (args.type === APP_TYPE && args.id) {
          // What azuread's read of the imported app answers.
          const servicePrincipalObjectId = args.id.split("/").pop()!;
          return { id: args.id, state: { ...inputs, servicePrincipalObjectId } };
        }
        const provider = DYNAMIC_PROVIDERS[args.type];
        if (provider) {
          const creating = provider.create(inputs);
          pending.add(creating);
          const created = await creating.finally(() => pending.delete(creating));
          return { id: created.id, state: { ...inputs, ...created.outs } };
        }
        const identity = { principalId: `${args.name}-principal`, tenantId: example.tenant.id };
        return { id: args.id ?? `${args.name}-id`, state: { ...inputs, identity } };
      },
      call(args) {
        if (args.token === "azuread:index/getApplicationTemplate:getApplicationTemplate") {
          const template = emulator.state.directory.applicationTemplates.find(
            (t) => t.displayName === args.inputs.displayName,
          );
          return { templateId: template?.id };
        }
        return {};
      },
    },
    "inbound",
    "adopt",
    false,
  );

  emulator.requests.length = 0;
  const tenant = new Tenant(exported.tenant.name, { spec: exported, adopt });
  expect(tenant.workflows).toBeDefined();
  // Until every registered resource has been created and nothing new is registered.
  for (let seen = -1; seen !== registered.length || pending.size > 0;) {
    seen = registered.length;
    await Promise.allSettled([...pending]);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  writesDuringUp = emulator.requests
    .filter((r) => r.method !== "GET")
    .map(
      (r) =>
        `${r.method} ${r.path.replace(/\/servicePrincipals\/[^/]+\/synchronization\/jobs\/[^/]+/, "/servicePrincipals/{sp}/synchronization/jobs/{job}")}`,
    );
});

afterAll(async () => {
  delete process.env.INBOUND_GRAPH_TOKEN;
  await emulator.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

test("export writes an adopt id for the app, the resource group and every workflow", () => {
  const sp = deployed.servicePrincipals.employees;
  const app = emulator.state.directory.servicePrincipals.get(sp)!;
  const application = [...emulator.state.directory.applications.values()].find(
    (a) => a.appId === app.appId,
  )!;
  expect(adopt).toEqual({
    "contoso-rg": `/subscriptions/${exported.azure!.subscriptionId}/resourceGroups/${exported.azure!.resourceGroup}`,
    "contoso-contoso-hr-inbound-employees-app": `/applicationTemplates/${String(app.applicationTemplateId)}/instantiate/${String(application.id)}/${sp}`,
    "contoso-lifecycle-workflow-onboard-pre-hire-employee": deployed.workflows["onboard-pre-hire"],
    "contoso-lifecycle-workflow-offboard-employee-on-last-day":
      deployed.workflows["offboard-on-last-day"],
    "contoso-lifecycle-settings": "lifecycleWorkflowSettings",
  });
});

test("the app and the resource group are imported with the exported ids; each workflow is adopted by id", () => {
  const imported = registered.filter((r) => r.importId).map((r) => [r.name, r.importId]);
  expect(imported.sort()).toEqual(
    [
      [
        "contoso-contoso-hr-inbound-employees-app",
        adopt["contoso-contoso-hr-inbound-employees-app"],
      ],
      ["contoso-rg", adopt["contoso-rg"]],
    ].sort(),
  );
  const workflows = registered
    .filter((r) => r.type === LIFECYCLE_WORKFLOW_TYPE)
    .map((r) => [r.name, r.inputs.adoptId]);
  expect(workflows.sort()).toEqual(
    Object.entries(adopt)
      .filter(([name]) => name.includes("-lifecycle-workflow-"))
      .sort(),
  );
});

test("the first `pulumi up` writes nothing to Graph: the job, secrets, schema, start and workflows are the existing ones", () => {
  // parseExpression is a read that Graph answers with a POST; nothing else was sent.
  expect(
    writesDuringUp.filter(
      (w) =>
        w !== "POST /v1.0/servicePrincipals/{sp}/synchronization/jobs/{job}/schema/parseExpression",
    ),
  ).toEqual([]);
  expect(writesDuringUp.length).toBeGreaterThan(0);
  expect([
    ...emulator.state.provisioning.servicePrincipals
      .get(deployed.servicePrincipals.employees)!
      .jobs.keys(),
  ]).toHaveLength(1);
  expect(emulator.state.lifecycle.workflows.size).toBe(2);
});

test("nothing else is created: besides providers and components, every resource is an existing object", () => {
  const sp = deployed.servicePrincipals.employees;
  const adoptedThroughTheApp = [
    "contoso-contoso-hr-inbound-employees-job",
    "contoso-contoso-hr-inbound-employees-secrets",
    "contoso-contoso-hr-inbound-employees-schema",
    "contoso-contoso-hr-inbound-employees-start",
  ];
  // The job, secrets, schema and start are the imported app's: its service principal.
  expect(
    registered
      .filter((r) => adoptedThroughTheApp.includes(r.name))
      .map((r) => [r.name, r.inputs.servicePrincipalId])
      .sort(),
  ).toEqual(adoptedThroughTheApp.map((name) => [name, sp]).sort());
  const settings = registered.find((r) => r.name === "contoso-lifecycle-settings");
  expect(settings?.inputs.adopt).toBe(true);
  const notAdopted = registered
    .filter(
      (r) =>
        !r.importId &&
        !r.inputs.adoptId &&
        !r.inputs.adopt &&
        !adoptedThroughTheApp.includes(r.name) &&
        !r.type.startsWith("pulumi:providers:") &&
        !r.type.startsWith("inbound:"),
    )
    .map((r) => r.name)
    .sort();
  expect(notAdopted).toEqual([]);
  // The custom task extension is left as it is: no Logic App, no second extension; the
  // workflows run the existing one by id.
  expect(registered.filter((r) => r.type === CUSTOM_TASK_EXTENSION_TYPE)).toEqual([]);
  expect(emulator.state.lifecycle.customTaskExtensions.size).toBe(1);
});

test("an adopt name the spec does not build is refused, naming what is adoptable", () => {
  expect(
    () =>
      new Tenant(exported.tenant.name, { spec: exported, adopt: { "contoso-employees-app": "x" } }),
  ).toThrow(
    "inbound:adopt names contoso-employees-app, which this spec does not build; adoptable: contoso-rg, contoso-contoso-hr-inbound-employees-app, contoso-lifecycle-workflow-onboard-pre-hire-employee, contoso-lifecycle-workflow-offboard-employee-on-last-day, contoso-lifecycle-settings",
  );
});
