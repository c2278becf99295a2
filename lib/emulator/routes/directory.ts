/**
 * Emulator routes for the directory objects around a provisioning app: the gallery application
 * templates and their instantiation, service principals (including Microsoft Graph's own, with its
 * app roles), and app-role assignments. Ids are made up here, so a test passes only if the code
 * looks them up instead of assuming them.
 */
import { randomUUID } from "crypto";
import type { EmulatorRequest, EmulatorResponse } from "../index";
import { paged } from "../paging";

type Json = Record<string, unknown>;

export const GRAPH_APP_ID = "00000003-0000-0000-c000-000000000000";

/** Microsoft Graph's application roles that this project grants (ids from the reference). */
export const GRAPH_APP_ROLES: Record<string, string> = {
  "SynchronizationData-User.Upload": "db31e92a-b9ea-4d87-bf6a-75a37a9ca35a",
  "AuditLog.Read.All": "b0afded3-3588-46d8-8b3d-9842eff778da",
  "ProvisioningLog.Read.All": "091937d3-3e38-47a1-8649-b2f99d3035f1",
  "Synchronization.ReadWrite.All": "9b50c33d-700f-43b1-b2eb-87e89b703581",
  "Application.ReadWrite.OwnedBy": "18a4783c-866b-4cc7-a460-3d5e5662c884",
  "LifecycleWorkflows.ReadWrite.All": "5c505cf4-8424-4b8e-aa14-ee06e3bb23e3",
};

export const TEMPLATE_NAMES = {
  entra: "API-driven provisioning to Microsoft Entra ID",
  activeDirectory: "API-driven provisioning to on-premises Active Directory",
} as const;

export interface DirectoryState {
  applicationTemplates: { id: string; displayName: string; synchronizationTemplateId: string }[];
  servicePrincipals: Map<string, Json>;
  /** Application objects of instantiated apps, by object id. */
  applications: Map<string, Json>;
  /** Groups by object id (`id`, `displayName`), seeded by tests; GET /groups and /groups/{id}. */
  groups: Map<string, Json>;
  /** The tenant's `GET /organization` entry. */
  organization: Json;
  appRoleAssignments: Json[];
  bulkUploads: { path: string; body: unknown }[];
  /** Users the provisioning service created from bulk uploads (lib/emulator/processing.ts). */
  users: Json[];
  /** Seeded by tests; served by GET /auditLogs/provisioning. */
  provisioningLogs: Json[];
  pageSize: number;
  /** Called when an app is instantiated, so the synchronization area knows the new principal. */
  onInstantiate?: (servicePrincipalId: string, synchronizationTemplateId: string) => void;
}

/** The tenant the emulator stands for, as `GET /organization` answers it. */
export interface EmulatedOrganization {
  /** The tenant id (an organization's id is its tenant's). */
  id?: string;
  displayName: string;
  /** The default verified domain. */
  domain: string;
}

const DEFAULT_ORGANIZATION: EmulatedOrganization = {
  displayName: "Contoso",
  domain: "contoso.com",
};

export function createDirectoryState(
  organization: EmulatedOrganization = DEFAULT_ORGANIZATION,
): DirectoryState {
  const graph: Json = {
    id: randomUUID(),
    appId: GRAPH_APP_ID,
    displayName: "Microsoft Graph",
    appRoles: Object.entries(GRAPH_APP_ROLES).map(([value, id]) => ({
      id,
      value,
      allowedMemberTypes: ["Application"],
      isEnabled: true,
    })),
  };
  return {
    applicationTemplates: [
      { id: randomUUID(), displayName: TEMPLATE_NAMES.entra, synchronizationTemplateId: "API2AAD" },
      {
        id: randomUUID(),
        displayName: TEMPLATE_NAMES.activeDirectory,
        synchronizationTemplateId: "API2AD",
      },
    ],
    servicePrincipals: new Map([[String(graph.id), graph]]),
    applications: new Map(),
    groups: new Map(),
    organization: {
      id: organization.id ?? randomUUID(),
      displayName: organization.displayName,
      verifiedDomains: [{ name: organization.domain, isDefault: true, isInitial: false }],
    },
    appRoleAssignments: [],
    bulkUploads: [],
    users: [],
    provisioningLogs: [],
    pageSize: 100,
  };
}

const error = (status: number, code: string, message: string): EmulatorResponse => ({
  status,
  body: { error: { code, message } },
});

/** A property the body's Graph type does not have, as Graph words the error. */
function unknownProperty(body: Json, type: string, known: string[]): EmulatorResponse | undefined {
  const extra = Object.keys(body).find((k) => !k.startsWith("@odata.") && !known.includes(k));
  return extra
    ? error(
        400,
        "BadRequest",
        `Property '${extra}' does not exist on type 'microsoft.graph.${type}'`,
      )
    : undefined;
}

/** `displayName eq 'x'` / `appId eq 'x'`, the only filters these routes support, as Graph would. */
function equalsFilter(filter: string | null): { property: string; value: string } | undefined {
  const match = /^(\w+) eq '((?:[^']|'')*)'$/.exec(filter ?? "");
  return match ? { property: match[1], value: match[2].replace(/''/g, "'") } : undefined;
}

/** Only the properties `$select` names (all without it), as Graph answers a list. */
function selected(items: Json[], select: string | null): Json[] {
  if (!select) return items;
  const keep = select.split(",").map((p) => p.trim());
  return items.map((item) =>
    Object.fromEntries(keep.filter((k) => k in item).map((k) => [k, item[k]])),
  );
}

export function handleDirectory(
  state: DirectoryState,
  request: EmulatorRequest,
): EmulatorResponse | undefined {
  const { method, path } = request;
  const body = (request.body ?? {}) as Json;

  if (path === "/applicationTemplates" && method === "GET") {
    const filter = request.query.get("$filter");
    const wanted = equalsFilter(filter);
    if (filter && !wanted) return error(400, "BadRequest", `unsupported filter ${filter}`);
    const value = state.applicationTemplates
      .filter((t) => !wanted || (t as unknown as Json)[wanted.property] === wanted.value)
      .map(({ id, displayName }) => ({ id, displayName, supportedProvisioningTypes: ["sync"] }));
    return paged(request, value, state.pageSize);
  }

  const instantiate = /^\/applicationTemplates\/([^/]+)\/instantiate$/.exec(path);
  if (instantiate) {
    if (method !== "POST") return error(405, "MethodNotAllowed", method);
    const template = state.applicationTemplates.find((t) => t.id === instantiate[1]);
    if (!template) return error(404, "Request_ResourceNotFound", `template ${instantiate[1]}`);
    const unknown = unknownProperty(body, "applicationTemplate.instantiate", ["displayName"]);
    if (unknown) return unknown;
    if (typeof body.displayName !== "string" || !body.displayName) {
      return error(400, "BadRequest", "displayName is required");
    }
    const appId = randomUUID();
    const application = { id: randomUUID(), appId, displayName: body.displayName };
    // A service principal made from a gallery template names it
    // (https://learn.microsoft.com/en-us/graph/api/resources/serviceprincipal).
    const servicePrincipal = {
      id: randomUUID(),
      appId,
      displayName: body.displayName,
      applicationTemplateId: template.id,
      appRoles: [],
    };
    state.applications.set(application.id, { ...application, applicationTemplateId: template.id });
    state.servicePrincipals.set(servicePrincipal.id, servicePrincipal);
    state.onInstantiate?.(servicePrincipal.id, template.synchronizationTemplateId);
    return { status: 201, body: { application, servicePrincipal } };
  }

  if (path === "/servicePrincipals" && method === "GET") {
    const filter = request.query.get("$filter");
    const wanted = equalsFilter(filter);
    if (filter && !wanted) return error(400, "BadRequest", `unsupported filter ${filter}`);
    const value = [...state.servicePrincipals.values()].filter(
      (sp) => !wanted || sp[wanted.property] === wanted.value,
    );
    return paged(request, selected(value, request.query.get("$select")), state.pageSize);
  }

  const listed = { "/groups": state.groups, "/applications": state.applications }[path];
  if (listed && method === "GET") {
    const filter = request.query.get("$filter");
    const wanted = equalsFilter(filter);
    if (filter && !wanted) return error(400, "BadRequest", `unsupported filter ${filter}`);
    const value = [...listed.values()].filter(
      (item) => !wanted || item[wanted.property] === wanted.value,
    );
    return paged(request, selected(value, request.query.get("$select")), state.pageSize);
  }

  if (path === "/organization" && method === "GET") {
    return { status: 200, body: { value: [state.organization] } };
  }

  const group = /^\/groups\/([^/]+)$/.exec(path);
  if (group && method === "GET") {
    const found = state.groups.get(group[1]);
    return found
      ? { status: 200, body: found }
      : error(404, "Request_ResourceNotFound", `group ${group[1]}`);
  }

  const assignments = /^\/servicePrincipals\/([^/]+)\/appRoleAssignedTo$/.exec(path);
  if (assignments) {
    const resource = state.servicePrincipals.get(assignments[1]);
    if (!resource)
      return error(404, "Request_ResourceNotFound", `service principal ${assignments[1]}`);
    if (method === "GET") {
      return {
        status: 200,
        body: { value: state.appRoleAssignments.filter((a) => a.resourceId === resource.id) },
      };
    }
    if (method !== "POST") return error(405, "MethodNotAllowed", method);
    const unknown = unknownProperty(body, "appRoleAssignment", [
      "principalId",
      "resourceId",
      "appRoleId",
    ]);
    if (unknown) return unknown;
    const roles = (resource.appRoles ?? []) as Json[];
    if (!roles.some((r) => r.id === body.appRoleId)) {
      return error(
        400,
        "BadRequest",
        `Permission being assigned was not found on application ${resource.appId}`,
      );
    }
    if (body.resourceId !== resource.id)
      return error(400, "BadRequest", "resourceId must be the service principal in the path");
    const assignment = {
      id: randomUUID(),
      principalId: body.principalId,
      resourceId: resource.id,
      appRoleId: body.appRoleId,
    };
    state.appRoleAssignments.push(assignment);
    return { status: 201, body: assignment };
  }

  if (path === "/users" && method === "GET") {
    const filter = request.query.get("$filter");
    const wanted = equalsFilter(filter);
    if (filter && !wanted) return error(400, "BadRequest", `unsupported filter ${filter}`);
    const value = state.users.filter((u) => !wanted || u[wanted.property] === wanted.value);
    return { status: 200, body: { value } };
  }

  const user = /^\/users\/([^/]+)$/.exec(path);
  if (user && method === "GET") {
    const found = state.users.find((u) => u.id === user[1]);
    return found
      ? { status: 200, body: found }
      : error(404, "Request_ResourceNotFound", `Resource '${user[1]}' does not exist`);
  }

  const single = /^\/servicePrincipals\/([^/]+)$/.exec(path);
  if (single && method === "GET") {
    const sp = state.servicePrincipals.get(single[1]);
    return sp
      ? { status: 200, body: sp }
      : error(404, "Request_ResourceNotFound", `service principal ${single[1]}`);
  }
  return undefined;
}
