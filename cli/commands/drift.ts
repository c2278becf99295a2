import { Command } from "commander";
import { CliIo, EXIT, graphUrlArgument, safeText } from "../io";
import { loadSpec } from "../../lib/loader/load";
import { formatDiagnostic } from "../../lib/model/diagnostics";
import { detectDrift, DriftReadError, quarantinedObjects, type DriftReport } from "../../lib/drift";
import { renderMarkdown, renderText } from "../../lib/drift/report";
import { GraphRequestError } from "../../lib/graph";
import { specSession } from "../session";

/** Exit code when the tenant differs from the spec, or a workflow of the spec is in quarantine. */
export const DRIFT_FOUND = 4;

interface DriftOptions {
  spec: string;
  json?: boolean;
  markdown?: boolean;
  graphUrl?: string;
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
    io.err("--json and --markdown exclude each other (run `inbound drift --help` for usage)\n");
    return EXIT.usage;
  }
  // Lineage errors (a workflow reading what no mapping writes) do not stop the comparison: what is
  // deployed can still be compared. They are listed as notes; the exit code is drift's alone.
  const loaded = loadSpec(options.spec, { cwd: io.cwd, lineageErrorsAsNotes: true });
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
  // Every value can come from the tenant, which anyone with portal access can edit.
  if (options.json) {
    const clean = (_key: string, value: unknown) =>
      typeof value === "string" ? safeText(value) : value;
    io.out(JSON.stringify(report, clean, 2) + "\n");
  } else if (options.markdown) {
    io.out(safeText(renderMarkdown(report, options.spec)));
  } else {
    io.out(safeText(renderText(report, options.spec)));
  }
  return report.drift || quarantinedObjects(report).length > 0 ? DRIFT_FOUND : EXIT.ok;
}
