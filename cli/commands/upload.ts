import * as path from "path";
import { Command } from "commander";
import { CliIo, EXIT, graphUrlArgument, paint, refuseIrregularFile } from "../io";
import { loadSpec } from "../../lib/spec/load";
import { formatDiagnostic } from "../../lib/spec/diagnostics";
import type { ProvisioningApp, TenantSpec } from "../../lib/spec/schema";
import { createGraphClient } from "../../lib/graph";
import { bulkBody, fetchTransport } from "../../lib/upload/bulk";
import {
  findProvisioningJob,
  graphTokenProvider,
  jobFromEndpoint,
  JobRef,
} from "../../lib/upload/endpoint";
import {
  commitUnsent,
  DEFAULT_RATE,
  executePlan,
  outcome,
  planBatches,
  planUpload,
  Progress,
  UploadPlan,
  UploadResult,
} from "../../lib/upload/engine";
import type { MappingProblem } from "../../lib/upload/convert";
import { DirectoryStateStore } from "../../lib/upload/state";

export interface UploadCliOptions {
  spec: string;
  app: string;
  csv: string;
  endpoint?: string;
  graphUrl?: string;
  state?: string;
  full?: boolean;
  dryRun?: boolean;
  only?: string;
  allowDeletes?: boolean;
  verbose?: boolean;
}

export function register(program: Command, io: CliIo, done: (code: number) => void): void {
  program
    .command("upload")
    .description("Send the HR CSV to the app's bulkUpload endpoint: only new or changed records")
    .requiredOption("--spec <file>", "tenant spec file")
    .requiredOption("--app <name>", "provisioning app key in the spec")
    .requiredOption("--csv <file>", "HR export")
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
    .option("--verbose", "show HR field values in messages")
    .action(async (options: UploadCliOptions) => done(await upload(options, io)));
}

/** Loads the spec and picks the app; prints why not and returns undefined when it cannot. */
export function loadApp(
  io: CliIo,
  file: string,
  appKey: string,
): { spec: TenantSpec; app: ProvisioningApp } | undefined {
  const loaded = loadSpec(file, { cwd: io.cwd });
  for (const d of loaded.diagnostics) io.err(formatDiagnostic(d) + "\n");
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

export function printProblems(io: CliIo, file: string, appKey: string, problems: MappingProblem[]) {
  for (const p of problems) {
    io.err(
      `${file}: provisioning.${appKey}.uploader.csv.columns["${p.attribute}"]: ${p.message}\n`,
    );
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
  const { spec, app } = loaded;
  if (!app.uploader) {
    io.err(`${options.spec}: provisioning.${options.app} has no uploader section\n`);
    return EXIT.failed;
  }
  const stateDir = path.resolve(
    io.cwd,
    options.state ?? path.join(".inbound-state", spec.tenant.name, options.app),
  );
  const csv = path.resolve(io.cwd, options.csv);
  if (refuseIrregularFile(io, "--csv", options.csv, csv)) return EXIT.failed;
  const store = new DirectoryStateStore(stateDir);
  const { plan, problems } = await planUpload({
    app,
    csv,
    store,
    options: { full: options.full, only: options.only, allowDeletes: options.allowDeletes },
  });
  if (!plan) {
    printProblems(io, options.spec, options.app, problems);
    return EXIT.failed;
  }
  reportPlan(io, plan, options);
  if (plan.refusals.length > 0) {
    for (const r of plan.refusals) io.err(paint(io, "red", `refused: ${r}`) + "\n");
    io.err("nothing was sent\n");
    return EXIT.failed;
  }

  if (options.dryRun) {
    const target = options.endpoint ?? "<bulkUpload endpoint>";
    let i = 0;
    try {
      for await (const records of planBatches(plan)) {
        io.out(`# request ${++i}: ${records.length} records\nPOST ${target}\n`);
        io.out("Content-Type: application/scim+json\n\n");
        io.out(JSON.stringify(JSON.parse(bulkBody(records)), null, 2) + "\n\n");
      }
    } catch (err) {
      io.err(`${(err as Error).message}\n`);
      return EXIT.failed;
    }
    io.out(`dry run: ${plan.requests} requests, ${plan.toSend} records, nothing sent\n`);
    return outcome(plan) === "ok" ? EXIT.ok : EXIT.partial;
  }
  if (plan.toSend === 0) {
    io.out(`nothing to send: ${plan.unchanged} unchanged\n`);
    await commitUnsent(plan, store);
    return outcome(plan) === "ok" ? EXIT.ok : EXIT.partial;
  }

  let job: JobRef & { graphBaseUrl: string };
  try {
    job = await resolveJob(io, spec, app, options);
  } catch (err) {
    io.err(`${(err as Error).message}\n`);
    return EXIT.failed;
  }
  const token = graphTokenProvider(io.env, job.graphBaseUrl, spec.tenant.id);
  // A sign-in that fails, or is for another tenant, stops the run before the first record.
  try {
    await token();
  } catch (err) {
    io.err(`${(err as Error).message}\n`);
    return EXIT.failed;
  }
  const bar = progressBar(io);
  const result = await executePlan(plan, {
    transport: fetchTransport(job.endpoint, token),
    store,
    rate: { ...DEFAULT_RATE, ...app.uploader.rate },
    onProgress: bar.update,
  });
  bar.finish();
  reportResult(io, plan, result);
  const status = outcome(plan, result);
  return status === "ok" ? EXIT.ok : status === "partial" ? EXIT.partial : EXIT.failed;
}

function reportPlan(io: CliIo, plan: UploadPlan, options: UploadCliOptions): void {
  const err = (text: string) => io.err(text + "\n");
  for (const p of plan.csvProblems) err(`${options.csv}:${p.line}: skipped: the row ${p.message}`);
  for (const e of plan.rowErrors) {
    const columns = e.columns.length ? ` (column ${e.columns.join(", ")})` : "";
    err(
      `${options.csv}:${e.line}: skipped: ${e.attribute}${columns}: ${options.verbose ? e.detail : e.message}`,
    );
  }
  for (const d of plan.duplicates) {
    err(
      `${options.csv}: externalId ${d.externalId} is on lines ${d.lines.join(", ")}: none of them is sent; keep one row per person`,
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
      `${skipped(plan)} skipped; quota ${plan.quota.remaining} of ${plan.quota.daily} calls left today\n`,
  );
}

function skipped(plan: UploadPlan): number {
  const duplicateRows = plan.duplicates.reduce((n, d) => n + d.lines.length, 0);
  const errorLines = new Set(plan.rowErrors.map((e) => e.line));
  for (const d of plan.duplicates) d.lines.forEach((l) => errorLines.delete(l));
  return duplicateRows + errorLines.size + plan.csvProblems.length;
}

function reportResult(io: CliIo, plan: UploadPlan, result: UploadResult): void {
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
  const failedRecords = result.failed.reduce((n, f) => n + f.records, 0);
  io.out(
    [
      `sent ${result.accepted} records (accepted for processing; see \`inbound logs\` in 5-10 minutes)`,
      `unchanged ${plan.unchanged}`,
      `skipped ${skipped(plan)} (duplicates ${plan.duplicates.length} ids, invalid rows ${new Set(plan.rowErrors.map((e) => e.line)).size}, malformed lines ${plan.csvProblems.length})`,
      `failed ${failedRecords}, not attempted ${result.notAttempted}`,
      `requests ${result.calls}, retries ${result.retries}, elapsed ${(result.elapsedMs / 1000).toFixed(1)} s`,
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
