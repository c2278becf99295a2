/**
 * The Functions adapter with the real engine, an in-memory state store, the Graph client over an
 * in-process bulkUpload service and a fake clock: what a blob-triggered or timer run sends, records and reports.
 */
import {
  bufferDropFile,
  handleTrigger,
  LAST_RUN_KEY,
  readSettings,
  UploaderRuntime,
} from "../../functions/src/adapter";
import { readRunEntries, readRunHeader, RUN_ID } from "../../lib/upload/runRecord";
import { graphFor } from "../upload/helpers";
import { loadState, MemoryStateStore } from "../../lib/upload/state";
import { app, BULK_UPLOAD_URL, functionApp, TENANT_ID } from "./fixtures";

const NOW = Date.parse("2025-03-01T02:00:00Z");

const simpleApp = () =>
  app({
    kind: "function",
    csv: { columns: { externalId: "[WorkerID]", userName: "[UserID]", active: "[Active]" } },
  });

const CSV = "WorkerID,UserID,Active\r\n1001,ann@contoso.com,True\r\n1002,bob@contoso.com,True\r\n";

function harness(options: { lockHeld?: boolean } = {}) {
  let now = NOW;
  const bodies: string[] = [];
  const logs: string[] = [];
  const events: string[] = [];
  const state = new MemoryStateStore();
  state.lock = async () => {
    events.push("lock");
    if (options.lockHeld) return { heldBy: "another run (a lease on memory/lock)" };
    return { lock: { release: async () => void events.push("release") } };
  };
  const runtime: UploaderRuntime = {
    appKey: "employees",
    app: simpleApp(),
    tenantId: TENANT_ID,
    state,
    target: graphFor(async (body, { url }) => {
      // The previous run's records, followed at the start of each run: no log entry yet.
      if (url.includes("/auditLogs/provisioning")) return { status: 200, body: '{"value":[]}' };
      if (!url.endsWith("/bulkUpload")) {
        return { status: 200, body: '{"schedule":{"state":"Active"},"status":{"code":"Active"}}' };
      }
      bodies.push(body);
      return { status: 202 };
    }),
    log: {
      info: (m) => logs.push(`info ${m}`),
      warn: (m) => logs.push(`warn ${m}`),
      error: (m) => logs.push(`error ${m}`),
    },
    clock: { now: () => now, sleep: async (ms) => void (now += ms) },
  };
  return { runtime, bodies, logs, events, state };
}

const source = (csv = CSV, modified = new Date(NOW - 60_000)) =>
  bufferDropFile("hr-2025-03-01.csv", Buffer.from(csv), modified);

describe("handleTrigger", () => {
  test("a first run sends every record in one request, records the state and the report, and releases the lock", async () => {
    const h = harness();
    const report = await handleTrigger(h.runtime, "blob", source());
    expect(report).toEqual({
      trigger: "blob",
      file: "hr-2025-03-01.csv",
      status: "ok",
      rows: 2,
      toSend: 2,
      accepted: 2,
      unchanged: 0,
      withheld: 0,
      failedRequests: 0,
      notAttempted: 0,
      calls: 1,
      refusals: [],
      startedAt: "2025-03-01T02:00:00.000Z",
      finishedAt: expect.any(String),
      runId: expect.stringMatching(RUN_ID),
    });
    // The run record `inbound report --run` reads, naming what triggered the run.
    const record = await readRunHeader(h.state, report.runId!);
    expect(record).toMatchObject({
      command: "function employees: blob trigger on hr-2025-03-01.csv",
      csv: "hr-2025-03-01.csv",
      status: "ok",
    });
    expect(await readRunEntries(h.state, record!)).toEqual([
      { externalId: "1001", outcome: "sent", line: 2 },
      { externalId: "1002", outcome: "sent", line: 3 },
    ]);
    expect(h.bodies).toHaveLength(1);
    const body = JSON.parse(h.bodies[0]);
    expect(
      body.Operations.map((o: { data: { externalId: string; active: boolean } }) => [
        o.data.externalId,
        o.data.active,
      ]),
    ).toEqual([
      ["1001", true],
      ["1002", true],
    ]);
    expect(h.events).toEqual(["lock", "release"]);
    expect(JSON.parse((await h.state.get(LAST_RUN_KEY))!)).toEqual(report);
    const { table } = await loadState(h.state, NOW);
    expect(Array.from({ length: table.size }, (_, i) => table.id(i)).sort()).toEqual([
      "1001",
      "1002",
    ]);
    expect(await h.state.list("checkpoint/")).toEqual([]);
    // The second line is what the accepted-not-processed alert reads (acceptedNotProcessedQuery).
    expect(h.logs).toEqual([
      "info employees: blob run on hr-2025-03-01.csv: ok",
      "info inbound: bulkUpload accepted 2 record(s) for job API2AAD.abc.def",
    ]);
  });

  test("the same file again sends nothing: the delta state is in the store", async () => {
    const h = harness();
    await handleTrigger(h.runtime, "blob", source());
    const report = await handleTrigger(h.runtime, "timer", source());
    expect(h.bodies).toHaveLength(1);
    expect(report).toMatchObject({
      trigger: "timer",
      status: "ok",
      toSend: 0,
      unchanged: 2,
      calls: 0,
      reason: "nothing to send: 2 unchanged",
    });
    expect(h.logs.at(-1)).toBe(
      "info employees: timer run on hr-2025-03-01.csv: ok: nothing to send: 2 unchanged",
    );
  });

  test("the safeguard refuses a file that disables everyone, sends nothing and reports failed", async () => {
    const h = harness();
    await handleTrigger(h.runtime, "blob", source());
    const leavers =
      "WorkerID,UserID,Active\n1001,ann@contoso.com,False\n1002,bob@contoso.com,False\n";
    const report = await handleTrigger(h.runtime, "blob", source(leavers));
    expect(h.bodies).toHaveLength(1);
    expect(report.status).toBe("failed");
    expect(report.refusals).toEqual([
      "safeguard: the run would disable 2 of 2 known users (100.0%, more than maxDisablePercent 10%); check the HR file, or pass --allow-deletes if this is intended",
    ]);
    expect(report.reason).toBe(`refused, nothing sent: ${report.refusals[0]}`);
    expect(h.logs.slice(-2)).toEqual([
      'error to let one run past the safeguard, put override.json in the state container, e.g. {"allowLeavers": true, "reason": "..."} (docs/uploader-azure.md)',
      `error employees: blob run on hr-2025-03-01.csv: failed: ${report.reason}`,
    ]);
    expect(h.events).toEqual(["lock", "release", "lock", "release"]);
  });

  test("a file that lacks a mapped column fails with the mapping named; the lock is released", async () => {
    const h = harness();
    const report = await handleTrigger(h.runtime, "timer", source("WorkerID,Mail\n1,a@b.c\n"));
    expect(report.status).toBe("failed");
    expect(report.reason).toMatch(
      /^the column mapping does not fit the file: csv\.columns\["userName"\]: /,
    );
    expect(report.reason).toContain("[UserID]");
    expect(h.bodies).toEqual([]);
    expect(h.events).toEqual(["lock", "release"]);
  });

  test("skips without reading when another run holds the lock", async () => {
    const h = harness({ lockHeld: true });
    const report = await handleTrigger(h.runtime, "timer", source());
    expect(report).toMatchObject({
      status: "skipped",
      reason: "another run holds the lock; the next scheduled run picks the file up",
    });
    expect(h.bodies).toEqual([]);
    expect(await h.state.list("")).toEqual([]);
  });

  test("damaged state fails the run, naming the blob and the way out, and sends nothing", async () => {
    const h = harness();
    await h.state.put("calls.json", '{"version":2,"calls":[');
    const report = await handleTrigger(h.runtime, "timer", source());
    expect(report.status).toBe("failed");
    expect(report.reason).toMatch(
      /^state document memory\/calls\.json is not valid JSON \(.+\); restore the state container's blobs from a copy, or delete them \(every record is then sent again\)$/,
    );
    expect(h.bodies).toEqual([]);
    expect(h.events).toEqual(["lock", "release"]);
  });

  test("skips when there is no file, without taking the lock", async () => {
    const h = harness();
    const report = await handleTrigger(h.runtime, "timer", undefined);
    expect(report).toMatchObject({
      status: "skipped",
      reason: "no .csv file at the top of the drop container",
    });
    expect(h.events).toEqual([]);
    expect(h.logs).toEqual([
      "info employees: timer run on (no file): skipped: no .csv file at the top of the drop container",
    ]);
  });

  test("warns about a file older than 48 hours and still processes it", async () => {
    const h = harness();
    const report = await handleTrigger(
      h.runtime,
      "timer",
      source(CSV, new Date("2025-02-26T00:00:00Z")),
    );
    expect(report.status).toBe("ok");
    expect(h.logs[0]).toBe(
      "warn hr-2025-03-01.csv was last modified 2025-02-26T00:00:00.000Z, more than 48 h ago; is the HR export still running?",
    );
  });
});

describe("readSettings", () => {
  const WORKFLOWS = {
    move: {
      category: "mover",
      displayName: "Move",
      enabled: true,
      purgeOnDelete: false,
      schedulingEnabled: true,
      trigger: { attributeChanged: ["department"] },
      tasks: ["notifyManagerOfUserMove"],
    },
  };
  const env = () => ({
    INBOUND_APP_KEY: "employees",
    INBOUND_SPEC_JSON: JSON.stringify(functionApp()),
    INBOUND_BULK_UPLOAD_URL: BULK_UPLOAD_URL,
    INBOUND_GRAPH_BASE_URL: "https://graph.microsoft.com",
    INBOUND_TENANT_ID: "0b8e7d3c-5f0a-4d6e-9c2b-1a2b3c4d5e6f",
    INBOUND_DROP_CONTAINER_URL: "https://acct.blob.core.windows.net/drop",
    INBOUND_STATE_CONTAINER_URL: "https://acct.blob.core.windows.net/state",
    INBOUND_WORKFLOWS_JSON: JSON.stringify(WORKFLOWS),
  });

  test("reads what the component writes", () => {
    expect(readSettings(env())).toEqual({
      appKey: "employees",
      app: functionApp(),
      workflows: WORKFLOWS,
      bulkUploadUrl: BULK_UPLOAD_URL,
      graphBaseUrl: "https://graph.microsoft.com",
      tenantId: "0b8e7d3c-5f0a-4d6e-9c2b-1a2b3c4d5e6f",
      dropContainerUrl: "https://acct.blob.core.windows.net/drop",
      stateContainerUrl: "https://acct.blob.core.windows.net/state",
    });
  });

  test.each([
    [
      "a missing setting",
      { INBOUND_BULK_UPLOAD_URL: "" },
      "app setting INBOUND_BULK_UPLOAD_URL is missing; redeploy the stack: components/uploader/function.ts sets it",
    ],
    [
      "spec JSON that does not parse",
      { INBOUND_SPEC_JSON: "{" },
      /^app setting INBOUND_SPEC_JSON is not JSON \(.+\); redeploy the stack: components\/uploader\/function\.ts sets it$/,
    ],
    [
      "a spec that the schema rejects",
      { INBOUND_SPEC_JSON: JSON.stringify({ ...functionApp(), notificationEmail: "nobody" }) },
      "app setting INBOUND_SPEC_JSON is not a valid provisioning app (notificationEmail: must be an email address like alerts@contoso.com); redeploy the stack: components/uploader/function.ts sets it",
    ],
    [
      "a spec of another uploader kind",
      {
        INBOUND_SPEC_JSON: JSON.stringify(
          app({ kind: "logicApp", csv: { columns: { externalId: "[W]" } } }),
        ),
      },
      'app setting INBOUND_SPEC_JSON has uploader.kind "logicApp", not "function"; redeploy the stack: components/uploader/function.ts sets it',
    ],
    [
      "workflows the schema rejects",
      { INBOUND_WORKFLOWS_JSON: JSON.stringify({ move: { category: "sideways" } }) },
      /^app setting INBOUND_WORKFLOWS_JSON is not the spec's lifecycleWorkflows \(move\.category: .+\); redeploy the stack: components\/uploader\/function\.ts sets it$/,
    ],
    [
      "no workflows setting (a stack deployed before it was written)",
      { INBOUND_WORKFLOWS_JSON: "" },
      "app setting INBOUND_WORKFLOWS_JSON is missing; redeploy the stack: components/uploader/function.ts sets it",
    ],
  ])("rejects %s", (_title, patch, message) => {
    expect(() => readSettings({ ...env(), ...patch })).toThrow(message);
  });
});
