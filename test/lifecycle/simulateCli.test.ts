/**
 * `inbound simulate --workflows`, in process: for each HR record in scope, which workflows would
 * run and when, from the user the mappings produce (the trigger attribute plus the offset).
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { inbound } from "../cli/harness";

const SPEC = `tenant: { name: contoso, id: 0b8e7d3c-5f0a-4d6e-9c2b-1a2b3c4d5e6f, domain: contoso.com }
provisioning:
  employees:
    displayName: Contoso HR inbound - employees
    notificationEmail: iam@contoso.com
    scimExtension:
      urn: "urn:ietf:params:scim:schemas:extension:contoso:1.0:User"
      attributes: { HireDate: dateTime, LeaveDate: dateTime }
    mappings:
      employeeId: "[externalId]"
      department: "[enterprise:department]"
      employeeHireDate: "[ext:HireDate]"
      employeeLeaveDateTime: "[ext:LeaveDate]"
    uploader:
      kind: none
      csv:
        columns:
          externalId: "[WorkerID]"
          userName: "[UserID]"
          "enterprise:department": "[Department]"
          "ext:HireDate": "[HireDate]"
          "ext:LeaveDate": "[LeaveDate]"
lifecycleWorkflows:
  pre-hire:
    category: joiner
    displayName: Pre-hire
    trigger: { attribute: employeeHireDate, offsetDays: -3 }
    scope: "(department eq 'IT')"
    tasks: [sendWelcomeEmail]
  last-day:
    category: leaver
    displayName: Last day
    trigger: { attribute: employeeLeaveDateTime, offsetDays: 0 }
    tasks: [disableUserAccount]
  after:
    category: leaver
    displayName: After
    trigger: { attribute: employeeLeaveDateTime, offsetDays: 7 }
    tasks: [deleteUserAccount]
`;

const CSV = `WorkerID,UserID,Department,HireDate,LeaveDate
1,ann@contoso.com,IT,2030-06-10,
2,bob@contoso.com,Sales,2030-06-10,2031-01-31T21:00:00Z
3,cyd@contoso.com,Sales,2030-06-10,
`;

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "inbound-lcw-simulate-"));
  fs.writeFileSync(path.join(dir, "tenant.yaml"), SPEC);
  fs.writeFileSync(path.join(dir, "hr.csv"), CSV);
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

const simulate = (...extra: string[]) =>
  inbound(
    ["simulate", "--spec", "tenant.yaml", "--app", "employees", "--csv", "hr.csv", ...extra],
    { cwd: dir },
  );

test("text: each user's workflows, in date order, with the date, the time and why", async () => {
  const { code, out, err } = await simulate("--workflows", "--details");
  expect([code, err]).toEqual([0, ""]);
  const workflows = out
    .split("\n")
    .filter((line) => /^line \d|^ {2}workflows|^ {4}\d{4}-/.test(line))
    .map((line) => line.replace(/ {2}no scoping filter.*$/, ""));
  expect(workflows).toEqual([
    "line 2  externalId 1",
    "  workflows:",
    "    2030-06-07 00:00 UTC  pre-hire (joiner)  3 days before employeeHireDate 2030-06-10T00:00:00.000Z and the user matches (department eq 'IT')",
    "line 3  externalId 2",
    "  workflows:",
    "    2031-01-31 21:00 UTC  last-day (leaver)  on employeeLeaveDateTime 2031-01-31T21:00:00.000Z",
    "    2031-02-07 21:00 UTC  after (leaver)  7 days after employeeLeaveDateTime 2031-01-31T21:00:00.000Z",
    "line 4  externalId 3",
    "  workflows: none would run",
  ]);
});

test("JSON: the same firings on each record", async () => {
  const { code, out } = await simulate("--workflows", "--json");
  expect(code).toBe(0);
  const records = JSON.parse(out).records as { externalId: string; workflows: unknown[] }[];
  expect(records.map((r) => [r.externalId, r.workflows])).toEqual([
    [
      "1",
      [
        {
          workflow: "pre-hire",
          category: "joiner",
          date: "2030-06-07T00:00:00.000Z",
          reason:
            "3 days before employeeHireDate 2030-06-10T00:00:00.000Z and the user matches (department eq 'IT')",
        },
      ],
    ],
    [
      "2",
      [
        {
          workflow: "last-day",
          category: "leaver",
          date: "2031-01-31T21:00:00.000Z",
          reason: "on employeeLeaveDateTime 2031-01-31T21:00:00.000Z",
        },
        {
          workflow: "after",
          category: "leaver",
          date: "2031-02-07T21:00:00.000Z",
          reason: "7 days after employeeLeaveDateTime 2031-01-31T21:00:00.000Z",
        },
      ],
    ],
    ["3", []],
  ]);
});

test("without --workflows nothing about workflows is shown", async () => {
  const { out } = await simulate("--details");
  expect(out).not.toMatch(/workflows/);
  expect(out).toContain("line 2  externalId 1");
});

describe("simulate agrees with upload, one line per record", () => {
  const write = (csv: string, extraMapping = "") => {
    fs.writeFileSync(
      path.join(dir, "tenant.yaml"),
      SPEC.replace(
        '      employeeId: "[externalId]"\n',
        '      employeeId: "[externalId]"\n' + extraMapping,
      ),
    );
    fs.writeFileSync(path.join(dir, "hr.csv"), csv);
  };

  test("the default is a table: a header and one line per record, then the counts", async () => {
    const { code, out } = await simulate();
    expect(code).toBe(0);
    const lines = out.trimEnd().split("\n");
    expect(lines[0]).toMatch(/^line {2}externalId {2}account {2}status$/);
    expect(lines.slice(1, 4).map((l) => l.split(/ {2,}/).slice(0, 2))).toEqual([
      ["2", "1"],
      ["3", "2"],
      ["4", "3"],
    ]);
    expect(lines[4]).toBe("3 records: 3 in scope, 0 out of scope, 0 invalid");
  });

  test("every copy of a duplicated externalId is withheld, as upload does", async () => {
    write("WorkerID,UserID,Department,HireDate,LeaveDate\n1,a,IT,,\n2,b,IT,,\n1,c,IT,,\n");
    const { code, out } = await simulate();
    expect(code).toBe(3);
    expect(out).toContain("withheld: externalId also on line 4: upload sends none of them");
    expect(out).toContain("withheld: externalId also on line 2: upload sends none of them");
    expect(out).toContain(
      "3 records: 1 in scope, 0 out of scope, 0 invalid, 2 withheld as duplicates\n",
    );
    const json = JSON.parse((await simulate("--json")).out);
    expect(json.records.map((r: { withheld?: string }) => Boolean(r.withheld))).toEqual([
      true,
      false,
      true,
    ]);
  });

  test("two people given the same account name are flagged on both lines", async () => {
    write(
      "WorkerID,UserID,Department,HireDate,LeaveDate\n1,ann@contoso.com,IT,,\n2,Ann@Contoso.com,IT,,\n3,bob@contoso.com,IT,,\n",
      '      userPrincipalName: { expression: "[userName]", apply: onCreate }\n',
    );
    const { code, out } = await simulate();
    expect(code).toBe(3);
    expect(out).toContain('userPrincipalName "ann@contoso.com" is also given to line 3');
    expect(out).toContain('userPrincipalName "Ann@Contoso.com" is also given to line 2');
    expect(out).toContain(", 2 sharing an account name\n");
  });

  test("--upcoming shows only the workflow runs due from now within the window", async () => {
    const soon = new Date(Date.now() + 5 * 86_400_000).toISOString().slice(0, 10);
    const later = new Date(Date.now() + 90 * 86_400_000).toISOString().slice(0, 10);
    write(
      "WorkerID,UserID,Department,HireDate,LeaveDate\n" +
        `1,a,IT,${soon},\n` +
        `2,b,IT,${later},\n`,
    );
    const { code, out } = await simulate("--upcoming", "30d");
    expect(code).toBe(0);
    const rows = out.split("\n").filter((l) => /^\d/.test(l));
    expect(rows[0]).toMatch(/pre-hire \d{4}-\d{2}-\d{2} 00:00$/);
    expect(rows[1]).toMatch(/ -$/);
    const bad = await simulate("--upcoming", "soon");
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/^--upcoming soon is not a window like 7d, 30d or 12h\n/);
  });
});
