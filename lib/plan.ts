/**
 * Every Microsoft Graph request a deployment of a spec would send, in order, for `inbound plan`.
 * Ids that exist only once a deployment has run are shown as placeholders.
 */
import type { TenantSpec } from "./spec/schema";
import { planLifecycleRequests } from "./lifecycle/compile";
import { planProvisioningRequests } from "./provisioning/plan";

export interface PlannedRequest {
  method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
  /** Path under the Graph version root; `{...}` and `<...>` mark ids known only at deploy time. */
  path: string;
  body?: unknown;
  /** Why the request is sent, or what the plan could not know offline. */
  note?: string;
}

export function planGraphRequests(spec: TenantSpec): PlannedRequest[] {
  return [
    ...Object.keys(spec.provisioning).flatMap((appKey) => planProvisioningRequests(spec, appKey)),
    ...planLifecycleRequests(spec),
  ];
}
