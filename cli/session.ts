/**
 * What the commands that talk to a tenant share: the spec's app, and the Graph session built
 * from the command line (the spec's tenant and graph.baseUrl, --graph-url, --endpoint) through
 * lib/tenant, the one road to live objects.
 */
import * as path from "path";
import { CliIo } from "./io";
import { missingSandboxToken } from "./sandboxToken";
import { loadSpec } from "../lib/loader/load";
import { formatDiagnostic } from "../lib/model/diagnostics";
import { type ProvisioningApp, type TenantSpec, uploaderColumns } from "../lib/model/schema";
import type { MappingProblem } from "../lib/records";
import {
  DirectoryStateStore,
  openBlobStateStore,
  parseStateLocation,
  type StateStore,
} from "../lib/upload";
import {
  graphSession,
  type GraphSession,
  jobFromEndpoint,
  type JobRef,
  resolveJob,
} from "../lib/tenant";

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

/** The session for a tenant at a Graph URL: a token for another tenant is refused. */
export function cliSession(io: CliIo, graphBaseUrl: string, tenantId: string): GraphSession {
  const tokenProblem = missingSandboxToken(io, graphBaseUrl);
  return graphSession({ baseUrl: graphBaseUrl, tenantId, env: io.env, tokenProblem });
}

/** The session for the spec's tenant at --graph-url, else the spec's graph.baseUrl. */
export function specSession(io: CliIo, spec: TenantSpec, graphUrl?: string): GraphSession {
  return cliSession(io, graphUrl ?? spec.graph.baseUrl, spec.tenant.id);
}

/**
 * The app's job, from --endpoint or by the app's display name and template (lib/tenant), and the
 * session at the Graph the job lives in, for what the command reads or sends next.
 */
export async function jobSession(
  io: CliIo,
  spec: TenantSpec,
  app: ProvisioningApp,
  options: { endpoint?: string; graphUrl?: string },
): Promise<{ job: JobRef; session: GraphSession }> {
  if (options.endpoint) {
    const job = jobFromEndpoint(options.endpoint);
    return { job, session: cliSession(io, job.graphBaseUrl, spec.tenant.id) };
  }
  const session = specSession(io, spec, options.graphUrl);
  return { job: await resolveJob(session, app), session };
}

export const STATE_HELP =
  "state directory, or Azure Blob container URL with an optional prefix (default uploader.state, else .inbound-state/<tenant>/<app>)";

/** The state an upload or report reads, and how its user gets going again when it is damaged. */
export interface OpenedState {
  store: StateStore;
  recovery: string;
}

/**
 * The state store `--state` names, else the spec's `uploader.state` (relative to the spec file),
 * else `.inbound-state/<tenant>/<app>`: a directory, or a blob container for an `http(s)://` URL.
 * Throws, with the option or field named, for a location that is neither.
 */
export function openState(
  io: CliIo,
  specFile: string,
  spec: TenantSpec,
  appKey: string,
  given: string | undefined,
): OpenedState {
  const fromSpec = given === undefined ? spec.provisioning[appKey]?.uploader?.state : undefined;
  const value = given ?? fromSpec ?? path.join(".inbound-state", spec.tenant.name, appKey);
  const named =
    given !== undefined
      ? "--state"
      : fromSpec !== undefined
        ? `${specFile}: provisioning.${appKey}.uploader.state`
        : "the default state";
  let location;
  try {
    location = parseStateLocation(value);
  } catch (err) {
    throw new Error(`${named}: ${(err as Error).message}`);
  }
  if (location.kind === "blob") {
    const store = openBlobStateStore(location, io.env);
    return {
      store,
      recovery: `restore the blobs under ${store.location} from a copy, or run again with --reset-state (the state is moved aside and every record is sent again)`,
    };
  }
  const base = fromSpec !== undefined ? path.dirname(path.resolve(io.cwd, specFile)) : io.cwd;
  const dir = path.resolve(base, location.path);
  return {
    store: new DirectoryStateStore(dir),
    recovery: `restore the state directory ${dir} from a backup, or run again with --reset-state (the state is moved aside and every record is sent again)`,
  };
}
