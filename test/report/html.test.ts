/**
 * renderHtml's limits: a run of many records gives a file of bounded size, each list cut at
 * HTML_LIST_LIMIT with a note that the JSON has them all.
 */
import { runInNewContext } from "vm";
import { buildReport } from "../../lib/report/build";
import { HTML_LIST_LIMIT, renderHtml } from "../../lib/report/html";
import type { RunRecord, RunRecordEntry } from "../../lib/upload/runRecord";

test("lists at most HTML_LIST_LIMIT records per list and says how many there are", () => {
  const count = HTML_LIST_LIMIT + 500;
  const entries: RunRecordEntry[] = Array.from({ length: count }, (_, i) => ({
    externalId: `id-${i + 1}`,
    outcome: "sent",
    line: i + 2,
  }));
  const record = {
    version: 1,
    runId: "20260302T080000Z-a1b2",
    command: "inbound upload",
    csv: "hr.csv",
    startedAt: "2026-03-02T08:00:00.000Z",
    finishedAt: "2026-03-02T08:01:00.000Z",
    status: "ok",
    summary: { rows: count, accepted: count, unchanged: 0, skipped: 0, failedRecords: 0 },
    failedRequests: [],
    withheld: [],
    recordDocuments: 1,
  } as unknown as RunRecord;
  const report = buildReport({
    runs: [{ record, entries }],
    logs: [],
    since: new Date("2026-03-02T08:00:00Z"),
    until: new Date("2026-03-02T09:00:00Z"),
  });
  expect(report.pending).toBe(count);
  const html = renderHtml(report, "employees");
  const pending = /<p id="pending">(.*?)<\/p>/s.exec(html)![1];
  expect(pending.match(/<code>/g)).toHaveLength(HTML_LIST_LIMIT);
  expect(pending).toContain(`<code>id-${HTML_LIST_LIMIT}</code>`);
  expect(pending).not.toContain(`<code>id-${HTML_LIST_LIMIT + 1}</code>`);
  expect(html).toContain(
    `<p class="muted">The first ${HTML_LIST_LIMIT} of ${count}; <code>--json</code> lists them all.</p>`,
  );
});

test("the filter script survives a malformed escape in #q= and filters by it as typed (issue 26, case 20)", () => {
  const html = renderHtml(
    buildReport({ runs: [], logs: [], since: new Date(0), until: new Date(1) }),
    "employees",
  );
  const script = /<script>([\s\S]*)<\/script>/.exec(html)![1];
  const listeners: string[] = [];
  const row = { textContent: "50% off", hidden: false };
  const input = {
    value: "",
    addEventListener: (name: string) => listeners.push(name),
  };
  const shown = { textContent: "" };
  const document = {
    getElementById: (id: string) => (id === "filter" ? input : shown),
    querySelectorAll: () => [row],
  };
  runInNewContext(script, { document, location: { hash: "#q=%" } });
  expect(input.value).toBe("%");
  expect(listeners).toEqual(["input"]);
  expect(shown.textContent).toBe("1 of 1 shown");
});
