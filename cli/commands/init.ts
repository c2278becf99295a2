/**
 * `inbound init [--csv hr.csv] [--out FILE] [--force]`: a starter tenant file. From an HR file's
 * header it proposes each column's SCIM attribute and the Entra attributes they set, and writes the
 * columns it could not place as comments; without a file, the smallest spec that validates.
 */
import * as fs from "fs";
import * as path from "path";
import { Command } from "commander";
import { CliIo, EXIT, refuseIrregularFile, writeOutput } from "../io";
import { proposeMappings, Proposal } from "../init/propose";
import { type Header, headerBytes, readHeader, sampleRecord, textFields } from "../../lib/records";
import { pasteable, shellWord } from "../invocation";
import { projectFiles, stackFile } from "../init/project";
import { literal } from "../../lib/loader/variables";

interface InitOptions {
  csv?: string;
  json?: string;
  out?: string;
  project?: string;
  force?: boolean;
}

const SCHEMA = path.resolve(__dirname, "..", "..", "config", "tenant-spec.schema.json");

export function register(program: Command, io: CliIo, done: (code: number) => void): void {
  program
    .command("init")
    .description(
      "Write a starter tenant file; with --csv, the column → SCIM → Entra mappings are proposed from the HR file's header",
    )
    .option("--csv <file>", "an HR export whose header line names the columns")
    .option(
      "--json <file>",
      "an HR export in JSON (or a saved page of the HR API) whose first record names the fields",
    )
    .option("--out <file>", "write the tenant file here (default: standard output)")
    .option(
      "--project <dir>",
      "write a Pulumi project that uses the installed inbound package: Pulumi.yaml, package.json, index.ts, the tenant file and its stack file, CI workflows",
    )
    .option("--force", "replace existing files")
    .action((options: InitOptions) => done(init(options, io)));
}

export function init(options: InitOptions, io: CliIo): number {
  let text: string;
  if (options.csv !== undefined && options.json !== undefined) {
    io.err("inbound init: --csv and --json exclude each other\n");
    return EXIT.usage;
  }
  if (options.json !== undefined) {
    const file = path.resolve(io.cwd, options.json);
    if (refuseIrregularFile(io, "--json", options.json, file)) return EXIT.failed;
    const bytes = headerBytes(file, MAX_SAMPLE_BYTES);
    if (!Buffer.isBuffer(bytes)) {
      io.err(`${options.json}: ${bytes.error}\n`);
      return EXIT.failed;
    }
    const text = bytes.toString("utf8");
    const records = recordsPointer(text);
    const record = sampleRecord(text, records);
    if ("error" in record) {
      io.err(`${options.json}: ${record.error as string}\n`);
      return EXIT.failed;
    }
    const fields = textFields(record);
    const proposal = proposeMappings(fields);
    if (!proposal.placed.some((p) => p.scim === "externalId")) {
      io.err(
        `${options.json}: no field can carry the worker id every record needs (externalId); name one, e.g. WorkerID\n`,
      );
      return EXIT.failed;
    }
    return write(
      render({ file: options.json, columns: fields, delimiter: ",", encoding: "utf-8" }, proposal, {
        records,
      }),
      options,
      io,
    );
  }
  if (options.csv === undefined) {
    text = render(undefined, undefined);
  } else {
    const csv = path.resolve(io.cwd, options.csv);
    // A FIFO or a device would block the header read for ever.
    if (refuseIrregularFile(io, "--csv", options.csv, csv)) return EXIT.failed;
    const header = readHeader(csv);
    if ("error" in header) {
      io.err(`${options.csv}: ${header.error}\n`);
      return EXIT.failed;
    }
    const proposal = proposeMappings(header.columns);
    if (!proposal.placed.some((p) => p.scim === "externalId")) {
      io.err(
        `${options.csv}:1: no column can carry the worker id every record needs (externalId); name one, e.g. WorkerID\n`,
      );
      return EXIT.failed;
    }
    text = render({ file: options.csv, ...header }, proposal);
  }
  if (options.project !== undefined) {
    if (options.out !== undefined) {
      io.err("inbound init: --project writes the tenant file itself; leave --out out\n");
      return EXIT.usage;
    }
    return writeProject(options.project, text, options.force === true, io);
  }
  return write(text, options, io);
}

/** A sample is one record or a page of them: more than this is not a sample. */
const MAX_SAMPLE_BYTES = 4 * 1024 * 1024;

/**
 * Where a JSON export holds its records when it is an object (a saved API page): its one key
 * whose value is a list of objects, as a JSON Pointer; undefined for an array or JSON Lines.
 */
function recordsPointer(text: string): string | undefined {
  let document: unknown;
  try {
    document = JSON.parse(text.replace(/^\uFEFF/, ""));
  } catch {
    return undefined;
  }
  if (!document || typeof document !== "object" || Array.isArray(document)) return undefined;
  const lists = Object.entries(document).filter(
    ([, v]) => Array.isArray(v) && v.length > 0 && v.every((e) => e && typeof e === "object"),
  );
  return lists.length === 1
    ? `/${lists[0][0].replace(/~/g, "~0").replace(/\//g, "~1")}`
    : undefined;
}

function write(text: string, options: InitOptions, io: CliIo): number {
  if (options.out === undefined) {
    io.out(withSchemaLine(text, io.cwd));
    return EXIT.ok;
  }
  const target = path.resolve(io.cwd, options.out);
  try {
    // config/tenants/ is the user's: a fresh checkout or project has none yet.
    fs.mkdirSync(path.dirname(target), { recursive: true });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    io.err(`inbound init: cannot write --out ${options.out}: ${code ?? String(err)}\n`);
    return EXIT.failed;
  }
  const written = withSchemaLine(text, path.dirname(target));
  if (!writeOutput(io, "init", "--out", options.out, written, options.force === true)) {
    return EXIT.failed;
  }
  io.out(`wrote ${options.out}; next: ${pasteable(io.command, ["validate", options.out])}\n`);
  return EXIT.ok;
}

/** The name render() gives the tenant, which names its file and its stack. */
const TENANT_NAME = "my-tenant";

function writeProject(project: string, tenantText: string, force: boolean, io: CliIo): number {
  const dir = path.resolve(io.cwd, project);
  const read = (file: string) => {
    try {
      return fs.readFileSync(path.join(dir, file), "utf8");
    } catch {
      return undefined;
    }
  };
  const files = projectFiles(dir, tenantText, TENANT_NAME, read("package.json"));
  // package.json is merged, not replaced: a repository that installed inbound keeps its own.
  const taken = files.filter((f) => f.file !== "package.json" && read(f.file) !== undefined);
  if (taken.length > 0 && !force) {
    io.err(
      `inbound init: ${project} already has ${taken.map((f) => f.file).join(", ")}; add --force to replace them\n`,
    );
    return EXIT.failed;
  }
  const tenantFile = `config/tenants/${TENANT_NAME}.yaml`;
  // Each file through the one output writer: a symbolic link or a FIFO in the project is refused.
  // package.json is merged with the one there, so it is replaced.
  const put = (file: string, text: string) =>
    writeOutput(
      io,
      "init",
      "--project",
      path.join(project, file),
      text,
      force || file === "package.json",
    );
  try {
    for (const f of files) {
      const target = path.join(dir, f.file);
      fs.mkdirSync(path.dirname(target), { recursive: true });
      const text = f.file === tenantFile ? withSchemaLine(f.text, path.dirname(target)) : f.text;
      if (!put(f.file, text)) return EXIT.failed;
    }
    const stack = stackFile(dir, tenantFile);
    if (stack && (force || read(stack.file) === undefined)) {
      if (!put(stack.file, stack.text)) return EXIT.failed;
      files.push(stack);
    }
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    io.err(`inbound init: cannot write in ${project}: ${code ?? String(err)}\n`);
    return EXIT.failed;
  }
  // In the project, inbound is the project's own dependency: npx finds it.
  const cd = path.relative(io.cwd, dir) === "" ? "" : `cd ${shellWord(project)} && `;
  io.out(
    `wrote ${files.map((f) => f.file).join(", ")} in ${project}\n` +
      `next: ${cd}npm install && npx inbound validate ${tenantFile} && npx inbound plan ${tenantFile}\n`,
  );
  return EXIT.ok;
}

/**
 * A YAML scalar for a spec value: single quotes around text with double quotes, else JSON's. The
 * value is the HR file's text, so a `${...}` in it is written `$${...}`: the loader would
 * otherwise read it as a variable.
 */
function quote(value: string): string {
  return scalar(literal(value));
}

function scalar(text: string): string {
  return text.includes('"') && !text.includes("'") ? `'${text}'` : JSON.stringify(text);
}

/** A YAML key: plain where YAML reads it back unchanged, quoted otherwise (never substituted). */
function key(name: string): string {
  return /^[A-Za-z][A-Za-z0-9_.:-]*$/.test(name) ? name : scalar(name);
}

/** Comment text on one line, whatever the column name holds. */
const oneLine = (s: string) => s.replace(/[\r\n]+/g, " ");

/** `text` padded so that its comment starts at the column the example tenant files use. */
const commented = (text: string, comment: string) => `${text.padEnd(40)} # ${comment}`;

function render(
  csv: ({ file: string } & Header) | undefined,
  proposal: Proposal | undefined,
  /** A JSON sample (`--json`): the records' place in it, when it holds them in an object. */
  json?: { records?: string },
) {
  const lines: string[] = [];
  const push = (...l: string[]) => lines.push(...l);
  push(
    csv
      ? `# A starter tenant file from \`inbound init ${json ? "--json" : "--csv"} ${oneLine(path.basename(csv.file))}\`: the mappings are`
      : "# A starter tenant file from `inbound init`: run `inbound init --csv hr.csv` to have the",
    csv
      ? `# proposed from the HR file's ${json ? "field" : "column"} names. Check each one, replace the placeholders, then`
      : "# column mappings proposed from your HR file's header. Replace the placeholders, then",
    "# run `inbound validate` on this file. Every field: docs/tenant-spec.md.",
    "",
    "tenant:",
    commented("  name: my-tenant", "short name used in resource names; [a-z0-9-]"),
    commented("  id: 00000000-0000-0000-0000-000000000000", "your Microsoft Entra tenant id"),
    commented("  domain: example.com", "a verified domain; ${tenant.domain} in strings"),
    "",
    commented("provisioning:", "one API-driven provisioning app per HR population"),
    "  employees:",
    "    displayName: ${tenant.name} HR inbound - employees",
    commented("    target: entra", "entra | activeDirectory"),
    commented("    notificationEmail: it-alerts@example.com", "who hears of quarantine"),
  );
  const extension = Object.entries(proposal?.extension ?? {});
  if (extension.length > 0) {
    push(
      commented("    scimExtension:", "custom attributes the HR file sends besides SCIM's"),
      "      urn: urn:ietf:params:scim:schemas:extension:${tenant.name}:1.0:User",
      "      attributes:",
      ...extension.map(([name, type]) => `        ${key(name)}: ${type}`),
    );
  }
  push(
    commented("    matching:", "how an HR record finds its Entra user"),
    "      - source: externalId",
    "        target: employeeId",
    commented("    mappings:", "Entra attribute: expression over SCIM attributes"),
  );
  for (const m of proposal?.mappings ?? [{ target: "employeeId", expression: "[externalId]" }]) {
    push(
      m.apply
        ? `      ${m.target}: { expression: ${quote(m.expression)}, apply: ${m.apply} }`
        : `      ${m.target}: ${quote(m.expression)}`,
    );
  }
  push(
    "    uploader:",
    commented("      kind: none", "none (the CLI) | function | logicApp; both need azure:"),
  );
  if (json) {
    push(commented("      source: json", "csv | json | rest (an HR API: docs/hr-sources.md)"));
    if (json.records !== undefined) push("      json:", `        records: ${quote(json.records)}`);
    push(commented("      columns:", "SCIM attribute: expression over the record's fields"));
    for (const p of proposal!.placed) {
      const line = `        ${key(p.scim)}: ${quote(p.expression)}`;
      const note =
        p.column === proposal!.guessedExternalId
          ? "no field looks like a worker id: check this one is unique per person"
          : p.note;
      push(note ? commented(line, note) : line);
    }
    for (const u of proposal!.unplaced)
      push(`        # ${oneLine(u.column)}: not placed: ${u.reason}`);
    return lines.join("\n") + "\n";
  }
  push("      csv:");
  if (csv) {
    if (csv.delimiter !== ",") push(`        delimiter: ${quote(csv.delimiter)}`);
    if (csv.encoding !== "utf-8") push(`        encoding: ${csv.encoding}`);
    push(commented("        header:", "validate checks the columns read against it"));
    push(...flowList(csv.columns.map(quote), "          "));
  }
  push(commented("        columns:", "SCIM attribute: expression over the HR file's columns"));
  if (!proposal) {
    push(commented('          externalId: "[WorkerID]"', "your HR file's worker id column"));
  } else {
    for (const p of proposal.placed) {
      const line = `          ${key(p.scim)}: ${quote(p.expression)}`;
      const note =
        p.column === proposal.guessedExternalId
          ? "no column looks like a worker id: check this one is unique per person"
          : p.note;
      push(note ? commented(line, note) : line);
    }
    for (const u of proposal.unplaced) {
      push(`          # ${oneLine(u.column)}: not placed: ${u.reason}`);
    }
  }
  return lines.join("\n") + "\n";
}

/** A YAML flow sequence of `items`, one `[...]` over as many lines of about 100 characters as needed. */
function flowList(items: string[], indent: string): string[] {
  const lines: string[] = [];
  let line = `${indent}[`;
  items.forEach((item, i) => {
    const text = item + (i < items.length - 1 ? "," : "]");
    if (line.length + text.length + 1 > 100 && !line.endsWith("[")) {
      lines.push(line);
      line = `${indent} ${text}`;
    } else {
      line += line.endsWith("[") ? text : ` ${text}`;
    }
  });
  return [...lines, line];
}

/** The editor's schema line, relative to where the file is (or is printed from). */
function withSchemaLine(text: string, dir: string): string {
  const schema = path.relative(dir, SCHEMA).split(path.sep).join("/");
  return `# yaml-language-server: $schema=${schema}\n${text}`;
}
