/**
 * The shared Graph emulator's Lifecycle Workflows rules, driven over HTTP with lib/graph's client:
 * what the documentation says the real service accepts and refuses
 * (https://learn.microsoft.com/en-us/graph/api/identitygovernance-lifecycleworkflowscontainer-post-workflows).
 * The provider tests rely on these rules, so each one is pinned here.
 */
import { createGraphClient, GraphRequestError, type GraphClient } from "../../lib/graph";
import { startGraphEmulator, type GraphEmulator } from "../../lib/emulator";
import { fixture } from "./helpers";

const LCW = "/identityGovernance/lifecycleWorkflows";
const PREFER = { headers: { Prefer: "include-unknown-enum-members" } };

let emulator: GraphEmulator;
let graph: GraphClient;
beforeEach(async () => {
  emulator = await startGraphEmulator();
  graph = createGraphClient({ baseUrl: emulator.url, token: emulator.token });
});
afterEach(() => emulator.close());

type Json = Record<string, unknown>;
const failure = (promise: Promise<unknown>) =>
  promise.then(
    () => {
      throw new Error("expected the request to fail");
    },
    (e: GraphRequestError) => [e.status, e.graphMessage],
  );

type WorkflowJson = Json & { tasks: Json[] };
const joiner = () => fixture<WorkflowJson>("create-workflow-joiner.request.json");
const mover = () => fixture<WorkflowJson>("create-workflow-mover-attributechange.request.json");

async function create(body: Json = joiner()): Promise<Json> {
  return (await graph.post<Json>(`${LCW}/workflows`, body, PREFER))!;
}

test("create answers 201 with version 1 and no tasks; the tasks are a collection of their own", async () => {
  const created = await create();
  expect(emulator.requests.map((r) => r.status)).toEqual([201]);
  expect(created).toMatchObject({ displayName: "Australia Onboard new hire employee", version: 1 });
  expect(created.tasks).toBeUndefined();
  const tasks = await graph.get<{ value: Json[] }>(`${LCW}/workflows/${created.id}/tasks`);
  expect(tasks.value.map((t) => [t.executionSequence, t.displayName, t.category])).toEqual([
    [1, "Enable User Account", "joiner,leaver"],
    [2, "Send Welcome Email", "joiner"],
  ]);
});

test("create refuses a duplicate name, a leaver task in a joiner workflow, scheduling a disabled workflow and a non-string argument", async () => {
  await create();
  expect(await failure(create())).toEqual([
    409,
    "a workflow named 'Australia Onboard new hire employee' already exists",
  ]);
  const leaverTask = { ...joiner(), displayName: "Other" };
  leaverTask.tasks[0].taskDefinitionId = "b3a31406-2a15-4c9a-b25b-a658fa5f07fc";
  expect(await failure(create(leaverTask))).toEqual([
    400,
    "task 'Enable User Account' is not valid for category joiner",
  ]);
  expect(await failure(create({ ...joiner(), displayName: "Third", isEnabled: false }))).toEqual([
    400,
    "isSchedulingEnabled can't be true when isEnabled is false",
  ]);
  const numeric = { ...joiner(), displayName: "Fourth" };
  numeric.tasks[0].arguments = [{ name: "enableOnPremisesAccount", value: true }];
  expect(await failure(create(numeric))).toEqual([
    400,
    "argument 'enableOnPremisesAccount' must be a string",
  ]);
});

test("PATCH changes only displayName, description, isEnabled and isSchedulingEnabled", async () => {
  const { id } = await create();
  await graph.patch(`${LCW}/workflows/${id}`, {
    description: "Day one",
    isSchedulingEnabled: false,
  });
  expect(await graph.get<Json>(`${LCW}/workflows/${id}`)).toMatchObject({
    description: "Day one",
    isSchedulingEnabled: false,
    version: 1,
  });
  for (const key of ["category", "executionConditions", "tasks"]) {
    expect(await failure(graph.patch(`${LCW}/workflows/${id}`, { [key]: null }))).toEqual([
      400,
      `only displayName, description, isEnabled and isSchedulingEnabled can be updated; use createNewVersion to change ${key}`,
    ]);
  }
  await graph.patch(`${LCW}/workflows/${id}`, { isSchedulingEnabled: true });
  expect(await failure(graph.patch(`${LCW}/workflows/${id}`, { isEnabled: false }))).toEqual([
    400,
    "isSchedulingEnabled can't be true when isEnabled is false",
  ]);
});

test("a task's PATCH changes only its name and description", async () => {
  const { id } = await create();
  const [task] = (await graph.get<{ value: Json[] }>(`${LCW}/workflows/${id}/tasks`)).value;
  await graph.patch(`${LCW}/workflows/${id}/tasks/${task.id}`, { displayName: "Enable" });
  expect(await graph.get<Json>(`${LCW}/workflows/${id}/tasks/${task.id}`)).toMatchObject({
    displayName: "Enable",
  });
  expect(
    await failure(graph.patch(`${LCW}/workflows/${id}/tasks/${task.id}`, { arguments: [] })),
  ).toEqual([
    400,
    "only displayName and description of a task can be updated; use createNewVersion to change arguments",
  ]);
});

test("createNewVersion keeps the id, bumps the version and keeps the old one in versions", async () => {
  const { id } = await create();
  const next = joiner();
  next.tasks.pop();
  expect(
    await failure(graph.post(`${LCW}/workflows/${id}/createNewVersion`, next, PREFER)),
  ).toEqual([400, "the body must wrap the definition in 'workflow'"]);
  const created = await graph.post<Json>(
    `${LCW}/workflows/${id}/createNewVersion`,
    { workflow: next },
    PREFER,
  );
  expect([created!.id, created!.version]).toEqual([id, 2]);
  const versions = await graph.get<{ value: Json[] }>(`${LCW}/workflows/${id}/versions`);
  expect(versions.value.map((v) => [v.versionNumber, (v.tasks as Json[]).length])).toEqual([
    [1, 2],
  ]);
  const tasks = await graph.get<{ value: Json[] }>(`${LCW}/workflows/${id}/tasks`);
  expect(tasks.value.map((t) => t.displayName)).toEqual(["Enable User Account"]);
});

test("without Prefer: include-unknown-enum-members a mover reads as unknownFutureValue", async () => {
  const { id } = await create(mover());
  expect((await graph.get<Json>(`${LCW}/workflows/${id}`)).category).toBe("unknownFutureValue");
  expect((await graph.get<Json>(`${LCW}/workflows/${id}`, PREFER)).category).toBe("mover");
});

test("delete is soft: deleted items list it, restore brings it back with its tasks, purge removes it", async () => {
  const { id } = await create();
  await graph.delete(`${LCW}/workflows/${id}`);
  expect(await failure(graph.get(`${LCW}/workflows/${id}`))).toEqual([
    404,
    `workflow ${id} was not found`,
  ]);
  const deleted = await graph.get<{ value: Json[] }>(`${LCW}/deletedItems/workflows`);
  expect(deleted.value.map((w) => w.id)).toEqual([id]);
  expect(deleted.value[0].deletedDateTime).toEqual(expect.any(String));
  // The name stays taken while the workflow is in deleted items.
  expect((await failure(create()))[0]).toBe(409);

  const restored = await graph.post<Json>(`${LCW}/deletedItems/workflows/${id}/restore`);
  expect([restored!.id, restored!.deletedDateTime]).toEqual([id, null]);
  expect((await graph.get<{ value: Json[] }>(`${LCW}/workflows/${id}/tasks`)).value).toHaveLength(
    2,
  );

  await graph.delete(`${LCW}/workflows/${id}`);
  await graph.delete(`${LCW}/deletedItems/workflows/${id}`);
  expect((await graph.get<{ value: Json[] }>(`${LCW}/deletedItems/workflows`)).value).toEqual([]);
  expect((await create()).id).not.toBe(id);
});

test("task definitions are the documented 25 and the six of 2026, filterable by category", async () => {
  const all = await graph.get<{ value: Json[] }>(`${LCW}/taskDefinitions`);
  expect(all.value).toHaveLength(31);
  // Preview tasks carry the suffix Microsoft's pages give them.
  expect(all.value.map((d) => d.displayName).filter((n) => /\(Preview\)$/.test(String(n)))).toEqual(
    ["Update user attributes (Preview)", "Send email about unsponsored guest removal (Preview)"],
  );
  const movers = await graph.get<{ value: Json[] }>(
    `${LCW}/taskDefinitions?$filter=${encodeURIComponent("category has 'mover'")}`,
  );
  expect(movers.value.every((d) => String(d.category).split(",").includes("mover"))).toBe(true);
  expect(movers.value.map((d) => d.displayName)).toContain(
    "Send email to notify manager of user move",
  );
  expect(movers.value.length).toBeLessThan(31);
});

test("custom task extensions: create, PATCH, and no delete while a workflow runs one", async () => {
  const body = fixture("customTaskExtension-pop.request.json");
  const extension = (await graph.post<Json>(`${LCW}/customTaskExtensions`, body))!;
  expect(extension).toMatchObject(body);
  await graph.patch(`${LCW}/customTaskExtensions/${extension.id}`, { description: "New" });
  expect((await graph.get<Json>(`${LCW}/customTaskExtensions/${extension.id}`)).description).toBe(
    "New",
  );

  const workflow = joiner();
  workflow.tasks.push({
    continueOnError: true,
    displayName: "Run a Custom Task Extension",
    isEnabled: true,
    taskDefinitionId: "4262b724-8dba-4fad-afc3-43fcbb497a0e",
    arguments: [{ name: "customTaskExtensionID", value: extension.id }],
  });
  await create(workflow);
  expect(await failure(graph.delete(`${LCW}/customTaskExtensions/${extension.id}`))).toEqual([
    400,
    `customTaskExtension ${extension.id} is used by a workflow`,
  ]);
});

test("settings: the schedule interval must be 1-24 hours", async () => {
  const email = { useCompanyBranding: false };
  expect(
    await failure(
      graph.patch(`${LCW}/settings`, { workflowScheduleIntervalInHours: 25, emailSettings: email }),
    ),
  ).toEqual([400, "workflowScheduleIntervalInHours must be 1-24"]);
  expect(
    await failure(
      graph.patch(`${LCW}/settings`, {
        workflowScheduleIntervalInHours: 3,
        emailSettings: { senderDomain: null, useCompanyBranding: false },
      }),
    ),
  ).toEqual([400, "emailSettings.senderDomain may not be null"]);
  await graph.patch(`${LCW}/settings`, fixture("lifecycleWorkflows-settings.patch.json"));
  expect(await graph.get(`${LCW}/settings`)).toEqual(
    fixture("lifecycleWorkflows-settings.patch.json"),
  );
});

test("settings: a PATCH must carry both required properties; emailSettings is replaced whole", async () => {
  expect(
    await failure(graph.patch(`${LCW}/settings`, { workflowScheduleIntervalInHours: 6 })),
  ).toEqual([400, "'emailSettings' is required"]);
  expect(await failure(graph.patch(`${LCW}/settings`, {}))).toEqual([
    400,
    "'workflowScheduleIntervalInHours' and 'emailSettings' are required",
  ]);
  await graph.patch(`${LCW}/settings`, fixture("lifecycleWorkflows-settings.patch.json"));
  await graph.patch(`${LCW}/settings`, {
    workflowScheduleIntervalInHours: 6,
    emailSettings: { useCompanyBranding: false },
  });
  expect(await graph.get(`${LCW}/settings`)).toEqual({
    workflowScheduleIntervalInHours: 6,
    emailSettings: { senderDomain: null, useCompanyBranding: false },
  });
});

test("settings: execution limits are stored, returned, kept by a PATCH without them, and checked", async () => {
  const quarantineConfiguration = {
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
  };
  const required = {
    workflowScheduleIntervalInHours: 3,
    emailSettings: { useCompanyBranding: false },
  };
  await graph.patch(`${LCW}/settings`, { ...required, quarantineConfiguration });
  expect(await graph.get(`${LCW}/settings`)).toMatchObject({ quarantineConfiguration });
  await graph.patch(`${LCW}/settings`, { ...required, workflowScheduleIntervalInHours: 6 });
  expect(await graph.get(`${LCW}/settings`)).toMatchObject({
    workflowScheduleIntervalInHours: 6,
    quarantineConfiguration,
  });
  expect(
    await failure(
      graph.patch(`${LCW}/settings`, {
        ...required,
        quarantineConfiguration: { matchMode: "most", conditions: [] },
      }),
    ),
  ).toEqual([400, "quarantineConfiguration.matchMode 'most' is not valid"]);
  expect(
    await failure(
      graph.patch(`${LCW}/settings`, {
        ...required,
        quarantineConfiguration: { matchMode: "any", conditions: [{ threshold: 5 }] },
      }),
    ),
  ).toEqual([400, "quarantineCondition 'undefined' is not a known type"]);
});

test("workflows: quarantineDetails is read-only, null on a new workflow", async () => {
  const created = await create({
    ...joiner(),
    quarantineDetails: { quarantineType: "countBasedThresholdExceeded" },
  });
  expect(created.quarantineDetails).toBeNull();
});
