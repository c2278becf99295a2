/**
 * Issue 26, case 11: `simulate` with 1,000 scope groups over 3,000 rows wrote 209 MB, every
 * group's failure on every row. Past a few groups, a row says how many groups it failed and one
 * summary says why per group (how many records, a few of them); --verbose keeps the full detail.
 */
import { mkdtempSync, rmSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import * as path from "path";
import { stringify } from "yaml";
import { inbound } from "../cli/harness";
import { csvOf, makeSpecInput, row } from "../upload/helpers";

const GROUPS = 40;
const ROWS = 120;

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), "inbound-hostile-scope-"));
  const scope = {
    anyOf: Array.from({ length: GROUPS }, (_, i) => ({
      name: `unit-${i}`,
      allOf: [
        { attribute: "active", operator: "isTrue" },
        { attribute: "enterprise:department", operator: "equals", value: `Unit ${i}` },
      ],
    })),
  };
  writeFileSync(path.join(dir, "tenant.yaml"), stringify(makeSpecInput(undefined, {}, { scope })));
  // Row 1 is in unit 7; the others are in no unit, and the last one is not active either.
  const rows = Array.from({ length: ROWS }, (_, i) =>
    row(String(i + 1), {
      Department: i === 0 ? "Unit 7" : "HR",
      WorkerStatus: i === ROWS - 1 ? "Inactive" : "Active",
    }),
  );
  writeFileSync(path.join(dir, "hr.csv"), csvOf(rows));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const simulate = (...extra: string[]) =>
  inbound(
    ["simulate", "--spec", "tenant.yaml", "--app", "employees", "--csv", "hr.csv", ...extra],
    { cwd: dir },
  );

test("the table: one short reason per row, then per group the failing clause, a count and examples", async () => {
  const result = await simulate();
  expect([result.code, result.err]).toEqual([0, ""]);
  const lines = result.out.split("\n");
  expect(lines.find((l) => /^3 +2 /.test(l))).toMatch(
    new RegExp(
      `out of scope: none of the ${GROUPS} scoping groups takes it \\(why: per group below`,
    ),
  );
  expect(lines.find((l) => /^2 +1 /.test(l))).toMatch(/in scope$/);
  const summary = lines.indexOf(
    "out of scope, per scoping group (its first clause that does not hold):",
  );
  expect(summary).toBeGreaterThan(0);
  const perGroup = lines.slice(summary + 1).filter((l) => l.startsWith("  unit-"));
  // One line per group for the department, and one for the inactive row's first clause.
  expect(perGroup).toHaveLength(GROUPS * 2);
  expect(perGroup).toContain(
    `  unit-0: enterprise:department equals "Unit 0" is false for ${ROWS - 2} record(s) (e.g. 2, 3, 4, ...)`,
  );
  expect(perGroup).toContain(`  unit-0: active isTrue is false for 1 record(s) (e.g. ${ROWS})`);
  expect(perGroup).toContain(
    `  unit-7: enterprise:department equals "Unit 7" is false for ${ROWS - 2} record(s) (e.g. 2, 3, 4, ...)`,
  );
  expect(result.out).toContain(`${ROWS} records: 1 in scope, ${ROWS - 1} out of scope, 0 invalid`);
  // What grows with groups times rows is gone: the output is rows plus groups.
  expect(result.out.length).toBeLessThan(ROWS * 300 + GROUPS * 2 * 120);

  const verbose = await simulate("--verbose");
  expect(verbose.out).toContain(
    `unit-${GROUPS - 1}: enterprise:department equals "Unit ${GROUPS - 1}" is false (value "HR")`,
  );
  expect(verbose.out.length).toBeGreaterThan(ROWS * GROUPS * 50);
  expect(verbose.out).not.toContain("per scoping group");
});

test("--json: records without every group's result, and the summary as scopeFailures; --verbose has them", async () => {
  const result = await simulate("--json");
  expect(result.code).toBe(0);
  const parsed = JSON.parse(result.out);
  expect(parsed.records[1].scope).toEqual({
    inScope: false,
    reason: `out of scope: none of the ${GROUPS} scoping groups takes it (why: per group below; every group here: --verbose)`,
  });
  expect(parsed.records[0].scope).toEqual({ inScope: true, reason: "in scope by unit-7" });
  expect(parsed.scopeFailures).toHaveLength(GROUPS * 2);
  expect(parsed.scopeFailures[0]).toEqual({
    group: "unit-0",
    clause: 'enterprise:department equals "Unit 0"',
    error: false,
    records: ROWS - 2,
    examples: ["2", "3", "4"],
  });

  const verbose = JSON.parse((await simulate("--json", "--verbose")).out);
  expect(verbose.records[1].scope.groups).toHaveLength(GROUPS);
});
