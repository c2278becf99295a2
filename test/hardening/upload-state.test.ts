/**
 * The uploader's state directory when the disk, the operator or another run gets in the way: a
 * store that cannot be written stops the run before its first request, a state write that fails
 * mid-run stops it at once and says what was recorded, one run at a time, damaged state is named
 * with the way out, and the files are the owner's only.
 *
 * Read-only and full disks are simulated by an injected failure of the file system: these tests
 * may run as root, for whom chmod 0500 does not stop a write.
 */
import { spawnSync } from "child_process";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  promises as fsp,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "fs";
import { hostname, tmpdir } from "os";
import * as path from "path";
import { stringify } from "yaml";
import { BlobStateStore } from "../../functions/src/blob";
import { runUpload } from "../../lib/upload/run";
import { DirectoryStateStore, MemoryStateStore, StateFs } from "../../lib/upload/state";
import { inbound } from "../cli/harness";
import { GraphEmulator, startGraphEmulator } from "../../lib/emulator";
import { FakeContainer } from "../uploader-component/fakeContainer";
import {
  csvOf,
  csvSource,
  FakeClock,
  makeApp,
  makeSpecInput,
  recordingGraph,
  row,
  seedApiDrivenApp,
} from "../upload/helpers";

const ids = (n: number) => Array.from({ length: n }, (_, i) => String(i + 1));
const mode = (file: string) => statSync(file).mode & 0o777;
/** Every file under `dir`, relative. */
const files = (dir: string) =>
  readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => path.relative(dir, path.join(e.parentPath, e.name)));

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), "inbound-state-"));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const errno = (code: string, message: string) => Object.assign(new Error(message), { code });

/** The real file system, except that writing a document's temp file fails like `failure`. */
function failingFs(failure: "full" | "readOnly"): StateFs {
  const open = (async (file: string, flags: string, fileMode?: number) => {
    if (failure === "readOnly" && String(file).endsWith(".tmp")) {
      throw errno("EROFS", `EROFS: read-only file system, open '${file}'`);
    }
    const handle = await fsp.open(file, flags, fileMode);
    if (failure === "full" && String(file).endsWith(".tmp")) {
      return Object.assign(Object.create(handle), {
        writeFile: async () => {
          await handle.writeFile("{", "utf8");
          throw errno("ENOSPC", "ENOSPC: no space left on device, write");
        },
        close: () => handle.close(),
        sync: () => handle.sync(),
      });
    }
    return handle;
  }) as unknown as StateFs["open"];
  return { ...fsp, open } as StateFs;
}

describe("a state directory that cannot be written", () => {
  it.each([
    ["full", "ENOSPC: no space left on device, write"],
    ["readOnly", "EROFS: read-only file system, open"],
  ] as const)(
    "(%s) stops the run before the first request, and leaves no temp file",
    async (failure, why) => {
      const state = path.join(dir, "state");
      const connect = jest.fn();
      const run = await runUpload({
        app: makeApp(),
        csv: csvSource(csvOf(ids(3).map((id) => row(id)))),
        csvName: "hr.csv",
        store: new DirectoryStateStore(state, failingFs(failure)),
        recovery: "",
        connect,
      });
      expect(run.status).toBe("failed");
      expect(run.error).toContain(`the state at ${state} cannot be written (${why}`);
      expect(run.error).toMatch(
        /\); nothing was sent: free space or fix its permissions, then run again$/,
      );
      expect(connect).not.toHaveBeenCalled();
      // The lock is released and the half-written probe is gone.
      expect(files(state)).toEqual([]);
    },
  );

  it("a checkpoint that cannot be written stops the run at once and says what was recorded", async () => {
    const clock = new FakeClock();
    const memory = new MemoryStateStore();
    let checkpoints = 0;
    // The disk fills up after the first checkpoint.
    const store = Object.assign(Object.create(memory), {
      put: async (key: string, text: string) => {
        if (key.startsWith("checkpoint/") && ++checkpoints > 1) {
          throw errno("ENOSPC", "ENOSPC: no space left on device, write");
        }
        await memory.put(key, text);
      },
    }) as MemoryStateStore;
    const transport = recordingGraph(clock);
    const csv = csvOf(ids(3000).map((id) => row(id)));
    const run = await runUpload({
      app: makeApp(),
      csv: csvSource(csv),
      csvName: "hr.csv",
      store,
      recovery: "",
      clock,
      connect: async () => transport,
    });
    expect(run.status).toBe("failed");
    expect(run.result?.stopped).toMatch(
      /^the state could not be written \(memory\/checkpoint\/[\w-]+\.json: ENOSPC: no space left on device, write\); request \d+ \(lines \d+-\d+\) was accepted but not recorded and is sent again next run$/,
    );
    // Nothing is started after the failure: only the first window's requests went out.
    expect(transport.received.length).toBeLessThanOrEqual(40);
    const { accepted, unrecorded, notAttempted } = run.summary;
    expect(accepted).toBe(50);
    expect(unrecorded).toBe((transport.received.length - 1) * 50);
    expect(accepted + unrecorded + notAttempted).toBe(3000);

    // With room again, the next run keeps what was recorded and sends the rest.
    const again = recordingGraph(clock);
    const next = await runUpload({
      app: makeApp(),
      csv: csvSource(csv),
      csvName: "hr.csv",
      store: memory,
      recovery: "",
      clock,
      connect: async () => again,
    });
    expect(next.status).toBe("ok");
    expect(next.plan?.alreadyAccepted).toBe(50);
    expect(next.summary.accepted).toBe(2950);
  });

  it("removes a document's temp file when its write fails", async () => {
    const state = path.join(dir, "state");
    const store = new DirectoryStateStore(state, failingFs("full"));
    await expect(store.put("records/00.jsonl", "x")).rejects.toThrow("ENOSPC");
    expect(files(state)).toEqual([]);
  });
});

describe("one run at a time", () => {
  it("a second lock names the first holder; the lock file is created once, 0600", async () => {
    const state = path.join(dir, "state");
    const attempts = await Promise.all([
      new DirectoryStateStore(state).lock(),
      new DirectoryStateStore(state).lock(),
    ]);
    const held = attempts.filter((a) => "lock" in a);
    const refused = attempts.filter((a) => "heldBy" in a);
    expect([held.length, refused.length]).toEqual([1, 1]);
    const holder = JSON.parse(readFileSync(path.join(state, "lock"), "utf8"));
    expect(holder).toEqual({ pid: process.pid, host: hostname(), startedAt: expect.any(String) });
    expect(refused[0]).toEqual({
      heldBy: `process ${process.pid} on ${hostname()}, started ${holder.startedAt} (lock file ${path.join(state, "lock")})`,
    });
    expect(mode(path.join(state, "lock"))).toBe(0o600);
    if ("lock" in held[0]) await held[0].lock.release();
    expect(existsSync(path.join(state, "lock"))).toBe(false);
  });

  it("a lock from another host is never taken over", async () => {
    const state = path.join(dir, "state");
    mkdirSync(state);
    const other = { pid: 1, host: "build-agent-7", startedAt: "2026-01-01T00:00:00.000Z" };
    writeFileSync(path.join(state, "lock"), JSON.stringify(other));
    expect(await new DirectoryStateStore(state, undefined, () => false).lock()).toEqual({
      heldBy: `process 1 on build-agent-7, started 2026-01-01T00:00:00.000Z (lock file ${path.join(state, "lock")})`,
    });
  });

  it("the Function's lock is a blob lease with the same interface", async () => {
    const manual = { setInterval: () => 0, clearInterval: () => undefined };
    const store = new BlobStateStore(new FakeContainer(), manual);
    const first = await store.lock();
    expect(await store.lock()).toEqual({
      heldBy: "another run (a lease on https://acct.blob.core.windows.net/state/lock)",
    });
    if ("lock" in first) await first.lock.release();
    expect("lock" in (await store.lock())).toBe(true);
  });
});

describe("inbound upload and its state", () => {
  let emulator: GraphEmulator;
  let endpoint: string;
  beforeEach(async () => {
    emulator = await startGraphEmulator();
    endpoint = (await seedApiDrivenApp(emulator, "Contoso HR inbound - employees")).endpoint;
    writeFileSync(path.join(dir, "tenant.yaml"), stringify(makeSpecInput()));
    writeFileSync(path.join(dir, "hr.csv"), csvOf(ids(60).map((id) => row(id))));
  });
  afterEach(() => emulator.close());

  const state = () => path.join(dir, ".inbound-state", "contoso", "employees");
  const sent = () => emulator.state.directory.bulkUploads.length;
  const upload = (...extra: string[]) =>
    inbound(
      ["upload", "--spec", "tenant.yaml", "--app", "employees", "--csv", "hr.csv"].concat(
        "--endpoint",
        endpoint,
        ...extra,
      ),
      { cwd: dir, env: { INBOUND_GRAPH_TOKEN: emulator.token } },
    );

  it("creates the state owner-only: directories 0700, files 0600", async () => {
    expect((await upload()).code).toBe(0);
    for (const d of [
      ".inbound-state",
      ".inbound-state/contoso",
      ".inbound-state/contoso/employees",
      ".inbound-state/contoso/employees/records",
    ]) {
      expect([d, mode(path.join(dir, d))]).toEqual([d, 0o700]);
    }
    const written = files(state());
    expect(written).toContain("calls.json");
    for (const f of written) expect([f, mode(path.join(state(), f))]).toEqual([f, 0o600]);
  });

  it("refuses a second run while another holds the lock, naming it, exit 1", async () => {
    mkdirSync(state(), { recursive: true });
    const holder = { pid: process.pid, host: hostname(), startedAt: "2026-12-05T08:00:00.000Z" };
    writeFileSync(path.join(state(), "lock"), JSON.stringify(holder));
    const result = await upload();
    expect(result.code).toBe(1);
    expect(result.err).toBe(
      `another upload of this app is running: process ${process.pid} on ${hostname()}, started 2026-12-05T08:00:00.000Z (lock file ${path.join(state(), "lock")}); nothing was sent, run again when it has finished\n`,
    );
    expect(sent()).toBe(0);
  });

  it("takes over the lock of a process that is gone, with a message", async () => {
    const dead = spawnSync(process.execPath, ["-e", ""]).pid;
    mkdirSync(state(), { recursive: true });
    const holder = { pid: dead, host: hostname(), startedAt: "2026-12-05T08:00:00.000Z" };
    writeFileSync(path.join(state(), "lock"), JSON.stringify(holder));
    writeFileSync(path.join(state(), "calls.json.123.abc.tmp"), "{");
    const result = await upload();
    expect(result.code).toBe(0);
    expect(result.err).toBe(
      `took over the lock of process ${dead} on ${hostname()} (started 2026-12-05T08:00:00.000Z), which is no longer running\n`,
    );
    expect(sent()).toBe(2);
    expect(files(state()).filter((f) => f === "lock" || f.endsWith(".tmp"))).toEqual([]);
  });

  it("gives up a stalled request after uploader.requests.timeoutSeconds and retries it", async () => {
    const spec = makeSpecInput(undefined, { requests: { timeoutSeconds: 1 } });
    writeFileSync(path.join(dir, "tenant.yaml"), stringify(spec));
    writeFileSync(path.join(dir, "hr.csv"), csvOf(ids(3).map((id) => row(id))));
    emulator.faults.add({ path: /\/bulkUpload$/, delayMs: 5000, times: 1 });
    const result = await upload();
    expect(result.code).toBe(0);
    expect(result.out).toMatch(/\nrequests 2, retries 1, /);
  });

  const shardOf = () => files(state()).find((f) => f.startsWith("records/"))!;
  it.each<[string, () => string]>([
    [
      "a truncated calls.json",
      () => {
        const file = path.join(state(), "calls.json");
        writeFileSync(file, readFileSync(file, "utf8").slice(0, 20));
        return "calls.json is not valid JSON (";
      },
    ],
    [
      "a calls.json of another version",
      () => {
        writeFileSync(path.join(state(), "calls.json"), '{"version":9,"calls":[]}');
        return "calls.json has version 9; this inbound reads versions 1 to 3";
      },
    ],
    [
      "a shard line that is not a record",
      () => {
        const shard = shardOf();
        const lines = readFileSync(path.join(state(), shard), "utf8").split("\n").length;
        writeFileSync(path.join(state(), shard), '{"a":1}\n', { flag: "a" });
        return `${shard}:${lines} is not a record (expected [externalId, digest, active])`;
      },
    ],
    [
      "a shard with garbage bytes",
      () => {
        const shard = shardOf();
        writeFileSync(path.join(state(), shard), "\u0000\u0001garbage\n");
        return `${shard}:1 is not valid JSON (`;
      },
    ],
    [
      "a missing shard",
      () => {
        const shard = shardOf();
        rmSync(path.join(state(), shard));
        return `${shard} is missing (the last run wrote it)`;
      },
    ],
    [
      "a checkpoint that does not parse",
      () => {
        mkdirSync(path.join(state(), "checkpoint"), { recursive: true });
        writeFileSync(path.join(state(), "checkpoint", "run-000001.json"), '{"records":[');
        return "checkpoint/run-000001.json is not valid JSON (";
      },
    ],
    [
      "a checkpoint of the wrong shape",
      () => {
        mkdirSync(path.join(state(), "checkpoint"), { recursive: true });
        writeFileSync(path.join(state(), "checkpoint", "run-000001.json"), '{"records":{}}');
        return "checkpoint/run-000001.json is not a checkpoint (expected records and calls)";
      },
    ],
  ])("names %s and the way out, exit 1; --reset-state recovers", async (_title, damage) => {
    expect((await upload()).code).toBe(0);
    const uploads = sent();
    const problem = damage();
    const damaged = await upload();
    expect(damaged.code).toBe(1);
    const [document, rest] = problem.split(/ (?=is |has )/);
    expect(damaged.err).toContain(`state document ${path.join(state(), document)} ${rest}`);
    expect(damaged.err).toMatch(
      /; restore the state directory .* from a backup, or run again with --reset-state \(the state is moved aside and every record is sent again\)\n$/,
    );
    expect(sent()).toBe(uploads);

    const reset = await upload("--reset-state");
    expect(reset.err).toMatch(
      /^--reset-state: \d+ state documents moved to .*\/backup-[\dT-]+Z; every record is sent again\n/,
    );
    expect(reset.code).toBe(0);
    expect(sent()).toBe(uploads + 2);
    expect((await upload()).out).toContain("nothing to send: 60 unchanged");
  });
});
