/**
 * Deploys a tenant spec into the Graph emulator the way `pulumi up` deploys it into a tenant: the
 * real Pulumi program runs under the runtime's mocks (as `inbound plan` runs it), each of
 * inbound's own Graph resources is created by its real provider with a real Graph client pointed
 * at the emulator, and the outputs of one (the service principal, the job id) are the inputs of
 * the next, in the program's dependency order. Nothing here knows which requests a provider makes.
 *
 * Only the Graph side exists in the emulator: the gallery app is instantiated there (what the
 * azuread provider does for ApplicationFromTemplate), while Azure resources (the uploader's
 * Function, the Logic Apps) and the role grants to their identities get the plan's placeholders.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { createGraphClient, useGraphClientFactory, type GraphClient } from "../../lib/graph";
import { GRAPH_APP_ID } from "../../lib/graph";
import { apiDrivenApplicationTemplates, servicePrincipals } from "../../lib/tenant";
import type { TenantSpec } from "../../lib/model/schema";
import { PlanError, runUnderMocks, type InvokeAnswer } from "../plan/mockRun";
import { offlineInvokes } from "../plan/offline";
import { createWithProvider, isInboundResource } from "../plan/graphRequests";
import { computedOutputs } from "../commands/plan";

const PROGRAM = path.join(__dirname, "..", "..", "index.ts");
const APPLICATION_FROM_TEMPLATE = "azuread:index/applicationFromTemplate:ApplicationFromTemplate";

export interface DeployedApp {
  key: string;
  displayName: string;
  servicePrincipalId: string;
  jobId: string;
  bulkUploadUrl: string;
}

export interface Deployment {
  apps: DeployedApp[];
  /** Graph objects created, by the Pulumi resource type that created them. */
  created: Record<string, number>;
}

export interface DeployOptions {
  /** The spec file as the user named it, resolved against `cwd`. */
  specFile: string;
  spec: TenantSpec;
  cwd: string;
  graphBaseUrl: string;
  token: string;
}

/** A resource Graph (the emulator) refused, as `pulumi up` would report it: one line each. */
export class DeployError extends Error {
  constructor(readonly messages: string[]) {
    super(messages.join("\n"));
    this.name = "DeployError";
  }
}

export async function deployToEmulator(options: DeployOptions): Promise<Deployment> {
  const { spec, graphBaseUrl, token } = options;
  const tenantId = spec.tenant.id;
  const client = (inputs: { graphBaseUrl?: string; graphVersion?: "v1.0" | "beta" }) =>
    createGraphClient({
      baseUrl: inputs.graphBaseUrl ?? graphBaseUrl,
      version: inputs.graphVersion,
      token,
      tenantId,
      // The emulator answers at once or not at all: a failure is reported, not waited out.
      retry: { maxRetries: 2, baseDelayMs: 50, maxDelayMs: 200 },
    });
  const graph = client({});
  const invoke = await emulatorInvokes(graph, spec);

  // The program reads its spec from the stack's config; a one-line spec extending the user's
  // points its Graph resources at the emulator and changes nothing else.
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "inbound-sandbox-"));
  const specFile = path.join(dir, "sandbox.yaml");
  fs.writeFileSync(
    specFile,
    `extends: ${JSON.stringify(path.resolve(options.cwd, options.specFile))}\n` +
      `graph:\n  baseUrl: ${JSON.stringify(graphBaseUrl)}\n`,
  );
  const created: Record<string, number> = {};
  const count = (type: string) => (created[type] = (created[type] ?? 0) + 1);
  // A failed create reaches the program as a failed registration, and its message comes back
  // buried in Pulumi's serialization errors of every resource that depended on it: kept here.
  const failures: string[] = [];
  const restore = useGraphClientFactory(client);
  let outputs: Record<string, unknown>;
  try {
    ({ outputs } = await runUnderMocks({
      program: PROGRAM,
      config: { "inbound:spec": specFile },
      stack: spec.tenant.name,
      invoke,
      computedOutputs,
      async create(type, name, inputs) {
        if (type !== APPLICATION_FROM_TEMPLATE && !isInboundResource(type)) return undefined;
        count(type);
        try {
          return type === APPLICATION_FROM_TEMPLATE
            ? await instantiate(graph, inputs)
            : await createWithProvider(type, inputs);
        } catch (err) {
          failures.push(`${name}: ${(err as Error).message}`);
          throw err;
        }
      },
    }));
  } catch (err) {
    if (failures.length > 0) throw new DeployError(failures);
    if (err instanceof PlanError) throw new DeployError(err.messages);
    throw err;
  } finally {
    restore();
    fs.rmSync(dir, { recursive: true, force: true });
  }
  const provisioning = (outputs.provisioning ?? {}) as Record<string, Record<string, string>>;
  const apps = Object.entries(spec.provisioning).map(([key, app]) => ({
    key,
    displayName: app.displayName,
    servicePrincipalId: provisioning[key].servicePrincipalId,
    jobId: provisioning[key].jobId,
    bulkUploadUrl: provisioning[key].bulkUploadUrl,
  }));
  return { apps, created };
}

/**
 * POST /applicationTemplates/{id}/instantiate, as the azuread provider's ApplicationFromTemplate
 * sends it (https://learn.microsoft.com/en-us/graph/api/applicationtemplate-instantiate), with the
 * outputs the program reads from that resource.
 */
async function instantiate(
  graph: GraphClient,
  inputs: Record<string, unknown>,
): Promise<{ id: string; outs: Record<string, unknown> }> {
  const answer = await graph.post<{
    application: { id: string; appId: string };
    servicePrincipal: { id: string };
  }>(`/applicationTemplates/${String(inputs.templateId)}/instantiate`, {
    displayName: inputs.displayName,
  });
  if (!answer) throw new Error("instantiate answered without the application it created");
  const { application, servicePrincipal } = answer;
  return {
    id: application.id,
    outs: {
      applicationId: `/applications/${application.id}`,
      applicationObjectId: application.id,
      servicePrincipalId: `/servicePrincipals/${servicePrincipal.id}`,
      servicePrincipalObjectId: servicePrincipal.id,
    },
  };
}

/**
 * The program's look-ups answered from the emulator where it holds the object (the gallery
 * templates, Microsoft Graph's service principal and its app roles), else as the offline plan
 * answers them. Read before the program runs: the mocks' answers are then plain values.
 */
async function emulatorInvokes(graph: GraphClient, spec: TenantSpec): Promise<InvokeAnswer> {
  const offline = offlineInvokes(spec);
  const templates = new Map<string, string>();
  for (const [name, ids] of await apiDrivenApplicationTemplates(graph)) {
    if (ids[0]) templates.set(name, ids[0]);
  }
  const [graphPrincipal] = (await servicePrincipals(graph, { appId: GRAPH_APP_ID })) as {
    id: string;
    appRoles?: { id: string; value: string }[];
  }[];
  return (token, inputs) => {
    if (token === "azuread:index/getApplicationTemplate:getApplicationTemplate") {
      const id = templates.get(String(inputs.displayName));
      if (id) return { ...offline(token, inputs), id, templateId: id };
    }
    if (
      token === "azuread:index/getServicePrincipal:getServicePrincipal" &&
      inputs.clientId === GRAPH_APP_ID &&
      graphPrincipal
    ) {
      return {
        ...offline(token, inputs),
        id: graphPrincipal.id,
        objectId: graphPrincipal.id,
        appRoleIds: Object.fromEntries((graphPrincipal.appRoles ?? []).map((r) => [r.value, r.id])),
      };
    }
    return offline(token, inputs);
  };
}
