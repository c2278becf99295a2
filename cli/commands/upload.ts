import * as path from "path";
import { Command } from "commander";
import { CliIo, EXIT, graphUrlArgument, paint, safeText } from "../io";
import { recordInput } from "../records";
import { delimiterArgument, withDelimiter } from "../delimiter";
import { loadSpec } from "../../lib/loader/load";
import { formatDiagnostic } from "../../lib/model/diagnostics";
import { type ProvisioningApp, type TenantSpec, uploaderColumns } from "../../lib/model/schema";
import { createGraphClient } from "../../lib/graph";
import {
  bulkBody,
  SCIM_CONTENT_TYPE,
  findProvisioningJob,
  graphTokenProvider,
  jobFromEndpoint,
  JobRef,
  planBatches,
  Progress,
  UploadPlan,
  RunOutcome,
  runUpload,
  summarize,
  DirectoryStateStore,
} from "../../lib/upload";
import type { MappingProblem } from "../../lib/records";

export interface UploadCliOptions {
  spec: string;
  app: string;
  csv?: string;
  json?: string;
  endpoint?: string;
  graphUrl?: string;
  state?: string;
  full?: boolean;
  dryRun?: boolean;
  only?: string;
  allowDeletes?: boolean;
  resetState?: boolean;
  verbose?: boolean;
  delimiter?: string;
}

export function register(program: Command, io: CliIo, done: (code: number) => void): void {
  program
    .command("upload")
    .description(
      "Send the HR records (a CSV or JSON file, or the spec's HR API) to the app's bulkUpload endpoint: only new or changed records",
    )
    .requiredOption("--spec <file>", "tenant spec file")
    .requiredOption("--app <name>", "provisioning app key in the spec")
    .option("--csv <file>", "HR export (CSV)")
    .option("--json <file>", "HR export (JSON array, object holding one, or JSON Lines)")
    .addHelpText(
      "after",
      "\nWithout --csv or --json, the records are read from the spec's HR API (uploader.source: rest).",
    )
    .option("--endpoint <url>", "the app's bulkUpload URL (a stack output)", graphUrlArgument)
    .option(
      "--graph-url <url>",
      "Graph base URL for looking the app up by display name",
      graphUrlArgument,
    )
    .option("--state <dir>", "state directory (default .inbound-state/<tenant>/<app>)")
    .option("--full", "send every record, changed or not")
    .option("--dry-run", "print the requests without sending anything")
    .option("--only <externalId>", "send this one record")
    .option("--allow-deletes", "override the safeguard against disabling or losing many users")
    .option(
      "--reset-state",
      "move a damaged state aside (kept as a backup) and send every record again",
    )
    .option("--verbose", "show HR field values in messages")
    .option(
      "--delimiter <char>",
      "CSV delimiter instead of the spec's (tab: tab)",
      delimiterArgument,
    )
    .action(async (options: UploadCliOptions) => done(await upload(options, io)));
}

/** Loads the spec and picks the app; prints why not and returns undefined when it cannot. */
export function loadApp(
  io: CliIo,
  file: string,
  appKey: string,
): { spec: TenantSpec; app: ProvisioningApp } | undefined {
  const loaded = loadSpec(file, { cwd: io.cwd });
  // Warnings are for review (`validate`, `plan`); a scheduled run reports what stops it.
  for (const d of loaded.diagnostics) {
    if (d.severity === "error") io.err(formatDiagnostic(d) + "\n");
  }
  if (!loaded.spec) return undefined;
  const app = loaded.spec.provisioning[appKey];
  if (!app) {
    const keys = Object.keys(loaded.spec.provisioning);
    io.err(
      `${file}: no provisioning app "${appKey}" (apps: ${keys.join(", ") || "none"}); pass --app <key>\n`,
    );
    return undefined;
  }
  return { spec: loaded.spec, app };
}

export function printProblems(
  io: CliIo,
  file: string,
  appKey: string,
  problems: MappingProblem[],
  app?: ProvisioningApp,
) {
  const where = uploaderColumns(app?.uploader).path.join(".");
  for (const p of problems) {
    io.err(`${file}: provisioning.${appKey}.uploader.${where}["${p.attribute}"]: ${p.message}\n`);
  }
}

/** Finds the job: from --endpoint, else by the app's display name through Graph. */
export async function resolveJob(
  io: CliIo,
  spec: TenantSpec,
  app: ProvisioningApp,
  options: { endpoint?: string; graphUrl?: string },
): Promise<JobRef & { graphBaseUrl: string }> {
  if (options.endpoint) return jobFromEndpoint(options.endpoint);
  const graphBaseUrl = (options.graphUrl ?? spec.graph.baseUrl).replace(/\/+$/, "");
  const graph = graphClient(io, graphBaseUrl, spec.tenant.id);
  const job = await findProvisioningJob(graph, graphBaseUrl, app.displayName);
  return { ...job, graphBaseUrl };
}

/** A Graph client for the spec's tenant: a token for another tenant is refused. */
export function graphClient(io: CliIo, graphBaseUrl: string, tenantId: string) {
  const token = graphTokenProvider(io.env, graphBaseUrl, tenantId);
  return createGraphClient({
    baseUrl: graphBaseUrl,
    tenantId,
    credential: { getToken: async () => ({ token: await token() }) },
  });
}

export async function upload(options: UploadCliOptions, io: CliIo): Promise<number> {
  const loaded = loadApp(io, options.spec, options.app);
  if (!loaded) return EXIT.failed;
  const { spec } = loaded;
  const app = withDelimiter(loaded.app, options.delimiter);
  if (!app.uploader) {
    io.err(`${options.spec}: provisioning.${options.app} has no uploader section\n`);
    return EXIT.failed;
  }
  const stateDir = path.resolve(
    io.cwd,
    options.state ?? path.join(".inbound-state", spec.tenant.name, options.app),
  );
  const input = recordInput(io, app, options);
  if (!input) return EXIT.failed;
  const name = input.name;
  const bar = progressBar(io);
  const run = await runUpload({
    app,
    source: input.kind === "file" ? input.source : undefined,
    rest: input.kind === "rest" ? { env: io.env } : undefined,
    csvName: name,
    store: new DirectoryStateStore(stateDir),
    options: { full: options.full, only: options.only, allowDeletes: options.allowDeletes },
    dryRun: options.dryRun,
    command: commandLine(options),
    resetState: options.resetState,
    recovery: `restore the state directory ${stateDir} from a backup, or run again with --reset-state (the state is moved aside and every record is sent again)`,
    onPlan: (plan) => reportPlan(io, plan, options, name),
    onNotice: (text) => io.err(paint(io, "yellow", text) + "\n"),
    onProgress: bar.update,
    connect: async () => {
      const job = await resolveJob(io, spec, app, options);
      // A sign-in that fails, or is for another tenant, stops the run before the first record.
      await graphTokenProvider(io.env, job.graphBaseUrl, spec.tenant.id)();
      // The client every Graph call of the CLI uses: uploads retry and wait as deploys do.
      return { graph: graphClient(io, job.graphBaseUrl, spec.tenant.id), endpoint: job.endpoint };
    },
  });
  bar.finish();
  const { plan, result } = run;
  if (run.problems.length > 0) {
    printProblems(io, options.spec, options.app, run.problems, app);
    return EXIT.failed;
  }
  if (plan && plan.refusals.length > 0) {
    for (const r of plan.refusals) io.err(paint(io, "red", `refused: ${r}`) + "\n");
    io.err("nothing was sent\n");
    return EXIT.failed;
  }
  if (plan && options.dryRun && run.status !== "failed") {
    const target = options.endpoint ?? "<bulkUpload endpoint>";
    let i = 0;
    try {
      for await (const records of planBatches(plan)) {
        io.out(`# request ${++i}: ${records.length} records\nPOST ${target}\n`);
        io.out(`Content-Type: ${SCIM_CONTENT_TYPE}\n\n`);
        io.out(JSON.stringify(JSON.parse(bulkBody(records)), null, 2) + "\n\n");
      }
    } catch (err) {
      io.err(`${(err as Error).message}\n`);
      return EXIT.failed;
    } finally {
      await run.release?.();
    }
    io.out(`dry run: ${plan.requests} requests, ${plan.toSend} records, nothing sent\n`);
  } else if (plan && result) {
    reportResult(io, run);
  } else if (plan && run.status !== "failed") {
    io.out(`nothing to send: ${plan.unchanged} unchanged\n`);
  } else if (run.error) {
    io.err(`${run.error}\n`);
  }
  await run.release?.();
  if (run.runId) {
    const state = options.state ? ` --state ${shellWord(options.state)}` : "";
    io.out(
      `report: inbound report --spec ${shellWord(options.spec)} --app ${shellWord(options.app)}${state} --run ${run.runId}\n`,
    );
  }
  return run.status === "ok" ? EXIT.ok : run.status === "partial" ? EXIT.partial : EXIT.failed;
}

/** A word the shell reads back as itself. */
function shellWord(word: string): string {
  return /^[A-Za-z0-9_./:@%+=,-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/** The command line that ran, for the run record: the options given, in a fixed order. */
function commandLine(options: UploadCliOptions): string {
  const words = ["inbound", "upload", "--spec", options.spec, "--app", options.app];
  if (options.csv !== undefined) words.push("--csv", options.csv);
  if (options.json !== undefined) words.push("--json", options.json);
  const valued = [
    ["--endpoint", options.endpoint],
    ["--graph-url", options.graphUrl],
    ["--state", options.state],
    ["--only", options.only],
    ["--delimiter", options.delimiter],
  ] as const;
  for (const [flag, value] of valued) if (value !== undefined) words.push(flag, value);
  const flags = [
    ["--full", options.full],
    ["--allow-deletes", options.allowDeletes],
    ["--reset-state", options.resetState],
    ["--verbose", options.verbose],
  ] as const;
  for (const [flag, on] of flags) if (on) words.push(flag);
  return words.map((w, i) => (i < 2 ? w : shellWord(w))).join(" ");
}

function reportPlan(io: CliIo, plan: UploadPlan, options: UploadCliOptions, name: string): void {
  const err = (text: string) => io.err(text + "\n");
  for (const p of plan.csvProblems) err(`${name}:${p.line}: skipped: the row ${p.message}`);
  for (const e of plan.rowErrors) {
    const columns = e.columns.length ? ` (column ${e.columns.join(", ")})` : "";
    err(
      `${name}:${e.line}: skipped: ${e.attribute}${columns}: ${options.verbose ? safeText(e.detail) : e.message}`,
    );
  }
  for (const d of plan.duplicates) {
    err(
      `${name}: externalId ${safeText(d.externalId)} is on lines ${d.lines.join(", ")}: none of them is sent; keep one row per person`,
    );
  }
  if (plan.alreadyAccepted > 0) {
    err(
      `resuming an interrupted run: ${plan.alreadyAccepted} records were accepted already and are not sent again`,
    );
  }
  if (plan.lost > 0) {
    err(
      `${plan.lost} known records are no longer in the file (the uploader cannot delete; they are forgotten)`,
    );
  }
  if (plan.disables > 0) err(`${plan.disables} users go from active to inactive`);
  io.out(
    `${plan.rows} rows: ${plan.toSend} to send in ${plan.requests} requests, ${plan.unchanged} unchanged, ` +
      `${summarize(plan).skipped} skipped; quota ${plan.quota.remaining} of ${plan.quota.daily} calls left today\n`,
  );
}

function reportResult(io: CliIo, run: RunOutcome): void {
  const result = run.result!;
  const summary = run.summary;
  for (const f of result.failed) {
    const lines = `lines ${f.lines[0]}-${f.lines[f.lines.length - 1]}`;
    io.err(
      paint(io, "red", `request ${f.request} failed`) +
        ` (${f.records} records, ${lines}): ${f.status ?? "no response"} ${f.error}` +
        (f.requestId ? ` [request-id ${f.requestId}]` : "") +
        "\n",
    );
  }
  if (result.stopped) io.err(paint(io, "yellow", `stopped: ${result.stopped}`) + "\n");
  io.out(
    [
      `sent ${summary.accepted} records (accepted for processing; see \`inbound logs\` in 5-10 minutes)`,
      `unchanged ${summary.unchanged}`,
      `skipped ${summary.skipped} (duplicates ${summary.duplicateIds} ids, invalid rows ${summary.invalidRows}, malformed lines ${summary.malformedLines})`,
      `failed ${summary.failedRecords}, not attempted ${summary.notAttempted}` +
        (summary.unrecorded > 0 ? `, accepted but not recorded ${summary.unrecorded}` : ""),
      `requests ${summary.calls}, retries ${summary.retries}, elapsed ${(summary.elapsedMs / 1000).toFixed(1)} s`,
    ].join("\n") + "\n",
  );
}

function progressBar(io: CliIo): { update: (p: Progress) => void; finish: () => void } {
  if (!io.isTTY) return { update: () => undefined, finish: () => undefined };
  let shown = false;
  return {
    update: (p) => {
      const width = 30;
      const fraction =
        p.totalRecords === 0 ? 1 : (p.acceptedRecords + p.failedRecords) / p.totalRecords;
      const filled = Math.round(fraction * width);
      io.out(
        `\r[${"#".repeat(filled)}${".".repeat(width - filled)}] ${p.acceptedRecords}/${p.totalRecords} records, ${p.requestsDone}/${p.requestsTotal} requests`,
      );
      shown = true;
    },
    finish: () => {
      if (shown) io.out("\n");
    },
  };
}
