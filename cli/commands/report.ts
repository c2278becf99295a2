/**
 * `inbound report --spec F --app NAME [--since 24h | --run ID] [--html FILE] [--json]
 * [--include-pii]`: what the uploader sent, joined per externalId with what Entra did (see
 * lib/report/build.ts). Reads the run records in the state directory and the provisioning logs
 * through Graph, the same query as `inbound logs`.
 */
import { Command } from "commander";
import { CliIo, EXIT, graphUrlArgument, safeText, writeOutput } from "../io";
import {
  parseSince,
  provisioningLogsPath,
  listRuns,
  readRunEntries,
  readRunHeader,
  RUN_ID,
  RunRecord,
  RunRecordEntry,
  StateDamaged,
  type StateStore,
} from "../../lib/upload";
import { buildReport, ReportLogEntry, type ReportWorkflows } from "../../lib/report/build";
import type { GraphClient } from "../../lib/graph";
import { listQuarantinedWorkflows, specWorkflowsInQuarantine } from "../../lib/lifecycle/graphApi";
import { renderHtml } from "../../lib/report/html";
import { renderText } from "../../lib/report/text";
import { jobSession, loadApp, openState, STATE_HELP } from "../session";

interface ReportOptions {
  spec: string;
  app: string;
  since?: string;
  run?: string;
  html?: string;
  json?: boolean;
  includePii?: boolean;
  state?: string;
  endpoint?: string;
  graphUrl?: string;
  force?: boolean;
}

export function register(program: Command, io: CliIo, done: (code: number) => void): void {
  program
    .command("report")
    .description(
      "Join what the uploader sent with Entra's provisioning logs, per record: created, updated, disabled, skipped, failed or not processed yet",
    )
    .requiredOption("--spec <file>", "tenant spec file")
    .requiredOption("--app <name>", "provisioning app key in the spec")
    .option("--since <when>", "the window: 30m, 24h, 2d or an ISO date-time (default 24h)")
    .option("--run <id>", "one upload run, by the id `inbound upload` printed")
    .option("--html <file>", "also write the report as one self-contained HTML file")
    .option("--json", "machine-readable output")
    .option("--include-pii", "add Graph's reason texts, names and changed values")
    .option("--state <dir|url>", STATE_HELP)
    .option(
      "--endpoint <url>",
      "the app's bulkUpload URL (names the job without a lookup)",
      graphUrlArgument,
    )
    .option("--graph-url <url>", "Graph base URL", graphUrlArgument)
    .option("--force", "replace an existing --html file")
    .action(async (options: ReportOptions) => done(await report(options, io)));
}

async function report(options: ReportOptions, io: CliIo): Promise<number> {
  if (options.since !== undefined && options.run !== undefined) {
    io.err("--since and --run choose the window both; pass one\n");
    return EXIT.usage;
  }
  if (options.run !== undefined && !RUN_ID.test(options.run)) {
    io.err(`--run ${options.run} is not a run id (like 20261205T123606Z-k3f9)\n`);
    return EXIT.usage;
  }
  const now = Date.now();
  let since: Date | undefined;
  if (options.run === undefined) {
    try {
      since = parseSince(options.since ?? "24h", now);
    } catch (err) {
      io.err(`${(err as Error).message}\n`);
      return EXIT.usage;
    }
  }
  const loaded = loadApp(io, options.spec, options.app);
  if (!loaded) return EXIT.failed;
  let store: StateStore;
  try {
    ({ store } = openState(io, options.spec, loaded.spec, options.app, options.state));
  } catch (err) {
    io.err(`${(err as Error).message}\n`);
    return EXIT.failed;
  }
  const stateDir = store.location;

  const runs: { record: RunRecord; entries: RunRecordEntry[] }[] = [];
  try {
    if (options.run !== undefined) {
      const record = await readRunHeader(store, options.run);
      if (!record) {
        const known = await listRuns(store);
        io.err(
          `${stateDir}: no run ${options.run} (runs kept there: ${known.slice(-5).join(", ") || "none"}); pass --state if the runs are elsewhere\n`,
        );
        return EXIT.failed;
      }
      runs.push({ record, entries: await readRunEntries(store, record) });
      since = new Date(record.startedAt);
    } else {
      for (const runId of await listRuns(store)) {
        const record = await readRunHeader(store, runId);
        if (record && Date.parse(record.startedAt) >= since!.getTime()) {
          runs.push({ record, entries: await readRunEntries(store, record) });
        }
      }
    }
  } catch (err) {
    if (err instanceof StateDamaged) {
      io.err(`${err.message}; the run record cannot be read\n`);
      return EXIT.failed;
    }
    // A --state that is a file, or a directory this user cannot read: the path, not a stack.
    if (typeof (err as NodeJS.ErrnoException).code === "string") {
      io.err(`${stateDir}: the state cannot be read (${(err as Error).message})\n`);
      return EXIT.failed;
    }
    throw err;
  }

  let logs: ReportLogEntry[];
  let graph: GraphClient;
  try {
    const { job, session } = await jobSession(io, loaded.spec, loaded.app, options);
    graph = session.client;
    logs = await graph.getAllPages<ReportLogEntry>(provisioningLogsPath(job.jobId, since!));
  } catch (err) {
    io.err(`${(err as Error).message}\n`);
    return EXIT.failed;
  }
  // A quarantined joiner or leaver workflow processes nobody the upload sent. The report's
  // identity may lack the Lifecycle Workflows read permission: then it says so and goes on.
  let workflows: ReportWorkflows | undefined;
  if (Object.keys(loaded.spec.lifecycleWorkflows).length > 0) {
    try {
      const quarantined = specWorkflowsInQuarantine(
        loaded.spec.lifecycleWorkflows,
        await listQuarantinedWorkflows(graph),
      );
      workflows = {
        quarantined: quarantined.map((q) => ({
          key: q.key,
          displayName: q.displayName,
          ...q.quarantine,
        })),
      };
    } catch (err) {
      workflows = { quarantined: [], notRead: (err as Error).message };
    }
  }
  const built = buildReport({
    runs,
    logs,
    since: since!,
    until: new Date(now),
    includePii: options.includePii,
    workflows,
  });
  if (
    options.html &&
    !writeOutput(
      io,
      "report",
      "--html",
      options.html,
      renderHtml(built, options.app),
      !!options.force,
    )
  ) {
    return EXIT.failed;
  }
  if (options.json) {
    // JSON escapes C0 controls but not C1 ones (U+009B is a CSI on many terminals).
    const clean = (_key: string, value: unknown) =>
      typeof value === "string" ? safeText(value) : value;
    io.out(JSON.stringify(built, clean, 2) + "\n");
  } else {
    io.out(safeText(renderText(built, options.app)));
    if (options.html) io.out(`written: ${options.html}\n`);
  }
  return EXIT.ok;
}
