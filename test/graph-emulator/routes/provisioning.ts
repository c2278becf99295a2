/**
 * Synchronization routes of the Graph emulator (provisioning reference sections 2 and 4), behaving
 * as the documentation says the service does: jobs are created from one of the service
 * principal's templates and start disabled; PUT schema replaces the whole schema and bumps its
 * version, DELETE resets it to the template's; PUT secrets replaces the whole collection; starting
 * a job without a notification address quarantines it (reference 2.4.1).
 *
 * Undocumented parts are stand-ins: the template schema (test/fixtures/provisioning) and the
 * filter operator spellings, which deliberately differ from the offline best-guess table, so a
 * test passes only if the deploy-time lookup is used.
 */
import * as fs from "fs";
import * as path from "path";
import { randomUUID } from "crypto";

export interface ProvisioningRequest {
  method: string;
  /** Path after the version segment, without the query: `/servicePrincipals/...`. */
  path: string;
  query: URLSearchParams;
  headers: Record<string, string | string[] | undefined>;
  body: unknown;
}

export interface ProvisioningResponse {
  status: number;
  body?: unknown;
}

type Json = Record<string, unknown>;

export interface EmulatedJob {
  job: Json & { id: string; templateId: string; schedule: { state: string }; status: Json };
  schema: Json;
}

export interface EmulatedServicePrincipal {
  templates: Json[];
  jobs: Map<string, EmulatedJob>;
  secrets: { key: string; value: string }[];
  /** Requests still to be answered 404 (replication delay after instantiate). */
  notReplicatedFor: number;
}

export interface ProvisioningState {
  servicePrincipals: Map<string, EmulatedServicePrincipal>;
  filterOperators: Json[];
}

const TEMPLATE_SCHEMA = path.join(
  __dirname,
  "..",
  "..",
  "fixtures",
  "provisioning",
  "api2aad-template-schema.json",
);

/** Spellings chosen to differ from BEST_GUESS_OPERATOR_NAMES except the documented EQUALS. */
const OPERATORS = [
  "EQUALS",
  "NOT_EQUALS",
  "IS_TRUE",
  "IS_FALSE",
  "IS_NULL",
  "IS_NOT_NULL",
  "REGEX_MATCH",
  "NOT_REGEX_MATCH",
  "GREATER_THAN",
  "GREATER_THAN_OR_EQUALS",
  "INCLUDES",
  "ENDS_WITH",
];

export function createProvisioningState(): ProvisioningState {
  return {
    servicePrincipals: new Map(),
    filterOperators: OPERATORS.map((name) => ({
      name,
      arity: name.startsWith("IS_") ? "Unary" : "Binary",
      multivaluedComparisonType: "All",
      supportedAttributeTypes: ["String", "Integer", "Boolean"],
    })),
  };
}

/** What instantiating the API-driven app leaves behind: a service principal with one template. */
export function addServicePrincipal(
  state: ProvisioningState,
  id: string,
  options: { templateIds?: string[]; notReplicatedFor?: number } = {},
): EmulatedServicePrincipal {
  const schema = JSON.parse(fs.readFileSync(TEMPLATE_SCHEMA, "utf8")) as Json;
  const sp: EmulatedServicePrincipal = {
    templates: (options.templateIds ?? ["API2AAD"]).map((templateId, i) => ({
      id: templateId,
      factoryTag: templateId,
      default: i === 0,
      schema,
    })),
    jobs: new Map(),
    secrets: [],
    notReplicatedFor: options.notReplicatedFor ?? 0,
  };
  state.servicePrincipals.set(id, sp);
  return sp;
}

const error = (status: number, code: string, message: string): ProvisioningResponse => ({
  status,
  body: { error: { code, message } },
});

export function handleProvisioning(
  state: ProvisioningState,
  request: ProvisioningRequest,
): ProvisioningResponse | undefined {
  const match = /^\/servicePrincipals\/([^/]+)\/synchronization(\/.*)?$/.exec(request.path);
  if (!match) return undefined;
  const [, spId, rest = ""] = match;
  const sp = state.servicePrincipals.get(spId);
  if (!sp) return error(404, "Request_ResourceNotFound", `service principal ${spId}`);
  if (sp.notReplicatedFor > 0) {
    sp.notReplicatedFor -= 1;
    return error(404, "Request_ResourceNotFound", `service principal ${spId} (replicating)`);
  }
  const { method } = request;
  const body = (request.body ?? {}) as Json;

  if (rest === "/templates" && method === "GET")
    return { status: 200, body: { value: sp.templates } };

  if (rest === "/secrets") {
    if (method === "GET") return { status: 200, body: { value: sp.secrets } };
    if (method === "PUT") {
      if (!Array.isArray(body.value)) return error(400, "BadRequest", "value must be a list");
      sp.secrets = structuredClone(body.value) as EmulatedServicePrincipal["secrets"];
      return { status: 204 };
    }
  }

  if (rest === "/jobs") {
    if (method === "GET")
      return { status: 200, body: { value: [...sp.jobs.values()].map((j) => j.job) } };
    if (method === "POST") {
      const template = sp.templates.find((t) => t.id === body.templateId);
      if (!template)
        return error(400, "BadRequest", `unknown templateId ${String(body.templateId)}`);
      const id = `${template.id}.${randomUUID().replace(/-/g, "")}.${randomUUID()}`;
      const job: EmulatedJob["job"] = {
        id,
        templateId: String(template.id),
        schedule: { expiration: null, interval: "PT40M", state: "Disabled" } as never,
        status: { code: "NotConfigured", quarantine: null },
        synchronizationJobSettings: [],
      };
      sp.jobs.set(id, { job, schema: { ...structuredClone(template.schema as Json), id } });
      return { status: 201, body: job };
    }
  }

  const jobMatch = /^\/jobs\/([^/]+)(\/.*)?$/.exec(rest);
  if (!jobMatch) return error(404, "NotFound", request.path);
  const [, jobId, action = ""] = jobMatch;
  const entry = sp.jobs.get(jobId);
  if (!entry) return error(404, "NotFound", `job ${jobId}`);

  if (action === "" && method === "GET") return { status: 200, body: entry.job };
  if (action === "" && method === "DELETE") {
    sp.jobs.delete(jobId);
    return { status: 204 };
  }
  if (action === "/start" && method === "POST") {
    const settings = sp.secrets.find((s) => s.key === "SyncNotificationSettings");
    const recipients = settings ? (JSON.parse(settings.value) as Json).Recipients : undefined;
    entry.job.schedule.state = "Active";
    entry.job.status = recipients
      ? { code: "NotRun", quarantine: null }
      : { code: "Quarantine", quarantine: { reason: "EncounteredQuarantineException" } };
    return { status: 204 };
  }
  if (action === "/pause" && method === "POST") {
    entry.job.schedule.state = "Paused";
    entry.job.status = { code: "Paused", quarantine: null };
    return { status: 204 };
  }
  if (action === "/schema") {
    if (method === "GET") return { status: 200, body: entry.schema };
    if (method === "PUT") {
      if (!Array.isArray(body.directories) || !Array.isArray(body.synchronizationRules)) {
        return error(400, "BadRequest", "a schema needs directories and synchronizationRules");
      }
      const version = Number(/Version:(\d+)/.exec(String(entry.schema.version))?.[1] ?? 0) + 1;
      entry.schema = { ...structuredClone(body), id: jobId, version: `Version:${version}` };
      return { status: 204 };
    }
    if (method === "DELETE") {
      const template = sp.templates.find((t) => t.id === entry.job.templateId)!;
      entry.schema = { ...structuredClone(template.schema as Json), id: jobId };
      return { status: 204 };
    }
  }
  if (action === "/schema/filterOperators" && method === "GET") {
    return { status: 200, body: { value: state.filterOperators } };
  }
  return error(405, "MethodNotAllowed", `${method} ${request.path}`);
}
