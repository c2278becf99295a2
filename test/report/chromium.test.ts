/**
 * The HTML report in a real browser: Debian's headless Chromium opens the file, runs its inline
 * script under the file's own Content-Security-Policy, and its DOM after the scripts ran shows the
 * chart's bars and the failures filtered by the address's `#q=`. The same run takes the screenshot
 * docs/report.md shows (set INBOUND_REPORT_SCREENSHOT=docs/images/report.png to rewrite it).
 *
 * .ci/run installs Chromium where it is missing; this test fails rather than skips without it.
 */
import { execFile } from "child_process";
import { copyFileSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import * as path from "path";
import { promisify } from "util";
import { buildReport, ReportLogEntry } from "../../lib/report/build";
import { renderHtml } from "../../lib/report/html";
import { hintFor } from "../../lib/report/hints";
import { isFailure } from "../../lib/report/text";
import type { RunRecord, RunRecordEntry } from "../../lib/upload/runRecord";
import { logEntry, Seed } from "./fixtures";

const CHROMIUM = "/usr/bin/chromium";
const run = promisify(execFile);

/** The flags headless Chromium needs on a machine without a network or a GPU, as root. */
const FLAGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

async function chromium(args: string[]): Promise<string> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`${CHROMIUM} is missing: apt-get install -y chromium (.ci/run does)`);
  }
  const profile = mkdtempSync(path.join(tmpdir(), "inbound-chromium-"));
  const { stdout } = await run(CHROMIUM, [...FLAGS, `--user-data-dir=${profile}`, ...args], {
    timeout: 60_000,
    maxBuffer: 32 * 1024 * 1024,
  });
  return stdout;
}

const START = Date.parse("2026-03-02T08:00:00Z");
const HOUR = 3_600_000;

/** A morning's run of 240 records, processed by Entra over six hours, some failing. */
function sampleReport() {
  const entries: RunRecordEntry[] = [];
  const logs: ReportLogEntry[] = [];
  // One id on two rows: the uploader withholds both lines, and the report names the person once.
  entries.push({ externalId: "1999", outcome: "duplicate", line: 242 });
  for (let i = 1; i <= 240; i++) {
    const externalId = String(1000 + i);
    entries.push({ externalId, outcome: i % 60 === 0 ? "invalid" : "sent", line: i + 1 });
    if (i % 60 === 0 || i > 228) continue;
    const hour = i % 6;
    const seed: Seed =
      i % 23 === 0
        ? { externalId, action: "update", status: "failure", code: "DuplicateTargetEntries" }
        : i % 31 === 0
          ? { externalId, action: "create", status: "failure", code: "MandatoryFieldsMissing" }
          : i % 7 === 0
            ? { externalId, action: "other", status: "skipped", scoping: "skipped" }
            : i % 11 === 0
              ? { externalId, action: "disable", status: "success" }
              : i % 3 === 0
                ? { externalId, action: "update", status: "success" }
                : { externalId, action: "create", status: "success" };
    logs.push(logEntry("job", START, { ...seed, minutes: 15 + hour * 60 + (i % 40) }));
  }
  const record: RunRecord = {
    version: 1,
    runId: "20260302T080000Z-a1b2",
    command: "inbound upload --spec config/tenants/contoso.yaml --app employees --csv hr.csv",
    csv: "hr.csv",
    startedAt: new Date(START).toISOString(),
    finishedAt: new Date(START + 41_000).toISOString(),
    status: "partial",
    summary: {
      rows: 240,
      toSend: 236,
      unchanged: 0,
      skipped: 4,
      duplicateIds: 0,
      invalidRows: 4,
      malformedLines: 0,
      accepted: 236,
      failedRecords: 0,
      failedRequests: 0,
      notAttempted: 0,
      unrecorded: 0,
      calls: 5,
      retries: 0,
      elapsedMs: 41_000,
    },
    failedRequests: [],
    withheld: [
      ...[60, 120, 180, 240].map((i) => ({
        line: i + 1,
        externalId: String(1000 + i),
        reason: "ext:HireDate: not a date",
      })),
      ...[242, 243].map((line) => ({ line, externalId: "1999", reason: "duplicate externalId" })),
    ],
    recordDocuments: 1,
  };
  return buildReport({
    runs: [{ record, entries }],
    logs,
    since: new Date(START),
    until: new Date(START + 8 * HOUR),
  });
}

jest.setTimeout(120_000);

describe("the HTML report in headless Chromium", () => {
  const dir = mkdtempSync(path.join(tmpdir(), "inbound-report-html-"));
  const file = path.join(dir, "report.html");
  const report = sampleReport();
  writeFileSync(file, renderHtml(report, "employees"));

  it("draws the chart and filters the failures once its script has run", async () => {
    const dom = await chromium(["--dump-dom", `file://${file}#q=DuplicateTargetEntries`]);
    const bars = dom.match(/<rect class="bar"[^>]*>/g) ?? [];
    // One bar segment per hour and outcome that has records.
    const segments = report.timeline.slots.reduce(
      (n, s) => n + Object.values(s.counts).filter(Boolean).length,
      0,
    );
    expect(segments).toBeGreaterThan(6);
    expect(bars).toHaveLength(segments);
    const failures = report.records.filter(isFailure);
    const duplicates = report.records.filter((r) => r.errorCode === "DuplicateTargetEntries");
    expect(duplicates.length).toBeGreaterThan(0);
    // The script ran (the CSP allowed it) and applied the filter from the address.
    expect(dom).toContain(
      `<span id="shown" class="muted">${duplicates.length} of ${failures.length} shown</span>`,
    );
    const rows = /<table id="failures">.*?<tbody>(.*?)<\/tbody>/s.exec(dom)![1];
    expect(rows.match(/<tr hidden="">/g)).toHaveLength(failures.length - duplicates.length);
    expect(dom).toContain('<input id="filter" type="search"');
  });

  it("answers on its first screen: did it work, and who needs me, with what to do", async () => {
    const dom = await chromium(["--dump-dom", `file://${file}`]);
    const body = /<body>(.*)<\/body>/s.exec(dom)![1];
    // The order people read in: the verdict, the six counts, the people, and only then the runs
    // and the details.
    const at = (marker: string) => {
      const index = body.indexOf(marker);
      expect(index).toBeGreaterThan(-1);
      return index;
    };
    const order = ['id="verdict"', 'id="headline"', 'id="needs-you"', 'id="runs"', 'id="timeline"'];
    const positions = order.map(at);
    expect([...positions].sort((a, b) => a - b)).toEqual(positions);
    const count = (outcome: string) =>
      new RegExp(`data-outcome="${outcome}"><b>(\\d+)</b>${outcome}<`).exec(body)?.[1];
    const failed = report.records.filter((r) => r.entra === "failed");
    expect({
      created: count("created"),
      updated: count("updated"),
      disabled: count("disabled"),
      failed: count("failed"),
      pending: count("pending"),
      withheld: count("withheld"),
    }).toEqual({
      created: String(report.byOutcome.created),
      updated: String(report.byOutcome.updated),
      disabled: String(report.byOutcome.disabled),
      failed: String(failed.length),
      pending: String(report.byOutcome.pending),
      // Four rows that do not convert, and one person on two rows.
      withheld: "5",
    });
    const people = /<ul id="needs-you">(.*?)<\/ul>/s.exec(body)![1].match(/<li>.*?<\/li>/g)!;
    expect(people).toHaveLength(failed.length + 4 + 1);
    expect(body).toContain(`${people.length} people need you.`);
    // Each with Microsoft's advice for its code, or the uploader's for a withheld row.
    const duplicate = people.filter((li) => li.includes("DuplicateTargetEntries"));
    expect(duplicate.length).toBeGreaterThan(0);
    for (const li of duplicate) {
      expect(li).toContain(hintFor("DuplicateTargetEntries")!.slice(0, 40).replace(/&/g, "&amp;"));
    }
    expect(people.filter((li) => li.includes("<code>1999</code>"))).toEqual([
      expect.stringContaining("keep one row per person"),
    ]);
    // A run is one line: time, file, counts; the command only when opened.
    expect(body).toContain(
      "<summary>2026-03-02 08:00:00 UTC <b>hr.csv</b> partial: 240 rows, 236 sent, 0 unchanged, 4 withheld, 0 failed</summary>",
    );
    expect(
      /<details>.*?<code>inbound upload --spec config\/tenants\/contoso.yaml/s.test(body),
    ).toBe(true);
    // The duplicate is one row of the withheld table, with both its lines.
    const withheld = /<table id="withheld">.*?<tbody>(.*?)<\/tbody>/s.exec(body)![1];
    expect(withheld.match(/<code>1999<\/code>/g)).toHaveLength(1);
    expect(withheld).toContain("<td>242, 243</td>");
  });

  it("takes the screenshot the docs show", async () => {
    const png = path.join(dir, "report.png");
    await chromium([`--screenshot=${png}`, "--window-size=1100,1400", `file://${file}`]);
    const bytes = readFileSync(png);
    expect(bytes.subarray(0, 8)).toEqual(Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]));
    expect(bytes.length).toBeGreaterThan(20_000);
    const target = process.env.INBOUND_REPORT_SCREENSHOT;
    if (target) copyFileSync(png, path.resolve(__dirname, "..", "..", target));
  });
});
