/**
 * The provisioning dynamic providers' methods, called directly (under mocks Pulumi never calls
 * them) against the shared Graph emulator, with lib/graph's real client and retry policy (only
 * its sleep is instant). Service principals come from instantiating the gallery template, as a
 * deployment creates them. This proves the providers send the documented calls and survive
 * throttling and replication delay; it does not prove the real service behaves as documented.
 */
import {
  provisioningJobProvider as jobs,
  provisioningJobStartProvider as starts,
  type ProvisioningJobOutputs,
} from "../../components/graph/provisioningJob";
import {
  synchronizationSchemaProvider as schemas,
  type SynchronizationSchemaOutputs,
} from "../../components/graph/synchronizationSchema";
import { synchronizationSecretsProvider as secrets } from "../../components/graph/synchronizationSecrets";
import { scimAttributeCatalog } from "../../lib/expressions";
import { createGraphClient } from "../../lib/graph";
import { schemaSpecOf } from "../../lib/provisioning/managed";
import { compileSecrets } from "../../lib/provisioning/secrets";
import { startGraphEmulator, type EmulatorOptions, type GraphEmulator } from "../../lib/emulator";
import { TEMPLATE_NAMES } from "../../lib/emulator/routes/directory";
import { diffSchemas } from "../../lib/provisioning/schema";
import { templateSchema } from "../../lib/provisioning/templateSchema";
import * as pulumi from "@pulumi/pulumi";
import { attr, CONTOSO_URN, contosoSpec, templateSchemaFixture } from "./helpers";

// The providers build their own client from their inputs; only the sleep between retries is
// replaced, so that a 429 storm takes no wall time (the delays asked for are recorded). The token
// is the emulator's, from the environment as in CI.
const mockSleeps: number[] = [];
/** Per-attempt deadline of the providers' client; the client's default unless a test sets it. */
let mockTimeoutMs: number | undefined;
jest.mock("../../lib/graph", () => {
  const actual = jest.requireActual("../../lib/graph");
  return {
    ...actual,
    graphClientFromInputs: (inputs: { graphBaseUrl: string; graphVersion?: "v1.0" | "beta" }) =>
      actual.createGraphClient({
        baseUrl: inputs.graphBaseUrl,
        version: inputs.graphVersion,
        token: process.env.INBOUND_GRAPH_TOKEN,
        sleep: async (ms: number) => void mockSleeps.push(ms),
        timeoutMs: mockTimeoutMs,
        random: () => 0,
      }),
  };
});

const spec = contosoSpec();
const employees = spec.provisioning.employees;

let emulator: GraphEmulator;
/** The service principal of the instantiated Entra app. */
let SP: string;

async function start(options: EmulatorOptions = {}, templateName: string = TEMPLATE_NAMES.entra) {
  emulator = await startGraphEmulator(options);
  process.env.INBOUND_GRAPH_TOKEN = emulator.token;
  const graph = createGraphClient({ baseUrl: emulator.url, token: emulator.token });
  const [template] = emulator.state.directory.applicationTemplates.filter(
    (t) => t.displayName === templateName,
  );
  const created = await graph.post<{ servicePrincipal: { id: string } }>(
    `/applicationTemplates/${template.id}/instantiate`,
    { displayName: employees.displayName },
  );
  SP = created!.servicePrincipal.id;
  // Only what the providers send is asserted on.
  emulator.requests.length = 0;
  mockSleeps.length = 0;
}
afterEach(async () => {
  mockTimeoutMs = undefined;
  delete process.env.INBOUND_GRAPH_TOKEN;
  await emulator?.close();
});

/** `METHOD path status` of every request since start, ids replaced by names. */
const calls = (jobId = "\u0000") =>
  emulator.requests.map(
    (r) =>
      `${r.method} ${r.path
        .replace(/^\/v1\.0/, "")
        .replace(SP, "{sp}")
        .replace(jobId, "{job}")} ${r.status}`,
  );
const provisioningOf = (sp = SP) => emulator.state.provisioning.servicePrincipals.get(sp)!;

async function createJob(): Promise<ProvisioningJobOutputs> {
  const created = await jobs.create({
    servicePrincipalId: SP,
    expectedTemplateId: "API2AAD",
    graphBaseUrl: emulator.url,
  });
  return created.outs as ProvisioningJobOutputs;
}

function schemaInputs(jobId: string) {
  return {
    servicePrincipalId: SP,
    jobId,
    appKey: "employees",
    provisioning: schemaSpecOf(employees),
    graphBaseUrl: emulator.url,
  };
}

const liveMapping = (jobId: string) =>
  provisioningOf().jobs.get(jobId)!.schema as {
    synchronizationRules: {
      objectMappings: { attributeMappings: { targetAttributeName: string; source: unknown }[] }[];
    }[];
  };

test("the emulator refuses a synchronization request without the bearer token", async () => {
  await start();
  const response = await fetch(
    `${emulator.url}/v1.0/servicePrincipals/${SP}/synchronization/templates`,
  );
  expect(response.status).toBe(401);
  expect(calls()).toEqual([`GET /servicePrincipals/{sp}/synchronization/templates 401`]);
});

test("job: discovers the template, survives 404s right after instantiate, deletes", async () => {
  await start({ replicationDelayGets: 2 });
  const job = await createJob();
  expect(job.templateId).toBe("API2AAD");
  expect(job.jobId).toMatch(/^API2AAD\.[0-9a-f]{32}\.[0-9a-f-]{36}$/);
  expect(calls()).toEqual([
    "GET /servicePrincipals/{sp}/synchronization/templates 404",
    "GET /servicePrincipals/{sp}/synchronization/templates 404",
    "GET /servicePrincipals/{sp}/synchronization/templates 200",
    "GET /servicePrincipals/{sp}/synchronization/jobs 200",
    "POST /servicePrincipals/{sp}/synchronization/jobs 201",
  ]);
  expect(emulator.requests[4].body).toEqual({ templateId: "API2AAD" });

  const read = await jobs.read(job.jobId, job);
  expect(read).toEqual({ id: job.jobId, props: job });
  await jobs.delete(job.jobId, job);
  expect(await jobs.read(job.jobId, job)).toEqual({});
  // Deleting what is already gone is not an error.
  await jobs.delete(job.jobId, job);
});

test("job: a 404 on the job POST itself, just after instantiate, is retried too", async () => {
  await start();
  emulator.faults.add({ method: "POST", path: /\/synchronization\/jobs$/, status: 404, times: 2 });
  const job = await createJob();
  expect(calls(job.jobId)).toEqual([
    "GET /servicePrincipals/{sp}/synchronization/templates 200",
    "GET /servicePrincipals/{sp}/synchronization/jobs 200",
    "POST /servicePrincipals/{sp}/synchronization/jobs 404",
    "POST /servicePrincipals/{sp}/synchronization/jobs 404",
    "POST /servicePrincipals/{sp}/synchronization/jobs 201",
  ]);
  expect([...provisioningOf().jobs.keys()]).toEqual([job.jobId]);
});

test("job: a job left by a create whose answer was lost is adopted, not doubled", async () => {
  await start();
  // The first create reached Graph, but its answer never made it into the stack's state.
  const first = await createJob();
  const again = await createJob();
  expect(again.jobId).toBe(first.jobId);
  expect([...provisioningOf().jobs.keys()]).toEqual([first.jobId]);
  expect(calls(first.jobId).slice(-2)).toEqual([
    "GET /servicePrincipals/{sp}/synchronization/templates 200",
    "GET /servicePrincipals/{sp}/synchronization/jobs 200",
  ]);
});

test("job: a pinned template id is used without discovery; several templates need a choice", async () => {
  await start();
  provisioningOf().templates = ["Other", "API2AD"].map((id, i) => ({
    id,
    factoryTag: id,
    default: i === 0,
    schema: provisioningOf().templates[0].schema,
  }));
  const pinned = await jobs.create({
    servicePrincipalId: SP,
    synchronizationTemplateId: "API2AD",
    expectedTemplateId: "API2AD",
    graphBaseUrl: emulator.url,
  });
  expect(pinned.outs.templateId).toBe("API2AD");
  expect(calls()).toEqual([
    "GET /servicePrincipals/{sp}/synchronization/jobs 200",
    "POST /servicePrincipals/{sp}/synchronization/jobs 201",
  ]);
  // The first template is marked default, so discovery takes it.
  const discovered = await jobs.create({
    servicePrincipalId: SP,
    expectedTemplateId: "API2AD",
    graphBaseUrl: emulator.url,
  });
  expect(discovered.outs.templateId).toBe("Other");
  // Neither the only one nor a default nor the expected id: an error that says what to set.
  provisioningOf().templates = ["X", "Y"].map((id) => ({ id, default: false }));
  await expect(
    jobs.create({
      servicePrincipalId: SP,
      expectedTemplateId: "API2AD",
      graphBaseUrl: emulator.url,
    }),
  ).rejects.toThrow(
    "cannot choose a synchronization template: the service principal offers X, Y; set synchronizationTemplateId in the spec",
  );
});

test("job: the AD app's template is discovered as API2AD", async () => {
  await start({}, TEMPLATE_NAMES.activeDirectory);
  const created = await jobs.create({
    servicePrincipalId: SP,
    expectedTemplateId: "API2AD",
    graphBaseUrl: emulator.url,
  });
  expect(created.outs.templateId).toBe("API2AD");
  expect(String(created.outs.jobId)).toMatch(/^API2AD\./);
});

test("schema: create, no drift, out-of-band edit detected per mapping, update restores", async () => {
  await start();
  const { jobId } = await createJob();
  const inputs = schemaInputs(jobId);
  const created = await schemas.create(inputs);
  expect(created.id).toBe(`${SP}/${jobId}/schema`);
  const outs = created.outs as SynchronizationSchemaOutputs;
  // The tenant's own operator spellings, not the offline guess.
  expect(outs.operatorNames).toEqual({ equals: "EQUALS", isTrue: "IS_TRUE" });
  const put = emulator.requests.find((r) => r.method === "PUT")!;
  expect(put.path).toBe(`/v1.0/servicePrincipals/${SP}/synchronization/jobs/${jobId}/schema`);
  const sent = liveMapping(jobId).synchronizationRules[0].objectMappings[0].attributeMappings;
  expect(sent.map((m) => m.targetAttributeName)).toEqual(Object.keys(employees.mappings).sort());

  const fresh = await schemas.read(created.id, outs);
  expect(fresh).toEqual({ id: created.id, props: outs });
  expect((await schemas.diff(created.id, fresh.props, inputs)).changes).toBe(false);

  // Someone edits a mapping in the portal.
  const edited = sent.find((m) => m.targetAttributeName === "givenName")!;
  edited.source = attr("userName");
  const drifted = await schemas.read(created.id, outs);
  const diff = await schemas.diff(created.id, drifted.props, inputs);
  expect(diff).toEqual({
    changes: true,
    replaces: [],
    deleteBeforeReplace: false,
    detailedDiff: { "provisioning.mappings.givenName": { kind: "UPDATE", inputDiff: true } },
  });

  const updated = await schemas.update(created.id, drifted.props, inputs);
  expect(updated.outs).toEqual(outs);
  const restored = await schemas.read(created.id, outs);
  expect((await schemas.diff(created.id, restored.props, inputs)).changes).toBe(false);

  // Delete resets the schema to the template's default, with the documented DELETE.
  const before = emulator.requests.length;
  await schemas.delete(created.id, outs);
  expect(calls(jobId).slice(before)).toEqual([
    "DELETE /servicePrincipals/{sp}/synchronization/jobs/{job}/schema 204",
  ]);
  const reset = liveMapping(jobId).synchronizationRules[0].objectMappings[0].attributeMappings;
  expect(reset.map((m) => m.targetAttributeName)).toEqual(["employeeId", "accountEnabled"]);
  expect(diffSchemas(provisioningOf().jobs.get(jobId)!.schema, templateSchemaFixture())).toEqual(
    [],
  );
  // Deleting again, or after the job is gone, is not an error.
  await schemas.delete(created.id, outs);
  const job = (
    await jobs.read(jobId, {
      servicePrincipalId: SP,
      graphBaseUrl: emulator.url,
    } as ProvisioningJobOutputs)
  ).props as ProvisioningJobOutputs;
  await jobs.delete(jobId, job);
  await schemas.delete(created.id, outs);
  expect(calls(jobId).slice(-1)).toEqual([
    "DELETE /servicePrincipals/{sp}/synchronization/jobs/{job}/schema 404",
  ]);
});

test("schema: a scope clause on every source attribute validate accepts deploys (one list for both)", async () => {
  await start();
  const { jobId } = await createJob();
  const accepted = [...scimAttributeCatalog()].filter((n) => !n.startsWith("urn:"));
  expect(accepted).toEqual(expect.arrayContaining(["title", "userType", "enterprise:division"]));
  const app = {
    ...employees,
    scope: {
      anyOf: accepted.map((attribute) => ({
        allOf: [{ attribute, operator: "equals" as const, value: "x" }],
      })),
    },
  };
  const created = await schemas.create({ ...schemaInputs(jobId), provisioning: schemaSpecOf(app) });
  expect(created.id).toBe(`${SP}/${jobId}/schema`);
  const live = provisioningOf().jobs.get(jobId)!.schema as {
    synchronizationRules: { objectMappings: { scope: { groups: unknown[] } }[] }[];
  };
  expect(live.synchronizationRules[0].objectMappings[0].scope.groups).toHaveLength(accepted.length);
  // plan's stand-in template has the same source attributes as the emulator's.
  const names = (schema: unknown) =>
    (
      schema as { directories: { objects: { attributes: { name: string }[] }[] }[] }
    ).directories[0].objects[0].attributes.map((a) => a.name);
  expect(names(templateSchema("entra"))).toEqual(names(templateSchemaFixture()));
});

type Tree = { key?: string; name?: string; expression?: string; parameters?: Param[] };
type Param = { key: string; value: Tree };

test("schema: trees come from Graph's parseExpression, once per distinct expression; a refresh is no drift", async () => {
  await start();
  const { jobId } = await createJob();
  const inputs = schemaInputs(jobId);
  // Two mappings with the same expression: one call for both.
  inputs.provisioning = {
    ...inputs.provisioning,
    mappings: { ...inputs.provisioning.mappings, jobTitle: "[ext:HireDate]" },
  };
  const created = await schemas.create(inputs);
  const parses = emulator.requests.filter((r) => r.path.endsWith("/schema/parseExpression"));
  // The spec's text with short forms expanded, as Graph reads no `ext:` or `enterprise:`.
  expect(parses.map((r) => (r.body as { expression: string }).expression).sort()).toEqual(
    [
      "[active]",
      "[externalId]",
      "[name.givenName]",
      "[userName]",
      'Join(" ", [name.givenName], [name.familyName])',
      `[${CONTOSO_URN}:HireDate]`,
      `[${CONTOSO_URN}:UsageLocation]`,
      "[urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department]",
    ].sort(),
  );
  expect(parses.every((r) => r.status === 200)).toBe(true);
  // Every parse before the PUT.
  const put = emulator.requests.findIndex((r) => r.method === "PUT");
  expect(emulator.requests.findIndex((r) => r.path.endsWith("/parseExpression"))).toBeLessThan(put);

  // What is deployed is Graph's tree, keyed Graph's way, not the offline compiler's.
  const live = liveMapping(jobId).synchronizationRules[0].objectMappings[0].attributeMappings;
  const join = live.find((m) => m.targetAttributeName === "displayName")!.source as Tree;
  expect(join.parameters!.map((p) => p.key)).toEqual(["Separator", "Source", "Source"]);

  // Refresh, then diff: nothing to do, so `up` does not send the schema again.
  const fresh = await schemas.read(created.id, created.outs as SynchronizationSchemaOutputs);
  expect(fresh.props).toEqual(created.outs);
  expect(await schemas.diff(created.id, fresh.props, inputs)).toEqual({
    changes: false,
    replaces: [],
    deleteBeforeReplace: false,
    detailedDiff: {},
  });
});

test("schema: a Replace is deployed with Graph's documented keys and reads back as no drift", async () => {
  await start();
  const { jobId } = await createJob();
  const inputs = schemaInputs(jobId);
  inputs.provisioning = {
    ...inputs.provisioning,
    mappings: {
      ...inputs.provisioning.mappings,
      preferredLanguage: 'Replace([preferredLanguage], "-", , , "_", , )',
    },
  };
  const created = await schemas.create(inputs);
  const live = liveMapping(jobId).synchronizationRules[0].objectMappings[0].attributeMappings;
  const replace = live.find((m) => m.targetAttributeName === "preferredLanguage")!.source as Tree;
  // As Microsoft's parseExpression example shows it.
  expect(replace).toEqual({
    expression: 'Replace([preferredLanguage], "-", , , "_", , )',
    name: "Replace",
    parameters: [
      { key: "source", value: attr("preferredLanguage") },
      {
        key: "Find",
        value: { expression: '"-"', name: "-", parameters: [], type: "Constant" },
      },
      {
        key: "Replacement",
        value: { expression: '"_"', name: "_", parameters: [], type: "Constant" },
      },
    ],
    type: "Function",
  });
  const fresh = await schemas.read(created.id, created.outs as SynchronizationSchemaOutputs);
  expect((await schemas.diff(created.id, fresh.props, inputs)).changes).toBe(false);
});

test("schema: an expression Graph cannot parse is an error naming app and mapping; nothing is PUT", async () => {
  await start();
  const { jobId } = await createJob();
  emulator.state.provisioning.parseAnswer = (expression) =>
    expression.startsWith("Join(")
      ? {
          error: { code: "ExpressionParsingFailed", message: "Unexpected token at 5" },
          parsedExpression: null,
          parsingSucceeded: false,
        }
      : undefined;
  await expect(schemas.create(schemaInputs(jobId))).rejects.toThrow(
    'provisioning.employees.mappings.displayName: Graph could not parse the expression "Join(\\" \\", [name.givenName], [name.familyName])": Unexpected token at 5',
  );
  expect(emulator.requests.filter((r) => r.method === "PUT")).toEqual([]);
});

test("schema: a tree Graph builds differently from the offline compiler is deployed and reported", async () => {
  await start();
  const { jobId } = await createJob();
  // Graph nests the arguments in a way the offline compiler does not.
  emulator.state.provisioning.parseAnswer = (expression) =>
    expression.startsWith("Join(")
      ? {
          parsingSucceeded: true,
          error: null,
          parsedExpression: {
            type: "Function",
            name: "Join",
            expression,
            parameters: [
              { key: "separator", value: { type: "Constant", name: " ", parameters: [] } },
              { key: "source", value: attr("name.givenName") },
            ],
          },
        }
      : undefined;
  const warn = jest.spyOn(pulumi.log, "warn").mockImplementation(() => undefined as never);
  try {
    const created = await schemas.create(schemaInputs(jobId));
    expect(warn).toHaveBeenCalledTimes(1);
    expect(String(warn.mock.calls[0][0])).toMatch(
      /^provisioning\.employees\.mappings\.displayName: Graph parses .* into a different tree than the offline compiler/,
    );
    // The warning is a log line, not state.
    expect(created.outs).not.toHaveProperty("warnings");
    const live = liveMapping(jobId).synchronizationRules[0].objectMappings[0].attributeMappings;
    const join = live.find((m) => m.targetAttributeName === "displayName")!.source as Tree;
    expect(join.parameters).toHaveLength(2);
  } finally {
    warn.mockRestore();
  }
});

test("schema: the template's filter groups, containerFilter and groupFilter are kept and are no drift", async () => {
  await start();
  const template = provisioningOf().templates[0].schema as ReturnType<typeof templateSchemaFixture>;
  const rule = template.synchronizationRules[0];
  rule.containerFilter = { includedContainers: ["OU=HR,DC=contoso,DC=com"] };
  rule.groupFilter = { includedGroups: [] };
  const theirs = [
    {
      name: "template",
      clauses: [
        { operatorName: "EQUALS", sourceOperandName: "userName", targetOperand: { values: ["x"] } },
      ],
    },
  ];
  rule.objectMappings[0].scope = { inputFilterGroups: theirs, categoryFilterGroups: [] };
  const { jobId } = await createJob();
  const created = await schemas.create(schemaInputs(jobId));
  const liveRule = liveMapping(jobId).synchronizationRules[0] as unknown as typeof rule;
  expect(liveRule.containerFilter).toEqual(rule.containerFilter);
  expect(liveRule.groupFilter).toEqual(rule.groupFilter);
  expect(liveRule.objectMappings[0].scope.inputFilterGroups).toEqual(theirs);
  expect(liveRule.objectMappings[0].scope.groups).toHaveLength(1);

  // Someone changes the template's part in the portal: not ours, so not drift.
  liveRule.objectMappings[0].scope.inputFilterGroups = [];
  liveRule.containerFilter = { includedContainers: [] };
  const fresh = await schemas.read(created.id, created.outs as SynchronizationSchemaOutputs);
  expect((await schemas.diff(created.id, fresh.props, schemaInputs(jobId))).changes).toBe(false);
});

test("schema: a filterOperators list without `name` (the v1.0 metadata) is read by id", async () => {
  await start();
  const ops = emulator.state.provisioning;
  ops.filterOperators = ops.filterOperators.map(({ name, ...rest }) => ({ id: name, ...rest }));
  const { jobId } = await createJob();
  const created = await schemas.create(schemaInputs(jobId));
  expect((created.outs as SynchronizationSchemaOutputs).operatorNames).toEqual({
    equals: "EQUALS",
    isTrue: "IS_TRUE",
  });
  // An operator the job does not offer: the message lists what it does.
  ops.filterOperators = ops.filterOperators.filter((o) => o.id !== "IS_TRUE");
  await expect(schemas.update(created.id, created.outs, schemaInputs(jobId))).rejects.toThrow(
    "scope operator(s) isTrue are not offered by this provisioning job (GET .../schema/filterOperators returned: EQUALS, NOT_EQUALS, IS_FALSE,",
  );
});

test("the emulator refuses metadata on a directory, as the v1.0 metadata has none", async () => {
  await start();
  const { jobId } = await createJob();
  const schema = structuredClone(provisioningOf().jobs.get(jobId)!.schema) as {
    directories: Record<string, unknown>[];
  };
  schema.directories[0].metadata = [];
  const response = await fetch(
    `${emulator.url}/v1.0/servicePrincipals/${SP}/synchronization/jobs/${jobId}/schema`,
    {
      method: "PUT",
      headers: { authorization: `Bearer ${emulator.token}`, "content-type": "application/json" },
      body: JSON.stringify(schema),
    },
  );
  expect(response.status).toBe(400);
  expect(JSON.stringify(await response.json())).toContain(
    "Property 'metadata' does not exist on type 'microsoft.graph.directoryDefinition'",
  );
});

test("schema: a spec change is reported per mapping before anything is sent", async () => {
  await start();
  const { jobId } = await createJob();
  const created = await schemas.create(schemaInputs(jobId));
  const changed = schemaInputs(jobId);
  changed.provisioning = {
    ...changed.provisioning,
    actions: ["create", "update", "delete"],
    mappings: { ...changed.provisioning.mappings, jobTitle: "[title]" },
  };
  const before = emulator.requests.length;
  const diff = await schemas.diff(created.id, created.outs, changed);
  expect(diff.detailedDiff).toEqual({
    "provisioning.mappings.jobTitle": { kind: "ADD", inputDiff: true },
    "provisioning.actions": { kind: "UPDATE", inputDiff: true },
  });
  expect(emulator.requests.length).toBe(before);
  // A new job means a new schema resource.
  expect(
    (await schemas.diff(created.id, created.outs, { ...changed, jobId: "other" })).replaces,
  ).toEqual(["servicePrincipalId", "jobId"]);
});

test("schema: survives a 429 storm on GET, a 503 and a dropped connection on PUT", async () => {
  await start();
  const { jobId } = await createJob();
  emulator.faults.add({
    method: "GET",
    path: /\/schema$/,
    status: 429,
    times: 4,
    retryAfterSeconds: 2,
  });
  emulator.faults.add({ method: "PUT", path: /\/schema$/, status: 503, times: 1 });
  emulator.faults.add({ method: "PUT", path: /\/schema$/, status: 503, times: 1, reset: true });
  const created = await schemas.create(schemaInputs(jobId));
  const schemaCalls = emulator.requests
    .filter((r) => r.path.endsWith("/schema"))
    .map((r) => `${r.method} ${r.status}`);
  // 0: the connection was dropped without an answer.
  expect(schemaCalls).toEqual([
    "GET 429",
    "GET 429",
    "GET 429",
    "GET 429",
    "GET 200",
    "PUT 503",
    "PUT 0",
    "PUT 204",
  ]);
  // Retry-After is honoured; without one the backoff doubles (jitter pinned to its minimum).
  expect(mockSleeps).toEqual([2000, 2000, 2000, 2000, 500, 1000]);
  // And the spec's schema is in place.
  const fresh = await schemas.read(created.id, created.outs as SynchronizationSchemaOutputs);
  expect((await schemas.diff(created.id, fresh.props, schemaInputs(jobId))).changes).toBe(false);
});

test("schema: a stalled answer is abandoned at the deadline and the call retried", async () => {
  await start();
  const { jobId } = await createJob();
  mockTimeoutMs = 250;
  emulator.faults.add({ method: "GET", path: /\/schema$/, times: 1, delayMs: 1500 });
  const created = await schemas.create(schemaInputs(jobId));
  // One retry, after the first backoff step.
  expect(mockSleeps).toEqual([500]);
  const fresh = await schemas.read(created.id, created.outs as SynchronizationSchemaOutputs);
  expect((await schemas.diff(created.id, fresh.props, schemaInputs(jobId))).changes).toBe(false);
});

test("a whole app deploys under random 429s, 503s and resets, and ends as specified", async () => {
  await start({ replicationDelayGets: 1 });
  emulator.faults.random({ rate429: 0.2, rate503: 0.1, rateReset: 0.05, seed: 7 });
  const job = await createJob();
  const common = { servicePrincipalId: SP, graphBaseUrl: emulator.url };
  await secrets.create({ ...common, credentials: compileSecrets(employees) });
  const schema = await schemas.create(schemaInputs(job.jobId));
  await starts.create({ ...common, jobId: job.jobId });
  const statuses = new Set(emulator.requests.map((r) => r.status));
  // The seed does produce every kind of fault.
  expect([0, 404, 429, 503].filter((s) => statuses.has(s))).toEqual([0, 404, 429, 503]);

  emulator.faults.clear();
  expect(provisioningOf().jobs.get(job.jobId)!.job.status).toEqual({
    code: "NotRun",
    quarantine: null,
  });
  expect(provisioningOf().secrets).toEqual(compileSecrets(employees));
  const fresh = await schemas.read(schema.id, schema.outs as SynchronizationSchemaOutputs);
  expect((await schemas.diff(schema.id, fresh.props, schemaInputs(job.jobId))).changes).toBe(false);
  // One job, however many retries.
  expect(provisioningOf().jobs.size).toBe(1);
});

test("secrets: merged into what is there, own keys replaced and removed, others kept", async () => {
  await start();
  const sp = provisioningOf();
  sp.secrets = [{ key: "SyncAgentCompatibilityKey", value: "portal" }];
  const credentials = compileSecrets(employees);
  const inputs = { servicePrincipalId: SP, credentials, graphBaseUrl: emulator.url };
  const created = await secrets.create(inputs);
  expect(sp.secrets).toEqual([
    { key: "SyncAgentCompatibilityKey", value: "portal" },
    {
      key: "SyncNotificationSettings",
      value:
        '{"Enabled":true,"Recipients":"iam-alerts@contoso.com","DeleteThresholdEnabled":true,"DeleteThresholdValue":25}',
    },
    { key: "SkipOutOfScopeDeletions", value: "False" },
  ]);
  expect(await secrets.read(created.id, inputs)).toEqual({ id: created.id, props: inputs });

  const fewer = { ...inputs, credentials: credentials.slice(0, 1) };
  expect((await secrets.diff(created.id, inputs, fewer)).detailedDiff).toEqual({
    "credentials.SkipOutOfScopeDeletions": { kind: "DELETE", inputDiff: true },
  });
  await secrets.update(created.id, inputs, fewer);
  expect(sp.secrets.map((s) => s.key)).toEqual([
    "SyncAgentCompatibilityKey",
    "SyncNotificationSettings",
  ]);
  await secrets.delete(created.id, fewer);
  expect(sp.secrets).toEqual([{ key: "SyncAgentCompatibilityKey", value: "portal" }]);
});

test("secrets: a notification address changed in the portal is drift, and update restores it", async () => {
  await start();
  const sp = provisioningOf();
  const credentials = compileSecrets(employees);
  const inputs = { servicePrincipalId: SP, credentials, graphBaseUrl: emulator.url };
  const created = await secrets.create(inputs);
  sp.secrets = sp.secrets.map((s) =>
    s.key === "SyncNotificationSettings"
      ? { ...s, value: s.value.replace("iam-alerts@contoso.com", "someone@contoso.com") }
      : s,
  );
  const drifted = await secrets.read(created.id, inputs);
  expect((await secrets.diff(created.id, drifted.props, inputs)).detailedDiff).toEqual({
    "credentials.SyncNotificationSettings": { kind: "UPDATE", inputDiff: true },
  });
  await secrets.update(created.id, drifted.props, inputs);
  expect(sp.secrets).toEqual(credentials);
  const fresh = await secrets.read(created.id, inputs);
  expect((await secrets.diff(created.id, fresh.props, inputs)).changes).toBe(false);
});

test("secrets: Graph echoing JSON in another key order, or True as true, is not drift", async () => {
  await start();
  const sp = provisioningOf();
  const inputs = {
    servicePrincipalId: SP,
    credentials: compileSecrets(employees),
    graphBaseUrl: emulator.url,
  };
  const created = await secrets.create(inputs);
  sp.secrets = sp.secrets.map((s) =>
    s.key === "SyncNotificationSettings"
      ? {
          ...s,
          value: JSON.stringify(Object.fromEntries(Object.entries(JSON.parse(s.value)).reverse())),
        }
      : { ...s, value: s.value.toLowerCase() },
  );
  const echoed = await secrets.read(created.id, inputs);
  expect(echoed.props.credentials).not.toEqual(inputs.credentials);
  expect(await secrets.diff(created.id, echoed.props, inputs)).toEqual({
    changes: false,
    replaces: [],
    detailedDiff: {},
  });
});

test("secrets: a masked credential is never written back; nothing is overwritten", async () => {
  await start();
  const sp = provisioningOf();
  sp.secrets = [
    { key: "SecretToken", value: "the real token" },
    { key: "SyncAgentCompatibilityKey", value: "portal" },
  ];
  const inputs = {
    servicePrincipalId: SP,
    credentials: compileSecrets(employees),
    graphBaseUrl: emulator.url,
  };
  // Graph shows the credential masked.
  const listed = await fetch(
    `${emulator.url}/v1.0/servicePrincipals/${SP}/synchronization/secrets`,
    {
      headers: { authorization: `Bearer ${emulator.token}` },
    },
  );
  expect(((await listed.json()) as { value: unknown[] }).value).toContainEqual({
    key: "SecretToken",
    value: "*****",
  });
  await expect(secrets.create(inputs)).rejects.toThrow(
    "the synchronization secrets of this service principal include SecretToken, which Graph returns masked",
  );
  expect(emulator.requests.filter((r) => r.method === "PUT")).toEqual([]);
  expect(sp.secrets[0]).toEqual({ key: "SecretToken", value: "the real token" });
  // Our keys written before someone added the credential: destroy leaves the collection rather
  // than failing or sending the mask.
  sp.secrets.push(...inputs.credentials);
  const warn = jest.spyOn(pulumi.log, "warn").mockImplementation(() => undefined as never);
  try {
    await secrets.delete(`${SP}/secrets`, inputs);
    expect(warn).toHaveBeenCalledTimes(1);
  } finally {
    warn.mockRestore();
  }
  expect(emulator.requests.filter((r) => r.method === "PUT")).toEqual([]);
});

test("secrets: nothing is sent when the tenant already holds the spec's values", async () => {
  await start();
  const inputs = {
    servicePrincipalId: SP,
    credentials: compileSecrets(employees),
    graphBaseUrl: emulator.url,
  };
  await secrets.create(inputs);
  const before = emulator.requests.length;
  await secrets.update(`${SP}/secrets`, inputs, inputs);
  expect(calls().slice(before)).toEqual([
    "GET /servicePrincipals/{sp}/synchronization/secrets 200",
  ]);
});

test("secrets: a value of ours that Graph reads back masked is not drift", async () => {
  await start();
  const inputs = {
    servicePrincipalId: SP,
    credentials: [{ key: "SecretToken", value: "ours" }, ...compileSecrets(employees)],
    graphBaseUrl: emulator.url,
  };
  const created = await secrets.create(inputs);
  expect(provisioningOf().secrets[0]).toEqual({ key: "SecretToken", value: "ours" });
  const fresh = await secrets.read(created.id, inputs);
  expect(fresh.props).toEqual(inputs);
  expect((await secrets.diff(created.id, fresh.props, inputs)).changes).toBe(false);
  // And our own masked key is rewritten with our value, never with the mask.
  const changed = { ...inputs, credentials: [{ key: "SecretToken", value: "rotated" }] };
  await secrets.update(created.id, fresh.props, changed);
  expect(provisioningOf().secrets).toContainEqual({ key: "SecretToken", value: "rotated" });
});

test("secrets: once the service principal is gone, read says so and delete is done, at once", async () => {
  await start();
  const inputs = {
    servicePrincipalId: SP,
    credentials: compileSecrets(employees),
    graphBaseUrl: emulator.url,
  };
  const created = await secrets.create(inputs);
  emulator.state.provisioning.servicePrincipals.delete(SP);
  const before = emulator.requests.length;
  expect(await secrets.read(created.id, inputs)).toEqual({});
  await secrets.delete(created.id, inputs);
  // No replication-delay retries: this 404 is not a new object's.
  expect(calls().slice(before)).toEqual([
    "GET /servicePrincipals/{sp}/synchronization/secrets 404",
    "GET /servicePrincipals/{sp}/synchronization/secrets 404",
  ]);
});

test("job: diff replaces on a new service principal or template pin, update sends nothing", async () => {
  await start();
  const job = await createJob();
  const inputs = {
    servicePrincipalId: SP,
    expectedTemplateId: "API2AAD",
    graphBaseUrl: emulator.url,
  };
  expect(await jobs.diff(job.jobId, job, inputs)).toEqual({
    changes: false,
    replaces: [],
    deleteBeforeReplace: true,
  });
  expect(
    (await jobs.diff(job.jobId, job, { ...inputs, servicePrincipalId: "other" })).replaces,
  ).toEqual(["servicePrincipalId"]);
  // Pinning the template the job already has is no replacement; another one is.
  const samePin = { ...inputs, synchronizationTemplateId: "API2AAD" };
  expect(await jobs.diff(job.jobId, job, samePin)).toMatchObject({ changes: true, replaces: [] });
  expect(
    (await jobs.diff(job.jobId, job, { ...inputs, synchronizationTemplateId: "API2AD" })).replaces,
  ).toEqual(["synchronizationTemplateId"]);
  // Another tenant or Graph host: the state follows, the job stays.
  const moved = { ...inputs, tenantId: "11111111-2222-3333-4444-555555555555" };
  expect(await jobs.diff(job.jobId, job, moved)).toMatchObject({ changes: true, replaces: [] });
  const before = emulator.requests.length;
  expect((await jobs.update(job.jobId, job, samePin)).outs).toEqual({
    ...samePin,
    jobId: job.jobId,
    templateId: "API2AAD",
  });
  expect(emulator.requests.length).toBe(before);
});

test("start: starts once, a paused job is seen and restarted, delete pauses", async () => {
  await start();
  const sp = provisioningOf();
  const { jobId } = await createJob();
  await secrets.create({
    servicePrincipalId: SP,
    credentials: compileSecrets(employees),
    graphBaseUrl: emulator.url,
  });
  const inputs = { servicePrincipalId: SP, jobId, graphBaseUrl: emulator.url };
  const created = await starts.create(inputs);
  expect(sp.jobs.get(jobId)!.job.status).toEqual({ code: "NotRun", quarantine: null });
  const fresh = await starts.read(created.id, created.outs);
  expect((await starts.diff(created.id, fresh.props, inputs)).changes).toBe(false);
  // Starting a running job again is what Microsoft warns against: update skips it.
  await starts.update(created.id, fresh.props, inputs);
  expect(emulator.requests.filter((r) => r.path.endsWith("/start"))).toHaveLength(1);

  sp.jobs.get(jobId)!.job.schedule.state = "Paused";
  const paused = await starts.read(created.id, created.outs);
  expect(paused.props.state).toBe("Paused");
  expect((await starts.diff(created.id, paused.props, inputs)).changes).toBe(true);
  await starts.update(created.id, paused.props, inputs);
  expect(sp.jobs.get(jobId)!.job.schedule.state).toBe("Active");

  await starts.delete(created.id, created.outs);
  expect(sp.jobs.get(jobId)!.job.schedule.state).toBe("Paused");
});
