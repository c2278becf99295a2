import { Command } from "commander";
import { CliIo, EXIT, paint } from "../io";
import { loadSpec } from "../../lib/spec/load";
import { Diagnostic, formatDiagnostic } from "../../lib/spec/diagnostics";

export function register(program: Command, io: CliIo, done: (code: number) => void): void {
  program
    .command("validate")
    .description(
      "Check tenant spec files offline: YAML, schema, extends, variables, expressions, workflows",
    )
    .argument("<spec...>", "tenant spec files")
    .option("--json", "machine-readable diagnostics")
    .action((files: string[], options: { json?: boolean }) => {
      const results = files.map((file) => ({
        file,
        diagnostics: loadSpec(file, { cwd: io.cwd }).diagnostics,
      }));
      const failed = results.some((r) => r.diagnostics.some((d) => d.severity === "error"));
      if (options.json) {
        io.out(JSON.stringify({ valid: !failed, files: results }, null, 2) + "\n");
      } else {
        for (const { file, diagnostics } of results) {
          if (diagnostics.length === 0) io.out(`${file}: ${paint(io, "green", "ok")}\n`);
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
