/**
 * The spec equivalent of each of Microsoft's documented request bodies compiles to that body
 * (toEqual ignores key order). This proves the bodies match the documentation; it does not prove
 * that Graph accepts them today.
 */
import * as fs from "fs";
import * as path from "path";
import {
  compileCustomTaskExtension,
  compileSettings,
  completeSettings,
  COUNT_CONDITION,
  normaliseQuarantineConfiguration,
  PERCENTAGE_CONDITION,
  DEFAULT_SETTINGS,
  settingsAreComplete,
  compileWorkflow,
  type LifecycleResolver,
} from "../../lib/lifecycle/compile";
import { lifecycleChecks } from "../../lib/lifecycle/checks";
import { fixture, runChecks, specFrom } from "./helpers";

const resolver: LifecycleResolver = {
  groupId: (name) => ({ "Sales leavers": "668e7540-7f8e-4ca4-a207-b7dffbb6d038" })[name] ?? "?",
  customTaskExtensionId: (key) => `id-of-${key}`,
};

/** The spec equivalent of each of Microsoft's documented create-workflow requests. */
const SAMPLES: Record<string, string> = {
  // v1.0 create example 1
  "create-workflow-joiner.request.json": `
lifecycleWorkflows:
  sample:
    category: joiner
    displayName: Australia Onboard new hire employee
    description: Configure new hire tasks for onboarding employees on their first day
    trigger: { attribute: employeeHireDate, offsetDays: 0 }
    scope: "(country eq 'Australia')"
    tasks:
      - enableUserAccount: { displayName: Enable User Account }
      - sendWelcomeEmail: { displayName: Send Welcome Email }
`,
  // beta create example 3
  "create-workflow-leaver-groupmembership.request.json": `
lifecycleWorkflows:
  sample:
    category: leaver
    displayName: Offboard an employee
    description: Configure offboarding tasks for employees on their last day of work
    trigger: { group: Sales leavers, change: removed }
    tasks:
      - removeUserFromAllTeams: { category: leaver }
      - removeUserFromAllGroups: { category: leaver }
`,
  // beta create example 2
  "create-workflow-mover-attributechange.request.json": `
lifecycleWorkflows:
  sample:
    category: mover
    displayName: Sales contractor moves to full-time employee
    description: Configure mover tasks for a user when their job profile changes
    trigger: { attributeChanged: [department] }
    scope: "(department eq 'Sales')"
    tasks:
      - notifyManagerOfUserMove:
          displayName: Notify manager of move
          description: Send email to moving employee's manager
`,
};

test("every documented create-workflow sample has a spec equivalent here", () => {
  const samples = fs
    .readdirSync(path.join(__dirname, "..", "fixtures", "lifecycle"))
    .filter((f) => /^create-workflow-.*\.request\.json$/.test(f));
  expect(Object.keys(SAMPLES).sort()).toEqual(samples.sort());
});

test.each(Object.keys(SAMPLES))("%s: the spec compiles to Microsoft's body", (sample) => {
  const spec = specFrom(SAMPLES[sample]);
  expect(runChecks(lifecycleChecks, spec)).toEqual([]);
  expect(compileWorkflow(spec.lifecycleWorkflows.sample, resolver)).toEqual(fixture(sample));
});

test("a TAP task compiles to the Graph concepts page's task, arguments as strings", () => {
  const spec = specFrom(`
lifecycleWorkflows:
  pre-hire:
    category: joiner
    displayName: Pre-hire
    trigger: { attribute: employeeHireDate, offsetDays: -1 }
    scope: "(department eq 'IT')"
    tasks:
      - generateTemporaryAccessPass:
          category: joiner
          displayName: Generate TAP and Send Email
          lifetimeMinutes: 480
          usableOnce: false
          cc: [068fa0c1-fa00-4f4f-8411-e968d921c3e7, 9d208c40-7eb6-46ff-bebd-f30148c39b47]
          customSubject: "Temporary access pass for your new employee {{userDisplayName}}"
          locale: en-us
`);
  expect(compileWorkflow(spec.lifecycleWorkflows["pre-hire"], resolver).tasks).toEqual([
    {
      category: "joiner",
      continueOnError: false,
      description: "Generate Temporary Access Pass and send via email to user's manager",
      displayName: "Generate TAP and Send Email",
      isEnabled: true,
      taskDefinitionId: "1b555e50-7f65-41d5-b514-5894a026d10d",
      arguments: [
        { name: "tapLifetimeMinutes", value: "480" },
        { name: "tapIsUsableOnce", value: "false" },
        {
          name: "cc",
          value: "068fa0c1-fa00-4f4f-8411-e968d921c3e7,9d208c40-7eb6-46ff-bebd-f30148c39b47",
        },
        {
          name: "customSubject",
          value: "Temporary access pass for your new employee {{userDisplayName}}",
        },
        { name: "locale", value: "en-us" },
      ],
    },
  ]);
});

test("groups and extensions are resolved through the resolver; lastSignInDateTime is inactivity", () => {
  const spec = specFrom(`
lifecycleWorkflows:
  inactive:
    category: leaver
    displayName: Inactive users
    enabled: false
    trigger: { attribute: lastSignInDateTime, offsetDays: 90 }
    tasks:
      - addUserToGroups: { groups: [Sales leavers, Alumni] }
      - runCustomTaskExtension: { extension: hybrid, continueOnError: true }
customTaskExtensions:
  hybrid:
    displayName: Hybrid
    logicApp: { name: la-hybrid }
`);
  const body = compileWorkflow(spec.lifecycleWorkflows.inactive, resolver);
  expect(body.isSchedulingEnabled).toBe(false);
  expect(body.executionConditions).toEqual({
    "@odata.type": "#microsoft.graph.identityGovernance.triggerAndScopeBasedConditions",
    trigger: {
      "@odata.type": "#microsoft.graph.identityGovernance.userInactivityTrigger",
      inactivityPeriodInDays: 90,
    },
  });
  expect(body.tasks.map((t) => [t.taskDefinitionId, t.continueOnError, t.arguments])).toEqual([
    [
      "22085229-5809-45e8-97fd-270d28d66910",
      false,
      [{ name: "groupID", value: "668e7540-7f8e-4ca4-a207-b7dffbb6d038,?" }],
    ],
    [
      "4262b724-8dba-4fad-afc3-43fcbb497a0e",
      true,
      [{ name: "customTaskExtensionID", value: "id-of-hybrid" }],
    ],
  ]);
});

test("an unconfirmed task gets a placeholder id unless the resolver knows it", () => {
  const spec = specFrom(`
lifecycleWorkflows:
  inactive:
    category: leaver
    displayName: Inactive
    trigger: { attribute: lastSignInDateTime, offsetDays: 90 }
    tasks: [sendInactivityEmail]
`);
  const workflow = spec.lifecycleWorkflows.inactive;
  expect(compileWorkflow(workflow, resolver).tasks[0].taskDefinitionId).toBe(
    "<taskDefinition:Send email about user inactivity>",
  );
  expect(
    compileWorkflow(workflow, { ...resolver, taskDefinitionId: (n) => `id:${n}` }).tasks[0]
      .taskDefinitionId,
  ).toBe("id:Send email about user inactivity");
});

test("Update user attributes is looked up by display name at deploy time, its argument sent as written", () => {
  const spec = specFrom(`
lifecycleWorkflows:
  attrs:
    category: joiner
    displayName: Attributes
    trigger: { attribute: createdDateTime, offsetDays: 0 }
    tasks:
      - updateUserAttributes:
          attributeUpdates: '[{"attribute":"department","value":"Sales"}]'
`);
  const [task] = compileWorkflow(spec.lifecycleWorkflows.attrs, resolver).tasks;
  // Its id is in no Graph reference page or taskDefinitions response: never hard-coded.
  expect([task.taskDefinitionId, task.arguments]).toEqual([
    "<taskDefinition:Update user attributes>",
    [{ name: "attributeUpdates", value: '[{"attribute":"department","value":"Sales"}]' }],
  ]);
});

test("custom task extension with PoP authentication (v1.0 update example)", () => {
  const spec = specFrom(`
customTaskExtensions:
  manager-access:
    displayName: Grant manager access to mailbox and OneDrive
    description: Grant manager access to mailbox and OneDrive
    logicApp: { name: ManagerAccess, resourceGroup: RG-LCM }
    callbackTimeout: PT20M
`);
  expect(
    compileCustomTaskExtension(spec.customTaskExtensions["manager-access"], {
      subscriptionId: spec.azure!.subscriptionId,
      resourceGroupName: spec.customTaskExtensions["manager-access"].logicApp.resourceGroup!,
    }),
  ).toEqual(fixture("customTaskExtension-pop.request.json"));
});

test("the Logic App identity is the authorized app of the callback, by its appId", () => {
  const spec = specFrom(`
customTaskExtensions:
  hybrid: { displayName: Hybrid, logicApp: { name: la-hybrid }, callbackTimeout: PT1H }
`);
  const body = compileCustomTaskExtension(spec.customTaskExtensions.hybrid, {
    subscriptionId: "c500b67c-e9b7-4ad2-a90d-77d41385ae55",
    resourceGroupName: "RG-LCM",
    resumedBy: "4d8d0b4e-1d1f-4c5b-9b55-6b1f0e0c2a11",
  });
  expect(body.callbackConfiguration).toEqual({
    "@odata.type": "#microsoft.graph.identityGovernance.customTaskExtensionCallbackConfiguration",
    timeoutDuration: "PT1H",
    authorizedApps: [
      { "@odata.type": "#microsoft.graph.application", id: "4d8d0b4e-1d1f-4c5b-9b55-6b1f0e0c2a11" },
    ],
  });
});

describe("the settings PATCH always carries both required properties", () => {
  const live = { emailSettings: { senderDomain: "fabrikam.com", useCompanyBranding: true } };
  test.each([
    [
      "schedule only: the tenant's mail settings",
      { workflowScheduleIntervalInHours: 6 },
      live,
      { senderDomain: "fabrikam.com", useCompanyBranding: true },
    ],
    [
      "branding without a domain: the tenant's domain",
      { workflowScheduleIntervalInHours: 6, emailSettings: { useCompanyBranding: false } },
      live,
      { senderDomain: "fabrikam.com", useCompanyBranding: false },
    ],
    [
      "everything set: the spec's",
      {
        workflowScheduleIntervalInHours: 6,
        emailSettings: { senderDomain: "contoso.com", useCompanyBranding: false },
      },
      live,
      { senderDomain: "contoso.com", useCompanyBranding: false },
    ],
    [
      "a tenant answer without mail settings: the defaults, no senderDomain (never null)",
      { workflowScheduleIntervalInHours: 6 },
      {},
      { useCompanyBranding: false },
    ],
    [
      "the defaults: the tenant's domain is kept, as senderDomain may not be null",
      DEFAULT_SETTINGS,
      live,
      { senderDomain: "fabrikam.com", useCompanyBranding: false },
    ],
  ])("%s", (_title, desired, tenant, emailSettings) => {
    expect(completeSettings(desired, tenant)).toEqual({
      workflowScheduleIntervalInHours: desired.workflowScheduleIntervalInHours,
      emailSettings,
    });
  });

  test("only settings the spec sets whole skip the read", () => {
    expect(
      [
        { workflowScheduleIntervalInHours: 6 },
        { workflowScheduleIntervalInHours: 6, emailSettings: { useCompanyBranding: true } },
        {
          workflowScheduleIntervalInHours: 6,
          emailSettings: { senderDomain: "contoso.com", useCompanyBranding: true },
        },
        // No senderDomain: the tenant's is read and kept, since none may be sent as null.
        DEFAULT_SETTINGS,
      ].map(settingsAreComplete),
    ).toEqual([false, false, true, false]);
  });
});

test("settings (Graph PowerShell example)", () => {
  const spec = specFrom(`
lifecycleWorkflowSettings:
  workflowScheduleIntervalInHours: 3
  emailSettings: { senderDomain: ContosoIndustries.net, useCompanyBranding: true }
`);
  expect(compileSettings(spec.lifecycleWorkflowSettings!)).toEqual(
    fixture("lifecycleWorkflows-settings.patch.json"),
  );
});

describe("execution limits (quarantineConfiguration)", () => {
  test("both conditions, the count first whatever the spec's order, and the default match mode", () => {
    const spec = specFrom(`
lifecycleWorkflowSettings:
  quarantineConfiguration:
    conditions: [{ percentage: 25 }, { threshold: 500 }]
`);
    expect(compileSettings(spec.lifecycleWorkflowSettings!)).toEqual({
      workflowScheduleIntervalInHours: 3,
      quarantineConfiguration: {
        matchMode: "any",
        conditions: [
          { "@odata.type": COUNT_CONDITION, threshold: 500 },
          { "@odata.type": PERCENTAGE_CONDITION, percentage: 25 },
        ],
      },
    });
  });

  test("the PATCH carries the limits only when the spec sets them", () => {
    const quarantineConfiguration = {
      matchMode: "all",
      conditions: [{ "@odata.type": COUNT_CONDITION, threshold: 10 } as const],
    };
    const live = { emailSettings: { useCompanyBranding: false } };
    expect(
      completeSettings({ workflowScheduleIntervalInHours: 3, quarantineConfiguration }, live),
    ).toEqual({
      workflowScheduleIntervalInHours: 3,
      emailSettings: { useCompanyBranding: false },
      quarantineConfiguration,
    });
    expect(completeSettings({ workflowScheduleIntervalInHours: 3 }, live)).not.toHaveProperty(
      "quarantineConfiguration",
    );
  });

  test.each<[string, unknown, unknown]>([
    ["none", null, null],
    ["none (left out)", undefined, null],
    [
      "Graph's order, an Int64 as a string, the match mode in capitals, a type without #",
      {
        matchMode: "Any",
        conditions: [
          { "@odata.type": PERCENTAGE_CONDITION, percentage: 25 },
          {
            "@odata.type": "microsoft.graph.identityGovernance.countBasedQuarantineCondition",
            threshold: "500",
          },
        ],
      },
      {
        matchMode: "any",
        conditions: [
          { "@odata.type": COUNT_CONDITION, threshold: 500 },
          { "@odata.type": PERCENTAGE_CONDITION, percentage: 25 },
        ],
      },
    ],
    [
      "a condition type Graph may add later is kept, so it shows as a difference",
      { matchMode: "any", conditions: [{ "@odata.type": "#x.newCondition", days: 2 }] },
      { matchMode: "any", conditions: [{ "@odata.type": "#x.newCondition", days: 2 }] },
    ],
  ])("a live quarantineConfiguration read back: %s", (_title, live, normalised) => {
    expect(normaliseQuarantineConfiguration(live)).toEqual(normalised);
  });
});
