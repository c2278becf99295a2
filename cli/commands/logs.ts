import { Command } from "commander";
import { CliIo, EXIT, graphUrlArgument, safeText } from "../io";
import { shownValue } from "../../lib/records";
import {
  parseSince,
  ProvisioningLogEntry,
  provisioningLogsPath,
  summariseLogs,
} from "../../lib/upload";
import { jobSession, loadApp } from "../session";

interface LogsOptions {
  spec: string;
  app: string;
  since: string;
  json?: boolean;
  endpoint?: string;
  graphUrl?: string;
}

export function register(program: Command, io: CliIo, done: (code: number) => void): void {
  program
    .command("logs")
    .description("Summarise the provisioning logs per uploaded record (success, failure, skipped)")
    .requiredOption("--spec <file>", "tenant spec file")
    .requiredOption("--app <name>", "provisioning app key in the spec")
    .option("--since <when>", "how far back: 30m, 1h, 2d or an ISO date-time", "1h")
    .option("--json", "machine-readable output")
    .option(
      "--endpoint <url>",
      "the app's bulkUpload URL (names the job without a lookup)",
      graphUrlArgument,
    )
    .option("--graph-url <url>", "Graph base URL", graphUrlArgument)
    .action(async (options: LogsOptions) => done(await logs(options, io)));
}

async function logs(options: LogsOptions, io: CliIo): Promise<number> {
  const loaded = loadApp(io, options.spec, options.app);
  if (!loaded) return EXIT.failed;
  let since: Date;
  try {
    since = parseSince(options.since, Date.now());
  } catch (err) {
    io.err(`${(err as Error).message}\n`);
    return EXIT.usage;
  }
  let entries: ProvisioningLogEntry[];
  try {
    const { job, session } = await jobSession(io, loaded.spec, loaded.app, options);
    const graph = session.client;
    entries = await graph.getAllPages<ProvisioningLogEntry>(provisioningLogsPath(job.jobId, since));
  } catch (err) {
    io.err(`${(err as Error).message}\n`);
    return EXIT.failed;
  }
  const summary = summariseLogs(entries);
  if (options.json) {
    // JSON escapes C0 controls but not C1 ones (U+009B is a CSI on many terminals).
    const clean = (_key: string, value: unknown) =>
      typeof value === "string" ? safeText(value) : value;
    io.out(JSON.stringify(summary, clean, 2) + "\n");
    return EXIT.ok;
  }
  if (summary.records.length === 0) {
    io.out(
      `no provisioning log entries since ${since.toISOString()} (logs appear 5-10 minutes after an upload; is the job running?)\n`,
    );
    return EXIT.ok;
  }
  // Every field comes from the service, and externalId from the HR file through it.
  const records = summary.records.map((r) => ({
    externalId: shownValue(safeText(r.externalId)),
    status: safeText(r.status),
    action: r.action === undefined ? undefined : safeText(r.action),
    reason: r.reason === undefined ? undefined : shownValue(safeText(r.reason)),
  }));
  const width = Math.max(10, ...records.map((r) => r.externalId.length));
  io.out(`${"externalId".padEnd(width)}  ${"status".padEnd(8)}  ${"action".padEnd(8)}  reason\n`);
  for (const r of records) {
    io.out(
      `${r.externalId.padEnd(width)}  ${r.status.padEnd(8)}  ${(r.action ?? "").padEnd(8)}  ${r.reason ?? ""}\n`.trimEnd() +
        "\n",
    );
  }
  io.out(
    Object.entries(summary.counts)
      .map(([status, n]) => `${safeText(status)} ${n}`)
      .join(", ") + "\n",
  );
  return EXIT.ok;
}
