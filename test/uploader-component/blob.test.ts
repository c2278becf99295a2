import { acquireBlobLock, BlobStateStore } from "../../lib/upload/blob";
import { newestDropFile } from "../../functions/src/blob";
import { FakeContainer } from "./fakeContainer";

describe("BlobStateStore", () => {
  test("get, put, list by prefix (sorted) and delete, as the engine's StateStore", async () => {
    const container = new FakeContainer();
    const store = new BlobStateStore(container);
    expect(store.location).toBe("https://acct.blob.core.windows.net/state");
    expect(await store.get("records.json")).toBeUndefined();
    await store.put("records.json", '{"version":1,"records":{"é":["h",true]}}');
    expect(await store.get("records.json")).toBe('{"version":1,"records":{"é":["h",true]}}');
    await store.put("checkpoint/b.json", "{}");
    await store.put("checkpoint/a.json", "{}");
    expect(await store.list("checkpoint/")).toEqual(["checkpoint/a.json", "checkpoint/b.json"]);
    await store.delete("checkpoint/a.json");
    await store.delete("checkpoint/missing.json");
    expect(await store.list("checkpoint/")).toEqual(["checkpoint/b.json"]);
  });

  test("errors other than 404 are not hidden", async () => {
    const container = new FakeContainer();
    container.getBlockBlobClient = () =>
      ({
        download: async () => {
          throw Object.assign(new Error("AuthorizationPermissionMismatch"), { statusCode: 403 });
        },
      }) as never;
    await expect(new BlobStateStore(container).get("records.json")).rejects.toThrow(
      "AuthorizationPermissionMismatch",
    );
  });
});

describe("newestDropFile", () => {
  test("picks the most recently modified .csv at the top of the container", async () => {
    const drop = new FakeContainer("https://acct.blob.core.windows.net/drop");
    drop.add("hr-2025-01-01.csv", "old", new Date("2025-01-01T01:00:00Z"));
    drop.add("hr-2025-01-02.CSV", "a,b\n1,2\n", new Date("2025-01-02T01:00:00Z"));
    drop.add("pushed/run.csv", "archived", new Date("2025-02-01T00:00:00Z"));
    drop.add("notes.txt", "not csv", new Date("2025-03-01T00:00:00Z"));
    const source = await newestDropFile(drop, "csv");
    expect(source?.name).toBe("hr-2025-01-02.CSV");
    expect(source?.lastModified).toEqual(new Date("2025-01-02T01:00:00Z"));
    const parts: Buffer[] = [];
    for await (const part of source!.read()) parts.push(part);
    expect(Buffer.concat(parts).toString()).toBe("a,b\n1,2\n");
  });

  test("is undefined when there is no CSV", async () => {
    const drop = new FakeContainer();
    drop.add("archive/x.csv", "x");
    expect(await newestDropFile(drop, "csv")).toBeUndefined();
  });

  test("reads .json and .jsonl for a json source, and nothing for a rest source", async () => {
    const drop = new FakeContainer("https://acct.blob.core.windows.net/drop");
    drop.add("hr.json", "[]", new Date("2025-01-01T01:00:00Z"));
    drop.add("hr.jsonl", "{}\n", new Date("2025-01-02T01:00:00Z"));
    drop.add("hr.csv", "a\n", new Date("2025-01-03T01:00:00Z"));
    drop.add("pushed/p.json", "[]", new Date("2025-01-04T01:00:00Z"));
    expect((await newestDropFile(drop, "json"))?.name).toBe("hr.jsonl");
    drop.add("hr-2.JSON", "[]", new Date("2025-01-05T01:00:00Z"));
    expect((await newestDropFile(drop, "json"))?.name).toBe("hr-2.JSON");
    expect((await newestDropFile(drop, "csv"))?.name).toBe("hr.csv");
    expect(await newestDropFile(drop, "rest")).toBeUndefined();
  });
});

describe("acquireBlobLock", () => {
  const manualTimers = () => {
    const timers: (() => void)[] = [];
    return {
      timers,
      options: {
        setInterval: (fn: () => void) => timers.push(fn),
        clearInterval: (handle: unknown) => timers.splice(Number(handle) - 1, 1),
      },
    };
  };

  test("creates the lock blob on first use, renews while held and releases", async () => {
    const container = new FakeContainer();
    const { timers, options } = manualTimers();
    const lock = await acquireBlobLock(container, "lock", options);
    expect(lock).toBeDefined();
    expect(timers).toHaveLength(1);
    timers[0]();
    await lock!.release();
    expect(timers).toHaveLength(0);
    expect(container.calls).toEqual([
      "acquire lock 60",
      "upload lock",
      "acquire lock 60",
      "renew lock",
      "release lock",
    ]);
  });

  test("a second run does not get the lock while the first holds it", async () => {
    const container = new FakeContainer();
    const { options } = manualTimers();
    const first = await acquireBlobLock(container, "lock", options);
    expect(await acquireBlobLock(container, "lock", options)).toBeUndefined();
    await first!.release();
    expect(await acquireBlobLock(container, "lock", options)).toBeDefined();
  });

  test("a failed renewal is reported, not thrown", async () => {
    const container = new FakeContainer();
    const { timers, options } = manualTimers();
    const failures: unknown[] = [];
    const base = container.getBlockBlobClient.bind(container);
    container.getBlockBlobClient = (name) => {
      const client = base(name);
      const lease = client.getBlobLeaseClient();
      return {
        ...client,
        getBlobLeaseClient: () => ({
          ...lease,
          renewLease: async () => Promise.reject(new Error("lease lost")),
        }),
      };
    };
    const lock = await acquireBlobLock(container, "lock", {
      ...options,
      onRenewFailure: (e) => failures.push(e),
    });
    timers[0]();
    await new Promise((resolve) => setImmediate(resolve));
    expect(failures).toEqual([new Error("lease lost")]);
    await lock!.release();
  });
});
