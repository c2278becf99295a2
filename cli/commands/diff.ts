import * as fs from "fs";
import * as path from "path";
import { Command, Option } from "commander";
import { CliIo, EXIT } from "../io";
import { diffSpecs } from "../../lib/review/diff";
import { reviewFleet, type TenantReview } from "../../lib/review/fleet";
import { diffMarkdown, diffText, singleReview } from "../../lib/review/format";
import { loadSide } from "../../lib/review/source";
import { formatDiagnostic } from "../../lib/model/diagnostics";

/** Exit code when the two sides differ, as `git diff --exit-code` signals a change. */
export const EXIT_CHANGED = 3;

interface DiffOptions {
  json?: boolean;
  markdown?: boolean;
  all?: string;
  baseRef?: string;
}

export function register(program: Command, io: CliIo, done: (code: number) => void): void {
  program
    .command("diff")
    .description(
      "Review what changed between two tenant specs (files or <rev>:<path>), or every tenant file of a directory against a git revision, with risks",
    )
    .argument("[base]", "tenant file or <git revision>:<path>")
    .argument("[head]", "tenant file or <git revision>:<path>")
    .option("--json", "machine-readable changes and risks")
    .addOption(
      new Option("--markdown", "one pull-request comment: summary and risks first").conflicts(
        "json",
      ),
    )
    .option("--all <dir>", "every tenant file in <dir>, as checked out, against --base-ref")
    .option("--base-ref <ref>", "the git revision --all compares with, e.g. origin/main")
    .action((base: string | undefined, head: string | undefined, options: DiffOptions) => {
      const usage = (message: string) => {
        io.err(`inbound diff: ${message}\n`);
        done(EXIT.usage);
      };
      if (options.all !== undefined) {
        if (base !== undefined) return usage("--all takes no <base> or <head>");
        if (options.baseRef === undefined) return usage("--all needs --base-ref <ref>");
        return fleet(options.all, options.baseRef, options, io, done);
      }
      if (options.baseRef !== undefined) return usage("--base-ref goes with --all <dir>");
      if (base === undefined || head === undefined) {
        return usage("give <base> and <head>, or --all <dir> --base-ref <ref>");
      }
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
      const review = singleReview(head, diff);
      if (options.json) io.out(JSON.stringify(diff, null, 2) + "\n");
      else if (options.markdown) io.out(diffMarkdown([review]));
      else io.out(diffText(review));
      done(diff.changes.length === 0 ? EXIT.ok : EXIT_CHANGED);
    });
}

function fleet(
  dir: string,
  baseRef: string,
  options: DiffOptions,
  io: CliIo,
  done: (code: number) => void,
): void {
  // A directory missing from the working tree is a fleet whose files were all removed; a file
  // where the directory belongs is a typo, not a git problem.
  const full = path.resolve(io.cwd, dir);
  if (fs.existsSync(full) && !fs.statSync(full).isDirectory()) {
    io.err(`--all ${dir}: it is not a directory; name the directory of the tenant files\n`);
    return done(EXIT.failed);
  }
  let review;
  try {
    review = reviewFleet(dir, baseRef, io.cwd);
  } catch (e) {
    const detail = (e as { stderr?: Buffer }).stderr?.toString().trim() || (e as Error).message;
    io.err(`--base-ref ${baseRef}: ${detail.split("\n")[0]}\n`);
    return done(EXIT.failed);
  }
  for (const line of review.errors) io.err(line + "\n");
  if (review.tenants.length === 0 && review.errors.length === 0) {
    io.err(`${dir}: no tenant files (*.yaml) here or at ${baseRef}\n`);
    return done(EXIT.failed);
  }
  const changed = (t: TenantReview) => t.status !== "unchanged";
  if (options.json) io.out(JSON.stringify(review, null, 2) + "\n");
  else if (options.markdown) io.out(diffMarkdown(review.tenants));
  else {
    const n = review.tenants.filter(changed).length;
    io.out(`${n} of ${review.tenants.length} tenant files changed since ${baseRef}\n`);
    for (const t of review.tenants.filter(changed)) io.out(diffText(t));
  }
  if (review.errors.length > 0) return done(EXIT.failed);
  done(review.tenants.some(changed) ? EXIT_CHANGED : EXIT.ok);
}
