import { workflowFirings } from "../../lib/lifecycle/simulate";
import { specFrom } from "./helpers";

const spec = specFrom(`
lifecycleWorkflows:
  pre-hire:
    category: joiner
    displayName: Pre-hire
    trigger: { attribute: employeeHireDate, offsetDays: -3 }
    scope: "(department eq 'IT')"
    tasks: [sendWelcomeEmail]
  last-day:
    category: leaver
    displayName: Last day
    trigger: { attribute: employeeLeaveDateTime, offsetDays: 0 }
    tasks: [disableUserAccount]
  inactive:
    category: leaver
    displayName: Inactive
    trigger: { attribute: lastSignInDateTime, offsetDays: 90 }
    tasks: [disableUserAccount]
  dept-change:
    category: mover
    displayName: Department change
    trigger: { attributeChanged: [department] }
    tasks: [notifyManagerOfUserMove]
  sales-removed:
    category: leaver
    displayName: Sales removed
    trigger: { group: Sales, change: removed }
    tasks: [removeUserFromAllTeams]
  disabled:
    category: joiner
    displayName: Disabled
    enabled: false
    trigger: { attribute: employeeHireDate }
    tasks: [sendWelcomeEmail]
`);
const now = new Date("2025-01-10T12:00:00Z");

test("date triggers, scope and events each decide whether and when a workflow fires", () => {
  const user = {
    department: "it",
    employeeHireDate: "2025-02-01",
    employeeLeaveDateTime: "2025-12-31T22:00:00Z",
    lastSignInDateTime: "2024-12-01T08:00:00Z",
  };
  expect(
    workflowFirings(spec, user, now, {
      changedAttributes: ["Department"],
      removedFromGroups: ["Sales"],
    }),
  ).toEqual([
    {
      workflow: "dept-change",
      category: "mover",
      date: "2025-01-10T12:00:00.000Z",
      reason: "department changed",
    },
    {
      workflow: "sales-removed",
      category: "leaver",
      date: "2025-01-10T12:00:00.000Z",
      reason: "removed from group Sales",
    },
    {
      workflow: "pre-hire",
      category: "joiner",
      date: "2025-01-29T00:00:00.000Z",
      reason:
        "3 days before employeeHireDate 2025-02-01T00:00:00.000Z and the user matches (department eq 'IT')",
    },
    {
      workflow: "inactive",
      category: "leaver",
      date: "2025-03-01T08:00:00.000Z",
      reason: "no sign-in for 90 days since lastSignInDateTime 2024-12-01T08:00:00.000Z",
    },
    {
      workflow: "last-day",
      category: "leaver",
      date: "2025-12-31T22:00:00.000Z",
      reason: "on employeeLeaveDateTime 2025-12-31T22:00:00.000Z",
    },
  ]);
});

test("out of scope, missing dates and no events: nothing fires", () => {
  expect(
    workflowFirings(spec, { department: "Sales", employeeHireDate: "2025-02-01" }, now),
  ).toEqual([]);
});
