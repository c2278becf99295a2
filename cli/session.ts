/**
 * What the commands that talk to a tenant share: the spec's app, and the Graph session built
 * from the command line (the spec's tenant and graph.baseUrl, --graph-url, --endpoint) through
 * lib/tenant, the one road to live objects.
 */
import { CliIo } from "./io";
import { missingSandboxToken } from "./sandboxToken";
import { loadSpec } from "../lib/loader/load";
import { formatDiagnostic } from "../lib/model/diagnostics";
import type { ProvisioningApp, TenantSpec } from "../lib/model/schema";
import type { MappingProblem } from "../lib/records";
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

export function printProblems(io: CliIo, file: string, appKey: string, problems: MappingProblem[]) {
  for (const p of problems) {
    io.err(
      `${file}: provisioning.${appKey}.uploader.csv.columns["${p.attribute}"]: ${p.message}\n`,
    );
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
