/**
 * Finding a live API-driven provisioning app: its service principal (by display name, appId or
 * object id) and its synchronization job (by template). Every command and the deployed uploader
 * reach an app this way, so none of them can pick a gallery app that shares the display name
 * ("Contoso HR" the Workday app and "Contoso HR" the API-driven one) or miss one on a later page.
 * Reads only: service principals and their jobs need Application.Read.All and
 * Synchronization.Read.All
 * (https://learn.microsoft.com/en-us/entra/identity/app-provisioning/inbound-provisioning-api-grant-access).
 */
import type { GraphClient } from "../graph/client";
import { GraphRequestError } from "../graph/errors";
import { APPLICATION_TEMPLATE_NAMES, EXPECTED_TEMPLATE, syncPaths } from "../provisioning/graphApi";
import type { ProvisioningApp } from "../model/schema";
import { filterEq } from "./odata";

export type GraphLike = Pick<GraphClient, "request" | "getAllPages">;
type Json = Record<string, unknown>;

/** The synchronization templates of API-driven inbound provisioning (API2AAD, API2AD). */
export const API_DRIVEN_TEMPLATES: readonly string[] = Object.values(EXPECTED_TEMPLATE);

const sameTemplate = (a: unknown, b: string) => String(a ?? "").toLowerCase() === b.toLowerCase();

/** Whether a job comes from an API-driven provisioning template. */
export function isApiDrivenJob(job: { templateId?: string | null }): boolean {
  return API_DRIVEN_TEMPLATES.some((t) => sameTemplate(job.templateId, t));
}

/** The job template a spec's app is made from: the spec's pin, else its target's. */
export const expectedTemplate = (
  app: Pick<ProvisioningApp, "synchronizationTemplateId" | "target">,
): string => app.synchronizationTemplateId ?? EXPECTED_TEMPLATE[app.target];

/** Which service principals to look at. */
export type AppQuery = { displayName: string } | { appId: string } | { servicePrincipalId: string };

/** A service principal the query named, with every synchronization job it has. */
export interface AppCandidate {
  servicePrincipalId: string;
  displayName: string;
  /** The service principal as Graph returned it. */
  principal: Json;
  jobs: { id: string; templateId: string; job: Json }[];
}

/** One API-driven provisioning app: the service principal and its job. */
export interface LiveApp {
  servicePrincipalId: string;
  displayName: string;
  jobId: string;
  templateId: string;
}

/** A lookup that found no app or several: the message lists every candidate. */
export class AppLookupError extends Error {
  constructor(
    message: string,
    readonly candidates: AppCandidate[],
  ) {
    super(message);
    this.name = "AppLookupError";
  }
}

/** The query's service principal as one candidate, with its jobs (every page). */
export async function withJobs(client: GraphLike, principal: Json): Promise<AppCandidate> {
  const servicePrincipalId = String(principal.id);
  const jobs = await client.getAllPages<Json>(syncPaths.jobs(servicePrincipalId));
  return {
    servicePrincipalId,
    displayName: String(principal.displayName ?? servicePrincipalId),
    principal,
    jobs: jobs.map((job) => ({ id: String(job.id), templateId: String(job.templateId), job })),
  };
}

/**
 * The service principals the query names, every page read: none when an id is not found.
 * `select` narrows the properties read ($select).
 */
export async function servicePrincipals(
  client: GraphLike,
  query: AppQuery,
  select?: string,
): Promise<Json[]> {
  const selected = select ? `$select=${select}` : "";
  if ("servicePrincipalId" in query) {
    try {
      const path = `/servicePrincipals/${encodeURIComponent(query.servicePrincipalId)}`;
      const principal = await client.request<Json>("GET", selected ? `${path}?${selected}` : path);
      return principal ? [principal] : [];
    } catch (error) {
      if (error instanceof GraphRequestError && error.status === 404) return [];
      throw error;
    }
  }
  const [property, value] =
    "appId" in query ? ["appId", query.appId] : ["displayName", query.displayName];
  const filter = filterEq(property, value);
  return client.getAllPages<Json>(`/servicePrincipals?${filter}${selected ? `&${selected}` : ""}`);
}

/** The service principals the query names (every page) and their jobs. */
export async function appCandidates(client: GraphLike, query: AppQuery): Promise<AppCandidate[]> {
  const candidates: AppCandidate[] = [];
  for (const principal of await servicePrincipals(client, query, "id,displayName")) {
    candidates.push(await withJobs(client, principal));
  }
  return candidates;
}

const named = (query: AppQuery) =>
  "displayName" in query
    ? `named ${JSON.stringify(query.displayName)}`
    : "appId" in query
      ? `with appId ${query.appId}`
      : query.servicePrincipalId;

/** `service principal <id> ("<name>"): job <id> from template <t>`, for messages. */
export function describeCandidate(candidate: AppCandidate): string {
  const jobs = candidate.jobs.length
    ? candidate.jobs.map((j) => `job ${j.id} from template ${j.templateId}`).join(", ")
    : "no synchronization job";
  return `service principal ${candidate.servicePrincipalId} (${JSON.stringify(candidate.displayName)}): ${jobs}`;
}

/** The jobs of the candidates made from one of `templates`. */
export function appsFrom(candidates: AppCandidate[], templates: readonly string[]): LiveApp[] {
  return candidates.flatMap((c) =>
    c.jobs
      .filter((j) => templates.some((t) => sameTemplate(j.templateId, t)))
      .map((j) => ({
        servicePrincipalId: c.servicePrincipalId,
        displayName: c.displayName,
        jobId: j.id,
        templateId: j.templateId,
      })),
  );
}

/**
 * The one app the query names with a job from one of `templates`; undefined when there is none.
 * Several are an AppLookupError listing them: which one is meant cannot be told.
 */
export async function findProvisioningApp(
  client: GraphLike,
  query: AppQuery,
  templates: readonly string[] = API_DRIVEN_TEMPLATES,
): Promise<{ app?: LiveApp; candidates: AppCandidate[] }> {
  const candidates = await appCandidates(client, query);
  const found = appsFrom(candidates, templates);
  if (found.length > 1) {
    const hint =
      "displayName" in query
        ? "give the apps distinct display names"
        : "remove the extra job or name the job";
    throw new AppLookupError(
      `${found.length} provisioning jobs from template ${templates.join(" or ")} belong to service principals ${named(query)}: ${found
        .map((f) => `service principal ${f.servicePrincipalId} job ${f.jobId} (${f.templateId})`)
        .join(", ")}; ${hint}`,
      candidates,
    );
  }
  return { app: found[0], candidates };
}

/** As findProvisioningApp, and none is an AppLookupError too, listing what was found instead. */
export async function resolveProvisioningApp(
  client: GraphLike,
  query: AppQuery,
  templates: readonly string[] = API_DRIVEN_TEMPLATES,
): Promise<LiveApp> {
  const { app, candidates } = await findProvisioningApp(client, query, templates);
  if (app) return app;
  if ("servicePrincipalId" in query && candidates.length === 0) {
    throw new AppLookupError(`service principal ${query.servicePrincipalId} does not exist`, []);
  }
  const what =
    "servicePrincipalId" in query
      ? `service principal ${query.servicePrincipalId} has no provisioning job`
      : `no service principal ${named(query)} has a provisioning job`;
  const found = candidates.length
    ? `; found ${candidates.map(describeCandidate).join("; ")}`
    : "; there is no such service principal";
  throw new AppLookupError(`${what} from template ${templates.join(" or ")}${found}`, candidates);
}

/** The spec's app in the tenant: by its display name, with a job from its template. */
export const findSpecApp = (
  client: GraphLike,
  app: Pick<ProvisioningApp, "displayName" | "synchronizationTemplateId" | "target">,
) => findProvisioningApp(client, { displayName: app.displayName }, [expectedTemplate(app)]);

/** As findSpecApp; none is an error too. */
export const resolveSpecApp = (
  client: GraphLike,
  app: Pick<ProvisioningApp, "displayName" | "synchronizationTemplateId" | "target">,
) => resolveProvisioningApp(client, { displayName: app.displayName }, [expectedTemplate(app)]);

/** The gallery templates of API-driven provisioning in this tenant: their ids by display name. */
export async function apiDrivenApplicationTemplates(
  client: GraphLike,
): Promise<Map<string, string[]>> {
  const found = new Map<string, string[]>();
  for (const name of Object.values(APPLICATION_TEMPLATE_NAMES)) {
    const templates = await client.getAllPages<Json>(
      `/applicationTemplates?${filterEq("displayName", name)}`,
    );
    found.set(
      name,
      templates.map((t) => String(t.id)),
    );
  }
  return found;
}

/**
 * Every service principal made from an API-driven gallery template, with the template's id as
 * `applicationTemplateId` (which supports $filter eq:
 * https://learn.microsoft.com/en-us/graph/api/resources/serviceprincipal). Whether each has an
 * API-driven job is for withJobs to tell.
 */
export async function apiDrivenPrincipals(client: GraphLike): Promise<Json[]> {
  const found = new Map<string, Json>();
  for (const ids of (await apiDrivenApplicationTemplates(client)).values()) {
    for (const templateId of ids) {
      const principals = await client.getAllPages<Json>(
        `/servicePrincipals?${filterEq("applicationTemplateId", templateId)}`,
      );
      for (const sp of principals) {
        found.set(String(sp.id), { applicationTemplateId: templateId, ...sp });
      }
    }
  }
  return [...found.values()];
}
