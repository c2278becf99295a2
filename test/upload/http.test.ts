/**
 * The real fetch transport against the shared Graph emulator's bulkUpload route: the headers it
 * requires, a 429 storm with Retry-After and a 503 ridden out, and a request that keeps failing
 * reported with Graph's error and the request id.
 */
import { fetchTransport } from "../../lib/upload/bulk";
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

async function upload(n: number, token = emulator.token) {
  const clock = new FakeClock();
  const store = new MemoryStateStore();
  const { plan } = await planUpload({
    app: makeApp(),
    csv: csvSource(csvOf(ids(n).map((id) => row(id)))),
    store,
    clock,
  });
  return executePlan(plan!, {
    transport: fetchTransport(`${emulator.url}${JOB_PATH}`, async () => token),
    store,
    rate: { requestsPerWindow: 40, windowSeconds: 5 },
    clock,
    random: () => 0,
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
  expect(posts.map((r) => r.status).sort()).toEqual([202, 202, 202, 202, 429, 429, 429, 429, 503]);
  expect(result.accepted).toBe(200);
  expect(result.failed).toEqual([]);
  expect(result.calls).toBe(9);
  expect(result.retries).toBe(5);
  expect(delivered().sort()).toEqual(ids(200).sort());
});

it("reports a request that keeps failing with Graph's error and the request id", async () => {
  emulator.faults.add({ path: /\/bulkUpload$/, status: 503, times: 6 });
  const result = await upload(40);
  expect(result.accepted).toBe(0);
  expect(result.calls).toBe(6);
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
