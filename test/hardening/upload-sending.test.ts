/**
 * Sending, when the service or the process misbehaves: requests that can never succeed stop the
 * run, a stalled request times out, a call that was sent counts against the quota even when the
 * run died before its checkpoint, and a run started right after another one shares its rate
 * window.
 */
import { createGraphClient } from "../../lib/graph";
import { DEFAULT_TIMEOUT_MS } from "../../lib/upload/bulk";
import { executePlan, planUpload } from "../../lib/upload/engine";
import { MemoryStateStore, StateStore } from "../../lib/upload/state";
import {
  csvOf,
  csvSource,
  FakeClock,
  makeApp,
  recordingGraph,
  row,
  TEST_ENDPOINT,
} from "../upload/helpers";

const ids = (n: number) => Array.from({ length: n }, (_, i) => String(i + 1));
const RATE = { requestsPerWindow: 40, windowSeconds: 5 };

async function plan(csv: string, store: StateStore, clock: FakeClock, full = false) {
  const { plan } = await planUpload({
    app: makeApp(),
    csv: csvSource(csv),
    store,
    clock,
    options: { full },
  });
  return plan!;
}

/** The most starts within any `windowMs`. */
function busiest(times: number[], windowMs: number): number {
  const sorted = [...times].sort((a, b) => a - b);
  let most = 0;
  for (let i = 0, j = 0; i < sorted.length; i++) {
    while (sorted[i] - sorted[j] >= windowMs) j++;
    most = Math.max(most, i - j + 1);
  }
  return most;
}

describe("requests that can never succeed", () => {
  const badRequest = {
    status: 400,
    body: JSON.stringify({ error: { code: "BadRequest", message: "Invalid Data Format" } }),
  };

  it("stop the run after three in a row with the same 400, instead of one call per batch", async () => {
    const clock = new FakeClock();
    // The first is accepted: before that, two refusals stop the run (badDays.test.ts).
    const transport = recordingGraph(clock, (call) =>
      call === 1 ? { status: 202, body: "" } : badRequest,
    );
    const result = await executePlan(
      await plan(csvOf(ids(1000).map((id) => row(id))), new MemoryStateStore(), clock),
      // One request at a time, so that each answer is known before the next is sent.
      {
        ...transport,
        store: new MemoryStateStore(),
        rate: { ...RATE, requestsPerWindow: 1 },
        clock,
      },
    );
    expect(transport.received).toHaveLength(4);
    expect(result.stopped).toBe(
      "bulkUpload answered 400 to 3 requests in a row (BadRequest: Invalid Data Format); the rest would be refused the same way, so the run stops instead of spending the daily quota",
    );
    expect(result.notAttempted).toBe(800);
  });

  it("count only consecutive ones, and the count is configurable", async () => {
    const clock = new FakeClock();
    // Every third request is accepted, the first too: never three refusals in a row.
    const alternating = recordingGraph(clock, (call) =>
      call % 3 === 1 ? { status: 202, body: "" } : badRequest,
    );
    const store = new MemoryStateStore();
    const csv = csvOf(ids(600).map((id) => row(id)));
    const slow = { ...RATE, requestsPerWindow: 1 };
    const all = await executePlan(await plan(csv, store, clock), {
      ...alternating,
      store,
      rate: slow,
      clock,
    });
    expect(all.stopped).toBeUndefined();
    expect(alternating.received).toHaveLength(12);

    const notFound = recordingGraph(clock, (call) =>
      call === 1 ? { status: 202, body: "" } : { status: 404, body: "" },
    );
    const five = await executePlan(await plan(csv, new MemoryStateStore(), clock), {
      ...notFound,
      store: new MemoryStateStore(),
      rate: slow,
      retry: { stopAfterRepeatedErrors: 5 },
      clock,
    });
    expect(notFound.received).toHaveLength(6);
    expect(five.stopped).toMatch(/^bulkUpload answered 404 to 5 requests in a row/);
  });
});

describe("the client timeout", () => {
  it("is 100 s by default, and a request with no answer is abandoned, retried and reported", async () => {
    expect(DEFAULT_TIMEOUT_MS).toBe(100_000);
    const signals: AbortSignal[] = [];
    const stalled = ((_url: string, init: RequestInit) => {
      signals.push(init.signal!);
      return new Promise((_, reject) =>
        init.signal!.addEventListener("abort", () => reject(init.signal!.reason)),
      );
    }) as unknown as typeof fetch;
    const target = {
      graph: createGraphClient({ token: "t", random: () => 0.5, fetch: stalled }),
      endpoint: TEST_ENDPOINT,
    };
    const send = jest.spyOn(target.graph, "send");
    const clock = new FakeClock();
    const csv = csvOf(ids(3).map((id) => row(id)));
    const store = new MemoryStateStore();
    const result = await executePlan(await plan(csv, store, clock), {
      ...target,
      timeoutMs: 50,
      store,
      rate: RATE,
      clock,
    });
    // Each attempt is one send of the client, retried by the client's policy (6 retries).
    expect(signals).toHaveLength(7);
    expect(signals.every((s) => s.aborted)).toBe(true);
    expect(send.mock.calls.map((c) => c[3]?.timeoutMs)).toEqual(Array(7).fill(50));
    expect(result.failed).toEqual([
      {
        request: 1,
        error: `no response: Graph POST ${TEST_ENDPOINT.slice("https://graph.microsoft.com".length)} failed: no answer within 0.05 s, 1 attempt`,
        records: 3,
        lines: [2, 3, 4],
      },
    ]);

    // Without a timeout of its own, a run waits the SDKs' 100 s per attempt.
    const quick = recordingGraph(clock);
    const sendQuick = jest.spyOn(quick.graph, "send");
    await executePlan(await plan(csv, new MemoryStateStore(), clock), {
      ...quick,
      store: new MemoryStateStore(),
      rate: RATE,
      clock,
    });
    expect(sendQuick.mock.calls.map((c) => c[3]?.timeoutMs)).toEqual([100_000]);
  });
});

describe("the daily quota", () => {
  it("counts the calls of a run that died before their checkpoints", async () => {
    const clock = new FakeClock();
    const store = new MemoryStateStore();
    const csv = csvOf(ids(1000).map((id) => row(id)));
    const controller = new AbortController();
    // Graph takes every request; the process dies with most of them not yet checkpointed.
    const transport = recordingGraph(clock, (call) => {
      if (call === 5) controller.abort();
      return { status: 202, body: "" };
    });
    const killed = executePlan(await plan(csv, store, clock), {
      ...transport,
      store,
      rate: RATE,
      clock,
      signal: controller.signal,
    });
    await expect(killed).rejects.toThrow("upload aborted");
    const checkpoints = (await store.list("checkpoint/")).length;
    expect(checkpoints).toBeLessThan(transport.received.length);
    const next = await plan(csv, store, clock);
    expect(next.quota.used).toBe(transport.received.length);
    expect(next.quota.used).toBeGreaterThanOrEqual(5);
  });
});

describe("the rate window", () => {
  it("holds across two runs started half a second apart", async () => {
    const clock = new FakeClock();
    const store = new MemoryStateStore();
    const starts: number[] = [];
    const transport = recordingGraph(clock, () => {
      starts.push(clock.now());
      return { status: 202, body: "" };
    });
    // 40 requests each: the first run fills the window, the second must wait for it.
    const first = await plan(csvOf(ids(2000).map((id) => row(id))), store, clock);
    await executePlan(first, { ...transport, store, rate: RATE, clock });
    clock.time += 500;
    const changed = csvOf(ids(2000).map((id) => row(id, { JobTitle: "Architect" })));
    const second = await plan(changed, store, clock);
    await executePlan(second, { ...transport, store, rate: RATE, clock });
    expect(starts).toHaveLength(80);
    expect(busiest(starts, 5000)).toBe(40);
  });
});
