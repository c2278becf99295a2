/**
 * Bad HR days (issue 25): exports that would hurt people by the lifecycle road are refused before
 * the first request, driven through the command line against the Graph emulator, which records
 * what it received and in which request.
 */
import { writeFileSync } from "fs";
import * as path from "path";
import { stringify } from "yaml";
import { inbound } from "../cli/harness";
import { DirectoryStateStore, listRuns, readRunHeader } from "../../lib/upload";
import { bulkIds, csvOf, makeSpecInput, row, emulatorAppPerTest } from "./helpers";

const DAY = 86_400_000;

const ctx = emulatorAppPerTest("inbound-baddays-");

const bulk = () => bulkIds(ctx.emulator);

/**
 * The sample app with a leave date (column Custom01), a mover workflow on department and a leaver
 * workflow; `workflows` and `scope` replace or add to them.
 */
function writeSpec(
  uploader: Record<string, unknown> = {},
  more: { workflows?: Record<string, unknown>; scope?: unknown } = {},
): void {
  const columns = {
    ...makeSpecInput().provisioning.employees.uploader.csv.columns,
    "ext:LeaveDate": "[Custom01]",
  };
  const input = makeSpecInput(columns, uploader) as ReturnType<typeof makeSpecInput> &
    Record<string, unknown>;
  const employees = input.provisioning.employees as Record<string, unknown> & {
    scimExtension: { attributes: Record<string, string> };
    mappings: Record<string, unknown>;
  };
  employees.scimExtension.attributes.LeaveDate = "dateTime";
  employees.mappings.employeeLeaveDateTime = "[ext:LeaveDate]";
  if (more.scope) employees.scope = more.scope;
  const spec = {
    ...input,
    lifecycleWorkflows: {
      move: {
        category: "mover",
        displayName: "Move",
        trigger: { attributeChanged: ["department"] },
        tasks: ["notifyManagerOfUserMove"],
      },
      leave: {
        category: "leaver",
        displayName: "Leave",
        trigger: { attribute: "employeeLeaveDateTime" },
        tasks: ["disableUserAccount"],
      },
      ...more.workflows,
    },
  };
  writeFileSync(path.join(ctx.dir, "tenant.yaml"), stringify(spec));
}

const ids = (n: number) => Array.from({ length: n }, (_, i) => String(1001 + i));
const base = ["--spec", "tenant.yaml", "--app", "employees", "--csv", "hr.csv"];
const cli = (args: string[]) =>
  inbound(args, { cwd: ctx.dir, env: { INBOUND_GRAPH_TOKEN: ctx.emulator.token } });
const upload = (...extra: string[]) =>
  cli(["upload", ...base, "--endpoint", ctx.app.endpoint, ...extra]);
/** `inbound report` of the runs so far. */
const runReport = () =>
  cli(["report", "--spec", "tenant.yaml", "--app", "employees", "--endpoint", ctx.app.endpoint]);
const writeCsv = (rows: string[]) => writeFileSync(path.join(ctx.dir, "hr.csv"), csvOf(rows));

/** 200 people sent once, so that the state knows them. */
async function firstLoad(): Promise<void> {
  writeSpec();
  writeCsv(ids(200).map((id) => row(id)));
  const first = await upload();
  expect(first.code).toBe(0);
  expect(bulk().flat()).toHaveLength(200);
}

const inTenDays = new Date(Date.now() + 10 * DAY).toISOString().slice(0, 10);

describe("the safeguard sees the lifecycle road", () => {
  it("refuses leave dates for 60 of 200 people ten days from now, before the first request", async () => {
    await firstLoad();
    const leaving = ids(60);
    writeCsv(ids(200).map((id) => row(id, leaving.includes(id) ? { Custom01: inTenDays } : {})));
    const refused = await upload();
    expect(refused.code).toBe(1);
    expect(refused.err).toContain(
      "refused: safeguard: 60 of 200 known users get a leave date within 30 days (30.0%, maxLeaverPercent 5%), more than allowed: the leaver workflows disable them on that date (externalId 1001, 1002, 1003, 1004, 1005, … (55 more)); check the HR file, or pass --allow-leavers if this is intended",
    );
    // The leave date alone is the leaver check's, not a change a trigger reads.
    expect(refused.err).not.toContain("maxChangePercent");
    expect(refused.err).not.toContain(inTenDays);
    expect(bulk()).toHaveLength(4);

    // The dry run and simulate count the same.
    const dry = await upload("--dry-run");
    expect(dry.code).toBe(1);
    expect(dry.err).toContain("60 of 200 known users get a leave date within 30 days");
    const simulated = await cli(["simulate", ...base]);
    expect(simulated.out + simulated.err).toContain(
      "60 of 200 known users get a leave date within 30 days (externalId 1001, 1002, 1003, 1004, 1005, …)",
    );

    const allowed = await upload("--allow-leavers");
    expect(allowed.code).toBe(0);
    expect(bulk().slice(4).flat()).toEqual(leaving);
    const store = new DirectoryStateStore(
      path.join(ctx.dir, ".inbound-state", "contoso", "employees"),
    );
    const runs = await listRuns(store);
    // Run ids sort by second, then by a random suffix: the run is found by its command.
    const headers = await Promise.all(runs.map((run) => readRunHeader(store, run)));
    const record = headers.find((h) => h?.command.includes("--allow-leavers"));
    expect(record?.overrides).toEqual([
      "--allow-leavers: 60 of 200 known users get a leave date within 30 days (30.0%, maxLeaverPercent 5%)",
    ]);
    expect(record?.command).toContain("--allow-leavers");
    const report = await runReport();
    expect(report.out).toContain(
      "safeguard overridden: --allow-leavers: 60 of 200 known users get a leave date within 30 days (30.0%, maxLeaverPercent 5%)",
    );
  });

  it("lets a leave date far ahead, or a few near ones, through", async () => {
    await firstLoad();
    const far = new Date(Date.now() + 90 * DAY).toISOString().slice(0, 10);
    writeCsv(
      ids(200).map((id, i) => row(id, { Custom01: i < 60 ? far : i < 65 ? inTenDays : "" })),
    );
    const sent = await upload();
    expect(sent.code).toBe(0);
    expect(sent.err).toContain("5 of 200 known users get a leave date within 30 days");
    expect(bulk().slice(4).flat()).toHaveLength(65);
    // The 60 far leave dates moved to ten days from now: the leaver workflows run on the new date.
    writeCsv(ids(200).map((id, i) => row(id, { Custom01: i < 65 ? inTenDays : "" })));
    const moved = await upload();
    expect(moved.code).toBe(1);
    expect(moved.err).toContain(
      "refused: safeguard: 60 of 200 known users get a leave date within 30 days (30.0%, maxLeaverPercent 5%)",
    );
    expect(bulk().slice(4).flat()).toHaveLength(65);
  });

  it("refuses moving 100 of 200 people to another department, naming the attribute and the count", async () => {
    await firstLoad();
    writeCsv(ids(200).map((id, i) => row(id, i % 2 === 0 ? { Department: "Sales" } : {})));
    const refused = await upload();
    expect(refused.code).toBe(1);
    expect(refused.err).toContain(
      "refused: safeguard: department changes for 100 of 200 known users (50.0%, maxChangePercent 20%), more than allowed: workflow move (attributeChanged) reads it (externalId 1001, 1003, 1005, 1007, 1009, … (95 more)); check the HR file, or pass --allow-changes if this is intended",
    );
    expect(refused.err).not.toContain("Sales");
    expect(bulk()).toHaveLength(4);
    // The dry run and simulate count the same.
    const dry = await upload("--dry-run");
    expect(dry.code).toBe(1);
    expect(dry.err).toContain("department changes for 100 of 200 known users (50.0%");
    const simulated = await cli(["simulate", ...base]);
    expect(simulated.out + simulated.err).toContain(
      "department changes for 100 of 200 known users; read by workflow move (attributeChanged) (externalId 1001, 1003, 1005, 1007, 1009, …)",
    );
    const allowed = await upload("--allow-changes");
    expect(allowed.code).toBe(0);
    expect(allowed.err).toContain(
      "safeguard overridden: --allow-changes: department changes for 100 of 200 known users",
    );
    expect(bulk().slice(4).flat()).toHaveLength(100);
    const report = await runReport();
    expect(report.out).toContain(
      "safeguard overridden: --allow-changes: department changes for 100 of 200 known users (50.0%, maxChangePercent 20%)",
    );
  });

  it("refuses changing for 100 of 200 people an attribute that a workflow scope reads", async () => {
    writeSpec(
      {},
      {
        workflows: {
          move: {
            category: "mover",
            displayName: "Move",
            trigger: { attributeChanged: ["givenName"] },
            tasks: ["notifyManagerOfUserMove"],
          },
          leave: {
            category: "leaver",
            displayName: "Leave",
            trigger: { attribute: "employeeLeaveDateTime" },
            scope: "(department eq 'IT')",
            tasks: ["disableUserAccount"],
          },
        },
      },
    );
    writeCsv(ids(200).map((id) => row(id)));
    const first = await upload();
    expect(first.err).toBe("");
    expect(first.code).toBe(0);
    writeCsv(ids(200).map((id, i) => row(id, i < 100 ? { Department: "Sales" } : {})));
    const refused = await upload();
    expect(refused.code).toBe(1);
    expect(refused.err).toContain(
      "refused: safeguard: department changes for 100 of 200 known users (50.0%, maxChangePercent 20%), more than allowed: workflow leave (scope) reads it (externalId 1001, 1002, 1003, 1004, 1005, … (95 more))",
    );
    expect(bulk()).toHaveLength(4);
  });

  it("refuses changing for 100 of 200 people an attribute that the provisioning scope reads", async () => {
    writeSpec(
      {},
      {
        scope: {
          anyOf: [{ allOf: [{ attribute: "userType", operator: "equals", value: "Employee" }] }],
        },
      },
    );
    writeCsv(ids(200).map((id) => row(id)));
    expect((await upload()).code).toBe(0);
    writeCsv(ids(200).map((id, i) => row(id, i >= 100 ? { WorkerType: "Contractor" } : {})));
    const refused = await upload();
    expect(refused.code).toBe(1);
    expect(refused.err).toContain(
      "refused: safeguard: userType changes for 100 of 200 known users (50.0%, maxChangePercent 20%), more than allowed: the provisioning scope reads it (externalId 1101, 1102, 1103, 1104, 1105, … (95 more))",
    );
    expect(refused.err).not.toContain("Contractor");
    expect(bulk()).toHaveLength(4);
  });

  it("upgrades a state written before the watch digests, and sees the next change", async () => {
    await firstLoad();
    const stateDir = path.join(ctx.dir, ".inbound-state", "contoso", "employees");
    const store = new DirectoryStateStore(stateDir);
    // Make it a version 2 state: no watch names, no digests on the shard lines.
    const calls = JSON.parse((await store.get("calls.json"))!) as Record<string, unknown>;
    expect(calls.version).toBe(3);
    expect(calls.watch).toEqual(["employeeLeaveDateTime", "department"]);
    delete calls.watch;
    await store.put("calls.json", JSON.stringify({ ...calls, version: 2 }));
    for (const key of await store.list("records/")) {
      const text = (await store.get(key))!;
      const lines = text.split("\n").filter(Boolean);
      const old = lines.map((l) => JSON.stringify((JSON.parse(l) as unknown[]).slice(0, 3)));
      await store.put(key, old.map((l) => l + "\n").join(""));
    }
    // Unchanged: nothing is sent, and the state is upgraded with the digests.
    const same = await upload();
    expect(same.code).toBe(0);
    expect(bulk()).toHaveLength(4);
    const upgraded = JSON.parse((await store.get("calls.json"))!) as Record<string, unknown>;
    expect(upgraded.version).toBe(3);
    expect(upgraded.watch).toEqual(["employeeLeaveDateTime", "department"]);
    writeCsv(ids(200).map((id, i) => row(id, i < 100 ? { Department: "Sales" } : {})));
    const refused = await upload();
    expect(refused.code).toBe(1);
    expect(refused.err).toContain("department changes for 100 of 200 known users");
  });
});

/** The bulkUpload requests the emulator received, whatever it answered. */
const bulkRequests = () => ctx.emulator.requests.filter((r) => r.path.endsWith("/bulkUpload"));

describe("slow start and grouped errors", () => {
  it.each([
    [400, "a request refused as a whole", 2],
    [401, "a token refused", 1],
    [403, "a token without the upload permission", 1],
    [404, "a wrong endpoint", 2],
  ] as const)(
    "stops after at most two requests when every one is refused with %i (%s)",
    async (status, _case, most) => {
      writeSpec();
      writeCsv(ids(600).map((id) => row(id)));
      ctx.emulator.faults.add({ path: /\/bulkUpload$/, status, times: 100 });
      const run = await upload();
      expect(run.code).toBe(1);
      expect(bulkRequests()).toHaveLength(most);
      expect(run.err).toContain("stopped: ");
      expect(run.out).toContain(`not attempted ${600 - most * 50}`);
    },
  );

  it("opens up to its concurrency after the first request is accepted", async () => {
    writeSpec();
    writeCsv(ids(600).map((id) => row(id)));
    // The first answer is slow: nothing else may start before it.
    ctx.emulator.faults.add({ path: /\/bulkUpload$/, delayMs: 300, times: 1 });
    const run = await upload();
    expect(run.code).toBe(0);
    // Recorded when answered: without the slow start the other eleven, sent at once, would be
    // answered during the first one's 300 ms.
    const requests = bulkRequests();
    expect(requests).toHaveLength(12);
    const firstId = (r: (typeof requests)[number]) =>
      (r.body as { Operations: { data: { externalId: string } }[] }).Operations[0].data.externalId;
    const first = requests.find((r) => firstId(r) === "1001")!;
    const others = requests.filter((r) => r !== first);
    expect(Math.min(...others.map((r) => r.at))).toBeGreaterThanOrEqual(first.at);
  });

  it("groups 100 rows with the same bad date into one line and exits 1, sending nothing", async () => {
    writeSpec();
    writeCsv(ids(100).map((id) => row(id, { HireDate: "31/12/2020" })));
    const run = await upload();
    expect(run.code).toBe(1);
    const lines = run.err.split("\n").filter(Boolean);
    expect(lines).toEqual([
      'hr.csv: 100 rows skipped: ext:HireDate (column HireDate): expected a date yyyy-MM-dd or an ISO 8601 date-time; convert other formats with FormatDateTime([column], , "<in>", "yyyy-MM-dd") (value hidden; --verbose shows it) (lines 2, 3, 4, 5, 6, …)',
      "--verbose lists every skipped row",
      "no row of hr.csv can be sent (see the errors above); nothing was sent",
    ]);
    expect(bulkRequests()).toHaveLength(0);
    const verbose = await upload("--verbose");
    expect(verbose.code).toBe(1);
    expect(verbose.err.split("\n").filter((l) => l.includes("31/12/2020"))).toHaveLength(100);
  });
  it("groups row errors by kind, one line each, sends the valid rows and exits 3", async () => {
    writeSpec();
    writeCsv(
      ids(20).map((id, i) =>
        row(id, i % 3 === 0 ? { HireDate: "31/12/2020" } : i % 3 === 1 ? { OnLeave: "maybe" } : {}),
      ),
    );
    const run = await upload();
    expect(run.code).toBe(3);
    const lines = run.err.split("\n").filter((l) => l.includes("rows skipped"));
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(
      /^hr\.csv: 7 rows skipped: ext:HireDate .* \(lines 2, 5, 8, 11, 14, …\)$/,
    );
    expect(lines[1]).toMatch(
      /^hr\.csv: 7 rows skipped: ext:OnLeave .* \(lines 3, 6, 9, 12, 15, …\)$/,
    );
    expect(run.err).not.toContain("maybe");
    expect(bulk().flat()).toEqual(ids(20).filter((_, i) => i % 3 === 2));
  });
});

describe("managers first", () => {
  it("sends a manager in an earlier request than its reports, whatever the file's order", async () => {
    writeSpec();
    const reports = ids(100).map((id) => row(id, { ManagerID: "2000" }));
    writeCsv([...reports, row("2000", { ManagerID: "3000" }), row("3000", { ManagerID: "" })]);
    const run = await upload();
    expect(run.code).toBe(0);
    expect(bulk()).toEqual([["3000"], ["2000"], ids(50), ids(100).slice(50)]);
    expect(run.err).not.toContain("manager id");
  });

  it("reads the manager from whatever attribute the spec maps to manager", async () => {
    const { "enterprise:manager.value": _manager, ...columns } =
      makeSpecInput().provisioning.employees.uploader.csv.columns;
    const spec = makeSpecInput({ ...columns, "ext:Boss": "[ManagerID]" });
    const employees = spec.provisioning.employees as Record<string, unknown> & {
      scimExtension: { attributes: Record<string, string> };
      mappings: Record<string, unknown>;
    };
    employees.scimExtension.attributes.Boss = "string";
    employees.mappings.manager = "[ext:Boss]";
    writeFileSync(path.join(ctx.dir, "tenant.yaml"), stringify(spec));
    const reports = ids(60).map((id) => row(id, { ManagerID: "2000" }));
    writeCsv([...reports, row("2000", { ManagerID: "9001" })]);
    const run = await upload();
    expect(run.code).toBe(0);
    expect(bulk()).toEqual([["2000"], ids(50), ids(60).slice(50)]);
    expect(run.err).toContain(
      "1 manager id is neither in the file nor known from earlier runs: 9001 (manager of 1 record sent)",
    );
  });

  it("names manager ids that are neither in the file nor known, and still sends (exit 0)", async () => {
    writeSpec();
    writeCsv([
      ...ids(3).map((id) => row(id, { ManagerID: "9001" })),
      row("1004", { ManagerID: "1001" }),
      row("1005", { ManagerID: "9002" }),
    ]);
    const run = await upload();
    expect(run.code).toBe(0);
    expect(run.err).toContain(
      "2 manager ids are neither in the file nor known from earlier runs: 9001, 9002 (manager of 4 records sent); Entra leaves their manager empty until a record with that id is sent",
    );
    expect(bulk().flat()).toHaveLength(5);
    // A manager known from an earlier run is not named again, though no longer in the file.
    const rest = [
      ...ids(3).map((id) => row(id, { ManagerID: "9001" })),
      row("1004", { ManagerID: "1001" }),
    ];
    writeCsv([...rest, row("1005", { ManagerID: "" }), row("9001", { ManagerID: "" })]);
    expect((await upload()).code).toBe(0);
    writeCsv([...rest, row("1005", { ManagerID: "" }), row("1006", { ManagerID: "9001" })]);
    const later = await upload("--allow-deletes");
    expect(later.code).toBe(0);
    expect(later.err).not.toContain("manager id");
    expect(bulk().slice(-1)).toEqual([["1006"]]);
  });
});

describe("upload --wait", () => {
  const job = () =>
    ctx.emulator.state.provisioning.servicePrincipals
      .get(ctx.app.servicePrincipalId)!
      .jobs.get(ctx.app.jobId)!.job;

  it("follows the records in the provisioning logs: exit 0 when all were processed", async () => {
    writeSpec();
    job().schedule.state = "Active";
    job().status = { code: "Active", quarantine: null };
    writeCsv(ids(3).map((id) => row(id)));
    const run = await upload("--wait", "5s");
    expect(run.code).toBe(0);
    expect(run.out).toContain("processed 3 of 3, failed 0, pending 0");
  });

  it("exits 1 and shows the job's state when the service processed nothing", async () => {
    writeSpec();
    job().schedule.state = "Paused";
    job().status = { code: "Paused", quarantine: null };
    writeCsv(ids(3).map((id) => row(id)));
    const run = await upload("--wait", "1s");
    expect(run.code).toBe(1);
    expect(run.out).toContain("processed 0 of 3, failed 0, pending 3");
    expect(run.err).toContain(
      "accepted, nothing processed: the job's schedule is Paused, its status Paused",
    );
  });

  it("exits 1 and names the quarantine when a quarantined job processed nothing", async () => {
    writeSpec();
    // The emulator processes records only for a job whose schedule is Active.
    job().schedule.state = "Paused";
    job().status = { code: "Quarantine", quarantine: { reason: "EncounteredQuarantineException" } };
    writeCsv(ids(3).map((id) => row(id)));
    const run = await upload("--wait", "1s");
    expect(run.code).toBe(1);
    expect(run.out).toContain("processed 0 of 3, failed 0, pending 3");
    expect(run.err).toContain(
      "accepted, nothing processed: the job's schedule is Paused, its status Quarantine (quarantined: EncounteredQuarantineException)",
    );
  });

  it("exits 3 when some records are still pending when the time is up, naming them", async () => {
    writeSpec();
    job().schedule.state = "Active";
    job().status = { code: "Active", quarantine: null };
    // The service has not reached records 1002 and 1003 yet: their log entries never appear.
    const logs = ctx.emulator.state.directory.provisioningLogs;
    const push = logs.push.bind(logs);
    logs.push = (...entries) =>
      push(
        ...entries.filter((e) => {
          const id = (e.sourceIdentity as { id: string }).id;
          return id !== "1002" && id !== "1003";
        }),
      );
    writeCsv(ids(3).map((id) => row(id)));
    const run = await upload("--wait", "1s");
    expect(run.code).toBe(3);
    expect(run.out).toContain("processed 1 of 3, failed 0, pending 2");
    expect(run.err).toContain("pending: externalId 1002, 1003");
    expect(run.err).not.toContain("nothing processed");
  });

  it("exits 3 when records failed, naming them", async () => {
    writeSpec();
    job().schedule.state = "Active";
    job().status = { code: "Active", quarantine: null };
    // A job without a User mapping fails every record.
    const entry = ctx.emulator.state.provisioning.servicePrincipals
      .get(ctx.app.servicePrincipalId)!
      .jobs.get(ctx.app.jobId)!;
    (entry.schema as { synchronizationRules: unknown[] }).synchronizationRules = [];
    writeCsv(ids(2).map((id) => row(id)));
    const run = await upload("--wait", "5s");
    expect(run.code).toBe(3);
    expect(run.out).toContain("processed 0 of 2, failed 2, pending 0");
    expect(run.err).toContain(
      "failed: externalId 1001: NoUserMapping: the job's schema has no mapping for User objects",
    );
  });
});

describe("a first load larger than the daily quota", () => {
  it("says how many days it takes, sends what fits, and goes on the next day without re-sending", async () => {
    writeSpec({ rate: { dailyQuota: 3 } });
    writeCsv(ids(400).map((id) => row(id)));
    const first = await upload();
    expect(first.code).toBe(3);
    expect(first.err).toContain(
      "this load of 400 new records needs 8 bulkUpload calls, more than the 3 left of the daily quota of 3: it takes about 3 days",
    );
    expect(bulk()).toEqual([ids(50), ids(100).slice(50), ids(150).slice(100)]);
    // The next day: the calls of the first are more than 24 h old.
    const store = new DirectoryStateStore(
      path.join(ctx.dir, ".inbound-state", "contoso", "employees"),
    );
    const calls = JSON.parse((await store.get("calls.json"))!) as { calls: number[] };
    calls.calls = calls.calls.map((t) => t - DAY - 60_000);
    await store.put("calls.json", JSON.stringify(calls));
    const second = await upload();
    expect(second.code).toBe(3);
    expect(second.err).toContain("this load of 250 new records needs 5 bulkUpload calls");
    expect(bulk().slice(3).flat()).toEqual(ids(300).slice(150));
  });
});
