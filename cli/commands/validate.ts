import * as path from "path";
import { Command } from "commander";
import { CliIo, EXIT, paint, refuseIrregularFile } from "../io";
import { loadSpec } from "../../lib/loader/load";
import { callerMustSend } from "../../lib/lineage/checks";
import { Diagnostic, formatDiagnostic } from "../../lib/model/diagnostics";
import { headerBytes, parseHeader } from "../../lib/records";
import type { CsvSample } from "../../lib/model/checks";

interface ValidateOptions {
  json?: boolean;
  strict?: boolean;
  csvHeader?: string;
  csv?: string;
}

export function register(program: Command, io: CliIo, done: (code: number) => void): void {
  program
    .command("validate")
    .description(
      "Check tenant spec files offline: YAML, schema, extends, variables, expressions, workflows, and the lineage from HR column to workflow",
    )
    .argument("<spec...>", "tenant spec files")
    .option("--json", "machine-readable diagnostics")
    .option("--strict", "fail on warnings too")
    .option(
      "--csv-header <file>",
      "a sample of the HR file (its first line is read): every [Column] the uploader reads must be in it",
    )
    .option("--csv <file>", "the HR file itself, for the same check as --csv-header")
    .action((files: string[], options: ValidateOptions) => {
      const sample = options.csvHeader ?? options.csv;
      let csvSample: CsvSample | undefined;
      if (sample) {
        // Read once; each app decodes it in its own uploader.csv.encoding, as its upload would.
        const onDisk = path.resolve(io.cwd, sample);
        const option = options.csvHeader ? "--csv-header" : "--csv";
        // A FIFO or a device would block the header read for ever.
        if (refuseIrregularFile(io, option, sample, onDisk)) return done(EXIT.failed);
        const bytes = headerBytes(onDisk);
        if (!Buffer.isBuffer(bytes)) {
          io.err(`${sample}: ${bytes.error}\n`);
          return done(EXIT.failed);
        }
        csvSample = (csv) => {
          const header = parseHeader(bytes, csv);
          return "error" in header ? { error: `${sample}: ${header.error}` } : header.columns;
        };
      }
      const results = files.map((file) => {
        const loaded = loadSpec(file, { cwd: io.cwd, csvSample });
        const required = loaded.spec ? callerMustSend(loaded.spec) : {};
        return {
          file,
          diagnostics: loaded.diagnostics,
          ...(Object.keys(required).length > 0 ? { callerMustSend: required } : {}),
        };
      });
      const failed = results.some((r) =>
        r.diagnostics.some((d) => d.severity === "error" || options.strict),
      );
      if (options.json) {
        io.out(JSON.stringify({ valid: !failed, files: results }, null, 2) + "\n");
      } else {
        for (const { file, diagnostics, callerMustSend: required } of results) {
          const errors = diagnostics.filter((d) => d.severity === "error").length;
          if (errors === 0) {
            const warnings = diagnostics.length;
            const note = warnings === 0 ? "" : ` (${warnings} warning${warnings > 1 ? "s" : ""})`;
            io.out(
              `${file}: ${paint(io, warnings && options.strict ? "red" : "green", "ok")}${note}\n`,
            );
            // Without an uploader the lineage starts outside the spec: say where.
            for (const [app, attributes] of Object.entries(required ?? {})) {
              io.out(
                paint(
                  io,
                  "dim",
                  `  provisioning.${app} has no uploader: what posts to its bulkUpload endpoint must send ${attributes.join(", ")}`,
                ) + "\n",
              );
            }
          }
          for (const d of diagnostics) io.err(render(io, d) + "\n");
        }
      }
      done(failed ? EXIT.failed : EXIT.ok);
    });
}

function render(io: CliIo, d: Diagnostic): string {
  const text = formatDiagnostic(d);
  const where = `${d.file}:${d.line}:${d.column}:`;
  return (
    paint(io, "bold", where) +
    paint(io, d.severity === "error" ? "red" : "yellow", text.slice(where.length))
  );
}
