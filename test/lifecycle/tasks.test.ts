import { sameTaskName, TASKS } from "../../lib/lifecycle/tasks";
import { fixture } from "./helpers";

interface Definition {
  id: string;
  displayName: string;
  description: string;
  category: string;
  parameters: { name: string; values: string[] }[];
}
const definitions = fixture<{ value: Definition[] }>(
  "../../../lib/emulator/fixtures/taskDefinitions-v1.0.response.json",
).value;

const inResponse = (id?: string) => definitions.some((d) => d.id === id);

/** Microsoft's current task table (its ids and categories), copied from Learn. */
const table = fixture<{ tasks: { task: string; taskDefinitionId: string; category: string }[] }>(
  "task-table-2026-04.json",
).tasks;

test("each of the API's 25 definitions is a catalog task, with its name, description and arguments", () => {
  const confirmed = TASKS.filter((t) => inResponse(t.taskDefinitionId));
  expect(confirmed.map((t) => t.taskDefinitionId).sort()).toEqual(
    definitions.map((d) => d.id).sort(),
  );
  for (const task of confirmed) {
    const definition = definitions.find((d) => d.id === task.taskDefinitionId)!;
    expect([task.name, task.displayName, task.description]).toEqual([
      task.name,
      definition.displayName,
      definition.description,
    ]);
    // Every argument's wire name is one of the definition's parameters, and vice versa.
    expect(task.arguments!.map((a) => a.wireName).sort()).toEqual(
      definition.parameters.map((p) => p.name).sort(),
    );
  }
});

test("every catalog task has the categories of Microsoft's current task table", () => {
  const rowOf = (task: (typeof TASKS)[number]) =>
    task.taskDefinitionId
      ? table.find((r) => r.taskDefinitionId.toLowerCase() === task.taskDefinitionId!.toLowerCase())
      : table.find((r) => sameTaskName(r.task, task.displayName));
  expect(TASKS.filter((t) => !rowOf(t)).map((t) => t.name)).toEqual([]);
  expect(
    TASKS.map((t) => [t.name, [...t.categories].sort().join(",")]).filter(
      ([name, categories]) =>
        rowOf(TASKS.find((t) => t.name === name)!)!
          .category.split(",")
          .sort()
          .join(",") !== categories,
    ),
  ).toEqual([]);
  // Where the table and the older API answer differ: the table, as the examples say.
  const categories = (name: string) => TASKS.find((t) => t.name === name)!.categories;
  expect(categories("cancelPendingAccessPackageRequests")).toEqual(["leaver"]);
  expect(categories("removeAllAccessPackageAssignments")).toEqual(["leaver", "mover"]);
  expect(categories("disableUserAccount")).toEqual(["leaver"]);
  expect(categories("removeUserFromSelectedTeams")).toEqual(["leaver"]);
});

test("beyond the 25 of the taskDefinitions response, no id is hard-coded", () => {
  // Update user attributes' id is in one how-to's example only: it is looked up by name too.
  expect(TASKS.filter((t) => t.taskDefinitionId && !inResponse(t.taskDefinitionId))).toEqual([]);
});

test("unconfirmed tasks carry no GUID and no argument list", () => {
  expect(TASKS.filter((t) => !t.taskDefinitionId).map((t) => [t.name, t.arguments])).toEqual([
    ["updateUserAttributes", undefined],
    ["sendSponsorshipChangeEmailToManager", undefined],
    ["sendSponsorChangeEmailToCoSponsors", undefined],
    ["transferAgentSponsorshipsToManager", undefined],
    ["sendInactivityEmail", undefined],
    ["sendUnsponsoredGuestRemovalEmail", undefined],
  ]);
});

test.each([
  ["Update user attributes", "Update user attributes (Preview)", true],
  ["Update user attributes (Preview)", "Update user attributes", true],
  ["update USER attributes", "Update user attributes (preview)", true],
  ["Update user attributes", "Update user attributes", true],
  ["Update user attributes", "Update user", false],
  ["Preview", "Update user attributes (Preview)", false],
])("task name %j matches %j: %s", (a, b, same) => {
  expect(sameTaskName(a, b)).toBe(same);
});
