/**
 * The Graph calls of one API-driven provisioning app (its synchronization job and schema:
 * https://learn.microsoft.com/en-us/graph/api/resources/synchronization-synchronizationjob and
 * https://learn.microsoft.com/en-us/graph/api/resources/synchronization-synchronizationschema),
 * written against the small client interface lib/graph provides. No Pulumi here: the dynamic
 * providers in components/graph/ call these.
 */
import type {
  AttributeMappingSource,
  ParseExpressionResponse,
  SynchronizationJob,
  SynchronizationSchema,
  SynchronizationSecret,
  SynchronizationSecretKeyStringValuePair,
  SynchronizationTemplate,
} from "@microsoft/microsoft-graph-types";
import type { GraphClient } from "../graph/client";
import { suggest } from "../model/diagnostics";
import { graphExpressionText, sourceShape } from "../expressions/graph";
import { resolveOperatorNames, type OperatorEntry, type OperatorNames } from "./operators";
import {
  compileManaged,
  diffManaged,
  extractManaged,
  normalizeManaged,
  operatorsUsed,
  type ManagedSchema,
} from "./managed";
import {
  compileSchema,
  defaultExpressionCompiler,
  type ExpressionCompiler,
  type SchemaSpec,
  apiSourceRule,
  unknownTargetAttributes,
} from "./schema";
import { secretsToWrite, type SecretPair } from "./secrets";

/** Only `request` is used, so a recording client (inbound plan) needs nothing more. */
type GraphLike = Pick<GraphClient, "request">;

export const syncPaths = {
  templates: (sp: string) => `/servicePrincipals/${sp}/synchronization/templates`,
  jobs: (sp: string) => `/servicePrincipals/${sp}/synchronization/jobs`,
  job: (sp: string, job: string) => `/servicePrincipals/${sp}/synchronization/jobs/${job}`,
  schema: (sp: string, job: string) => `${syncPaths.job(sp, job)}/schema`,
  filterOperators: (sp: string, job: string) => `${syncPaths.job(sp, job)}/schema/filterOperators`,
  parseExpression: (sp: string, job: string) => `${syncPaths.job(sp, job)}/schema/parseExpression`,
  start: (sp: string, job: string) => `${syncPaths.job(sp, job)}/start`,
  pause: (sp: string, job: string) => `${syncPaths.job(sp, job)}/pause`,
  bulkUpload: (sp: string, job: string) => `${syncPaths.job(sp, job)}/bulkUpload`,
  secrets: (sp: string) => `/servicePrincipals/${sp}/synchronization/secrets`,
};

/** The gallery templates of API-driven provisioning, looked up by display name. */
export const APPLICATION_TEMPLATE_NAMES = {
  entra: "API-driven provisioning to Microsoft Entra ID",
  activeDirectory: "API-driven provisioning to on-premises Active Directory",
} as const;

/** The uploader's Graph app roles: it posts to /bulkUpload and reads the provisioning logs. */
export const UPLOADER_ROLES = ["SynchronizationData-User.Upload", "ProvisioningLog.Read.All"];

/**
 * The job template prefix each target's job ids are observed to carry (undocumented: it is seen in
 * the example job ids of
 * https://learn.microsoft.com/en-us/graph/api/synchronization-synchronizationjob-post-bulkupload
 * and of Microsoft's CSV2SCIMBulkUpload Logic App sample).
 */
export const EXPECTED_TEMPLATE = { entra: "API2AAD", activeDirectory: "API2AD" } as const;

const isNotFound = (error: unknown) =>
  (error as { status?: number; statusCode?: number }).status === 404 ||
  (error as { statusCode?: number }).statusCode === 404;

/**
 * Picks the synchronization template (the API-driven templates' ids are undocumented; `default` is
 * https://learn.microsoft.com/en-us/graph/api/resources/synchronization-synchronizationtemplate):
 * the only one, else the one marked `default`, else the one whose id is the expected name. Anything
 * else is an error listing them.
 */
export function chooseTemplateId(
  templates: readonly Pick<SynchronizationTemplate, "id" | "default">[],
  expected: string,
): string {
  const ids = templates.map((t) => t.id).filter((id): id is string => !!id);
  if (ids.length === 1) return ids[0];
  const defaults = templates.filter((t) => t.default && t.id);
  if (defaults.length === 1) return defaults[0].id!;
  if (ids.includes(expected)) return expected;
  throw new Error(
    `cannot choose a synchronization template: the service principal offers ${
      ids.length ? ids.join(", ") : "none"
    }; set synchronizationTemplateId in the spec`,
  );
}

export async function discoverTemplateId(
  client: GraphLike,
  servicePrincipalId: string,
  expected: string,
): Promise<string> {
  // Right after instantiate the service principal may not have replicated yet (how long is
  // undocumented).
  const page = await client.request<{ value: SynchronizationTemplate[] }>(
    "GET",
    syncPaths.templates(servicePrincipalId),
    undefined,
    { retryNotFound: true },
  );
  return chooseTemplateId(page?.value ?? [], expected);
}

/**
 * Creates the job, or adopts the one the service principal already has from the same template:
 * the service principal is this stack's own (instantiated by it), so such a job can only be left
 * from a create whose answer was lost (a crash, a dropped connection after Graph acted), and a
 * second job next to it would compete for the same /bulkUpload data.
 */
export async function createJob(
  client: GraphLike,
  servicePrincipalId: string,
  templateId: string,
): Promise<SynchronizationJob & { id: string }> {
  const existing = await client.request<{ value?: SynchronizationJob[] }>(
    "GET",
    syncPaths.jobs(servicePrincipalId),
    undefined,
    { retryNotFound: true },
  );
  const adopted = (existing?.value ?? []).find((j) => j.templateId === templateId && j.id);
  if (adopted) return { ...adopted, id: adopted.id! };
  const body: Pick<SynchronizationJob, "templateId"> = { templateId };
  const job = await client.request<SynchronizationJob>(
    "POST",
    syncPaths.jobs(servicePrincipalId),
    body,
    { retryNotFound: true },
  );
  if (!job?.id) throw new Error(`Graph created a synchronization job without an id`);
  return { ...job, id: job.id };
}

/** The job, or undefined when it no longer exists. */
export async function getJob(
  client: GraphLike,
  servicePrincipalId: string,
  jobId: string,
): Promise<SynchronizationJob | undefined> {
  try {
    return await client.request<SynchronizationJob>(
      "GET",
      syncPaths.job(servicePrincipalId, jobId),
    );
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw error;
  }
}

/** Deletes, treating an already-gone object as deleted. */
export async function deleteIfPresent(client: GraphLike, path: string): Promise<void> {
  try {
    await client.request("DELETE", path);
  } catch (error) {
    if (!isNotFound(error)) throw error;
  }
}

export interface AppliedSchema {
  /** The managed part as sent (Graph's parsed trees), normalised. */
  managed: ManagedSchema;
  /** The operator names used, as the job's filterOperators spells them. */
  operatorNames: OperatorNames;
  /**
   * Mappings whose tree from Graph's parseExpression differs from the offline compiler's in more
   * than parameter keys: what is deployed is Graph's, what `inbound plan` and `validate` show is
   * the offline one. For the provider to log; not part of the resource's state.
   */
  warnings: string[];
}

/** What Graph's parseExpression answers (parseExpressionResponse). */
type ParseExpressionAnswer = Pick<
  ParseExpressionResponse,
  "parsingSucceeded" | "parsedExpression" | "error"
>;

/**
 * The attributeMappingSource of each distinct mapping expression, as Graph parses it
 * (https://learn.microsoft.com/en-us/graph/api/synchronization-synchronizationschema-parseexpression):
 * Graph keys the parameters of the trees it stores its own way (`Replace` → `source`, `Find`,
 * `Replacement`), which the function reference does not document for every function, so the tree
 * the engine runs is the one Graph builds. One call per distinct text, one at a time: a schema
 * has tens of mappings, and sequential calls stay far inside Graph's throttling limits while the
 * client retries any 429 like every call. Keyed by the spec's expression text.
 */
async function parseMappingExpressions(
  client: GraphLike,
  servicePrincipalId: string,
  jobId: string,
  app: SchemaSpec,
  appKey: string,
): Promise<Map<string, AttributeMappingSource>> {
  const urn = app.scimExtension?.urn;
  // Graph text → the targets using it (for error messages), in the spec's (sorted) order.
  const targetsOf = new Map<string, string[]>();
  const textOf = new Map<string, string>();
  for (const target of Object.keys(app.mappings).sort()) {
    const mapping = app.mappings[target];
    const expression = typeof mapping === "string" ? mapping : mapping.expression;
    if (expression === undefined) continue;
    let text: string;
    try {
      text = graphExpressionText(expression, urn);
    } catch (error) {
      throw new Error(`provisioning.${appKey}.mappings.${target}: ${(error as Error).message}`);
    }
    textOf.set(expression, text);
    targetsOf.set(text, [...(targetsOf.get(text) ?? []), target]);
  }
  const parsed = new Map<string, AttributeMappingSource>();
  for (const [text, targets] of targetsOf) {
    const body: { expression: string } = { expression: text };
    const answer = await client.request<ParseExpressionAnswer>(
      "POST",
      syncPaths.parseExpression(servicePrincipalId, jobId),
      body,
    );
    if (!answer?.parsingSucceeded || !answer.parsedExpression) {
      const why = answer?.error?.message ?? answer?.error?.code ?? "no reason given";
      throw new Error(
        `provisioning.${appKey}.mappings.${targets.join(", ")}: Graph could not parse the expression ${JSON.stringify(text)}: ${why}`,
      );
    }
    parsed.set(text, answer.parsedExpression);
  }
  const byExpression = new Map<string, AttributeMappingSource>();
  for (const [expression, text] of textOf) byExpression.set(expression, parsed.get(text)!);
  return byExpression;
}

/**
 * Where Graph's tree and the offline compiler's differ in more than parameter keys: the plan
 * and the evaluator describe the offline tree, so a difference is worth a warning. Not an error:
 * Graph's tree is the authority on what the engine runs.
 */
function treeDifferences(
  app: SchemaSpec,
  appKey: string,
  graphTrees: Map<string, AttributeMappingSource>,
): string[] {
  const offline = defaultExpressionCompiler();
  const warnings: string[] = [];
  for (const target of Object.keys(app.mappings).sort()) {
    const mapping = app.mappings[target];
    const expression = typeof mapping === "string" ? mapping : mapping.expression;
    const tree = expression === undefined ? undefined : graphTrees.get(expression);
    if (!tree || expression === undefined) continue;
    const mine = offline.toSource(expression, app.scimExtension?.urn);
    if (JSON.stringify(sourceShape(mine)) !== JSON.stringify(sourceShape(tree))) {
      warnings.push(
        `provisioning.${appKey}.mappings.${target}: Graph parses ${JSON.stringify(tree.expression ?? expression)} ` +
          `into a different tree than the offline compiler (Graph: ${JSON.stringify(sourceShape(tree))}; ` +
          `offline: ${JSON.stringify(sourceShape(mine))}). Graph's tree is deployed; ` +
          "`inbound plan` and `inbound validate` describe the offline one",
      );
    }
  }
  return warnings;
}

/** The schema `applySchema` PUTs, built without writing anything. */
export interface BuiltSchema {
  /** The live schema it was built from. */
  current: SynchronizationSchema;
  /** The whole schema to PUT: `current` with the spec's part compiled into it. */
  schema: SynchronizationSchema;
  operatorNames: OperatorNames;
  /** See AppliedSchema.warnings. */
  warnings: string[];
}

/**
 * GET schema and filterOperators, have Graph parse the mapping expressions and compile the spec's
 * part into the live schema. Sends no write (parseExpression is a POST that changes nothing), so
 * `inbound drift` builds what a deploy would send with the deploy's own code.
 */
export async function buildSchema(
  client: GraphLike,
  servicePrincipalId: string,
  jobId: string,
  app: SchemaSpec,
  appKey: string,
): Promise<BuiltSchema> {
  const current = await client.request<SynchronizationSchema>(
    "GET",
    syncPaths.schema(servicePrincipalId, jobId),
    undefined,
    { retryNotFound: true },
  );
  if (!current) throw new Error(`GET ${syncPaths.schema(servicePrincipalId, jobId)} was empty`);
  const used = operatorsUsed(app);
  let operatorNames: OperatorNames = {};
  if (used.length > 0) {
    const operators = await client.request<{ value: OperatorEntry[] }>(
      "GET",
      syncPaths.filterOperators(servicePrincipalId, jobId),
    );
    operatorNames = resolveOperatorNames(operators?.value ?? [], used);
  }
  // Checked offline first, so a spec error is reported before anything is asked of Graph.
  compileManaged(app, operatorNames, appKey);
  const unknown = unknownTargetAttributes(current, app);
  if (unknown.length > 0) {
    const rule = apiSourceRule(current);
    throw new Error(
      unknown
        .map(({ target, known }) => {
          const hint = suggest(target, known);
          return `provisioning.${appKey}.mappings.${target}: this job's target directory "${rule.targetDirectoryName}" has no attribute "${target}"${hint ? `; did you mean "${hint}"?` : ""}`;
        })
        .join("\n"),
    );
  }
  const trees = await parseMappingExpressions(client, servicePrincipalId, jobId, app, appKey);
  const offline = defaultExpressionCompiler();
  const compiler: ExpressionCompiler = {
    toSource: (text) => {
      const tree = trees.get(text);
      if (!tree) throw new Error(`no tree was parsed for ${JSON.stringify(text)}`);
      return tree;
    },
    canonicalName: offline.canonicalName,
  };
  const schema: SynchronizationSchema = compileSchema(current, app, { operatorNames, compiler });
  return { current, schema, operatorNames, warnings: treeDifferences(app, appKey, trees) };
}

/**
 * `buildSchema`, then PUT the whole schema
 * (https://learn.microsoft.com/en-us/graph/api/synchronization-synchronizationschema-update).
 */
export async function applySchema(
  client: GraphLike,
  servicePrincipalId: string,
  jobId: string,
  app: SchemaSpec,
  appKey: string,
): Promise<AppliedSchema> {
  const built = await buildSchema(client, servicePrincipalId, jobId, app, appKey);
  // A schema that already holds the spec's part (an adopted app, a re-run) is not written again:
  // the PUT would change nothing but the schema's version. The comparison is drift's.
  if (diffManaged(extractManaged(built.current), extractManaged(built.schema)).length > 0) {
    await client.request("PUT", syncPaths.schema(servicePrincipalId, jobId), built.schema);
  }
  return {
    managed: managedPartOf(built.schema),
    operatorNames: built.operatorNames,
    warnings: built.warnings,
  };
}

/** The spec's part of a whole schema, normalised: what the schema resource stores and reads. */
export function managedPartOf(schema: SynchronizationSchema): ManagedSchema {
  return normalizeManaged(extractManaged(schema));
}

/** The live managed part, normalised; undefined when the job is gone. */
export async function readManaged(
  client: GraphLike,
  servicePrincipalId: string,
  jobId: string,
): Promise<ManagedSchema | undefined> {
  try {
    const live = await client.request<SynchronizationSchema>(
      "GET",
      syncPaths.schema(servicePrincipalId, jobId),
    );
    return live ? managedPartOf(live) : undefined;
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw error;
  }
}

/**
 * The live secrets. `justCreated`: the service principal was instantiated moments ago, so a 404
 * is replication delay and retried; otherwise it means the service principal is gone.
 */
export async function readSecrets(
  client: GraphLike,
  servicePrincipalId: string,
  justCreated = false,
) {
  const page = await client.request<{ value?: SecretPair[] }>(
    "GET",
    syncPaths.secrets(servicePrincipalId),
    undefined,
    { retryNotFound: justCreated },
  );
  return (page?.value ?? []).map(({ key, value }) => ({ key, value: String(value ?? "") }));
}

/**
 * Read-modify-write of the whole secrets collection (PATCH is not supported). Nothing is sent
 * when the live collection already holds what is wanted; a masked credential that would have to
 * be sent back stops the write (lib/provisioning/secrets secretsToWrite).
 */
export async function writeSecrets(
  client: GraphLike,
  servicePrincipalId: string,
  desired: readonly SecretPair[],
  previouslyManaged: readonly string[] = [],
  justCreated = false,
): Promise<void> {
  const existing = await readSecrets(client, servicePrincipalId, justCreated);
  const pairs = secretsToWrite(existing, desired, previouslyManaged);
  if (!pairs) return;
  // Keys are Graph's synchronizationSecret names; the AD ones come from configuration.
  const body: { value: SynchronizationSecretKeyStringValuePair[] } = {
    value: pairs.map(({ key, value }) => ({ key: key as SynchronizationSecret, value })),
  };
  await client.request("PUT", syncPaths.secrets(servicePrincipalId), body);
}

/**
 * Starts the job unless it already runs: Microsoft warns against calling start on a running job
 * (https://learn.microsoft.com/en-us/graph/api/synchronization-synchronizationjob-start).
 */
export async function startJob(
  client: GraphLike,
  servicePrincipalId: string,
  jobId: string,
): Promise<void> {
  const job = await getJob(client, servicePrincipalId, jobId);
  if (!job) throw new Error(`synchronization job ${jobId} does not exist`);
  if (job.schedule?.state === "Active") return;
  await client.request("POST", syncPaths.start(servicePrincipalId, jobId), undefined, {
    retryNotFound: true,
  });
}

export async function pauseJob(client: GraphLike, servicePrincipalId: string, jobId: string) {
  try {
    await client.request("POST", syncPaths.pause(servicePrincipalId, jobId));
  } catch (error) {
    if (!isNotFound(error)) throw error;
  }
}
