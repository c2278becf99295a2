import * as fs from "fs";
import * as path from "path";
import {
  checkCustomTaskExtensions,
  checkScopeRules,
  checkTasks,
  checkTriggers,
  checkUniqueNames,
  checkUpdateUserAttributes,
  lifecycleChecks,
} from "../../lib/lifecycle/checks";
import { runChecks, specFrom } from "./helpers";

const JOINER_TASKS =
  "sendWelcomeEmail, sendOnboardingReminderEmail, generateTemporaryAccessPass, addUserToGroups, removeUserFromSelectedGroups, addUserToTeams, enableUserAccount, runCustomTaskExtension, requestUserAccessPackageAssignment, assignLicenses, updateUserAttributes";

/** One joiner workflow with the given task list (YAML flow or block items, indented 6). */
function joiner(tasks: string, extra = ""): string {
  return `
lifecycleWorkflows:
  onboard:
    category: joiner
    displayName: Onboard
    trigger: { attribute: employeeHireDate, offsetDays: -3 }
    scope: "(department eq 'IT')"
    tasks:
${tasks}
${extra}`;
}

test("the design document's example passes every lifecycle check", () => {
  const spec = specFrom(`
lifecycleWorkflows:
  onboard-pre-hire:
    category: joiner
    displayName: Onboard pre-hire employee
    trigger: { attribute: employeeHireDate, offsetDays: -3 }
    scope: "(department eq 'IT')"
    tasks:
      - generateTemporaryAccessPass: { lifetimeMinutes: 4320, usableOnce: false }
      - sendWelcomeEmail
      - addUserToGroups: { groups: [All Employees] }
  offboard-on-last-day:
    category: leaver
    displayName: Offboard employee on last day
    trigger: { attribute: employeeLeaveDateTime, offsetDays: 0 }
    tasks:
      - disableUserAccount
      - removeUserFromAllGroups
      - removeUserFromAllTeams
      - runCustomTaskExtension: { extension: hybrid-offboarding }
customTaskExtensions:
  hybrid-offboarding:
    displayName: Disable on-premises account
    logicApp: { name: la-contoso-hybrid-offboarding }
    callbackTimeout: PT30M
`);
  expect(runChecks(lifecycleChecks, spec)).toEqual([]);
});

test.each([
  [
    "a leaver task in a joiner workflow",
    "      - removeUserFromAllGroups",
    `lifecycleWorkflows.onboard.tasks[0]: task "removeUserFromAllGroups" is not available in a joiner workflow (it is for leaver); tasks for joiner workflows: ${JOINER_TASKS}`,
  ],
  [
    "an unknown task, with a suggestion",
    "      - sendWelcomeMail",
    `lifecycleWorkflows.onboard.tasks[0]: unknown task "sendWelcomeMail"; did you mean "sendWelcomeEmail"?; tasks for joiner workflows: ${JOINER_TASKS}`,
  ],
  [
    "a missing required argument",
    "      - generateTemporaryAccessPass: { usableOnce: true }",
    'lifecycleWorkflows.onboard.tasks[0].generateTemporaryAccessPass: task "generateTemporaryAccessPass" needs the argument lifetimeMinutes (an integer 10-43200 (minutes))',
  ],
  [
    "a required argument of a bare task name",
    "      - addUserToGroups",
    'lifecycleWorkflows.onboard.tasks[0]: task "addUserToGroups" needs the argument groups (a group display name or a list of them)',
  ],
  [
    "an out-of-range TAP lifetime",
    "      - generateTemporaryAccessPass: { lifetimeMinutes: 5, usableOnce: true }",
    "lifecycleWorkflows.onboard.tasks[0].generateTemporaryAccessPass.lifetimeMinutes: lifetimeMinutes 5 is out of range; use 10-43200 minutes",
  ],
  [
    "an unknown argument, with a suggestion and the allowed list",
    "      - generateTemporaryAccessPass: { lifetimeMinute: 60, usableOnce: true, lifetimeMinutes: 60 }",
    'lifecycleWorkflows.onboard.tasks[0].generateTemporaryAccessPass.lifetimeMinute: unknown argument "lifetimeMinute" for task "generateTemporaryAccessPass"; did you mean "lifetimeMinutes"?; arguments: lifetimeMinutes, usableOnce, to, cc, customSubject, customBody, locale, displayName, description, continueOnError, enabled, category',
  ],
  [
    "an argument on a task that takes none",
    "      - enableUserAccount: { force: true }",
    'lifecycleWorkflows.onboard.tasks[0].enableUserAccount.force: unknown argument "force" for task "enableUserAccount"; arguments: enableOnPremisesAccount, displayName, description, continueOnError, enabled, category',
  ],
  [
    "a recipient outside the API's list",
    "      - sendWelcomeEmail: { to: Managers }",
    'lifecycleWorkflows.onboard.tasks[0].sendWelcomeEmail.to: to "Managers" is not a recipient; did you mean "Manager"?; use User, Manager, Sponsors, a user object id',
  ],
  [
    "an extension that is not defined",
    "      - runCustomTaskExtension: { extension: hybrid }",
    'lifecycleWorkflows.onboard.tasks[0].runCustomTaskExtension.extension: extension "hybrid" is not a key of customTaskExtensions, which is empty; define the extension there, or give an existing extension\'s id',
  ],
  [
    "a non-boolean enum argument",
    '      - enableUserAccount: { enableOnPremisesAccount: "yes" }',
    'lifecycleWorkflows.onboard.tasks[0].enableUserAccount.enableOnPremisesAccount: enableOnPremisesAccount must be true or false, got "yes"',
  ],
  [
    "two tasks in one list item",
    "      - { sendWelcomeEmail: {}, enableUserAccount: {} }",
    "lifecycleWorkflows.onboard.tasks[0]: a task is one `name: { arguments }` entry, found 2 keys (sendWelcomeEmail, enableUserAccount); put each task in its own list item",
  ],
  [
    "a task category that leaves out the workflow's",
    "      - sendWelcomeEmail: { category: leaver }",
    'lifecycleWorkflows.onboard.tasks[0].sendWelcomeEmail.category: a task\'s category must include the workflow\'s category "joiner", got "leaver"; omit it to let Entra set it',
  ],
  [
    "the same task twice without distinct display names",
    "      - sendWelcomeEmail\n      - sendWelcomeEmail",
    'lifecycleWorkflows.onboard.tasks[1]: task display name "Send welcome email" is already used by tasks[0]; task names must be unique in a workflow, so set `displayName` on one of them',
  ],
])("checkTasks reports %s", (_title, tasks, expected) => {
  expect(runChecks([checkTasks], specFrom(joiner(tasks)))).toEqual([expected]);
});

test("an existing extension given by its id is accepted (inbound export writes such tasks)", () => {
  const spec = specFrom(
    joiner("      - runCustomTaskExtension: { extension: 2f1c0d3e-4b5a-4c6d-8e7f-9a0b1c2d3e4f }"),
  );
  expect(runChecks(lifecycleChecks, spec)).toEqual([]);
});

test("a raw task definition GUID is accepted and its arguments pass through", () => {
  const spec = specFrom(joiner("      - 70b29d51-b59a-4773-9280-8841dfd3f2ea: { anything: 1 }"));
  expect(runChecks(lifecycleChecks, spec)).toEqual([]);
});

test.each([
  [
    "an unknown user property",
    "(departmnet eq 'IT')",
    'lifecycleWorkflows.onboard.scope: column 2: unknown user property "departmnet" for a Lifecycle Workflows rule; did you mean "department"?',
  ],
  [
    "dynamic-group syntax",
    "(department -eq 'IT')",
    'lifecycleWorkflows.onboard.scope: column 13: "-eq" is dynamic-group syntax; Lifecycle Workflows rules use "eq", e.g. (department eq \'Sales\')',
  ],
  [
    "startsWith on an equality-only property",
    "startsWith(employeeType, 'Emp')",
    "lifecycleWorkflows.onboard.scope: column 12: employeeType supports only eq, ne and in, not startsWith",
  ],
])("checkScopeRules reports %s", (_title, rule, expected) => {
  const spec = specFrom(joiner("      - sendWelcomeEmail").replace("(department eq 'IT')", rule));
  expect(runChecks([checkScopeRules], spec)).toEqual([expected]);
});

test("checkTriggers: a group trigger with a scope, an attribute trigger outside movers, a zero inactivity", () => {
  const spec = specFrom(`
lifecycleWorkflows:
  group-leaver:
    category: leaver
    displayName: Group leaver
    trigger: { group: Sales, change: removed }
    scope: "(department eq 'Sales')"
    tasks: [removeUserFromAllGroups]
  joiner-change:
    category: joiner
    displayName: Joiner change
    trigger: { attributeChanged: [department] }
    tasks: [sendWelcomeEmail]
  inactive:
    category: leaver
    displayName: Inactive
    trigger: { attribute: lastSignInDateTime, offsetDays: 0 }
    tasks: [disableUserAccount]
`);
  expect(runChecks([checkTriggers], spec)).toEqual([
    "lifecycleWorkflows.group-leaver.scope: a group-membership trigger scopes the workflow to its group; remove `scope` or use a time or attribute trigger",
    "lifecycleWorkflows.joiner-change.trigger: an attributeChanged trigger is for mover workflows, not joiner; set `category: mover` or use a time trigger",
    "lifecycleWorkflows.inactive.trigger.offsetDays: a lastSignInDateTime trigger runs after that many days without a sign-in; offsetDays must be 1-180, got 0",
  ]);
});

test("checkCustomTaskExtensions: callback timeout out of range, and no azure section", () => {
  const yaml = `
customTaskExtensions:
  slow:
    displayName: Slow
    logicApp: { name: la-slow }
    callbackTimeout: PT4H
`;
  expect(runChecks([checkCustomTaskExtensions], specFrom(yaml))).toEqual([
    'customTaskExtensions.slow.callbackTimeout: callbackTimeout "PT4H" is out of range; use PT5M to PT3H',
  ]);
  const noAzure = specFrom(yaml.replace("PT4H", "PT1H"), {
    tenant: { name: "contoso", id: "0b8e7d3c-5f0a-4d6e-9c2b-1a2b3c4d5e6f", domain: "contoso.com" },
  });
  expect(runChecks([checkCustomTaskExtensions], noAzure)).toEqual([
    "customTaskExtensions.slow: a custom task extension's Logic App needs `azure: { subscriptionId, resourceGroup, location }`",
  ]);
});

test("checkUpdateUserAttributes: the how-to's limits (a JSON list, at most 10, no employeeLeaveDateTime, cloud-only users)", () => {
  const task = (updates: string) =>
    joiner(`      - updateUserAttributes:\n          attributeUpdates: '${updates}'`);
  const eleven = JSON.stringify(
    Array.from({ length: 11 }, (_, i) => ({ attribute: `extensionAttribute${i + 1}`, value: "x" })),
  );
  const at = "lifecycleWorkflows.onboard.tasks[0].updateUserAttributes";
  expect(
    runChecks(
      [checkUpdateUserAttributes],
      specFrom(task('[{"attribute":"department","value":"Sales"}]')),
    ),
  ).toEqual([]);
  expect(runChecks([checkUpdateUserAttributes], specFrom(task(eleven)))).toEqual([
    `${at}.attributeUpdates: updates 11 attributes; the task updates at most 10`,
  ]);
  expect(
    runChecks(
      [checkUpdateUserAttributes],
      specFrom(task('[{"attribute":"employeeLeaveDateTime","value":"2026-01-01"}]')),
    ),
  ).toEqual([
    `${at}.attributeUpdates: employeeLeaveDateTime can't be updated by this task (Microsoft documents it as not supported)`,
  ]);
  expect(
    runChecks(
      [checkUpdateUserAttributes],
      specFrom(task('[{"attribute":"customSecurityAttributes/HR/level","value":"3"}]')),
    ),
  ).toEqual([
    `${at}.attributeUpdates: customSecurityAttributes/HR/level: custom security attributes can't be updated by this task (Microsoft documents them as not supported); built-in, on-premises extension and directory extension attributes can`,
  ]);
  expect(runChecks([checkUpdateUserAttributes], specFrom(task("{nope")))).toEqual([
    expect.stringMatching(/attributeUpdates: is not JSON/),
  ]);
  expect(
    runChecks([checkUpdateUserAttributes], specFrom(joiner("      - updateUserAttributes"))),
  ).toEqual([]);
  const warnings: string[] = [];
  const synced = (workflow: string) =>
    checkUpdateUserAttributes({
      spec: specFrom(
        workflow +
          `
provisioning:
  stores:
    displayName: Stores
    target: activeDirectory
    notificationEmail: iam@contoso.com
    activeDirectory: { domain: corp.contoso.com, defaultOu: "OU=Users,DC=corp,DC=contoso,DC=com" }
    mappings: { employeeId: "[externalId]" }`,
      ),
      report: (p, m) => warnings.push(`error ${p.join(".")}: ${m}`),
      warn: (p, m) => warnings.push(`${p.join(".")}: ${m}`),
    });
  synced(joiner("      - updateUserAttributes"));
  // A scope that already keeps to cloud-only users needs no warning.
  synced(
    joiner("      - updateUserAttributes").replace(
      /scope: .*/,
      `scope: "(department eq 'IT') and (onPremisesSyncEnabled ne true)"`,
    ),
  );
  expect(warnings).toEqual([
    "lifecycleWorkflows.onboard.tasks.0: Update user attributes skips users synced from on-premises AD (Microsoft: synced users are not supported), and provisioning.stores provisions such users; scope the workflow to cloud-only users, e.g. (onPremisesSyncEnabled ne true)",
  ]);
});

test("task categories follow Microsoft's current task table", () => {
  const mover = (task: string) =>
    specFrom(`
lifecycleWorkflows:
  move:
    category: mover
    displayName: Move
    trigger: { attributeChanged: [department] }
    tasks: [${task}]
`);
  expect(runChecks([checkTasks], mover("removeAllAccessPackageAssignments"))).toEqual([]);
  expect(runChecks([checkTasks], mover("cancelPendingAccessPackageRequests"))).toEqual([
    expect.stringContaining(
      'task "cancelPendingAccessPackageRequests" is not available in a mover workflow (it is for leaver)',
    ),
  ]);
});

test("checkUniqueNames: two workflows with one display name", () => {
  const spec = specFrom(`
lifecycleWorkflows:
  a: { category: leaver, displayName: Offboard, trigger: { attribute: employeeLeaveDateTime }, tasks: [disableUserAccount] }
  b: { category: leaver, displayName: offboard, trigger: { attribute: employeeLeaveDateTime }, tasks: [disableUserAccount] }
`);
  expect(runChecks([checkUniqueNames], spec)).toEqual([
    'lifecycleWorkflows.b.displayName: workflow display name "offboard" is already used by lifecycleWorkflows.a; display names must be unique in the tenant',
  ]);
});

test("the example in docs/lifecycle-workflows.md passes every lifecycle check", () => {
  const doc = fs.readFileSync(
    path.join(__dirname, "..", "..", "docs", "lifecycle-workflows.md"),
    "utf8",
  );
  const example = /```yaml\n([\s\S]*?)```/.exec(doc)![1];
  expect(runChecks(lifecycleChecks, specFrom(example))).toEqual([]);
});
