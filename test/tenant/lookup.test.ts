/**
 * One road to the live app: the same tenants, looked at by every command that finds a
 * provisioning app (upload, logs, report, drift, export) and by the deployed uploader, against
 * the Graph emulator. Each case says which job they must all reach, or the message they must all
 * fail with. The tenants are the ones that made the commands disagree: a gallery "Contoso HR"
 * (Workday) app next to the API-driven one, the API-driven one on the second page, only the
 * gallery one, and two API-driven ones of the same name.
 */
import { mkdtempSync, readFileSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import * as path from "path";
import { randomUUID } from "crypto";
import { parse, stringify } from "yaml";
import { inbound } from "../cli/harness";
import { GraphEmulator, startGraphEmulator } from "../../lib/emulator";
import { loadSpec } from "../../lib/loader/load";
import { MemoryStateStore } from "../../lib/upload/state";
import { bulkUploadUrl, resolveProvisioningApp } from "../../lib/tenant";
import { createGraphClient } from "../../lib/graph";
import { syncPaths } from "../../lib/provisioning/graphApi";
import { bufferDropFile, graphTarget, handleTrigger } from "../../functions/src/adapter";
import { csvOf, makeSpecInput, row, seedApiDrivenApp, seedGalleryApp } from "../upload/helpers";

const NAME = "Contoso HR inbound - employees";
const TENANT = makeSpecInput().tenant.id;

interface Job {
  servicePrincipalId: string;
  jobId: string;
}

let emulator: GraphEmulator;
let dir: string;
beforeEach(async () => {
  emulator = await startGraphEmulator();
  dir = mkdtempSync(path.join(tmpdir(), "inbound-lookup-"));
  writeFileSync(path.join(dir, "tenant.yaml"), stringify(makeSpecInput()));
  writeFileSync(path.join(dir, "hr.csv"), csvOf([row("1"), row("2")]));
});
afterEach(() => emulator.close());

/** A gallery app of this name whose job comes from the Workday template, made as Graph makes it. */
const seedWorkdayApp = (displayName: string): Promise<Job> =>
  seedGalleryApp(emulator, displayName, "Workday", "Workday to Microsoft Entra user provisioning");

const seedApiApp = async (): Promise<Job> => {
  const { servicePrincipalId, jobId } = await seedApiDrivenApp(emulator, NAME);
  return { servicePrincipalId, jobId };
};

/** The tenant of a case: the jobs it holds, and which one the commands must reach (if any). */
interface Tenant {
  decoys: Job[];
  api: Job[];
}

interface Case {
  name: string;
  seed: () => Promise<Tenant>;
  /** The job every command reaches, or the message every command fails with. */
  expect: (tenant: Tenant) => { job: Job } | { message: string };
}

const list = (jobs: Job[]) =>
  jobs.map((j) => `service principal ${j.servicePrincipalId} job ${j.jobId} (API2AAD)`).join(", ");

const CASES: Case[] = [
  {
    name: "a gallery Workday app of the same name, listed first",
    seed: async () => ({ decoys: [await seedWorkdayApp(NAME)], api: [await seedApiApp()] }),
    expect: (t) => ({ job: t.api[0] }),
  },
  {
    name: "the API-driven app on the second page of service principals",
    seed: async () => {
      const decoys = [await seedWorkdayApp(NAME)];
      const api = [await seedApiApp()];
      emulator.state.directory.pageSize = 1;
      return { decoys, api };
    },
    expect: (t) => ({ job: t.api[0] }),
  },
  {
    name: "only the gallery app has the name",
    seed: async () => ({ decoys: [await seedWorkdayApp(NAME)], api: [] }),
    expect: (t) => ({
      message: `no service principal named "${NAME}" has a provisioning job from template API2AAD; found service principal ${t.decoys[0].servicePrincipalId} ("${NAME}"): job ${t.decoys[0].jobId} from template Workday`,
    }),
  },
  {
    name: "two API-driven apps of the same name",
    seed: async () => ({ decoys: [], api: [await seedApiApp(), await seedApiApp()] }),
    expect: (t) => ({
      message: `2 provisioning jobs from template API2AAD belong to service principals named "${NAME}": ${list(t.api)}; give the apps distinct display names`,
    }),
  },
];

const env = () => ({ INBOUND_GRAPH_TOKEN: emulator.token });

/**
 * One blob-triggered run of the deployed uploader (functions/src/adapter) on `csv`, with the app
 * settings its stack writes: the spec's app, the bulkUpload URL of `job`, the spec's tenant.
 */
function runFunction(job: Job, environment: NodeJS.ProcessEnv, csv: string) {
  const app = loadSpec(path.join(dir, "tenant.yaml")).spec!.provisioning.employees;
  const settings = {
    appKey: "employees",
    app,
    workflows: {},
    bulkUploadUrl: bulkUploadUrl(emulator.url, job.servicePrincipalId, job.jobId),
    graphBaseUrl: emulator.url,
    tenantId: TENANT,
    dropContainerUrl: "https://acct.blob.core.windows.net/drop",
    stateContainerUrl: "https://acct.blob.core.windows.net/state",
  };
  const log = () => undefined;
  return handleTrigger(
    {
      appKey: "employees",
      app,
      tenantId: TENANT,
      state: new MemoryStateStore(),
      target: graphTarget(settings, environment),
      log: { info: log, warn: log, error: log },
    },
    "blob",
    bufferDropFile("hr.csv", Buffer.from(csv), new Date()),
  );
}
const cli = (args: string[]) => inbound(args, { cwd: dir, env: env() });
const base = () => ["--spec", "tenant.yaml", "--app", "employees", "--graph-url", emulator.url];
const decoded = () => emulator.requests.map((r) => decodeURIComponent(r.path + r.query));

/** The job a run's Graph requests went to: by bulkUpload, log query or schema read. */
function jobsTouched(): Job[] {
  const found = new Map<string, Job>();
  for (const request of decoded()) {
    const byPath = /\/servicePrincipals\/([^/?]+)\/synchronization\/jobs\/([^/?]+)\//.exec(request);
    if (byPath) found.set(byPath[2], { servicePrincipalId: byPath[1], jobId: byPath[2] });
    const byLog = /auditLogs\/provisioning\?\$filter=jobId eq '([^']+)'/.exec(request);
    if (byLog) found.set(byLog[1], { servicePrincipalId: "(by job id)", jobId: byLog[1] });
  }
  return [...found.values()];
}

/** What a command did: the jobs it reached, and its message when it failed. */
interface Outcome {
  jobIds: string[];
  failure?: string;
}

const outcome = (result: { code: number; err: string }, failed: boolean): Outcome => ({
  jobIds: jobsTouched().map((j) => j.jobId),
  ...(failed ? { failure: result.err } : {}),
});

/** Every road to the app, run one after the other against the same tenant. */
const COMMANDS: Record<string, () => Promise<Outcome>> = {
  upload: async () => {
    const result = await cli(["upload", ...base(), "--csv", "hr.csv", "--state", "state"]);
    return outcome(result, result.code !== 0);
  },
  logs: async () => {
    const result = await cli(["logs", ...base()]);
    return outcome(result, result.code !== 0);
  },
  report: async () => {
    const result = await cli(["report", ...base(), "--state", "state"]);
    return outcome(result, result.code !== 0);
  },
  drift: async () => {
    const result = await cli([
      "drift",
      "--spec",
      "tenant.yaml",
      "--graph-url",
      emulator.url,
      "--json",
    ]);
    return outcome(result, result.code === 1);
  },
};

describe.each(CASES)("$name", (c) => {
  let tenant: Tenant;
  let expected: { job: Job } | { message: string };
  beforeEach(async () => {
    tenant = await c.seed();
    expected = c.expect(tenant);
  });

  test.each(Object.keys(COMMANDS))(
    "%s reaches the same job or fails the same way",
    async (name) => {
      const { jobIds, failure } = await COMMANDS[name]();
      if ("job" in expected) {
        expect(failure).toBeUndefined();
        expect(jobIds).toEqual([expected.job.jobId]);
        if (name === "upload") {
          expect(emulator.state.directory.bulkUploads.map((u) => u.path)).toEqual([
            syncPaths.bulkUpload(expected.job.servicePrincipalId, expected.job.jobId),
          ]);
        }
      } else if (name === "drift" && tenant.api.length === 0) {
        // Drift's answer to "no such app" is drift, not a failure: the app is reported missing.
        expect(failure).toBeUndefined();
        expect(jobIds).toEqual([]);
        const result = await cli(["drift", "--spec", "tenant.yaml", "--graph-url", emulator.url]);
        expect(result.code).toBe(4);
        expect(result.out).toContain(NAME);
      } else {
        expect(failure).toContain(expected.message);
        expect(jobIds).toEqual([]);
        expect(emulator.state.directory.bulkUploads).toEqual([]);
      }
    },
  );

  test("export writes the API-driven apps only, never the gallery one", async () => {
    const out = path.join(dir, "exported.yaml");
    const result = await cli([
      "export",
      "--tenant",
      TENANT,
      "--graph-url",
      emulator.url,
      "--out",
      out,
    ]);
    expect(result.code).toBe(0);
    expect(
      jobsTouched()
        .map((j) => j.jobId)
        .sort(),
    ).toEqual(tenant.api.map((j) => j.jobId).sort());
    // The seeded apps have no notification settings: the spec is written with that gap marked.
    const exported = parse(readFileSync(out, "utf8")) as {
      provisioning?: Record<string, { displayName: string }>;
    };
    expect(Object.values(exported.provisioning ?? {}).map((a) => a.displayName)).toEqual(
      tenant.api.map(() => NAME),
    );
    for (const decoy of tenant.decoys) {
      emulator.requests.length = 0;
      const asked = await cli([
        ...["export", "--tenant", TENANT, "--graph-url", emulator.url],
        ...["--app", decoy.servicePrincipalId, "--out", path.join(dir, "decoy.yaml")],
      ]);
      expect(asked.code).toBe(1);
      expect(asked.err).toContain(
        `service principal ${decoy.servicePrincipalId} ("${NAME}") is not an API-driven provisioning app: its synchronization jobs come from Workday, not from API2AAD or API2AD`,
      );
      expect(jobsTouched()).toEqual([]);
    }
  });

  test("the deployed uploader sends to the job its stack's bulkUpload URL names, the one the commands reach", async () => {
    if (!("job" in expected)) {
      // The Function never looks an app up (its identity holds only the upload and log-read
      // roles): the stack that deployed it created its app, so its URL names one job.
      expect(tenant.api.length === 0 || tenant.api.length > 1).toBe(true);
      return;
    }
    const { job } = expected;
    const report = await runFunction(job, env(), csvOf([row("1"), row("2")]));
    expect([report.status, report.accepted]).toEqual(["ok", 2]);
    expect(jobsTouched()).toEqual([job]);
    // The same job `inbound upload` reaches in this tenant.
    const upload = await COMMANDS.upload();
    expect(upload.failure).toBeUndefined();
    expect(upload.jobIds).toEqual([job.jobId]);
  });
});

test("the deployed uploader's session is pinned to the spec's tenant: a token for another is refused before a record is sent", async () => {
  const job = await seedApiApp();
  const claims = { tid: "72f988bf-86f1-41af-91ab-2d7cd011db47" };
  const token = `e30.${Buffer.from(JSON.stringify(claims)).toString("base64url")}.x`;
  const report = await runFunction(job, { INBOUND_GRAPH_TOKEN: token }, csvOf([row("1")]));
  expect(report.status).toBe("failed");
  expect(report.reason).toContain(
    `the Azure sign-in gives tokens for tenant 72f988bf-86f1-41af-91ab-2d7cd011db47, but the spec is for tenant ${TENANT}`,
  );
  expect(emulator.requests).toEqual([]);
});

test("an app is found by appId or service principal id through the same road, API-driven jobs only", async () => {
  const decoy = await seedWorkdayApp(NAME);
  const api = await seedApiApp();
  const client = createGraphClient({ baseUrl: emulator.url, token: emulator.token });
  const appId = String(
    emulator.state.directory.servicePrincipals.get(api.servicePrincipalId)?.appId,
  );
  expect(await resolveProvisioningApp(client, { appId })).toEqual({
    ...api,
    displayName: NAME,
    templateId: "API2AAD",
  });
  expect(
    await resolveProvisioningApp(client, { servicePrincipalId: api.servicePrincipalId }),
  ).toEqual({ ...api, displayName: NAME, templateId: "API2AAD" });
  await expect(
    resolveProvisioningApp(client, { servicePrincipalId: decoy.servicePrincipalId }),
  ).rejects.toThrow(
    `service principal ${decoy.servicePrincipalId} has no provisioning job from template API2AAD or API2AD; found service principal ${decoy.servicePrincipalId} ("${NAME}"): job ${decoy.jobId} from template Workday`,
  );
  const missing = randomUUID();
  await expect(resolveProvisioningApp(client, { servicePrincipalId: missing })).rejects.toThrow(
    `service principal ${missing} does not exist`,
  );
});
