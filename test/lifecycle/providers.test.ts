/**
 * The dynamic providers' methods, called directly (under mocks Pulumi never calls them) against
 * the shared Graph emulator, with the providers' own Graph client (lib/graph, token from
 * INBOUND_GRAPH_TOKEN). This proves the providers send the calls Graph documents for each change;
 * it does not prove the real service behaves as its documentation says.
 */
import {
  compileCustomTaskExtension,
  compileWorkflow,
  type LifecycleResolver,
} from "../../lib/lifecycle/compile";
import { workflowChanges } from "../../lib/lifecycle/diff";
import { createGraphClient, type GraphClient } from "../../lib/graph";
import {
  bodyOf,
  lifecycleWorkflowProvider as workflows,
  type LifecycleWorkflowInputs,
  type LifecycleWorkflowOutputs,
} from "../../components/graph/lifecycleWorkflow";
import { customTaskExtensionProvider as extensions } from "../../components/graph/customTaskExtension";
import { lifecycleSettingsProvider as settings } from "../../components/graph/lifecycleSettings";
import * as path from "path";
import { startGraphEmulator, type GraphEmulator } from "../../lib/emulator";
import type { LifecycleState } from "../../lib/emulator/routes/lifecycle";
import { lifecycleRequests, specFrom } from "./helpers";

let emulator: GraphEmulator;
let state: LifecycleState;
/** A client of our own, for out-of-band edits. */
let graph: GraphClient;
beforeEach(async () => {
  emulator = await startGraphEmulator();
  state = emulator.state.lifecycle;
  graph = createGraphClient({ baseUrl: emulator.url, token: emulator.token });
  process.env.INBOUND_GRAPH_TOKEN = emulator.token;
});
afterEach(async () => {
  delete process.env.INBOUND_GRAPH_TOKEN;
  await emulator.close();
});

/** What the providers sent since the last `forget()`: method, path under the version, body. */
const sent = () => lifecycleRequests(emulator);
const forget = () => (emulator.requests.length = 0);
const calls = () => sent().map((r) => `${r.method} ${r.path}`);

const resolver: LifecycleResolver = {
  groupId: (name) => `group-${name}`,
  customTaskExtensionId: (key) => `extension-${key}`,
};

const spec = specFrom(`
lifecycleWorkflows:
  onboard:
    category: joiner
    displayName: Onboard
    description: First day
    trigger: { attribute: employeeHireDate, offsetDays: -1 }
    scope: "(department eq 'IT')"
    tasks:
      - enableUserAccount
      - generateTemporaryAccessPass: { lifetimeMinutes: 480, usableOnce: true }
      - sendWelcomeEmail
  move:
    category: mover
    displayName: Move
    trigger: { attributeChanged: [department] }
    scope: "(department eq 'Sales')"
    tasks: [notifyManagerOfUserMove]
  attrs:
    category: joiner
    displayName: Attributes
    trigger: { attribute: createdDateTime }
    scope: "(userType eq 'Member')"
    tasks: [updateUserAttributes]
  guests:
    category: leaver
    displayName: Guests
    trigger: { attribute: employeeLeaveDateTime }
    scope: "(userType eq 'Guest')"
    tasks: [sendUnsponsoredGuestRemovalEmail]
`);

function inputs(
  key: string,
  change: (w: LifecycleWorkflowInputs) => void = () => {},
): LifecycleWorkflowInputs {
  const body = compileWorkflow(spec.lifecycleWorkflows[key], resolver);
  const result: LifecycleWorkflowInputs = structuredClone({
    ...body,
    graphBaseUrl: emulator.url,
    graphVersion: "v1.0",
  });
  change(result);
  return result;
}

async function created(key: string, change?: (w: LifecycleWorkflowInputs) => void) {
  const news = inputs(key, change);
  const result = await workflows.create(news);
  forget();
  return { id: result.id, outs: result.outs as LifecycleWorkflowOutputs };
}

test("create POSTs the compiled body once, with the evolvable-enum header, and reads back without drift", async () => {
  const news = inputs("onboard");
  const { id, outs } = await workflows.create(news);
  // The tenant's task definitions first: their categories are checked before the POST.
  expect(calls()).toEqual([
    "GET /identityGovernance/lifecycleWorkflows/taskDefinitions",
    "POST /identityGovernance/lifecycleWorkflows/workflows",
  ]);
  expect(sent()[1].body).toEqual(bodyOf(news));
  expect(sent().map((r) => r.prefer)).toEqual([
    "include-unknown-enum-members",
    "include-unknown-enum-members",
  ]);
  expect(outs).toEqual({ ...news, version: 1, taskDefinitionIds: {} });

  const read = await workflows.read(id, outs);
  expect(read).toEqual({ id, props: outs });
});

test("a create whose answer was lost is retried and adopts the workflow it made, once", async () => {
  emulator.faults.add({
    method: "POST",
    path: /\/lifecycleWorkflows\/workflows$/,
    times: 1,
    lostAnswer: true,
  });
  const news = inputs("onboard");
  const { id } = await workflows.create(news);
  expect([...state.workflows.keys()]).toEqual([id]);
  const posts = emulator.requests.filter((r) => r.method === "POST").map((r) => r.status);
  expect(posts).toEqual([201, 409]);
});

test("after a lost answer, a same-named workflow of another definition is not adopted", async () => {
  const someoneElses = await graph.post<{ id: string }>(
    "/identityGovernance/lifecycleWorkflows/workflows",
    { ...bodyOf(inputs("onboard")), description: "made in the portal" },
  );
  emulator.faults.add({
    method: "POST",
    path: /\/lifecycleWorkflows\/workflows$/,
    times: 1,
    lostAnswer: true,
  });
  await expect(workflows.create(inputs("onboard"))).rejects.toThrow(
    `a workflow named "Onboard" already exists (id ${someoneElses!.id}) and is not managed by this stack`,
  );
  expect([...state.workflows.keys()]).toEqual([someoneElses!.id]);
});

test("a sign-in token for another tenant than the spec's is refused before anything is sent", async () => {
  const claims = { tid: "72f988bf-86f1-41af-91ab-2d7cd011db47" };
  process.env.INBOUND_GRAPH_TOKEN = `e30.${Buffer.from(JSON.stringify(claims)).toString("base64url")}.x`;
  const pinned = { tenantId: "0b8e7d3c-5f0a-4d6e-9c2b-1a2b3c4d5e6f" };
  const message =
    "the Azure sign-in gives tokens for tenant 72f988bf-86f1-41af-91ab-2d7cd011db47, but the spec is for tenant 0b8e7d3c-5f0a-4d6e-9c2b-1a2b3c4d5e6f";
  await expect(workflows.create({ ...inputs("onboard"), ...pinned })).rejects.toThrow(message);
  await expect(
    settings.create({ workflowScheduleIntervalInHours: 3, graphBaseUrl: emulator.url, ...pinned }),
  ).rejects.toThrow(message);
  expect(emulator.requests).toEqual([]);
});

test("a tenant id recorded for the first time is followed in state, never a replacement", async () => {
  const { outs } = await created("onboard");
  const news = { ...inputs("onboard"), tenantId: "0b8e7d3c-5f0a-4d6e-9c2b-1a2b3c4d5e6f" };
  const diff = await workflows.diff("id", outs, news);
  expect(diff).toEqual(expect.objectContaining({ changes: true, replaces: [] }));
});

test("throttling and a transient failure are retried: the workflow is created once", async () => {
  const collection = /\/lifecycleWorkflows\/workflows$/;
  emulator.faults.add({
    method: "POST",
    path: collection,
    status: 429,
    times: 1,
    retryAfterSeconds: 0,
  });
  emulator.faults.add({
    method: "POST",
    path: collection,
    status: 503,
    times: 1,
    retryAfterSeconds: 0,
  });
  const { id } = await workflows.create(inputs("onboard"));
  expect(emulator.requests.map((r) => r.status)).toEqual([200, 429, 503, 201]);
  expect([...state.workflows.keys()]).toEqual([id]);
});

test("a refusal from Graph is reported with its status, message and request id", async () => {
  // Seven failures: the first try and the client's six retries.
  emulator.faults.add({ method: "POST", status: 500, times: 7, retryAfterSeconds: 0 });
  await expect(workflows.create(inputs("onboard"))).rejects.toThrow(
    /^Graph POST \/v1\.0\/identityGovernance\/lifecycleWorkflows\/workflows failed: 500 ServiceUnavailable: injected fault \(request-id [0-9a-f-]{36}\)$/,
  );
  expect(emulator.requests.filter((r) => r.method === "POST").map((r) => r.status)).toEqual([
    500, 500, 500, 500, 500, 500, 500,
  ]);
});

test("a name taken by a workflow outside the stack is a clear error, not a bare 409", async () => {
  const { id } = await workflows.create(inputs("onboard"));
  await expect(workflows.create(inputs("onboard"))).rejects.toThrow(
    `a workflow named "Onboard" already exists (id ${id}) and is not managed by this stack; rename it in the spec, or delete it in Entra and run again`,
  );
});

test("a name held by a soft-deleted workflow says how to free it", async () => {
  const { id, outs } = await workflows.create(inputs("onboard"));
  await workflows.delete(id, outs);
  await expect(workflows.create(inputs("onboard"))).rejects.toThrow(
    `a deleted workflow still holds the name "Onboard" (id ${id}, in deleted items for 30 days); restore it (POST /identityGovernance/lifecycleWorkflows/deletedItems/workflows/${id}/restore), purge it (DELETE /identityGovernance/lifecycleWorkflows/deletedItems/workflows/${id}), or rename the workflow; set purgeOnDelete to free names on delete`,
  );
});

test("a mover workflow reads back as mover (the Prefer header is sent on reads too)", async () => {
  const { id, outs } = await created("move");
  const read = await workflows.read(id, outs);
  expect(read.props.category).toBe("mover");
  expect(workflowChanges(bodyOf(outs), bodyOf(read.props))).toEqual({ versioned: {}, patched: {} });
  expect(sent().map((r) => r.prefer)).toEqual([
    "include-unknown-enum-members",
    "include-unknown-enum-members",
  ]);
});

test("changing a task's argument is one createNewVersion: same id, version 2, no delete or re-create", async () => {
  const { id, outs } = await created("onboard");
  const news = inputs("onboard", (w) => {
    w.tasks[1].arguments[0].value = "60";
  });
  expect(await workflows.diff(id, outs, news)).toEqual({
    changes: true,
    replaces: [],
    detailedDiff: { "tasks[1]": { kind: "UPDATE", inputDiff: true } },
  });
  const updated = await workflows.update(id, outs, news);
  expect(calls()).toEqual([
    "GET /identityGovernance/lifecycleWorkflows/taskDefinitions",
    `POST /identityGovernance/lifecycleWorkflows/workflows/${id}/createNewVersion`,
  ]);
  expect(sent()[1].body).toEqual({ workflow: bodyOf(news) });
  expect(updated.outs).toEqual({ ...news, version: 2, taskDefinitionIds: {} });
  expect([...state.workflows.keys()]).toEqual([id]);
  expect(state.versions.get(id)!.map((v) => v.versionNumber)).toEqual([1]);
  expect(state.tasks.get(id)![1].arguments).toEqual([
    { name: "tapLifetimeMinutes", value: "60" },
    { name: "tapIsUsableOnce", value: "true" },
  ]);
});

test("adding a task and changing the trigger report each key, and still make one new version", async () => {
  const { id, outs } = await created("onboard");
  const news = inputs("onboard", (w) => {
    w.tasks.push({ ...w.tasks[0], displayName: "Enable again" });
    (w.executionConditions.trigger as { offsetInDays: number }).offsetInDays = -2;
  });
  expect((await workflows.diff(id, outs, news)).detailedDiff).toEqual({
    executionConditions: { kind: "UPDATE", inputDiff: true },
    "tasks[3]": { kind: "ADD", inputDiff: true },
  });
  await workflows.update(id, outs, news);
  expect(calls()).toEqual([
    "GET /identityGovernance/lifecycleWorkflows/taskDefinitions",
    `POST /identityGovernance/lifecycleWorkflows/workflows/${id}/createNewVersion`,
  ]);
});

test("changing only the description is a PATCH of the description", async () => {
  const { id, outs } = await created("onboard");
  const news = inputs("onboard", (w) => {
    w.description = "Day one";
  });
  expect((await workflows.diff(id, outs, news)).detailedDiff).toEqual({
    description: { kind: "UPDATE", inputDiff: true },
  });
  const updated = await workflows.update(id, outs, news);
  expect(sent().map((r) => [r.method, r.path, r.body])).toEqual([
    ["PATCH", `/identityGovernance/lifecycleWorkflows/workflows/${id}`, { description: "Day one" }],
  ]);
  expect(updated.outs.version).toBe(1);
  expect(state.workflows.get(id)!.description).toBe("Day one");
});

test("the emulator refuses a PATCH of tasks, as Graph does", async () => {
  const { id } = await created("onboard");
  await expect(
    graph.request("PATCH", `/identityGovernance/lifecycleWorkflows/workflows/${id}`, {
      tasks: [],
    }),
  ).rejects.toMatchObject({ status: 400 });
});

test("an out-of-band edit shows up as drift on read", async () => {
  const { id, outs } = await created("onboard");
  await graph.request("PATCH", `/identityGovernance/lifecycleWorkflows/workflows/${id}`, {
    displayName: "Renamed",
  });
  const changed = structuredClone(outs);
  changed.tasks.splice(2, 1);
  await graph.request(
    "POST",
    `/identityGovernance/lifecycleWorkflows/workflows/${id}/createNewVersion`,
    {
      workflow: { ...bodyOf(changed), displayName: "Renamed" },
    },
  );
  const read = await workflows.read(id, outs);
  expect(read.props.version).toBe(2);
  expect(workflowChanges(bodyOf(outs), bodyOf(read.props))).toEqual({
    versioned: { "tasks[2]": "delete" },
    patched: { displayName: "update" },
  });
  // The next `pulumi up` (refresh, then diff against the spec) puts it back with one new version.
  const spec = inputs("onboard");
  const live = read.props as LifecycleWorkflowOutputs;
  expect(await workflows.diff(id, live, spec)).toEqual({
    changes: true,
    replaces: [],
    detailedDiff: {
      displayName: { kind: "UPDATE", inputDiff: true },
      "tasks[2]": { kind: "ADD", inputDiff: true },
    },
  });
  forget();
  const repaired = await workflows.update(id, live, spec);
  expect(calls()).toEqual([
    "GET /identityGovernance/lifecycleWorkflows/taskDefinitions",
    `POST /identityGovernance/lifecycleWorkflows/workflows/${id}/createNewVersion`,
  ]);
  expect(repaired.outs.version).toBe(3);
  expect((await workflows.read(id, repaired.outs as LifecycleWorkflowOutputs)).props).toEqual(
    repaired.outs,
  );
});

test("a workflow deleted out of band reads as gone", async () => {
  const { id, outs } = await created("onboard");
  await graph.request("DELETE", `/identityGovernance/lifecycleWorkflows/workflows/${id}`);
  expect(await workflows.read(id, outs)).toEqual({});
});

test("delete is soft by default", async () => {
  const { id, outs } = await created("onboard");
  await workflows.delete(id, outs);
  expect(calls()).toEqual([`DELETE /identityGovernance/lifecycleWorkflows/workflows/${id}`]);
  expect([...state.deletedWorkflows.keys()]).toEqual([id]);
});

test("delete with purgeOnDelete also purges it from deleted items", async () => {
  const { id, outs } = await created("onboard", (w) => {
    w.purgeOnDelete = true;
  });
  await workflows.delete(id, outs);
  expect(calls()).toEqual([
    `DELETE /identityGovernance/lifecycleWorkflows/workflows/${id}`,
    `DELETE /identityGovernance/lifecycleWorkflows/deletedItems/workflows/${id}`,
  ]);
  expect(state.deletedWorkflows.size).toBe(0);
  expect(state.workflows.size).toBe(0);
});

test("Update user attributes is looked up by display name, as the tenant lists it", async () => {
  const { id, outs } = await workflows.create(inputs("attrs"));
  expect(calls()).toEqual([
    "GET /identityGovernance/lifecycleWorkflows/taskDefinitions",
    "POST /identityGovernance/lifecycleWorkflows/workflows",
  ]);
  const listed = state.taskDefinitions.find(
    (d) => d.displayName === "Update user attributes (Preview)",
  )!;
  expect(
    (sent()[1].body as { tasks: { taskDefinitionId: string }[] }).tasks[0].taskDefinitionId,
  ).toBe(listed.id);
  expect(outs.taskDefinitionIds).toEqual({
    "<taskDefinition:Update user attributes>": listed.id,
  });
  expect((await workflows.read(id, outs)).props).toEqual(outs);
});

test("an unconfirmed task is looked up by display name, (Preview) or not, and reads back as its placeholder", async () => {
  // The tenant lists it as "Send email about unsponsored guest removal (Preview)"; the catalog
  // names it without the suffix.
  const news = inputs("guests");
  const { id, outs } = await workflows.create(news);
  expect(calls()).toEqual([
    "GET /identityGovernance/lifecycleWorkflows/taskDefinitions",
    "POST /identityGovernance/lifecycleWorkflows/workflows",
  ]);
  expect(
    (sent()[1].body as { tasks: { taskDefinitionId: string }[] }).tasks[0].taskDefinitionId,
  ).toBe("a8e4c7f2-9d1b-4a3e-b5c6-8f2e7a9d4c1b");
  expect(outs.taskDefinitionIds).toEqual({
    "<taskDefinition:Send email about unsponsored guest removal>":
      "a8e4c7f2-9d1b-4a3e-b5c6-8f2e7a9d4c1b",
  });
  expect((await workflows.read(id, outs)).props.tasks).toEqual(news.tasks);
});

test("a task named with (Preview) still resolves once the tenant drops the suffix", async () => {
  const definition = state.taskDefinitions.find(
    (d) => d.id === "a8e4c7f2-9d1b-4a3e-b5c6-8f2e7a9d4c1b",
  )!;
  definition.displayName = "Send email about unsponsored guest removal";
  const news = inputs("guests", (w) => {
    w.tasks[0].taskDefinitionId =
      "<taskDefinition:Send email about unsponsored guest removal (Preview)>";
  });
  const { outs } = await workflows.create(news);
  expect(Object.values(outs.taskDefinitionIds)).toEqual(["a8e4c7f2-9d1b-4a3e-b5c6-8f2e7a9d4c1b"]);
});

test("a tenant without an unconfirmed task gets an error naming the task and what exists", async () => {
  state.taskDefinitions = state.taskDefinitions.filter(
    (d) => d.id !== "a8e4c7f2-9d1b-4a3e-b5c6-8f2e7a9d4c1b",
  );
  await expect(workflows.create(inputs("guests"))).rejects.toThrow(
    /^this tenant has no Lifecycle Workflows task named "Send email about unsponsored guest removal"; available: Add user to groups, Disable user account, /,
  );
  expect(calls()).toEqual(["GET /identityGovernance/lifecycleWorkflows/taskDefinitions"]);
});

describe("task categories at deploy time: the tenant's taskDefinitions decide", () => {
  const definition = (id: string) => state.taskDefinitions.find((d) => d.id === id)!;
  const ENABLE = "6fc52c9d-398b-4305-9763-15f42c1676fc";

  test("a task the tenant does not allow in the workflow's category fails, naming both", async () => {
    definition(ENABLE).category = "leaver";
    await expect(workflows.create(inputs("onboard"))).rejects.toThrow(
      'workflow "Onboard" (joiner): task "Enable user account" (tasks[0], "Enable user account") is for leaver workflows in this tenant; remove the task or move it to a workflow of its category',
    );
    expect(calls()).toEqual(["GET /identityGovernance/lifecycleWorkflows/taskDefinitions"]);
    expect(state.workflows.size).toBe(0);
  });

  test("a task looked up by name is checked too, and so is a new version", async () => {
    const { id, outs } = await created("attrs");
    definition("2c8f4a1b-7d3e-4f9c-8a5b-6e1d2c3f4a5b").category = "leaver,mover";
    const news = inputs("attrs", (w) => {
      (w.executionConditions.trigger as { offsetInDays: number }).offsetInDays = 1;
    });
    await expect(workflows.update(id, outs, news)).rejects.toThrow(
      'workflow "Attributes" (joiner): task "Update user attributes" (tasks[0], "Update user attributes (Preview)") is for leaver,mover workflows in this tenant',
    );
    expect(calls()).toEqual(["GET /identityGovernance/lifecycleWorkflows/taskDefinitions"]);
  });

  test("the tenant allowing more than Microsoft's table is followed", async () => {
    // The v1.0 answer lists Disable user account for joiners too; the table says leavers only.
    expect(definition("1dfdfcc7-52fa-4c2e-bf3a-e3919cc12950").category).toBe("joiner,leaver");
    const news = inputs("onboard", (w) => {
      w.tasks[0] = {
        ...w.tasks[0],
        displayName: "Disable user account",
        taskDefinitionId: "1dfdfcc7-52fa-4c2e-bf3a-e3919cc12950",
        arguments: [],
      };
    });
    const { id } = await workflows.create(news);
    expect(state.workflows.has(id)).toBe(true);
  });
});

describe("custom task extension object", () => {
  const extension = specFrom(`
customTaskExtensions:
  hybrid: { displayName: Hybrid, logicApp: { name: la-hybrid }, callbackTimeout: PT1H }
`).customTaskExtensions.hybrid;
  const body = compileCustomTaskExtension(extension, {
    subscriptionId: "c500b67c-e9b7-4ad2-a90d-77d41385ae55",
    resourceGroupName: "RG-LCM",
    url: "https://prod.logic.azure.com/workflows/x/triggers/manual/paths/invoke?sig=s",
    resumedBy: "4d8d0b4e-1d1f-4c5b-9b55-6b1f0e0c2a11",
  });

  test("the Logic App's identity is the one app authorized to resume, and Graph takes it", async () => {
    const { id } = await extensions.create({ ...body, graphBaseUrl: emulator.url });
    expect(state.customTaskExtensions.get(id)!.callbackConfiguration).toEqual({
      "@odata.type": "#microsoft.graph.identityGovernance.customTaskExtensionCallbackConfiguration",
      timeoutDuration: "PT1H",
      authorizedApps: [
        {
          "@odata.type": "#microsoft.graph.application",
          id: "4d8d0b4e-1d1f-4c5b-9b55-6b1f0e0c2a11",
        },
      ],
    });
  });

  test("a read without the authorized app is drift, as is another app; the read expands them", async () => {
    const news = { ...body, graphBaseUrl: emulator.url };
    const { id, outs } = await extensions.create(news);
    forget();
    expect((await extensions.read(id, outs)).props).toEqual(outs);
    // A navigation property: listed only when expanded.
    const read = emulator.requests.at(-1)!;
    expect(read.path).toBe(
      `/v1.0/identityGovernance/lifecycleWorkflows/customTaskExtensions/${id}`,
    );
    expect(decodeURIComponent(read.query)).toBe("?$expand=callbackConfiguration/authorizedApps");
    const stored = state.customTaskExtensions.get(id)!;
    const { authorizedApps: _apps, ...withoutApps } = stored.callbackConfiguration as Record<
      string,
      unknown
    >;
    stored.callbackConfiguration = withoutApps;
    const none = (await extensions.read(id, outs)).props!;
    expect((none.callbackConfiguration as Record<string, unknown>).authorizedApps).toEqual([]);
    expect(await extensions.diff(id, none, news)).toEqual({ changes: true, replaces: [] });
    stored.callbackConfiguration = {
      ...withoutApps,
      authorizedApps: [{ "@odata.type": "#microsoft.graph.application", id: "someone-else" }],
    };
    const drifted = (await extensions.read(id, outs)).props;
    expect(await extensions.diff(id, drifted, news)).toEqual({ changes: true, replaces: [] });
  });

  test("an expanded application object matches the app the body names by its appId", async () => {
    const news = { ...body, graphBaseUrl: emulator.url };
    const { id, outs } = await extensions.create(news);
    // What an expansion returns: the application object, its own object id and its appId.
    (
      state.customTaskExtensions.get(id)!.callbackConfiguration as Record<string, unknown>
    ).authorizedApps = [
      {
        "@odata.type": "#microsoft.graph.application",
        id: "0c0f3c5e-aaaa-4b4b-8c8c-000000000001",
        appId: "4D8D0B4E-1D1F-4C5B-9B55-6B1F0E0C2A11",
        displayName: "la-hybrid",
      },
    ];
    const live = (await extensions.read(id, outs)).props!;
    expect(await extensions.diff(id, live, news)).toEqual({ changes: false, replaces: [] });
  });

  test("a tenant that refuses the $expand is read without it, and the missing app still fails the create", async () => {
    emulator.faults.add({
      method: "GET",
      path: /\/customTaskExtensions\/[^/]+$/,
      status: 400,
      times: 1,
    });
    await expect(extensions.create({ ...body, graphBaseUrl: emulator.url })).rejects.toThrow(
      /Graph did not keep callbackConfiguration\.authorizedApps after the create: .*read back none/,
    );
    expect(
      emulator.requests.map((r) => `${r.method} ${r.status} ${decodeURIComponent(r.query)}`),
    ).toEqual([
      "POST 201 ",
      "GET 400 ?$expand=callbackConfiguration/authorizedApps",
      "GET 200 ",
      "DELETE 204 ",
    ]);
  });

  describe("a tenant that keeps no authorizedApps from the body", () => {
    beforeEach(() => {
      state.dropsAuthorizedApps = true;
    });

    test("create fails naming callbackConfiguration.authorizedApps and leaves no extension", async () => {
      await expect(extensions.create({ ...body, graphBaseUrl: emulator.url })).rejects.toThrow(
        /^custom task extension "Hybrid" \([0-9a-f-]+\): Graph did not keep callbackConfiguration\.authorizedApps after the create: sent 4d8d0b4e-1d1f-4c5b-9b55-6b1f0e0c2a11 \(the Logic App's managed identity\), read back none; .*it was deleted again/,
      );
      expect(calls().map((c) => c.replace(/[0-9a-f-]{36}/, "{id}"))).toEqual([
        "POST /identityGovernance/lifecycleWorkflows/customTaskExtensions",
        "GET /identityGovernance/lifecycleWorkflows/customTaskExtensions/{id}",
        "DELETE /identityGovernance/lifecycleWorkflows/customTaskExtensions/{id}",
      ]);
      expect(state.customTaskExtensions.size).toBe(0);
    });

    test("update fails naming the field; the extension stays", async () => {
      state.dropsAuthorizedApps = false;
      const news = { ...body, graphBaseUrl: emulator.url };
      const { id, outs } = await extensions.create(news);
      state.dropsAuthorizedApps = true;
      const longer = {
        ...news,
        callbackConfiguration: { ...news.callbackConfiguration, timeoutDuration: "PT2H" },
      };
      await expect(extensions.update(id, outs, longer)).rejects.toThrow(
        /Graph did not keep callbackConfiguration\.authorizedApps after the update: sent 4d8d0b4e-1d1f-4c5b-9b55-6b1f0e0c2a11 .*read back none; .*it keeps what Graph holds$/,
      );
      expect(state.customTaskExtensions.has(id)).toBe(true);
    });

    test("an extension with no app to authorize is not read back", async () => {
      const { authorizedApps: _apps, ...callback } = body.callbackConfiguration;
      const { id } = await extensions.create({
        ...body,
        callbackConfiguration: callback,
        graphBaseUrl: emulator.url,
      });
      expect(calls()).toEqual(["POST /identityGovernance/lifecycleWorkflows/customTaskExtensions"]);
      expect(state.customTaskExtensions.has(id)).toBe(true);
    });
  });

  test("the emulator refuses authorizedApps that are not applications, as Graph's types do", async () => {
    await expect(
      graph.request("POST", "/identityGovernance/lifecycleWorkflows/customTaskExtensions", {
        ...body,
        callbackConfiguration: { ...body.callbackConfiguration, authorizedApps: ["an-app-id"] },
      }),
    ).rejects.toMatchObject({ status: 400 });
  });

  test("create, drift, PATCH update and delete", async () => {
    const news = { ...body, graphBaseUrl: emulator.url };
    const { id, outs } = await extensions.create(news);
    expect(sent().map((r) => [r.method, r.path, r.body])).toEqual([
      ["POST", "/identityGovernance/lifecycleWorkflows/customTaskExtensions", body],
      // The read-back that confirms the authorized app (emulator.requests show the $expand).
      ["GET", `/identityGovernance/lifecycleWorkflows/customTaskExtensions/${id}`, undefined],
    ]);
    expect(outs).toEqual({ ...news, extensionId: id });
    expect((await extensions.read(id, outs)).props).toEqual(outs);

    state.customTaskExtensions.get(id)!.callbackConfiguration = {
      "@odata.type": "#microsoft.graph.identityGovernance.customTaskExtensionCallbackConfiguration",
      timeoutDuration: "PT5M",
    };
    const drifted = (await extensions.read(id, outs)).props;
    expect(await extensions.diff(id, drifted, news)).toEqual({ changes: true, replaces: [] });

    forget();
    await extensions.update(id, drifted, news);
    expect(calls()).toEqual([
      `PATCH /identityGovernance/lifecycleWorkflows/customTaskExtensions/${id}`,
      `GET /identityGovernance/lifecycleWorkflows/customTaskExtensions/${id}`,
    ]);
    expect(state.customTaskExtensions.get(id)!.callbackConfiguration).toEqual(
      body.callbackConfiguration,
    );

    await extensions.delete(id, outs);
    expect(state.customTaskExtensions.size).toBe(0);
  });

  test("a read that leaves out the trigger URL is not drift; another URL is", async () => {
    const news = { ...body, graphBaseUrl: emulator.url };
    const { id, outs } = await extensions.create(news);
    const stored = state.customTaskExtensions.get(id)!;
    const { url: _url, ...withoutUrl } = stored.endpointConfiguration as Record<string, unknown>;
    stored.endpointConfiguration = withoutUrl;
    expect((await extensions.read(id, outs)).props).toEqual(outs);
    stored.endpointConfiguration = { ...withoutUrl, url: "https://elsewhere.example/?sig=x" };
    const drifted = (await extensions.read(id, outs)).props;
    expect(await extensions.diff(id, drifted, news)).toEqual({ changes: true, replaces: [] });
  });
});

describe("tenant settings", () => {
  const news = {
    workflowScheduleIntervalInHours: 6,
    emailSettings: { senderDomain: "contoso.com", useCompanyBranding: true },
    graphBaseUrl: "",
  };
  const own = () => ({ ...news, graphBaseUrl: emulator.url });

  test("settings the spec sets whole are PATCHed as they are, with no read first", async () => {
    const { id, outs } = await settings.create(own());
    expect(id).toBe("lifecycleWorkflowSettings");
    expect(sent().map((r) => [r.method, r.path, r.body])).toEqual([
      [
        "PATCH",
        "/identityGovernance/lifecycleWorkflows/settings",
        {
          workflowScheduleIntervalInHours: 6,
          emailSettings: { senderDomain: "contoso.com", useCompanyBranding: true },
        },
      ],
    ]);
    expect(state.settings).toEqual({
      workflowScheduleIntervalInHours: 6,
      emailSettings: { senderDomain: "contoso.com", useCompanyBranding: true },
    });
    expect((await settings.read(id, outs)).props).toEqual(own());
  });

  test("a spec with the schedule only reads the mail settings and sends them back unchanged", async () => {
    state.settings.emailSettings = { senderDomain: "fabrikam.com", useCompanyBranding: true };
    await settings.create({ workflowScheduleIntervalInHours: 12, graphBaseUrl: emulator.url });
    expect(sent().map((r) => [r.method, r.path, r.body])).toEqual([
      ["GET", "/identityGovernance/lifecycleWorkflows/settings", undefined],
      [
        "PATCH",
        "/identityGovernance/lifecycleWorkflows/settings",
        {
          workflowScheduleIntervalInHours: 12,
          emailSettings: { senderDomain: "fabrikam.com", useCompanyBranding: true },
        },
      ],
    ]);
    expect(state.settings.workflowScheduleIntervalInHours).toBe(12);
  });

  test("mail settings without a sender domain keep the tenant's, on create and on update", async () => {
    state.settings.emailSettings = { senderDomain: "fabrikam.com", useCompanyBranding: false };
    const branded = {
      workflowScheduleIntervalInHours: 3,
      emailSettings: { useCompanyBranding: true },
      graphBaseUrl: emulator.url,
    };
    const { id, outs } = await settings.create(branded);
    expect(state.settings.emailSettings).toEqual({
      senderDomain: "fabrikam.com",
      useCompanyBranding: true,
    });
    forget();
    await settings.update(id, outs, { ...branded, workflowScheduleIntervalInHours: 4 });
    expect(sent().map((r) => `${r.method} ${r.path}`)).toEqual([
      "GET /identityGovernance/lifecycleWorkflows/settings",
      "PATCH /identityGovernance/lifecycleWorkflows/settings",
    ]);
    expect(state.settings).toEqual({
      workflowScheduleIntervalInHours: 4,
      emailSettings: { senderDomain: "fabrikam.com", useCompanyBranding: true },
    });
  });

  test("execution limits are PATCHed, read back and compared; delete leaves them as they are", async () => {
    const quarantineConfiguration = {
      matchMode: "any",
      conditions: [
        {
          "@odata.type":
            "#microsoft.graph.identityGovernance.countBasedQuarantineCondition" as const,
          threshold: 500,
        },
      ],
    };
    const limited = { ...own(), quarantineConfiguration };
    const { id, outs } = await settings.create(limited);
    expect(sent().map((r) => r.body)).toEqual([
      {
        workflowScheduleIntervalInHours: 6,
        emailSettings: { senderDomain: "contoso.com", useCompanyBranding: true },
        quarantineConfiguration,
      },
    ]);
    expect((await settings.read(id, outs)).props).toEqual(limited);
    expect((await settings.diff(id, outs, own())).changes).toBe(true);

    (
      state.settings.quarantineConfiguration as { conditions: { threshold: number }[] }
    ).conditions[0].threshold = 5000;
    const live = (await settings.read(id, outs)).props;
    expect(live.quarantineConfiguration!.conditions[0]).toMatchObject({ threshold: 5000 });
    expect((await settings.diff(id, live, limited)).changes).toBe(true);

    forget();
    await settings.update(id, live, limited);
    expect(state.settings.quarantineConfiguration).toEqual(quarantineConfiguration);
    forget();
    await settings.delete(id, limited);
    expect(sent().map((r) => r.body)).not.toContainEqual(
      expect.objectContaining({ quarantineConfiguration: expect.anything() }),
    );
    expect(state.settings.quarantineConfiguration).toEqual(quarantineConfiguration);
  });

  test("the emulator refuses a PATCH without one of the required properties, as Graph does", async () => {
    await expect(
      graph.request("PATCH", "/identityGovernance/lifecycleWorkflows/settings", {
        workflowScheduleIntervalInHours: 6,
      }),
    ).rejects.toMatchObject({ status: 400 });
    await expect(
      graph.request("PATCH", "/identityGovernance/lifecycleWorkflows/settings", {
        emailSettings: { senderDomain: null, useCompanyBranding: false },
      }),
    ).rejects.toMatchObject({ status: 400 });
  });

  test("read shows drift; delete restores the defaults, sender domain included", async () => {
    const { id, outs } = await settings.create(own());
    state.settings.workflowScheduleIntervalInHours = 12;
    const live = (await settings.read(id, outs)).props;
    expect(live.workflowScheduleIntervalInHours).toBe(12);
    expect((await settings.diff(id, live, own())).changes).toBe(true);

    forget();
    await settings.delete(id, outs);
    expect(sent().map((r) => [r.method, r.body])).toEqual([
      [
        "PATCH",
        // No senderDomain: the metadata declares it not nullable; emailSettings is replaced whole.
        { workflowScheduleIntervalInHours: 3, emailSettings: { useCompanyBranding: false } },
      ],
    ]);
    expect(state.settings).toEqual({
      workflowScheduleIntervalInHours: 3,
      emailSettings: { senderDomain: null, useCompanyBranding: false },
    });
  });

  test("delete of settings that never set mail restores the schedule and leaves the mail as it is", async () => {
    const { id, outs } = await settings.create({
      workflowScheduleIntervalInHours: 12,
      graphBaseUrl: emulator.url,
    });
    state.settings.emailSettings = { senderDomain: "fabrikam.com", useCompanyBranding: true };
    await settings.delete(id, outs);
    expect(state.settings).toEqual({
      workflowScheduleIntervalInHours: 3,
      emailSettings: { senderDomain: "fabrikam.com", useCompanyBranding: true },
    });
  });
});

test.each([
  ["workflow", workflows],
  ["custom task extension", extensions],
  ["settings", settings],
])(
  "the %s provider serializes as Pulumi ships it, capturing no client",
  async (_name, provider) => {
    const { serializeFunction } = await import("@pulumi/pulumi/runtime");
    const { text } = await serializeFunction(() => provider);
    // Modules are loaded inside the methods by absolute path; nothing live is captured.
    expect(text).toMatch(/requireLib\)?\("graph"\)/);
    const lib = path.join(__dirname, "..", "..", "lib");
    expect(text).toContain(`LIB_DIR: ${JSON.stringify(lib)}`);
    expect(text).not.toMatch(/__path|graphClientFromInputs:|DefaultAzureCredential|Bearer/);
  },
);
