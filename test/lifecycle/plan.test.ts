/**
 * `inbound plan` for the lifecycle part, through the real program under Pulumi's mocks in its own
 * process (as the command runs it): the requests are recorded from the lifecycle providers' own
 * `create`, so each workflow's POST is the exact body the compiler makes with what the tenant
 * answers filled in (stand-ins offline), and the text output prints it in full.
 */
import { execFile } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { promisify } from "util";
import { compileWorkflow, placeholderResolver } from "../../lib/lifecycle/compile";
import { loadSpecOrThrow } from "../../lib/loader/load";
import { LIFECYCLE_WORKFLOW_TYPE } from "../../components/graph/lifecycleWorkflow";

const ROOT = path.join(__dirname, "..", "..");

const SPEC = `tenant: { name: fabrikam, id: 0b8e7d3c-5f0a-4d6e-9c2b-1a2b3c4d5e6f, domain: fabrikam.com }
azure: { subscriptionId: c500b67c-e9b7-4ad2-a90d-77d41385ae55, resourceGroup: rg-iam, location: westeurope }
lifecycleWorkflows:
  pre-hire:
    category: joiner
    displayName: Pre-hire
    description: Three days before the first day
    trigger: { attribute: employeeHireDate, offsetDays: -3 }
    scope: "(department eq 'IT') and (employeeType eq 'Employee')"
    tasks:
      - generateTemporaryAccessPass: { lifetimeMinutes: 480, usableOnce: false, to: Manager }
      - addUserToGroups: { groups: [All Staff, IT] }
      - addUserToTeams: { teams: IT }
      - updateUserAttributes
  move:
    category: mover
    displayName: Department move
    trigger: { attributeChanged: [department, jobTitle] }
    tasks: [notifyManagerOfUserMove, revokeAllRefreshTokens, sendSponsorshipChangeEmailToManager]
  leave:
    category: leaver
    displayName: Leavers group
    purgeOnDelete: true
    trigger: { group: Leavers, change: added }
    tasks:
      - removeUserFromAllGroups
      - runCustomTaskExtension: { extension: hybrid, continueOnError: true }
customTaskExtensions:
  hybrid:
    displayName: Disable on-premises account
    logicApp: { name: la-hybrid }
    callbackTimeout: PT30M
lifecycleWorkflowSettings:
  workflowScheduleIntervalInHours: 6
  emailSettings: { senderDomain: fabrikam.com, useCompanyBranding: true }
`;

interface PlanJson {
  resources: { type: string; name: string; inputs: Record<string, unknown> }[];
  graphRequests: { resource: string; method: string; path: string; body?: unknown }[];
}

let dir: string;
let plan: PlanJson;
let text: string;
beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "inbound-lcw-plan-"));
  fs.writeFileSync(path.join(dir, "tenant.yaml"), SPEC);
  const run = async (...args: string[]) =>
    (
      await promisify(execFile)(
        process.execPath,
        [path.join(ROOT, "bin", "inbound.js"), "plan", "tenant.yaml", ...args],
        { cwd: dir, maxBuffer: 16 * 1024 * 1024, env: { ...process.env, NO_COLOR: "1" } },
      )
    ).stdout;
  plan = JSON.parse(await run("--json"));
  text = await run();
}, 120_000);
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const spec = () => loadSpecOrThrow(path.join(dir, "tenant.yaml"));
const expected = (key: string) =>
  compileWorkflow(spec().lifecycleWorkflows[key], placeholderResolver, `lifecycleWorkflows.${key}`);
const lifecycle = () => plan.graphRequests.filter((r) => r.path.includes("/lifecycleWorkflows/"));

const EXTENSION_ID = "<fabrikam-lifecycle-extension-hybrid-object.id>";
const LCW = "/v1.0/identityGovernance/lifecycleWorkflows";
const workflowPost = (key: string) =>
  lifecycle().find(
    (r) => r.method === "POST" && r.resource === `fabrikam-lifecycle-workflow-${key}`,
  )!;
/** The compiled body with the extension id the (stand-in) create answered. */
const sent = (key: string) =>
  JSON.parse(
    JSON.stringify(expected(key)).replace("<customTaskExtension:hybrid>", EXTENSION_ID),
  ) as unknown;

test("the lifecycle requests, in the order Pulumi creates the resources", () => {
  const requests = lifecycle().map((r) => `${r.resource}: ${r.method} ${r.path}`);
  // The settings and the extension depend on nothing of each other: either may register first.
  expect(requests.slice(0, 3).sort()).toEqual([
    // The read-back that confirms the authorized app.
    `fabrikam-lifecycle-extension-hybrid-object: GET ${LCW}/customTaskExtensions/${encodeURIComponent(EXTENSION_ID)}?$expand=callbackConfiguration/authorizedApps`,
    `fabrikam-lifecycle-extension-hybrid-object: POST ${LCW}/customTaskExtensions`,
    `fabrikam-lifecycle-settings: PATCH ${LCW}/settings`,
  ]);
  expect(requests.slice(3)).toEqual([
    // Each create reads the tenant's task definitions: to check the tasks' categories, and for
    // move and pre-hire (Update user attributes) to look a task's id up by name.
    `fabrikam-lifecycle-workflow-move: GET ${LCW}/taskDefinitions`,
    `fabrikam-lifecycle-workflow-move: POST ${LCW}/workflows`,
    `fabrikam-lifecycle-workflow-leave: GET ${LCW}/taskDefinitions`,
    `fabrikam-lifecycle-workflow-leave: POST ${LCW}/workflows`,
    `fabrikam-lifecycle-workflow-pre-hire: GET ${LCW}/taskDefinitions`,
    `fabrikam-lifecycle-workflow-pre-hire: POST ${LCW}/workflows`,
  ]);
});

test.each(["pre-hire", "move", "leave"])(
  "%s: the plan shows the exact body, deploy-time ids as named placeholders",
  (key) => {
    expect(workflowPost(key).body).toEqual(sent(key));
  },
);

test("the placeholders name what is looked up at deploy time", () => {
  const preHire = expected("pre-hire");
  expect(preHire.tasks.map((t) => [t.taskDefinitionId, t.arguments])).toEqual([
    [
      "1b555e50-7f65-41d5-b514-5894a026d10d",
      [
        { name: "tapLifetimeMinutes", value: "480" },
        { name: "tapIsUsableOnce", value: "false" },
        { name: "to", value: "Manager" },
      ],
    ],
    [
      "22085229-5809-45e8-97fd-270d28d66910",
      [{ name: "groupID", value: "<group:All Staff>,<group:IT>" }],
    ],
    ["e440ed8d-25a1-4618-84ce-091ed5be5594", [{ name: "teamID", value: "<group:IT>" }]],
    ["<taskDefinition:Update user attributes>", []],
  ]);
  expect(expected("leave").executionConditions.scope).toEqual({
    "@odata.type": "#microsoft.graph.identityGovernance.groupBasedSubjectSet",
    groups: [{ id: "<group:Leavers>" }],
  });
  expect(expected("leave").tasks[1].arguments).toEqual([
    { name: "customTaskExtensionID", value: "<customTaskExtension:hybrid>" },
  ]);
});

test("each workflow resource carries the body the plan shows", () => {
  const keys = [
    "category",
    "description",
    "displayName",
    "isEnabled",
    "isSchedulingEnabled",
    "executionConditions",
    "tasks",
  ];
  for (const key of ["pre-hire", "move", "leave"]) {
    const resource = plan.resources.find(
      (r) => r.type === LIFECYCLE_WORKFLOW_TYPE && r.name === `fabrikam-lifecycle-workflow-${key}`,
    )!;
    const inputs = Object.fromEntries(
      keys.filter((k) => k in resource.inputs).map((k) => [k, resource.inputs[k]]),
    );
    expect(inputs).toEqual(sent(key));
  }
});

test("the text output prints every workflow body in full, under its resource", () => {
  for (const key of ["pre-hire", "move", "leave"]) {
    const body = JSON.stringify(workflowPost(key).body, null, 2)
      .split("\n")
      .map((line) => `    ${line}`)
      .join("\n");
    const headers = "  Prefer: include-unknown-enum-members\n  Content-Type: application/json\n";
    expect(text).toContain(`POST ${LCW}/workflows\n${headers}${body}\n`);
  }
});
