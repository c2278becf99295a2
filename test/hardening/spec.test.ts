/**
 * Hostile and broken tenant specs, through the command line as a user meets them: each is refused
 * quickly with a positioned `file:line:col: path: message`, exit 1 and no stack trace.
 */
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { inbound as runCli } from "../cli/harness";
import { loadSpec, MAX_EXTENDS_DEPTH } from "../../lib/loader/load";
import { formatDiagnostic } from "../../lib/model/diagnostics";
import { findFunction } from "../../lib/expressions";
import { NON_DETERMINISTIC_FUNCTIONS } from "../../lib/records/checks";

const TENANT =
  "tenant: { name: t1, id: 0b8e7d3c-5f0a-4d6e-9c2b-1a2b3c4d5e6f, domain: contoso.com }\n";

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "inbound-hardening-"));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

const write = (name: string, text: string | Buffer) => {
  fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
  fs.writeFileSync(path.join(dir, name), text);
};
const validate = (...files: string[]) => runCli(["validate", ...files], { cwd: dir });

describe("YAML aliases", () => {
  /** Fifteen levels of nine aliases each: 9^16 strings once expanded. */
  const laughs = () => {
    const lines = [
      TENANT.trimEnd(),
      "lol:",
      `  lol0: &lol0 [${Array(9).fill('"lol"').join(", ")}]`,
    ];
    for (let i = 1; i <= 15; i++) {
      lines.push(
        `  lol${i}: &lol${i} [${Array(9)
          .fill(`*lol${i - 1}`)
          .join(", ")}]`,
      );
    }
    return lines.join("\n") + "\n";
  };

  it("a 1.5 KB billion-laughs file fails fast, at the alias that passes the limit", async () => {
    const text = laughs();
    expect(text.length).toBeGreaterThan(1300);
    expect(text.length).toBeLessThan(1600);
    write("laughs.yaml", text);
    const started = Date.now();
    const result = await validate("laughs.yaml");
    expect(Date.now() - started).toBeLessThan(2000);
    expect(result).toEqual({
      code: 1,
      out: "",
      err:
        "laughs.yaml:6:16: YAML: the alias *lol2 makes the file expand too much (the yaml library's " +
        'limit of 100 aliased values, against "billion laughs" files); use fewer aliases\n',
    });
  });

  it("many aliases of a large anchor stop at a bound on what aliases add in all", async () => {
    // Aliased 50 times, within the library's rule, but each copy is 2,100 values.
    const copies = `copies: [${Array(50).fill("*big").join(", ")}]`;
    write("wide.yaml", `${TENANT}big: &big [${Array(2100).fill("x").join(", ")}]\n${copies}\n`);
    const result = await validate("wide.yaml");
    // The 48th copy passes 100,000 values.
    const column = copies.indexOf("*big") + 47 * "*big, ".length + 1;
    expect(result).toEqual({
      code: 1,
      out: "",
      err:
        `wide.yaml:3:${column}: YAML: the aliases expand to more than 100000 values, at the alias *big ` +
        '(a "billion laughs" file?); use fewer aliases\n',
    });
  });

  it("ordinary anchors, aliases and merge keys still load", () => {
    write(
      "ok.yaml",
      TENANT +
        "provisioning:\n" +
        "  a: &app\n" +
        "    displayName: A\n" +
        "    notificationEmail: alerts@contoso.com\n" +
        '    mappings: &maps { employeeId: "[externalId]" }\n' +
        "  b:\n" +
        "    <<: *app\n" +
        "    displayName: B\n" +
        "    mappings: *maps\n",
    );
    const { spec, diagnostics } = loadSpec("ok.yaml", { cwd: dir });
    expect(diagnostics).toEqual([]);
    expect(spec!.provisioning.b.displayName).toBe("B");
    expect(spec!.provisioning.b.mappings).toEqual({ employeeId: "[externalId]" });
  });
});

describe("large files", () => {
  it("a map of 50,000 keys is checked for duplicates in linear time", () => {
    const keys = Array.from({ length: 50_000 }, (_, i) => `  k${i}: v\n`).join("");
    write("keys.yaml", `${TENANT}x:\n${keys}  k49999: again\n`);
    const started = Date.now();
    const { diagnostics } = loadSpec("keys.yaml", { cwd: dir });
    // The library's own check (uniqueKeys) took 45 s here: it compares every key with every other.
    expect(Date.now() - started).toBeLessThan(15_000);
    expect(diagnostics.map(formatDiagnostic)).toEqual([
      "keys.yaml:50003:3: YAML: this key appears twice in the same map; keep one",
    ]);
  });
});

describe("deep nesting", () => {
  it("is a positioned error, not a crash", async () => {
    write("deep.yaml", `${TENANT}x: ${"[".repeat(20_000)}${"]".repeat(20_000)}\n`);
    const result = await validate("deep.yaml");
    expect(result.code).toBe(1);
    expect(result.err).toMatch(
      /^deep\.yaml:2:\d+: YAML: the values nest too deeply to be read; a tenant spec nests a few levels\n$/,
    );
  });
});

describe("extends", () => {
  it("loads each file of a 25-file diamond once", () => {
    // Levels of two files, each extending both files of the next level: 2^12 paths to the bottom.
    const levels = 12;
    for (let level = 0; level < levels; level++) {
      for (const side of ["a", "b"]) {
        const bases =
          level + 1 < levels ? `extends: [l${level + 1}a.yaml, l${level + 1}b.yaml]\n` : "";
        write(`l${level}${side}.yaml`, bases + `lifecycleWorkflowSettings: {}\n`);
      }
    }
    write("top.yaml", "extends: [l0a.yaml, l0b.yaml]\n" + TENANT);
    const reads: string[] = [];
    const started = Date.now();
    const { diagnostics } = loadSpec("top.yaml", {
      cwd: dir,
      readFile: (file) => {
        reads.push(file);
        return fs.readFileSync(file);
      },
    });
    expect(diagnostics).toEqual([]);
    expect(reads).toHaveLength(25);
    expect(new Set(reads).size).toBe(25);
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it("limits how deep extends nests, with the chain in the message", async () => {
    const files = MAX_EXTENDS_DEPTH + 1;
    for (let i = 1; i < files; i++) {
      write(`c${i}.yaml`, i + 1 < files ? `extends: c${i + 1}.yaml\n` : TENANT);
    }
    write("top.yaml", "extends: c1.yaml\n");
    const chain = ["top.yaml", ...Array.from({ length: files - 1 }, (_, i) => `c${i + 1}.yaml`)];
    expect(await validate("top.yaml")).toEqual({
      code: 1,
      out: "",
      err:
        `c${files - 2}.yaml:1:10: extends: extends nests more than ${MAX_EXTENDS_DEPTH} files deep ` +
        `(${chain.join(" -> ")}); merge some of the base files\n`,
    });
  });

  it("reports a cycle reached through a shared base once", async () => {
    write("top.yaml", "extends: [a.yaml, b.yaml]\n" + TENANT);
    write("a.yaml", "extends: shared.yaml\n");
    write("b.yaml", "extends: shared.yaml\n");
    write("shared.yaml", "extends: a.yaml\n");
    expect(await validate("top.yaml")).toEqual({
      code: 1,
      out: "",
      err: "shared.yaml:1:10: extends: extends cycle: top.yaml -> a.yaml -> shared.yaml -> a.yaml\n",
    });
  });
});

describe("bounded reads", () => {
  const fifo = (name: string) => {
    execFileSync("mkfifo", [path.join(dir, name)]);
  };

  it.each([
    [
      "/dev/zero",
      "/dev/zero:1:1: cannot read the file: it is a character device, not a regular file; save the data to a file and name that",
    ],
    [
      "/dev/stdin",
      expect.stringMatching(
        /^\/dev\/stdin:1:1: cannot read the file: it is a (FIFO \(named pipe\)|character device|socket), not a regular file; save the data to a file and name that$/,
      ),
    ],
  ])("refuses %s as a spec", async (file, message) => {
    const result = await validate(file);
    expect(result.code).toBe(1);
    expect(result.err.trimEnd()).toEqual(message);
  });

  it("refuses a FIFO as a spec without waiting for a writer", async () => {
    fifo("spec.yaml");
    expect(await validate("spec.yaml")).toEqual({
      code: 1,
      out: "",
      err: "spec.yaml:1:1: cannot read the file: it is a FIFO (named pipe), not a regular file; save the data to a file and name that\n",
    });
  });

  it("refuses a FIFO or a device as a base file, at the extends that names it", async () => {
    fifo("base.yaml");
    write("top.yaml", "extends: [base.yaml, /dev/zero]\n" + TENANT);
    expect(await validate("top.yaml")).toEqual({
      code: 1,
      out: "",
      err:
        "top.yaml:1:11: extends: cannot read the base file base.yaml (base.yaml): it is a FIFO (named pipe), not a regular file; save the data to a file and name that\n" +
        "top.yaml:1:22: extends: cannot read the base file /dev/zero (/dev/zero): it is a character device, not a regular file; save the data to a file and name that\n",
    });
  });

  it("holds base files to the spec size limit", async () => {
    write("big.yaml", "#".repeat(2 * 1024 * 1024));
    write("top.yaml", "extends: big.yaml\n" + TENANT);
    expect(await validate("top.yaml")).toEqual({
      code: 1,
      out: "",
      err: "big.yaml:1:1: the file is 2.0 MB; a tenant spec may be at most 1.0 MB (is this the right file?)\n",
    });
  });

  it("still reads a spec through a symbolic link to a regular file", () => {
    write("real.yaml", TENANT);
    fs.symlinkSync(path.join(dir, "real.yaml"), path.join(dir, "link.yaml"));
    expect(loadSpec("link.yaml", { cwd: dir }).diagnostics.map(formatDiagnostic)).toEqual([]);
  });
});

/** A tenant file with one app, `extra` lines inside the app and `mappings` lines in its mappings. */
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

const uploader = (columns: string) =>
  "    uploader:\n" +
  "      kind: none\n" +
  "      csv:\n" +
  "        columns:\n" +
  '          externalId: "[WorkerID]"\n' +
  columns;

const EXTENSION =
  "    scimExtension:\n" +
  "      urn: urn:ietf:params:scim:schemas:extension:contoso:1.0:User\n" +
  "      attributes: { HireDate: dateTime }\n";

describe("names of object-prototype members", () => {
  it.each([
    [
      "a custom SCIM attribute",
      app(EXTENSION.replace("HireDate: dateTime", "HireDate: dateTime, toString: string")),
      "bad.yaml:8:41: provisioning.emp.scimExtension.attributes.toString: the name `toString` is reserved: every JavaScript object has a `toString` of its own, which the tools would read in its place; rename it",
    ],
    [
      "a mapping target",
      app("", '      constructor: "[externalId]"\n'),
      "bad.yaml:8:7: provisioning.emp.mappings.constructor: the name `constructor` is reserved: every JavaScript object has a `constructor` of its own, which the tools would read in its place; rename it",
    ],
    [
      "an uploader column",
      app(uploader('          __proto__: "[WorkerID]"\n')),
      "bad.yaml:11:11: provisioning.emp.uploader.csv.columns.__proto__: the name `__proto__` is reserved: every JavaScript object has a `__proto__` of its own, which the tools would read in its place; rename it",
    ],
    [
      "a sub-attribute of an uploader column",
      app(uploader('          name.constructor: "[First]"\n')),
      'bad.yaml:11:29: provisioning.emp.uploader.csv.columns["name.constructor"]: "name.constructor": constructor is not a sub-attribute of name (known: formatted, familyName, givenName, middleName, honorificPrefix, honorificSuffix)',
    ],
    [
      "a custom attribute an uploader column names",
      app(EXTENSION + uploader('          ext:hasOwnProperty: "[Badge]"\n')),
      'bad.yaml:14:31: provisioning.emp.uploader.csv.columns.ext:hasOwnProperty: "ext:hasOwnProperty": hasOwnProperty is not in scimExtension.attributes (known: HireDate)',
    ],
  ])("%s is refused", async (_name, text, expected) => {
    write("bad.yaml", text);
    expect(await validate("bad.yaml")).toEqual({ code: 1, out: "", err: expected + "\n" });
  });
});

describe("variables inside variables", () => {
  it("a variable's value may use other variables; every use gets the substituted value", () => {
    write(
      "vars.yaml",
      "tenant:\n" +
        "  name: t1\n" +
        "  id: 0b8e7d3c-5f0a-4d6e-9c2b-1a2b3c4d5e6f\n" +
        '  domain: "${tenant.name}.contoso.com"\n' +
        "azure:\n" +
        "  subscriptionId: 6f1c2d3e-4b5a-4c6d-8e7f-9a0b1c2d3e4f\n" +
        '  resourceGroup: "rg-${tenant.domain}"\n' +
        "  location: westeurope\n" +
        "customTaskExtensions:\n" +
        "  x:\n" +
        '    displayName: "Offboard ${azure.resourceGroup}"\n' +
        "    logicApp: { name: la-x }\n",
    );
    const { spec, diagnostics } = loadSpec("vars.yaml", { cwd: dir });
    expect(diagnostics.map(formatDiagnostic)).toEqual([]);
    expect(spec!.tenant.domain).toBe("t1.contoso.com");
    expect(spec!.azure!.resourceGroup).toBe("rg-t1.contoso.com");
    expect(spec!.customTaskExtensions.x.displayName).toBe("Offboard rg-t1.contoso.com");
  });

  it("a cycle of variables is reported where it closes", async () => {
    write(
      "cycle.yaml",
      TENANT +
        "azure:\n" +
        "  subscriptionId: 6f1c2d3e-4b5a-4c6d-8e7f-9a0b1c2d3e4f\n" +
        '  resourceGroup: "rg-${azure.location}"\n' +
        '  location: "${azure.resourceGroup}"\n',
    );
    expect(await validate("cycle.yaml")).toEqual({
      code: 1,
      out: "",
      err: "cycle.yaml:5:14: azure.location: variables defined through each other: azure.resourceGroup -> azure.location -> azure.resourceGroup; give one of them a value without variables\n",
    });
  });

  it("an unknown variable inside a variable's value is reported there, once", async () => {
    write(
      "unknown.yaml",
      TENANT.replace("domain: contoso.com", 'domain: "${tenant.nam}.contoso.com"') +
        "lifecycleWorkflowSettings:\n" +
        '  emailSettings: { senderDomain: "${tenant.domain}" }\n',
    );
    expect(await validate("unknown.yaml")).toEqual({
      code: 1,
      out: "",
      err: "unknown.yaml:1:72: tenant.domain: unknown variable ${tenant.nam}; did you mean ${tenant.name}? (known: tenant.name, tenant.id, tenant.domain, azure.subscriptionId, azure.resourceGroup, azure.location; write $${ for a literal ${)\n",
    });
  });
});

describe("non-deterministic column expressions", () => {
  const why =
    "() gives a different value each time it runs: the uploader sends only the records that changed since its last run, and with this column every record changes on every run, so everyone is re-sent every time; compute the value from the HR record's fields, or use a constant";

  it.each([
    ["Guid()", `          userName: "Guid()"\n`, "11:22", "userName", "Guid"],
    ["Now()", `          title: 'Join(" ", [Title], now())'\n`, "11:38", "title", "now"],
    [
      "RandomString()",
      `          nickName: "Append([First], RandomString(4, 1, 0, 1, 1))"\n`,
      "11:38",
      "nickName",
      "RandomString",
    ],
  ])(
    "%s in csv.columns is a validate error inside the string",
    async (_n, column, at, key, name) => {
      write("bad.yaml", app(uploader(column)));
      expect(await validate("bad.yaml")).toEqual({
        code: 1,
        out: "",
        err: `bad.yaml:${at}: provisioning.emp.uploader.csv.columns.${key}: ${name}${why}\n`,
      });
    },
  );

  it("names only functions of the catalogue", () => {
    for (const name of NON_DETERMINISTIC_FUNCTIONS) expect(findFunction(name)).toBeDefined();
  });
});
