import * as path from "path";
import { Command } from "commander";
import { CliIo, EXIT, paint, safeText } from "../io";
import { recordInput } from "../records";
import { delimiterArgument, withDelimiter } from "../delimiter";
import { workflowFirings, WorkflowFiring } from "../../lib/lifecycle/simulate";
import {
  scopeFailures,
  type ScopeFailure,
  type ScopeResult,
  simulate,
  SimulatedRecord,
} from "../../lib/records";
import { loadApp, printProblems } from "../session";
import { DirectoryStateStore, planUpload, safeguardLines, StateDamaged } from "../../lib/upload";
import type { ProvisioningApp, TenantSpec } from "../../lib/model/schema";
import type { RecordSource } from "../../lib/records";

export function register(program: Command, io: CliIo, done: (code: number) => void): void {
  program
    .command("simulate")
    .description(
      "Show offline, per HR record, the SCIM record, the user the mappings produce, and the scope",
    )
    .requiredOption("--spec <file>", "tenant spec file")
    .requiredOption("--app <name>", "provisioning app key in the spec")
    .option("--csv <file>", "HR export (CSV)")
    .option(
      "--json-file <file>",
      "HR export (JSON array, object holding one, or JSON Lines); --json is the output format",
    )
    .option("--json", "machine-readable output")
    .option(
      "--workflows",
      "also show when each lifecycle workflow would run for each user in scope",
    )
    .option(
      "--upcoming <window>",
      "only the workflow runs due from now within this window (7d, 30d, 12h); implies --workflows",
    )
    .option("--details", "each record in full (SCIM record, every mapped value), not one line")
    .option(
      "--verbose",
      "show HR field values in error messages, and every scoping group's clause on every record",
    )
    .option(
      "--state <dir>",
      "the uploader's state, for the safeguard's counts (default .inbound-state/<tenant>/<app>)",
    )
    .option(
      "--delimiter <char>",
      "CSV delimiter instead of the spec's (tab: tab)",
      delimiterArgument,
    )
    .action(async (options: SimulateOptions) => {
      const loaded = loadApp(io, options.spec, options.app);
      if (!loaded) return done(EXIT.failed);
      const app = withDelimiter(loaded.app, options.delimiter);
      const files = { csv: options.csv, json: options.jsonFile };
      const input = recordInput(io, app, files, "--json-file");
      if (!input) return done(EXIT.failed);
      if (input.kind !== "file") {
        io.err(
          "simulate reads a file: pass --csv FILE or --json-file FILE (a sample of the HR API's records)\n",
        );
        return done(EXIT.failed);
      }
      const result = await simulate(app, input.source);
      if (result.csvError) {
        io.err(`${input.name}: ${result.csvError.message}\n`);
        return done(EXIT.failed);
      }
      if (result.problems.length > 0) {
        printProblems(io, options.spec, options.app, result.problems, app);
        return done(EXIT.failed);
      }
      const now = new Date();
      let until: number | undefined;
      if (options.upcoming !== undefined) {
        const window = /^(\d+)\s*([hd])$/.exec(options.upcoming.trim());
        if (!window) {
          io.err(`--upcoming ${options.upcoming} is not a window like 7d, 30d or 12h\n`);
          return done(EXIT.usage);
        }
        until = now.getTime() + Number(window[1]) * (window[2] === "d" ? 86_400_000 : 3_600_000);
      }
      const due = (f: WorkflowFiring) =>
        until === undefined || (Date.parse(f.date) >= now.getTime() && Date.parse(f.date) <= until);
      const showWorkflows = options.workflows || until !== undefined;
      const records: (SimulatedRecord & { workflows?: WorkflowFiring[] })[] = result.records.map(
        (record) =>
          showWorkflows && record.user && record.scope?.inScope && !record.withheld
            ? { ...record, workflows: workflowFirings(loaded.spec, record.user, now).filter(due) }
            : record,
      );
      const verbose = options.verbose === true;
      const failures = scopeFailures(records.filter((r) => r.scim && !r.withheld));
      if (options.json) {
        // The records are the output; the values in error details are kept for --verbose, and so
        // is each group's result on a record when there are many groups (summarised instead).
        const shown = verbose ? records : records.map((r) => withoutDetails(briefScope(r)));
        io.out(
          JSON.stringify(
            { records: shown, csvProblems: result.csvProblems, scopeFailures: failures },
            null,
            2,
          ) + "\n",
        );
      } else {
        for (const p of result.csvProblems)
          io.out(`line ${p.line}: skipped: the row ${p.message}\n`);
        if (options.details) {
          for (const record of records) io.out(renderRecord(io, record, verbose));
        } else {
          io.out(renderTable(io, records, showWorkflows, verbose));
        }
        const briefed =
          !verbose && records.some((r) => scopeReason(r.scope, false) !== r.scope?.reason);
        if (briefed) io.out(renderFailures(failures));
        const withheld = result.records.filter((r) => r.withheld).length;
        const invalid = result.records.filter((r) => !r.scim && !r.withheld).length;
        const inScope = result.records.filter((r) => r.scope?.inScope && !r.withheld).length;
        const conflicts = result.records.filter((r) => r.conflicts.length > 0).length;
        const refused = result.records.filter((r) => r.refused.length > 0).length;
        io.out(
          `${result.records.length} records: ${inScope} in scope, ${result.records.length - inScope - invalid - withheld} out of scope, ${invalid} invalid` +
            (withheld ? `, ${withheld} withheld as duplicates` : "") +
            (conflicts ? `, ${conflicts} sharing an account name` : "") +
            (refused ? `, ${refused} with values Entra refuses` : "") +
            "\n",
        );
      }
      if (!options.json) {
        const safeguard = await safeguardView(io.cwd, loaded.spec, app, input.source, options);
        if (safeguard) io.out(safeguard);
      }
      const failed =
        result.csvProblems.length > 0 ||
        result.records.some(
          (r) => !r.scim || r.withheld || r.conflicts.length > 0 || r.refused.length > 0,
        );
      done(failed ? EXIT.partial : EXIT.ok);
    });
}

interface SimulateOptions {
  spec: string;
  app: string;
  csv?: string;
  jsonFile?: string;
  json?: boolean;
  workflows?: boolean;
  upcoming?: string;
  details?: boolean;
  verbose?: boolean;
  delimiter?: string;
  state?: string;
}

/**
 * What `upload` would count against the state it keeps, by the same plan: the safeguard's
 * counts, and its refusals. Nothing is written; without a state there is nothing to compare.
 */
async function safeguardView(
  cwd: string,
  spec: TenantSpec,
  app: ProvisioningApp,
  source: RecordSource,
  options: SimulateOptions,
): Promise<string | undefined> {
  const stateDir = path.resolve(
    cwd,
    options.state ?? path.join(".inbound-state", spec.tenant.name, options.app),
  );
  let planned;
  try {
    planned = await planUpload({
      app,
      source,
      store: new DirectoryStateStore(stateDir),
      workflows: spec.lifecycleWorkflows,
    });
  } catch (err) {
    if (err instanceof StateDamaged) return `safeguard: ${err.message}\n`;
    throw err;
  }
  const plan = planned.plan;
  if (!plan || plan.known === 0) return undefined;
  const safeguard = plan.refusals.filter((r) => r.startsWith("safeguard:"));
  const lines = [
    `against the uploader's state (${plan.known} known records): ${plan.toSend} would be sent, ${plan.unchanged} unchanged`,
    ...safeguardLines(plan),
    ...safeguard.map((r) => `upload would refuse: ${r}`),
  ];
  return lines.join("\n") + "\n";
}

/**
 * Past this many scoping groups, an out-of-scope record says how many groups it failed and the
 * summary after the records says why, per group: each record naming every group's failing clause
 * made 1,000 groups over 3,000 rows 209 MB of output. `--verbose` shows every group on every row.
 */
const GROUPS_PER_RECORD = 3;

function scopeReason(scope: ScopeResult | undefined, verbose: boolean): string | undefined {
  if (!scope || scope.inScope || verbose || scope.groups.length <= GROUPS_PER_RECORD) {
    return scope?.reason;
  }
  return `out of scope: none of the ${scope.groups.length} scoping groups takes it (why: per group below; every group here: --verbose)`;
}

/** A record's scope as the JSON shows it without --verbose: past GROUPS_PER_RECORD, no groups. */
function briefScope<T extends SimulatedRecord>(record: T): T {
  const scope = record.scope;
  if (!scope || scope.groups.length <= GROUPS_PER_RECORD) return record;
  const reason = scopeReason(scope, false)!;
  // Without `groups`, which is what --verbose adds.
  return { ...record, scope: { inScope: scope.inScope, reason } as ScopeResult };
}

/** Per scoping group, the first clause that does not hold: on how many records, and a few. */
function renderFailures(failures: ScopeFailure[]): string {
  const lines = failures.map((f) => {
    const what = f.error ? "cannot be evaluated" : "is false";
    const more = f.records > f.examples.length ? ", ..." : "";
    return `  ${safeText(f.group)}: ${safeText(f.clause)} ${what} for ${f.records} record(s) (e.g. ${f.examples.map(safeText).join(", ")}${more})`;
  });
  return (
    ["out of scope, per scoping group (its first clause that does not hold):", ...lines].join(
      "\n",
    ) + "\n"
  );
}

function withoutDetails<T extends SimulatedRecord>(record: T): T {
  const hide = <E extends { detail: string }>(error: E): Omit<E, "detail"> => {
    const copy: Partial<E> = { ...error };
    delete copy.detail;
    return copy as Omit<E, "detail">;
  };
  return {
    ...record,
    errors: record.errors.map(hide),
    mappingErrors: record.mappingErrors.map(hide),
    refused: record.refused.map(hide),
  };
}

/** The default view: one line per record, aligned, so thousands of rows stay readable. */
function renderTable(
  io: CliIo,
  records: (SimulatedRecord & { workflows?: WorkflowFiring[] })[],
  workflows: boolean | undefined,
  verbose = false,
): string {
  const rows = records.map((r) => {
    const account = r.user?.userPrincipalName ?? r.user?.sAMAccountName ?? r.user?.displayName;
    let status: string;
    if (r.withheld) status = paint(io, "red", `withheld: ${r.withheld}`);
    else if (!r.scim) {
      const why = r.errors.map((e) => `${e.attribute}: ${verbose ? e.detail : e.message}`);
      status = paint(io, "red", `invalid: ${why.join("; ")}`);
    } else if (r.scope?.inScope) status = paint(io, "green", "in scope");
    else status = paint(io, "yellow", scopeReason(r.scope, verbose) ?? "out of scope");
    const notes = [
      ...r.conflicts,
      ...r.refused.map((e) => (verbose ? e.detail : e.message)),
      ...r.mappingErrors.map((e) => `${e.attribute}: ${e.message}`),
    ];
    const runs =
      workflows && r.workflows
        ? r.workflows
            .map((f) => `${f.workflow} ${f.date.slice(0, 16).replace("T", " ")}`)
            .join(", ") || "-"
        : undefined;
    return [
      String(r.line),
      safeText(r.externalId ?? "(none)"),
      account === undefined ? "-" : safeText(String(account)),
      status + (notes.length ? paint(io, "red", `  (${notes.join("; ")})`) : ""),
      ...(runs === undefined ? [] : [runs]),
    ];
  });
  const head = [
    "line",
    "externalId",
    "account",
    "status",
    ...(workflows ? ["workflows (UTC)"] : []),
  ];
  const widths = head.map((h, i) =>
    i === head.length - 1 ? 0 : Math.max(h.length, ...rows.map((r) => r[i]?.length ?? 0)),
  );
  const line = (cells: string[]) =>
    cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]))).join("  ");
  return [line(head), ...rows.map(line)].join("\n") + "\n";
}

function renderRecord(
  io: CliIo,
  record: SimulatedRecord & { workflows?: WorkflowFiring[] },
  verbose = false,
): string {
  const head = `line ${record.line}  externalId ${safeText(record.externalId ?? "(none)")}`;
  if (record.withheld) return `${head}  ${paint(io, "red", `withheld: ${record.withheld}`)}\n\n`;
  if (!record.scim) {
    const errors = record.errors.map(
      (e) => `  ${e.attribute} (column ${e.columns.join(", ")}): ${verbose ? e.detail : e.message}`,
    );
    return [`${head}  ${paint(io, "red", "invalid")}`, ...errors, ""].join("\n") + "\n";
  }
  const scope = record.scope!;
  const reason = scopeReason(scope, verbose)!;
  const lines = [
    `${head}  ${scope.inScope ? paint(io, "green", reason) : paint(io, "yellow", reason)}`,
    `  SCIM  ${JSON.stringify(record.scim)}`,
  ];
  for (const [attribute, value] of Object.entries(record.user ?? {})) {
    const note = record.onCreateOnly.includes(attribute) ? "  (on create only)" : "";
    lines.push(`  ${attribute} = ${JSON.stringify(value)}${note}`);
  }
  for (const e of record.mappingErrors)
    lines.push(`  ${e.attribute}: ${paint(io, "red", verbose ? e.detail : e.message)}`);
  for (const c of record.conflicts) lines.push(`  ${paint(io, "red", c)}`);
  for (const e of record.refused)
    lines.push(`  ${paint(io, "red", verbose ? e.detail : e.message)}`);
  if (record.workflows) lines.push(...renderFirings(io, record.workflows));
  return lines.join("\n") + "\n\n";
}

/**
 * `--workflows`: one line per workflow that would run for the user, in date order. The date is
 * the earliest run; the tenant schedule (1-24 h) runs it at the first schedule after it.
 */
function renderFirings(io: CliIo, firings: WorkflowFiring[]): string[] {
  if (firings.length === 0) return [`  workflows: ${paint(io, "dim", "none would run")}`];
  return [
    "  workflows:",
    ...firings.map(
      (f) =>
        `    ${f.date.slice(0, 10)} ${f.date.slice(11, 16)} UTC  ${f.workflow} (${f.category})  ${paint(io, "dim", f.reason)}`,
    ),
  ];
}
