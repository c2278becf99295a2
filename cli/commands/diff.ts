import * as fs from "fs";
import * as path from "path";
import { Command, Option } from "commander";
import { CliIo, EXIT, refuseIrregularFile } from "../io";
import { diffSpecs } from "../../lib/review/diff";
import { reviewFleet, type TenantReview } from "../../lib/review/fleet";
import { diffMarkdown, diffText, singleReview } from "../../lib/review/format";
import { loadSide } from "../../lib/review/source";
import { type AppImpact, appImpact, type ImpactOptions } from "../../lib/review/impact";
import type { TenantSpec } from "../../lib/model/schema";
import { formatDiagnostic } from "../../lib/model/diagnostics";

/** Exit code when the two sides differ, as `git diff --exit-code` signals a change. */
export const EXIT_CHANGED = 3;

interface DiffOptions {
  json?: boolean;
  markdown?: boolean;
  all?: string;
  baseRef?: string;
  csv?: string[];
  upcoming?: string;
  includePii?: boolean;
}

const collect = (value: string, previous: string[] = []) => [...previous, value];

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
    .option(
      "--csv <file>",
      "HR file to run both specs over, for the impact on people: <file> (the one app with an uploader), <app>=<file>, or a directory of <app>.csv files; repeatable",
      collect,
    )
    .option(
      "--upcoming <window>",
      "with --csv: the window workflows become due within (7d, 30d, 12h)",
      "30d",
    )
    .option("--include-pii", "with --csv: show HR values beside the example externalIds")
    .action(async (base: string | undefined, head: string | undefined, options: DiffOptions) => {
      const usage = (message: string) => {
        io.err(`inbound diff: ${message}\n`);
        done(EXIT.usage);
      };
      const window = /^(\d+)\s*([hd])$/.exec((options.upcoming ?? "30d").trim());
      if (!window)
        return usage(`--upcoming ${options.upcoming} is not a window like 7d, 30d or 12h`);
      const upcomingMs = Number(window[1]) * (window[2] === "d" ? 86_400_000 : 3_600_000);
      const impactOptions = { upcomingMs, includePii: options.includePii === true };
      if (options.all !== undefined) {
        if (base !== undefined) return usage("--all takes no <base> or <head>");
        if (options.baseRef === undefined) return usage("--all needs --base-ref <ref>");
        return fleet(options.all, options.baseRef, options, impactOptions, io, done);
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
      if (options.csv) {
        const impact = await impactOf(sides[0].spec, sides[1].spec, options.csv, impactOptions, io);
        if (!impact) return done(EXIT.failed);
        review.impact = impact;
      }
      if (options.json) io.out(JSON.stringify({ ...diff, impact: review.impact }, null, 2) + "\n");
      else if (options.markdown) io.out(diffMarkdown([review]));
      else io.out(diffText(review));
      done(diff.changes.length === 0 ? EXIT.ok : EXIT_CHANGED);
    });
}

/**
 * The HR file of each app `--csv` names: `<app>=<file>`, a directory holding `<app>.csv`, or one
 * file for the one app (of both sides) with an uploader. Undefined after printing why not.
 */
function csvFiles(
  base: TenantSpec,
  head: TenantSpec,
  entries: string[],
  io: CliIo,
  tenantFile: string | undefined,
): Map<string, string> | undefined {
  // With --all, an entry that does not fit a tenant (another app, several apps) is for another.
  const required = tenantFile === undefined;
  const apps = Object.keys(head.provisioning).filter(
    (k) => head.provisioning[k].uploader && base.provisioning[k]?.uploader,
  );
  const files = new Map<string, string>();
  for (const entry of entries) {
    const named = /^([a-z][a-z0-9-]*)=(.+)$/.exec(entry);
    if (named) {
      if (!apps.includes(named[1])) {
        if (!required) continue;
        io.err(
          `--csv ${entry}: ${named[1]} is not an app with an uploader in both specs (${apps.join(", ") || "none"})\n`,
        );
        return undefined;
      }
      files.set(named[1], named[2]);
      continue;
    }
    const full = path.resolve(io.cwd, entry);
    if (fs.existsSync(full) && fs.statSync(full).isDirectory()) {
      // With --all, <dir>/<tenant file's name>/<app>.csv first: app keys repeat across tenants.
      const tenant = tenantFile && path.basename(tenantFile).replace(/\.ya?ml$/i, "");
      for (const app of apps) {
        const candidates = [
          ...(tenant ? [path.join(entry, tenant, `${app}.csv`)] : []),
          path.join(entry, `${app}.csv`),
        ];
        const file = candidates.find((f) => fs.existsSync(path.resolve(io.cwd, f)));
        if (file) files.set(app, file);
      }
      continue;
    }
    if (apps.length !== 1) {
      if (!required) continue;
      io.err(
        `--csv ${entry}: the specs have ${apps.length} apps with an uploader (${apps.join(", ") || "none"}); name one: --csv <app>=${entry}\n`,
      );
      return undefined;
    }
    files.set(apps[0], entry);
  }
  return files;
}

/** The impact on each app's people; undefined after printing why it cannot be computed. */
async function impactOf(
  base: TenantSpec,
  head: TenantSpec,
  entries: string[],
  options: ImpactOptions,
  io: CliIo,
  tenantFile?: string,
): Promise<Record<string, AppImpact> | undefined> {
  const files = csvFiles(base, head, entries, io, tenantFile);
  if (!files) return undefined;
  const impacts: Record<string, AppImpact> = {};
  for (const [app, file] of [...files].sort(([a], [b]) => a.localeCompare(b))) {
    const full = path.resolve(io.cwd, file);
    if (!fs.existsSync(full)) {
      io.err(`--csv ${file}: no such file\n`);
      return undefined;
    }
    if (refuseIrregularFile(io, "--csv", file, full)) return undefined;
    const result = await appImpact(base, head, app, full, options);
    if ("fileError" in result) {
      io.err(`${file}: ${result.fileError}\n`);
      return undefined;
    }
    if ("problems" in result) {
      // A column the spec reads and the file lacks is named, never counted as empty.
      for (const { side, problem } of result.problems) {
        io.err(
          `${file}: the ${side} spec's provisioning.${app}.uploader.csv.columns["${problem.attribute}"]: ${problem.message}\n`,
        );
      }
      return undefined;
    }
    for (const p of result.csvProblems)
      io.err(`${file}: line ${p.line}: skipped: the row ${p.message}\n`);
    impacts[app] = result.impact;
  }
  return impacts;
}

async function fleet(
  dir: string,
  baseRef: string,
  options: DiffOptions,
  impactOptions: ImpactOptions,
  io: CliIo,
  done: (code: number) => void,
): Promise<void> {
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
  if (options.csv) {
    for (const t of review.tenants) {
      const sides = review.sides.get(t.file);
      if (!sides) continue;
      const impact = await impactOf(sides.base, sides.head, options.csv, impactOptions, io, t.file);
      if (!impact) return done(EXIT.failed);
      if (Object.keys(impact).length > 0) t.impact = impact;
    }
  }
  if (options.json) {
    io.out(JSON.stringify({ tenants: review.tenants, errors: review.errors }, null, 2) + "\n");
  } else if (options.markdown) io.out(diffMarkdown(review.tenants));
  else {
    const n = review.tenants.filter(changed).length;
    io.out(`${n} of ${review.tenants.length} tenant files changed since ${baseRef}\n`);
    for (const t of review.tenants.filter(changed)) io.out(diffText(t));
  }
  if (review.errors.length > 0) return done(EXIT.failed);
  done(review.tenants.some(changed) ? EXIT_CHANGED : EXIT.ok);
}
