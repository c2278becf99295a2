import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { inbound as runCli } from "./harness";

const ROOT = path.resolve(__dirname, "..", "..");
const TENANT =
  "tenant: { name: t1, id: 0b8e7d3c-5f0a-4d6e-9c2b-1a2b3c4d5e6f, domain: contoso.com }\n";

const inbound = (args: string[], cwd = ROOT, isTTY = false) => runCli(args, { cwd, isTTY });

/** A tenant file whose app passes every check, with `extra` lines inside the app. */
const app = (extra = "", mappings = "") =>
  TENANT +
  "provisioning:\n" +
  "  emp:\n" +
  "    displayName: HR\n" +
  "    notificationEmail: alerts@contoso.com\n" +
  extra +
  "    mappings:\n" +
  '      employeeId: "[externalId]"\n' +
  mappings;

const AZURE =
  "azure: { subscriptionId: 6f1c2d3e-4b5a-4c6d-8e7f-9a0b1c2d3e4f, resourceGroup: rg, location: westeurope }\n";

const EXTENSION =
  "    scimExtension:\n" +
  "      urn: urn:ietf:params:scim:schemas:extension:contoso:1.0:User\n" +
  "      attributes: { HireDate: dateTime }\n";

/**
 * Each bad input of the tenant spec through the command line: one positioned
 * `file:line:col: path: message` on stderr, nothing on stdout, exit 1, and no stack trace.
 */
const BAD: [string, string | Buffer | (() => void), string][] = [
  ["an empty file", "", "bad.yaml:1:1: the file is empty; a tenant spec needs at least `tenant:`"],
  [
    "a YAML syntax error",
    "tenant:\n  name: [a, b\n",
    "bad.yaml:3:1: YAML: flow sequence in block collection must be sufficiently indented and end with a ]",
  ],
  [
    "a tab-indented file",
    "tenant:\n\tname: t1\n",
    "bad.yaml:2:1: YAML: tabs cannot indent YAML; indent with spaces",
  ],
  [
    "a key indented under a key that already has a value",
    "tenant:\n  name: t1\n    id: 0b8e7d3c-5f0a-4d6e-9c2b-1a2b3c4d5e6f\n",
    "bad.yaml:3:5: YAML: this line is indented more than the key above it, `name` (line 2), which already has a value; YAML nests by indentation: align it with `name` (column 3)",
  ],
  [
    "a list item's key indented past the item's first key, after a comment",
    "tenant:\n  name: t1\nprovisioning:\n  emp:\n    matching:\n      - source: externalId\n        # the Entra side\n           target: employeeId\n",
    "bad.yaml:8:12: YAML: this line is indented more than the key above it, `source` (line 6), which already has a value; YAML nests by indentation: align it with `source` (column 9)",
  ],
  [
    "a key indented less than the keys before it",
    "tenant:\n    name: t1\n  id: 0b8e7d3c-5f0a-4d6e-9c2b-1a2b3c4d5e6f\n",
    "bad.yaml:3:3: YAML: this line is indented less than the key above it, `name` (line 2), but more than the map that holds it; YAML nests by indentation: align it with `name` (column 5) or with the key it belongs under",
  ],
  [
    "duplicate keys",
    TENANT + "provisioning: {}\nprovisioning: {}\n",
    "bad.yaml:3:1: YAML: this key appears twice in the same map; keep one",
  ],
  [
    "a wrong type",
    app("    deletionThreshold: lots\n"),
    'bad.yaml:6:24: provisioning.emp.deletionThreshold: expected a number, got "lots"',
  ],
  [
    "an unknown key, with did-you-mean",
    app("    deletionTreshold: 5\n"),
    "bad.yaml:6:5: provisioning.emp.deletionTreshold: unknown key `deletionTreshold`; did you mean `deletionThreshold`? (allowed: displayName, target, activeDirectory, notificationEmail, deletionThreshold, skipOutOfScopeDeletions, actions, scimExtension, matching, scope, mappings, uploader, applicationTemplateId, synchronizationTemplateId)",
  ],
  [
    "a missing required field",
    app().replace(/ {4}notificationEmail.*\n/, ""),
    "bad.yaml:4:5: provisioning.emp: missing required field `notificationEmail` (a string)",
  ],
  [
    "an `extends` of a missing file",
    "extends: base/none.yaml\n" + TENANT,
    "bad.yaml:1:10: extends: the base file base/none.yaml does not exist (looked for base/none.yaml)",
  ],
  [
    "an `extends` cycle",
    "extends: cycle-b.yaml\n" + TENANT,
    "cycle-b.yaml:1:10: extends: extends cycle: bad.yaml -> cycle-b.yaml -> bad.yaml",
  ],
  [
    "an unknown ${var}",
    app().replace("HR", "HR of ${tenant.nmae}"),
    "bad.yaml:4:24: provisioning.emp.displayName: unknown variable ${tenant.nmae}; did you mean ${tenant.name}? (known: tenant.name, tenant.id, tenant.domain, azure.subscriptionId, azure.resourceGroup, azure.location; write $${ for a literal ${)",
  ],
  [
    "an invalid GUID",
    TENANT.replace("5f0a-4d6e", "5f0a-4d6g"),
    "bad.yaml:1:25: tenant.id: must be a GUID like 00000000-0000-0000-0000-000000000000",
  ],
  [
    "an invalid email",
    app().replace("alerts@contoso.com", "alerts.contoso.com"),
    "bad.yaml:5:24: provisioning.emp.notificationEmail: must be an email address like alerts@contoso.com",
  ],
  [
    "an invalid NCRONTAB",
    app(
      "    uploader:\n" +
        "      kind: none\n" +
        '      schedule: "0 30 1 * *"\n' +
        '      csv: { columns: { externalId: "[WorkerID]" } }\n',
    ),
    "bad.yaml:8:17: provisioning.emp.uploader.schedule: must be an NCRONTAB expression with 6 fields (second minute hour day month day-of-week), got 5",
  ],
  [
    "a 10 MB file",
    Buffer.alloc(10 * 1024 * 1024, "#"),
    "bad.yaml:1:1: the file is 10.0 MB; a tenant spec may be at most 1.0 MB (is this the right file?)",
  ],
  [
    "a file that is not UTF-8",
    Buffer.concat([Buffer.from(TENANT + "# Zo"), Buffer.from([0xeb, 0x0a])]),
    "bad.yaml:2:5: the file is not UTF-8 (byte 0xeb at offset 88); save it as UTF-8",
  ],
  [
    "an error in a base file, pointed into the base file",
    "extends: base/b.yaml\n" + TENANT,
    "base/b.yaml:4:24: provisioning.emp.notificationEmail: must be an email address like alerts@contoso.com",
  ],
  [
    "an ext: attribute not declared in scimExtension",
    app(EXTENSION, '      employeeHireDate: "[ext:HireDat]"\n'),
    "bad.yaml:11:26: provisioning.emp.mappings.employeeHireDate: unknown attribute [ext:HireDat]; did you mean [ext:HireDate]?",
  ],
  [
    "an ext: attribute without any scimExtension",
    app("", '      employeeHireDate: "[ext:HireDate]"\n'),
    "bad.yaml:8:25: provisioning.emp.mappings.employeeHireDate: uses an `ext:` attribute but the app has no `scimExtension`; add one with its urn and attributes",
  ],
  [
    "a task naming an undeclared custom task extension",
    TENANT +
      AZURE +
      "lifecycleWorkflows:\n" +
      "  leave:\n" +
      "    category: leaver\n" +
      "    displayName: Leave\n" +
      "    trigger: { attribute: employeeLeaveDateTime }\n" +
      "    tasks:\n" +
      "      - runCustomTaskExtension: { extension: hybrid }\n" +
      "customTaskExtensions:\n" +
      "  hybrid-offboarding:\n" +
      "    displayName: Offboard\n" +
      "    logicApp: { name: la-offboard }\n",
    'bad.yaml:9:46: lifecycleWorkflows.leave.tasks[0].runCustomTaskExtension.extension: extension "hybrid" is not a key of customTaskExtensions; defined: hybrid-offboarding',
  ],
  [
    "a scope clause naming an attribute the API does not have",
    app(
      EXTENSION +
        "    scope:\n" +
        '      anyOf: [{ allOf: [{ attribute: "ext:HireDat", operator: isNotNull }] }]\n',
    ),
    "bad.yaml:10:38: provisioning.emp.scope.anyOf[0].allOf[0].attribute: unknown attribute [ext:HireDat]; did you mean [ext:HireDate]?",
  ],
  [
    "a matching source the API does not have",
    app("    matching: [{ source: extrenalId, target: employeeId }]\n"),
    "bad.yaml:6:26: provisioning.emp.matching[0].source: unknown attribute [extrenalId]; did you mean [externalId]?",
  ],
  [
    "an ext: matching source without a scimExtension",
    app("    matching:\n" + "      - { source: ext:Badge, target: employeeId }\n"),
    "bad.yaml:7:19: provisioning.emp.matching[0].source: uses an `ext:` attribute but the app has no `scimExtension`; add one with its urn and attributes",
  ],
  [
    "a scoping regular expression that backtracks catastrophically",
    app(
      "    scope:\n" +
        '      anyOf: [{ allOf: [{ attribute: userName, operator: regexMatch, value: "(a+)+$" }] }]\n',
    ),
    'bad.yaml:7:77: provisioning.emp.scope.anyOf[0].allOf[0].value: regular expression "(a+)+$" is refused at character 1: a repeat inside a repeat can make matching take exponential time on a value that almost matches; repeat one thing only, e.g. [\\w\\s]+ instead of (\\w+\\s?)+',
  ],
  [
    "duplicate matching targets",
    app(
      "    matching:\n" +
        "      - { source: externalId, target: employeeId }\n" +
        "      - { source: userName, target: employeeId }\n",
    ),
    'bad.yaml:8:37: provisioning.emp.matching[1].target: "employeeId" is already the target of matching[0]; each matching rule needs its own target attribute',
  ],
  [
    "an uploader column expression that does not parse, pointed at inside the string",
    app(
      "    uploader:\n" +
        "      kind: none\n" +
        '      csv: { columns: { externalId: "Join(\\"-\\", [WorkerID]" } }\n',
    ),
    'bad.yaml:8:60: provisioning.emp.uploader.csv.columns.externalId: missing ")" to close Join( opened at column 5',
  ],
  [
    "a logicApp uploader with an expression it cannot run",
    AZURE +
      app(
        "    uploader:\n" +
          "      kind: logicApp\n" +
          "      httpTrigger: { audience: api://hr, callerAppId: 99999999-0000-0000-0000-000000000001 }\n" +
          "      csv:\n" +
          "        columns:\n" +
          '          externalId: "[WorkerID]"\n' +
          "          displayName: 'Join(\" \", [First], [Last])'\n",
      ),
    'bad.yaml:13:24: provisioning.emp.uploader.csv.columns.displayName: displayName: "Join(\\" \\", [First], [Last])" cannot run in a Logic App uploader, which copies only a plain column like "[WorkerID]" or a constant like "\\"work\\""; simplify it, or use uploader.kind: function',
  ],
];

describe("inbound validate: each bad input gets one positioned error, exit 1, no stack trace", () => {
  let bad: string;
  beforeAll(() => {
    bad = fs.mkdtempSync(path.join(os.tmpdir(), "inbound-bad-"));
    fs.mkdirSync(path.join(bad, "base"));
    fs.writeFileSync(path.join(bad, "cycle-b.yaml"), "extends: bad.yaml\n");
    fs.writeFileSync(
      path.join(bad, "base/b.yaml"),
      app().split("\n").slice(1).join("\n").replace("alerts@contoso.com", "alerts"),
    );
  });
  afterAll(() => fs.rmSync(bad, { recursive: true, force: true }));

  it.each(BAD)("%s", async (_name, content, expected) => {
    fs.writeFileSync(path.join(bad, "bad.yaml"), content as string | Buffer);
    expect(await inbound(["validate", "bad.yaml"], bad)).toEqual({
      code: 1,
      out: "",
      err: expected + "\n",
    });
  });
});

let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "inbound-validate-"));
  fs.writeFileSync(path.join(dir, "good.yaml"), TENANT);
  fs.writeFileSync(path.join(dir, "bad.yaml"), TENANT.replace("domain: contoso.com", "domain: x"));
  fs.writeFileSync(path.join(dir, "tabs.yaml"), "tenant:\n\tname: t1\n");
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe("inbound validate", () => {
  it("accepts every example: the tenant files and the variants in examples/variants", async () => {
    const files = ["examples/tenants", "examples/variants"].flatMap((d) =>
      fs
        .readdirSync(path.join(ROOT, d))
        .filter((f) => f.endsWith(".yaml"))
        .sort()
        .map((f) => `${d}/${f}`),
    );
    expect(files).toEqual([
      "examples/tenants/contoso-ad.yaml",
      "examples/tenants/contoso.yaml",
      "examples/tenants/fabrikam.yaml",
      "examples/variants/contoso-monitored.yaml",
    ]);
    expect(await inbound(["validate", ...files])).toEqual({
      code: 0,
      out:
        "examples/tenants/contoso-ad.yaml: ok\n" +
        "examples/tenants/contoso.yaml: ok\n" +
        "examples/tenants/fabrikam.yaml: ok\n" +
        "examples/variants/contoso-monitored.yaml: ok\n",
      err: "",
    });
  });

  it("prints one positioned error per problem and exits 1, without a stack trace", async () => {
    expect(await inbound(["validate", "good.yaml", "bad.yaml", "tabs.yaml"], dir)).toEqual({
      code: 1,
      out: "good.yaml: ok\n",
      err:
        "bad.yaml:1:71: tenant.domain: must be a DNS domain name like contoso.com\n" +
        "tabs.yaml:2:1: YAML: tabs cannot indent YAML; indent with spaces\n",
    });
  });

  it("warns of placeholders and of account names outside ASCII; --strict refuses them", async () => {
    fs.writeFileSync(
      path.join(dir, "placeholders.yaml"),
      "tenant: { name: t1, id: 00000000-0000-0000-0000-000000000000, domain: example.com }\n" +
        "provisioning:\n" +
        "  emp:\n" +
        "    displayName: HR\n" +
        "    notificationEmail: alerts@example.org\n" +
        "    mappings:\n" +
        '      employeeId: "[externalId]"\n' +
        '      userPrincipalName: \'Join("@", Join(".", [name.givenName], [name.familyName]), "contoso.com")\'\n' +
        '      mail: \'Join("@", NormalizeDiacritics([userName]), "contoso.com")\'\n',
    );
    const warnings = [
      "placeholders.yaml:1:25: warning: tenant.id: is a placeholder id of zeros; set the real one",
      'placeholders.yaml:1:71: warning: tenant.domain: "example.com" is a placeholder (example domains are reserved); set the real one',
      'placeholders.yaml:5:24: warning: provisioning.emp.notificationEmail: "alerts@example.org" is a placeholder (example domains are reserved); set the real one',
      "placeholders.yaml:8:26: warning: provisioning.emp.mappings.userPrincipalName: can produce characters outside ASCII from [name.givenName], [name.familyName], which Entra refuses in userPrincipalName; wrap them in NormalizeDiacritics(...)",
    ];
    const plain = await inbound(["validate", "placeholders.yaml"], dir);
    expect(plain.code).toBe(0);
    expect(plain.err.split("\n")).toEqual(expect.arrayContaining(warnings));
    // Read through NormalizeDiacritics: nothing to warn of.
    expect(plain.err).not.toContain("mappings.mail");
    expect((await inbound(["validate", "--strict", "placeholders.yaml"], dir)).code).toBe(1);
  });

  it("reports a missing file as a diagnostic", async () => {
    expect(await inbound(["validate", "nope.yaml"], dir)).toEqual({
      code: 1,
      out: "",
      err: "nope.yaml:1:1: cannot read the file: ENOENT\n",
    });
  });

  it("prints JSON with --json", async () => {
    const result = await inbound(["validate", "--json", "good.yaml", "bad.yaml"], dir);
    expect(result.code).toBe(1);
    expect(result.err).toBe("");
    expect(JSON.parse(result.out)).toEqual({
      valid: false,
      files: [
        { file: "good.yaml", diagnostics: [] },
        {
          file: "bad.yaml",
          diagnostics: [
            {
              file: "bad.yaml",
              line: 1,
              column: 71,
              path: "tenant.domain",
              message: "must be a DNS domain name like contoso.com",
              severity: "error",
            },
          ],
        },
      ],
    });
    const ok = await inbound(["validate", "--json", "good.yaml"], dir);
    expect(ok.code).toBe(0);
    expect(JSON.parse(ok.out)).toEqual({
      valid: true,
      files: [{ file: "good.yaml", diagnostics: [] }],
    });
  });

  it("colours only on a terminal", async () => {
    const tty = await inbound(["validate", "good.yaml", "bad.yaml"], dir, true);
    expect(tty).toEqual({
      code: 1,
      out: "good.yaml: \u001b[32mok\u001b[0m\n",
      err:
        "\u001b[1mbad.yaml:1:71:\u001b[0m" +
        "\u001b[31m tenant.domain: must be a DNS domain name like contoso.com\u001b[0m\n",
    });
    // --json is for machines: never coloured.
    const json = await inbound(["validate", "--json", "bad.yaml"], dir, true);
    expect(json.out).not.toContain("\u001b");
    expect(JSON.parse(json.out).valid).toBe(false);
  });

  it("is a usage error (exit 2) for an unknown option or command", async () => {
    expect(await inbound(["validate", "--jsn", "good.yaml"], dir)).toEqual({
      code: 2,
      out: "",
      err: "error: unknown option '--jsn'\n(Did you mean --json?)\n(run `inbound validate --help` for usage)\n",
    });
    expect((await inbound(["valdate", "good.yaml"], dir)).code).toBe(2);
  });

  it("is a usage error (exit 2) without files", async () => {
    expect(await inbound(["validate"])).toEqual({
      code: 2,
      out: "",
      err: "error: missing required argument 'spec'\n(run `inbound validate --help` for usage)\n",
    });
  });
});
