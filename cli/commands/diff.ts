import { Command, Option } from "commander";
import { CliIo, EXIT } from "../io";
import { diffSpecs } from "../../lib/review/diff";
import { diffMarkdown, diffText } from "../../lib/review/format";
import { loadSide } from "../../lib/review/source";
import { formatDiagnostic } from "../../lib/model/diagnostics";

/** Exit code when the two sides differ, as `git diff --exit-code` signals a change. */
export const EXIT_CHANGED = 3;

export function register(program: Command, io: CliIo, done: (code: number) => void): void {
  program
    .command("diff")
    .description("Review what changed between two tenant specs (files or <rev>:<path>), with risks")
    .argument("<base>", "tenant file or <git revision>:<path>")
    .argument("<head>", "tenant file or <git revision>:<path>")
    .option("--json", "machine-readable changes and risks")
    .addOption(
      new Option("--markdown", "one pull-request comment: summary and risks first").conflicts(
        "json",
      ),
    )
    .action((base: string, head: string, options: { json?: boolean; markdown?: boolean }) => {
      const sides = [base, head].map((s) => {
        try {
          return loadSide(s, io.cwd);
        } catch (e) {
          return { spec: undefined, diagnostics: [], error: `${s}: ${(e as Error).message}` };
        }
      });
      let failed = false;
      for (const r of sides) {
        if ("error" in r) io.err(`${r.error}\n`);
        for (const d of r.diagnostics.filter((d) => d.severity === "error")) {
          io.err(formatDiagnostic(d) + "\n");
        }
        if (!r.spec) failed = true;
      }
      if (failed || !sides[0].spec || !sides[1].spec) return done(EXIT.failed);
      const diff = diffSpecs(sides[0].spec, sides[1].spec);
      if (options.json) io.out(JSON.stringify(diff, null, 2) + "\n");
      else if (options.markdown) io.out(diffMarkdown([{ label: head, diff }]));
      else io.out(diffText(diff, head));
      done(diff.changes.length === 0 ? EXIT.ok : EXIT_CHANGED);
    });
}
