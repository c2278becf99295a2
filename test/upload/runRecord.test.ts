/**
 * The run record runUpload leaves in the state: per record what the run did with it (sent,
 * unchanged, withheld, failed, not sent) and its CSV line, with the run's id, timings and command
 * line; what `inbound report --run` joins with Entra's provisioning logs.
 */
import { runUpload } from "../../lib/upload/run";
import {
  listRuns,
  readRunEntries,
  readRunHeader,
  RECORDS_PER_DOCUMENT,
  RUN_ID,
  RUNS_KEPT,
  RunRecordEntry,
} from "../../lib/upload/runRecord";
import { MemoryStateStore, StateDamaged } from "../../lib/upload/state";
import { csvOf, csvSource, FakeClock, makeApp, recordingGraph, row } from "./helpers";

const ids = (from: number, to: number) =>
  Array.from({ length: to - from + 1 }, (_, i) => String(from + i));

/** The CSV of the main scenario: 120 records, one id on two lines, one row that does not convert. */
const scenario = () =>
  csvOf([
    ...ids(1, 120).map((id) => row(id)),
    row("7", { FirstName: "Eve" }),
    row("121", { OnLeave: "maybe" }),
  ]);

async function upload(store: MemoryStateStore, clock: FakeClock, csv: string, failSecond = false) {
  const target = recordingGraph(clock, (call: number) =>
    failSecond && call === 2
      ? { status: 400, body: '{"detail":"bad request"}', requestId: "req-2" }
      : { status: 202 },
  );
  return runUpload({
    app: makeApp(),
    csv: csvSource(csv),
    csvName: "hr.csv",
    store,
    recovery: "",
    command: "inbound upload --spec tenant.yaml --app employees --csv hr.csv",
    connect: async () => target,
    clock,
    random: () => 0.5,
  });
}

const byOutcome = (entries: RunRecordEntry[]) => {
  const out: Record<string, number> = {};
  for (const e of entries) out[e.outcome] = (out[e.outcome] ?? 0) + 1;
  return out;
};

describe("the run record", () => {
  it("says per record what the run did, with its line, and what was withheld and why", async () => {
    const store = new MemoryStateStore();
    const clock = new FakeClock();
    const run = await upload(store, clock, scenario(), true);
    expect(run.status).toBe("partial");
    expect(run.runId).toMatch(RUN_ID);
    expect(await listRuns(store)).toEqual([run.runId]);

    const record = (await readRunHeader(store, run.runId!))!;
    expect(record).toMatchObject({
      version: 1,
      runId: run.runId,
      command: "inbound upload --spec tenant.yaml --app employees --csv hr.csv",
      csv: "hr.csv",
      startedAt: new Date(1_700_000_000_000).toISOString(),
      status: "partial",
      summary: { rows: 122, toSend: 119, accepted: 69, failedRecords: 50, skipped: 3 },
      recordDocuments: 1,
    });
    expect(record.failedRequests).toEqual([
      {
        request: 2,
        status: 400,
        error: expect.stringContaining("bad request"),
        requestId: "req-2",
        lines: ids(53, 102).map(Number),
      },
    ]);
    // No HR value: the duplicate's first name and the bad OnLeave value are not in the record.
    expect(record.withheld).toEqual([
      {
        line: 8,
        externalId: "7",
        reason: "externalId on lines 8, 122: every copy withheld",
      },
      {
        line: 122,
        externalId: "7",
        reason: "externalId on lines 8, 122: every copy withheld",
      },
      { line: 123, externalId: "121", reason: expect.stringMatching(/^ext:OnLeave: /) },
    ]);
    expect(JSON.stringify(record)).not.toContain("maybe");

    const entries = await readRunEntries(store, record);
    expect(byOutcome(entries)).toEqual({
      sent: 69,
      failed: 50,
      duplicate: 1,
      invalid: 1,
    });
    expect(entries.find((e) => e.externalId === "7")).toEqual({
      externalId: "7",
      outcome: "duplicate",
      line: 8,
    });
    expect(entries.find((e) => e.externalId === "60")).toEqual({
      externalId: "60",
      outcome: "failed",
      line: 61,
    });
    expect(entries.find((e) => e.externalId === "121")).toEqual({
      externalId: "121",
      outcome: "invalid",
      line: 123,
    });
  });

  it("records unchanged records on the next run, and keeps the last RUNS_KEPT runs", async () => {
    const store = new MemoryStateStore();
    const clock = new FakeClock();
    const csv = csvOf(ids(1, 3).map((id) => row(id)));
    const first = await upload(store, clock, csv);
    clock.time += 60_000;
    const second = await upload(store, clock, csv);
    expect(second.runId).not.toBe(first.runId);
    const record = (await readRunHeader(store, second.runId!))!;
    expect(await readRunEntries(store, record)).toEqual([
      { externalId: "1", outcome: "unchanged", line: 2 },
      { externalId: "2", outcome: "unchanged", line: 3 },
      { externalId: "3", outcome: "unchanged", line: 4 },
    ]);
    for (let i = 0; i < RUNS_KEPT; i++) {
      clock.time += 60_000;
      await upload(store, clock, csv);
    }
    const runs = await listRuns(store);
    expect(runs).toHaveLength(RUNS_KEPT);
    expect(runs).not.toContain(first.runId);
    expect(runs).not.toContain(second.runId);
    expect([...store.documents.keys()].filter((k) => k.includes(first.runId!))).toEqual([]);
  });

  it("splits a large run's records into documents of RECORDS_PER_DOCUMENT", async () => {
    const store = new MemoryStateStore();
    const clock = new FakeClock();
    const header = "WorkerID,UserID,WorkerStatus";
    const lines = ids(1, RECORDS_PER_DOCUMENT + 5).map((id) => `${id},u${id},Active`);
    const app = makeApp({
      externalId: "[WorkerID]",
      userName: "[UserID]",
      active: 'IIF([WorkerStatus]="Active", "True", "False")',
    });
    const target = recordingGraph(clock);
    const run = await runUpload({
      app: {
        ...app,
        uploader: { ...app.uploader!, rate: { ...app.uploader!.rate, dailyQuota: 6000 } },
      },
      csv: csvSource([header, ...lines].join("\n") + "\n"),
      csvName: "big.csv",
      store,
      recovery: "",
      connect: async () => target,
      clock,
    });
    expect(run.status).toBe("ok");
    const record = (await readRunHeader(store, run.runId!))!;
    expect(record.recordDocuments).toBe(2);
    expect(record.command).toBe("inbound upload");
    const entries = await readRunEntries(store, record);
    expect(entries).toHaveLength(RECORDS_PER_DOCUMENT + 5);
    expect(entries[RECORDS_PER_DOCUMENT]).toEqual({
      externalId: String(RECORDS_PER_DOCUMENT + 1),
      outcome: "sent",
      line: RECORDS_PER_DOCUMENT + 2,
    });
  });

  it("writes no record for a dry run", async () => {
    const store = new MemoryStateStore();
    const clock = new FakeClock();
    const run = await runUpload({
      app: makeApp(),
      csv: csvSource(csvOf([row("1")])),
      csvName: "hr.csv",
      store,
      recovery: "",
      dryRun: true,
      connect: async () => recordingGraph(clock),
      clock,
    });
    expect(run.runId).toBeUndefined();
    expect(await listRuns(store)).toEqual([]);
  });

  it("records a refused run's planned records as not sent", async () => {
    const store = new MemoryStateStore();
    const clock = new FakeClock();
    const app = makeApp();
    const run = await runUpload({
      app: {
        ...app,
        uploader: { ...app.uploader!, rate: { ...app.uploader!.rate, dailyQuota: 0 } },
      },
      csv: csvSource(csvOf([row("1"), row("2")])),
      csvName: "hr.csv",
      store,
      recovery: "",
      connect: async () => recordingGraph(clock),
      clock,
    });
    expect(run.status).toBe("failed");
    const record = (await readRunHeader(store, run.runId!))!;
    expect(record.error).toMatch(/^refused, nothing sent: daily quota: /);
    expect(byOutcome(await readRunEntries(store, record))).toEqual({ notSent: 2 });
  });

  it("names the document and line of a damaged record", async () => {
    const store = new MemoryStateStore();
    const clock = new FakeClock();
    const run = await upload(store, clock, csvOf([row("1"), row("2")]));
    const key = `runs/${run.runId}/records-0001.jsonl`;
    await store.put(key, '["1","sent",2]\n["2","sideways",3]\n');
    const record = (await readRunHeader(store, run.runId!))!;
    await expect(readRunEntries(store, record)).rejects.toThrow(
      new StateDamaged(
        `memory/${key}:2`,
        "is not a run entry (expected [externalId, outcome, line])",
      ),
    );
    await store.put(`runs/${run.runId}/run.json`, "{");
    await expect(readRunHeader(store, run.runId!)).rejects.toThrow(
      /^state document memory\/runs\/.*\/run\.json is not valid JSON/,
    );
    expect(await readRunHeader(store, "../calls")).toBeUndefined();
  });
});
