/**
 * Every bad lifecycle input the issue names, through the real spec loader: the exact
 * `file:line:col: path: message` a user sees from `inbound validate`, so that the position (the
 * key of the offending task or argument, the token inside a scope rule) is part of what is tested.
 */
import { loadSpec } from "../../lib/loader/load";
import { formatDiagnostic } from "../../lib/model/diagnostics";

const HEAD = `tenant: { name: contoso, id: 0b8e7d3c-5f0a-4d6e-9c2b-1a2b3c4d5e6f, domain: contoso.com }
lifecycleWorkflows:
  onboard:
    category: joiner
    displayName: Onboard
    trigger: { attribute: employeeHireDate, offsetDays: -3 }
`;

/** Diagnostics for a file whose first six lines are HEAD, then `rest` (line 7 on). */
const validate = (rest: string) => diagnosticsOf(HEAD + rest);

function diagnosticsOf(text: string): string[] {
  const { spec, diagnostics } = loadSpec("tenant.yaml", {
    cwd: "/nowhere",
    readFile: () => Buffer.from(text),
  });
  if (diagnostics.length === 0) expect(spec).toBeDefined();
  return diagnostics.map(formatDiagnostic);
}

const JOINER_TASKS =
  "sendWelcomeEmail, sendOnboardingReminderEmail, generateTemporaryAccessPass, addUserToGroups, removeUserFromSelectedGroups, addUserToTeams, enableUserAccount, runCustomTaskExtension, requestUserAccessPackageAssignment, assignLicenses, updateUserAttributes";

test("a valid workflow has no diagnostics", () => {
  expect(
    validate(`    scope: "(department eq 'Sales') and (employeeType eq 'Employee')"
    tasks:
      - generateTemporaryAccessPass: { lifetimeMinutes: 480, usableOnce: true }
      - sendWelcomeEmail
`),
  ).toEqual([]);
});

test("a leaver task in a joiner workflow, at the task, with the tasks a joiner may use", () => {
  expect(
    validate(`    tasks:
      - sendWelcomeEmail
      - removeUserFromAllGroups
`),
  ).toEqual([
    `tenant.yaml:9:9: lifecycleWorkflows.onboard.tasks[1]: task "removeUserFromAllGroups" is not available in a joiner workflow (it is for leaver); tasks for joiner workflows: ${JOINER_TASKS}`,
  ]);
});

test("an unknown task, with a suggestion and the allowed tasks", () => {
  expect(
    validate(`    tasks:
      - sendWelcomeMail
`),
  ).toEqual([
    `tenant.yaml:8:9: lifecycleWorkflows.onboard.tasks[0]: unknown task "sendWelcomeMail"; did you mean "sendWelcomeEmail"?; tasks for joiner workflows: ${JOINER_TASKS}`,
  ]);
});

test("a missing required argument, at the task's arguments, naming the argument and its type", () => {
  expect(
    validate(`    tasks:
      - generateTemporaryAccessPass: { usableOnce: true }
`),
  ).toEqual([
    'tenant.yaml:8:38: lifecycleWorkflows.onboard.tasks[0].generateTemporaryAccessPass: task "generateTemporaryAccessPass" needs the argument lifetimeMinutes (an integer 10-43200 (minutes))',
  ]);
});

test("an out-of-range TAP lifetime, at the value, with the allowed range", () => {
  expect(
    validate(`    tasks:
      - generateTemporaryAccessPass:
          lifetimeMinutes: 50000
          usableOnce: true
`),
  ).toEqual([
    "tenant.yaml:9:28: lifecycleWorkflows.onboard.tasks[0].generateTemporaryAccessPass.lifetimeMinutes: lifetimeMinutes 50000 is out of range; use 10-43200 minutes",
  ]);
});

test("an out-of-range trigger offset is refused by the schema, at the value", () => {
  const lines = diagnosticsOf(
    HEAD.replace("offsetDays: -3", "offsetDays: -200") + "    tasks: [sendWelcomeEmail]\n",
  );
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(
    /^tenant\.yaml:6:57: lifecycleWorkflows\.onboard\.trigger\.offsetDays: .*-180.*$/,
  );
});

test.each([
  [
    "dynamic-group -eq",
    `"(department -eq 'IT')"`,
    `tenant.yaml:7:25: lifecycleWorkflows.onboard.scope: "-eq" is dynamic-group syntax; Lifecycle Workflows rules use "eq", e.g. (department eq 'Sales')`,
  ],
  [
    "dynamic-group -not",
    `"-not (department eq 'IT')"`,
    `tenant.yaml:7:13: lifecycleWorkflows.onboard.scope: "-not" is dynamic-group syntax; Lifecycle Workflows rules use "not", e.g. (department eq 'Sales')`,
  ],
  [
    "an unclosed parenthesis",
    `"(department eq 'IT'"`,
    `tenant.yaml:7:32: lifecycleWorkflows.onboard.scope: expected ")", found the end of the rule`,
  ],
  [
    "a dangling and",
    `"(department eq 'IT') and"`,
    `tenant.yaml:7:37: lifecycleWorkflows.onboard.scope: expected a user property, startsWith(...), not or "(", found the end of the rule`,
  ],
  [
    "a list in brackets",
    `"(department in ['IT', 'HR'])"`,
    `tenant.yaml:7:28: lifecycleWorkflows.onboard.scope: brackets are dynamic-group syntax; write a list in parentheses: department in ('Sales', 'IT')`,
  ],
  [
    "startsWith on an equality-only property",
    `"startsWith(employeeType, 'Emp')"`,
    `tenant.yaml:7:24: lifecycleWorkflows.onboard.scope: employeeType supports only eq, ne and in, not startsWith`,
  ],
  [
    "an unknown user property, with a suggestion",
    `"(department eq 'IT') and (departmnet eq 'HR')"`,
    `tenant.yaml:7:39: lifecycleWorkflows.onboard.scope: unknown user property "departmnet" for a Lifecycle Workflows rule; did you mean "department"?`,
  ],
])("a scope rule with %s, at the offending token", (_title, rule, expected) => {
  expect(
    validate(`    scope: ${rule}
    tasks: [sendWelcomeEmail]
`),
  ).toEqual([expected]);
});

test("several problems are all reported at once, in file order", () => {
  expect(
    validate(`    scope: "(departmnet eq 'IT')"
    tasks:
      - removeUserFromAllGroups
      - generateTemporaryAccessPass: { lifetimeMinutes: 5, usableOnce: true }
`),
  ).toEqual([
    `tenant.yaml:7:14: lifecycleWorkflows.onboard.scope: unknown user property "departmnet" for a Lifecycle Workflows rule; did you mean "department"?`,
    `tenant.yaml:9:9: lifecycleWorkflows.onboard.tasks[0]: task "removeUserFromAllGroups" is not available in a joiner workflow (it is for leaver); tasks for joiner workflows: ${JOINER_TASKS}`,
    "tenant.yaml:10:57: lifecycleWorkflows.onboard.tasks[1].generateTemporaryAccessPass.lifetimeMinutes: lifetimeMinutes 5 is out of range; use 10-43200 minutes",
  ]);
});

test.each([
  [
    "a percentage over 100",
    "conditions: [{ percentage: 150 }]",
    "tenant.yaml:10:32: lifecycleWorkflowSettings.quarantineConfiguration.conditions[0].percentage",
  ],
  [
    "two count conditions",
    "conditions: [{ threshold: 5 }, { threshold: 6 }]",
    "tenant.yaml:10:17: lifecycleWorkflowSettings.quarantineConfiguration.conditions: at most one `threshold` and one `percentage` condition",
  ],
  [
    "no condition",
    "conditions: []",
    "tenant.yaml:10:17: lifecycleWorkflowSettings.quarantineConfiguration.conditions: needs at least 1 item",
  ],
  [
    "a condition of neither kind",
    "conditions: [{ users: 5 }]",
    "tenant.yaml:10:20: lifecycleWorkflowSettings.quarantineConfiguration.conditions[0].users: unknown key `users`",
  ],
])("execution limits: %s, at the value", (_title, conditions, where) => {
  const found = validate(`    tasks: [sendWelcomeEmail]
lifecycleWorkflowSettings:
  quarantineConfiguration:
    ${conditions}
`);
  expect(found.filter((d) => d.includes(where))).toHaveLength(1);
});

test("execution limits: one of each kind, in either order, are valid", () => {
  expect(
    validate(`    tasks: [sendWelcomeEmail]
lifecycleWorkflowSettings:
  quarantineConfiguration:
    matchMode: all
    conditions: [{ percentage: 10 }, { threshold: 200 }]
`),
  ).toEqual([]);
});
