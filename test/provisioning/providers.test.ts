/**
 * The provisioning dynamic providers' methods, called directly (under mocks Pulumi never calls
 * them) against the emulator's synchronization routes, with lib/graph's real client and retry
 * policy (only its sleep is instant). This proves the providers send the documented calls and
 * survive throttling and replication delay; it does not prove the real service behaves as
 * documented.
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
import { schemaSpecOf } from "../../lib/provisioning/managed";
import { compileSecrets } from "../../lib/provisioning/secrets";
import { addServicePrincipal } from "../graph-emulator/routes/provisioning";
import { attr, contosoSpec } from "./helpers";
import { startProvisioningServer, TOKEN, type ProvisioningServer } from "./server";

jest.mock("../../lib/graph", () => {
  const actual = jest.requireActual("../../lib/graph");
  return {
    ...actual,
    graphClientFromInputs: (inputs: { graphBaseUrl: string; graphVersion?: "v1.0" | "beta" }) =>
      actual.createGraphClient({
        baseUrl: inputs.graphBaseUrl,
        version: inputs.graphVersion,
        token: require("./server").TOKEN,
        sleep: async () => {},
        random: () => 0,
      }),
  };
});

const spec = contosoSpec();
const employees = spec.provisioning.employees;
const SP = "sp-employees";

let server: ProvisioningServer;
beforeEach(async () => {
  server = await startProvisioningServer();
});
afterEach(() => server.close());

async function createJob(): Promise<ProvisioningJobOutputs> {
  const created = await jobs.create({
    servicePrincipalId: SP,
    expectedTemplateId: "API2AAD",
    graphBaseUrl: server.url,
  });
  return created.outs as ProvisioningJobOutputs;
}

function schemaInputs(jobId: string) {
  return {
    servicePrincipalId: SP,
    jobId,
    appKey: "employees",
    provisioning: schemaSpecOf(employees),
    graphBaseUrl: server.url,
  };
}

const liveMapping = (jobId: string) =>
  server.state.servicePrincipals.get(SP)!.jobs.get(jobId)!.schema as {
    synchronizationRules: {
      objectMappings: { attributeMappings: { targetAttributeName: string; source: unknown }[] }[];
    }[];
  };

test("token check: the emulator refuses a request without the bearer token", async () => {
  const response = await fetch(`${server.url}/v1.0/servicePrincipals/x/synchronization/templates`);
  expect(response.status).toBe(401);
  expect(TOKEN).toBe("provisioning-test-token");
});

test("job: discovers the template, survives 404s right after instantiate, deletes", async () => {
  addServicePrincipal(server.state, SP, { notReplicatedFor: 2 });
  const job = await createJob();
  expect(job.templateId).toBe("API2AAD");
  expect(job.jobId).toMatch(/^API2AAD\.[0-9a-f]{32}\.[0-9a-f-]{36}$/);
  expect(server.requests.map((r) => `${r.method} ${r.path} ${r.status}`)).toEqual([
    `GET /servicePrincipals/${SP}/synchronization/templates 404`,
    `GET /servicePrincipals/${SP}/synchronization/templates 404`,
    `GET /servicePrincipals/${SP}/synchronization/templates 200`,
    `POST /servicePrincipals/${SP}/synchronization/jobs 201`,
  ]);
  expect(server.requests[3].body).toEqual({ templateId: "API2AAD" });

  const read = await jobs.read(job.jobId, job);
  expect(read).toEqual({ id: job.jobId, props: job });
  await jobs.delete(job.jobId, job);
  expect(await jobs.read(job.jobId, job)).toEqual({});
  // Deleting what is already gone is not an error.
  await jobs.delete(job.jobId, job);
});

test("job: a pinned template id is used without discovery; several templates need a choice", async () => {
  addServicePrincipal(server.state, SP, { templateIds: ["Other", "API2AD"] });
  const pinned = await jobs.create({
    servicePrincipalId: SP,
    synchronizationTemplateId: "API2AD",
    expectedTemplateId: "API2AD",
    graphBaseUrl: server.url,
  });
  expect(pinned.outs.templateId).toBe("API2AD");
  expect(server.requests.map((r) => r.method + " " + r.path.split("/").pop())).toEqual([
    "POST jobs",
  ]);
  // The first template is marked default by the emulator, so discovery takes it.
  const discovered = await jobs.create({
    servicePrincipalId: SP,
    expectedTemplateId: "API2AD",
    graphBaseUrl: server.url,
  });
  expect(discovered.outs.templateId).toBe("Other");
});

test("schema: create, no drift, out-of-band edit detected per mapping, update restores", async () => {
  addServicePrincipal(server.state, SP);
  const { jobId } = await createJob();
  const inputs = schemaInputs(jobId);
  const created = await schemas.create(inputs);
  expect(created.id).toBe(`${SP}/${jobId}/schema`);
  const outs = created.outs as SynchronizationSchemaOutputs;
  // The tenant's own operator spellings, not the offline guess.
  expect(outs.operatorNames).toEqual({ equals: "EQUALS", isTrue: "IS_TRUE" });
  const put = server.requests.find((r) => r.method === "PUT")!;
  expect(put.path).toBe(`/servicePrincipals/${SP}/synchronization/jobs/${jobId}/schema`);
  const sent = liveMapping(jobId).synchronizationRules[0].objectMappings[0].attributeMappings;
  expect(sent.map((m) => m.targetAttributeName)).toEqual(Object.keys(employees.mappings));

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

  // Delete resets the schema to the template's.
  await schemas.delete(created.id, outs);
  const reset = liveMapping(jobId).synchronizationRules[0].objectMappings[0].attributeMappings;
  expect(reset.map((m) => m.targetAttributeName)).toEqual(["employeeId", "accountEnabled"]);
});

test("schema: a spec change is reported per mapping before anything is sent", async () => {
  addServicePrincipal(server.state, SP);
  const { jobId } = await createJob();
  const created = await schemas.create(schemaInputs(jobId));
  const changed = schemaInputs(jobId);
  changed.provisioning = {
    ...changed.provisioning,
    actions: ["create", "update", "delete"],
    mappings: { ...changed.provisioning.mappings, jobTitle: "[title]" },
  };
  const before = server.requests.length;
  const diff = await schemas.diff(created.id, created.outs, changed);
  expect(diff.detailedDiff).toEqual({
    "provisioning.mappings.jobTitle": { kind: "ADD", inputDiff: true },
    "provisioning.actions": { kind: "UPDATE", inputDiff: true },
  });
  expect(server.requests.length).toBe(before);
  // A new job means a new schema resource.
  expect(
    (await schemas.diff(created.id, created.outs, { ...changed, jobId: "other" })).replaces,
  ).toEqual(["servicePrincipalId", "jobId"]);
});

test("schema: survives a 429 storm on GET and a 503 on PUT", async () => {
  addServicePrincipal(server.state, SP);
  const { jobId } = await createJob();
  server.faults.push(
    { method: "GET", pathEndsWith: "/schema", status: 429, times: 4, retryAfter: "0" },
    { method: "PUT", pathEndsWith: "/schema", status: 503, times: 1 },
  );
  await schemas.create(schemaInputs(jobId));
  const schemaCalls = server.requests
    .filter((r) => r.path.endsWith("/schema"))
    .map((r) => `${r.method} ${r.status}`);
  expect(schemaCalls).toEqual([
    "GET 429",
    "GET 429",
    "GET 429",
    "GET 429",
    "GET 200",
    "PUT 503",
    "PUT 204",
  ]);
});

test("secrets: merged into what is there, own keys replaced and removed, others kept", async () => {
  const sp = addServicePrincipal(server.state, SP);
  sp.secrets = [{ key: "SyncAgentCompatibilityKey", value: "portal" }];
  const credentials = compileSecrets(employees);
  const inputs = { servicePrincipalId: SP, credentials, graphBaseUrl: server.url };
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

test("start: starts once, a paused job is seen and restarted, delete pauses", async () => {
  const sp = addServicePrincipal(server.state, SP);
  const { jobId } = await createJob();
  await secrets.create({
    servicePrincipalId: SP,
    credentials: compileSecrets(employees),
    graphBaseUrl: server.url,
  });
  const inputs = { servicePrincipalId: SP, jobId, graphBaseUrl: server.url };
  const created = await starts.create(inputs);
  expect(sp.jobs.get(jobId)!.job.status).toEqual({ code: "NotRun", quarantine: null });
  const fresh = await starts.read(created.id, created.outs);
  expect((await starts.diff(created.id, fresh.props, inputs)).changes).toBe(false);
  // Starting a running job again is what Microsoft warns against: update skips it.
  await starts.update(created.id, fresh.props, inputs);
  expect(server.requests.filter((r) => r.path.endsWith("/start"))).toHaveLength(1);

  sp.jobs.get(jobId)!.job.schedule.state = "Paused";
  const paused = await starts.read(created.id, created.outs);
  expect(paused.props.state).toBe("Paused");
  expect((await starts.diff(created.id, paused.props, inputs)).changes).toBe(true);
  await starts.update(created.id, paused.props, inputs);
  expect(sp.jobs.get(jobId)!.job.schedule.state).toBe("Active");

  await starts.delete(created.id, created.outs);
  expect(sp.jobs.get(jobId)!.job.schedule.state).toBe("Paused");
});
