/**
 * What `monitoring:` needs besides its shape, and the values derived from the rest of the spec.
 */
import type { CheckContext } from "../model/checks";
import type { TenantSpec } from "../model/schema";

/** Who the action group mails: the spec's list, else each provisioning app's address once. */
export function monitoringEmails(spec: TenantSpec): string[] {
  const listed = spec.monitoring?.notificationEmails;
  if (listed) return [...new Set(listed)];
  return [...new Set(Object.values(spec.provisioning).map((app) => app.notificationEmail))];
}

export function monitoringChecks(ctx: CheckContext): void {
  const { spec } = ctx;
  if (!spec.monitoring) return;
  if (!spec.azure) {
    ctx.report(
      ["monitoring"],
      "monitoring deploys a workspace, alert rules and an action group in Azure: add `azure: { subscriptionId, resourceGroup, location }`",
    );
  }
  if (monitoringEmails(spec).length === 0) {
    ctx.report(
      ["monitoring"],
      "nobody would receive the alerts: add `notificationEmails: [...]` (without provisioning apps there is no notificationEmail to default to)",
    );
  }
}
