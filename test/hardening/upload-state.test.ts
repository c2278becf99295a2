/**
 * The uploader's state directory when the disk, the operator or another run gets in the way: a
 * store that cannot be written stops the run before its first request, a state write that fails
 * mid-run stops it at once and says what was recorded, one run at a time, damaged state is named
 * with the way out, and the files are the owner's only.
 *
 * Read-only and full disks are simulated by an injected failure of the file system: these tests
 * may run as root, for whom chmod 0500 does not stop a write.
 */
import { spawn, spawnSync } from "child_process";
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  promises as fsp,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  utimesSync,
  writeFileSync,
} from "fs";
import { hostname, tmpdir } from "os";
import * as path from "path";
import { stringify } from "yaml";
import { BlobStateStore } from "../../lib/upload/blob";
import { runUpload } from "../../lib/upload/run";
import {
  DirectoryStateStore,
  LOCK_RENEW_MS,
  LOCK_STALE_MS,
  MemoryStateStore,
  StateFs,
} from "../../lib/upload/state";
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
    expect(holder).toEqual({
      pid: process.pid,
      host: hostname(),
      startedAt: expect.any(String),
      processStart: expect.stringMatching(/^\d+$/),
    });
    expect(refused[0]).toEqual({
      heldBy: expect.stringMatching(
        `^process ${process.pid} on ${hostname()}, started ${holder.startedAt} \\(lock file ${path.join(state, "lock")}, renewed 0 s ago; if that run has stopped, its lock is stale at .*Z\\)$`,
      ),
    });
    expect(mode(path.join(state, "lock"))).toBe(0o600);
    if ("lock" in held[0]) await held[0].lock.release();
    expect(existsSync(path.join(state, "lock"))).toBe(false);
  });

  it("a lock from another host is held while renewed, and stale once it is not (issue 26, case 21)", async () => {
    const state = path.join(dir, "state");
    mkdirSync(state);
    const other = { pid: 1, host: "build-agent-7", startedAt: "2026-01-01T00:00:00.000Z" };
    const lock = path.join(state, "lock");
    writeFileSync(lock, JSON.stringify(other));
    const renewed = statSync(lock).mtimeMs;
    const at = (now: number) =>
      new DirectoryStateStore(state, undefined, () => false, { now: () => now }).lock();
    expect(await at(renewed + LOCK_STALE_MS)).toEqual({
      heldBy: `process 1 on build-agent-7, started 2026-01-01T00:00:00.000Z (lock file ${lock}, renewed 300 s ago; if that run has stopped, its lock is stale at ${new Date(renewed + LOCK_STALE_MS).toISOString()})`,
    });
    const taken = await at(renewed + LOCK_STALE_MS + 1000);
    expect(taken).toEqual({
      lock: expect.anything(),
      notice:
        "took over the lock of process 1 on build-agent-7 (started 2026-01-01T00:00:00.000Z), whose lock was not renewed for 301 s (stale after 300 s)",
    });
    if ("lock" in taken) await taken.lock.release();
  });

  it("renews a held lock: its file's time moves on while the run holds it", async () => {
    jest.useFakeTimers({ doNotFake: ["nextTick", "setImmediate"] });
    try {
      const state = path.join(dir, "state");
      const held = await new DirectoryStateStore(state).lock();
      const lock = path.join(state, "lock");
      utimesSync(lock, new Date(0), new Date(0));
      jest.advanceTimersByTime(LOCK_RENEW_MS);
      // The renewal is file I/O: wait on real I/O (fake timers leave it alone) until it lands.
      for (let i = 0; i < 500 && (await fsp.stat(lock)).mtimeMs === 0; i++) {
        await new Promise((resolve) => setImmediate(resolve));
      }
      expect(statSync(lock).mtimeMs).toBeGreaterThan(0);
      if ("lock" in held) await held.lock.release();
    } finally {
      jest.useRealTimers();
    }
  });

  it("takes over a zombie's lock and a lock whose pid another process reuses (issue 26, case 21)", async () => {
    const state = path.join(dir, "state");
    mkdirSync(state);
    const lock = path.join(state, "lock");
    // sh starts a child that exits at once, then becomes `sleep`, which never reaps it.
    const parent = spawn("sh", ["-c", "sleep 0 & echo $!; exec sleep 5"]);
    const zombie = Number(await new Promise<string>((r) => parent.stdout.once("data", r)));
    for (let i = 0; i < 100; i++) {
      if (readFileSync(`/proc/${zombie}/stat`, "utf8").split(") ")[1]?.startsWith("Z")) break;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    try {
      const started = "2026-12-05T08:00:00.000Z";
      writeFileSync(lock, JSON.stringify({ pid: zombie, host: hostname(), startedAt: started }));
      const taken = await new DirectoryStateStore(state).lock();
      expect(taken).toMatchObject({
        notice: `took over the lock of process ${zombie} on ${hostname()} (started ${started}), which is no longer running`,
      });
      if ("lock" in taken) await taken.lock.release();
    } finally {
      parent.kill();
    }
    // This very process, alive, but not the one that wrote the lock: its start differs.
    writeFileSync(
      lock,
      JSON.stringify({ pid: process.pid, host: hostname(), startedAt: "x", processStart: "1" }),
    );
    const reused = await new DirectoryStateStore(state).lock();
    expect(reused).toMatchObject({
      notice: `took over the lock of process ${process.pid} on ${hostname()} (started x), which is no longer running (its pid is another process's now)`,
    });
    if ("lock" in reused) await reused.lock.release();
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
      `another upload of this app is running: process ${process.pid} on ${hostname()}, started 2026-12-05T08:00:00.000Z (lock file ${path.join(state(), "lock")}, renewed 0 s ago; if that run has stopped, its lock is stale at ${new Date(statSync(path.join(state(), "lock")).mtimeMs + LOCK_STALE_MS).toISOString()}); nothing was sent, run again when it has finished\n`,
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

  it("refuses a state recorded for another tenant or job, naming both; a new --state sends (issue 26, case 2)", async () => {
    expect((await upload()).code).toBe(0);
    expect(JSON.parse(readFileSync(path.join(state(), "owner.json"), "utf8"))).toEqual({
      tenantId: "0b8e7d3c-5f0a-4d6e-9c2b-1a2b3c4d5e6f",
      app: "employees",
      job: endpoint,
    });
    const other = makeSpecInput();
    other.tenant.id = "11111111-2222-3333-4444-555555555555";
    writeFileSync(path.join(dir, "tenant.yaml"), stringify(other));
    const refused = await upload();
    expect(refused.code).toBe(1);
    expect(refused.err).toBe(
      `the state at ${state()} was recorded for tenant 0b8e7d3c-5f0a-4d6e-9c2b-1a2b3c4d5e6f, app employees, job ${endpoint}, ` +
        `but this run is for tenant 11111111-2222-3333-4444-555555555555, app employees; nothing was sent: ` +
        `give this tenant and job a state of its own (--state <new directory>)\n`,
    );
    expect(sent()).toBe(2);

    // Same tenant, another job (a recreated app): refused once the job is known.
    writeFileSync(path.join(dir, "tenant.yaml"), stringify(makeSpecInput()));
    writeFileSync(path.join(dir, "hr.csv"), csvOf(ids(61).map((id) => row(id))));
    const otherJob = endpoint.replace(/jobs\/[^/]+/, "jobs/API2AAD.other");
    const job = await inbound(
      ["upload", "--spec", "tenant.yaml", "--app", "employees", "--csv", "hr.csv"].concat(
        "--endpoint",
        otherJob,
      ),
      { cwd: dir, env: { INBOUND_GRAPH_TOKEN: emulator.token } },
    );
    expect(job.code).toBe(1);
    expect(job.err).toContain(
      `but this run is for tenant 0b8e7d3c-5f0a-4d6e-9c2b-1a2b3c4d5e6f, app employees, job ${otherJob}`,
    );
    expect(sent()).toBe(2);

    writeFileSync(path.join(dir, "tenant.yaml"), stringify(other));
    const fresh = await upload("--state", "other-tenant-state");
    expect(fresh.code).toBe(0);
    expect(sent()).toBe(4);
  });

  it("takes call times in the future as now, with a warning, instead of waiting for them (issue 26, case 7)", async () => {
    expect((await upload()).code).toBe(0);
    const calls = path.join(state(), "calls.json");
    const written = JSON.parse(readFileSync(calls, "utf8"));
    const yearAhead = Date.now() + 365 * 24 * 3600 * 1000;
    writeFileSync(calls, JSON.stringify({ ...written, calls: [yearAhead, yearAhead + 1] }));
    writeFileSync(
      path.join(dir, "hr.csv"),
      csvOf(ids(60).map((id) => row(id, { JobTitle: "Architect" }))),
    );
    const warnings: string[] = [];
    const onWarning = (w: Error) => warnings.push(w.name);
    process.on("warning", onWarning);
    const result = await upload();
    process.off("warning", onWarning);
    expect(result.err).toBe(
      `2 call times in the state at ${state()} are in the future (this clock, or the one that wrote them, is wrong); they are counted as now\n`,
    );
    expect(result.code).toBe(0);
    expect(sent()).toBe(4);
    expect(warnings).not.toContain("TimeoutOverflowWarning");
    const after = JSON.parse(readFileSync(calls, "utf8")).calls as number[];
    expect(after.every((t) => t <= Date.now())).toBe(true);
  });

  it("tightens a state directory others can write, and says so (issue 26, case 19)", async () => {
    mkdirSync(state(), { recursive: true });
    chmodSync(state(), 0o777);
    const result = await upload();
    expect(result.err).toBe(
      `the state directory ${state()} was writable by others (mode 777); its permissions are now 700 (owner only)\n`,
    );
    expect(result.code).toBe(0);
    expect(mode(state())).toBe(0o700);
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
