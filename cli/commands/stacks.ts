import * as fs from "fs";
import * as path from "path";
import { Command } from "commander";
import { CliIo, EXIT } from "../io";
import { loadSpec } from "../../lib/loader/load";
import { formatDiagnostic } from "../../lib/model/diagnostics";
import {
  StackSettings,
  StackStatus,
  stackOfFile,
  stackSettings,
  staleKeys,
  writeStackFile,
} from "../../lib/fleet/stacks";
import { pasteable } from "../invocation";

const DEFAULT_DIR = "config/tenants";

interface StacksOptions {
  dir: string;
  write?: boolean;
  json?: boolean;
}

interface StackReport extends StackSettings {
  tenantFile: string;
  status: StackStatus | "written";
  /** Keys that were, or are, out of date. */
  stale: string[];
}

export function register(program: Command, io: CliIo, done: (code: number) => void): void {
  program
    .command("stacks")
    .description(
      "Check, or write with --write, the Pulumi.<tenant>.yaml stack settings of every tenant file",
    )
    .option("--dir <dir>", "directory of the tenant files", DEFAULT_DIR)
    .option("--write", "create or update the stack files (other settings in them are kept)")
    .option("--json", "machine-readable output")
    .action((options: StacksOptions) => done(stacks(options, io)));
}

function stacks(options: StacksOptions, io: CliIo): number {
  const dir = path.resolve(io.cwd, options.dir);
  if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) {
    io.err(`${options.dir}: no such directory\n`);
    return EXIT.failed;
  }
  const tenantFiles = fs
    .readdirSync(dir)
    .filter((f) => /\.ya?ml$/i.test(f))
    .sort()
    .map((f) => path.relative(io.cwd, path.join(dir, f)));
  let failed = false;
  const reports: StackReport[] = [];
  const byStack = new Map<string, string>();
  for (const tenantFile of tenantFiles) {
    const loaded = loadSpec(tenantFile, { cwd: io.cwd });
    for (const d of loaded.diagnostics.filter((d) => d.severity === "error")) {
      io.err(formatDiagnostic(d) + "\n");
    }
    if (!loaded.spec) {
      failed = true;
      continue;
    }
    const settings = stackSettings(loaded.spec, tenantFile);
    const other = byStack.get(settings.stack);
    if (other) {
      io.err(
        `${tenantFile}: tenant.name ${settings.stack} is also the name in ${other}: one stack cannot deploy both\n`,
      );
      failed = true;
      continue;
    }
    byStack.set(settings.stack, tenantFile);
    const stackPath = path.join(io.cwd, settings.stackFile);
    const existing = fs.existsSync(stackPath) ? fs.readFileSync(stackPath, "utf8") : undefined;
    const stale =
      existing === undefined ? Object.keys(settings.config) : staleKeys(settings, existing);
    let status: StackReport["status"] =
      existing === undefined ? "missing" : stale.length > 0 ? "out of date" : "up to date";
    if (options.write && status !== "up to date") {
      fs.writeFileSync(stackPath, writeStackFile(settings, existing, tenantFile));
      status = "written";
    }
    reports.push({ ...settings, tenantFile, status, stale });
  }
  // A stack file no tenant file names: a customer removed or renamed, or a stack made by hand.
  const orphans = fs
    .readdirSync(io.cwd)
    .filter((f) => {
      const stack = stackOfFile(f);
      return stack !== undefined && !byStack.has(stack);
    })
    .sort();

  if (options.json) {
    io.out(JSON.stringify({ stacks: reports, orphans }, null, 2) + "\n");
  } else {
    for (const r of reports) {
      const detail = r.status === "out of date" ? ` (${r.stale.join(", ")})` : "";
      io.out(`${r.tenantFile} -> ${r.stackFile}: ${r.status}${detail}\n`);
    }
    for (const f of orphans) {
      io.out(`${f}: no tenant file in ${options.dir} has tenant.name ${stackOfFile(f)}\n`);
    }
  }
  const pending = reports.filter((r) => r.status === "missing" || r.status === "out of date");
  if (pending.length > 0) {
    const dir = options.dir === DEFAULT_DIR ? [] : ["--dir", options.dir];
    const write = pasteable(io.command, ["stacks", ...dir, "--write"]);
    io.err(`${pending.length} stack file(s) to write: run \`${write}\`\n`);
  }
  if (failed) return EXIT.failed;
  // Writing fixes what it can; a stack without a tenant file is for a person to remove.
  if (options.write) return EXIT.ok;
  return pending.length > 0 || orphans.length > 0 ? EXIT.failed : EXIT.ok;
}
