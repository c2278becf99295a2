import { TASKS } from "../../lib/lifecycle/tasks";
import { fixture } from "./helpers";

interface Definition {
  id: string;
  displayName: string;
  description: string;
  category: string;
  parameters: { name: string; values: string[] }[];
}
const definitions = fixture<{ value: Definition[] }>("taskDefinitions-v1.0.response.json").value;

test("every confirmed task is one of the API's 25 definitions, with its name, description and categories", () => {
  const confirmed = TASKS.filter((t) => t.taskDefinitionId);
  expect(confirmed.map((t) => t.taskDefinitionId).sort()).toEqual(
    definitions.map((d) => d.id).sort(),
  );
  for (const task of confirmed) {
    const definition = definitions.find((d) => d.id === task.taskDefinitionId)!;
    expect([
      task.name,
      task.displayName,
      task.description,
      [...task.categories].sort().join(","),
    ]).toEqual([
      task.name,
      definition.displayName,
      definition.description,
      definition.category.split(",").sort().join(","),
    ]);
    // Every argument's wire name is one of the definition's parameters, and vice versa.
    expect(task.arguments!.map((a) => a.wireName).sort()).toEqual(
      definition.parameters.map((p) => p.name).sort(),
    );
  }
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
