/**
 * buildReport's decisions that the emulator test does not reach: which entry decides, why a
 * record without provisioning steps was skipped, which run a record belongs to across runs, and
 * the chart's time unit.
 */
import { buildReport } from "../../lib/report/build";
import type { RunRecord, RunRecordEntry } from "../../lib/upload/runRecord";
import { logEntry } from "./fixtures";

const T0 = Date.parse("2026-03-02T08:00:00Z");
const MINUTE = 60_000;

function run(runId: string, startedAt: number, entries: RunRecordEntry[]) {
  const record = {
    version: 1,
    runId,
    command: "inbound upload",
    csv: "hr.csv",
    startedAt: new Date(startedAt).toISOString(),
    finishedAt: new Date(startedAt + 1000).toISOString(),
    status: "ok",
    summary: {},
    failedRequests: [],
    withheld: [],
    recordDocuments: 1,
  } as unknown as RunRecord;
  return { record, entries };
}

describe("buildReport", () => {
  it("a person who became inactive or left the scope shows as disabled when Entra logged a disable", () => {
    const inactive = [{ displayName: "accountEnabled", oldValue: "True", newValue: "False" }];
    const report = buildReport({
      runs: [],
      logs: [
        // Became inactive: the update that disabled the account.
        logEntry("j", T0, {
          externalId: "a",
          action: "update",
          status: "success",
          minutes: 1,
          modified: inactive,
        }),
        // Left the scope: a disable, then later cycles skip the person as out of scope.
        logEntry("j", T0, { externalId: "b", action: "disable", status: "success", minutes: 1 }),
        logEntry("j", T0, {
          externalId: "b",
          action: "other",
          status: "skipped",
          scoping: "skipped",
          minutes: 41,
        }),
        // An ordinary update stays an update.
        logEntry("j", T0, {
          externalId: "c",
          action: "update",
          status: "success",
          minutes: 1,
          modified: [{ displayName: "department", oldValue: "IT", newValue: "HR" }],
        }),
      ],
      since: new Date(T0),
      until: new Date(T0 + 60 * MINUTE),
    });
    const outcome = (id: string) => report.records.find((r) => r.externalId === id)?.entra;
    expect([outcome("a"), outcome("b"), outcome("c")]).toEqual(["disabled", "disabled", "updated"]);
    expect(report.byOutcome).toEqual({ disabled: 2, updated: 1 });
  });

  it("takes the latest failure, but not one a later cycle fixed", () => {
    const report = buildReport({
      runs: [],
      logs: [
        logEntry("j", T0, { externalId: "a", action: "create", status: "failure", minutes: 1 }),
        logEntry("j", T0, { externalId: "a", action: "create", status: "success", minutes: 41 }),
        logEntry("j", T0, { externalId: "b", action: "create", status: "success", minutes: 1 }),
        logEntry("j", T0, {
          externalId: "b",
          action: "update",
          status: "failure",
          code: "InvalidDomain",
          minutes: 2,
        }),
      ],
      since: new Date(T0),
      until: new Date(T0 + 60 * MINUTE),
    });
    expect(report.records.map((r) => [r.externalId, r.entra, r.errorCode])).toEqual([
      ["a", "created", undefined],
      ["b", "failed", "InvalidDomain"],
    ]);
    expect(report.errors).toEqual([
      { code: "InvalidDomain", count: 1, example: "b", hint: expect.stringContaining("domain") },
    ]);
  });

  it.each([
    ["The user is not in scope of the provisioning configuration", undefined, "outOfScope"],
    ["No change is needed for this user", undefined, "noChange"],
    ["Something else", "SomeCode", "SomeCode"],
  ])("without provisioning steps, reason %j skips as %s", (reason, code, expected) => {
    const report = buildReport({
      runs: [],
      logs: [
        logEntry("j", T0, { externalId: "a", action: "other", status: "skipped", reason, code }),
      ],
      since: new Date(T0),
      until: new Date(T0 + MINUTE * 5),
    });
    expect(report.records[0].skipReason).toBe(expected);
  });

  it("keeps the run that sent a record when a later run found it unchanged, and ignores earlier entries", () => {
    const first = run("20260302T080000Z-aaaa", T0, [{ externalId: "a", outcome: "sent", line: 2 }]);
    const second = run("20260302T100000Z-bbbb", T0 + 120 * MINUTE, [
      { externalId: "a", outcome: "unchanged", line: 2 },
      { externalId: "b", outcome: "sent", line: 3 },
    ]);
    const report = buildReport({
      runs: [first, second],
      logs: [
        logEntry("j", T0, { externalId: "a", action: "create", status: "success", minutes: 10 }),
        // Before the second run sent b: an answer to something else.
        logEntry("j", T0, { externalId: "b", action: "update", status: "failure", minutes: 10 }),
      ],
      since: new Date(T0),
      until: new Date(T0 + 180 * MINUTE),
    });
    expect(report.records).toEqual([
      expect.objectContaining({ externalId: "a", run: first.record.runId, entra: "created" }),
      expect.objectContaining({ externalId: "b", run: second.record.runId, entra: "pending" }),
    ]);
    expect(report.byUpload).toEqual({ sent: 2 });
  });

  it("charts per hour up to two days and per day beyond", () => {
    const logs = [logEntry("j", T0, { externalId: "a", action: "create", status: "success" })];
    const hours = buildReport({
      runs: [],
      logs,
      since: new Date(T0),
      until: new Date(T0 + 48 * 60 * MINUTE),
    });
    expect(hours.timeline.unit).toBe("hour");
    expect(hours.timeline.slots).toHaveLength(49);
    expect(hours.timeline.slots[0]).toEqual({
      start: "2026-03-02T08:00:00.000Z",
      counts: { created: 1 },
    });
    const days = buildReport({
      runs: [],
      logs,
      since: new Date(T0),
      until: new Date(T0 + 7 * 24 * 60 * MINUTE),
    });
    expect(days.timeline.unit).toBe("day");
    expect(days.timeline.slots.map((s) => s.start.slice(0, 10))).toEqual([
      "2026-03-02",
      "2026-03-03",
      "2026-03-04",
      "2026-03-05",
      "2026-03-06",
      "2026-03-07",
      "2026-03-08",
      "2026-03-09",
    ]);
    expect(days.timeline.slots[0].counts).toEqual({ created: 1 });
  });
});
