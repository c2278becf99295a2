import { Command } from "commander";
import { CliIo, EXIT, graphUrlArgument, paint, safeText } from "../io";
import { type RecordInput, recordInput } from "../records";
import { delimiterArgument, withDelimiter } from "../delimiter";
import {
  jobSession,
  loadApp,
  openState,
  type OpenedState,
  printProblems,
  STATE_HELP,
} from "../session";
import {
  bulkBody,
  SCIM_CONTENT_TYPE,
  planBatches,
  Progress,
  UploadPlan,
  RunOutcome,
  runUpload,
  safeguardLines,
  summarize,
  acceptedIds,
  followRecords,
  groupedRowErrors,
  nothingProcessed,
  parseWait,
  systemClock,
} from "../../lib/upload";
import { pasteable } from "../invocation";
import type { ProvisioningApp } from "../../lib/model/schema";
import { listLines, shownValue } from "../../lib/records";

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
  allowLeavers?: boolean;
  allowChanges?: boolean;
  resetState?: boolean;
  wait?: string;
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
    .option("--state <dir|url>", STATE_HELP)
    .option("--full", "send every record, changed or not")
    .option("--dry-run", "print the requests without sending anything")
    .option("--only <externalId>", "send this one record")
    .option("--allow-deletes", "override the safeguard against disabling or losing many users")
    .option(
      "--allow-leavers",
      "override the safeguard against giving many users a leave date within leaverWindowDays",
    )
    .option(
      "--allow-changes",
      "override the safeguard against changing, for many users, an attribute workflows or the scope read",
    )
    .option(
      "--reset-state",
      "move a damaged state aside (kept as a backup) and send every record again",
    )
    .option(
      "--wait <duration>",
      "then follow the records sent in the provisioning logs until each has an outcome (10m, 1h)",
    )
    .option("--verbose", "show HR field values in messages")
    .option(
      "--delimiter <char>",
      "CSV delimiter instead of the spec's (tab: tab)",
      delimiterArgument,
    )
    .action(async (options: UploadCliOptions) => done(await upload(options, io)));
}

/**
 * `--dry-run`: the records whose mappings would compute a value Entra refuses (a UPN outside
 * ASCII, a usageLocation that is no ISO 3166-1 code), from the same evaluation `simulate` runs.
 */
async function flagRefusedValues(
  io: CliIo,
  app: ProvisioningApp,
  input: RecordInput,
  verbose = false,
): Promise<void> {
  // A REST source was read once for the run, into a file the run removes: not read again here.
  if (input.kind !== "file") return;
  const { simulate } = await import("../../lib/records");
  const result = await simulate(app, input.source);
  for (const record of result.records) {
    for (const refusal of record.refused) {
      const who = safeText(record.externalId ?? "(none)");
      const text = verbose ? refusal.detail : refusal.message;
      io.err(paint(io, "yellow", `line ${record.line} (externalId ${who}): ${text}`) + "\n");
    }
  }
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
  let state: OpenedState;
  try {
    state = openState(io, options.spec, spec, options.app, options.state);
  } catch (err) {
    io.err(`${(err as Error).message}\n`);
    return EXIT.failed;
  }
  const input = recordInput(io, app, options);
  if (!input) return EXIT.failed;
  const name = input.name;
  const waitMs = options.wait === undefined ? undefined : parseWait(options.wait);
  if (options.wait !== undefined && waitMs === undefined) {
    io.err(`--wait ${options.wait} is not a duration like 90s, 10m or 1h\n`);
    return EXIT.usage;
  }
  const startedAt = Date.now();
  // The job and session the run sent to, for --wait to read its logs from.
  let found: Awaited<ReturnType<typeof jobSession>> | undefined;
  const bar = progressBar(io);
  const run = await runUpload({
    app,
    source: input.kind === "file" ? input.source : undefined,
    rest: input.kind === "rest" ? { env: io.env } : undefined,
    csvName: name,
    store: state.store,
    options: {
      full: options.full,
      only: options.only,
      allowDeletes: options.allowDeletes,
      allowLeavers: options.allowLeavers,
      allowChanges: options.allowChanges,
    },
    workflows: spec.lifecycleWorkflows,
    dryRun: options.dryRun,
    command: commandLine(options),
    resetState: options.resetState,
    recovery: state.recovery,
    owner: { tenantId: spec.tenant.id, app: options.app },
    onPlan: (plan) => reportPlan(io, plan, options, name),
    onNotice: (text) => io.err(paint(io, "yellow", text) + "\n"),
    onProgress: bar.update,
    connect: async () => {
      found = await jobSession(io, spec, app, options);
      const { job, session } = found;
      // A sign-in that fails, or is for another tenant, stops the run before the first record.
      await session.token();
      // The client every Graph call of the CLI uses: uploads retry and wait as deploys do.
      return { graph: session.client, endpoint: job.endpoint };
    },
  });
  bar.finish();
  const code = await reportRun(io, options, run, app, input);
  if (waitMs === undefined || !found || !run.plan || !run.result || run.result.accepted === 0) {
    return code;
  }
  // A minute early: the service's clock and this one's may differ a little.
  const since = new Date(startedAt - 60_000);
  return waitForProcessing(io, found, run.plan, since, waitMs);
}

/**
 * `--wait`: the exit code says what the service did: 0 when every record sent was processed, 3
 * when some failed or are still pending, 1 when none was processed at all.
 */
async function waitForProcessing(
  io: CliIo,
  { job, session }: NonNullable<Awaited<ReturnType<typeof jobSession>>>,
  plan: UploadPlan,
  since: Date,
  waitMs: number,
): Promise<number> {
  const ids = acceptedIds(plan);
  io.err(
    `waiting up to ${Math.round(waitMs / 1000)} s for the provisioning logs of ${ids.length} records\n`,
  );
  let outcome;
  try {
    outcome = await followRecords({
      graph: session.client,
      servicePrincipalId: job.servicePrincipalId,
      jobId: job.jobId,
      since,
      externalIds: ids,
      until: Date.now() + waitMs,
      clock: systemClock,
      // The logs trail the requests by minutes: a read every 30 s is often enough.
      pollMs: Math.min(30_000, Math.max(100, waitMs / 10)),
    });
  } catch (err) {
    io.err(`the provisioning logs could not be read: ${(err as Error).message}\n`);
    return EXIT.failed;
  }
  const { processed, failed, pending, total } = outcome;
  io.out(
    `processed ${processed} of ${total}, failed ${failed.length}, pending ${pending.length}\n`,
  );
  for (const f of failed.slice(0, 5)) {
    io.err(
      `failed: externalId ${safeText(f.externalId)}: ${safeText(f.reason ?? "no reason given")}\n`,
    );
  }
  if (pending.length > 0) {
    const shown = pending.slice(0, 5).map(safeText).join(", ");
    io.err(`pending: externalId ${shown}${pending.length > 5 ? ", …" : ""}\n`);
  }
  if (processed + failed.length === 0) {
    const j = outcome.job;
    const read = j?.error ? ` (the job could not be read: ${j.error})` : "";
    io.err(paint(io, "red", nothingProcessed(j, read)) + "\n");
    return EXIT.failed;
  }
  return failed.length > 0 || pending.length > 0 ? EXIT.partial : EXIT.ok;
}

/** Prints what the run did; returns its exit code. */
async function reportRun(
  io: CliIo,
  options: UploadCliOptions,
  run: RunOutcome,
  app: ProvisioningApp,
  input: RecordInput,
): Promise<number> {
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
    await flagRefusedValues(io, app, input, options.verbose);
  } else if (plan && result) {
    reportResult(io, run, options);
  } else if (plan && run.status !== "failed") {
    io.out(`nothing to send: ${plan.unchanged} unchanged\n`);
  } else if (run.error) {
    io.err(`${run.error}\n`);
  }
  await run.release?.();
  if (run.runId) {
    // Pasted, it reads the logs of the Graph this run sent to, started as this run was.
    io.out(
      `report: ${pasteable(io.command, ["report", ...sameTarget(options, true), "--run", run.runId])}\n`,
    );
  }
  return run.status === "ok" ? EXIT.ok : run.status === "partial" ? EXIT.partial : EXIT.failed;
}

/** The options that name the same app and Graph for `logs`, and the same state for `report`. */
function sameTarget(options: UploadCliOptions, withState: boolean): string[] {
  const words = ["--spec", options.spec, "--app", options.app];
  if (withState && options.state) words.push("--state", options.state);
  if (options.endpoint) words.push("--endpoint", options.endpoint);
  else if (options.graphUrl) words.push("--graph-url", options.graphUrl);
  return words;
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
    ["--wait", options.wait],
  ] as const;
  for (const [flag, value] of valued) if (value !== undefined) words.push(flag, value);
  const flags = [
    ["--full", options.full],
    ["--allow-deletes", options.allowDeletes],
    ["--allow-leavers", options.allowLeavers],
    ["--allow-changes", options.allowChanges],
    ["--reset-state", options.resetState],
    ["--verbose", options.verbose],
  ] as const;
  for (const [flag, on] of flags) if (on) words.push(flag);
  return words.map((w, i) => (i < 2 ? w : shellWord(w))).join(" ");
}

function reportPlan(io: CliIo, plan: UploadPlan, options: UploadCliOptions, name: string): void {
  const err = (text: string) => io.err(text + "\n");
  if (options.verbose) {
    for (const p of plan.csvProblems) {
      err(`${name}:${p.line}: skipped: the row ${p.message}`);
    }
    for (const e of plan.rowErrors) {
      const columns = e.columns.length ? ` (column ${e.columns.join(", ")})` : "";
      err(`${name}:${e.line}: skipped: ${e.attribute}${columns}: ${safeText(e.detail)}`);
    }
  } else {
    const grouped = groupedRowErrors(name, plan);
    for (const line of grouped) err(line);
    if (grouped.length < plan.csvProblems.length + plan.rowErrors.length) {
      err("--verbose lists every skipped row");
    }
  }
  for (const d of plan.duplicates) {
    err(
      `${name}: externalId ${shownValue(d.externalId)} is on lines ${listLines(d.lines)}: none of them is sent; keep one row per person`,
    );
  }
  if (plan.alreadyAccepted > 0) {
    err(
      `resuming an interrupted run: ${plan.alreadyAccepted} records were accepted already and are not sent again`,
    );
  }
  for (const line of safeguardLines(plan)) err(line);
  io.out(
    `${plan.rows} rows: ${plan.toSend} to send in ${plan.requests} ${plan.requests === 1 ? "request" : "requests"}, ${plan.unchanged} unchanged, ` +
      `${summarize(plan).skipped} skipped; quota ${plan.quota.remaining} of ${plan.quota.daily} calls left today\n`,
  );
}

function reportResult(io: CliIo, run: RunOutcome, options: UploadCliOptions): void {
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
      `sent ${summary.accepted} records (accepted for processing; in 5-10 minutes see \`${pasteable(io.command, ["logs", ...sameTarget(options, false)])}\`)`,
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
