/**
 * What `inbound export` reads of a live tenant: the API-driven provisioning apps (service
 * principal, synchronization job, schema, secrets) and the Lifecycle Workflows objects. Only GETs
 * are sent. A read that fails is recorded where it failed and the rest is still read, so the spec
 * is written for what could be read and each gap is marked.
 */
import type { SynchronizationJob, SynchronizationSchema } from "@microsoft/microsoft-graph-types";
import { type GraphClient, PageTrail } from "../graph/client";
import { NotGraphAnswer } from "../graph/errors";
import { APPLICATION_TEMPLATE_NAMES, EXPECTED_TEMPLATE, syncPaths } from "../provisioning/graphApi";
import type { SecretPair } from "../provisioning/secrets";
import { LCW_PATH } from "../lifecycle/compile";

type GraphLike = Pick<GraphClient, "request">;
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

const LIFECYCLE_HEADERS = { Prefer: "include-unknown-enum-members" };
const API_TEMPLATES: readonly string[] = Object.values(EXPECTED_TEMPLATE);

/** Whether a job comes from an API-driven provisioning template (API2AAD, API2AD). */
export function isApiDrivenJob(job: Pick<SynchronizationJob, "templateId">): boolean {
  return API_TEMPLATES.includes(String(job.templateId ?? ""));
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

/** A GET whose failure is recorded in `failures` and answered with undefined. */
async function get<T>(
  client: GraphLike,
  failures: ReadFailure[],
  what: string,
  path: string,
  headers?: Record<string, string>,
): Promise<T | undefined> {
  try {
    return (await client.request<T>("GET", path, undefined, headers ? { headers } : {})) as T;
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

/** Every page of a collection (`@odata.nextLink` followed), or undefined when a page fails. */
async function list<T>(
  client: GraphLike,
  failures: ReadFailure[],
  what: string,
  path: string,
  headers?: Record<string, string>,
): Promise<{ value: T[] } | undefined> {
  const value: T[] = [];
  // The client's paging rules: a link back to an earlier page, or too many, stop the read.
  const trail = new PageTrail(path);
  let next: string | undefined = path;
  while (next) {
    const page = await get<unknown>(client, failures, what, next, headers);
    if (!page) return undefined;
    for (const item of trail.items<T>(page)) value.push(item);
    next = trail.next(page);
  }
  return { value };
}

const quoted = (value: string) => `'${value.replace(/'/g, "''")}'`;

/** The service principals made from the API-driven gallery templates, by id → display name. */
async function discoverServicePrincipals(
  client: GraphLike,
  failures: ReadFailure[],
): Promise<Map<string, Json>> {
  const found = new Map<string, Json>();
  for (const name of Object.values(APPLICATION_TEMPLATE_NAMES)) {
    const templates = await get<{ value?: Json[] }>(
      client,
      failures,
      `the gallery template "${name}"`,
      `/applicationTemplates?$filter=${encodeURIComponent(`displayName eq ${quoted(name)}`)}`,
    );
    for (const template of templates?.value ?? []) {
      // applicationTemplateId supports $filter eq
      // (https://learn.microsoft.com/en-us/graph/api/resources/serviceprincipal).
      const principals = await list<Json>(
        client,
        failures,
        `the service principals made from "${name}"`,
        `/servicePrincipals?$filter=${encodeURIComponent(`applicationTemplateId eq ${quoted(String(template.id))}`)}`,
      );
      for (const sp of principals?.value ?? []) {
        found.set(String(sp.id), { applicationTemplateId: template.id, ...sp });
      }
    }
  }
  return found;
}

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
      `/applications?$filter=${encodeURIComponent(`appId eq ${quoted(sp.appId)}`)}&$select=id,appId`,
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
    "the tenant's default domain (tenant.domain)",
    "/organization?$select=verifiedDomains",
  );
  const domains = (organization?.value?.[0]?.verifiedDomains ?? []) as Json[];
  const domain = domains.find((d) => d.isDefault) ?? domains[0];
  if (domain?.name) live.domain = String(domain.name);

  const asked = options.servicePrincipalIds ?? [];
  const principals = new Map<string, Json>();
  if (asked.length === 0) {
    for (const [id, sp] of await discoverServicePrincipals(client, failures)) {
      principals.set(id, sp);
    }
  } else {
    for (const id of asked) {
      const sp = await get<Json>(
        client,
        failures,
        `service principal ${id}`,
        `/servicePrincipals/${encodeURIComponent(id)}`,
      );
      if (sp) principals.set(id, sp);
    }
  }
  for (const [id, sp] of principals) {
    const displayName = String(sp.displayName ?? id);
    const jobs = await list<SynchronizationJob>(
      client,
      failures,
      `the synchronization jobs of "${displayName}"`,
      syncPaths.jobs(id),
    );
    if (!jobs) continue;
    const apiJobs = (jobs.value ?? []).filter(isApiDrivenJob);
    if (apiJobs.length === 0) {
      const templates = (jobs.value ?? []).map((j) => String(j.templateId));
      live.refused.push({
        servicePrincipalId: id,
        asked: asked.length > 0,
        reason: `service principal ${id} ("${displayName}") is not an API-driven provisioning app: ${
          templates.length
            ? `its synchronization jobs come from ${templates.join(", ")}`
            : "it has no synchronization job"
        }, not from ${API_TEMPLATES.join(" or ")}`,
      });
      continue;
    }
    for (const job of apiJobs) {
      live.apps.push(
        await readApp(client, sp, {
          ...job,
          id: String(job.id),
          templateId: String(job.templateId),
        }),
      );
    }
  }

  const workflows = await list<Json>(
    client,
    failures,
    "the lifecycle workflows",
    `${LCW_PATH}/workflows`,
    LIFECYCLE_HEADERS,
  );
  if (workflows) {
    live.workflows = [];
    for (const summary of workflows.value ?? []) {
      const wfFailures: ReadFailure[] = [];
      const id = encodeURIComponent(String(summary.id));
      const workflow =
        (await get<Json>(
          client,
          wfFailures,
          `workflow "${String(summary.displayName)}"`,
          `${LCW_PATH}/workflows/${id}`,
          LIFECYCLE_HEADERS,
        )) ?? summary;
      const tasks = await list<Json>(
        client,
        wfFailures,
        `the tasks of workflow "${String(summary.displayName)}"`,
        `${LCW_PATH}/workflows/${id}/tasks`,
        LIFECYCLE_HEADERS,
      );
      live.workflows.push({
        workflow,
        ...(tasks ? { tasks: tasks.value ?? [] } : {}),
        failures: wfFailures,
      });
    }
  }
  const extensions = await list<Json>(
    client,
    failures,
    "the custom task extensions",
    `${LCW_PATH}/customTaskExtensions`,
    LIFECYCLE_HEADERS,
  );
  if (extensions) live.extensions = extensions.value ?? [];
  const settings = await get<Json>(
    client,
    failures,
    "the Lifecycle Workflows settings",
    `${LCW_PATH}/settings`,
    LIFECYCLE_HEADERS,
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
      `${LCW_PATH}/taskDefinitions`,
      LIFECYCLE_HEADERS,
    );
    if (definitions) live.taskDefinitions = definitions.value ?? [];
  }
  for (const id of needs.groupIds) {
    if (id in live.groupNames) continue;
    const group = await get<Json>(
      client,
      live.failures,
      `the display name of group ${id}`,
      `/groups/${encodeURIComponent(id)}?$select=id,displayName`,
    );
    if (group?.displayName) live.groupNames[id] = String(group.displayName);
  }
}
