import { readFileSync } from "fs";
import { executePlan, outcome, planUpload, PlanOptions } from "../../lib/upload/engine";
import { MemoryStateStore, StateStore } from "../../lib/upload/state";
import {
  csvOf,
  csvSource,
  externalIds,
  FakeClock,
  graphFor,
  makeApp,
  recordingGraph,
  row,
  SAMPLE_1000,
} from "./helpers";

const RATE = { requestsPerWindow: 40, windowSeconds: 5 };

async function run(
  csv: string,
  store: StateStore,
  clock: FakeClock,
  options: PlanOptions = {},
  transport = recordingGraph(clock),
  app = makeApp(),
) {
  const { plan, problems } = await planUpload({ app, csv: csvSource(csv), store, options, clock });
  expect(problems).toEqual([]);
  if (plan!.refusals.length > 0) return { plan: plan!, transport, result: undefined };
  const result = await executePlan(plan!, {
    ...transport,
    store,
    rate: RATE,
    clock,
    random: () => 0.5,
  });
  return { plan: plan!, transport, result };
}

const ids = (n: number, from = 1) => Array.from({ length: n }, (_, i) => String(from + i));

describe("Microsoft's 1000-record sample", () => {
  it("withholds every copy of the 265 duplicated WorkerIDs, with their line numbers, and sends the 359 others", async () => {
    const clock = new FakeClock();
    const store = new MemoryStateStore();
    const { plan, transport, result } = await run(readFileSync(SAMPLE_1000, "utf8"), store, clock);
    // Independent count: the sample has no quoted fields, so the first comma ends the id.
    const lines = readFileSync(SAMPLE_1000, "utf8").split("\n").slice(1);
    const byId = new Map<string, number[]>();
    lines.forEach((l, i) =>
      byId.set(l.split(",")[0], [...(byId.get(l.split(",")[0]) ?? []), i + 2]),
    );
    const expected = [...byId]
      .filter(([, l]) => l.length > 1)
      .map(([externalId, l]) => ({ externalId, lines: l }));
    expect(byId.size).toBe(624);
    expect(plan.rows).toBe(1000);
    expect(plan.duplicates).toHaveLength(265);
    expect(plan.duplicates).toEqual(expected);
    expect(plan.duplicates.find((d) => d.externalId === "1222")).toEqual({
      externalId: "1222",
      lines: [2, 499, 709, 786],
    });
    expect(plan.rowErrors).toEqual([]);
    expect(plan.toSend).toBe(359);
    const sent = externalIds(transport.received);
    expect(sent).toHaveLength(359);
    expect(new Set(sent).size).toBe(359);
    expect(sent.filter((id) => byId.get(id)!.length > 1)).toEqual([]);
    // Managers first (the sample's ManagerID column): a record whose manager is sent too goes
    // in a later request, so the requests split at each level of managers.
    const requestOf = new Map<string, number>();
    transport.received.forEach((r, i) =>
      r.body.Operations.forEach((o) => requestOf.set(o.data.externalId as string, i)),
    );
    const managerOf = new Map(lines.map((l) => [l.split(",")[0], l.split(",")[8]]));
    let reports = 0;
    for (const [id, request] of requestOf) {
      const manager = requestOf.get(managerOf.get(id)!);
      if (manager === undefined || managerOf.get(id) === id) continue;
      reports++;
      expect(manager).toBeLessThan(request);
    }
    expect(reports).toBeGreaterThan(100);
    expect(transport.received).toHaveLength(plan.requests);
    expect(transport.received.every((r) => r.body.Operations.length <= 50)).toBe(true);
    expect(result!.accepted).toBe(359);
    expect(outcome(plan, result)).toBe("partial");
  });
});

describe("bulk requests", () => {
  it("holds at most 50 POST /Users operations with unique bulkIds, the SCIM schemas and failOnErrors null", async () => {
    const clock = new FakeClock();
    const { transport } = await run(
      csvOf(ids(120).map((id) => row(id))),
      new MemoryStateStore(),
      clock,
    );
    expect(transport.received.map((r) => r.body.Operations.length)).toEqual([50, 50, 20]);
    const ops = transport.received.flatMap((r) => r.body.Operations);
    expect(new Set(ops.map((o) => o.bulkId)).size).toBe(120);
    expect(ops[0]).toMatchObject({ method: "POST", path: "/Users", bulkId: "2" });
    for (const r of transport.received) {
      expect(r.body.schemas).toEqual(["urn:ietf:params:scim:api:messages:2.0:BulkRequest"]);
      expect(r.body.failOnErrors).toBeNull();
    }
  });
});

describe("delta", () => {
  it("sends nothing on a re-run, one record when one row changed, everything with full", async () => {
    const clock = new FakeClock();
    const store = new MemoryStateStore();
    const rows = ids(30).map((id) => row(id));
    const first = await run(csvOf(rows), store, clock);
    expect(externalIds(first.transport.received)).toHaveLength(30);
    expect(outcome(first.plan, first.result)).toBe("ok");

    const second = await run(csvOf(rows), store, clock);
    expect(second.plan.unchanged).toBe(30);
    expect(second.transport.received).toEqual([]);

    const changed = [...rows];
    changed[6] = row("7", { JobTitle: "Architect" });
    const third = await run(csvOf(changed), store, clock);
    expect(externalIds(third.transport.received)).toEqual(["7"]);
    expect(third.plan.unchanged).toBe(29);

    const full = await run(csvOf(changed), store, clock, { full: true });
    expect(externalIds(full.transport.received)).toHaveLength(30);
  });

  it("sends only the --only record, even unchanged, and refuses an unknown one", async () => {
    const clock = new FakeClock();
    const store = new MemoryStateStore();
    const rows = ids(5).map((id) => row(id));
    await run(csvOf(rows), store, clock);
    const only = await run(csvOf(rows), store, clock, { only: "3" });
    expect(externalIds(only.transport.received)).toEqual(["3"]);
    const missing = await run(csvOf(rows), store, clock, { only: "99" });
    expect(missing.plan.refusals).toEqual(["externalId 99 is not in the file"]);
    expect(missing.transport.received).toEqual([]);
  });
});

describe("kill and resume", () => {
  it("resends nothing that was accepted and loses nothing", async () => {
    const clock = new FakeClock();
    const memory = new MemoryStateStore();
    const csv = csvOf(ids(500).map((id) => row(id)));
    const controller = new AbortController();
    // The process dies right after the third checkpoint reaches the disk.
    let checkpoints = 0;
    const store: StateStore = Object.assign(Object.create(memory), {
      put: async (key: string, text: string) => {
        await memory.put(key, text);
        if (key.startsWith("checkpoint/") && ++checkpoints === 3) controller.abort();
      },
    });
    const server: string[] = [];
    // The service takes delivery when it answers; a request still on the wire at the kill is lost.
    const service = async (text: string) => {
      await clock.sleep(100);
      if (controller.signal.aborted) throw new Error("killed");
      server.push(
        ...JSON.parse(text).Operations.map(
          (o: { data: { externalId: string } }) => o.data.externalId,
        ),
      );
      return { status: 202, body: "" };
    };
    const { plan } = await planUpload({ app: makeApp(), csv: csvSource(csv), store, clock });
    await expect(
      executePlan(plan!, {
        ...graphFor(service),
        store,
        rate: RATE,
        clock,
        signal: controller.signal,
      }),
    ).rejects.toThrow("upload aborted; run again to resume from the last checkpoint");
    expect(server).toHaveLength(150);
    expect(await memory.list("checkpoint/")).toHaveLength(3);

    // A --full resume still skips what the interrupted run had delivered.
    const resumed = await run(
      csv,
      memory,
      clock,
      { full: true },
      recordingGraph(clock, (_, body) => {
        server.push(...body.Operations.map((o) => String(o.data.externalId)));
        return { status: 202, body: "" };
      }),
    );
    expect(resumed.plan.alreadyAccepted).toBe(150);
    expect(server).toHaveLength(500);
    expect(new Set(server).size).toBe(500);
    expect(await memory.list("checkpoint/")).toEqual([]);
    const again = await run(csv, memory, clock);
    expect(again.plan.unchanged).toBe(500);
  });

  it("keeps a 400-rejected request's records unsent and reports the Graph error and request id", async () => {
    const clock = new FakeClock();
    const store = new MemoryStateStore();
    const csv = csvOf(ids(120).map((id) => row(id)));
    const transport = recordingGraph(clock, (call) =>
      call === 2
        ? {
            status: 400,
            requestId: "req-2",
            body: JSON.stringify({ error: { code: "BadRequest", message: "Invalid Data Format" } }),
          }
        : { status: 202, body: "" },
    );
    const { plan, result } = await run(csv, store, clock, {}, transport);
    expect(result!.failed).toEqual([
      {
        request: 2,
        status: 400,
        error: "BadRequest: Invalid Data Format",
        requestId: "req-2",
        records: 50,
        lines: ids(50, 52).map(Number),
      },
    ]);
    expect(result!.accepted).toBe(70);
    expect(result!.retries).toBe(0);
    expect(outcome(plan, result)).toBe("partial");
    const next = await run(csv, store, clock);
    expect(externalIds(next.transport.received)).toEqual(ids(50, 51));
  });

  it("stops on 401 without trying the rest, exit failed", async () => {
    const clock = new FakeClock();
    const transport = recordingGraph(clock, () => ({
      status: 401,
      body: '{"error":{"code":"InvalidAuthenticationToken","message":"Access token has expired"}}',
    }));
    const { plan, result } = await run(
      csvOf(ids(200).map((id) => row(id))),
      new MemoryStateStore(),
      clock,
      {},
      transport,
    );
    expect(result!.stopped).toBe(
      "bulkUpload answered 401: InvalidAuthenticationToken: Access token has expired; check the token and the SynchronizationData-User.Upload permission",
    );
    expect(result!.accepted).toBe(0);
    expect(outcome(plan, result)).toBe("failed");
  });
});

describe("nothing sent twice", () => {
  it("counts an accepted request whose body breaks off as accepted, and does not send it again", async () => {
    const clock = new FakeClock();
    const store = new MemoryStateStore();
    const transport = recordingGraph(clock, () => ({ status: 202, body: "{broken" }));
    const { result } = await run(csvOf(ids(30).map((id) => row(id))), store, clock, {}, transport);
    expect(transport.received).toHaveLength(1);
    expect(result).toMatchObject({ accepted: 30, calls: 1, retries: 0, failed: [] });
    const next = await run(csvOf(ids(30).map((id) => row(id))), store, clock);
    expect(next.transport.received).toEqual([]);
  });
});

describe("safeguard", () => {
  async function seeded(n: number) {
    const clock = new FakeClock();
    const store = new MemoryStateStore();
    await run(csvOf(ids(n).map((id) => row(id))), store, clock);
    return { clock, store };
  }

  it("refuses a run that disables more than maxDisablePercent of known users, unless allowDeletes", async () => {
    const { clock, store } = await seeded(20);
    const rows = ids(20).map((id) => row(id, Number(id) <= 3 ? { WorkerStatus: "Inactive" } : {}));
    const refused = await run(csvOf(rows), store, clock);
    expect(refused.plan.refusals).toEqual([
      "safeguard: the run would disable 3 of 20 known users (15.0%, more than maxDisablePercent 10%); check the HR file, or pass --allow-deletes if this is intended",
    ]);
    expect(refused.transport.received).toEqual([]);
    expect(outcome(refused.plan)).toBe("failed");
    const allowed = await run(csvOf(rows), store, clock, { allowDeletes: true });
    expect(externalIds(allowed.transport.received)).toEqual(["1", "2", "3"]);
  });

  it("allows disabling up to the limit", async () => {
    const { clock, store } = await seeded(20);
    const rows = ids(20).map((id) => row(id, Number(id) <= 2 ? { WorkerStatus: "Inactive" } : {}));
    const ok = await run(csvOf(rows), store, clock);
    expect(ok.plan.refusals).toEqual([]);
    expect(ok.plan.disables).toBe(2);
  });

  it("refuses a truncated file and forgets the lost records once allowed", async () => {
    const { clock, store } = await seeded(20);
    const truncated = csvOf(ids(15).map((id) => row(id)));
    const refused = await run(truncated, store, clock);
    expect(refused.plan.refusals).toEqual([
      "safeguard: 5 of 20 known users are missing from the file (25.0%, more than maxDisablePercent 10%); is the file truncated? Pass --allow-deletes if this is intended",
    ]);
    await run(truncated, store, clock, { allowDeletes: true });
    const after = await run(truncated, store, clock);
    expect(after.plan.known).toBe(15);
    expect(after.plan.refusals).toEqual([]);
  });
});

describe("daily quota", () => {
  it("refuses before sending anything a run that cannot fit", async () => {
    const clock = new FakeClock();
    const store = new MemoryStateStore();
    const app = makeApp(undefined, { rate: { dailyQuota: 3 } });
    await run(csvOf(ids(100).map((id) => row(id))), store, clock, {}, recordingGraph(clock), app);
    const transport = recordingGraph(clock);
    const { plan } = await run(
      csvOf(ids(200).map((id) => row(id))),
      store,
      clock,
      { full: true },
      transport,
      app,
    );
    expect(plan.refusals).toEqual([
      "daily quota: the run needs 4 bulkUpload calls but only 1 of 3 remain (2 made by this uploader in the last 24 h); wait, raise rate.dailyQuota if the tenant has ID Governance (6,000), or send part with --only",
    ]);
    expect(transport.received).toEqual([]);
    clock.time += 24 * 60 * 60 * 1000;
    const later = await run(csvOf(ids(150).map((id) => row(id))), store, clock, {}, transport, app);
    expect(later.plan.quota).toEqual({ daily: 3, used: 0, remaining: 3 });
    expect(later.result!.accepted).toBe(50);
  });
});

describe("rate", () => {
  it("never starts more than 40 requests in any 5 s window and keeps many in flight", async () => {
    const clock = new FakeClock();
    let inFlight = 0;
    let maxInFlight = 0;
    const starts: number[] = [];
    const transport = graphFor(async () => {
      starts.push(clock.now());
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      await clock.sleep(1500);
      inFlight--;
      return { status: 202 };
    });
    const app = makeApp(undefined, { rate: { dailyQuota: 6000 } });
    const { plan } = await planUpload({
      app,
      csv: csvSource(csvOf(ids(6000).map((id) => row(id)))),
      store: new MemoryStateStore(),
      clock,
    });
    const result = await executePlan(plan!, {
      ...transport,
      store: new MemoryStateStore(),
      rate: RATE,
      clock,
    });
    expect(result.calls).toBe(120);
    expect(starts).toHaveLength(120);
    for (let i = 40; i < starts.length; i++)
      expect(starts[i] - starts[i - 40]).toBeGreaterThanOrEqual(5000);
    expect(maxInFlight).toBe(40);
  });

  it("honours Retry-After on 429 by pausing every start, then retries", async () => {
    const clock = new FakeClock();
    const starts: number[] = [];
    let throttledAt = 0;
    const transport = recordingGraph(clock, (call) => {
      starts.push(clock.now());
      if (call === 3) {
        throttledAt = clock.now();
        return { status: 429, retryAfter: "7", body: "" };
      }
      return { status: 202, body: "" };
    });
    const app = makeApp(undefined, { rate: { dailyQuota: 6000 } });
    const csv = csvOf(ids(3000).map((id) => row(id)));
    const { result } = await run(csv, new MemoryStateStore(), clock, {}, transport, app);
    expect(result!.retries).toBe(1);
    expect(result!.calls).toBe(61);
    expect(result!.accepted).toBe(3000);
    // Nothing starts during the 7 s pause, although the 5 s window would have allowed it.
    const after = starts.filter((t) => t > throttledAt);
    expect(after.length).toBeGreaterThan(20);
    expect(Math.min(...after)).toBe(throttledAt + 7000);
    expect(starts.filter((t) => t <= throttledAt).length + after.length).toBe(61);
  });

  it("retries 503 and connection resets with capped backoff, then gives up", async () => {
    const clock = new FakeClock();
    const transport = recordingGraph(clock, (call) =>
      call === 1
        ? { status: 503, body: "" }
        : call === 2
          ? Object.assign(new Error("read ECONNRESET"), { code: "ECONNRESET" })
          : { status: 202, body: "" },
    );
    const { result } = await run(
      csvOf(ids(10).map((id) => row(id))),
      new MemoryStateStore(),
      clock,
      {},
      transport,
    );
    expect(result!.retries).toBe(2);
    expect(result!.accepted).toBe(10);

    const always = recordingGraph(clock, () => ({ status: 503, body: "Service Unavailable" }));
    const t0 = clock.now();
    const failing = await run(
      csvOf(ids(10).map((id) => row(id))),
      new MemoryStateStore(),
      clock,
      {},
      always,
    );
    // The Graph client's policy: six retries, as for every other Graph call.
    expect(always.received).toHaveLength(7);
    expect(failing.result!.failed).toEqual([
      {
        request: 1,
        status: 503,
        error: "Service Unavailable",
        requestId: undefined,
        records: 10,
        lines: ids(10, 2).map(Number),
      },
    ]);
    // random 0.5 -> 75% of 1, 2, 4, 8, 16, 32 s
    expect(clock.now() - t0).toBe(750 + 1500 + 3000 + 6000 + 12000 + 24000);
  });
});
