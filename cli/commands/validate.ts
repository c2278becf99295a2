import * as path from "path";
import { Command } from "commander";
import { CliIo, EXIT, paint, refuseIrregularFile } from "../io";
import { loadSpec } from "../../lib/loader/load";
import { callerMustSend } from "../../lib/lineage/checks";
import { Diagnostic, formatDiagnostic } from "../../lib/model/diagnostics";
import { headerBytes, parseHeader, sampleRecord, textFields } from "../../lib/records";

/** A sample is one record or a page of them: more than this is not a sample. */
const MAX_SAMPLE_BYTES = 4 * 1024 * 1024;
import type { CsvSample } from "../../lib/model/checks";

interface ValidateOptions {
  json?: boolean;
  strict?: boolean;
  csvHeader?: string;
  csv?: string;
  sample?: string;
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
    .option(
      "--sample <file>",
      "a sample JSON record (or a JSON file, JSON Lines, or a saved page of the HR API: its first record): every [field] the uploader reads must be a text field of it",
    )
    .action((files: string[], options: ValidateOptions) => {
      const sample = options.csvHeader ?? options.csv;
      let csvSample: CsvSample | undefined;
      if (options.sample !== undefined && sample !== undefined) {
        io.err("--sample (JSON) and --csv-header/--csv (CSV) exclude each other\n");
        return done(EXIT.usage);
      }
      if (options.sample !== undefined) {
        const onDisk = path.resolve(io.cwd, options.sample);
        if (refuseIrregularFile(io, "--sample", options.sample, onDisk)) return done(EXIT.failed);
        const bytes = headerBytes(onDisk, MAX_SAMPLE_BYTES);
        if (!Buffer.isBuffer(bytes)) {
          io.err(`${options.sample}: ${bytes.error}\n`);
          return done(EXIT.failed);
        }
        const text = bytes.toString("utf8");
        csvSample = (_csv, uploader) => {
          const pointer = uploader?.json?.records ?? uploader?.rest?.records;
          const record = sampleRecord(text, pointer);
          if ("error" in record) return { error: `${options.sample}: ${record.error as string}` };
          return { jsonFields: textFields(record) };
        };
      } else if (sample) {
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
