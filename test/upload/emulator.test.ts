/**
 * Issue 5's "must show", against the shared Graph emulator enforcing the bulkUpload limit and
 * injecting 10% 429s with Retry-After, 5% 503s and 3% dropped connections: every record is
 * accepted exactly once (duplicates reported and withheld), no request holds more than 50
 * operations, no window of the emulator's own recorded arrivals exceeds the limit, a run killed
 * mid-way (a real SIGKILL of the CLI) and restarted resends only what was in flight, a second run
 * sends nothing, and a file with 1% changed rows sends only those.
 *
 * Windows are scaled (40 per 500 ms, 40 per 1 s for the CLI, whose spec allows no shorter
 * window) so the tests take seconds; nothing here asserts on time.
 */
import { spawn } from "child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import * as path from "path";
import { stringify } from "yaml";
import type { CliIo } from "../../cli/io";
import { upload } from "../../cli/commands/upload";
import { createGraphClient } from "../../lib/graph";
import { executePlan, planUpload } from "../../lib/upload/engine";
import { DirectoryStateStore } from "../../lib/upload/state";
import { GraphEmulator, RecordedRequest, startGraphEmulator } from "../../lib/emulator";
import { csvOf, makeApp, makeSpecInput, row, SAMPLE_1000 } from "./helpers";

jest.setTimeout(120_000);

const JOB_PATH = "/v1.0/servicePrincipals/sp-1/synchronization/jobs/API2AAD.abc.def/bulkUpload";
const FAULTS = { rate429: 0.1, rate503: 0.05, rateReset: 0.03, path: /\/bulkUpload$/ };
// The client's policy, scaled like the windows.
const RETRY = { baseDelayMs: 20, maxDelayMs: 200 };

let emulator: GraphEmulator | undefined;
let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), "inbound-emulator-"));
});
afterEach(async () => {
  await emulator?.close();
  emulator = undefined;
  rmSync(dir, { recursive: true, force: true });
});

const ids = (n: number) => Array.from({ length: n }, (_, i) => String(10_000 + i));

function bulkRequests(): RecordedRequest[] {
  return emulator!.requests.filter((r) => r.path.endsWith("/bulkUpload"));
}

/** externalIds the emulator accepted (202), one entry per delivery. */
function delivered(from = 0): string[] {
  return emulator!.state.directory.bulkUploads
    .slice(from)
    .flatMap((u) =>
      (u.body as { Operations: { data: { externalId: string } }[] }).Operations.map(
        (o) => o.data.externalId,
      ),
    );
}

/** The most arrivals the emulator recorded within any `windowMs`, every attempt counted. */
function busiestWindow(windowMs: number): number {
  const times = bulkRequests()
    .map((r) => r.at)
    .sort((a, b) => a - b);
  let most = 0;
  for (let i = 0, j = 0; i < times.length; i++) {
    while (times[i] - times[j] >= windowMs) j++;
    most = Math.max(most, i - j + 1);
  }
  return most;
}

async function engineRun(csv: string, state: string) {
  const store = new DirectoryStateStore(state);
  const { plan, problems } = await planUpload({ app: makeApp(), csv, store });
  expect(problems).toEqual([]);
  expect(plan!.refusals).toEqual([]);
  const result = await executePlan(plan!, {
    graph: createGraphClient({ baseUrl: emulator!.url, token: emulator!.token, retry: RETRY }),
    endpoint: `${emulator!.url}${JOB_PATH}`,
    store,
    rate: { requestsPerWindow: 40, windowSeconds: 0.5 },
  });
  return { plan: plan!, result };
}

describe("Microsoft's 1000-row sample under throttling and faults", () => {
  it("accepts every record once, withholds and reports the duplicates, never exceeds 50 operations or the window", async () => {
    emulator = await startGraphEmulator({ bulkRate: { requests: 40, windowMs: 500 } });
    emulator.faults.random({ ...FAULTS, retryAfterSeconds: 0.2, seed: 5 });
    const { plan, result } = await engineRun(SAMPLE_1000, path.join(dir, "state"));

    const lines = readFileSync(SAMPLE_1000, "utf8").trim().split("\n").slice(1);
    const counts = new Map<string, number>();
    for (const l of lines) counts.set(l.split(",")[0], (counts.get(l.split(",")[0]) ?? 0) + 1);
    const unique = [...counts].filter(([, n]) => n === 1).map(([id]) => id);
    expect(plan.duplicates).toHaveLength(265);
    expect(plan.duplicates.every((d) => d.lines.length === counts.get(d.externalId))).toBe(true);
    expect(result.accepted).toBe(359);
    expect(result.failed).toEqual([]);
    expect(result.notAttempted).toBe(0);
    expect(delivered().sort()).toEqual(unique.sort());

    const attempts = bulkRequests();
    const injected = attempts.filter((r) => r.fault === "injected");
    expect(injected.length).toBeGreaterThan(0);
    expect(result.retries).toBe(injected.length);
    expect(attempts.filter((r) => r.fault === "rateLimit")).toEqual([]);
    for (const r of attempts) {
      expect((r.body as { Operations: unknown[] }).Operations.length).toBeLessThanOrEqual(50);
    }
    expect(busiestWindow(500)).toBeLessThanOrEqual(40);
  });
});

describe("a 6,000-row file at the ceiling", () => {
  it("fills the windows without exceeding them, then sends nothing again, then only the 1% changed rows", async () => {
    emulator = await startGraphEmulator({ bulkRate: { requests: 40, windowMs: 500 } });
    emulator.faults.random({ ...FAULTS, retryAfterSeconds: 0.2, seed: 11 });
    const file = path.join(dir, "hr.csv");
    const state = path.join(dir, "state");
    writeFileSync(file, csvOf(ids(6000).map((id) => row(id))));

    const first = await engineRun(file, state);
    expect(first.result.accepted).toBe(6000);
    expect(first.result.failed).toEqual([]);
    expect(delivered().sort()).toEqual(ids(6000).sort());
    const attempts = bulkRequests();
    expect(attempts.filter((r) => r.status === 202)).toHaveLength(120);
    expect(attempts.filter((r) => r.fault === "injected").length).toBeGreaterThan(10);
    expect(attempts.filter((r) => r.fault === "rateLimit")).toEqual([]);
    expect(attempts.every((r) => (r.body as { Operations: unknown[] }).Operations.length <= 50));
    // The limit binds: the run fills windows (to the brim unless the machine is very busy) and
    // never past it.
    expect(busiestWindow(500)).toBeLessThanOrEqual(40);
    expect(busiestWindow(500)).toBeGreaterThanOrEqual(30);

    const before = emulator.requests.length;
    const again = await engineRun(file, state);
    expect(again.plan.unchanged).toBe(6000);
    expect(again.result.calls).toBe(0);
    expect(emulator.requests.length).toBe(before);

    const changed = ids(6000).filter((_, i) => i % 100 === 0);
    writeFileSync(
      file,
      csvOf(ids(6000).map((id) => row(id, changed.includes(id) ? { JobTitle: "Architect" } : {}))),
    );
    const uploads = emulator.state.directory.bulkUploads.length;
    const delta = await engineRun(file, state);
    expect(delta.plan.unchanged).toBe(5940);
    expect(delta.result.accepted).toBe(60);
    expect(delivered(uploads).sort()).toEqual(changed.sort());
  });
});

describe("a run killed mid-way", () => {
  it("resends, when restarted, only the requests that were in flight at the kill", async () => {
    emulator = await startGraphEmulator({ bulkRate: { requests: 40, windowMs: 1000 } });
    emulator.faults.random({ ...FAULTS, retryAfterSeconds: 1, seed: 3 });
    const spec = path.join(dir, "tenant.yaml");
    writeFileSync(
      spec,
      stringify(makeSpecInput(undefined, { rate: { requestsPerWindow: 40, windowSeconds: 1 } })),
    );
    const csv = path.join(dir, "hr.csv");
    writeFileSync(csv, csvOf(ids(6000).map((id) => row(id))));
    const state = path.join(dir, "state");
    const args = ["upload", "--spec", spec, "--app", "employees", "--csv", csv];
    args.push("--endpoint", `${emulator.url}${JOB_PATH}`, "--state", state);

    const cli = spawn(
      process.execPath,
      [path.join(__dirname, "..", "..", "bin", "inbound.js"), ...args],
      {
        env: { ...process.env, INBOUND_GRAPH_TOKEN: emulator.token },
        stdio: "ignore",
      },
    );
    let exitCode: number | null | undefined;
    const exited = new Promise((resolve) =>
      cli.on("exit", (code) => {
        exitCode = code;
        resolve(code);
      }),
    );
    // Mid-way: once the service has taken 60 of the 120 requests.
    while (emulator.state.directory.bulkUploads.length < 60 && exitCode === undefined) {
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    expect(exitCode).toBeUndefined();
    cli.kill("SIGKILL");
    await exited;

    const atKill = delivered();
    const checkpointed = new Set(
      // A temp file the kill left half-written is not a checkpoint (the store never lists it).
      readdirSync(path.join(state, "checkpoint"))
        .filter((f) => f.endsWith(".json"))
        .flatMap((f) =>
          (
            JSON.parse(readFileSync(path.join(state, "checkpoint", f), "utf8")) as {
              records: [string][];
            }
          ).records.map(([id]) => id),
        ),
    );
    // In flight: taken by the service, not yet acknowledged to the uploader's checkpoint.
    const inFlight = atKill.filter((id) => !checkpointed.has(id));
    expect(checkpointed.size).toBeGreaterThan(0);
    expect(checkpointed.size).toBeLessThan(6000);
    expect(inFlight.length).toBeLessThanOrEqual(40 * 50);

    const uploads = emulator.state.directory.bulkUploads.length;
    let out = "";
    const io: CliIo = {
      out: (t) => (out += t),
      err: (t) => (out += t),
      isTTY: false,
      env: { INBOUND_GRAPH_TOKEN: emulator.token },
      cwd: dir,
    };
    const code = await upload(
      { spec, app: "employees", csv, endpoint: `${emulator.url}${JOB_PATH}`, state },
      io,
    );
    expect(out).toContain(`${checkpointed.size} records were accepted already`);
    // The killed run's lock is taken over, and its temp files are gone.
    expect(out).toMatch(/took over the lock of process \d+ on .*, which is no longer running/);
    expect(
      readdirSync(state, { recursive: true }).filter((f) => String(f).endsWith(".tmp")),
    ).toEqual([]);
    expect(code).toBe(0);
    const resent = delivered(uploads);
    // Nothing acknowledged is sent again; what is sent again was in flight; nothing is lost.
    expect(resent.filter((id) => checkpointed.has(id))).toEqual([]);
    expect(resent.filter((id) => atKill.includes(id)).sort()).toEqual(inFlight.sort());
    expect(new Set([...atKill, ...resent]).size).toBe(6000);
    expect(resent).toHaveLength(6000 - checkpointed.size);
  });
});
