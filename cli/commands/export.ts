import { Command, InvalidArgumentError } from "commander";
import { CliIo, EXIT, graphUrlArgument, safeText, writeOutput } from "../io";
import { cliSession } from "../session";
import { readReferences, readTenant } from "../../lib/export/read";
import {
  DEFAULT_GRAPH_URL,
  exportTenant,
  referencedGroupIds,
  unknownDefinitionIds,
} from "../../lib/export/convert";
import { specDocument } from "../../lib/export/document";
import { adoptIds, adoptScript } from "../../lib/export/adopt";
import { GUID } from "../../lib/lifecycle/tasks";

interface ExportOptions {
  tenant: string;
  app: string[];
  graphUrl?: string;
  out?: string;
  adopt?: string;
  location?: string;
  force?: boolean;
}

function guidArgument(what: string) {
  return (value: string, previous: string[] | string | undefined) => {
    if (!GUID.test(value)) throw new InvalidArgumentError(`${what} must be a GUID.`);
    return Array.isArray(previous) ? [...previous, value] : value;
  };
}

export function register(program: Command, io: CliIo, done: (code: number) => void): void {
  program
    .command("export")
    .description(
      "Write a tenant spec from a live tenant's API-driven provisioning apps and lifecycle workflows (reads only)",
    )
    .requiredOption("--tenant <tenant-id>", "the Entra tenant id", guidArgument("The tenant id"))
    .option(
      "--app <servicePrincipalId>",
      "export this provisioning app only (repeatable); default: every API-driven app",
      guidArgument("A service principal id"),
      [],
    )
    .option("--graph-url <url>", "Graph base URL", graphUrlArgument)
    .option("--out <file>", "write the spec here instead of to stdout")
    .option(
      "--adopt <file>",
      "write the `pulumi config set` lines that adopt what exists (docs/adopting.md)",
    )
    .option(
      "--location <region>",
      "Azure region of the spec's Azure resources (azure.location; not in Graph)",
    )
    .option("--force", "replace --out / --adopt files that exist")
    .action(async (options: ExportOptions) => done(await exportCommand(options, io)));
}

function write(io: CliIo, option: string, file: string, text: string, force: boolean): boolean {
  return writeOutput(io, "export", option, file, text, force);
}

export async function exportCommand(options: ExportOptions, io: CliIo): Promise<number> {
  const tenantId = options.tenant;
  let session;
  try {
    session = cliSession(io, options.graphUrl ?? DEFAULT_GRAPH_URL, tenantId);
    // A sign-in that fails, or is for another tenant, stops the export before the first read.
    await session.token();
  } catch (err) {
    io.err(`inbound export: ${(err as Error).message}\n`);
    return EXIT.failed;
  }
  const { client, baseUrl: graphBaseUrl } = session;
  let result;
  try {
    const live = await readTenant(client, { tenantId, servicePrincipalIds: options.app });
    await readReferences(client, live, {
      taskDefinitions: unknownDefinitionIds(live.workflows ?? []).length > 0,
      groupIds: referencedGroupIds(live.workflows ?? []),
    });
    result = { live, ...exportTenant(live, { graphBaseUrl, location: options.location }) };
  } catch (err) {
    io.err(`inbound export: ${(err as Error).message}\n`);
    return EXIT.failed;
  }
  const { live, spec, notes, ids } = result;
  const text = specDocument(spec, notes);
  if (options.out === undefined) io.out(text);
  else if (!write(io, "--out", options.out, text, options.force === true)) return EXIT.failed;

  const tenantName = (spec.tenant as { name: string }).name;
  const adopt = adoptIds(
    tenantName,
    ids,
    spec.azure as { subscriptionId: string; resourceGroup: string } | undefined,
  );
  if (options.adopt !== undefined) {
    if (!write(io, "--adopt", options.adopt, adoptScript(adopt), options.force === true)) {
      return EXIT.failed;
    }
  }

  // The summary goes to stderr, so that `inbound export ... > spec.yaml` keeps the spec clean.
  const gaps = notes.filter((n) => n.gap);
  const workflows = Object.keys(spec.lifecycleWorkflows as object).length;
  io.err(
    `exported ${live.apps.length} provisioning app(s), ${workflows} workflow(s)${live.settings ? ", the lifecycle settings" : ""}${options.out ? ` to ${options.out}` : ""}; ${(live.extensions ?? []).length} custom task extension(s) left as they are, run by id\n`,
  );
  if (options.adopt !== undefined) {
    io.err(`wrote ${Object.keys(adopt).length} adopt id(s) to ${options.adopt}\n`);
  }
  if (gaps.length > 0) {
    io.err(`${gaps.length} gap(s), kept as comments in the spec:\n`);
    for (const gap of gaps) {
      const where = gap.path.length ? gap.path.join(".") : "(tenant)";
      io.err(`  ${safeText(where)}: ${safeText(gap.text.replace(/^gap: /, ""))}\n`);
    }
  }
  const failed = live.refused.some((r) => r.asked) || readFailures(live) > 0;
  return failed ? EXIT.failed : EXIT.ok;
}

function readFailures(live: Awaited<ReturnType<typeof readTenant>>): number {
  return (
    live.failures.length +
    live.apps.reduce((n, a) => n + a.failures.length, 0) +
    (live.workflows ?? []).reduce((n, w) => n + w.failures.length, 0)
  );
}
