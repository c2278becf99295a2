/**
 * Issue 26, case 12: the emulator behind `inbound sandbox` kept the bodies of the requests it
 * refused (120 POSTs of 4 MB without a token: 212 MB -> 1,080 MB). What it refuses itself is read
 * to its end and dropped; what it accepts, or fails by a fault a test injected, is kept.
 */
import { startGraphEmulator, type GraphEmulator } from "../../lib/emulator";
import { seedApiDrivenApp } from "../upload/helpers";

let emulator: GraphEmulator;
afterEach(async () => emulator.close());

const BULK = {
  schemas: ["urn:ietf:params:scim:api:messages:2.0:BulkRequest"],
  Operations: [
    {
      method: "POST",
      bulkId: "1",
      path: "/Users",
      data: {
        schemas: ["urn:ietf:params:scim:schemas:core:2.0:User"],
        externalId: "1",
        userName: "a@contoso.com",
      },
    },
  ],
};

async function post(url: string, body: string, headers: Record<string, string>) {
  const response = await fetch(url, { method: "POST", headers, body });
  await response.arrayBuffer();
  return response.status;
}

test("refused requests are answered and recorded without their bodies; accepted and injected ones keep theirs", async () => {
  emulator = await startGraphEmulator({ maxBodyBytes: 2 * 1024 * 1024 });
  const { endpoint } = await seedApiDrivenApp(emulator, "HR inbound");
  const auth = { authorization: `Bearer ${emulator.token}` };
  const scim = { ...auth, "content-type": "application/scim+json" };
  const large = JSON.stringify({ ...BULK, padding: "x".repeat(4 * 1024 * 1024) });

  // Without a token, 4 MB each; with one, past the bound; with the wrong content type.
  for (let i = 0; i < 5; i++) {
    expect(await post(endpoint, large, { "content-type": "application/scim+json" })).toBe(401);
  }
  expect(await post(endpoint, large, scim)).toBe(413);
  expect(await post(endpoint, JSON.stringify(BULK), { ...auth, "content-type": "text/csv" })).toBe(
    415,
  );
  // Accepted; then failed by an injected fault, whose retry a test compares with it.
  expect(await post(endpoint, JSON.stringify(BULK), scim)).toBe(202);
  emulator.faults.add({ method: "POST", status: 503, times: 1 });
  expect(await post(endpoint, JSON.stringify(BULK), scim)).toBe(503);

  expect(
    emulator.requests.map((r) => [r.status, r.body === undefined ? "dropped" : "kept"]),
  ).toEqual([
    ...Array.from({ length: 5 }, () => [401, "dropped"]),
    [413, "dropped"],
    [415, "dropped"],
    [202, "kept"],
    [503, "kept"],
  ]);
  expect(emulator.requests.at(-1)!.body).toEqual(BULK);
  // Only the accepted request reached the service.
  expect(emulator.state.directory.bulkUploads).toHaveLength(1);
});

test("an emulator that keeps no log (the sandbox's) records nothing, and still serves", async () => {
  emulator = await startGraphEmulator({ record: false });
  const { endpoint } = await seedApiDrivenApp(emulator, "HR inbound");
  const scim = {
    authorization: `Bearer ${emulator.token}`,
    "content-type": "application/scim+json",
  };
  expect(await post(endpoint, JSON.stringify(BULK), scim)).toBe(202);
  expect(await post(endpoint, "x".repeat(1024 * 1024), {})).toBe(401);
  expect(emulator.requests).toEqual([]);
  expect(emulator.state.directory.bulkUploads).toHaveLength(1);
});
