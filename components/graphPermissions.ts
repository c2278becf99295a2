/**
 * Microsoft Graph application permissions (app roles) for one principal, e.g. the uploader's
 * managed identity
 * (https://learn.microsoft.com/en-us/graph/api/serviceprincipal-post-approleassignedto and
 * https://learn.microsoft.com/en-us/entra/identity/app-provisioning/inbound-provisioning-api-grant-access).
 * Role ids are read from the tenant's Microsoft Graph service principal by value, never hard-coded.
 */
import * as pulumi from "@pulumi/pulumi";
import * as azuread from "@pulumi/azuread";
import { GRAPH_APP_ID } from "../lib/graph";
import { UPLOADER_ROLES } from "../lib/provisioning/graphApi";

export const GRAPH_APP_ROLE_GRANTS_TYPE = "inbound:provisioning:GraphAppRoleGrants";

export interface GraphAppRoleGrantsArgs {
  /** Object id of the service principal (e.g. a managed identity's principalId) to grant to. */
  readonly principalObjectId: pulumi.Input<string>;
  /**
   * Graph app role values to grant. Defaults to the uploader's two: SynchronizationData-User.Upload
   * and ProvisioningLog.Read.All (use AuditLog.Read.All where the older docs' role is wanted).
   * Plain: each role becomes a child resource.
   */
  readonly roles?: readonly string[];
}

/** The role id of `value`, or an error that says what the tenant offers. */
export function appRoleIdOf(appRoleIds: Record<string, string>, value: string): string {
  const id = appRoleIds[value];
  if (!id) {
    const similar = Object.keys(appRoleIds).filter((v) =>
      v.toLowerCase().startsWith(value.split(".")[0].toLowerCase()),
    );
    throw new Error(
      `Microsoft Graph has no application permission "${value}"` +
        (similar.length ? `; similar: ${similar.sort().join(", ")}` : "") +
        "; check the role names given to GraphAppRoleGrants",
    );
  }
  return id;
}

const slug = (value: string) => value.replace(/[^A-Za-z0-9]+/g, "-").toLowerCase();

export class GraphAppRoleGrants extends pulumi.ComponentResource {
  public readonly assignments: azuread.AppRoleAssignment[];

  constructor(name: string, args: GraphAppRoleGrantsArgs, opts?: pulumi.ComponentResourceOptions) {
    super(GRAPH_APP_ROLE_GRANTS_TYPE, name, {}, opts);
    const graph = azuread.getServicePrincipalOutput({ clientId: GRAPH_APP_ID }, { parent: this });
    this.assignments = (args.roles ?? UPLOADER_ROLES).map(
      (role) =>
        new azuread.AppRoleAssignment(
          `${name}-${slug(role)}`,
          {
            appRoleId: graph.appRoleIds.apply((ids) => appRoleIdOf(ids, role)),
            principalObjectId: args.principalObjectId,
            resourceObjectId: graph.objectId,
          },
          { parent: this },
        ),
    );
    this.registerOutputs({});
  }
}
