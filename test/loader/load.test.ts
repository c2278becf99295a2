import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parse } from "yaml";
import { loadSpec, loadSpecOrThrow } from "../../lib/loader/load";
import { formatDiagnostic } from "../../lib/model/diagnostics";

const ROOT = path.resolve(__dirname, "..", "..");
const TENANT =
  "tenant: { name: t1, id: 0b8e7d3c-5f0a-4d6e-9c2b-1a2b3c4d5e6f, domain: contoso.com }\n";

/** An app that passes every cross-reference check, with `extra` lines inside it. */
const app = (extra = "") =>
  "provisioning:\n" +
  "  emp:\n" +
  "    displayName: HR\n" +
  "    notificationEmail: alerts@contoso.com\n" +
  extra +
  "    mappings:\n" +
  '      employeeId: "[externalId]"\n';

let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "inbound-spec-"));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function write(name: string, content: string | Buffer): string {
  const file = path.join(dir, name);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, content);
  return name;
}

/** The diagnostics of a file in the temp dir, as `validate` prints them. */
function errors(name: string, content?: string | Buffer): string[] {
  if (content !== undefined) write(name, content);
  const result = loadSpec(name, { cwd: dir });
  expect(result.spec === undefined).toBe(result.diagnostics.length > 0);
  return result.diagnostics.map(formatDiagnostic);
}

describe("loadSpec: each bad input gets one positioned error", () => {
  it("an empty file", () => {
    expect(errors("empty.yaml", "")).toEqual([
      "empty.yaml:1:1: the file is empty; a tenant spec needs at least `tenant:`",
    ]);
    expect(errors("comments.yaml", "# nothing yet\n")).toEqual([
      "comments.yaml:1:1: the file is empty; a tenant spec needs at least `tenant:`",
    ]);
  });

  it("a YAML syntax error", () => {
    expect(errors("syntax.yaml", "tenant:\n  name: [a, b\n")).toEqual([
      "syntax.yaml:3:1: YAML: flow sequence in block collection must be sufficiently indented and end with a ]",
    ]);
  });

  it("a tab-indented file", () => {
    expect(errors("tabs.yaml", "tenant:\n\tname: t1\n")).toEqual([
      "tabs.yaml:2:1: YAML: tabs cannot indent YAML; indent with spaces",
    ]);
  });

  it("duplicate keys, at the second occurrence", () => {
    expect(errors("dup.yaml", "tenant:\n  name: t1\n  name: t2\n")).toEqual([
      "dup.yaml:3:3: YAML: this key appears twice in the same map; keep one",
    ]);
  });

  it("wrong types", () => {
    expect(errors("type-map.yaml", "tenant: contoso\n")).toEqual([
      'type-map.yaml:1:9: tenant: expected a map, got "contoso"',
    ]);
    expect(errors("type-number.yaml", TENANT + app("    deletionThreshold: lots\n"))).toEqual([
      'type-number.yaml:6:24: provisioning.emp.deletionThreshold: expected a number, got "lots"',
    ]);
    expect(errors("type-list.yaml", TENANT + "provisioning: [emp]\n")).toEqual([
      "type-list.yaml:2:15: provisioning: expected a map, got a list",
    ]);
    expect(errors("type-scalar.yaml", "just text\n")).toEqual([
      "type-scalar.yaml:1:1: a tenant spec is a map of sections (`tenant:`, `provisioning:`...)",
    ]);
  });

  it("a key that breaks its map's naming rule, at the key", () => {
    expect(errors("key.yaml", TENANT + app().replace("  emp:", "  Emp_1:"))).toEqual([
      "key.yaml:3:3: provisioning.Emp_1: the key `Emp_1` must be a key of a-z, 0-9 and -",
    ]);
  });

  it("unknown keys, with did-you-mean, and a misspelt required key is one error", () => {
    const allowed =
      "(allowed: $schema, extends, tenant, azure, provisioning, lifecycleWorkflows, customTaskExtensions, lifecycleWorkflowSettings, monitoring, attributesSetElsewhere, graph)";
    expect(errors("typo.yaml", TENANT + "provisoning: {}\n")).toEqual([
      `typo.yaml:2:1: provisoning: unknown key \`provisoning\`; did you mean \`provisioning\`? ${allowed}`,
    ]);
    expect(errors("unknown.yaml", TENANT + "colour: blue\n")).toEqual([
      `unknown.yaml:2:1: colour: unknown key \`colour\` ${allowed}`,
    ]);
    const misspelt =
      TENANT +
      app()
        .replace("notificationEmail", "notificationEmial")
        .replace("    mappings", "    deletionTreshold: 5\n    mappings");
    expect(errors("misspelt.yaml", misspelt)).toEqual([
      "misspelt.yaml:5:5: provisioning.emp.notificationEmial: unknown key `notificationEmial`; did you mean `notificationEmail`? (allowed: displayName, target, activeDirectory, notificationEmail, deletionThreshold, skipOutOfScopeDeletions, actions, scimExtension, matching, scope, mappings, uploader, applicationTemplateId, synchronizationTemplateId)",
      "misspelt.yaml:6:5: provisioning.emp.deletionTreshold: unknown key `deletionTreshold`; did you mean `deletionThreshold`? (allowed: displayName, target, activeDirectory, notificationEmail, deletionThreshold, skipOutOfScopeDeletions, actions, scimExtension, matching, scope, mappings, uploader, applicationTemplateId, synchronizationTemplateId)",
    ]);
  });

  it("missing required fields, at the map that lacks them", () => {
    expect(errors("no-id.yaml", "tenant: { name: t1, domain: contoso.com }\n")).toEqual([
      "no-id.yaml:1:9: tenant: missing required field `id` (a string)",
    ]);
    // Without a tenant, its variables and everything below the top level would fail in its
    // wake; one error says what is missing.
    expect(
      errors("no-tenant.yaml", app().replace("HR", "${tenant.name} HR") + "colour: red\n"),
    ).toEqual([
      "no-tenant.yaml:1:1: missing required field `tenant` (a map); a base file is checked through the tenant files that extend it",
      "no-tenant.yaml:7:1: colour: unknown key `colour` (allowed: $schema, extends, tenant, azure, provisioning, lifecycleWorkflows, customTaskExtensions, lifecycleWorkflowSettings, monitoring, attributesSetElsewhere, graph)",
    ]);
    expect(errors("tenat.yaml", "tenat: {}\n" + app().replace("HR", "${tenant.name} HR"))).toEqual([
      "tenat.yaml:1:1: tenat: unknown key `tenat`; did you mean `tenant`? (allowed: $schema, extends, tenant, azure, provisioning, lifecycleWorkflows, customTaskExtensions, lifecycleWorkflowSettings, monitoring, attributesSetElsewhere, graph)",
    ]);
    expect(errors("no-email.yaml", TENANT + app().replace(/ {4}notif.*\n/, ""))).toEqual([
      "no-email.yaml:4:5: provisioning.emp: missing required field `notificationEmail` (a string)",
    ]);
  });

  it("`extends` of a missing file", () => {
    expect(errors("tenants/orphan.yaml", "extends: ../base/none.yaml\n" + TENANT)).toEqual([
      "tenants/orphan.yaml:1:10: extends: the base file ../base/none.yaml does not exist (looked for base/none.yaml)",
    ]);
  });

  it("an `extends` of something that is not a readable file", () => {
    fs.mkdirSync(path.join(dir, "a-dir"), { recursive: true });
    expect(errors("dir-base.yaml", "extends: a-dir\n" + TENANT)).toEqual([
      "dir-base.yaml:1:10: extends: cannot read the base file a-dir (a-dir): it is a directory, not a regular file; save the data to a file and name that",
    ]);
  });

  it("an absolute `extends` path is taken as it is", () => {
    const base = write("abs/base.yaml", app());
    write("abs/t.yaml", `extends: ${path.join(dir, base)}\n` + TENANT);
    expect(errors("abs/t.yaml")).toEqual([]);
  });

  it("an `extends` cycle, reported once, where it closes", () => {
    write("cycle/a.yaml", "extends: b.yaml\n" + TENANT);
    write("cycle/b.yaml", "extends: [c.yaml]\n");
    write("cycle/c.yaml", "extends: a.yaml\n");
    expect(errors("cycle/a.yaml")).toEqual([
      "cycle/c.yaml:1:10: extends: extends cycle: cycle/a.yaml -> cycle/b.yaml -> cycle/c.yaml -> cycle/a.yaml",
    ]);
    expect(errors("self.yaml", "extends: ./self.yaml\n" + TENANT)).toEqual([
      "self.yaml:1:10: extends: extends cycle: self.yaml -> self.yaml",
    ]);
  });

  it("an unknown ${var}, positioned on the variable", () => {
    expect(errors("var.yaml", TENANT + app().replace("HR", "HR for ${tenant.domian}"))).toEqual([
      "var.yaml:4:25: provisioning.emp.displayName: unknown variable ${tenant.domian}; did you mean ${tenant.domain}? (known: tenant.name, tenant.id, tenant.domain, azure.subscriptionId, azure.resourceGroup, azure.location; write $${ for a literal ${)",
    ]);
    expect(errors("unset.yaml", TENANT + app().replace("HR", "HR in ${azure.location}"))).toEqual([
      "unset.yaml:4:24: provisioning.emp.displayName: ${azure.location} is used here but `azure.location` is not set",
    ]);
  });

  it("an invalid GUID, email and NCRONTAB", () => {
    expect(errors("guid.yaml", TENANT.replace("0b8e7d3c-5f0a", "0b8e7d3c5f0a"))).toEqual([
      "guid.yaml:1:25: tenant.id: must be a GUID like 00000000-0000-0000-0000-000000000000",
    ]);
    expect(errors("email.yaml", TENANT + app().replace("alerts@contoso.com", "alerts"))).toEqual([
      "email.yaml:5:24: provisioning.emp.notificationEmail: must be an email address like alerts@contoso.com",
    ]);
    const uploader = (schedule: string) =>
      TENANT +
      app(
        "    uploader:\n" +
          "      kind: none\n" +
          `      schedule: "${schedule}"\n` +
          '      csv: { columns: { externalId: "[WorkerID]" } }\n',
      );
    expect(errors("cron-fields.yaml", uploader("0 30 1 * *"))).toEqual([
      "cron-fields.yaml:8:17: provisioning.emp.uploader.schedule: must be an NCRONTAB expression with 6 fields (second minute hour day month day-of-week), got 5",
    ]);
    expect(errors("cron-range.yaml", uploader("0 30 25 * * *"))).toEqual([
      "cron-range.yaml:8:17: provisioning.emp.uploader.schedule: NCRONTAB field 3 value 25 is out of range 0-23",
    ]);
    expect(errors("cron-ok.yaml", uploader("0 */5 * * * 1-5"))).toEqual([]);
  });

  it("a 10 MB file fails on its size, without being read", () => {
    write("big.yaml", Buffer.alloc(10 * 1024 * 1024, "a"));
    const read = jest.spyOn(fs, "readFileSync");
    try {
      expect(errors("big.yaml")).toEqual([
        "big.yaml:1:1: the file is 10.0 MB; a tenant spec may be at most 1.0 MB (is this the right file?)",
      ]);
      expect(read.mock.calls.filter(([f]) => String(f).endsWith("big.yaml"))).toEqual([]);
    } finally {
      read.mockRestore();
    }
    // A caller-supplied reader is checked after reading.
    const small = loadSpec("x.yaml", { readFile: () => Buffer.from(TENANT), maxBytes: 10 });
    expect(small.diagnostics.map(formatDiagnostic)).toEqual([
      "x.yaml:1:1: the file is 0.00 MB; a tenant spec may be at most 0.00 MB (is this the right file?)",
    ]);
  });

  it("a file that is not UTF-8, at the first bad byte", () => {
    const latin1 = Buffer.concat([Buffer.from(TENANT + "# caf"), Buffer.from([0xe9, 0x0a])]);
    expect(errors("latin1.yaml", latin1)).toEqual([
      "latin1.yaml:2:6: the file is not UTF-8 (byte 0xe9 at offset 89); save it as UTF-8",
    ]);
    expect(errors("utf16.yaml", Buffer.from("\ufefftenant: x\n", "utf16le"))).toEqual([
      "utf16.yaml:1:1: the file is not UTF-8 (byte 0xff at offset 0); save it as UTF-8",
    ]);
  });

  it("a multi-document file, at the second document", () => {
    expect(errors("multi.yaml", TENANT + "---\n" + TENANT)).toEqual([
      "multi.yaml:2:1: the file holds more than one YAML document; put each tenant in its own file",
    ]);
    expect(errors("one-doc.yaml", "---\n" + TENANT)).toEqual([]);
  });

  it("never throws, and loadSpecOrThrow lists every problem", () => {
    write("two.yaml", "tenant: { name: T, id: x, domain: contoso.com }\n");
    expect(() => loadSpecOrThrow("two.yaml", { cwd: dir })).toThrow(
      new Error(
        "two.yaml is not a valid tenant spec (run `inbound validate two.yaml`):\n" +
          "two.yaml:1:17: tenant.name: must be 2-32 characters of a-z, 0-9 and -\n" +
          "two.yaml:1:24: tenant.id: must be a GUID like 00000000-0000-0000-0000-000000000000",
      ),
    );
    expect(errors("missing-file.yaml")).toEqual([
      "missing-file.yaml:1:1: cannot read the file: ENOENT",
    ]);
  });
});

describe("extends: maps deep-merge, lists replace", () => {
  const BASE =
    "provisioning:\n" +
    "  emp:\n" +
    "    displayName: ${tenant.name} HR\n" +
    "    notificationEmail: base@contoso.com\n" +
    "    actions: [create, update, delete]\n" +
    "    mappings:\n" +
    '      employeeId: "[externalId]"\n' +
    '      givenName: "[name.givenName]"\n';

  it("merges a tenant file over its base", () => {
    write("merge/base.yaml", BASE);
    write(
      "merge/tenant.yaml",
      "extends: base.yaml\n" +
        TENANT +
        "provisioning:\n" +
        "  emp:\n" +
        "    actions: [create]\n" +
        "    mappings:\n" +
        '      surname: "[name.familyName]"\n' +
        '      givenName: "ToUpper([name.givenName])"\n',
    );
    const { spec, diagnostics } = loadSpec("merge/tenant.yaml", { cwd: dir });
    expect(diagnostics).toEqual([]);
    expect(spec!.provisioning.emp.actions).toEqual(["create"]);
    expect(spec!.provisioning.emp.mappings).toEqual({
      employeeId: "[externalId]",
      givenName: "ToUpper([name.givenName])",
      surname: "[name.familyName]",
    });
    // Variables of the base resolve with the tenant file's values.
    expect(spec!.provisioning.emp.displayName).toBe("t1 HR");
    expect(spec!.provisioning.emp.notificationEmail).toBe("base@contoso.com");
  });

  it("merges several bases in order", () => {
    write("multi/one.yaml", BASE);
    write("multi/two.yaml", "provisioning:\n  emp:\n    notificationEmail: two@contoso.com\n");
    write("multi/tenant.yaml", "extends: [one.yaml, two.yaml]\n" + TENANT);
    const { spec } = loadSpec("multi/tenant.yaml", { cwd: dir });
    expect(spec!.provisioning.emp.notificationEmail).toBe("two@contoso.com");
    expect(spec!.provisioning.emp.actions).toEqual(["create", "update", "delete"]);
  });

  it("points an error in an inherited value into the base file", () => {
    write("bad/base/b.yaml", BASE.replace("base@contoso.com", "base-at-contoso"));
    write("bad/tenants/t.yaml", "extends: ../base/b.yaml\n" + TENANT);
    expect(errors("bad/tenants/t.yaml")).toEqual([
      "bad/base/b.yaml:4:24: provisioning.emp.notificationEmail: must be an email address like alerts@contoso.com",
    ]);
    // Overridden, the base's bad value is gone, and so is the error.
    write(
      "bad/tenants/fixed.yaml",
      "extends: ../base/b.yaml\n" +
        TENANT +
        "provisioning:\n  emp:\n    notificationEmail: ok@contoso.com\n",
    );
    expect(errors("bad/tenants/fixed.yaml")).toEqual([]);
  });

  it("points an error in a replaced list into the file that replaced it", () => {
    write("list/base.yaml", BASE);
    write(
      "list/tenant.yaml",
      "extends: base.yaml\n" + TENANT + "provisioning:\n  emp:\n    actions: [create, remove]\n",
    );
    expect(errors("list/tenant.yaml")).toEqual([
      'list/tenant.yaml:5:23: provisioning.emp.actions[1]: must be one of create, update, delete; got "remove"',
    ]);
  });
});

describe("variables", () => {
  it("substitutes ${tenant.*} and keeps $${ as a literal ${", () => {
    const text =
      TENANT +
      app().replace("HR", () => "${tenant.name} pays $${HOME} in ${tenant.domain} (${tenant.id})");
    write("vars.yaml", text.replace("alerts@contoso.com", "alerts@${tenant.domain}"));
    const { spec, diagnostics } = loadSpec("vars.yaml", { cwd: dir });
    expect(diagnostics).toEqual([]);
    expect(spec!.provisioning.emp.displayName).toBe(
      "t1 pays ${HOME} in contoso.com (0b8e7d3c-5f0a-4d6e-9c2b-1a2b3c4d5e6f)",
    );
    expect(spec!.provisioning.emp.notificationEmail).toBe("alerts@contoso.com");
  });

  it("substitutes ${azure.*}", () => {
    const azure =
      "azure: { subscriptionId: 6f1c2d3e-4b5a-4c6d-8e7f-9a0b1c2d3e4f, resourceGroup: rg-1, location: westeurope }\n";
    write(
      "azure.yaml",
      TENANT + azure + app().replace("HR", "${azure.resourceGroup}/${azure.location}"),
    );
    expect(loadSpec("azure.yaml", { cwd: dir }).spec!.provisioning.emp.displayName).toBe(
      "rg-1/westeurope",
    );
  });
});

describe("the examples", () => {
  const load = (file: string) => loadSpec(file, { cwd: ROOT });

  it.each(["contoso.yaml", "fabrikam.yaml", "contoso-ad.yaml"])(
    "examples/tenants/%s is valid",
    (f) => {
      expect(load(`examples/tenants/${f}`).diagnostics.map(formatDiagnostic)).toEqual([]);
    },
  );

  it("fabrikam gets the base's mappings and keeps its own notification email", () => {
    const fabrikam = load("examples/tenants/fabrikam.yaml").spec!;
    const app = fabrikam.provisioning.employees;
    expect(app.notificationEmail).toBe("it@fabrikam.com");
    expect(app.displayName).toBe("fabrikam HR inbound - employees");
    expect(app.deletionThreshold).toBe(25);
    expect(app.scimExtension!.urn).toBe("urn:ietf:params:scim:schemas:extension:fabrikam:1.0:User");
    const base = parse(
      fs.readFileSync(path.join(ROOT, "examples/base/entra-employees.yaml"), "utf8"),
    );
    const expected = JSON.parse(
      JSON.stringify(base.provisioning.employees.mappings).replace(
        /\$\{tenant\.domain\}/g,
        "fabrikam.com",
      ),
    );
    expect(app.mappings).toEqual(expected);
    expect(app.mappings.userPrincipalName).toEqual({
      expression:
        'Join("@", NormalizeDiacritics(StripSpaces(Join(".", [name.givenName], [name.familyName]))), "fabrikam.com")',
      apply: "onCreate",
    });
  });

  it("keeps the design page's examples verbatim", () => {
    const blocks: string[] = JSON.parse(
      fs.readFileSync(path.join(__dirname, "../fixtures/tenant-spec/design-examples.json"), "utf8"),
    );
    // The design page names the files where they were before the examples left config/ for
    // examples/: its file comment and schema line say config/, the files say where they are now.
    const read = (f: string) =>
      fs
        .readFileSync(path.join(ROOT, f), "utf8")
        .replace(
          "$schema=../../config/tenant-spec.schema.json",
          "$schema=../tenant-spec.schema.json",
        )
        .replace("# examples/tenants/fabrikam.yaml", "# config/tenants/fabrikam.yaml");
    // The bundled contoso adds the two columns whose absence the design page's example shows as
    // lineage warnings (lib/lineage): the leave date at the end of the day, and the usage location.
    const added =
      '          ext:LeaveDate: \'FormatDateTime([LeaveDate], , "yyyy-MM-dd", "yyyy-MM-ddT23:59:59+01:00")\'   # end of the last day, Amsterdam time\n' +
      '          ext:UsageLocation: "[CountryCode]"\n';
    const hire = '          ext:HireDate: "[HireDate]"\n';
    expect(blocks[0]).toContain(hire);
    expect(read("examples/tenants/contoso.yaml")).toBe(blocks[0].replace(hire, hire + added));
    expect(read("examples/tenants/fabrikam.yaml")).toBe(
      "# yaml-language-server: $schema=../tenant-spec.schema.json\n" + blocks[1],
    );
    // The Active Directory block is a fragment; contoso-ad.yaml says the same in its context.
    const fragment = parse(blocks[2]);
    const adFile = parse(read("examples/tenants/contoso-ad.yaml"));
    expect(adFile.provisioning.employees).toMatchObject(fragment.provisioning.employees);
  });
});

describe("expression errors point at the character in the YAML file", () => {
  const mapping = (yaml: string) =>
    TENANT + app().replace("    mappings:\n", "    mappings:\n" + yaml);
  const cases: [string, string, string][] = [
    [
      "a plain scalar",
      '      displayName: Join(" ", [name.givenNam])\n',
      "7:30: provisioning.emp.mappings.displayName: unknown attribute [name.givenNam]; did you mean [name.givenName]?",
    ],
    [
      "a single-quoted scalar with a '' escape",
      "      displayName: 'Join(\"''\", [name.givenNam])'\n",
      "7:32: provisioning.emp.mappings.displayName: unknown attribute [name.givenNam]; did you mean [name.givenName]?",
    ],
    [
      'a double-quoted scalar with \\" escapes',
      '      displayName: "Join(\\" \\", [name.givenNam])"\n',
      "7:33: provisioning.emp.mappings.displayName: unknown attribute [name.givenNam]; did you mean [name.givenName]?",
    ],
    [
      "a literal block scalar",
      '      displayName: |-\n        Join(" ",\n          [name.givenName],\n          [name.familyNam])\n',
      "10:11: provisioning.emp.mappings.displayName: unknown attribute [name.familyNam]; did you mean [name.familyName]?",
    ],
    [
      "a folded block scalar",
      '      displayName: >-\n        Join(" ",\n        [name.givenName],\n\n        Jion([name.familyName]))\n',
      "11:9: provisioning.emp.mappings.displayName: unknown function Jion; did you mean Join?",
    ],
    [
      "a multi-line double-quoted scalar",
      '      displayName: "Join(\\" \\",\n        [name.givenName], [nickNme])"\n',
      "8:27: provisioning.emp.mappings.displayName: unknown attribute [nickNme]; did you mean [nickName]?",
    ],
    [
      "the long form's expression, after a ${variable}",
      '      companyName:\n        expression: \'Join("@", "${tenant.domain}", [userNme])\'\n',
      "8:52: provisioning.emp.mappings.companyName.expression: unknown attribute [userNme]; did you mean [userName]?",
    ],
    [
      "a syntax error at the end of the string",
      "      displayName: 'Join(\" \", [userName]'\n",
      '7:41: provisioning.emp.mappings.displayName: missing ")" to close Join( opened at column 5',
    ],
  ];

  it.each(cases)("in %s", (_name, yaml, expected) => {
    expect(errors("expr.yaml", mapping(yaml))).toEqual([`expr.yaml:${expected}`]);
  });

  it("in a file with a byte-order mark and CRLF line ends", () => {
    const text = mapping('      displayName: >-\n        Join(" ",\n        [name.givenNam])\n');
    expect(errors("crlf.yaml", "\ufeff" + text.replace(/\n/g, "\r\n"))).toEqual([
      "crlf.yaml:9:9: provisioning.emp.mappings.displayName: unknown attribute [name.givenNam]; did you mean [name.givenName]?",
    ]);
  });

  it("in an uploader column, and in a base file", () => {
    write(
      "expr-base/base.yaml",
      app(
        "    uploader:\n" +
          "      kind: none\n" +
          "      csv:\n" +
          "        columns:\n" +
          '          externalId: "[WorkerID]"\n' +
          "          userName: 'Join(\"@\", [UserID], DefaultDomain())'\n",
      ),
    );
    write("expr-base/tenant.yaml", "extends: base.yaml\n" + TENANT);
    expect(errors("expr-base/tenant.yaml")).toEqual([
      "expr-base/base.yaml:10:42: provisioning.emp.uploader.csv.columns.userName: DefaultDomain needs the target directory or tenant, so it works only in provisioning mappings, not in uploader columns",
    ]);
  });
});

describe("uploader columns against csv.header", () => {
  const uploader = (header: string) =>
    TENANT +
    app(
      "    uploader:\n" +
        "      kind: none\n" +
        "      csv:\n" +
        header +
        "        columns:\n" +
        '          externalId: "[WorkerID]"\n' +
        "          displayName: 'Join(\" \", [FirstName], [LastNmae])'\n",
    );

  it("checks every [Column] against the declared header", () => {
    expect(
      errors("header.yaml", uploader("        header: [WorkerID, FirstName, LastName]\n")),
    ).toEqual([
      "header.yaml:12:48: provisioning.emp.uploader.csv.columns.displayName: [LastNmae] is not a column of the CSV; did you mean [LastName]? (columns: WorkerID, FirstName, LastName)",
    ]);
  });

  it("leaves the columns to upload time without a header", () => {
    expect(errors("no-header.yaml", uploader(""))).toEqual([]);
  });
});

describe("SelectUniqueValue", () => {
  it("is refused on a matching target", () => {
    const text =
      TENANT +
      "provisioning:\n" +
      "  ad:\n" +
      "    displayName: HR\n" +
      "    notificationEmail: alerts@contoso.com\n" +
      "    target: activeDirectory\n" +
      '    activeDirectory: { domain: contoso.local, defaultOu: "OU=Users,DC=contoso,DC=local" }\n' +
      "    matching: [{ source: userName, target: sAMAccountName }]\n" +
      "    mappings:\n" +
      "      sAMAccountName:\n" +
      '        expression: \'SelectUniqueValue([userName], Join("", [userName], "1"))\'\n' +
      "        apply: onCreate\n";
    expect(errors("suv.yaml", text)).toEqual([
      'suv.yaml:11:9: provisioning.ad.mappings.sAMAccountName: SelectUniqueValue can\'t be applied to an attribute with a matching precedence: "sAMAccountName" is a matching target',
    ]);
  });
});

describe("YAML anchors, aliases and merge keys", () => {
  const twoApps = (second: string) =>
    TENANT +
    "provisioning:\n" +
    "  emp:\n" +
    "    displayName: &name HR\n" +
    "    notificationEmail: alerts@contoso.com\n" +
    "    mappings: &mappings\n" +
    '      employeeId: "[externalId]"\n' +
    '      displayName: "[displayNme]"\n' +
    "  ctr:\n" +
    second;

  it("an alias is the anchored value, and its errors point at the anchor", () => {
    const text = twoApps(
      "    displayName: *name\n" +
        "    notificationEmail: alerts@contoso.com\n" +
        "    mappings: *mappings\n",
    );
    expect(errors("alias.yaml", text)).toEqual([
      "alias.yaml:8:21: provisioning.ctr.mappings.displayName: unknown attribute [displayNme]; did you mean [displayName]?",
      "alias.yaml:8:21: provisioning.emp.mappings.displayName: unknown attribute [displayNme]; did you mean [displayName]?",
    ]);
    const fixed = text.replace("displayNme", "displayName");
    write("alias-ok.yaml", fixed);
    const { spec } = loadSpec("alias-ok.yaml", { cwd: dir });
    expect(spec!.provisioning.ctr.displayName).toBe("HR");
    expect(spec!.provisioning.ctr.mappings).toEqual(spec!.provisioning.emp.mappings);
  });

  it("`<<: *anchor` merges, the map's own keys winning", () => {
    const text = twoApps(
      "    displayName: Contractors\n" +
        "    notificationEmail: alerts@contoso.com\n" +
        "    mappings:\n" +
        "      <<: *mappings\n" +
        '      displayName: "[userName]"\n',
    ).replace("displayNme", "displayName");
    write("merge-key.yaml", text);
    const { spec, diagnostics } = loadSpec("merge-key.yaml", { cwd: dir });
    expect(diagnostics).toEqual([]);
    expect(spec!.provisioning.ctr.mappings).toEqual({
      employeeId: "[externalId]",
      displayName: "[userName]",
    });
  });

  it("an alias without its anchor, or inside it", () => {
    expect(errors("no-anchor.yaml", "tenant: *defaults\n")).toEqual([
      "no-anchor.yaml:1:9: YAML: the alias *defaults has no anchor &defaults before it",
    ]);
    expect(errors("own-anchor.yaml", "tenant: &t\n  name: *t\n")).toEqual([
      "own-anchor.yaml:2:9: YAML: the alias *t is inside its own anchor",
    ]);
  });

  it("a merge of something that is not a map", () => {
    expect(
      errors("merge-bad.yaml", twoApps("    <<: *name\n").replace("displayNme", "displayName")),
    ).toEqual([
      "merge-bad.yaml:10:9: provisioning.ctr: YAML: a `<<` merge key needs an alias of a map, like `<<: *defaults`",
    ]);
  });
});

describe("`key: null` in an extending file removes what the base set", () => {
  const base =
    "provisioning:\n" +
    "  emp:\n" +
    "    mappings:\n" +
    '      employeeId: "[externalId]"\n' +
    '      department: "[enterprise:department]"\n' +
    "    uploader:\n" +
    "      kind: none\n" +
    "      csv:\n" +
    "        columns:\n" +
    '          externalId: "[WorkerID]"\n' +
    '          enterprise:department: "[Department]"\n' +
    '          enterprise:organization: "[Company]"\n';

  it("drops an inherited column and an inherited mapping", () => {
    write("base/b.yaml", base);
    const file = write(
      "nulls.yaml",
      "extends: base/b.yaml\n" +
        TENANT +
        "provisioning:\n" +
        "  emp:\n" +
        "    displayName: HR\n" +
        "    notificationEmail: alerts@contoso.com\n" +
        "    mappings: { department: null }\n" +
        "    uploader: { csv: { columns: { enterprise:organization: null } } }\n",
    );
    const { spec, diagnostics } = loadSpec(file, { cwd: dir });
    expect(diagnostics).toEqual([]);
    expect(Object.keys(spec!.provisioning.emp.mappings)).toEqual(["employeeId"]);
    expect(Object.keys(spec!.provisioning.emp.uploader!.csv.columns!)).toEqual([
      "externalId",
      "enterprise:department",
    ]);
  });

  it("a null that removes nothing is still a wrong value, at its line", () => {
    expect(errors("lone-null.yaml", TENANT + app("    deletionThreshold: null\n"))).toEqual([
      "lone-null.yaml:6:24: provisioning.emp.deletionThreshold: expected a number, got null",
    ]);
  });
});
