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
import { type GraphEmulator } from "../../lib/emulator";
import { loadSpec } from "../../lib/loader/load";
import type { TenantSpec } from "../../lib/model/schema";
import { compileSettings } from "../../lib/lifecycle/compile";
import { lifecycleSettingsProvider } from "../../components/graph/lifecycleSettings";
import { deploy as deployTenant, RESUMED_BY, startDriftEmulator } from "./deploy";
import type { DriftReport } from "../../lib/drift";

const ROOT = path.join(__dirname, "..", "..");
const CONTOSO = path.join(ROOT, "examples", "tenants", "contoso.yaml");

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
  live = (await deployTenant(emulator, tenant)).employees;
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
  emulator = await startDriftEmulator();
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

/** Reverses the key order of an object in place. */
function reverseKeys(o: Json): void {
  const entries = Object.entries(o).reverse();
  for (const [k] of entries) delete o[k];
  for (const [k, v] of entries) o[k] = v;
}

const liveSecrets = () =>
  emulator.state.provisioning.servicePrincipals.get(live.sp)!.secrets as {
    key: string;
    value: string;
  }[];
const secret = (key: string) => liveSecrets().find((s) => s.key === key)!;
const isTrueClause = () =>
  (userMapping().scope!.groups![0].clauses as Json[]).find(
    (c) => c.sourceOperandName === "active",
  )!;
const contosoAttribute = (name: string) =>
  liveSchema()
    .directories.flatMap((d) => d.objects.find((o) => o.name === "User")?.attributes ?? [])
    .find((a) => a.name === `urn:ietf:params:scim:schemas:extension:contoso:1.0:User:${name}`)!;

// Each is something Graph may answer that is the same configuration; none may count as drift.
const SAME_CONFIGURATION: [string, () => void][] = [
  [
    "key order of a live mapping, its source tree and a JSON secret",
    () => {
      const m = mappingOf("displayName");
      reverseKeys(m);
      reverseKeys(m.source as Json);
      const settings = JSON.parse(secret("SyncNotificationSettings").value) as Json;
      reverseKeys(settings);
      secret("SyncNotificationSettings").value = JSON.stringify(settings);
    },
  ],
  [
    "enum values echoed in another case",
    () => {
      mappingOf("jobTitle").flowType = "always";
      mappingOf("jobTitle").flowBehavior = "flowWhenChanged";
      contosoAttribute("HireDate").type = "dateTime";
      contosoAttribute("HireDate").mutability = "readWrite";
      secret("SkipOutOfScopeDeletions").value = "false";
    },
  ],
  ["target object actions spelled Update,Add", () => (userMapping().flowTypes = "Update,Add")],
  ["target object actions spelled Add, Update", () => (userMapping().flowTypes = "Add, Update")],
  ["a masked secret", () => (secret("SyncNotificationSettings").value = "*****")],
  [
    "Graph's own parameter keys in a parsed tree",
    () => {
      const source = mappingOf("displayName").source as { parameters: { key: string }[] };
      source.parameters.forEach((p, i) => (p.key = `param${i}`));
    },
  ],
  [
    "defaults Graph fills in, left out of the echo",
    () => {
      const m = mappingOf("surname");
      delete m.flowBehavior;
      delete m.flowType;
      delete m.matchingPriority;
      delete m.exportMissingReferences;
      delete m.defaultValue;
      const a = contosoAttribute("LeaveDate");
      delete a.caseExact;
      delete a.mutability;
      delete a.multivalued;
      delete a.apiExpressions;
    },
  ],
  [
    "a one-sided clause (IS TRUE) stored with targetOperand null",
    () => (isTrueClause().targetOperand = null),
  ],
  [
    "template filters that are not ours",
    () => {
      userMapping().scope!.inputFilterGroups = [
        {
          name: "template",
          clauses: [
            {
              operatorName: "IS_NOT_NULL",
              sourceOperandName: "userName",
              targetOperand: null,
            },
          ],
        },
      ];
    },
  ],
  [
    "operators listed by id, the live clause spelling one another way",
    () => {
      emulator.state.provisioning.filterOperators = emulator.state.provisioning.filterOperators.map(
        ({ name, ...rest }) => ({ ...rest, id: name }),
      );
      isTrueClause().operatorName = "IsTrue";
    },
  ],
  [
    "a workflow's key order and its task arguments in another order",
    () => {
      const [, workflow] = [...emulator.state.lifecycle.workflows].find(
        ([, w]) => w.displayName === "Onboard pre-hire employee",
      )!;
      reverseKeys(workflow);
      for (const task of liveTasks("Onboard pre-hire employee")) {
        (task.arguments as Json[]).reverse();
        reverseKeys(task);
      }
    },
  ],
];

test.each(SAME_CONFIGURATION)("no false drift: %s", async (_title, change) => {
  change();
  const { code, report, err } = await driftJson();
  expect(err).toBe("");
  expect(named(report)).toEqual([]);
  expect(code).toBe(0);
});

test("a 403 on one read: exit 1, naming the object, the request and what to check", async () => {
  emulator.faults.add({
    status: 403,
    method: "GET",
    path: /\/synchronization\/secrets$/,
    times: 1,
  });
  const result = await drift();
  expect(result.code).toBe(1);
  expect(result.out).toBe("");
  expect(result.err).toMatch(
    /^could not read the live tenant: app employees: Graph GET \/v1\.0\/servicePrincipals\/[0-9a-f-]+\/synchronization\/secrets failed: 403 Authorization_RequestDenied: Insufficient privileges to complete the operation\./,
  );
  expect(result.err).toContain("see docs/drift.md for the permissions");
});

test("a workflow gone from the tenant, an extension changed and settings drifted are named", async () => {
  fs.writeFileSync(
    path.join(dir, "tenant.yaml"),
    `extends: ${CONTOSO}\nlifecycleWorkflowSettings:\n  workflowScheduleIntervalInHours: 6\n`,
  );
  specFile = path.join(dir, "tenant.yaml");
  await lifecycleSettingsProvider.create({
    ...compileSettings(load(specFile).lifecycleWorkflowSettings!),
    graphBaseUrl: emulator.url,
  });
  const [id] = [...emulator.state.lifecycle.workflows].find(
    ([, w]) => w.displayName === "Offboard employee on last day",
  )!;
  emulator.state.lifecycle.workflows.delete(id);
  const [extension] = [...emulator.state.lifecycle.customTaskExtensions.values()];
  (extension.callbackConfiguration as Json).timeoutDuration = "PT1H";
  emulator.state.lifecycle.settings.workflowScheduleIntervalInHours = 12;

  const { code, report } = await driftJson();
  expect(code).toBe(4);
  expect(report.objects.filter((o) => o.differences.length > 0)).toEqual([
    {
      kind: "extension",
      name: "hybrid-offboarding",
      differences: [{ path: "callbackConfiguration.timeoutDuration", spec: "PT30M", live: "PT1H" }],
    },
    {
      kind: "workflow",
      name: "offboard-on-last-day",
      differences: [{ path: "displayName", spec: "Offboard employee on last day", live: null }],
    },
    {
      kind: "settings",
      name: "lifecycleWorkflowSettings",
      differences: [{ path: "workflowScheduleIntervalInHours", spec: 6, live: 12 }],
    },
  ]);
});

test("the app authorized to resume an extension is compared with the Logic App's identity", async () => {
  const [extension] = [...emulator.state.lifecycle.customTaskExtensions.values()];
  const callback = extension.callbackConfiguration as Json;
  callback.authorizedApps = [
    { "@odata.type": "#microsoft.graph.application", id: "0a1b2c3d-0000-4000-8000-000000000001" },
  ];
  let { code, report } = await driftJson();
  expect(code).toBe(4);
  const differences = () => report.objects.find((o) => o.kind === "extension")!.differences;
  expect(differences()).toEqual([
    {
      path: "callbackConfiguration.authorizedApps[0].id",
      spec: RESUMED_BY,
      live: "0a1b2c3d-0000-4000-8000-000000000001",
    },
  ]);
  // Removed in the portal: the Logic App can no longer resume its tasks.
  delete callback.authorizedApps;
  ({ code, report } = await driftJson());
  expect(code).toBe(4);
  expect(differences()).toEqual([
    {
      path: "callbackConfiguration.authorizedApps",
      spec: [{ "@odata.type": "#microsoft.graph.application", id: RESUMED_BY }],
      live: [],
    },
  ]);
});

test("--json and --markdown together are a usage error; a spec that does not load exits 1", async () => {
  const both = await drift("--json", "--markdown");
  expect(both.code).toBe(2);
  expect(both.err).toContain("--json and --markdown exclude each other");
  fs.writeFileSync(path.join(dir, "bad.yaml"), "tenant: [\n");
  specFile = path.join(dir, "bad.yaml");
  const bad = await drift();
  expect(bad.code).toBe(1);
  expect(bad.err).toMatch(/bad\.yaml:\d+:\d+: /);
});

/** Puts the live workflow with this display name in quarantine, as its execution limits would. */
function quarantine(displayName: string, details: Json): void {
  const [, workflow] = [...emulator.state.lifecycle.workflows].find(
    ([, w]) => w.displayName === displayName,
  )!;
  workflow.quarantineDetails = details;
}

test("a quarantined workflow is reported with when and why and how to clear it: exit 4, no drift", async () => {
  quarantine("Offboard employee on last day", {
    quarantinedDateTime: "2026-12-07T06:00:00Z",
    quarantineType: "countBasedThresholdExceeded",
    quarantineReason: "The run would have processed 812 users; the limit is 500.",
  });

  const { code, report, err } = await driftJson();
  expect(err).toBe("");
  expect(code).toBe(4);
  expect(report.drift).toBe(false);
  expect(report.objects.find((o) => o.name === "offboard-on-last-day")).toEqual({
    kind: "workflow",
    name: "offboard-on-last-day",
    differences: [],
    quarantine: {
      displayName: "Offboard employee on last day",
      quarantinedDateTime: "2026-12-07T06:00:00Z",
      quarantineType: "countBasedThresholdExceeded",
      quarantineReason: "The run would have processed 812 users; the limit is 500.",
    },
  });
  expect(report.objects.filter((o) => o.quarantine)).toHaveLength(1);

  const text = await drift();
  expect(text.code).toBe(4);
  expect(text.out).toContain(
    'in quarantine: 1 workflow\n  workflow offboard-on-last-day: "Offboard employee on last day" since 2026-12-07T06:00:00Z, countBasedThresholdExceeded: The run would have processed 812 users; the limit is 500.\n  it runs no scheduled run until a Lifecycle Workflows Administrator, signed in, approves it',
  );
  expect(text.out).toContain("app-only access cannot clear it");

  const markdown = await drift("--markdown");
  expect(markdown.code).toBe(4);
  expect(markdown.out).toContain("**No drift**: 4 objects compared");
  expect(markdown.out).toContain("**1 workflow in quarantine**: no deploy clears it (below).");
  expect(markdown.out).toContain(
    "#### In quarantine: 1 workflow\n\n- workflow `offboard-on-last-day`: <code>",
  );
  expect(markdown.out).toContain(
    "Each runs no scheduled run until a Lifecycle Workflows Administrator",
  );
  // Reading the quarantine is still a read: nothing is cleared or written.
  expect(
    emulator.requests.filter((r) => r.method !== "GET" && !r.path.endsWith("/parseExpression")),
  ).toEqual([]);
});

test("quarantineDetails saying notQuarantined, or null, is no quarantine: exit 0", async () => {
  quarantine("Offboard employee on last day", {
    quarantinedDateTime: null,
    quarantineType: "notQuarantined",
    quarantineReason: null,
  });
  const { code, report } = await driftJson();
  expect(code).toBe(0);
  expect(report.objects.some((o) => "quarantine" in o)).toBe(false);
});

test("the settings' execution limits are compared leaf by leaf, and none in the tenant is drift", async () => {
  fs.writeFileSync(
    path.join(dir, "tenant.yaml"),
    `extends: ${CONTOSO}
lifecycleWorkflowSettings:
  quarantineConfiguration:
    matchMode: any
    conditions: [{ threshold: 500 }, { percentage: 25 }]
`,
  );
  specFile = path.join(dir, "tenant.yaml");
  const settingsObject = async () =>
    (await driftJson()).report.objects.find((o) => o.kind === "settings")!.differences;
  expect(await settingsObject()).toEqual([
    {
      path: "quarantineConfiguration",
      spec: {
        matchMode: "any",
        conditions: [
          {
            "@odata.type": "#microsoft.graph.identityGovernance.countBasedQuarantineCondition",
            threshold: 500,
          },
          {
            "@odata.type": "#microsoft.graph.identityGovernance.percentageBasedQuarantineCondition",
            percentage: 25,
          },
        ],
      },
      live: null,
    },
  ]);

  await lifecycleSettingsProvider.create({
    ...compileSettings(load(specFile).lifecycleWorkflowSettings!),
    graphBaseUrl: emulator.url,
  });
  expect((await driftJson()).code).toBe(0);

  const live = emulator.state.lifecycle.settings.quarantineConfiguration as {
    matchMode: string;
    conditions: Json[];
  };
  live.conditions.reverse();
  expect((await driftJson()).code).toBe(0);
  live.matchMode = "all";
  live.conditions[0].percentage = 40;
  const { code } = await driftJson();
  expect(code).toBe(4);
  expect(await settingsObject()).toEqual([
    { path: "quarantineConfiguration.conditions[1].percentage", spec: 25, live: 40 },
    { path: "quarantineConfiguration.matchMode", spec: "any", live: "all" },
  ]);
});
