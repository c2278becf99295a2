/**
 * The LifecycleWorkflows component under Pulumi's mocks: which resources it registers, with
 * which names, parents and inputs. Mocks never run the dynamic providers (providers.test.ts
 * covers those), so this proves the registrations, not that Azure or Graph accept them.
 */
import * as pulumi from "@pulumi/pulumi";
import { groupUses, LifecycleWorkflows, lookUpGroup } from "../../components/lifecycleWorkflows";
import { CUSTOM_TASK_EXTENSION_TYPE } from "../../components/graph/customTaskExtension";
import { LIFECYCLE_SETTINGS_TYPE } from "../../components/graph/lifecycleSettings";
import { LIFECYCLE_WORKFLOW_TYPE } from "../../components/graph/lifecycleWorkflow";
import { specFrom } from "./helpers";
import { settled } from "../helpers/pulumi";

const registered: pulumi.runtime.MockResourceArgs[] = [];
const invokes: { token: string; inputs: Record<string, unknown> }[] = [];

beforeAll(async () => {
  await pulumi.runtime.setMocks(
    {
      newResource(args) {
        registered.push(args);
        const extra: Record<string, unknown> = {};
        if (args.type === "azure-native:logic:Workflow") {
          extra.identity = { type: "SystemAssigned", principalId: `${args.name}-principal` };
          extra.name = args.inputs.workflowName;
        }
        if (args.type === CUSTOM_TASK_EXTENSION_TYPE) extra.extensionId = `${args.name}-graph-id`;
        return { id: `${args.name}-id`, state: { ...args.inputs, ...extra } };
      },
      call(args) {
        invokes.push({ token: args.token, inputs: args.inputs });
        switch (args.token) {
          case "azuread:index/getGroup:getGroup":
            return {
              objectId: `id-of-${args.inputs.displayName}`,
              displayName: args.inputs.displayName,
            };
          case "azuread:index/getServicePrincipal:getServicePrincipal":
            // The Logic App identity's service principal, looked up by its object id.
            return {
              objectId: args.inputs.objectId,
              clientId: `appid-of-${args.inputs.objectId}`,
            };
          case "azure-native:logic:listWorkflowTriggerCallbackUrl":
            return { value: `https://logic.example/${args.inputs.workflowName}/manual?sig=s` };
          default:
            throw new Error(`unexpected invoke ${args.token}`);
        }
      },
    },
    "inbound",
    "test",
    false,
  );
});

const of = (type: string) =>
  registered
    .filter((r) => r.type === type)
    .map(({ name, inputs: { __provider: _provider, ...inputs } }) => ({ name, inputs }));

const spec = specFrom(`
lifecycleWorkflows:
  onboard:
    category: joiner
    displayName: Onboard
    trigger: { attribute: employeeHireDate, offsetDays: -3 }
    scope: "(department eq 'IT')"
    tasks:
      - addUserToGroups: { groups: [All Employees] }
      - runCustomTaskExtension: { extension: hybrid }
  leavers:
    category: leaver
    displayName: Leavers
    purgeOnDelete: true
    trigger: { group: Leavers, change: added }
    tasks: [removeUserFromAllGroups]
customTaskExtensions:
  hybrid:
    displayName: Hybrid offboarding
    logicApp: { name: la-hybrid }
    callbackTimeout: PT30M
lifecycleWorkflowSettings: { workflowScheduleIntervalInHours: 6 }
`);

let component: LifecycleWorkflows;
beforeAll(async () => {
  component = new LifecycleWorkflows("lw", { spec });
  await settled(
    pulumi.all([component.urn, component.workflows.onboard.urn, component.workflows.leavers.urn]),
  );
  await settled(pulumi.all([component.settings!.urn, component.extensions.hybrid.extension.urn]));
});

test("registers exactly these resources, named after the component and the spec keys", () => {
  expect(registered.map((r) => `${r.type} ${r.name}`).sort()).toEqual(
    [
      "inbound:lifecycle:LifecycleWorkflows lw",
      "inbound:lifecycle:CustomTaskExtension lw-extension-hybrid",
      "azure-native:logic:Workflow lw-extension-hybrid-logic-app",
      `${CUSTOM_TASK_EXTENSION_TYPE} lw-extension-hybrid-object`,
      `${LIFECYCLE_WORKFLOW_TYPE} lw-workflow-onboard`,
      `${LIFECYCLE_WORKFLOW_TYPE} lw-workflow-leavers`,
      `${LIFECYCLE_SETTINGS_TYPE} lw-settings`,
    ].sort(),
  );
});

test("children are parented to the component (via their URNs)", async () => {
  const urns = await settled(
    pulumi.all([
      component.workflows.onboard.urn,
      component.workflows.leavers.urn,
      component.settings!.urn,
      component.extensions.hybrid.urn,
      component.extensions.hybrid.logicApp.urn,
      component.extensions.hybrid.extension.urn,
    ]),
  );
  const parent = "inbound:lifecycle:LifecycleWorkflows";
  const extension = `${parent}$inbound:lifecycle:CustomTaskExtension`;
  expect(urns.map((u) => u.split("::").slice(2).join("::"))).toEqual([
    `${parent}$${LIFECYCLE_WORKFLOW_TYPE}::lw-workflow-onboard`,
    `${parent}$${LIFECYCLE_WORKFLOW_TYPE}::lw-workflow-leavers`,
    `${parent}$${LIFECYCLE_SETTINGS_TYPE}::lw-settings`,
    `${extension}::lw-extension-hybrid`,
    // A URN names only the parent's type, not the whole chain.
    "inbound:lifecycle:CustomTaskExtension$azure-native:logic:Workflow::lw-extension-hybrid-logic-app",
    `inbound:lifecycle:CustomTaskExtension$${CUSTOM_TASK_EXTENSION_TYPE}::lw-extension-hybrid-object`,
  ]);
});

test("workflows get the compiled body with group and extension ids resolved at deploy time", () => {
  const [onboard] = of(LIFECYCLE_WORKFLOW_TYPE).filter((r) => r.name === "lw-workflow-onboard");
  expect(onboard.inputs).toEqual({
    category: "joiner",
    displayName: "Onboard",
    isEnabled: true,
    isSchedulingEnabled: true,
    executionConditions: {
      "@odata.type": "#microsoft.graph.identityGovernance.triggerAndScopeBasedConditions",
      scope: {
        "@odata.type": "#microsoft.graph.identityGovernance.ruleBasedSubjectSet",
        rule: "(department eq 'IT')",
      },
      trigger: {
        "@odata.type": "#microsoft.graph.identityGovernance.timeBasedAttributeTrigger",
        timeBasedAttribute: "employeeHireDate",
        offsetInDays: -3,
      },
    },
    tasks: [
      {
        continueOnError: false,
        description: "Add user to selected groups",
        displayName: "Add user to groups",
        isEnabled: true,
        taskDefinitionId: "22085229-5809-45e8-97fd-270d28d66910",
        arguments: [{ name: "groupID", value: "id-of-All Employees" }],
      },
      {
        continueOnError: false,
        description: "Run a Custom Task Extension to callout to an external system.",
        displayName: "Run a Custom Task Extension",
        isEnabled: true,
        taskDefinitionId: "4262b724-8dba-4fad-afc3-43fcbb497a0e",
        arguments: [
          { name: "customTaskExtensionID", value: "lw-extension-hybrid-object-graph-id" },
        ],
      },
    ],
    graphBaseUrl: "https://graph.microsoft.com",
    graphVersion: "v1.0",
    tenantId: spec.tenant.id,
    purgeOnDelete: false,
  });
  const [leavers] = of(LIFECYCLE_WORKFLOW_TYPE).filter((r) => r.name === "lw-workflow-leavers");
  expect([leavers.inputs.executionConditions, leavers.inputs.purgeOnDelete]).toEqual([
    {
      "@odata.type": "#microsoft.graph.identityGovernance.triggerAndScopeBasedConditions",
      scope: {
        "@odata.type": "#microsoft.graph.identityGovernance.groupBasedSubjectSet",
        groups: [{ id: "id-of-Leavers" }],
      },
      trigger: {
        "@odata.type": "#microsoft.graph.identityGovernance.membershipChangeTrigger",
        changeType: "add",
      },
    },
    true,
  ]);
  // One look-up per group name.
  expect(
    invokes.filter((i) => i.token === "azuread:index/getGroup:getGroup").map((i) => i.inputs),
  ).toEqual([{ displayName: "All Employees" }, { displayName: "Leavers" }]);
});

test("the Logic App admits only Lifecycle Workflows' PoP token and resumes the task with its identity", () => {
  const [logicApp] = of("azure-native:logic:Workflow");
  const appId =
    "/subscriptions/c500b67c-e9b7-4ad2-a90d-77d41385ae55/resourceGroups/RG-LCM/providers/Microsoft.Logic/workflows/la-hybrid";
  expect(logicApp.inputs.accessControl).toEqual({
    triggers: {
      openAuthenticationPolicies: {
        policies: {
          AzureADLifecycleWorkflowsAuthPOPAuthPolicy: {
            type: "AADPOP",
            claims: [
              {
                name: "iss",
                value: "https://sts.windows.net/0b8e7d3c-5f0a-4d6e-9c2b-1a2b3c4d5e6f/",
              },
              { name: "aud", value: "https://management.azure.com" },
              { name: "appid", value: "ce79fdc4-cd1d-4ea5-8139-e74d7dbe0bb7" },
              { name: "m", value: "POST" },
              { name: "u", value: "management.azure.com" },
              { name: "p", value: appId },
            ],
          },
        },
      },
    },
  });
  expect([
    logicApp.inputs.workflowName,
    logicApp.inputs.resourceGroupName,
    logicApp.inputs.location,
    logicApp.inputs.identity,
  ]).toEqual(["la-hybrid", "RG-LCM", "westeurope", { type: "SystemAssigned" }]);
  expect(Object.keys(logicApp.inputs.definition.triggers)).toEqual(["manual"]);
  expect(logicApp.inputs.definition.actions).toEqual({
    Resume_lifecycle_task: {
      type: "Http",
      runAfter: {},
      inputs: {
        method: "POST",
        uri: "https://graph.microsoft.com/v1.0@{triggerBody()?['data']?['callbackUriPath']}",
        authentication: { type: "ManagedServiceIdentity", audience: "https://graph.microsoft.com" },
        body: { data: { operationStatus: "Completed" }, source: "sample", type: "lifecycleEvent" },
      },
    },
  });
});

test("no Graph app role is granted: the identity is authorized on the extension alone", async () => {
  // Microsoft's default response authorization lists the Logic App's identity in authorizedApps;
  // a tenant-wide LifecycleWorkflows.ReadWrite.All grant is what "No authorization" would need.
  expect(registered.filter((r) => r.type.startsWith("azuread:"))).toEqual([]);
  expect(
    invokes
      .filter((i) => i.token === "azuread:index/getServicePrincipal:getServicePrincipal")
      .map((i) => i.inputs),
  ).toEqual([{ objectId: "lw-extension-hybrid-logic-app-principal" }]);
  await expect(settled(component.extensions.hybrid.resumedBy)).resolves.toBe(
    "appid-of-lw-extension-hybrid-logic-app-principal",
  );
});

test("the Graph extension object points at the Logic App, with PoP and the callback timeout", () => {
  expect(of(CUSTOM_TASK_EXTENSION_TYPE)).toEqual([
    {
      name: "lw-extension-hybrid-object",
      inputs: {
        displayName: "Hybrid offboarding",
        // The trigger URL carries the SAS signature, so the whole endpoint is a secret.
        endpointConfiguration: {
          [pulumi.runtime.specialSigKey]: pulumi.runtime.specialSecretSig,
          value: {
            "@odata.type": "#microsoft.graph.logicAppTriggerEndpointConfiguration",
            subscriptionId: "c500b67c-e9b7-4ad2-a90d-77d41385ae55",
            resourceGroupName: "RG-LCM",
            logicAppWorkflowName: "la-hybrid",
            url: "https://logic.example/la-hybrid/manual?sig=s",
          },
        },
        authenticationConfiguration: {
          "@odata.type": "#microsoft.graph.azureAdPopTokenAuthentication",
        },
        clientConfiguration: {
          "@odata.type": "#microsoft.graph.customExtensionClientConfiguration",
          maximumRetries: 1,
          timeoutInMilliseconds: 1000,
        },
        callbackConfiguration: {
          "@odata.type":
            "#microsoft.graph.identityGovernance.customTaskExtensionCallbackConfiguration",
          timeoutDuration: "PT30M",
          authorizedApps: [
            {
              "@odata.type": "#microsoft.graph.application",
              id: "appid-of-lw-extension-hybrid-logic-app-principal",
            },
          ],
        },
        graphBaseUrl: "https://graph.microsoft.com",
        graphVersion: "v1.0",
        tenantId: spec.tenant.id,
      },
    },
  ]);
});

test("the settings resource carries the compiled settings", () => {
  expect(of(LIFECYCLE_SETTINGS_TYPE)).toEqual([
    {
      name: "lw-settings",
      inputs: {
        workflowScheduleIntervalInHours: 6,
        graphBaseUrl: "https://graph.microsoft.com",
        graphVersion: "v1.0",
        tenantId: spec.tenant.id,
      },
    },
  ]);
});

describe("group and Team names are resolved at deploy time", () => {
  const teams = specFrom(`
lifecycleWorkflows:
  move:
    category: mover
    displayName: Move
    trigger: { attributeChanged: [department] }
    tasks:
      - removeUserFromSelectedGroups: { groups: [Sales, All Staff] }
      - addUserToTeams: { teams: Sales }
`).lifecycleWorkflows.move;

  test("each name with every field that uses it", () => {
    expect(groupUses(teams)).toEqual(
      new Map([
        ["Sales", ["tasks[0].groups", "tasks[1].teams"]],
        ["All Staff", ["tasks[0].groups"]],
      ]),
    );
  });

  test("a found group gives its object id", async () => {
    const asked: unknown[] = [];
    const id = await lookUpGroup(
      "Sales",
      ["lifecycleWorkflows.move.tasks[0].groups"],
      async (a) => {
        asked.push(a);
        return { objectId: "0000-sales" };
      },
    );
    expect([id, asked]).toEqual(["0000-sales", [{ displayName: "Sales" }]]);
  });

  test("a group given by its object id (as export writes it) is used as is, without a look-up", async () => {
    const id = "0b8e7d3c-5f0a-4d6e-9c2b-1a2b3c4d5e6f";
    const asked: unknown[] = [];
    await expect(
      lookUpGroup(id, ["lifecycleWorkflows.move.tasks[0].groups"], async (a) => {
        asked.push(a);
        return { objectId: "not-this" };
      }),
    ).resolves.toBe(id);
    expect(asked).toEqual([]);
  });

  test("a missing group is an error naming the spec fields that need it", async () => {
    const usedBy = [
      "lifecycleWorkflows.move.tasks[0].groups",
      "lifecycleWorkflows.move.tasks[1].teams",
    ];
    await expect(lookUpGroup("Sales", usedBy, async () => ({ objectId: "" }))).rejects.toThrow(
      'lifecycleWorkflows.move.tasks[0].groups, lifecycleWorkflows.move.tasks[1].teams: no Entra group is named "Sales"; create it or correct the name in the spec',
    );
    await expect(
      lookUpGroup("Sales", usedBy.slice(0, 1), async () => {
        throw new Error('No group found with display name: "Sales"');
      }),
    ).rejects.toThrow(
      'lifecycleWorkflows.move.tasks[0].groups: cannot find the Entra group "Sales"; create it or correct the name in the spec (the look-up said: No group found with display name: "Sales")',
    );
  });
});
