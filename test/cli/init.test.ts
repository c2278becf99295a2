/**
 * `inbound init`: what it proposes for an HR header, and that what it writes passes
 * `inbound validate` with no diagnostic but the placeholders it writes on purpose, run in-process as a user would run both.
 */
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import * as path from "path";
import { inbound } from "./harness";

const FIXTURES = path.resolve(__dirname, "..", "fixtures", "upload");

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), "inbound-init-"));
});

const cli = (args: string[]) => inbound(args, { cwd: dir });

/** Writes `text` as hr.csv, runs `init --csv hr.csv`, and returns the spec it printed. */
async function initFrom(text: string | Buffer): Promise<string> {
  writeFileSync(path.join(dir, "hr.csv"), text);
  const result = await cli(["init", "--csv", "hr.csv"]);
  expect({ code: result.code, err: result.err }).toEqual({ code: 0, err: "" });
  return result.out;
}

/**
 * The placeholders init writes on purpose: warned, so `validate --strict` refuses the file until
 * they are replaced.
 */
const PLACEHOLDER_WARNINGS = [
  "tenant.yaml:8:7: warning: tenant.id: is a placeholder id of zeros; set the real one",
  'tenant.yaml:9:11: warning: tenant.domain: "example.com" is a placeholder (example domains are reserved); set the real one',
  'tenant.yaml:15:24: warning: provisioning.employees.notificationEmail: "it-alerts@example.com" is a placeholder (example domains are reserved); set the real one',
];

/** Validates `spec` as a file of `dir`: the whole result, so any other warning fails too. */
async function expectValid(spec: string): Promise<void> {
  writeFileSync(path.join(dir, "tenant.yaml"), spec);
  expect(await cli(["validate", "tenant.yaml"])).toEqual({
    code: 0,
    out: "tenant.yaml: ok (3 warnings)\n",
    err: PLACEHOLDER_WARNINGS.map((w) => `${w}\n`).join(""),
  });
  expect((await cli(["validate", "--strict", "tenant.yaml"])).code).toBe(1);
}

describe("inbound init --csv", () => {
  const samples = readdirSync(FIXTURES).filter((f) => /\.(csv|txt)$/.test(f));

  test.each(samples)("the spec proposed from %s validates", async (sample) => {
    const spec = await initFrom(readFileSync(path.join(FIXTURES, sample)));
    await expectValid(spec);
  });

  test("Microsoft's CSV2SCIM sample columns get their SCIM attributes, the rest are comments", async () => {
    const spec = await initFrom(readFileSync(path.join(FIXTURES, "csv-with-2-records.csv")));
    for (const line of [
      'externalId: "[WorkerID]"',
      'userName: "[UserID]"',
      `active: 'IIF([WorkerStatus]="Active", "True", "False")'`,
      'name.givenName: "[FirstName]"',
      'name.familyName: "[LastName]"',
      'displayName: "[FullName]"',
      'title: "[JobTitle]"',
      'enterprise:manager.value: "[ManagerID]"',
      'ext:HireDate: "[HireDate]"',
      'enterprise:department: "[Department]"',
      `'addresses[type eq "work"].postalCode': "[ZipCode]"`,
      "# GenderPronoun: not placed: no SCIM attribute recognised for it",
      "# Custom01: not placed: no SCIM attribute recognised for it",
      // and the Entra side of what is sent
      'employeeId: "[externalId]"',
      'employeeHireDate: "[ext:HireDate]"',
      'jobTitle: "[title]"',
      "HireDate: dateTime",
    ]) {
      expect(spec).toContain(`${line}`);
    }
    expect(spec).toContain('["WorkerID", "WorkerStatus", "WorkerType", "UserID",');
  });

  test("an export with other names and `;` separators: ids, names, dates, contact", async () => {
    const spec = await initFrom(
      "\uFEFFEmployee ID;Given Name;Surname;Last Name;Job Title;Start Date;Termination Date;E-mail;Mobile;Manager ID;Usage Location;Shoe Size\r\n1;a;b;b;c;2020-01-01;;x@y;1;2;NL;44\r\n",
    );
    for (const line of [
      '        delimiter: ";"',
      'externalId: "[Employee ID]"',
      'name.givenName: "[Given Name]"',
      'name.familyName: "[Surname]"',
      "# Last Name: not placed: name.familyName is already sent from Surname",
      'title: "[Job Title]"',
      'ext:HireDate: "[Start Date]"',
      'ext:LeaveDate: "[Termination Date]"',
      `'emails[type eq "work"].value': "[E-mail]"`,
      'ext:MobilePhone: "[Mobile]"',
      'enterprise:manager.value: "[Manager ID]"',
      'ext:UsageLocation: "[Usage Location]"',
      "# Shoe Size: not placed: no SCIM attribute recognised for it",
      'employeeLeaveDateTime: "[ext:LeaveDate]"',
      'mobilePhone: "[ext:MobilePhone]"',
      'usageLocation: "[ext:UsageLocation]"',
      `displayName: 'Join(" ", [name.givenName], [name.familyName])'`,
      "LeaveDate: dateTime",
    ]) {
      expect(spec).toContain(line);
    }
    await expectValid(spec);
  });

  test("without a worker-id column, the first column stands in, flagged", async () => {
    const spec = await initFrom("Badge,First Name,Last Name\n1,a,b\n");
    expect(spec).toMatch(/externalId: "\[Badge\]" +# no column looks like a worker id/);
    await expectValid(spec);
  });

  test("a column named twice, or with a name an expression cannot read, is left as a comment", async () => {
    const spec = await initFrom('WorkerID,City,City,"Odd]Name"\n1,a,b,c\n');
    expect(spec).toContain("# City: not placed: the header names this column twice");
    expect(spec).toContain("# Odd]Name: not placed: its name cannot be read by an expression");
    await expectValid(spec);
  });

  test("a UTF-16LE export (Excel's Unicode text) is read, and the encoding written", async () => {
    const text = "WorkerID\tFirstName\tLastName\r\n1\tZoë\tNg\r\n";
    const spec = await initFrom(
      Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, "utf16le")]),
    );
    expect(spec).toContain('        delimiter: "\\t"');
    expect(spec).toContain("        encoding: utf-16le");
    expect(spec).toContain('name.givenName: "[FirstName]"');
    await expectValid(spec);
  });

  test("a file that cannot be read, or has no usable header, is exit 1 naming it", async () => {
    expect(await cli(["init", "--csv", "missing.csv"])).toEqual({
      code: 1,
      out: "",
      err: `--csv missing.csv: there is no such file (looked for ${path.join(dir, "missing.csv")})\n`,
    });
    writeFileSync(path.join(dir, "empty.csv"), "\n1,2\n");
    expect(await cli(["init", "--csv", "empty.csv"])).toEqual({
      code: 1,
      out: "",
      err: "empty.csv: line 1: the header line is empty\n",
    });
    writeFileSync(path.join(dir, "blank.csv"), ",\n1,2\n");
    expect(await cli(["init", "--csv", "blank.csv"])).toEqual({
      code: 1,
      out: "",
      err: "blank.csv:1: no column can carry the worker id every record needs (externalId); name one, e.g. WorkerID\n",
    });
  });
});

describe("inbound init", () => {
  test("without --csv, a commented minimal spec that validates", async () => {
    const result = await cli(["init"]);
    expect(result.code).toBe(0);
    expect(result.out).toContain("# A starter tenant file from `inbound init`");
    expect(result.out).toContain('externalId: "[WorkerID]"');
    await expectValid(result.out);
  });

  test("--out writes the file, and refuses to replace one without --force", async () => {
    const file = path.join(dir, "tenant.yaml");
    expect(await cli(["init", "--out", "tenant.yaml"])).toEqual({
      code: 0,
      out: "wrote tenant.yaml; next: inbound validate tenant.yaml\n",
      err: "",
    });
    const first = readFileSync(file, "utf8");
    expect(first).toMatch(
      /^# yaml-language-server: \$schema=.*config\/tenant-spec\.schema\.json\n/,
    );
    writeFileSync(file, "mine\n");
    expect(await cli(["init", "--out", "tenant.yaml"])).toEqual({
      code: 1,
      out: "",
      err: "inbound init: --out tenant.yaml exists; add --force to replace it\n",
    });
    expect(readFileSync(file, "utf8")).toBe("mine\n");
    expect((await cli(["init", "--out", "tenant.yaml", "--force"])).code).toBe(0);
    expect(readFileSync(file, "utf8")).toBe(first);
    expect((await cli(["validate", "tenant.yaml"])).code).toBe(0);
  });

  test("--out creates the tenant directory, and the next step starts inbound as this run was", async () => {
    const result = await inbound(["init", "--out", "config/tenants/mine.yaml"], {
      cwd: dir,
      command: "npx inbound",
    });
    expect(result).toEqual({
      code: 0,
      out: "wrote config/tenants/mine.yaml; next: npx inbound validate config/tenants/mine.yaml\n",
      err: "",
    });
  });

  test("--project writes a project around the tenant file, merges package.json, and replaces nothing without --force", async () => {
    writeFileSync(path.join(dir, "hr.csv"), "WorkerID,FirstName,LastName\n1,Ada,Lovelace\n");
    writeFileSync(
      path.join(dir, "package.json"),
      JSON.stringify({ name: "infra", dependencies: { inbound: "file:../inbound-0.1.0.tgz" } }),
    );
    const result = await cli(["init", "--project", ".", "--csv", "hr.csv"]);
    expect(result.err).toBe("");
    expect(result.code).toBe(0);
    const pkg = JSON.parse(readFileSync(path.join(dir, "package.json"), "utf8"));
    expect(pkg).toMatchObject({
      name: "infra",
      main: "index.ts",
      dependencies: { inbound: "file:../inbound-0.1.0.tgz", "@pulumi/pulumi": expect.any(String) },
    });
    const tenant = readFileSync(path.join(dir, "config/tenants/my-tenant.yaml"), "utf8");
    expect(tenant).toContain('externalId: "[WorkerID]"');
    expect(readFileSync(path.join(dir, "Pulumi.my-tenant.yaml"), "utf8")).toContain(
      "inbound:spec: config/tenants/my-tenant.yaml",
    );
    expect(await cli(["validate", "config/tenants/my-tenant.yaml"])).toMatchObject({ code: 0 });
    expect(await cli(["stacks"])).toMatchObject({ code: 0 });

    writeFileSync(path.join(dir, "index.ts"), "// mine\n");
    expect(await cli(["init", "--project", "."])).toEqual({
      code: 1,
      out: "",
      err: expect.stringMatching(
        /^inbound init: \. already has Pulumi\.yaml, tsconfig\.json, index\.ts, /,
      ),
    });
    expect(readFileSync(path.join(dir, "index.ts"), "utf8")).toBe("// mine\n");
    expect(await cli(["init", "--project", ".", "--out", "x.yaml"])).toMatchObject({ code: 2 });
  });

  test("the schema line points at the schema from where the file is written", async () => {
    const result = await cli(["init"]);
    const schema = /\$schema=(\S+)/.exec(result.out)![1];
    expect(path.resolve(dir, schema)).toBe(
      path.resolve(__dirname, "..", "..", "config", "tenant-spec.schema.json"),
    );
  });
});
