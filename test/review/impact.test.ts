/**
 * `inbound diff --csv`: the impact counts against counts made independently from the HR file's
 * fields (no spec, no engine), for a scope narrowed, a scope widened, a mapping's source changed
 * and a leaver moved, in JSON, text and Markdown.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { Readable } from "stream";
import { appImpact, type AppImpact } from "../../lib/review/impact";
import { loadSide } from "../../lib/review/source";
import type { TenantSpec } from "../../lib/model/schema";
import { inbound } from "../cli/harness";

const fixtures = path.resolve(__dirname, "../fixtures/review");
const base = loadSide("base.yaml", fixtures).spec!;
const NOW = new Date("2026-12-01T00:00:00Z");
const DAY = 86_400_000;

interface Row {
  WorkerID: string;
  UserID: string;
  WorkerType: string;
  Status: string;
  FirstName: string;
  LastName: string;
  Department: string;
  LeaveDate: string;
}

/** A deterministic HR file: mixed departments, statuses and types, leave dates, duplicates. */
function hrRows(count: number): Row[] {
  let seed = 7;
  const next = (n: number) => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    // The low bits of this generator cycle quickly: draw from the high ones.
    return Math.floor(seed / 65536) % n;
  };
  const rows: Row[] = [];
  for (let i = 0; i < count; i++) {
    const first = ["Ann", "Bob", "Cid"][next(3)];
    const leave = next(3) === 0 ? new Date(NOW.getTime() + (next(120) - 60) * DAY) : undefined;
    rows.push({
      WorkerID: next(25) === 0 && i > 0 ? rows[next(i)].WorkerID : `W${i}`,
      UserID: `u${i}`,
      WorkerType: ["Employee", "Contractor"][next(2)],
      Status: next(5) === 0 ? "Inactive" : "Active",
      FirstName: first,
      LastName: next(4) === 0 ? first : "Smith",
      Department: ["Sales", "IT", "Finance"][next(3)],
      LeaveDate: leave ? leave.toISOString().slice(0, 10) : "",
    });
  }
  return rows;
}

const ROWS = hrRows(400);
const HEADER = Object.keys(ROWS[0]) as (keyof Row)[];
const CSV = [HEADER.join(","), ...ROWS.map((r) => HEADER.map((h) => r[h]).join(","))].join("\n");

const counts = new Map<string, number>();
for (const r of ROWS) counts.set(r.WorkerID, (counts.get(r.WorkerID) ?? 0) + 1);
const kept = ROWS.filter((r) => counts.get(r.WorkerID) === 1);
const inBaseScope = (r: Row) => r.Department === "Sales" && r.Status === "Active";
const ids = (rows: Row[]) => rows.map((r) => r.WorkerID);

function changed(change: (s: TenantSpec) => void): TenantSpec {
  const s = structuredClone(base);
  change(s);
  return s;
}

const impactOf = async (head: TenantSpec): Promise<AppImpact> => {
  const result = await appImpact(base, head, "employees", Readable.from([CSV]), { now: NOW });
  if (!("impact" in result)) throw new Error(JSON.stringify(result));
  return result.impact;
};

const NARROWED = changed((s) =>
  s.provisioning.employees.scope!.anyOf[0].allOf.push({
    attribute: "userType",
    operator: "equals",
    value: "Employee",
  }),
);
const WIDENED = changed(
  (s) => (s.provisioning.employees.scope!.anyOf[0].allOf[0].value = ["Sales", "IT"]),
);
const SOURCE = changed((s) => (s.provisioning.employees.mappings.givenName = "[name.familyName]"));
const LEAVER_LATER = changed(
  (s) =>
    (s.lifecycleWorkflows.leaver.trigger = { attribute: "employeeLeaveDateTime", offsetDays: 40 }),
);

test("records and withheld duplicates", async () => {
  const impact = await impactOf(NARROWED);
  expect(kept.length).toBeLessThan(ROWS.length);
  expect(impact.records).toBe(kept.length);
  expect(impact.withheld).toBe(ROWS.length - kept.length);
  expect(impact.skipped).toBe(0);
});

test("a scope narrowed: who leaves it is disabled", async () => {
  const left = kept.filter((r) => inBaseScope(r) && r.WorkerType !== "Employee");
  const impact = await impactOf(NARROWED);
  expect(left.length).toBeGreaterThan(0);
  expect(impact.scope.left.count).toBe(left.length);
  expect(impact.disabled.count).toBe(left.length);
  expect(impact.scope.entered.count).toBe(0);
  expect(impact.enabled.count).toBe(0);
  expect(impact.scope.left.examples).toEqual(ids(left).slice(0, 3));
});

test("a scope narrowed with skipOutOfScopeDeletions leaves accounts as they are", async () => {
  const head = structuredClone(NARROWED);
  head.provisioning.employees.skipOutOfScopeDeletions = true;
  const impact = await impactOf(head);
  expect(impact.scope.left.count).toBeGreaterThan(0);
  expect(impact.disabled.count).toBe(0);
});

test("a scope widened: who enters it is enabled", async () => {
  const entered = kept.filter((r) => r.Department === "IT" && r.Status === "Active");
  const impact = await impactOf(WIDENED);
  expect(impact.scope.entered.count).toBe(entered.length);
  expect(impact.enabled.count).toBe(entered.length);
  expect(impact.scope.left.count).toBe(0);
  expect(impact.disabled.count).toBe(0);
});

test("a mapping's source changed: whose value changes", async () => {
  const touched = kept.filter((r) => inBaseScope(r) && r.FirstName !== r.LastName);
  const impact = await impactOf(SOURCE);
  expect(impact.changed).toEqual({
    givenName: { count: touched.length, examples: ids(touched).slice(0, 3) },
  });
  const withValues = await appImpact(base, SOURCE, "employees", Readable.from([CSV]), {
    now: NOW,
    includePii: true,
  });
  expect("impact" in withValues && withValues.impact.changed.givenName.examples[0]).toBe(
    `${touched[0].WorkerID}: "${touched[0].FirstName}" -> "${touched[0].LastName}"`,
  );
});

test("a leaver moved: who stops being due within the window", async () => {
  const leaves = (r: Row) => Date.parse(`${r.LeaveDate}T23:59:59+01:00`);
  const within = (t: number) => t >= NOW.getTime() && t <= NOW.getTime() + 30 * DAY;
  const withDate = kept.filter((r) => inBaseScope(r) && r.LeaveDate !== "");
  const notDue = withDate.filter((r) => within(leaves(r)) && !within(leaves(r) + 40 * DAY));
  const due = withDate.filter((r) => !within(leaves(r)) && within(leaves(r) + 40 * DAY));
  const impact = await impactOf(LEAVER_LATER);
  expect(notDue.length).toBeGreaterThan(0);
  expect(impact.workflows.leaver.notDue.count).toBe(notDue.length);
  expect(impact.workflows.leaver.due.count).toBe(due.length);
});

test("a column the head spec reads and the file lacks is named, not counted as empty", async () => {
  const head = changed(
    (s) => (s.provisioning.employees.uploader!.csv.columns!.userType = "[EmploymentType]"),
  );
  const result = await appImpact(base, head, "employees", Readable.from([CSV]), { now: NOW });
  expect(result).toEqual({
    problems: [
      {
        side: "head",
        problem: expect.objectContaining({
          attribute: "userType",
          message: expect.stringContaining("[EmploymentType]"),
        }),
      },
    ],
  });
});

describe("the CLI: json, text and markdown show the same counts", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "diff-impact-"));
  fs.copyFileSync(path.join(fixtures, "base.yaml"), path.join(dir, "base.yaml"));
  const head = fs
    .readFileSync(path.join(fixtures, "base.yaml"), "utf8")
    .replace(
      "            - { attribute: active, operator: isTrue }\n",
      "            - { attribute: active, operator: isTrue }\n            - { attribute: userType, operator: equals, value: Employee }\n",
    );
  fs.writeFileSync(path.join(dir, "head.yaml"), head);
  fs.writeFileSync(path.join(dir, "hr.csv"), CSV);
  const left = kept.filter((r) => inBaseScope(r) && r.WorkerType !== "Employee");

  test("--json", async () => {
    const r = await inbound(["diff", "base.yaml", "head.yaml", "--csv", "hr.csv", "--json"], {
      cwd: dir,
    });
    expect(r.code).toBe(3);
    const out = JSON.parse(r.out);
    expect(out.impact.employees.scope.left.count).toBe(left.length);
    expect(out.impact.employees.disabled.count).toBe(left.length);
    expect(out.impact.employees.records).toBe(kept.length);
  });

  test("text", async () => {
    const r = await inbound(["diff", "base.yaml", "head.yaml", "--csv", "employees=hr.csv"], {
      cwd: dir,
    });
    expect(r.out).toMatch(
      new RegExp(`scope\\.left\\s+${left.length}\\s+e\\.g\\. ${left[0].WorkerID}`),
    );
    expect(r.out).toMatch(new RegExp(`disabled\\s+${left.length}\\b`));
    expect(r.out.indexOf("impact on the people")).toBeLessThan(r.out.indexOf("added: userType"));
  });

  test("markdown", async () => {
    const r = await inbound(["diff", "base.yaml", "head.yaml", "--csv", "hr.csv", "--markdown"], {
      cwd: dir,
    });
    expect(r.out).toContain("#### Impact on people");
    expect(r.out).toContain(`| disabled | ${left.length} | <code>${left[0].WorkerID}</code>`);
  });

  test("a missing column exits 1 naming it", async () => {
    fs.writeFileSync(path.join(dir, "short.csv"), CSV.replace("WorkerType", "Kind"));
    const r = await inbound(["diff", "base.yaml", "head.yaml", "--csv", "short.csv"], { cwd: dir });
    expect(r.code).toBe(1);
    expect(r.err).toContain("[WorkerType]");
  });
});

test("the Markdown with an impact stays within the comment budget", async () => {
  const impact = await impactOf(SOURCE);
  const { diffSpecs } = await import("../../lib/review/diff");
  const { diffMarkdown, singleReview } = await import("../../lib/review/format");
  const review = {
    ...singleReview("head.yaml", diffSpecs(base, SOURCE)),
    impact: { employees: impact },
  };
  const whole = diffMarkdown([review]);
  expect(whole).toContain("| changed.givenName |");
  expect(whole.length).toBeGreaterThan(700);
  const fitted = diffMarkdown([review], 700);
  expect(fitted.length).toBeLessThanOrEqual(700);
  expect(fitted).toContain("Left out to fit one comment");
});
