/**
 * What `inbound export` reads of a live tenant: the API-driven provisioning apps (service
 * principal, synchronization job, schema, secrets) and the Lifecycle Workflows objects. Only GETs
 * are sent. A read that fails is recorded where it failed and the rest is still read, so the spec
 * is written for what could be read and each gap is marked. The apps, their jobs and the
 * lifecycle objects are found, and every page read, through lib/tenant, as every command does.
 */
import type { SynchronizationJob, SynchronizationSchema } from "@microsoft/microsoft-graph-types";
import { syncPaths } from "../provisioning/graphApi";
import { NotGraphAnswer } from "../graph/errors";
import type { SecretPair } from "../provisioning/secrets";
import {
  API_DRIVEN_TEMPLATES,
  apiDrivenPrincipals,
  filterEq,
  groupPath,
  isApiDrivenJob,
  LIFECYCLE_READ,
  lifecyclePaths,
  withJobs,
  type AppCandidate,
  type GraphLike,
} from "../tenant";
export type Json = Record<string, unknown>;

/** One read that failed: what it was for, the request, and Graph's answer. */
export interface ReadFailure {
  what: string;
  request: string;
  status?: number;
  message: string;
}

export interface LiveApp {
  servicePrincipalId: string;
  displayName: string;
  /** The gallery template the app was made from, and its application's object id: the import id. */
  applicationTemplateId?: string;
  applicationObjectId?: string;
  job: SynchronizationJob & { id: string; templateId: string };
  schema?: SynchronizationSchema;
  secrets?: SecretPair[];
  failures: ReadFailure[];
}

export interface LiveWorkflow {
  workflow: Json;
  /** Undefined when the tasks could not be read. */
  tasks?: Json[];
  failures: ReadFailure[];
}

export interface LiveTenant {
  tenantId: string;
  /** The tenant's default verified domain, when /organization could be read. */
  domain?: string;
  /** The organization's display name, when /organization could be read. */
  organization?: string;
  apps: LiveApp[];
  /**
   * Service principals without a job from an API-driven template: asked for with --app (an
   * error), or found from the gallery template with provisioning never configured (a note).
   */
  refused: { servicePrincipalId: string; reason: string; asked: boolean }[];
  workflows?: LiveWorkflow[];
  extensions?: Json[];
  settings?: Json;
  /** GET /taskDefinitions, read only when a task's definition is not in the catalog. */
  taskDefinitions?: Json[];
  /** Display names of the groups and teams workflows refer to, by object id. */
  groupNames: Record<string, string>;
  failures: ReadFailure[];
}

function failureOf(what: string, request: string, error: unknown): ReadFailure {
  const e = error as { status?: number; graphMessage?: string; message?: string };
  return {
    what,
    request,
    ...(e.status !== undefined ? { status: e.status } : {}),
    message: e.graphMessage ?? e.message ?? String(error),
  };
}

/**
 * A read whose failure is recorded in `failures` and answered with undefined. Tokens for another
 * tenant and sign-in failures (no status) stop the export: nothing could be read.
 */
async function attempt<T>(
  failures: ReadFailure[],
  what: string,
  path: string,
  read: () => Promise<T>,
): Promise<T | undefined> {
  try {
    return await read();
  } catch (error) {
    // Tokens for another tenant and sign-in failures stop the export: nothing could be read. So
    // does an answer that is not Graph's (a proxy's page): read as empty, it became a spec.
    if ((error as { status?: number }).status === undefined || error instanceof NotGraphAnswer) {
      throw error;
    }
    failures.push(failureOf(what, `GET ${path}`, error));
    return undefined;
  }
}

/** One GET, its failure recorded. */
const get = <T>(
  client: GraphLike,
  failures: ReadFailure[],
  what: string,
  path: string,
  options: typeof LIFECYCLE_READ | object = {},
) =>
  attempt(
    failures,
    what,
    path,
    async () => (await client.request<T>("GET", path, undefined, options)) as T,
  );

/** Every page of a collection (the client follows `@odata.nextLink`), its failure recorded. */
const list = <T>(
  client: GraphLike,
  failures: ReadFailure[],
  what: string,
  path: string,
  options?: typeof LIFECYCLE_READ,
) => attempt(failures, what, path, () => client.getAllPages<T>(path, options));

async function readApp(
  client: GraphLike,
  sp: Json,
  job: SynchronizationJob & { id: string; templateId: string },
): Promise<LiveApp> {
  const failures: ReadFailure[] = [];
  const servicePrincipalId = String(sp.id);
  const displayName = String(sp.displayName ?? sp.id);
  let applicationObjectId: string | undefined;
  if (typeof sp.appId === "string") {
    const applications = await get<{ value?: Json[] }>(
      client,
      failures,
      "the application object (for adopting the app)",
      `/applications?${filterEq("appId", sp.appId)}&$select=id,appId`,
    );
    const id = applications?.value?.[0]?.id;
    if (id) applicationObjectId = String(id);
  }
  const schema = await get<SynchronizationSchema>(
    client,
    failures,
    "the synchronization schema (mappings, scope, matching, target object actions, custom attributes)",
    syncPaths.schema(servicePrincipalId, job.id),
  );
  const secrets = await get<{ value?: { key?: string; value?: unknown }[] }>(
    client,
    failures,
    "the synchronization secrets (notification email, deletion threshold, AD domain and OU)",
    syncPaths.secrets(servicePrincipalId),
  );
  return {
    servicePrincipalId,
    displayName,
    ...(typeof sp.applicationTemplateId === "string"
      ? { applicationTemplateId: sp.applicationTemplateId }
      : {}),
    ...(applicationObjectId ? { applicationObjectId } : {}),
    job,
    ...(schema ? { schema } : {}),
    ...(secrets
      ? {
          secrets: (secrets.value ?? []).map((s) => ({
            key: String(s.key ?? ""),
            value: String(s.value ?? ""),
          })),
        }
      : {}),
    failures,
  };
}

export interface ReadOptions {
  tenantId: string;
  /** Service principal ids to export; all API-driven apps of the tenant when empty. */
  servicePrincipalIds?: readonly string[];
}

/** Reads everything export needs. Throws only when nothing can be read (sign-in, tenant). */
export async function readTenant(client: GraphLike, options: ReadOptions): Promise<LiveTenant> {
  const failures: ReadFailure[] = [];
  const live: LiveTenant = {
    tenantId: options.tenantId,
    apps: [],
    refused: [],
    groupNames: {},
    failures,
  };

  const organization = await get<{ value?: Json[] }>(
    client,
    failures,
    "the tenant's organization (tenant.name and tenant.domain)",
    "/organization?$select=displayName,verifiedDomains",
  );
  const displayName = organization?.value?.[0]?.displayName;
  if (typeof displayName === "string" && displayName.trim()) live.organization = displayName;
  const domains = (organization?.value?.[0]?.verifiedDomains ?? []) as Json[];
  const domain = domains.find((d) => d.isDefault) ?? domains[0];
  if (domain?.name) live.domain = String(domain.name);

  const asked = options.servicePrincipalIds ?? [];
  const principals: Json[] = [];
  if (asked.length === 0) {
    const found = await attempt(
      failures,
      "the API-driven provisioning apps (the service principals made from their gallery templates)",
      "/servicePrincipals",
      () => apiDrivenPrincipals(client),
    );
    principals.push(...(found ?? []));
  } else {
    for (const id of asked) {
      const sp = await get<Json>(
        client,
        failures,
        `service principal ${id}`,
        `/servicePrincipals/${encodeURIComponent(id)}`,
      );
      if (sp) principals.push(sp);
    }
  }
  for (const sp of principals) {
    const id = String(sp.id);
    const candidate: AppCandidate | undefined = await attempt(
      failures,
      `the synchronization jobs of "${String(sp.displayName ?? id)}"`,
      syncPaths.jobs(id),
      () => withJobs(client, sp),
    );
    if (!candidate) continue;
    const apiJobs = candidate.jobs.filter(isApiDrivenJob);
    if (apiJobs.length === 0) {
      const templates = candidate.jobs.map((j) => j.templateId);
      live.refused.push({
        servicePrincipalId: id,
        asked: asked.length > 0,
        reason: `service principal ${id} ("${candidate.displayName}") is not an API-driven provisioning app: ${
          templates.length
            ? `its synchronization jobs come from ${templates.join(", ")}`
            : "it has no synchronization job"
        }, not from ${API_DRIVEN_TEMPLATES.join(" or ")}`,
      });
      continue;
    }
    for (const { id: jobId, templateId, job } of apiJobs) {
      live.apps.push(
        await readApp(client, sp, { ...(job as SynchronizationJob), id: jobId, templateId }),
      );
    }
  }

  const workflows = await list<Json>(
    client,
    failures,
    "the lifecycle workflows",
    lifecyclePaths.workflows,
    LIFECYCLE_READ,
  );
  if (workflows) {
    live.workflows = [];
    for (const summary of workflows) {
      const wfFailures: ReadFailure[] = [];
      const id = String(summary.id);
      const workflow =
        (await get<Json>(
          client,
          wfFailures,
          `workflow "${String(summary.displayName)}"`,
          lifecyclePaths.workflow(id),
          LIFECYCLE_READ,
        )) ?? summary;
      const tasks = await list<Json>(
        client,
        wfFailures,
        `the tasks of workflow "${String(summary.displayName)}"`,
        lifecyclePaths.tasks(id),
        LIFECYCLE_READ,
      );
      live.workflows.push({ workflow, ...(tasks ? { tasks } : {}), failures: wfFailures });
    }
  }
  const extensions = await list<Json>(
    client,
    failures,
    "the custom task extensions",
    lifecyclePaths.customTaskExtensions,
    LIFECYCLE_READ,
  );
  if (extensions) live.extensions = extensions;
  const settings = await get<Json>(
    client,
    failures,
    "the Lifecycle Workflows settings",
    lifecyclePaths.settings,
    LIFECYCLE_READ,
  );
  if (settings) live.settings = settings;
  return live;
}

/** Reads the task definitions (once) and the display names of the groups tasks refer to. */
export async function readReferences(
  client: GraphLike,
  live: LiveTenant,
  needs: { taskDefinitions: boolean; groupIds: readonly string[] },
): Promise<void> {
  if (needs.taskDefinitions && !live.taskDefinitions) {
    const definitions = await list<Json>(
      client,
      live.failures,
      "the task definitions",
      lifecyclePaths.taskDefinitions,
      LIFECYCLE_READ,
    );
    if (definitions) live.taskDefinitions = definitions;
  }
  for (const id of needs.groupIds) {
    if (id in live.groupNames) continue;
    const group = await get<Json>(
      client,
      live.failures,
      `the display name of group ${id}`,
      groupPath(id),
    );
    if (group?.displayName) live.groupNames[id] = String(group.displayName);
  }
}
