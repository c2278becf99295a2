import * as fs from "fs";
import * as path from "path";
import { Command } from "commander";
import { CliIo, EXIT, graphUrlArgument, safeText } from "../io";
import { loadSpec } from "../../lib/loader/load";
import { formatDiagnostic, formatPath } from "../../lib/model/diagnostics";
import { detectDrift, DriftReadError, quarantinedObjects, type DriftReport } from "../../lib/drift";
import { renderMarkdown, renderText } from "../../lib/drift/report";
import { planDriftWrite, settleEdits, type NotWritten, type SpecEdit } from "../../lib/drift/write";
import { GraphRequestError } from "../../lib/graph";
import { specSession } from "../session";

/** Exit code when the tenant differs from the spec, or a workflow of the spec is in quarantine. */
export const DRIFT_FOUND = 4;

interface DriftOptions {
  spec: string;
  json?: boolean;
  markdown?: boolean;
  graphUrl?: string;
  write?: boolean;
}

export function register(program: Command, io: CliIo, done: (code: number) => void): void {
  program
    .command("drift")
    .description(
      "Compare the live tenant with the spec, without Pulumi state: exit 0 no drift, 4 drift or a workflow in quarantine, 1 could not read",
    )
    .requiredOption("--spec <file>", "tenant spec file")
    .option("--json", "machine-readable output: {drift, objects: [{kind, name, differences}]}")
    .option("--markdown", "Markdown for a scheduled pipeline's issue or chat message")
    .option(
      "--write",
      "accept the live values into the spec file: only the drifted values change, comments and layout stay",
    )
    .option(
      "--graph-url <url>",
      "Graph base URL instead of the spec's graph.baseUrl",
      graphUrlArgument,
    )
    .action(async (options: DriftOptions) => done(await drift(options, io)));
}

/** What to say about a failed read: Graph's refusal, and which permissions drift needs. */
function readFailure(error: unknown): string {
  const cause = error instanceof DriftReadError ? error.cause : error;
  const where = error instanceof DriftReadError ? `${error.kind} ${error.objectName}: ` : "";
  let message = `could not read the live tenant: ${where}${(cause as Error)?.message ?? String(cause)}`;
  if (cause instanceof GraphRequestError && (cause.status === 401 || cause.status === 403)) {
    message +=
      "\nthe signed-in identity may not read this; drift reads service principals, synchronization jobs, " +
      "schemas and secrets, lifecycle workflows, custom task extensions, settings and groups " +
      "(see docs/drift.md for the permissions)";
  }
  return message;
}

async function drift(options: DriftOptions, io: CliIo): Promise<number> {
  if (options.json && options.markdown) {
    io.err("--json and --markdown exclude each other\n");
    return EXIT.usage;
  }
  if (options.write && options.markdown) {
    io.err("--write reports in text or --json, not --markdown\n");
    return EXIT.usage;
  }
  // Lineage errors (a workflow reading what no mapping writes) do not stop the comparison: what is
  // deployed can still be compared. They are listed as notes; the exit code is drift's alone.
  const texts = new Map<string, string>();
  const loaded = loadSpec(options.spec, {
    cwd: io.cwd,
    lineageErrorsAsNotes: true,
    onRead: (file, text) => texts.set(file, text),
  });
  for (const d of loaded.diagnostics) {
    if (d.severity === "error") io.err(formatDiagnostic(d) + "\n");
  }
  if (!loaded.spec) return EXIT.failed;
  for (const d of loaded.lineageNotes ?? []) {
    io.err(`note: ${formatDiagnostic(d)}\n`);
  }
  const spec = loaded.spec;
  let report: DriftReport;
  try {
    report = await detectDrift(specSession(io, spec, options.graphUrl).client, spec);
  } catch (error) {
    io.err(safeText(readFailure(error)) + "\n");
    return EXIT.failed;
  }
  let written: WriteOutcome | undefined;
  if (options.write) {
    written = report.drift
      ? writeLiveValues(io, options.spec, report, loaded, texts)
      : { edits: [], notWritten: [] };
    if (!written) return EXIT.failed;
  }
  // Every value can come from the tenant, which anyone with portal access can edit.
  if (options.json) {
    const clean = (_key: string, value: unknown) =>
      typeof value === "string" ? safeText(value) : value;
    const out = written ? { ...report, write: writeJson(written) } : report;
    io.out(JSON.stringify(out, clean, 2) + "\n");
  } else if (options.markdown) {
    io.out(safeText(renderMarkdown(report, options.spec)));
  } else {
    io.out(safeText(renderText(report, options.spec)));
    if (written) io.out(safeText(writeText(written, options.spec)));
  }
  const quarantine = quarantinedObjects(report).length > 0;
  if (written) return written.notWritten.length > 0 || quarantine ? DRIFT_FOUND : EXIT.ok;
  return report.drift || quarantine ? DRIFT_FOUND : EXIT.ok;
}

interface WriteOutcome {
  edits: SpecEdit[];
  notWritten: NotWritten[];
}

const symbolicLink = (file: string) => {
  try {
    return fs.lstatSync(file).isSymbolicLink();
  } catch {
    return false;
  }
};

/** The text of a file as the loader decodes it (UTF-8, a byte order mark left out). */
const decoded = (bytes: Buffer) => new TextDecoder("utf-8", { fatal: true }).decode(bytes);

/**
 * `--write`: the live values of the drifted fields written into the spec file, each in place.
 * Refused (undefined, said why) when the file is a symbolic link, changed since it was read, or
 * would not validate; nothing is written then.
 */
function writeLiveValues(
  io: CliIo,
  file: string,
  report: DriftReport,
  loaded: ReturnType<typeof loadSpec>,
  texts: Map<string, string>,
): WriteOutcome | undefined {
  const onDisk = path.resolve(io.cwd, file);
  const plan = planDriftWrite(report, loaded.spec!, loaded.sources!, file, io.cwd);
  const notWritten = [...plan.notWritten];
  let edits = plan.edits;
  if (edits.length === 0) return { edits, notWritten };
  const refuse = (why: string) => {
    io.err(`inbound drift --write: ${file} ${why}; nothing written\n`);
    return undefined;
  };
  // As for every file inbound writes (cli/io.ts writeOutput): a link would replace what it
  // points to, which may be a file shared with other tenants.
  if (symbolicLink(onDisk)) return refuse("is a symbolic link; name the file it points to");
  const read = texts.get(onDisk);
  let now: Buffer;
  try {
    now = fs.readFileSync(onDisk);
  } catch (error) {
    return refuse(
      `cannot be read again (${(error as NodeJS.ErrnoException).code ?? String(error)})`,
    );
  }
  let current: string | undefined;
  try {
    current = decoded(now);
  } catch {
    current = undefined;
  }
  if (read === undefined || current !== read) {
    return refuse("changed since drift read it; run drift again");
  }
  const settled = settleEdits(read, edits, (text) => {
    const check = loadSpec(file, {
      cwd: io.cwd,
      lineageErrorsAsNotes: true,
      readFile: (f) => (f === onDisk ? Buffer.from(text) : fs.readFileSync(f)),
    });
    return check.spec ? [] : check.diagnostics.filter((d) => d.severity === "error");
  });
  notWritten.push(...settled.notWritten);
  if ("errors" in settled) {
    for (const d of settled.errors) io.err(formatDiagnostic(d) + "\n");
    return refuse("would not validate with the live values");
  }
  edits = settled.edits;
  if (edits.length === 0) return { edits, notWritten };
  const text = settled.text;
  const bom = now[0] === 0xef && now[1] === 0xbb && now[2] === 0xbf ? "\ufeff" : "";
  try {
    // O_NOFOLLOW: a link put there since the check is refused, not followed.
    fs.writeFileSync(onDisk, bom + text, {
      flag: (fs.constants.O_WRONLY |
        fs.constants.O_TRUNC |
        fs.constants.O_NOFOLLOW) as unknown as string,
    });
  } catch (error) {
    return refuse(`cannot be written (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
  }
  return { edits, notWritten };
}

function writeJson(outcome: WriteOutcome) {
  return {
    written: outcome.edits.map((e) => ({
      kind: e.kind,
      name: e.name,
      path: e.difference,
      file: e.file,
      line: e.line,
      field: formatPath(e.path),
      spec: e.from,
      live: e.to,
    })),
    notWritten: outcome.notWritten.map((n) => ({
      kind: n.kind,
      name: n.name,
      path: n.difference,
      reason: n.reason,
    })),
  };
}

function writeText(outcome: WriteOutcome, file: string): string {
  const lines = [""];
  if (outcome.edits.length > 0) {
    lines.push(
      `written to ${file}: ${outcome.edits.length} value${outcome.edits.length === 1 ? "" : "s"}`,
    );
    for (const e of outcome.edits) {
      lines.push(
        `  ${e.file}:${e.line} ${formatPath(e.path)}: ${JSON.stringify(e.from)} -> ${JSON.stringify(e.to)}`,
      );
    }
  } else {
    lines.push(`nothing written to ${file}`);
  }
  for (const n of outcome.notWritten) {
    lines.push(`not written: ${n.kind} ${n.name} ${n.difference}: ${n.reason}`);
  }
  return lines.join("\n") + "\n";
}
