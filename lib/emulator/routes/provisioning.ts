/**
 * Synchronization routes of the Graph emulator, behaving as the documentation
 * (https://learn.microsoft.com/en-us/graph/api/resources/synchronization-overview) says the service does: jobs are created from one of the service
 * principal's templates and start disabled; PUT schema replaces the whole schema and bumps its
 * version, DELETE resets it to the template's; PUT secrets replaces the whole collection; starting
 * a job without a notification address quarantines it
 * (https://learn.microsoft.com/en-us/entra/identity/app-provisioning/application-provisioning-quarantine-status). Bodies with properties
 * their Graph type does not have, or enum values it does not know, are refused with 400, and so is
 * a scoping clause with an operator the job does not offer.
 *
 * Undocumented parts are stand-ins: the template schema (lib/emulator/fixtures), the
 * filter operator spellings, which deliberately differ from the offline best-guess table, so a
 * test passes only if the deploy-time lookup is used, and the parameter keys of parsed expression
 * trees where Microsoft shows none (see GRAPH_PARAMETER_KEYS). GET secrets masks credentials, as
 * Graph does.
 */
import * as fs from "fs";
import * as path from "path";
import { randomUUID } from "crypto";
import { apiSourceAttributes } from "../../expressions/apiSource";
import type { Expr } from "../../expressions/ast";
import { FUNCTIONS, findFunction } from "../../expressions/functions";
import { parseExpression } from "../../expressions/parser";
import { expressionTree, type ParameterKey } from "../../expressions/graph";
import { SECRET_KEYS } from "../../provisioning/secrets";

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
  /** Served by GET .../filterOperators; an entry's spelling is its `name`, else its `id`. */
  filterOperators: Json[];
  /** A test's own parseExpression answer for an expression, instead of the emulator's parse. */
  parseAnswer?: (expression: string) => Json | undefined;
}

/**
 * Secret keys whose values GET answers masked: the credential members of the synchronizationSecret
 * enum (https://learn.microsoft.com/en-us/graph/api/resources/synchronization-synchronizationsecretkeystringvaluepair).
 */
export const CREDENTIAL_SECRET_KEYS = [
  "Password",
  "SecretToken",
  "AppKey",
  "ClientSecret",
  "ConsumerSecret",
  "Oauth2AccessToken",
  "Oauth2RefreshToken",
  "Oauth2ClientSecret",
  "Oauth2AuthorizationCode",
  "ConnectionString",
];
export const SECRET_MASK = "*****";

/**
 * Parameter keys of the trees parseExpression builds, per function, by argument position. Only
 * Microsoft's samples show real keys: `Replace` → source/Find/Replacement (the parseExpression
 * example, https://learn.microsoft.com/en-us/graph/api/synchronization-synchronizationschema-parseexpression),
 * `Mid` → source/start/length (https://learn.microsoft.com/en-us/graph/api/resources/synchronization-attributemappingsource),
 * `Append` → source/suffix (the functions example,
 * https://learn.microsoft.com/en-us/graph/api/synchronization-synchronizationschema-functions).
 * No real key is known for any other function (nor for Replace's regex arguments): those are keyed
 * by this emulator's catalog (GET .../schema/functions), whose names are the function reference's
 * capitalised, a stand-in spelled unlike lib/expressions' keys on purpose, so that a test passes
 * only if drift ignores parameter keys.
 */
const GRAPH_PARAMETER_KEYS: Record<string, (string | undefined)[]> = {
  Replace: ["source", "Find", undefined, undefined, "Replacement"],
  Mid: ["source", "start", "length"],
  Append: ["source", "suffix"],
};

const capitalised = (name: string) => name.charAt(0).toUpperCase() + name.slice(1);

/** The stand-in catalog's parameter name at argument `index` of `name` (repeating tails too). */
function catalogKey(name: string, index: number): string {
  const spec = findFunction(name);
  const known = GRAPH_PARAMETER_KEYS[spec?.name ?? name]?.[index];
  if (known) return known;
  if (!spec) return `Arg${index + 1}`;
  const params = spec.params;
  const rest = spec.rest?.params ?? [];
  const param =
    index < params.length
      ? params[index]
      : rest.length > 0
        ? rest[(index - params.length) % rest.length]
        : undefined;
  return param ? capitalised(param.name) : `Arg${index + 1}`;
}

/** GET .../schema/functions: the catalog the stand-in keys come from. */
function functionCatalog(): Json[] {
  return FUNCTIONS.map((f) => ({
    name: f.name,
    parameters: [...f.params, ...(f.rest?.params ?? [])].map((p, i) => ({
      name: catalogKey(f.name, i),
      required: p.required,
      allowMultipleOccurrences: i >= f.params.length,
      type: "String",
    })),
  }));
}

/** Graph's parameter keys: the stand-in catalog's for a function, `Left`/`Right` for a comparison. */
const graphKey: ParameterKey = (name, index, kind) =>
  kind === "comparison" ? ["Left", "Right"][index] : catalogKey(name, index);

/** POST .../schema/parseExpression: a parseExpressionResponse, 200 whether or not it parsed. */
function parseExpressionAnswer(state: ProvisioningState, body: Json): ProvisioningResponse {
  const unknown = Object.keys(body).find(
    (k) => !["expression", "targetAttributeDefinition", "testInputObject"].includes(k),
  );
  if (unknown) {
    return error(400, "BadRequest", `Property '${unknown}' does not exist on parseExpression`);
  }
  if (typeof body.expression !== "string") {
    return error(400, "BadRequest", "expression must be a string");
  }
  const own = state.parseAnswer?.(body.expression);
  if (own) return { status: 200, body: own };
  const parsed = parseExpression(body.expression);
  const unknownFunction = (ast: Expr | undefined): string | undefined => {
    if (!ast) return undefined;
    if (ast.kind === "comparison") return unknownFunction(ast.left) ?? unknownFunction(ast.right);
    if (ast.kind !== "call") return undefined;
    if (!findFunction(ast.name)) return ast.name;
    for (const arg of ast.args) {
      const found = unknownFunction(arg ?? undefined);
      if (found) return found;
    }
    return undefined;
  };
  const problem =
    parsed.diagnostics[0]?.message ??
    (unknownFunction(parsed.ast) && `Unknown function '${unknownFunction(parsed.ast)}'`);
  if (!parsed.ast || problem) {
    return {
      status: 200,
      body: {
        error: { code: "ExpressionParsingFailed", message: problem ?? "parsing failed" },
        evaluationResult: null,
        evaluationSucceeded: false,
        parsedExpression: null,
        parsingSucceeded: false,
      },
    };
  }
  return {
    status: 200,
    body: {
      error: null,
      evaluationResult: null,
      evaluationSucceeded: false,
      parsedExpression: expressionTree(parsed.ast, graphKey),
      parsingSucceeded: true,
    },
  };
}

const TEMPLATE_SCHEMA = path.join(__dirname, "..", "fixtures", "api2aad-template-schema.json");

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

/**
 * The API2AAD template's default schema: the fixture's directories, rules and mappings, with the
 * API source object's attributes from the one list validate and plan use too
 * (lib/expressions/apiSource.ts).
 */
export function templateSchemaJson(): Json {
  const schema = JSON.parse(fs.readFileSync(TEMPLATE_SCHEMA, "utf8")) as Json;
  const [api] = schema.directories as { objects: { attributes: unknown[] }[] }[];
  api.objects[0].attributes = apiSourceAttributes().map(({ name, type }) => ({
    name,
    type,
    anchor: name === "externalId",
    required: name === "externalId",
    mutability: "ReadWrite",
    caseExact: false,
    flowNullValues: false,
    multivalued: false,
    apiExpressions: [],
    metadata: [],
    referencedObjects: [],
  }));
  return schema;
}

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
  const schema = templateSchemaJson();
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

/** The documented properties of each body type (the v1.0 resource pages on Microsoft Learn). */
const PROPERTIES: Record<string, string[]> = {
  synchronizationJob: ["templateId", "schedule", "synchronizationJobSettings"],
  secrets: ["value"],
  synchronizationSecretKeyStringValuePair: ["key", "value"],
  // No `metadata`: the v1.0 metadata's directoryDefinition has none (the beta's has).
  directoryDefinition: [
    "id",
    "name",
    "discoverabilities",
    "discoveryDateTime",
    "readOnly",
    "version",
    "objects",
  ],
  objectDefinition: ["name", "supportedApis", "metadata", "attributes"],
  attributeDefinition: [
    "name",
    "type",
    "anchor",
    "caseExact",
    "defaultValue",
    "flowNullValues",
    "multivalued",
    "mutability",
    "required",
    "referencedObjects",
    "metadata",
    "apiExpressions",
  ],
  synchronizationRule: [
    "id",
    "name",
    "editable",
    "priority",
    "sourceDirectoryName",
    "targetDirectoryName",
    "metadata",
    "objectMappings",
    "containerFilter",
    "groupFilter",
  ],
  containerFilter: ["includedContainers"],
  groupFilter: ["includedGroups"],
  objectMapping: [
    "name",
    "enabled",
    "flowTypes",
    "sourceObjectName",
    "targetObjectName",
    "metadata",
    "scope",
    "attributeMappings",
  ],
  attributeMapping: [
    "targetAttributeName",
    "source",
    "defaultValue",
    "exportMissingReferences",
    "flowBehavior",
    "flowType",
    "matchingPriority",
  ],
  attributeMappingSource: ["type", "name", "expression", "parameters"],
  stringKeyAttributeMappingSourceValuePair: ["key", "value"],
  filter: ["groups", "inputFilterGroups", "categoryFilterGroups"],
  filterGroup: ["name", "clauses"],
  filterClause: ["operatorName", "sourceOperandName", "targetOperand"],
  filterOperand: ["values"],
};

/** Enum members as enums.md lists them. */
const ENUMS = {
  attributeFlowType: [
    "Always",
    "ObjectAddOnly",
    "MultiValueAddOnly",
    "ValueAddOnly",
    "AttributeAddOnly",
  ],
  attributeFlowBehavior: ["FlowWhenChanged", "FlowAlways"],
  attributeMappingSourceType: ["Attribute", "Constant", "Function"],
  attributeType: ["String", "Integer", "Reference", "Binary", "Boolean", "DateTime"],
  mutability: ["ReadWrite", "ReadOnly", "Immutable", "WriteOnly"],
  objectFlowTypes: ["None", "Add", "Update", "Delete"],
};

/** The first property of `value` that type `type` does not have, as Graph words the error. */
function unknownProperty(value: unknown, type: string): string | undefined {
  if (!value || typeof value !== "object" || Array.isArray(value)) return undefined;
  const known = PROPERTIES[type];
  const extra = Object.keys(value).find((k) => !k.startsWith("@odata.") && !known.includes(k));
  return extra && `Property '${extra}' does not exist on type 'microsoft.graph.${type}'`;
}

const list = (value: unknown): Json[] => (Array.isArray(value) ? (value as Json[]) : []);

/**
 * What Graph would refuse in a schema PUT: unknown properties at any level, enum values it does
 * not have, an object without exactly one anchor, a scoping clause whose operator the job does
 * not offer or whose attribute the source object lacks. Undefined when the schema is acceptable.
 */
function schemaProblem(schema: Json, operators: string[]): string | undefined {
  const problems: (string | undefined)[] = [];
  const check = (value: unknown, type: string) => problems.push(unknownProperty(value, type));
  const member = (value: unknown, enumName: keyof typeof ENUMS, where: string) => {
    if (value !== undefined && value !== null && !ENUMS[enumName].includes(String(value))) {
      problems.push(
        `Invalid value '${String(value)}' of ${where}; expected one of ${ENUMS[enumName].join(", ")}`,
      );
    }
  };
  const attributesByDirectory = new Map<string, Set<string>>();
  for (const directory of list(schema.directories)) {
    check(directory, "directoryDefinition");
    for (const object of list(directory.objects)) {
      check(object, "objectDefinition");
      const attributes = list(object.attributes);
      const anchors = attributes.filter((a) => a.anchor === true).length;
      if (attributes.length > 0 && anchors !== 1) {
        problems.push(
          `object ${String(object.name)} of directory ${String(directory.name)} has ${anchors} anchor attributes; exactly one is required`,
        );
      }
      for (const attribute of attributes) {
        check(attribute, "attributeDefinition");
        member(
          attribute.type,
          "attributeType",
          `attributeDefinition ${String(attribute.name)}.type`,
        );
        member(
          attribute.mutability,
          "mutability",
          `attributeDefinition ${String(attribute.name)}.mutability`,
        );
      }
      if (object.name === "User") {
        attributesByDirectory.set(
          String(directory.name),
          new Set(attributes.map((a) => String(a.name))),
        );
      }
    }
  }
  const source = (value: unknown, where: string) => {
    if (!value) return;
    check(value, "attributeMappingSource");
    member((value as Json).type, "attributeMappingSourceType", `${where}.type`);
    for (const parameter of list((value as Json).parameters)) {
      check(parameter, "stringKeyAttributeMappingSourceValuePair");
      source(parameter.value, where);
    }
  };
  for (const rule of list(schema.synchronizationRules)) {
    check(rule, "synchronizationRule");
    check(rule.containerFilter, "containerFilter");
    check(rule.groupFilter, "groupFilter");
    for (const mapping of list(rule.objectMappings)) {
      check(mapping, "objectMapping");
      for (const flow of String(mapping.flowTypes ?? "None").split(",")) {
        member(flow.trim(), "objectFlowTypes", `objectMapping ${String(mapping.name)}.flowTypes`);
      }
      for (const attributeMapping of list(mapping.attributeMappings)) {
        const where = `attributeMapping ${String(attributeMapping.targetAttributeName)}`;
        check(attributeMapping, "attributeMapping");
        member(attributeMapping.flowType, "attributeFlowType", `${where}.flowType`);
        member(attributeMapping.flowBehavior, "attributeFlowBehavior", `${where}.flowBehavior`);
        source(attributeMapping.source, `${where}.source`);
      }
      const scope = mapping.scope as Json | null | undefined;
      if (!scope) continue;
      check(scope, "filter");
      const sourceAttributes = attributesByDirectory.get(String(rule.sourceDirectoryName));
      for (const group of [
        ...list(scope.groups),
        ...list(scope.inputFilterGroups),
        ...list(scope.categoryFilterGroups),
      ]) {
        check(group, "filterGroup");
        for (const clause of list(group.clauses)) {
          check(clause, "filterClause");
          check(clause.targetOperand, "filterOperand");
          if (!operators.includes(String(clause.operatorName))) {
            problems.push(
              `Unsupported operator '${String(clause.operatorName)}' in scoping filter ${String(group.name)}`,
            );
          }
          if (sourceAttributes && !sourceAttributes.has(String(clause.sourceOperandName))) {
            problems.push(
              `Attribute '${String(clause.sourceOperandName)}' of scoping filter ${String(group.name)} is not an attribute of the source object`,
            );
          }
        }
      }
    }
  }
  return problems.find((p) => p !== undefined);
}

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
    if (method === "GET") {
      const masked = sp.secrets.map(({ key, value }) => ({
        key,
        value: CREDENTIAL_SECRET_KEYS.includes(key) ? SECRET_MASK : value,
      }));
      return { status: 200, body: { value: masked } };
    }
    if (method === "PUT") {
      if (!Array.isArray(body.value)) return error(400, "BadRequest", "value must be a list");
      const unknown =
        unknownProperty(body, "secrets") ??
        (body.value as unknown[])
          .map((pair) => unknownProperty(pair, "synchronizationSecretKeyStringValuePair"))
          .find(Boolean);
      if (unknown) return error(400, "BadRequest", unknown);
      sp.secrets = structuredClone(body.value) as EmulatedServicePrincipal["secrets"];
      return { status: 204 };
    }
  }

  if (rest === "/jobs") {
    if (method === "GET")
      return { status: 200, body: { value: [...sp.jobs.values()].map((j) => j.job) } };
    if (method === "POST") {
      const unknown = unknownProperty(body, "synchronizationJob");
      if (unknown) return error(400, "BadRequest", unknown);
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
    const settings = sp.secrets.find((s) => s.key === SECRET_KEYS.notification);
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
      const problem = schemaProblem(
        body,
        state.filterOperators.map((o) => String(o.name ?? o.id)),
      );
      if (problem) return error(400, "BadRequest", problem);
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
  if (action === "/schema/functions" && method === "GET") {
    return { status: 200, body: { value: functionCatalog() } };
  }
  if (action === "/schema/parseExpression" && method === "POST")
    return parseExpressionAnswer(state, body);
  return error(405, "MethodNotAllowed", `${method} ${request.path}`);
}
