/**
 * bulkUpload through the project's one Graph client against the shared Graph emulator's route:
 * the headers it requires, a 429 storm with Retry-After and a 503 ridden out, a request that
 * keeps failing reported with Graph's error and the request id, and the proof that an upload's
 * 429 is waited out by the same retry policy, of the same client, as a deploy's.
 */
import { createGraphClient, GraphClient } from "../../lib/graph";
import { runUpload } from "../../lib/upload/run";
import { executePlan, planUpload } from "../../lib/upload/engine";
import { MemoryStateStore } from "../../lib/upload/state";
import { GraphEmulator, startGraphEmulator } from "../../lib/emulator";
import { csvOf, csvSource, FakeClock, makeApp, row } from "./helpers";

const JOB_PATH = "/v1.0/servicePrincipals/sp-1/synchronization/jobs/API2AAD.abc.def/bulkUpload";

let emulator: GraphEmulator;
beforeEach(async () => {
  emulator = await startGraphEmulator();
});
afterEach(() => emulator.close());

const ids = (n: number) => Array.from({ length: n }, (_, i) => String(i + 1));

async function upload(
  n: number,
  token = emulator.token,
  graph?: GraphClient,
  clock = new FakeClock(),
) {
  const store = new MemoryStateStore();
  const { plan } = await planUpload({
    app: makeApp(),
    csv: csvSource(csvOf(ids(n).map((id) => row(id)))),
    store,
    clock,
  });
  return executePlan(plan!, {
    graph: graph ?? createGraphClient({ baseUrl: emulator.url, token, random: () => 0 }),
    endpoint: `${emulator.url}${JOB_PATH}`,
    store,
    rate: { requestsPerWindow: 40, windowSeconds: 5 },
    clock,
  });
}

const delivered = () =>
  emulator.state.directory.bulkUploads.flatMap((u) =>
    (u.body as { Operations: { data: { externalId: string } }[] }).Operations.map(
      (o) => o.data.externalId,
    ),
  );

it("posts application/scim+json with the bearer token and survives a 429 storm and a 503", async () => {
  emulator.faults.add({ path: /\/bulkUpload$/, status: 429, times: 4, retryAfterSeconds: 1 });
  emulator.faults.add({ path: /\/bulkUpload$/, status: 503, times: 1 });
  const result = await upload(200);
  const posts = emulator.requests.filter((r) => r.path.endsWith("/bulkUpload"));
  expect(posts.map((r) => r.headers["content-type"])).toEqual(
    Array(9).fill("application/scim+json"),
  );
  expect(posts[0].headers.authorization).toBe(`Bearer ${emulator.token}`);
  // Sent by the Graph client's chain, not by a fetch of the uploader's own.
  expect(posts.every((r) => r.headers["user-agent"] === "inbound")).toBe(true);
  expect(posts.map((r) => r.status).sort()).toEqual([202, 202, 202, 202, 429, 429, 429, 429, 503]);
  expect(result.accepted).toBe(200);
  expect(result.failed).toEqual([]);
  expect(result.calls).toBe(9);
  expect(result.retries).toBe(5);
  expect(delivered().sort()).toEqual(ids(200).sort());
});

it("reports a request that keeps failing with Graph's error and the request id", async () => {
  emulator.faults.add({ path: /\/bulkUpload$/, status: 503, times: 7 });
  const result = await upload(40);
  expect(result.accepted).toBe(0);
  // The first attempt and the client policy's six retries.
  expect(result.calls).toBe(7);
  expect(result.failed.map(({ lines: _lines, requestId: _id, ...f }) => f)).toEqual([
    { request: 1, status: 503, error: "ServiceUnavailable: injected fault", records: 40 },
  ]);
  expect(result.failed[0].requestId).toMatch(/^[0-9a-f-]{36}$/);
  expect(delivered()).toEqual([]);
});

it("stops at a 401 without trying the rest", async () => {
  const result = await upload(3000, "wrong");
  // The first window's requests were already on the wire; none after them is tried.
  expect(result.calls).toBeLessThanOrEqual(40);
  expect(result.notAttempted).toBeGreaterThan(0);
  expect(result.stopped).toBe(
    "bulkUpload answered 401: InvalidAuthenticationToken: Access token is empty or invalid.; check the token and the SynchronizationData-User.Upload permission",
  );
  expect(result.accepted).toBe(0);
  expect(delivered()).toEqual([]);
});

describe("one client, one retry policy", () => {
  it("waits out a 429 with Retry-After on bulkUpload by the same policy, of the same client, as a 429 on a deploy's call", async () => {
    const slept: number[] = [];
    const graph = createGraphClient({
      baseUrl: emulator.url,
      token: emulator.token,
      sleep: async (ms) => void slept.push(ms),
    });
    const decided: [number, string | null | undefined, number][] = [];
    const delay = graph.retry.delay.bind(graph.retry);
    jest.spyOn(graph.retry, "delay").mockImplementation((attempt, retryAfter, now) => {
      const ms = delay(attempt, retryAfter, now);
      decided.push([attempt, retryAfter, ms]);
      return ms;
    });

    // A provider's call: the client retries it itself.
    emulator.faults.add({
      path: /\/applicationTemplates$/,
      status: 429,
      times: 1,
      retryAfterSeconds: 3,
    });
    await graph.get("/applicationTemplates");
    expect(slept).toEqual([3000]);
    expect(decided).toEqual([[0, "3", 3000]]);

    // The uploader's call: one attempt per rate slot, and the wait the same policy decides.
    emulator.faults.add({ path: /\/bulkUpload$/, status: 429, times: 1, retryAfterSeconds: 3 });
    const clock = new FakeClock();
    const started = clock.now();
    const result = await upload(10, emulator.token, graph, clock);
    expect(decided).toEqual([
      [0, "3", 3000],
      [0, "3", 3000],
    ]);
    expect(result).toMatchObject({ accepted: 10, calls: 2, retries: 1 });
    expect(clock.now() - started).toBe(3000);
    const posts = emulator.requests.filter((r) => r.path.endsWith("/bulkUpload"));
    expect(posts.map((r) => r.status)).toEqual([429, 202]);

    // The cap is the policy's too: a Retry-After past it is cut to it on both paths.
    const capped = createGraphClient({
      baseUrl: emulator.url,
      token: emulator.token,
      retry: { maxDelayMs: 2000 },
      sleep: async (ms) => void slept.push(ms),
    });
    emulator.faults.add({
      path: /\/applicationTemplates$/,
      status: 429,
      times: 1,
      retryAfterSeconds: 5,
    });
    await capped.get("/applicationTemplates");
    expect(slept.at(-1)).toBe(2000);
    emulator.faults.add({ path: /\/bulkUpload$/, status: 429, times: 1, retryAfterSeconds: 5 });
    const again = new FakeClock();
    const from = again.now();
    await upload(10, emulator.token, capped, again);
    expect(again.now() - from).toBe(2000);
  });
});

it("stops before the first record when the endpoint is not Graph, asking no token", async () => {
  const getToken = jest.fn(async () => ({ token: emulator.token }));
  const store = new MemoryStateStore();
  const outcome = await runUpload({
    app: makeApp(),
    csv: csvSource(csvOf(ids(3).map((id) => row(id)))),
    csvName: "hr.csv",
    store,
    recovery: "",
    connect: async () => ({
      graph: createGraphClient({ baseUrl: emulator.url, credential: { getToken } }),
      endpoint: `https://graph.microsoft.com.evil.example${JOB_PATH}`,
    }),
  });
  expect(outcome.status).toBe("failed");
  expect(outcome.error).toMatch(
    /^refused to send a Graph token to https:\/\/graph\.microsoft\.com\.evil\.example: /,
  );
  expect(getToken).not.toHaveBeenCalled();
  expect(emulator.requests).toEqual([]);
  expect(await store.list("sent/")).toEqual([]);
});
