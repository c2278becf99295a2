/**
 * The uploader's state in an Azure Blob container, against Azurite (one instance for the file):
 * the store, one upload run over it (a second run sends nothing, a concurrent one is refused by
 * the lease, a lease lost mid-run stops the run and keeps what Graph acknowledged), `inbound upload
 * --state https://…` and the deployed Function's adapter.
 */
import { existsSync, mkdtempSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import * as path from "path";
import { BlobServiceClient } from "@azure/storage-blob";
import { stringify } from "yaml";
import {
  BlobStateStore,
  openBlobStateStore,
  parseStateLocation,
  StateLocation,
} from "../../lib/upload/blob";
import { runUpload } from "../../lib/upload/run";
import { loadState } from "../../lib/upload/state";
import { GraphEmulator, startGraphEmulator } from "../../lib/emulator";
import { bufferDropFile, handleTrigger } from "../../functions/src/adapter";
import { inbound } from "../cli/harness";
import { Azurite, startAzurite } from "./azurite";
import { csvOf, graphFor, makeApp, makeSpecInput, row, seedApiDrivenApp } from "./helpers";
import { app as functionAppSpec } from "../uploader-component/fixtures";

let azurite: Azurite;
let service: BlobServiceClient;
beforeAll(async () => {
  azurite = await startAzurite();
  service = BlobServiceClient.fromConnectionString(azurite.connectionString);
}, 30_000);
afterAll(() => azurite.stop());

let containers = 0;
/** A container name no other test uses (Azurite is shared by the file). */
const fresh = () => `state-${++containers}-${process.pid}`;
const env = () => ({ AZURE_STORAGE_CONNECTION_STRING: azurite.connectionString });
const blobLocation = (container: string, prefix = "") =>
  parseStateLocation(`${azurite.accountUrl}/${container}${prefix ? `/${prefix}` : ""}`) as Extract<
    StateLocation,
    { kind: "blob" }
  >;

async function blobNames(container: string): Promise<string[]> {
  const names: string[] = [];
  for await (const item of service.getContainerClient(container).listBlobsFlat()) {
    names.push(item.name);
  }
  return names.sort();
}

const ids = (n: number) => Array.from({ length: n }, (_, i) => String(i + 1));
const csvText = (n: number) => csvOf(ids(n).map((id) => row(id)));
const csvInput = (text: string) => () => bufferDropFile("hr.csv", Buffer.from(text)).read();

describe("parseStateLocation", () => {
  test("an http(s) URL is a container and a prefix, never a directory named http:", () => {
    expect(
      parseStateLocation("https://acct.blob.core.windows.net/state/contoso/employees"),
    ).toEqual({
      kind: "blob",
      containerUrl: "https://acct.blob.core.windows.net/state",
      prefix: "contoso/employees/",
    });
    expect(parseStateLocation("http://127.0.0.1:10000/devstoreaccount1/state")).toEqual({
      kind: "blob",
      containerUrl: "http://127.0.0.1:10000/devstoreaccount1/state",
      prefix: "",
    });
    expect(parseStateLocation("state/here")).toEqual({ kind: "directory", path: "state/here" });
    expect(() => parseStateLocation("http://127.0.0.1:10000/devstoreaccount1")).toThrow(
      /no container in the URL/,
    );
    expect(() => parseStateLocation("https://acct.blob.core.windows.net/State")).toThrow(
      /"State" is not a container name/,
    );
    expect(() => parseStateLocation("https://acct.blob.core.windows.net/state?sv=x&sig=y")).toThrow(
      /without a query/,
    );
    expect(() => parseStateLocation("s3://bucket/state")).toThrow(/not a s3:\/\/ URL/);
  });
});

describe("BlobStateStore on Azurite", () => {
  test("keeps documents under its prefix, creates a missing container, and leases its lock", async () => {
    const container = fresh();
    const store = openBlobStateStore(blobLocation(container, "contoso/employees"), env());
    expect(await store.list("")).toEqual([]);
    const attempt = await store.lock();
    if (!("lock" in attempt)) throw new Error(attempt.heldBy);
    await store.put("records/00.jsonl", '["1","AAAAAAAAAAA",true]\n');
    await store.put("calls.json", "{}");
    expect(await store.get("calls.json")).toBe("{}");
    expect(await store.get("missing.json")).toBeUndefined();
    expect(await store.list("records/")).toEqual(["records/00.jsonl"]);
    expect(await blobNames(container)).toEqual([
      "contoso/employees/calls.json",
      "contoso/employees/lock",
      "contoso/employees/records/00.jsonl",
    ]);
    const second = await openBlobStateStore(
      blobLocation(container, "contoso/employees"),
      env(),
    ).lock();
    expect(second).toEqual({
      heldBy: `another run (a lease on ${azurite.accountUrl}/${container}/contoso/employees/lock)`,
    });
    // Another prefix of the same container is another state, with its own lock.
    const other = await openBlobStateStore(blobLocation(container, "fabrikam"), env()).lock();
    expect("lock" in other).toBe(true);
    if ("lock" in other) await other.lock.release();
    await attempt.lock.release();
    await store.delete("calls.json");
    expect(await store.get("calls.json")).toBeUndefined();
  });

  test("a connection string for another account is refused, naming both", () => {
    expect(() =>
      openBlobStateStore(
        parseStateLocation("https://other.blob.core.windows.net/state") as Extract<
          StateLocation,
          { kind: "blob" }
        >,
        env(),
      ),
    ).toThrow(
      /AZURE_STORAGE_CONNECTION_STRING is for .*devstoreaccount1.*, not for the state container https:\/\/other\.blob\.core\.windows\.net\/state/,
    );
  });
});

describe("one upload run with its state in Azurite", () => {
  test("the second run sends nothing; a concurrent run is refused by the lease", async () => {
    const container = fresh();
    const bodies: string[] = [];
    const target = graphFor(async (body) => {
      bodies.push(body);
      return { status: 202 };
    });
    const text = csvText(60);
    const run = () =>
      runUpload({
        app: makeApp(),
        csv: csvInput(text),
        csvName: "hr.csv",
        store: openBlobStateStore(blobLocation(container, "ci"), env()),
        recovery: "restore it",
        connect: async () => target,
      });
    const first = await run();
    expect(first.error).toBeUndefined();
    expect(first.status).toBe("ok");
    expect(first.summary.accepted).toBe(60);
    expect(bodies).toHaveLength(2);

    // Another machine: a new client over the same container finds the state.
    const second = await run();
    expect(second.status).toBe("ok");
    expect(second.summary).toMatchObject({ toSend: 0, unchanged: 60 });
    expect(bodies).toHaveLength(2);

    const holder = await openBlobStateStore(blobLocation(container, "ci"), env()).lock();
    if (!("lock" in holder)) throw new Error(holder.heldBy);
    const refused = await run();
    expect(refused.status).toBe("failed");
    expect(refused.heldBy).toMatch(/a lease on .*\/ci\/lock/);
    expect(refused.error).toMatch(/^another upload of this app is running/);
    expect(bodies).toHaveLength(2);
    await holder.lock.release();
  });

  test("a lease lost mid-run stops the run and keeps every acknowledged record", async () => {
    const container = fresh();
    const location = blobLocation(container, "ci");
    const sent: number[] = [];
    let call = 0;
    const target = graphFor(async (body) => {
      call++;
      sent.push((JSON.parse(body) as { Operations: unknown[] }).Operations.length);
      if (call === 2) {
        // Someone breaks the lease while this request is in flight; the renewal finds out.
        await service
          .getContainerClient(container)
          .getBlockBlobClient("ci/lock")
          .getBlobLeaseClient()
          .breakLease(0);
        await new Promise((resolve) => setTimeout(resolve, 400));
      }
      return { status: 202 };
    });
    const app = makeApp(undefined, { rate: { requestsPerWindow: 1, windowSeconds: 1 } });
    const text = csvText(150);
    const renewFailures: unknown[] = [];
    const first = await runUpload({
      app,
      csv: csvInput(text),
      csvName: "hr.csv",
      store: openBlobStateStore(location, env(), {
        durationSeconds: 15,
        renewEveryMs: 50,
        onRenewFailure: (err) => renewFailures.push(err),
      }),
      recovery: "restore it",
      connect: async () => target,
    });
    expect(renewFailures.length).toBeGreaterThan(0);
    expect(sent).toEqual([50, 50]);
    expect(first.status).toBe("partial");
    expect(first.error).toMatch(/^stopped: the run lock \(a lease on .*\/ci\/lock\) was lost/);
    expect(first.summary).toMatchObject({ accepted: 100, notAttempted: 50 });
    // Not committed (another run may hold the lock now): the checkpoints hold the 100.
    const state = await loadState(openBlobStateStore(location, env()), Date.now());
    expect(state.checkpointKeys.filter((k) => k.startsWith("checkpoint/"))).toHaveLength(2);

    const second = await runUpload({
      app,
      csv: csvInput(text),
      csvName: "hr.csv",
      store: openBlobStateStore(location, env()),
      recovery: "restore it",
      connect: async () => target,
    });
    expect(second.status).toBe("ok");
    expect(second.summary).toMatchObject({ toSend: 50, accepted: 50 });
    expect(sent).toEqual([50, 50, 50]);
  }, 20_000);
});

describe("inbound upload --state <container URL>", () => {
  let emulator: GraphEmulator;
  let dir: string;
  let endpoint: string;
  beforeEach(async () => {
    emulator = await startGraphEmulator();
    endpoint = (await seedApiDrivenApp(emulator, "Contoso HR inbound - employees")).endpoint;
    dir = mkdtempSync(path.join(tmpdir(), "inbound-blob-state-"));
  });
  afterEach(() => emulator.close());

  const cli = (args: string[]) =>
    inbound(args, {
      cwd: dir,
      isTTY: false,
      env: { INBOUND_GRAPH_TOKEN: emulator.token, ...env() },
    });

  test("keeps the state in the container, sends nothing the second time, refuses a concurrent run", async () => {
    const container = fresh();
    const url = `${azurite.accountUrl}/${container}/contoso/employees`;
    writeFileSync(path.join(dir, "tenant.yaml"), stringify(makeSpecInput()));
    writeFileSync(path.join(dir, "hr.csv"), csvText(60));
    const args = ["upload", "--spec", "tenant.yaml", "--app", "employees", "--csv", "hr.csv"];
    args.push("--endpoint", endpoint, "--state", url);
    const first = await cli(args);
    expect(first.err).toBe("");
    expect(first.code).toBe(0);
    expect(first.out).toContain("sent 60 records");
    expect(first.out).toMatch(
      new RegExp(`--state ${url.replace(/[.]/g, "\\.")} (--endpoint \\S+ )?--run \\d{8}T`),
    );
    expect(emulator.state.directory.bulkUploads).toHaveLength(2);
    expect(existsSync(path.join(dir, "http:"))).toBe(false);
    expect(existsSync(path.join(dir, ".inbound-state"))).toBe(false);
    expect((await blobNames(container)).filter((n) => n.includes("/records/"))).not.toEqual([]);
    expect((await blobNames(container)).every((n) => n.startsWith("contoso/employees/"))).toBe(
      true,
    );

    const second = await cli(args);
    expect(second.code).toBe(0);
    expect(second.out).toContain("nothing to send: 60 unchanged\n");
    expect(emulator.state.directory.bulkUploads).toHaveLength(2);

    const holder = await openBlobStateStore(
      blobLocation(container, "contoso/employees"),
      env(),
    ).lock();
    if (!("lock" in holder)) throw new Error(holder.heldBy);
    const refused = await cli(args);
    expect(refused.code).toBe(1);
    expect(refused.err).toContain("another upload of this app is running");
    await holder.lock.release();
  });

  test("takes uploader.state from the spec; --state that is neither a directory nor a container is refused", async () => {
    const container = fresh();
    const input = makeSpecInput();
    (input.provisioning.employees.uploader as Record<string, unknown>).state =
      `${azurite.accountUrl}/${container}`;
    writeFileSync(path.join(dir, "tenant.yaml"), stringify(input));
    writeFileSync(path.join(dir, "hr.csv"), csvText(3));
    const args = ["upload", "--spec", "tenant.yaml", "--app", "employees", "--csv", "hr.csv"];
    args.push("--endpoint", endpoint);
    const first = await cli(args);
    expect(first.code).toBe(0);
    expect(await blobNames(container)).toContain("calls.json");

    const bad = await cli([...args, "--state", "ftp://host/state"]);
    expect(bad.code).toBe(1);
    expect(bad.err).toBe(
      "--state: ftp://host/state: a state location is a directory or an Azure Blob container URL (https://<account>.blob.core.windows.net/<container>[/<prefix>]), not a ftp:// URL\n",
    );
  });
});

describe("the Function's adapter with its state in Azurite", () => {
  test("a timer run over the same file twice sends once; a run while another holds the lease is skipped", async () => {
    const container = fresh();
    await service.createContainer(container);
    const state = new BlobStateStore(service.getContainerClient(container));
    const bodies: string[] = [];
    const logs: string[] = [];
    let slept = 0;
    const runtime = {
      appKey: "employees",
      app: functionAppSpec({
        kind: "function",
        csv: { columns: { externalId: "[WorkerID]", userName: "[UserID]", active: "[Active]" } },
      }),
      tenantId: "0b8e7d3c-5f0a-4d6e-9c2b-1a2b3c4d5e6f",
      state,
      target: graphFor(async (body, { url }) => {
        // The previous run's records, followed at the start of the next: no log entry yet.
        if (!url.endsWith("/bulkUpload")) {
          return { status: 200, body: '{"value":[],"schedule":{"state":"Active"}}' };
        }
        bodies.push(body);
        return { status: 202 };
      }),
      // Waits for the provisioning logs pass at once.
      clock: { now: () => Date.now() + slept, sleep: async (ms: number) => void (slept += ms) },
      log: {
        info: (m: string) => logs.push(m),
        warn: (m: string) => logs.push(m),
        error: (m: string) => logs.push(m),
      },
    };
    const csv =
      "WorkerID,UserID,Active\r\n1001,ann@contoso.com,True\r\n1002,bob@contoso.com,True\r\n";
    const source = () => bufferDropFile("hr.csv", Buffer.from(csv), new Date());
    const first = await handleTrigger(runtime, "timer", source());
    expect(first).toMatchObject({ status: "ok", accepted: 2 });
    const second = await handleTrigger(runtime, "timer", source());
    expect(second).toMatchObject({ status: "ok", accepted: 0, unchanged: 2 });
    expect(bodies).toHaveLength(1);
    expect(await blobNames(container)).toContain("runs/last.json");

    const holder = await new BlobStateStore(service.getContainerClient(container)).lock();
    if (!("lock" in holder)) throw new Error(holder.heldBy);
    const skipped = await handleTrigger(runtime, "blob", source());
    expect(skipped).toMatchObject({ status: "skipped" });
    expect(skipped.reason).toMatch(/another run holds the lock/);
    await holder.lock.release();
  });
});
