/**
 * The deployed uploader's runs (functions/src/adapter.ts) against the Graph emulator, as its
 * stack configures it: JSON files from the drop container, the HR API on the timer (a stand-in on
 * 127.0.0.1, whose partial read sends nothing), the previous run's records followed in the
 * provisioning logs, the safeguard's lifecycle checks with the spec's workflows and their one-shot
 * override, and a state that belongs to another tenant.
 */
import { createServer, IncomingMessage, Server, ServerResponse } from "http";
import { AddressInfo } from "net";
import {
  bufferDropFile,
  graphTarget,
  handleTrigger,
  LAST_RUN_KEY,
  OVERRIDE_KEY,
  type UploaderRuntime,
} from "../../functions/src/adapter";
import { GraphEmulator, startGraphEmulator } from "../../lib/emulator";
import { tenantSpec } from "../../lib/model/schema";
import { readRunHeader } from "../../lib/upload/runRecord";
import { MemoryStateStore } from "../../lib/upload/state";
import type { Clock } from "../../lib/upload/scheduler";
import { bulkIds, COLUMNS, csvOf, makeSpecInput, row, seedApiDrivenApp } from "../upload/helpers";

const TENANT = makeSpecInput().tenant.id;
const HR_TOKEN = "hr-secret-token-5d1e0b";
const JSON_COLUMNS = { ...COLUMNS, "name.givenName": "[name.first]" };

let emulator: GraphEmulator;
let job: { servicePrincipalId: string; jobId: string; endpoint: string };
beforeEach(async () => {
  emulator = await startGraphEmulator();
  job = await seedApiDrivenApp(emulator, "Contoso HR inbound - employees");
  setJob("Active");
});
afterEach(() => emulator.close());

function setJob(state: "Active" | "Paused"): void {
  const entry = emulator.state.provisioning.servicePrincipals
    .get(job.servicePrincipalId)!
    .jobs.get(job.jobId)!;
  entry.job.schedule.state = state;
  entry.job.status = { code: state, quarantine: null };
}

/** The wall clock, whose sleeps pass at once: the emulator stamps its logs with real time. */
function skippingClock(): Clock {
  let skipped = 0;
  return {
    now: () => Date.now() + skipped,
    sleep: async (ms) => void (skipped += ms),
  };
}

/** The spec as the stack's app settings carry it: the app and the workflows. */
function spec(uploader: Record<string, unknown> = {}, columns = COLUMNS) {
  const input = makeSpecInput(columns, { kind: "function", ...uploader });
  return tenantSpec.parse({
    ...input,
    lifecycleWorkflows: {
      move: {
        category: "mover",
        displayName: "Move",
        trigger: { attributeChanged: ["department"] },
        tasks: ["notifyManagerOfUserMove"],
      },
    },
  });
}

function runtime(parsed: ReturnType<typeof spec>, env: Record<string, string> = {}) {
  const logs: string[] = [];
  const settings = {
    appKey: "employees",
    app: parsed.provisioning.employees,
    workflows: parsed.lifecycleWorkflows,
    bulkUploadUrl: job.endpoint,
    graphBaseUrl: emulator.url,
    tenantId: TENANT,
    dropContainerUrl: "https://acct.blob.core.windows.net/drop",
    stateContainerUrl: "https://acct.blob.core.windows.net/state",
  };
  const state = new MemoryStateStore();
  const value: UploaderRuntime = {
    appKey: "employees",
    app: settings.app,
    tenantId: TENANT,
    workflows: settings.workflows,
    state,
    target: graphTarget(settings, { INBOUND_GRAPH_TOKEN: emulator.token }),
    env,
    log: {
      info: (m) => logs.push(`info ${m}`),
      warn: (m) => logs.push(`warn ${m}`),
      error: (m) => logs.push(`error ${m}`),
    },
    clock: skippingClock(),
  };
  return { runtime: value, logs, state };
}

const ids = (n: number) => Array.from({ length: n }, (_, i) => String(1001 + i));
const csvFile = (rows: string[]) => bufferDropFile("hr.csv", Buffer.from(csvOf(rows)), new Date());

function person(id: string, over: Record<string, unknown> = {}) {
  return {
    WorkerID: id,
    WorkerStatus: "Active",
    WorkerType: "Employee",
    UserID: `EMP${id}`,
    name: { first: `Ada${id}` },
    LastName: "Lovelace",
    FullName: `Ada${id} Lovelace`,
    JobTitle: "Engineer",
    Department: "IT",
    City: "Paris",
    ZipCode: "75001",
    OfficePhone: "555-0100",
    ManagerID: "",
    HireDate: "2020-01-02",
    OnLeave: "False",
    ...over,
  };
}

describe("a json source reads .json and .jsonl files from the drop container", () => {
  it("sends the records of a JSON array, then of JSON Lines only what changed", async () => {
    const h = runtime(spec({ source: "json", csv: {}, columns: JSON_COLUMNS }, JSON_COLUMNS));
    const people = ids(3).map((id) => person(id));
    const first = await handleTrigger(
      h.runtime,
      "blob",
      bufferDropFile("hr.json", Buffer.from(JSON.stringify(people)), new Date()),
    );
    expect(first).toMatchObject({ status: "ok", file: "hr.json", rows: 3, accepted: 3 });
    expect(bulkIds(emulator)).toEqual([["1001", "1002", "1003"]]);

    people[1] = person("1002", { name: { first: "Grace" } });
    const lines = people.map((p) => JSON.stringify(p)).join("\n") + "\n";
    const second = await handleTrigger(
      h.runtime,
      "timer",
      bufferDropFile("hr-2.jsonl", Buffer.from(lines), new Date()),
    );
    expect(second).toMatchObject({ status: "ok", file: "hr-2.jsonl", accepted: 1, unchanged: 2 });
    expect(bulkIds(emulator)).toEqual([["1001", "1002", "1003"], ["1002"]]);
    const record = await readRunHeader(h.state, second.runId!);
    expect(record?.command).toBe("function employees: timer trigger on hr-2.jsonl");
  });

  it("says which files it looked for when there is none", async () => {
    const h = runtime(spec({ source: "json", csv: {}, columns: JSON_COLUMNS }, JSON_COLUMNS));
    const report = await handleTrigger(h.runtime, "timer", undefined);
    expect(report).toMatchObject({
      status: "skipped",
      reason: "no .json or .jsonl file at the top of the drop container",
    });
  });
});

describe("a rest source reads the HR API on the timer", () => {
  type Handler = (res: ServerResponse, page: number) => void;
  let server: Server;
  let base: string;
  let handler: Handler;
  const seen: { page: number; authorization?: string }[] = [];
  const pages: Handler = (res, page) => {
    const people = ids(7).map((id) => person(id));
    res.setHeader("content-type", "application/json");
    res.end(
      JSON.stringify({
        employees: people.slice((page - 1) * 3, page * 3),
        next: page < 3 ? `/api/employees?page=${page + 1}` : null,
      }),
    );
  };
  beforeAll(async () => {
    server = createServer((req: IncomingMessage, res) => {
      const page = Number(new URL(req.url!, base).searchParams.get("page") ?? 1);
      seen.push({ page, authorization: req.headers.authorization });
      handler(res, page);
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
  beforeEach(() => {
    handler = pages;
    seen.length = 0;
  });

  const restSpec = () =>
    spec(
      {
        source: "rest",
        csv: {},
        columns: JSON_COLUMNS,
        rest: {
          url: `${base}/api/employees`,
          records: "/employees",
          paging: { next: "/next" },
          auth: { bearerEnv: "HR_TOKEN" },
        },
      },
      JSON_COLUMNS,
    );

  it("sends every page's records with the secret from the app settings, and nothing after a partial read", async () => {
    const h = runtime(restSpec(), { HR_TOKEN });
    const host = new URL(base).host;
    const first = await handleTrigger(h.runtime, "timer", undefined);
    expect(first).toMatchObject({ status: "ok", file: host, rows: 7, accepted: 7 });
    expect(seen.map((s) => s.page)).toEqual([1, 2, 3]);
    expect(seen.every((s) => s.authorization === `Bearer ${HR_TOKEN}`)).toBe(true);
    expect(bulkIds(emulator).flat()).toEqual(ids(7));
    expect((await readRunHeader(h.state, first.runId!))?.command).toBe(
      `function employees: timer trigger on the HR API at ${host}`,
    );

    // Page 2 fails: without its records, 3 of 7 people would look gone.
    handler = (res, page) =>
      page === 2 ? ((res.statusCode = 400), res.end("{}")) : pages(res, page);
    const partial = await handleTrigger(h.runtime, "timer", undefined);
    expect(partial.status).toBe("failed");
    expect(partial.reason).toMatch(
      new RegExp(
        `^${host.replace(/\./g, "\\.")}: page 2: answered 400; the HR read is incomplete, nothing was sent$`,
      ),
    );
    expect(bulkIds(emulator).flat()).toHaveLength(7);
    const everything = h.logs.join("\n") + (await h.state.list("")).join("\n");
    let stored = "";
    for (const key of await h.state.list("")) stored += (await h.state.get(key)) ?? "";
    expect(everything + stored).not.toContain(HR_TOKEN);
  });

  it("fails naming the app setting when the secret is not there", async () => {
    const h = runtime(restSpec());
    const report = await handleTrigger(h.runtime, "timer", undefined);
    expect(report.status).toBe("failed");
    expect(report.reason).toBe(
      `${new URL(base).host}: page 1: the environment variable HR_TOKEN (uploader.rest.auth) is not set; the HR read is incomplete, nothing was sent`,
    );
    expect(seen).toEqual([]);
  });
});

describe("each run follows the previous run's records in the provisioning logs", () => {
  it("reports them processed when the job ran them", async () => {
    const h = runtime(spec());
    const first = await handleTrigger(h.runtime, "blob", csvFile(ids(3).map((id) => row(id))));
    expect(first.accepted).toBe(3);
    expect(first.previous).toBeUndefined();
    const second = await handleTrigger(h.runtime, "timer", csvFile(ids(3).map((id) => row(id))));
    expect(second.previous).toEqual({
      runId: first.runId,
      total: 3,
      processed: 3,
      failed: 0,
      pending: 0,
    });
    expect(h.logs).toContain(
      `info previous run ${first.runId}: processed 3 of 3, failed 0, pending 0`,
    );
    expect(JSON.parse((await h.state.get(LAST_RUN_KEY))!).previous).toEqual(second.previous);
  });

  it("names the records that failed by Entra's error code only", async () => {
    // A job without a User mapping fails every record.
    const entry = emulator.state.provisioning.servicePrincipals
      .get(job.servicePrincipalId)!
      .jobs.get(job.jobId)!;
    (entry.schema as { synchronizationRules: unknown[] }).synchronizationRules = [];
    const h = runtime(spec());
    const first = await handleTrigger(h.runtime, "blob", csvFile(ids(2).map((id) => row(id))));
    const second = await handleTrigger(h.runtime, "timer", undefined);
    expect(second.previous).toEqual({
      runId: first.runId,
      total: 2,
      processed: 0,
      failed: 2,
      pending: 0,
    });
    expect(h.logs.filter((l) => l.includes(": failed: externalId"))).toEqual([
      `warn previous run ${first.runId}: failed: externalId 1001 (NoUserMapping); \`inbound report --run ${first.runId}\` shows why`,
      `warn previous run ${first.runId}: failed: externalId 1002 (NoUserMapping); \`inbound report --run ${first.runId}\` shows why`,
    ]);
  });

  it("names the job's state when it processed none of them", async () => {
    setJob("Paused");
    const h = runtime(spec());
    const first = await handleTrigger(h.runtime, "blob", csvFile(ids(3).map((id) => row(id))));
    const second = await handleTrigger(h.runtime, "timer", undefined);
    expect(second.status).toBe("skipped");
    expect(second.previous).toEqual({
      runId: first.runId,
      total: 3,
      processed: 0,
      failed: 0,
      pending: 3,
      job: { state: "Paused", code: "Paused" },
    });
    expect(h.logs).toContain(
      `error previous run ${first.runId}: accepted, nothing processed: the job's schedule is Paused, its status Paused; a paused or quarantined job, or an inactive provisioning agent (Active Directory), processes nothing`,
    );
  });
  it("says so when the identity may not read the job", async () => {
    setJob("Paused");
    const h = runtime(spec());
    const first = await handleTrigger(h.runtime, "blob", csvFile(ids(2).map((id) => row(id))));
    // Reading a job takes Synchronization.Read.All.
    emulator.faults.add({ path: /\/synchronization\/jobs\/[^/]+$/, status: 403, times: 100 });
    const second = await handleTrigger(h.runtime, "timer", undefined);
    expect(second.previous).toMatchObject({
      runId: first.runId,
      processed: 0,
      pending: 2,
      job: { error: expect.stringContaining("403") },
    });
    expect(h.logs).toContainEqual(
      expect.stringMatching(
        new RegExp(
          `^error previous run ${first.runId}: accepted, nothing processed; the job's state could not be read \\(.+\\): grant the uploader's identity Synchronization\\.Read\\.All`,
        ),
      ),
    );
  });
});

describe("the safeguard's lifecycle checks, and their one-shot override", () => {
  it("refuses moving half the people, is let past once by override.json, and records it", async () => {
    const h = runtime(spec());
    await handleTrigger(h.runtime, "blob", csvFile(ids(10).map((id) => row(id))));
    const moved = () =>
      csvFile(ids(10).map((id, i) => row(id, i < 5 ? { Department: "Sales" } : {})));
    const refused = await handleTrigger(h.runtime, "blob", moved());
    expect(refused.status).toBe("failed");
    expect(refused.refusals).toEqual([
      expect.stringMatching(
        /^safeguard: department changes for 5 of 10 known users \(50\.0%, maxChangePercent 20%\), more than allowed: workflow move \(attributeChanged\) reads it/,
      ),
    ]);
    expect(bulkIds(emulator)).toHaveLength(1);

    await h.state.put(OVERRIDE_KEY, JSON.stringify({ allowLeavers: true }));
    const wrongFlag = await handleTrigger(h.runtime, "blob", moved());
    expect(wrongFlag.status).toBe("failed");
    // Not the run it was written for: kept.
    expect(await h.state.get(OVERRIDE_KEY)).toBeDefined();

    await h.state.put(OVERRIDE_KEY, JSON.stringify({ allowChanges: true, reason: "reorg" }));
    const allowed = await handleTrigger(h.runtime, "blob", moved());
    expect(allowed).toMatchObject({ status: "ok", accepted: 5 });
    expect(allowed.overrides).toEqual([
      "--allow-changes: department changes for 5 of 10 known users (50.0%, maxChangePercent 20%)",
    ]);
    expect(h.logs).toContain(
      "warn override.json allows this run past the safeguard (--allow-changes): reorg",
    );
    const record = await readRunHeader(h.state, allowed.runId!);
    expect(record?.command).toBe(
      "function employees: blob trigger on hr.csv (override.json: --allow-changes)",
    );
    expect(record?.overrides).toEqual(allowed.overrides);
    expect(await h.state.get(OVERRIDE_KEY)).toBeUndefined();
  });

  it("refuses to run on an override document it cannot read", async () => {
    const h = runtime(spec());
    await h.state.put(OVERRIDE_KEY, JSON.stringify({ allowChanges: true, allowEverything: true }));
    const report = await handleTrigger(h.runtime, "blob", csvFile([row("1")]));
    expect(report.status).toBe("failed");
    expect(report.reason).toBe(
      'memory/override.json is not a safeguard override ((root): Unrecognized key: "allowEverything"); nothing was sent: correct or delete it (docs/uploader-azure.md)',
    );
    expect(bulkIds(emulator)).toEqual([]);
  });
});

describe("the state belongs to one tenant, app and job", () => {
  it("refuses a state recorded for another tenant, sending nothing", async () => {
    const h = runtime(spec());
    const other = "99999999-8888-7777-6666-555555555555";
    await h.state.put("owner.json", JSON.stringify({ tenantId: other, app: "employees" }));
    const report = await handleTrigger(h.runtime, "blob", csvFile([row("1")]));
    expect(report.status).toBe("failed");
    expect(report.reason).toBe(
      `the state at memory was recorded for tenant ${other}, app employees, but this run is for tenant ${TENANT}, app employees; nothing was sent: give this tenant and job a state of its own (--state <new directory>)`,
    );
    expect(bulkIds(emulator)).toEqual([]);
  });

  it("records the job on the first run that sends", async () => {
    const h = runtime(spec());
    await handleTrigger(h.runtime, "blob", csvFile([row("1")]));
    expect(JSON.parse((await h.state.get("owner.json"))!)).toEqual({
      tenantId: TENANT,
      app: "employees",
      job: job.endpoint,
    });
  });
});

describe("skipped rows are logged by kind, as the CLI prints them", () => {
  it("one line for seven rows that share a bad date", async () => {
    const h = runtime(spec());
    const rows = ids(9).map((id, i) => row(id, i < 7 ? { HireDate: "someday" } : {}));
    const report = await handleTrigger(h.runtime, "blob", csvFile(rows));
    expect(report).toMatchObject({ status: "partial", withheld: 7, accepted: 2 });
    const skipped = h.logs.filter((l) => l.includes("skipped"));
    expect(skipped).toEqual([
      expect.stringMatching(/^warn hr\.csv: 7 rows skipped: .+ \(lines 2, 3, 4, 5, 6, …\)$/),
    ]);
    expect(skipped[0]).not.toContain("someday");
  });
});
