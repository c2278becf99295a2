import * as fs from "fs";
import * as path from "path";
import { Command } from "commander";
import { parse } from "csv-parse/sync";
import { CliIo, EXIT, paint } from "../io";
import { loadSpec } from "../../lib/loader/load";
import { callerMustSend } from "../../lib/lineage/checks";
import { Diagnostic, formatDiagnostic } from "../../lib/model/diagnostics";
import { headerDelimiter } from "../../lib/upload/csv";

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
      let csvHeader: string[] | undefined;
      if (sample) {
        const read = readHeader(path.resolve(io.cwd, sample));
        if (typeof read === "string") {
          io.err(`${sample}: ${read}\n`);
          return done(EXIT.failed);
        }
        csvHeader = read;
      }
      const results = files.map((file) => {
        const loaded = loadSpec(file, { cwd: io.cwd, csvHeader });
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

/** The column names of an HR file's first line, or why they cannot be read. */
function readHeader(file: string): string[] | string {
  let text: string;
  try {
    if (!fs.statSync(file).isFile()) return "is not a regular file";
    // The header is the first line; a bounded read keeps a huge export from being loaded.
    const fd = fs.openSync(file, "r");
    try {
      const buffer = Buffer.alloc(64 * 1024);
      text = buffer.toString("utf8", 0, fs.readSync(fd, buffer, 0, buffer.length, 0));
    } finally {
      fs.closeSync(fd);
    }
  } catch (err) {
    return `cannot be read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`;
  }
  const line = text.replace(/^\uFEFF/, "").split(/\r?\n/, 1)[0];
  if (!line.trim()) return "has no header line";
  // `,`, or the one that splits the line most: `;` as Excel writes in much of Europe.
  const delimiter = headerDelimiter(line);
  try {
    const [header] = parse(line, { delimiter, relax_quotes: false }) as string[][];
    return header.map((c) => c.trim());
  } catch (err) {
    return `its header line is not valid CSV (${(err as Error).message})`;
  }
}

function render(io: CliIo, d: Diagnostic): string {
  const text = formatDiagnostic(d);
  const where = `${d.file}:${d.line}:${d.column}:`;
  return (
    paint(io, "bold", where) +
    paint(io, d.severity === "error" ? "red" : "yellow", text.slice(where.length))
  );
}
