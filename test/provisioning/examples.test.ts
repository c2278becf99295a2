/**
 * The three bundled tenant files through the real Pulumi program under the runtime's mocks, as
 * `inbound plan` runs it (each plan in its own process: Pulumi runs one program per process):
 * the exact resource tree (type, name, parent) and the exact inputs of every provisioning
 * resource, and for contoso the schema body the plan shows against the spec, field by field.
 *
 * This proves what the program registers and what the plan prints; it does not prove that Entra
 * accepts it (the emulator tests in providers.test.ts cover the providers' calls).
 */
import { execFile } from "child_process";
import * as path from "path";
import { promisify } from "util";
import { loadSpecOrThrow } from "../../lib/loader/load";
import { schemaSpecOf } from "../../lib/provisioning/managed";
import { attr, CONTOSO_URN, customAttribute, mapping } from "./helpers";

const ROOT = path.join(__dirname, "..", "..");
const ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
const GRAPH = "https://graph.microsoft.com";
const SYNC =
  "/v1.0/servicePrincipals/<contoso-employees-app.servicePrincipalObjectId>/synchronization";
const JOB_PATH = `${SYNC}/jobs/<contoso-employees-job.jobId>`;

interface PlannedResource {
  type: string;
  name: string;
  parent: string;
  inputs: Record<string, unknown>;
}
interface PlanJson {
  resources: PlannedResource[];
  graphRequests: {
    resource: string;
    method: string;
    path: string;
    headers?: Record<string, string>;
    body?: unknown;
  }[];
  policyViolations: unknown[];
}

async function inbound(...args: string[]): Promise<string> {
  const { stdout } = await promisify(execFile)(
    process.execPath,
    [path.join(ROOT, "bin", "inbound.js"), ...args],
    { cwd: ROOT, maxBuffer: 64 * 1024 * 1024, env: { ...process.env, NO_COLOR: "1" } },
  );
  return stdout;
}

const plans: Record<string, PlanJson> = {};
let text = "";
let markdown = "";
beforeAll(async () => {
  // One after the other: each run is a whole Pulumi program, and the machine has two cores.
  for (const tenant of ["contoso", "fabrikam", "contoso-ad"]) {
    plans[tenant] = JSON.parse(await inbound("plan", `examples/tenants/${tenant}.yaml`, "--json"));
  }
  // What `npm start` prints, and the pull-request form.
  text = await inbound("plan", "examples/tenants/contoso.yaml");
  markdown = await inbound("plan", "examples/tenants/contoso.yaml", "--markdown");
}, 180_000);

const APP = "azuread:index/applicationFromTemplate:ApplicationFromTemplate";
const JOB = "pulumi-nodejs:dynamic/inbound-provisioning-job:Resource";
const SECRETS = "pulumi-nodejs:dynamic/inbound-synchronization-secrets:Resource";
const SCHEMA = "pulumi-nodejs:dynamic/inbound-synchronization-schema:Resource";
const START = "pulumi-nodejs:dynamic/inbound-provisioning-job-start:Resource";
const GRANT = "azuread:index/appRoleAssignment:AppRoleAssignment";

/** The resources every tenant file with one Entra or AD app and a function uploader has. */
function appTree(t: string): [string, string, string][] {
  const app = `${t}-employees`;
  const up = `${app}-uploader`;
  return [
    ["inbound:index:Tenant", t, ""],
    ["pulumi:providers:azuread", `${t}-entra`, t],
    ["pulumi:providers:azure-native", `${t}-azure`, t],
    ["azure-native:resources:ResourceGroup", `${t}-rg`, t],
    ["inbound:provisioning:ApiProvisioningApp", app, t],
    [APP, `${app}-app`, app],
    [JOB, `${app}-job`, app],
    [SECRETS, `${app}-secrets`, app],
    [SCHEMA, `${app}-schema`, app],
    [START, `${app}-start`, app],
    ["inbound:uploader:Uploader", up, t],
    ["azure-native:managedidentity:UserAssignedIdentity", `${up}-identity`, up],
    ["azure-native:web:AppServicePlan", `${up}-plan`, up],
    ["azure-native:storage:StorageAccount", `${up}-storage`, up],
    ["azure-native:authorization:RoleAssignment", `${up}-blob-owner`, up],
    ["azure-native:authorization:RoleAssignment", `${up}-queue-contributor`, up],
    ["azure-native:storage:BlobContainer", `${up}-drop`, up],
    ["azure-native:storage:BlobContainer", `${up}-state`, up],
    ["azure-native:storage:BlobContainer", `${up}-deployment`, up],
    ["azure-native:storage:ManagementPolicy", `${up}-retention`, up],
    ["azure-native:web:WebApp", `${up}-function`, up],
    // The function's code, uploaded by pulumi up as the deployer (docs/uploader-azure.md).
    ["azure-native:authorization:RoleAssignment", `${up}-package-writer`, up],
    ["pulumi-nodejs:dynamic/inbound-function-package:Resource", `${up}-package`, up],
    ["inbound:provisioning:GraphAppRoleGrants", `${up}-graph`, t],
    [GRANT, `${up}-graph-synchronizationdata-user-upload`, `${up}-graph`],
    [GRANT, `${up}-graph-provisioninglog-read-all`, `${up}-graph`],
    ["inbound:lifecycle:LifecycleWorkflows", `${t}-lifecycle`, t],
  ];
}

const tree = (plan: PlanJson) =>
  plan.resources
    .map((r) => [r.type, r.name, r.parent])
    .sort((a, b) => a[1].localeCompare(b[1]) || a[0].localeCompare(b[0]));
const sorted = (rows: [string, string, string][]) =>
  [...rows].sort((a, b) => a[1].localeCompare(b[1]) || a[0].localeCompare(b[0]));
const inputsOf = (plan: PlanJson, name: string) =>
  plan.resources.find((r) => r.name === name)?.inputs;

describe("resource tree: exact types, names and parents", () => {
  test("contoso: the Entra app, its uploader and grants, two workflows and a task extension", () => {
    const ext = "contoso-lifecycle-extension-hybrid-offboarding";
    expect(tree(plans.contoso)).toEqual(
      sorted([
        ...appTree("contoso"),
        ["inbound:lifecycle:CustomTaskExtension", ext, "contoso-lifecycle"],
        ["azure-native:logic:Workflow", `${ext}-logic-app`, ext],
        ["pulumi-nodejs:dynamic/inbound-custom-task-extension:Resource", `${ext}-object`, ext],
        [
          "pulumi-nodejs:dynamic/inbound-lifecycle-workflow:Resource",
          "contoso-lifecycle-workflow-onboard-pre-hire",
          "contoso-lifecycle",
        ],
        [
          "pulumi-nodejs:dynamic/inbound-lifecycle-workflow:Resource",
          "contoso-lifecycle-workflow-offboard-on-last-day",
          "contoso-lifecycle",
        ],
      ]),
    );
  });

  test("fabrikam and contoso-ad: one app each with its uploader, no workflows", () => {
    expect(tree(plans.fabrikam)).toEqual(sorted(appTree("fabrikam")));
    expect(tree(plans["contoso-ad"])).toEqual(sorted(appTree("contoso-ad")));
  });
});

test.each(["contoso", "fabrikam", "contoso-ad"])(
  "%s meets the policy pack: the trees above hold every kind of resource its rules check",
  (tenant) => {
    // The one finding is advice: these examples leave `monitoring:` out (examples/variants/contoso-monitored.yaml
    // has it, test/policies/plan.test.ts).
    expect(plans[tenant].policyViolations).toEqual([
      expect.objectContaining({
        policy: "inbound-provisioning-monitored",
        enforcementLevel: "advisory",
        resource: `${tenant}-employees-schema`,
      }),
    ]);
  },
);

describe("provisioning resources: exact inputs", () => {
  const cases = [
    {
      tenant: "contoso",
      tenantId: "0b8e7d3c-5f0a-4d6e-9c2b-1a2b3c4d5e6f",
      displayName: "Contoso HR inbound - employees",
      template: "API-driven provisioning to Microsoft Entra ID",
      expectedTemplateId: "API2AAD",
      notification:
        '{"Enabled":true,"Recipients":"iam-alerts@contoso.com","DeleteThresholdEnabled":true,"DeleteThresholdValue":25}',
      ad: [],
    },
    {
      tenant: "fabrikam",
      tenantId: "3c4d5e6f-1a2b-4c3d-9e8f-7a6b5c4d3e2f",
      displayName: "fabrikam HR inbound - employees",
      template: "API-driven provisioning to Microsoft Entra ID",
      expectedTemplateId: "API2AAD",
      notification:
        '{"Enabled":true,"Recipients":"it@fabrikam.com","DeleteThresholdEnabled":true,"DeleteThresholdValue":25}',
      ad: [],
    },
    {
      tenant: "contoso-ad",
      tenantId: "0b8e7d3c-5f0a-4d6e-9c2b-1a2b3c4d5e6f",
      displayName: "contoso-ad HR inbound - Active Directory",
      template: "API-driven provisioning to on-premises Active Directory",
      expectedTemplateId: "API2AD",
      notification:
        '{"Enabled":true,"Recipients":"iam-alerts@contoso.com","DeleteThresholdEnabled":true,"DeleteThresholdValue":25}',
      // No inbound:activeDirectorySecretKeys in the plan's config: the labelled best guess.
      ad: [
        { key: "Domain", value: '{"domain":"contoso.local"}' },
        { key: "SyncAgentADContainer", value: "OU=Users,DC=contoso,DC=local" },
      ],
    },
  ];

  test.each(cases)(
    "$tenant: app from the template found by name, job, secrets, schema, start, grants",
    ({ tenant, tenantId, displayName, template, expectedTemplateId, notification, ad }) => {
      const plan = plans[tenant];
      const app = `${tenant}-employees`;
      const sp = `<${app}-app.servicePrincipalObjectId>`;
      const job = `<${app}-job.jobId>`;
      // The template id is a deploy-time look-up by display name, never a GUID.
      expect(inputsOf(plan, `${app}-app`)).toEqual({
        displayName,
        templateId: `<template:${template}>`,
      });
      // No synchronizationTemplateId: the job discovers it at deploy time.
      expect(inputsOf(plan, `${app}-job`)).toEqual({
        servicePrincipalId: sp,
        expectedTemplateId,
        graphBaseUrl: GRAPH,
        // Pinned to the spec's tenant, like the azuread provider.
        tenantId,
      });
      expect(inputsOf(plan, `${app}-secrets`)).toEqual({
        servicePrincipalId: sp,
        credentials: [
          { key: "SyncNotificationSettings", value: notification },
          { key: "SkipOutOfScopeDeletions", value: "False" },
          ...ad,
        ],
        graphBaseUrl: GRAPH,
        tenantId,
      });
      const loaded = loadSpecOrThrow(path.join(ROOT, `examples/tenants/${tenant}.yaml`));
      expect(inputsOf(plan, `${app}-schema`)).toEqual({
        servicePrincipalId: sp,
        jobId: job,
        appKey: "employees",
        provisioning: schemaSpecOf(loaded.provisioning.employees),
        graphBaseUrl: GRAPH,
        tenantId,
      });
      expect(inputsOf(plan, `${app}-start`)).toEqual({
        servicePrincipalId: sp,
        jobId: job,
        graphBaseUrl: GRAPH,
        tenantId,
      });
      // Role ids are read from Microsoft Graph's service principal by value.
      for (const [slug, role] of [
        ["synchronizationdata-user-upload", "SynchronizationData-User.Upload"],
        ["provisioninglog-read-all", "ProvisioningLog.Read.All"],
      ]) {
        expect(inputsOf(plan, `${app}-uploader-graph-${slug}`)).toEqual({
          appRoleId: `<appRole:${role}>`,
          principalObjectId: `<${app}-uploader-identity.principalId>`,
          resourceObjectId: "<servicePrincipal:00000003-0000-0000-c000-000000000000>",
        });
      }
      // The components themselves take no inputs of their own.
      expect(inputsOf(plan, app)).toEqual({});
    },
  );

  test("contoso-ad's schema input carries the AD mappings and matching of its base file", () => {
    const provisioning = inputsOf(plans["contoso-ad"], "contoso-ad-employees-schema")!
      .provisioning as Record<string, unknown>;
    expect(provisioning.matching).toEqual([{ source: "externalId", target: "employeeID" }]);
    expect(Object.keys(provisioning.mappings as object).sort()).toEqual([
      "accountDisabled",
      "department",
      "displayName",
      "employeeID",
      "givenName",
      "parentDistinguishedName",
      "sAMAccountName",
      "sn",
      "title",
      "userPrincipalName",
    ]);
    // And the plan's schema PUT for the AD app writes them, matching on employeeID.
    const put = plans["contoso-ad"].graphRequests.find(
      (r) => r.method === "PUT" && r.path.endsWith("/schema"),
    )!.body as {
      synchronizationRules: {
        objectMappings: { attributeMappings: Record<string, unknown>[] }[];
      }[];
    };
    const sent = put.synchronizationRules[0].objectMappings[0].attributeMappings;
    expect(sent.map((m) => m.targetAttributeName)).toEqual(
      Object.keys(provisioning.mappings as object).sort(),
    );
    expect(sent.find((m) => m.targetAttributeName === "employeeID")).toEqual(
      mapping("employeeID", attr("externalId"), { matchingPriority: 1 }),
    );
    expect(sent.find((m) => m.targetAttributeName === "sAMAccountName")).toEqual(
      mapping(
        "sAMAccountName",
        fn("Left", "Left([userName], 20)", [
          // Parameter keys as Microsoft's function reference names them: Left(String, NumChars).
          ["string", attr("userName")],
          ["numChars", constant("20")],
        ]),
        { flowType: "ObjectAddOnly" },
      ),
    );
  });
});

// ---------------------------------------------------------------------------------------------

const constant = (value: string) => ({
  type: "Constant",
  name: value,
  expression: JSON.stringify(value),
  parameters: [],
});
const fn = (name: string, expression: string, parameters: [string, unknown][]) => ({
  type: "Function",
  name,
  expression,
  parameters: parameters.map(([key, value]) => ({ key, value })),
});

describe("inbound plan examples/tenants/contoso.yaml --json: the schema PUT", () => {
  const schemaPut = () => {
    const puts = plans.contoso.graphRequests.filter(
      (r) => r.method === "PUT" && r.path.endsWith("/schema"),
    );
    expect(puts.map((r) => r.path)).toEqual([`${JOB_PATH}/schema`]);
    return puts[0].body as {
      directories: { name: string; objects: { name: string; attributes: { name: string }[] }[] }[];
      synchronizationRules: {
        sourceDirectoryName: string;
        objectMappings: { flowTypes: string; scope: unknown; attributeMappings: unknown[] }[];
      }[];
    };
  };

  test("attribute mappings: every spec mapping, ordered by target, and nothing else", () => {
    const [user] = schemaPut().synchronizationRules[0].objectMappings;
    const given = "[name.givenName]";
    const family = "[name.familyName]";
    const dotted = `Join(".", ${given}, ${family})`;
    expect(user.attributeMappings).toEqual([
      mapping("accountEnabled", attr("active")),
      mapping("department", attr(`${ENTERPRISE}:department`)),
      mapping(
        "displayName",
        fn("Join", `Join(" ", ${given}, ${family})`, [
          ["separator", constant(" ")],
          ["source", attr("name.givenName")],
          ["source", attr("name.familyName")],
        ]),
      ),
      mapping("employeeHireDate", attr(`${CONTOSO_URN}:HireDate`)),
      // matching: [{ source: externalId, target: employeeId }] → precedence 1
      mapping("employeeId", attr("externalId"), { matchingPriority: 1 }),
      mapping("employeeLeaveDateTime", attr(`${CONTOSO_URN}:LeaveDate`)),
      mapping("givenName", attr("name.givenName")),
      mapping("jobTitle", attr("title")),
      mapping("mailNickname", attr("userName"), { flowType: "ObjectAddOnly" }),
      mapping("surname", attr("name.familyName")),
      mapping("usageLocation", attr(`${CONTOSO_URN}:UsageLocation`), { defaultValue: "NL" }),
      // ${tenant.domain} resolved; apply: onCreate → ObjectAddOnly
      mapping(
        "userPrincipalName",
        fn("Join", `Join("@", NormalizeDiacritics(StripSpaces(${dotted})), "contoso.com")`, [
          ["separator", constant("@")],
          [
            "source",
            fn("NormalizeDiacritics", `NormalizeDiacritics(StripSpaces(${dotted}))`, [
              [
                "source",
                fn("StripSpaces", `StripSpaces(${dotted})`, [
                  [
                    "source",
                    fn("Join", dotted, [
                      ["separator", constant(".")],
                      ["source", attr("name.givenName")],
                      ["source", attr("name.familyName")],
                    ]),
                  ],
                ]),
              ],
            ]),
          ],
          ["source", constant("contoso.com")],
        ]),
        { flowType: "ObjectAddOnly" },
      ),
    ]);
  });

  test("target object actions and scoping: groups OR-ed, clauses AND-ed", () => {
    const [user] = schemaPut().synchronizationRules[0].objectMappings;
    expect(user.flowTypes).toBe("Add, Update");
    expect(user.scope).toEqual({
      groups: [
        {
          name: "Scope 1",
          clauses: [
            {
              operatorName: "EQUALS",
              sourceOperandName: `${ENTERPRISE}:department`,
              targetOperand: { values: ["IT"] },
            },
            // Offline the operator name is the labelled best guess; deploys look it up.
            { operatorName: "IS TRUE", sourceOperandName: "active", targetOperand: { values: [] } },
          ],
        },
      ],
    });
  });

  test("custom attributes: added to the directory the API rule reads from", () => {
    const body = schemaPut();
    const source = body.synchronizationRules[0].sourceDirectoryName;
    const user = body.directories
      .find((d) => d.name === source)!
      .objects.find((o) => o.name === "User")!;
    const custom = user.attributes.filter((a) => a.name.startsWith(CONTOSO_URN));
    const definition = (name: string, type: string) =>
      customAttribute(`${CONTOSO_URN}:${name}`, type);
    expect(custom).toEqual([
      definition("HireDate", "DateTime"),
      definition("LeaveDate", "DateTime"),
      definition("UsageLocation", "String"),
    ]);
    // Nothing of ours lands in the target directory.
    for (const directory of body.directories.filter((d) => d.name !== source)) {
      for (const object of directory.objects) {
        expect(object.attributes.filter((a) => a.name.startsWith(CONTOSO_URN))).toEqual([]);
      }
    }
  });

  test("every request the providers send, resource by resource, as recorded from them", () => {
    const lines = plans.contoso.graphRequests.map(
      (r) => `${r.resource}: ${r.method} ${r.path} ${JSON.stringify(r.headers ?? {})}`,
    );
    const json = JSON.stringify({ "Content-Type": "application/json" });
    const lcw = JSON.stringify({
      Prefer: "include-unknown-enum-members",
      "Content-Type": "application/json",
    });
    expect(lines).toEqual([
      `contoso-employees-job: GET ${SYNC}/templates {}`,
      `contoso-employees-job: GET ${SYNC}/jobs {}`,
      `contoso-employees-job: POST ${SYNC}/jobs ${json}`,
      // The order is the order Pulumi registers the resources in, which depends on how long each
      // provider takes to serialize: the extension's, which loads lib/lifecycle/diff only when it
      // runs, is done before the secrets' and the schema's, which both wait for the job only.
      `contoso-lifecycle-extension-hybrid-offboarding-object: POST /v1.0/identityGovernance/lifecycleWorkflows/customTaskExtensions ${lcw}`,
      // The read-back that confirms the Logic App's identity is authorized to resume.
      `contoso-lifecycle-extension-hybrid-offboarding-object: GET /v1.0/identityGovernance/lifecycleWorkflows/customTaskExtensions/${encodeURIComponent("<contoso-lifecycle-extension-hybrid-offboarding-object.id>")}?$expand=callbackConfiguration/authorizedApps ${JSON.stringify({ Prefer: "include-unknown-enum-members" })}`,
      `contoso-employees-secrets: GET ${SYNC}/secrets {}`,
      `contoso-employees-secrets: PUT ${SYNC}/secrets ${json}`,
      `contoso-employees-schema: GET ${JOB_PATH}/schema {}`,
      `contoso-employees-schema: GET ${JOB_PATH}/schema/filterOperators {}`,
      // One parse per distinct mapping expression: Graph builds the trees the PUT carries.
      ...Array(12).fill(
        `contoso-employees-schema: POST ${JOB_PATH}/schema/parseExpression ${json}`,
      ),
      `contoso-employees-schema: PUT ${JOB_PATH}/schema ${json}`,
      // The tenant's task definitions, whose categories are checked before each create.
      `contoso-lifecycle-workflow-onboard-pre-hire: GET /v1.0/identityGovernance/lifecycleWorkflows/taskDefinitions ${JSON.stringify({ Prefer: "include-unknown-enum-members" })}`,
      `contoso-lifecycle-workflow-onboard-pre-hire: POST /v1.0/identityGovernance/lifecycleWorkflows/workflows ${lcw}`,
      `contoso-lifecycle-workflow-offboard-on-last-day: GET /v1.0/identityGovernance/lifecycleWorkflows/taskDefinitions ${JSON.stringify({ Prefer: "include-unknown-enum-members" })}`,
      `contoso-lifecycle-workflow-offboard-on-last-day: POST /v1.0/identityGovernance/lifecycleWorkflows/workflows ${lcw}`,
      `contoso-employees-start: GET ${JOB_PATH} {}`,
      `contoso-employees-start: POST ${JOB_PATH}/start {}`,
    ]);
    // The job is made from the template the templates list offered (a stand-in id offline).
    expect(plans.contoso.graphRequests[2].body).toEqual({
      templateId: "<contoso-employees-job.templateId>",
    });
    const parsed = plans.contoso.graphRequests
      .filter((r) => r.path.endsWith("/parseExpression"))
      .map((r) => (r.body as { expression: string }).expression);
    expect(parsed).toContain("[externalId]");
    expect(parsed).toContain(`[${ENTERPRISE}:department]`);
    expect(new Set(parsed).size).toBe(parsed.length);
  });
});

describe("human and pull-request output", () => {
  test("npm start prints the resource tree indented by parent, then the Graph requests", () => {
    const lines = text.split("\n");
    expect(lines[0]).toBe(`Plan for examples/tenants/contoso.yaml: 32 resources`);
    const at = (line: string) => {
      const index = lines.indexOf(line);
      expect({ line, found: index >= 0 }).toEqual({ line, found: true });
      return index;
    };
    const tenant = at("  + contoso  inbound:index:Tenant");
    const app = at("    + contoso-employees  inbound:provisioning:ApiProvisioningApp");
    const schema = at(`      + contoso-employees-schema  ${SCHEMA}`);
    expect(tenant).toBeLessThan(app);
    expect(app).toBeLessThan(schema);
    const requests = at("Microsoft Graph requests: 28");
    expect(requests).toBeGreaterThan(schema);
    const put = at(`PUT ${JOB_PATH}/schema`);
    // Under the heading of the resource whose provider sends it.
    expect(lines.lastIndexOf("contoso-employees-schema:", put)).toBeGreaterThan(requests);
    expect(lines[put + 1]).toBe("  Content-Type: application/json");
    // What the spec sets, as the portal's mapping page would list it, then the whole body.
    const body = at("  the whole body:");
    expect(lines.slice(put + 2, body)).toEqual([
      "  what the spec sets in it:",
      "    target object actions: Add, Update",
      "    scope (any group; all clauses of a group):",
      `      Scope 1: ${ENTERPRISE}:department EQUALS "IT" and active IS TRUE`,
      "    attribute mappings (12):",
      "      accountEnabled         [active]",
      `      department             [${ENTERPRISE}:department]`,
      '      displayName            Join(" ", [name.givenName], [name.familyName])',
      `      employeeHireDate       [${CONTOSO_URN}:HireDate]`,
      "      employeeId             [externalId]  (matching 1)",
      `      employeeLeaveDateTime  [${CONTOSO_URN}:LeaveDate]`,
      "      givenName              [name.givenName]",
      "      jobTitle               [title]",
      "      mailNickname           [userName]  (on create only)",
      "      surname                [name.familyName]",
      `      usageLocation          [${CONTOSO_URN}:UsageLocation]  (default "NL")`,
      '      userPrincipalName      Join("@", NormalizeDiacritics(StripSpaces(Join(".", [name.givenName], [name.familyName]))), "contoso.com")  (on create only)',
      "    custom API attributes (3):",
      `      ${CONTOSO_URN}:HireDate  DateTime`,
      `      ${CONTOSO_URN}:LeaveDate  DateTime`,
      `      ${CONTOSO_URN}:UsageLocation  String`,
    ]);
    // Bodies are indented JSON under their request line.
    expect(lines[body + 1]).toBe("    {");
    // No terminal colour codes when NO_COLOR is set or the output is not a terminal.
    expect(text).not.toMatch(/\u001b\[/);
  });

  test("--markdown gives a nested list and one collapsible block per request", () => {
    expect(markdown.startsWith("### inbound plan: `examples/tenants/contoso.yaml`\n")).toBe(true);
    expect(markdown).toContain("**32 resources**");
    expect(markdown).toContain(
      "\n  - `contoso-employees` (inbound:provisioning:ApiProvisioningApp)\n" +
        "    - `contoso-employees-app` (azuread:index/applicationFromTemplate:ApplicationFromTemplate)\n",
    );
    expect(markdown).toContain("**28 Microsoft Graph requests**");
    const blocks = markdown.match(
      /<details><summary><code>[A-Z]+ [^<]+<\/code> \([^)]+\)<\/summary>/g,
    );
    expect(blocks).toHaveLength(28);
    const escaped = (text: string) => text.replace(/</g, "&lt;").replace(/>/g, "&gt;");
    expect(blocks).toContain(
      `<details><summary><code>PUT ${escaped(JOB_PATH)}/schema</code> (contoso-employees-schema)</summary>`,
    );
    expect(markdown.match(/<\/details>/g)).toHaveLength(28);
    // The schema's summary, then every body, each in a closed fence.
    expect(markdown).toContain(
      "What the spec sets in it:\n\n```text\ntarget object actions: Add, Update\n",
    );
    const opened = (markdown.match(/^```(json|text|http)$/gm) ?? []).length;
    expect(opened).toBe((markdown.match(/^```$/gm) ?? []).length);
    expect(markdown.match(/^```text$/gm)).toHaveLength(1);
  });
});
