/**
 * The provisioning providers as Pulumi really runs them: serialized by Pulumi's closure
 * serializer, revived in a plain Node process (no jest, no TypeScript loader but the one the
 * providers register themselves), with the real Graph client, against the emulator. This proves
 * that nothing they need is lost in serialization and that they pin the spec's tenant; the
 * emulator tests in providers.test.ts cover the calls in detail.
 */
import { execFile } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { promisify } from "util";
import {
  provisioningJobProvider,
  provisioningJobStartProvider,
} from "../../components/graph/provisioningJob";
import { synchronizationSchemaProvider } from "../../components/graph/synchronizationSchema";
import { synchronizationSecretsProvider } from "../../components/graph/synchronizationSecrets";
import { createGraphClient } from "../../lib/graph";
import { schemaSpecOf } from "../../lib/provisioning/managed";
import { compileSecrets } from "../../lib/provisioning/secrets";
import { startGraphEmulator, type GraphEmulator } from "../../lib/emulator";
import { contosoSpec } from "./helpers";

const TENANT = "11111111-2222-3333-4444-555555555555";
const employees = contosoSpec().provisioning.employees;

let emulator: GraphEmulator;
let dir: string;
const files: Record<string, string> = {};

beforeAll(async () => {
  const { serializeFunction } = await import("@pulumi/pulumi/runtime");
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "inbound-providers-"));
  const providers = {
    job: provisioningJobProvider,
    secrets: synchronizationSecretsProvider,
    schema: synchronizationSchemaProvider,
    start: provisioningJobStartProvider,
  };
  for (const [name, provider] of Object.entries(providers)) {
    const { text } = await serializeFunction(() => provider);
    files[name] = path.join(dir, `${name}.js`);
    fs.writeFileSync(files[name], text);
  }
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
beforeEach(async () => {
  emulator = await startGraphEmulator({ replicationDelayGets: 1 });
});
afterEach(() => emulator.close());

/** Creates the job, secrets, schema and start in a child process, as the provider host would. */
async function deployInChild(servicePrincipalId: string, token: string) {
  const common = { servicePrincipalId, graphBaseUrl: emulator.url, tenantId: TENANT };
  const script = `
    const load = (file) => require(${JSON.stringify(require.resolve("require-from-string"))})(
      require("fs").readFileSync(file, "utf8")).handler();
    const files = ${JSON.stringify(files)};
    const common = ${JSON.stringify(common)};
    (async () => {
      const job = await load(files.job).create({ ...common, expectedTemplateId: "API2AAD" });
      const jobId = job.outs.jobId;
      await load(files.secrets).create({ ...common, credentials: ${JSON.stringify(compileSecrets(employees))} });
      const schemaInputs = { ...common, jobId, appKey: "employees", provisioning: ${JSON.stringify(schemaSpecOf(employees))} };
      const schema = load(files.schema);
      const created = await schema.create(schemaInputs);
      await load(files.start).create({ ...common, jobId });
      const read = await schema.read(created.id, created.outs);
      const diff = await schema.diff(created.id, read.props, schemaInputs);
      const moved = await schema.diff(created.id, read.props, { ...schemaInputs, tenantId: "other" });
      console.log(JSON.stringify({ jobId, drift: diff.changes, moved: [moved.changes, moved.replaces] }));
    })().catch((e) => { console.error(e.message); process.exit(1); });`;
  return promisify(execFile)(process.execPath, ["-e", script], {
    cwd: dir,
    env: { ...process.env, INBOUND_GRAPH_TOKEN: token },
  });
}

async function instantiate(): Promise<string> {
  const graph = createGraphClient({ baseUrl: emulator.url, token: emulator.token });
  const [template] = emulator.state.directory.applicationTemplates;
  const created = await graph.post<{ servicePrincipal: { id: string } }>(
    `/applicationTemplates/${template.id}/instantiate`,
    { displayName: employees.displayName },
  );
  return created!.servicePrincipal.id;
}

it("serialized providers deploy a running app in a plain Node process", async () => {
  const sp = await instantiate();
  const { stdout } = await deployInChild(sp, emulator.token);
  const result = JSON.parse(stdout) as { jobId: string; drift: boolean; moved: unknown[] };
  const entry = emulator.state.provisioning.servicePrincipals.get(sp)!.jobs.get(result.jobId)!;
  expect(entry.job.schedule.state).toBe("Active");
  expect(entry.job.status).toEqual({ code: "NotRun", quarantine: null });
  expect(result.drift).toBe(false);
  // Another tenant is a change to apply (the state follows), not a replacement.
  expect(result.moved).toEqual([true, []]);
}, 60_000);

it("a sign-in token for another tenant is refused before anything is sent", async () => {
  const sp = await instantiate();
  emulator.requests.length = 0;
  const claims = { tid: "72f988bf-86f1-41af-91ab-2d7cd011db47" };
  const token = `e30.${Buffer.from(JSON.stringify(claims)).toString("base64url")}.signature`;
  const failure = await deployInChild(sp, token).then(
    () => undefined,
    (error: { stderr: string }) => error.stderr,
  );
  expect(failure).toContain(
    `the Azure sign-in gives tokens for tenant 72f988bf-86f1-41af-91ab-2d7cd011db47, but the spec is for tenant ${TENANT}`,
  );
  expect(emulator.requests).toEqual([]);
}, 60_000);
