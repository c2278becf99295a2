/**
 * `inbound report` in process against the Graph emulator: an upload through the CLI leaves its run
 * record, the emulator serves provisioning logs of every action and status for its records, and
 * the report joins the two per externalId, as JSON (exact counts, pending records, no personal
 * data unless asked), text and HTML.
 */
import { execFileSync } from "child_process";
import { mkdtempSync, readFileSync, symlinkSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import * as path from "path";
import { stringify } from "yaml";
import { inbound } from "../cli/harness";
import { GraphEmulator, startGraphEmulator } from "../../lib/emulator";
import { csvOf, makeSpecInput, row, seedApiDrivenApp } from "../upload/helpers";
import { logEntry, SEEDS } from "./fixtures";
import { ERROR_CODES_URL, hintFor } from "../../lib/report/hints";

let emulator: GraphEmulator;
let app: { servicePrincipalId: string; jobId: string; endpoint: string };
let dir: string;
beforeEach(async () => {
  emulator = await startGraphEmulator();
  app = await seedApiDrivenApp(emulator, "Contoso HR inbound - employees");
  dir = mkdtempSync(path.join(tmpdir(), "inbound-report-"));
  writeFileSync(path.join(dir, "tenant.yaml"), stringify(makeSpecInput()));
});
afterEach(() => emulator.close());

const cli = (args: string[]) =>
  inbound(args, { cwd: dir, env: { INBOUND_GRAPH_TOKEN: emulator.token } });
const base = ["--spec", "tenant.yaml", "--app", "employees"];
const ids = (from: number, to: number) =>
  Array.from({ length: to - from + 1 }, (_, i) => String(from + i));

/** Uploads 1-14, 7 twice and an unconvertible 15; seeds the logs; returns the run id. */
async function uploadAndSeed(): Promise<string> {
  writeFileSync(
    path.join(dir, "hr.csv"),
    csvOf([...ids(1, 14).map((id) => row(id)), row("7"), row("15", { OnLeave: "maybe" })]),
  );
  const upload = await cli(["upload", ...base, "--csv", "hr.csv", "--endpoint", app.endpoint]);
  expect(upload.code).toBe(3);
  const runId =
    /^report: inbound report --spec tenant\.yaml --app employees --endpoint \S+ --run (\S+)$/m.exec(
      upload.out,
    )?.[1];
  expect(runId).toBeDefined();
  const now = Date.now();
  emulator.state.directory.provisioningLogs.push(
    ...SEEDS.map((seed) => logEntry(app.jobId, now, seed, 1)),
    // Before the run (not this run's), and another job's: neither counts.
    logEntry(app.jobId, now - 86_400_000, { externalId: "1", action: "create", status: "failure" }),
    logEntry("API2AAD.other", now, { externalId: "3", action: "update", status: "failure" }),
  );
  return runId!;
}

describe("inbound report --run", () => {
  it("joins the run's records with the logs per externalId: exact counts, pending records, no personal data", async () => {
    const runId = await uploadAndSeed();
    const result = await cli(["report", ...base, "--run", runId, "--endpoint", app.endpoint]);
    expect(result.err).toBe("");
    expect(result.code).toBe(0);
    const json = await cli([
      "report",
      ...base,
      "--run",
      runId,
      "--endpoint",
      app.endpoint,
      "--json",
    ]);
    expect(json.code).toBe(0);
    const report = JSON.parse(json.out);
    // 1-15 from the run, and 99, which only the logs name.
    expect(report.total).toBe(16);
    expect(report.byUpload).toEqual({ sent: 13, duplicate: 1, invalid: 1 });
    expect(report.byOutcome).toEqual({
      created: 3,
      updated: 2,
      disabled: 1,
      deleted: 1,
      staged: 1,
      skipped: 2,
      failed: 2,
      pending: 2,
    });
    expect(report.byAction).toEqual({
      create: 4,
      update: 3,
      disable: 1,
      delete: 1,
      stagedDelete: 1,
      other: 2,
    });
    expect(report.byStatus).toEqual({ success: 7, warning: 1, failure: 2, skipped: 2 });
    expect(report.pending).toBe(2);
    expect(report.errors).toEqual([
      {
        code: "DuplicateTargetEntries",
        count: 1,
        example: "10",
        hint: hintFor("DuplicateTargetEntries"),
      },
      { code: "SomethingNew", count: 1, example: "11", hint: null },
    ]);
    const byId = Object.fromEntries(
      report.records.map((r: { externalId: string }) => [r.externalId, r]),
    );
    expect(byId["2"]).toEqual({
      externalId: "2",
      line: 3,
      upload: "sent",
      run: runId,
      entra: "created",
      action: "create",
      status: "success",
      at: expect.any(String),
      entries: 2,
    });
    expect(byId["3"]).toMatchObject({ entra: "updated", modifiedProperties: ["department"] });
    expect(byId["8"]).toMatchObject({ entra: "skipped", skipReason: "outOfScope" });
    expect(byId["9"]).toMatchObject({ entra: "skipped", skipReason: "noChange" });
    expect(byId["7"]).toEqual({
      externalId: "7",
      line: 8,
      upload: "duplicate",
      run: runId,
      entries: 0,
    });
    expect(byId["15"]).toMatchObject({ upload: "invalid", line: 17 });
    expect(byId["99"]).toEqual(expect.not.objectContaining({ upload: expect.anything() }));
    expect(
      report.records
        .filter((r: { entra?: string }) => r.entra === "pending")
        .map((r: { externalId: string }) => r.externalId),
    ).toEqual(["13", "14"]);
    expect(report.runs).toEqual([
      expect.objectContaining({
        runId,
        command: `inbound upload --spec tenant.yaml --app employees --csv hr.csv --endpoint ${app.endpoint}`,
        csv: "hr.csv",
        status: "partial",
      }),
    ]);
    // No personal data by default: names, reasons and changed values stay out.
    for (const pii of ["Lovelace", "ada.lovelace", "Finance", "onerror", "00000000-0000"]) {
      expect(json.out).not.toContain(pii);
    }
    expect(report.includesPii).toBe(false);

    const withPii = JSON.parse(
      (
        await cli([
          "report",
          ...base,
          "--run",
          runId,
          "--endpoint",
          app.endpoint,
          "--json",
          "--include-pii",
        ])
      ).out,
    );
    const ten = withPii.records.find((r: { externalId: string }) => r.externalId === "10");
    expect(ten).toMatchObject({
      reason: "Two users match userPrincipalName ada.lovelace@contoso.com <b>",
      displayName: "<img src=x onerror=alert(1)>",
      targetId: "00000000-0000-0000-0000-000000000010",
    });
    expect(
      withPii.records.find((r: { externalId: string }) => r.externalId === "3").changes,
    ).toEqual([{ name: "department", oldValue: "Finance", newValue: "IT" }]);
  });

  it("says the same on a terminal, and points at Microsoft's advice", async () => {
    const runId = await uploadAndSeed();
    const result = await cli(["report", ...base, "--run", runId, "--endpoint", app.endpoint]);
    expect(result.code).toBe(0);
    expect(result.out).toContain(
      "  entra: created 3, updated 2, disabled 1, deleted 1, staged 1, skipped 2, failed 2, pending 2\n",
    );
    expect(result.out).toContain("  uploader: sent 13, duplicate 1, invalid 1\n");
    expect(result.out).toContain("  skipped: no change 1, out of scope 1\n");
    expect(result.out).toContain(`errors (what to do: ${ERROR_CODES_URL})\n`);
    expect(result.out).toContain("  DuplicateTargetEntries: 1 (e.g. externalId 10)\n");
    expect(result.out).toContain(
      "not processed by Entra yet (logs appear 5-10 minutes after an upload; is the job running?): 2\n  line 14  externalId 13  upload sent  entra pending\n",
    );
    expect(result.out).toContain("withheld by the uploader: 3 lines\n");
    expect(result.out).not.toContain("ada.lovelace");
  });

  it("writes one self-contained HTML file with every value escaped", async () => {
    const runId = await uploadAndSeed();
    const args = ["report", ...base, "--run", runId, "--endpoint", app.endpoint];
    const result = await cli([...args, "--html", "report.html", "--include-pii"]);
    expect(result.code).toBe(0);
    expect(result.out).toContain("written: report.html\n");
    const html = readFileSync(path.join(dir, "report.html"), "utf8");
    // Nothing is loaded from anywhere: no src or href but the Learn link, no stylesheet link.
    expect(html.match(/<[^>]*\s(src|href)=/g)).toEqual(["<a href="]);
    expect(html).toContain(`<a href="${ERROR_CODES_URL}">`);
    expect(html).not.toMatch(/<link\b/);
    expect(html).toContain("default-src &#39;none&#39;");
    expect(html).not.toContain("<img src=x");
    expect(html).not.toContain("contoso.com <b>");
    expect(html).toContain("&lt;img src=x onerror=alert(1)&gt;");
    expect(html).toContain("ada.lovelace@contoso.com &lt;b&gt;");
    expect(html).toContain(`<code>inbound upload --spec tenant.yaml --app employees --csv hr.csv`);
    expect(html.match(/<rect class="bar"/g)?.length).toBeGreaterThan(0);
    // The failures: Entra's two, the duplicate and the row that does not convert.
    const failures = /<table id="failures">.*?<tbody>(.*?)<\/tbody>/s.exec(html)![1];
    expect(failures.match(/<tr>/g)).toHaveLength(4);
  });
});

describe("inbound report --since", () => {
  it("takes the runs and the logs of the window", async () => {
    const runId = await uploadAndSeed();
    const result = await cli([
      "report",
      ...base,
      "--since",
      "1h",
      "--endpoint",
      app.endpoint,
      "--json",
    ]);
    expect(result.code).toBe(0);
    const report = JSON.parse(result.out);
    expect(report.runs.map((r: { runId: string }) => r.runId)).toEqual([runId]);
    expect(report.total).toBe(16);
    // The entry of a day ago is outside the window; the query says so.
    const gets = emulator.requests.filter((r) => r.path.endsWith("/auditLogs/provisioning"));
    expect(decodeURIComponent(gets[gets.length - 1].query)).toMatch(
      /jobId eq '[^']+' and activityDateTime ge \d{4}-\d\d-\d\dT/,
    );
  });

  it("reports the logs alone when no run is in the window", async () => {
    const now = Date.now();
    emulator.state.directory.provisioningLogs.push(
      logEntry(app.jobId, now - 3_600_000, {
        externalId: "5",
        action: "create",
        status: "success",
      }),
    );
    const result = await cli(["report", ...base, "--since", "2h", "--endpoint", app.endpoint]);
    expect(result.code).toBe(0);
    expect(result.out).toContain("no upload run in this window: the logs alone\n");
    expect(result.out).toContain("  entra: created 1\n");
  });
});

describe("inbound report: usage and input errors", () => {
  it.each([
    [
      ["--since", "1h", "--run", "20261205T123606Z-k3f9"],
      "--since and --run choose the window both; pass one",
    ],
    [["--run", "../calls"], "--run ../calls is not a run id (like 20261205T123606Z-k3f9)"],
    [
      ["--since", "yesterday"],
      "--since yesterday is not a duration like 1h, 30m, 2d or an ISO date-time",
    ],
    // Issue 26, case 11: a window without bound overflowed the stack, or grew to 4.4 GB.
    [
      ["--since", "0001-01-01"],
      "--since 0001-01-01 goes back more than 30 days, longer than Entra keeps provisioning logs; pass a later time",
    ],
    [
      ["--since", "100000000d"],
      "--since 100000000d goes back more than 30 days, longer than Entra keeps provisioning logs; pass a later time",
    ],
  ])("%j is a usage error", async (extra, message) => {
    const result = await cli(["report", ...base, ...extra, "--endpoint", app.endpoint]);
    expect(result.code).toBe(2);
    expect(result.err).toBe(`${message}\n(run \`inbound report --help\` for usage)\n`);
  });

  it.each([
    [
      "a null among the failed requests",
      { failedRequests: [null] },
      "has a malformed failed request (failedRequests[0])",
    ],
    ["a run id that is a path", { runId: "../../x" }, 'names run "../../x", not RUN'],
  ])(
    "a run.json with %s is exit 1 naming the file (issue 26, case 17)",
    async (_what, patch, problem) => {
      const runId = await uploadAndSeed();
      const state = path.join(dir, ".inbound-state", "contoso", "employees");
      const file = path.join(state, "runs", runId, "run.json");
      writeFileSync(file, JSON.stringify({ ...JSON.parse(readFileSync(file, "utf8")), ...patch }));
      for (const window of [
        ["--run", runId],
        ["--since", "1h"],
      ]) {
        const result = await cli([
          "report",
          ...base,
          ...window,
          "--endpoint",
          app.endpoint,
          "--html",
          "r.html",
        ]);
        expect(result.err).toBe(
          `state document ${file} ${problem.replace("RUN", runId)}; the run record cannot be read\n`,
        );
        expect(result.code).toBe(1);
      }
    },
  );

  it("treats --html as every output path: no replacing without --force, no symlink, no FIFO (issue 26, case 18)", async () => {
    const runId = await uploadAndSeed();
    const args = ["report", ...base, "--run", runId, "--endpoint", app.endpoint];
    writeFileSync(path.join(dir, "victim.txt"), "keep");
    symlinkSync(path.join(dir, "victim.txt"), path.join(dir, "link.html"));
    execFileSync("mkfifo", [path.join(dir, "pipe.html")]);
    writeFileSync(path.join(dir, "old.html"), "old");
    const link = await cli([...args, "--html", "link.html", "--force"]);
    expect([link.code, link.err]).toEqual([
      1,
      "inbound report: --html link.html is a symbolic link, not a regular file; name another path\n",
    ]);
    expect(readFileSync(path.join(dir, "victim.txt"), "utf8")).toBe("keep");
    const fifo = await cli([...args, "--html", "pipe.html"]);
    expect([fifo.code, fifo.err]).toEqual([
      1,
      "inbound report: --html pipe.html is a FIFO (named pipe), not a regular file; name another path\n",
    ]);
    const old = await cli([...args, "--html", "old.html"]);
    expect([old.code, old.err]).toEqual([
      1,
      "inbound report: --html old.html exists; add --force to replace it\n",
    ]);
    expect((await cli([...args, "--html", "old.html", "--force"])).code).toBe(0);
    expect(readFileSync(path.join(dir, "old.html"), "utf8")).toMatch(/^<!doctype html>/i);
  });

  it("names the damaged run record, and an --html file that cannot be written", async () => {
    const runId = await uploadAndSeed();
    const args = ["report", ...base, "--run", runId, "--endpoint", app.endpoint];
    const unwritable = await cli([...args, "--html", "missing/report.html"]);
    expect(unwritable.code).toBe(1);
    expect(unwritable.err).toMatch(
      /^inbound report: cannot write --html missing\/report\.html: ENOENT\n$/,
    );
    const state = path.join(dir, ".inbound-state", "contoso", "employees");
    writeFileSync(path.join(state, "runs", runId, "records-0001.jsonl"), '["1","sent",2]\n{\n');
    const damaged = await cli(args);
    expect(damaged.code).toBe(1);
    expect(damaged.err).toMatch(
      new RegExp(
        `^state document ${state.replace(/[.\\/]/g, "\\$&")}/runs/${runId}/records-0001\\.jsonl:2 is not valid JSON \\(.*\\); the run record cannot be read\n$`,
      ),
    );
  });

  it("names the state directory when the run is not there", async () => {
    const result = await cli([
      "report",
      ...base,
      "--run",
      "20261205T123606Z-k3f9",
      "--endpoint",
      app.endpoint,
    ]);
    expect(result.code).toBe(1);
    expect(result.err).toBe(
      `${path.join(dir, ".inbound-state", "contoso", "employees")}: no run 20261205T123606Z-k3f9 (runs kept there: none); pass --state if the runs are elsewhere\n`,
    );
  });
});

describe("inbound report: the spec's lifecycle workflows in quarantine", () => {
  const WORKFLOW_SPEC = {
    ...makeSpecInput(),
    lifecycleWorkflows: {
      onboard: {
        category: "joiner",
        displayName: "Onboard new hire",
        trigger: { attribute: "employeeHireDate", offsetDays: 0 },
        tasks: ["enableUserAccount"],
      },
      welcome: {
        category: "joiner",
        displayName: "Welcome new hire",
        trigger: { attribute: "employeeHireDate", offsetDays: 1 },
        tasks: ["sendWelcomeEmail"],
      },
    },
  };
  /** A live workflow as Graph lists it, in quarantine or not. */
  const liveWorkflow = (displayName: string, quarantineDetails: unknown) => {
    const id = `wf-${emulator.state.lifecycle.workflows.size + 1}`;
    emulator.state.lifecycle.workflows.set(id, { id, displayName, quarantineDetails });
  };

  it("lists the quarantined one with when and why and how to clear it, in text, JSON and HTML", async () => {
    writeFileSync(path.join(dir, "tenant.yaml"), stringify(WORKFLOW_SPEC));
    // Graph refuses two names that differ only in case, so the match ignores case.
    liveWorkflow("WELCOME NEW HIRE", {
      quarantinedDateTime: "2026-12-07T06:00:00Z",
      quarantineType: "percentageBasedThresholdExceeded",
      quarantineReason: "40% of in-scope users; the limit is 10%.",
    });
    liveWorkflow("Onboard new hire", null);
    liveWorkflow("Not in the spec", { quarantineType: "countBasedThresholdExceeded" });
    const args = ["report", ...base, "--since", "1h", "--endpoint", app.endpoint];

    const text = await cli(args);
    expect(text.err).toBe("");
    expect(text.code).toBe(0);
    expect(text.out).toContain(
      'lifecycle workflows in quarantine: 1 (they process no joiner or leaver)\n  welcome "WELCOME NEW HIRE" since 2026-12-07T06:00:00Z, percentageBasedThresholdExceeded: 40% of in-scope users; the limit is 10%.\n  it runs no scheduled run until a Lifecycle Workflows Administrator, signed in, approves it',
    );

    const json = JSON.parse((await cli([...args, "--json"])).out);
    expect(json.workflows).toEqual({
      quarantined: [
        {
          key: "welcome",
          displayName: "WELCOME NEW HIRE",
          quarantinedDateTime: "2026-12-07T06:00:00Z",
          quarantineType: "percentageBasedThresholdExceeded",
          quarantineReason: "40% of in-scope users; the limit is 10%.",
        },
      ],
    });
    const listed = emulator.requests.filter((r) =>
      r.path.endsWith("/identityGovernance/lifecycleWorkflows/workflows"),
    );
    expect(decodeURIComponent(listed[listed.length - 1].query)).toContain(
      "$select=id,displayName,quarantineDetails",
    );

    const html = await cli([...args, "--html", "report.html"]);
    expect(html.code).toBe(0);
    const page = readFileSync(path.join(dir, "report.html"), "utf8");
    expect(page).toContain("1 lifecycle workflow is in quarantine.");
    expect(page).toContain("<h2>Lifecycle workflows in quarantine: 1</h2>");
    expect(page).toContain("Each runs no scheduled run until a Lifecycle Workflows Administrator");
  });

  it("none in quarantine says so; a refused read is named and the report goes on", async () => {
    writeFileSync(path.join(dir, "tenant.yaml"), stringify(WORKFLOW_SPEC));
    liveWorkflow("Onboard new hire", null);
    const args = ["report", ...base, "--since", "1h", "--endpoint", app.endpoint];
    const clean = await cli(args);
    expect(clean.code).toBe(0);
    expect(clean.out).toContain("lifecycle workflows in quarantine: none\n");

    emulator.faults.add({
      status: 403,
      method: "GET",
      path: /\/lifecycleWorkflows\/workflows$/,
      times: 1,
    });
    const refused = await cli(args);
    expect(refused.code).toBe(0);
    expect(refused.out).toMatch(
      /lifecycle workflows: quarantine not read \(Graph GET \/v1\.0\/identityGovernance\/lifecycleWorkflows\/workflows\?.* 403 /,
    );
  });

  it("a spec without lifecycle workflows reads none and shows nothing of them", async () => {
    const result = await cli([
      "report",
      ...base,
      "--since",
      "1h",
      "--endpoint",
      app.endpoint,
      "--json",
    ]);
    expect(result.code).toBe(0);
    expect(JSON.parse(result.out)).not.toHaveProperty("workflows");
    expect(emulator.requests.some((r) => r.path.includes("/lifecycleWorkflows/"))).toBe(false);
  });
});
