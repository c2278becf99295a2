/**
 * The emulator's own rules, and the whole deployment sequence of one provisioning app run against
 * it with the real providers and Graph client: template lookup by name, instantiate, a job created
 * through the replication delay, secrets, the schema, start, the uploader's Graph role.
 */
import { createGraphClient, GraphClient, GraphRequestError } from "../../lib/graph";
import {
  provisioningJobProvider,
  provisioningJobStartProvider,
} from "../../components/graph/provisioningJob";
import { synchronizationSchemaProvider } from "../../components/graph/synchronizationSchema";
import { synchronizationSecretsProvider } from "../../components/graph/synchronizationSecrets";
import { schemaSpecOf } from "../../lib/provisioning/managed";
import { compileSecrets } from "../../lib/provisioning/secrets";
import { contosoSpec } from "../provisioning/helpers";
import { GraphEmulator, startGraphEmulator } from "../../lib/emulator";
import { GRAPH_APP_ID, GRAPH_APP_ROLES, TEMPLATE_NAMES } from "../../lib/emulator/routes/directory";

// The providers build their own client; only its sleep between retries is made instant, so that
// the replication delay and the throttling below cost no wall time.
jest.mock("../../lib/graph", () => {
  const actual = jest.requireActual("../../lib/graph");
  return {
    ...actual,
    graphClientFromInputs: (inputs: { graphBaseUrl: string; tenantId?: string }) =>
      actual.createGraphClient({
        baseUrl: inputs.graphBaseUrl,
        tenantId: inputs.tenantId,
        token: process.env.INBOUND_GRAPH_TOKEN,
        sleep: async () => undefined,
      }),
  };
});

let emulator: GraphEmulator;
let graph: GraphClient;

async function start(options: Parameters<typeof startGraphEmulator>[0] = {}) {
  emulator = await startGraphEmulator(options);
  graph = createGraphClient({
    baseUrl: emulator.url,
    token: emulator.token,
    sleep: async () => undefined,
  });
  process.env.INBOUND_GRAPH_TOKEN = emulator.token;
}
afterEach(async () => {
  delete process.env.INBOUND_GRAPH_TOKEN;
  await emulator.close();
});

const failure = (promise: Promise<unknown>) =>
  promise.then(
    () => undefined,
    (e: GraphRequestError) => e,
  );

it("refuses requests without the bearer token", async () => {
  await start();
  const response = await fetch(`${emulator.url}/v1.0/applicationTemplates`);
  expect(response.status).toBe(401);
  expect(emulator.requests.map((r) => r.status)).toEqual([401]);
});

it("deploys a provisioning app end to end, through replication delay and throttling", async () => {
  await start({ replicationDelayGets: 2 });
  emulator.faults.add({
    path: /\/schema$/,
    method: "GET",
    status: 429,
    times: 3,
    retryAfterSeconds: 1,
  });
  emulator.faults.add({ path: /\/schema$/, method: "PUT", status: 503, times: 1 });
  const employees = contosoSpec().provisioning.employees;

  const templates = await graph.get<{ value: { id: string }[] }>(
    `/applicationTemplates?$filter=displayName eq '${TEMPLATE_NAMES.entra}'`,
  );
  expect(templates.value).toHaveLength(1);
  const created = await graph.post<{ servicePrincipal: { id: string } }>(
    `/applicationTemplates/${templates.value[0].id}/instantiate`,
    { displayName: employees.displayName },
  );
  const sp = created!.servicePrincipal.id;
  const common = { servicePrincipalId: sp, graphBaseUrl: emulator.url };

  const job = await provisioningJobProvider.create({ ...common, expectedTemplateId: "API2AAD" });
  const jobId = job.outs.jobId as string;
  expect(job.outs.templateId).toBe("API2AAD");
  await synchronizationSecretsProvider.create({
    ...common,
    credentials: compileSecrets(employees),
  });
  const schemaInputs = {
    ...common,
    jobId,
    appKey: "employees",
    provisioning: schemaSpecOf(employees),
  };
  const schema = await synchronizationSchemaProvider.create(schemaInputs);
  await provisioningJobStartProvider.create({ ...common, jobId });

  const entry = emulator.state.provisioning.servicePrincipals.get(sp)!.jobs.get(jobId)!;
  expect(entry.job.schedule.state).toBe("Active");
  expect(entry.job.status).toEqual({ code: "NotRun", quarantine: null });
  // The template schema is Version:1; the one accepted PUT (after the 503) bumps it once.
  expect(entry.schema.version).toBe("Version:2");
  const statuses = emulator.requests.map(
    (r) => `${r.method} ${r.path.replace(sp, "{sp}").replace(jobId, "{job}")} ${r.status}`,
  );
  expect(statuses.filter((s) => / (404|429|503)$/.test(s))).toEqual([
    "GET /v1.0/servicePrincipals/{sp}/synchronization/templates 404",
    "GET /v1.0/servicePrincipals/{sp}/synchronization/templates 404",
    "GET /v1.0/servicePrincipals/{sp}/synchronization/jobs/{job}/schema 429",
    "GET /v1.0/servicePrincipals/{sp}/synchronization/jobs/{job}/schema 429",
    "GET /v1.0/servicePrincipals/{sp}/synchronization/jobs/{job}/schema 429",
    "PUT /v1.0/servicePrincipals/{sp}/synchronization/jobs/{job}/schema 503",
  ]);

  // Read shows no drift; a portal edit is drift; update restores the spec's mappings.
  const fresh = await synchronizationSchemaProvider.read!(schema.id, schema.outs);
  expect(
    (await synchronizationSchemaProvider.diff!(schema.id, fresh.props, schemaInputs)).changes,
  ).toBe(false);
  const mappings = (
    entry.schema.synchronizationRules as {
      objectMappings: { attributeMappings: { targetAttributeName: string; source: unknown }[] }[];
    }[]
  )[0].objectMappings[0].attributeMappings;
  mappings.find((m) => m.targetAttributeName === "department")!.source = {
    type: "Constant",
    name: "x",
    expression: '"x"',
    parameters: [],
  };
  const drifted = await synchronizationSchemaProvider.read!(schema.id, schema.outs);
  expect(
    (await synchronizationSchemaProvider.diff!(schema.id, drifted.props, schemaInputs)).changes,
  ).toBe(true);
  await synchronizationSchemaProvider.update!(schema.id, drifted.props, schemaInputs);
  const restored = await synchronizationSchemaProvider.read!(schema.id, schema.outs);
  expect(
    (await synchronizationSchemaProvider.diff!(schema.id, restored.props, schemaInputs)).changes,
  ).toBe(false);

  // The uploader identity's Graph role, with the id looked up on Graph's service principal.
  const [msGraph] = (
    await graph.get<{ value: { id: string; appRoles: { id: string; value: string }[] }[] }>(
      `/servicePrincipals?$filter=appId eq '${GRAPH_APP_ID}'`,
    )
  ).value;
  const roleId = msGraph.appRoles.find((r) => r.value === "SynchronizationData-User.Upload")!.id;
  expect(roleId).toBe(GRAPH_APP_ROLES["SynchronizationData-User.Upload"]);
  await graph.post(`/servicePrincipals/${msGraph.id}/appRoleAssignedTo`, {
    principalId: "uploader-identity",
    resourceId: msGraph.id,
    appRoleId: roleId,
  });
  expect(emulator.state.directory.appRoleAssignments).toHaveLength(1);
});

it("refuses PATCH on a schema and unknown schema fields, as Graph does", async () => {
  await start();
  const [template] = emulator.state.directory.applicationTemplates;
  const created = await graph.post<{ servicePrincipal: { id: string } }>(
    `/applicationTemplates/${template.id}/instantiate`,
    { displayName: "x" },
  );
  const sp = created!.servicePrincipal.id;
  const job = await graph.post<{ id: string }>(`/servicePrincipals/${sp}/synchronization/jobs`, {
    templateId: "API2AAD",
  });
  const path = `/servicePrincipals/${sp}/synchronization/jobs/${job!.id}/schema`;
  expect((await failure(graph.patch(path, {})))!.status).toBe(405);
  const schema = await graph.get<Record<string, unknown>>(path);
  const unknown = await failure(graph.put(path, { ...schema, mappings: [] }));
  expect(unknown!.message).toMatch(
    /400 BadRequest: Invalid property 'mappings' on synchronizationSchema/,
  );
});

it("refuses unknown properties and enum values in every body, as Graph does", async () => {
  await start();
  const [template] = emulator.state.directory.applicationTemplates;
  const instantiate = `/applicationTemplates/${template.id}/instantiate`;
  expect(
    (await failure(graph.post(instantiate, { displayName: "x", owner: "me" })))!.message,
  ).toMatch(
    /400 BadRequest: Property 'owner' does not exist on type 'microsoft.graph.applicationTemplate.instantiate'/,
  );
  const sp = (await graph.post<{ servicePrincipal: { id: string } }>(instantiate, {
    displayName: "x",
  }))!.servicePrincipal.id;
  const jobs = `/servicePrincipals/${sp}/synchronization/jobs`;
  expect(
    (await failure(graph.post(jobs, { templateId: "API2AAD", enabled: true })))!.message,
  ).toMatch(/Property 'enabled' does not exist on type 'microsoft.graph.synchronizationJob'/);
  expect(
    (await failure(
      graph.put(`/servicePrincipals/${sp}/synchronization/secrets`, {
        value: [{ key: "SyncAll", value: "True", type: "string" }],
      }),
    ))!.message,
  ).toMatch(
    /Property 'type' does not exist on type 'microsoft.graph.synchronizationSecretKeyStringValuePair'/,
  );

  const job = await graph.post<{ id: string }>(jobs, { templateId: "API2AAD" });
  const path = `${jobs}/${job!.id}/schema`;
  type Schema = {
    synchronizationRules: {
      objectMappings: {
        flowTypes: string;
        scope: unknown;
        attributeMappings: Record<string, unknown>[];
      }[];
    }[];
  };
  const put = async (edit: (schema: Schema) => void) => {
    const schema = await graph.get<Schema>(path);
    edit(schema);
    return (await failure(graph.put(path, schema)))?.message;
  };
  const user = (schema: Schema) => schema.synchronizationRules[0].objectMappings[0];
  // Fields of Microsoft's Node sample that the Graph docs do not have.
  expect(await put((s) => (user(s).attributeMappings[0].mappingType = "Direct"))).toMatch(
    /Property 'mappingType' does not exist on type 'microsoft.graph.attributeMapping'/,
  );
  expect(await put((s) => (user(s).attributeMappings[0].flowType = "Add"))).toMatch(
    /Invalid value 'Add' of attributeMapping employeeId.flowType; expected one of Always, ObjectAddOnly/,
  );
  expect(await put((s) => (user(s).flowTypes = "Add, Update, Remove"))).toMatch(
    /Invalid value 'Remove' of objectMapping .*\.flowTypes/,
  );
  const clause = (operatorName: string, sourceOperandName: string) => (s: Schema) =>
    (user(s).scope = {
      groups: [
        {
          name: "g",
          clauses: [{ operatorName, sourceOperandName, targetOperand: { values: [] } }],
        },
      ],
    });
  // The offline best guess is not what this job offers: only the looked-up name is accepted.
  expect(await put(clause("IS TRUE", "active"))).toMatch(
    /Unsupported operator 'IS TRUE' in scoping filter g/,
  );
  expect(await put(clause("IS_TRUE", "enterprise:department"))).toMatch(
    /Attribute 'enterprise:department' of scoping filter g is not an attribute of the source object/,
  );
  expect(await put(clause("IS_TRUE", "active"))).toBeUndefined();

  // The v1.0 metadata: a rule may carry containerFilter and groupFilter, a directory no metadata.
  const rule = (s: Schema) => s.synchronizationRules[0] as unknown as Record<string, unknown>;
  expect(
    await put((s) => {
      rule(s).containerFilter = { includedContainers: ["OU=HR,DC=contoso,DC=com"] };
      rule(s).groupFilter = { includedGroups: [] };
    }),
  ).toBeUndefined();
  expect(await put((s) => (rule(s).groupFilter = { groups: [] }))).toMatch(
    /Property 'groups' does not exist on type 'microsoft.graph.groupFilter'/,
  );
  expect(
    await put(
      (s) =>
        ((s as unknown as { directories: Record<string, unknown>[] }).directories[0].metadata = []),
    ),
  ).toMatch(/Property 'metadata' does not exist on type 'microsoft.graph.directoryDefinition'/);
});

it("parseExpression answers with Graph-keyed trees, and says when it cannot parse", async () => {
  await start();
  const [template] = emulator.state.directory.applicationTemplates;
  const sp = (await graph.post<{ servicePrincipal: { id: string } }>(
    `/applicationTemplates/${template.id}/instantiate`,
    { displayName: "x" },
  ))!.servicePrincipal.id;
  const job = await graph.post<{ id: string }>(`/servicePrincipals/${sp}/synchronization/jobs`, {
    templateId: "API2AAD",
  });
  const schema = `/servicePrincipals/${sp}/synchronization/jobs/${job!.id}/schema`;
  const parse = (expression: string) =>
    graph.post<Record<string, unknown>>(`${schema}/parseExpression`, { expression });
  type Tree = { name: string; parameters: { key: string; value: Tree }[] };
  const keys = (tree: Tree) => tree.parameters.map((p) => p.key);

  // Microsoft's parseExpression example, answered as it documents.
  const replace = await parse('Replace([preferredLanguage], "-", , , "_", , )');
  expect(replace).toEqual({
    error: null,
    evaluationResult: null,
    evaluationSucceeded: false,
    parsingSucceeded: true,
    parsedExpression: {
      expression: 'Replace([preferredLanguage], "-", , , "_", , )',
      name: "Replace",
      parameters: [
        {
          key: "source",
          value: {
            expression: "[preferredLanguage]",
            name: "preferredLanguage",
            parameters: [],
            type: "Attribute",
          },
        },
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
    },
  });
  expect(keys((await parse("Mid([userPrincipalName], 1, 8)"))!.parsedExpression as Tree)).toEqual([
    "source",
    "start",
    "length",
  ]);
  // No known key: the stand-in catalog's, which GET .../functions serves.
  const iif = (await parse('IIF(IsPresent([title]), [title], "Staff")'))!.parsedExpression as Tree;
  expect(keys(iif)).toEqual(["Condition", "ValueIfTrue", "ValueIfFalse"]);
  expect(keys(iif.parameters[0].value)).toEqual(["Expression"]);
  const catalog = await graph.get<{ value: { name: string; parameters: { name: string }[] }[] }>(
    `${schema}/functions`,
  );
  expect(catalog.value.find((f) => f.name === "IIF")!.parameters.map((p) => p.name)).toEqual(
    keys(iif),
  );

  expect(await parse("Nope([a])")).toMatchObject({
    parsingSucceeded: false,
    parsedExpression: null,
    error: { message: "Unknown function 'Nope'" },
  });
  expect((await parse("Join("))!.parsingSucceeded).toBe(false);
  expect(
    (await failure(graph.post(`${schema}/parseExpression`, { text: "[a]" })))!.message,
  ).toMatch(/Property 'text' does not exist on parseExpression/);
});

it("secrets PUT replaces the whole collection", async () => {
  await start();
  const [template] = emulator.state.directory.applicationTemplates;
  const sp = (await graph.post<{ servicePrincipal: { id: string } }>(
    `/applicationTemplates/${template.id}/instantiate`,
    { displayName: "x" },
  ))!.servicePrincipal.id;
  await graph.put(`/servicePrincipals/${sp}/synchronization/secrets`, {
    value: [
      { key: "A", value: "1" },
      { key: "B", value: "2" },
    ],
  });
  await graph.put(`/servicePrincipals/${sp}/synchronization/secrets`, {
    value: [{ key: "B", value: "3" }],
  });
  expect(emulator.state.provisioning.servicePrincipals.get(sp)!.secrets).toEqual([
    { key: "B", value: "3" },
  ]);
  // Credentials are stored as sent and read back masked, as Graph does.
  await graph.put(`/servicePrincipals/${sp}/synchronization/secrets`, {
    value: [
      { key: "SecretToken", value: "t0ken" },
      { key: "SyncAll", value: "True" },
    ],
  });
  expect(
    (await graph.get<{ value: unknown[] }>(`/servicePrincipals/${sp}/synchronization/secrets`))
      .value,
  ).toEqual([
    { key: "SecretToken", value: "*****" },
    { key: "SyncAll", value: "True" },
  ]);
  expect(emulator.state.provisioning.servicePrincipals.get(sp)!.secrets[0].value).toBe("t0ken");
});

it("bulkUpload: SCIM content type, at most 50 operations, throttled past the rate", async () => {
  await start({ bulkRate: { requests: 2, windowMs: 60_000 } });
  const post = (operations: number, contentType = "application/scim+json") =>
    fetch(`${emulator.url}/v1.0/servicePrincipals/sp/synchronization/jobs/j/bulkUpload`, {
      method: "POST",
      headers: { authorization: `Bearer ${emulator.token}`, "content-type": contentType },
      body: JSON.stringify({
        schemas: ["urn:ietf:params:scim:api:messages:2.0:BulkRequest"],
        Operations: Array.from({ length: operations }, (_, i) => ({
          method: "POST",
          bulkId: String(i),
          path: "/Users",
          data: {},
        })),
      }),
    });
  expect((await post(51)).status).toBe(413);
  expect((await post(50)).status).toBe(202);
  const throttled = await post(1);
  expect(throttled.status).toBe(429);
  expect(Number(throttled.headers.get("retry-after"))).toBeGreaterThan(0);
  expect(emulator.state.directory.bulkUploads).toHaveLength(1);
  await emulator.close();
  await start();
  expect((await post(1, "application/json")).status).toBe(415);
});

it("serves provisioning logs filtered by job, in pages", async () => {
  await start();
  emulator.state.directory.pageSize = 2;
  for (let i = 0; i < 5; i++) {
    emulator.state.directory.provisioningLogs.push({
      id: String(i),
      jobId: i < 4 ? "job-1" : "job-2",
      activityDateTime: `2026-11-2${i}T00:00:00Z`,
    });
  }
  const entries = await graph.getAllPages<{ id: string }>(
    "/auditLogs/provisioning?$filter=jobId eq 'job-1'",
  );
  expect(entries.map((e) => e.id)).toEqual(["0", "1", "2", "3"]);
});

it("injects random faults deterministically from a seed", async () => {
  /** Statuses of 20 calls on a fresh emulator with the same random faults; 0 = dropped. */
  const run = async () => {
    await start();
    emulator.faults.random({ rate429: 0.3, rate503: 0.2, rateReset: 0.1, seed: 7 });
    const statuses: number[] = [];
    for (let i = 0; i < 20; i++) {
      statuses.push(
        await fetch(`${emulator.url}/v1.0/applicationTemplates`, {
          headers: { authorization: `Bearer ${emulator.token}` },
        }).then(
          (r) => r.status,
          () => 0,
        ),
      );
    }
    return statuses;
  };
  const first = await run();
  expect(new Set(first)).toEqual(new Set([0, 200, 429, 503]));
  await emulator.close();
  expect(await run()).toEqual(first);
});
