/**
 * Which identities a spec gives Microsoft Graph application permissions, and which. The tenant
 * component grants exactly these (components/tenant.ts), and `inbound diff` compares them to flag
 * a permission added: both read this one list, so a review can never miss a grant the
 * deployment makes.
 */
import type { ProvisioningApp, TenantSpec } from "../model/schema";
import { UPLOADER_ROLES } from "./graphApi";

export interface GraphGrant {
  /** Who holds the permissions, e.g. `the uploader of provisioning app employees`. */
  identity: string;
  /** Where in the spec the identity comes from. */
  path: string;
  roles: readonly string[];
}

/**
 * Whether the deployment creates `app`'s uploader in Azure: only a function or Logic App kind,
 * and only where the spec says which subscription holds it.
 */
export function deploysUploader(spec: Pick<TenantSpec, "azure">, app: ProvisioningApp): boolean {
  return app.uploader !== undefined && app.uploader.kind !== "none" && spec.azure !== undefined;
}

export function graphGrantsOf(spec: TenantSpec): GraphGrant[] {
  return Object.entries(spec.provisioning)
    .filter(([, app]) => deploysUploader(spec, app))
    .map(([key]) => ({
      identity: `the uploader of provisioning app ${key}`,
      path: `provisioning.${key}.uploader`,
      roles: UPLOADER_ROLES,
    }));
}
