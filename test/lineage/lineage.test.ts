/**
 * Lineage through `inbound validate`, as a user meets it: HR column → SCIM attribute → Entra
 * attribute → workflow, each break reported at the place to change, errors exit 1, warnings exit 0
 * unless --strict.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { inbound } from "../cli/harness";

const ROOT = path.resolve(__dirname, "..", "..");
let dir: string;
beforeAll(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), "inbound-lineage-"))));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const URN = "urn:ietf:params:scim:schemas:extension:contoso:1.0:User";

interface Parts {
  columns?: string;
  mappings?: string;
  app?: string;
  rest?: string;
  target?: "entra" | "activeDirectory";
}

/** A tenant whose one app sends and maps a clean chain; `parts` add or replace lines. */
function spec(parts: Parts = {}): string {
  const ad = parts.target === "activeDirectory";
  return (
    "tenant: { name: t1, id: 0b8e7d3c-5f0a-4d6e-9c2b-1a2b3c4d5e6f, domain: contoso.com }\n" +
    "provisioning:\n" +
    "  emp:\n" +
    "    displayName: HR\n" +
    "    notificationEmail: alerts@contoso.com\n" +
    (ad
      ? "    target: activeDirectory\n" +
        "    activeDirectory: { domain: contoso.local, defaultOu: 'OU=Users,DC=contoso,DC=local' }\n" +
        "    matching: [{ source: externalId, target: employeeID }]\n"
      : "") +
    "    scimExtension:\n" +
    `      urn: ${URN}\n` +
    "      attributes: { HireDate: dateTime, LeaveDate: dateTime }\n" +
    (parts.app ?? "") +
    "    mappings:\n" +
    (ad ? '      employeeID: "[externalId]"\n' : '      employeeId: "[externalId]"\n') +
    (parts.mappings ??
      (ad
        ? '      givenName: "[name.givenName]"\n'
        : '      givenName: "[name.givenName]"\n' +
          '      department: "[enterprise:department]"\n' +
          '      employeeLeaveDateTime: "[ext:LeaveDate]"\n')) +
    "    uploader:\n" +
    "      kind: none\n" +
    "      csv:\n" +
    "        columns:\n" +
    '          externalId: "[WorkerID]"\n' +
    '          name.givenName: "[FirstName]"\n' +
    (parts.columns ??
      '          enterprise:department: "[Department]"\n' +
        '          ext:LeaveDate: \'FormatDateTime([LeaveDate], , "yyyy-MM-dd", "yyyy-MM-ddT23:59:59Z")\'\n') +
    (parts.rest ?? "")
  );
}

async function validate(text: string, ...flags: string[]) {
  const file = path.join(dir, "tenant.yaml");
  fs.writeFileSync(file, text);
  return inbound(["validate", "tenant.yaml", ...flags], { cwd: dir });
}

const LEAVER =
  "lifecycleWorkflows:\n" +
  "  last-day:\n" +
  "    category: leaver\n" +
  "    displayName: Last day\n" +
  "    trigger: { attribute: employeeLeaveDateTime }\n" +
  "    tasks: [disableUserAccount]\n";

test("a clean chain validates with nothing to say", async () => {
  const result = await validate(spec({ rest: LEAVER }), "--strict");
  expect(result).toEqual({ code: 0, out: "tenant.yaml: ok\n", err: "" });
});

test("a mapping that feeds a workflow's trigger from a SCIM attribute no column sends: an error at the attribute, naming the workflow", async () => {
  const text = spec({ columns: '          enterprise:department: "[Department]"\n', rest: LEAVER });
  const result = await validate(text);
  expect(result).toEqual({
    code: 1,
    out: "",
    err: "tenant.yaml:13:31: provisioning.emp.mappings.employeeLeaveDateTime: reads [ext:LeaveDate], which no uploader column sends (provisioning.emp.uploader.csv.columns): employeeLeaveDateTime is never set, so lifecycleWorkflows.last-day never runs; add a column for it, or, if another system posts it to this endpoint, declare that under attributesSetElsewhere.employeeLeaveDateTime\n",
  });
  // Declared as posted by another system: trusted, as for a workflow attribute no app maps.
  const declared = await validate(
    text +
      "attributesSetElsewhere:\n  employeeLeaveDateTime: the leave-date feed posts ext:LeaveDate\n",
    "--strict",
  );
  expect(declared).toEqual({ code: 0, out: "tenant.yaml: ok\n", err: "" });
});

test("a mapping that reads a SCIM attribute no column sends, with no workflow on it: a warning; --strict fails it", async () => {
  const text = spec({
    mappings: '      givenName: "[name.givenName]"\n      jobTitle: "[title]"\n',
  });
  const result = await validate(text);
  expect(result.code).toBe(0);
  expect(result.out).toBe("tenant.yaml: ok (1 warning)\n");
  expect(result.err).toMatch(
    /^tenant\.yaml:\d+:\d+: warning: provisioning\.emp\.mappings\.jobTitle: reads \[title\], which no uploader column sends \(provisioning\.emp\.uploader\.csv\.columns\): jobTitle is never set; add a column for it\n$/,
  );
  // --strict fails on it; --json carries the severity.
  expect((await validate(text, "--strict")).code).toBe(1);
  const json = JSON.parse((await validate(text, "--json")).out);
  expect(json.valid).toBe(true);
  expect(json.files[0].diagnostics.map((d: { severity: string }) => d.severity)).toEqual([
    "warning",
  ]);
  expect(JSON.parse((await validate(text, "--json", "--strict")).out).valid).toBe(false);
});

test("an app without an uploader: validate says which SCIM attributes the caller must send", async () => {
  const text = spec().replace(/ {4}uploader:\n(?: {6,}.*\n)*/, "");
  expect(text).not.toContain("uploader");
  const result = await validate(text);
  expect(result).toEqual({
    code: 0,
    out:
      "tenant.yaml: ok\n" +
      "  provisioning.emp has no uploader: what posts to its bulkUpload endpoint must send externalId, name.givenName, enterprise:department, ext:LeaveDate\n",
    err: "",
  });
  const json = JSON.parse((await validate(text, "--json")).out);
  expect(json.files[0].callerMustSend).toEqual({
    emp: ["externalId", "name.givenName", "enterprise:department", "ext:LeaveDate"],
  });
  // With an uploader, its columns are the start of the chain: nothing to add.
  expect(JSON.parse((await validate(spec(), "--json")).out).files[0]).not.toHaveProperty(
    "callerMustSend",
  );
});

test("with a default, the mapping is always the default: still a warning", async () => {
  const result = await validate(
    spec({ mappings: '      usageLocation: { expression: "[ext:Country]", default: NL }\n' }),
  );
  expect(result.code).toBe(1);
  // [ext:Country] is not even an attribute of the extension: the catalog check says so first.
  expect(result.err).toMatch(/unknown attribute \[ext:Country\]/);
  const sent = await validate(
    spec({ mappings: '      usageLocation: { expression: "[title]", default: NL }\n' }),
  );
  expect(sent.code).toBe(0);
  expect(sent.err).toContain(
    'warning: provisioning.emp.mappings.usageLocation.expression: reads [title], which no uploader column sends (provisioning.emp.uploader.csv.columns): usageLocation is always the default "NL"; add a column for it, or map the constant',
  );
});

test("a misspelt Entra target attribute is an error with did-you-mean; extension forms pass by pattern", async () => {
  const result = await validate(spec({ mappings: '      jobTitel: "[name.givenName]"\n' }));
  expect(result.code).toBe(1);
  expect(result.err).toBe(
    'tenant.yaml:11:17: provisioning.emp.mappings.jobTitel: "jobTitel" is not a Microsoft Entra ID user attribute that provisioning writes; did you mean "jobTitle"? (directory extensions are written extension_<appId>_<name>)\n',
  );
  const extensions = await validate(
    spec({
      mappings:
        '      extensionAttribute15: "[name.givenName]"\n' +
        '      extension_0123456789abcdef0123456789abcdef_badge: "[externalId]"\n',
    }),
  );
  expect(extensions).toMatchObject({ code: 0, err: "" });
  expect(
    (await validate(spec({ mappings: '      extensionAttribute16: "[externalId]"\n' }))).code,
  ).toBe(1);
});

test("Active Directory targets are checked against AD's attributes", async () => {
  const result = await validate(
    spec({
      target: "activeDirectory",
      mappings: '      sAMAcountName: { expression: "[externalId]", apply: onCreate }\n',
    }),
  );
  expect(result.code).toBe(1);
  expect(result.err).toContain(
    'provisioning.emp.mappings.sAMAcountName: "sAMAcountName" is not a Active Directory user attribute that provisioning writes; did you mean "sAMAccountName"?',
  );
});

test("an attribute Microsoft sets on creation only, applied always: a warning", async () => {
  const result = await validate(spec({ mappings: '      userPrincipalName: "[externalId]"\n' }));
  expect(result.code).toBe(0);
  expect(result.err).toContain(
    "warning: provisioning.emp.mappings.userPrincipalName: userPrincipalName is usually set on creation only: applied always, every change of its source renames the account; set apply: onCreate",
  );
});

test("a workflow timed on, or triggered by, an attribute no app writes never runs: an error, unless declared set elsewhere", async () => {
  const workflows =
    "lifecycleWorkflows:\n" +
    "  pre-hire:\n" +
    "    category: joiner\n" +
    "    displayName: Pre-hire\n" +
    "    trigger: { attribute: employeeHireDate, offsetDays: -3 }\n" +
    "    tasks: [generateTemporaryAccessPass: { lifetimeMinutes: 480, usableOnce: true }]\n" +
    "  move:\n" +
    "    category: mover\n" +
    "    displayName: Move\n" +
    "    trigger: { attributeChanged: [department, jobTitle] }\n" +
    "    tasks: [notifyManagerOfUserMove]\n";
  const result = await validate(spec({ rest: workflows }));
  expect(result.code).toBe(1);
  expect(result.err.split("\n").filter(Boolean)).toEqual([
    "tenant.yaml:26:27: lifecycleWorkflows.pre-hire.trigger.attribute: is timed on employeeHireDate, which no provisioning app writes: the workflow never runs; map it in a provisioning app, or declare what sets it under attributesSetElsewhere.employeeHireDate",
    "tenant.yaml:31:47: lifecycleWorkflows.move.trigger.attributeChanged[1]: runs when jobTitle changes, which no provisioning app writes: HR changes never trigger it; map it in a provisioning app, or declare what sets it under attributesSetElsewhere.jobTitle",
  ]);
  const declared = await validate(
    spec({
      rest:
        workflows +
        "attributesSetElsewhere:\n" +
        "  employeeHireDate: the onboarding portal\n" +
        "  jobTitle: Entra Connect from on-premises AD\n",
    }),
  );
  expect(declared).toMatchObject({ code: 0, err: "" });
});

test("a scope rule that reads an attribute no app writes: an error at the property in the rule", async () => {
  const result = await validate(
    spec({
      rest: LEAVER.replace(
        "    tasks:",
        "    scope: \"(department eq 'IT') and (companyName eq 'Contoso')\"\n    tasks:",
      ),
    }),
  );
  expect(result.code).toBe(1);
  expect(result.err).toBe(
    "tenant.yaml:27:39: lifecycleWorkflows.last-day.scope: reads companyName, which no provisioning app writes: no user is in scope; map it in a provisioning app, or declare what sets it under attributesSetElsewhere.companyName\n",
  );
});

test("scoping clauses and matching on attributes never sent are errors", async () => {
  const result = await validate(
    spec({
      app:
        "    matching: [{ source: userName, target: employeeId }]\n" +
        "    scope: { anyOf: [{ allOf: [{ attribute: title, operator: equals, value: Sales }] }] }\n",
    }),
  );
  expect(result.code).toBe(1);
  expect(result.err).toContain(
    "provisioning.emp.matching[0].source: matches on userName, which no uploader column sends: no record can be matched to an existing user, so each one is created anew",
  );
  expect(result.err).toContain(
    "provisioning.emp.scope.anyOf[0].allOf[0].attribute: scopes on title, which no uploader column sends: every record is compared with an empty value",
  );
});

test("a leave date without a time, acted on the same day: a warning at the column with the fix", async () => {
  const result = await validate(
    spec({
      columns:
        '          enterprise:department: "[Department]"\n          ext:LeaveDate: "[LeaveDate]"\n',
      rest: LEAVER,
    }),
  );
  expect(result.code).toBe(0);
  expect(result.err).toContain(
    "warning: provisioning.emp.uploader.csv.columns.ext:LeaveDate: feeds employeeLeaveDateTime, which lifecycleWorkflows.last-day acts on the same day: a date without a time is sent as midnight UTC",
  );
  // A day later, the hour no longer matters.
  const later = await validate(
    spec({
      columns:
        '          enterprise:department: "[Department]"\n          ext:LeaveDate: "[LeaveDate]"\n',
      rest: LEAVER.replace(
        "{ attribute: employeeLeaveDateTime }",
        "{ attribute: employeeLeaveDateTime, offsetDays: 1 }",
      ),
    }),
  );
  expect(later).toMatchObject({ code: 0, err: "" });
});

test("--csv-header and --csv check the columns the uploader reads against a real header", async () => {
  fs.writeFileSync(path.join(dir, "hr.csv"), "WorkerID;FirstName;Dept\n1;Ada;IT\n");
  for (const flag of ["--csv-header", "--csv"]) {
    const result = await validate(spec(), flag, "hr.csv");
    expect(result.code).toBe(1);
    expect(result.err).toContain(
      "provisioning.emp.uploader.csv.columns.enterprise:department: [Department] is not a column of the CSV",
    );
    expect(result.err).toContain("[LeaveDate] is not a column of the CSV");
  }
  const missing = await validate(spec(), "--csv", "nope.csv");
  expect(missing).toEqual({
    code: 1,
    out: "",
    err: `--csv nope.csv: there is no such file (looked for ${path.join(dir, "nope.csv")})\n`,
  });
});

test("--csv-header reads the header in the uploader's declared encoding, as upload does", async () => {
  const header = "WorkerID,FirstName,Department,LeaveDate,Straße\n";
  fs.writeFileSync(
    path.join(dir, "utf16.csv"),
    Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(header, "utf16le")]),
  );
  fs.writeFileSync(path.join(dir, "latin1.csv"), Buffer.from(header, "latin1"));
  const declared = (encoding: string) =>
    spec().replace("      csv:\n", `      csv:\n        encoding: ${encoding}\n`);
  expect(await validate(declared("utf-16le"), "--csv-header", "utf16.csv")).toMatchObject({
    code: 0,
  });
  // The same file read as UTF-8 is what upload would refuse: said at the uploader, not guessed.
  const asUtf8 = await validate(spec(), "--csv-header", "utf16.csv");
  expect(asUtf8.code).toBe(1);
  expect(asUtf8.err).toContain(
    "provisioning.emp.uploader.csv: the sample HR file: utf16.csv: line 1: the file starts with a UTF-16LE byte-order mark but is read as utf-8: set uploader.csv.encoding: utf-16le",
  );
  // Latin-1 decodes ß as upload does, so a column named with it is found.
  const latin = declared("latin1").replace('"[Department]"', '"[Straße]"');
  expect(await validate(latin, "--csv-header", "latin1.csv")).toMatchObject({ code: 0 });
  const latinAsUtf8 = spec().replace('"[Department]"', '"[Straße]"');
  expect((await validate(latinAsUtf8, "--csv-header", "latin1.csv")).err).toContain(
    "[Straße] is not a column of the CSV",
  );
});

test("the bundled examples validate with no warning under --strict", async () => {
  const tenants = ["tenants", "variants"].flatMap((d) =>
    fs.readdirSync(path.join(ROOT, "examples", d)).map((f) => `examples/${d}/${f}`),
  );
  const result = await inbound(["validate", "--strict", ...tenants], { cwd: ROOT });
  expect(result).toEqual({
    code: 0,
    out: tenants.map((t) => `${t}: ok\n`).join(""),
    err: "",
  });
});
