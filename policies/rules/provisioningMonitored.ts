import type { PolicyResource, StackValidationPolicy } from "@pulumi/policy";
import { SYNCHRONIZATION_SCHEMA_TYPE } from "../../components/graph/synchronizationSchema";

const DIAGNOSTIC_SETTING = "azure-native:aadiam:DiagnosticSetting";
const LOG_ALERT = "azure-native:monitor:ScheduledQueryRule";

/** An Entra diagnostic setting that sends ProvisioningLogs somewhere. */
function routesProvisioningLogs(resource: PolicyResource): boolean {
  const logs = resource.props.logs as { category?: string; enabled?: boolean }[] | undefined;
  return (logs ?? []).some((log) => log.category === "ProvisioningLogs" && log.enabled === true);
}

/** A log alert over the provisioning logs; an unknown query (during preview) counts as one. */
function watchesProvisioningLogs(resource: PolicyResource): boolean {
  const conditions = (resource.props.criteria as { allOf?: { query?: unknown }[] } | undefined)
    ?.allOf;
  return (conditions ?? []).some(
    (c) => typeof c.query !== "string" || c.query.includes("AADProvisioningLogs"),
  );
}

/**
 * Without monitoring, "202 Accepted but nothing happened" is found by someone opening the portal's
 * provisioning logs. A stack with provisioning apps should route Entra's provisioning logs to Log
 * Analytics and alert on them: the spec's `monitoring:` does both (docs/monitoring.md). A tenant
 * that already sends the logs with its own diagnostic setting and has its own alerts can ignore
 * this advice.
 */
export const provisioningMonitored: StackValidationPolicy = {
  name: "inbound-provisioning-monitored",
  description:
    "Advises monitoring (the spec's monitoring: section) for a tenant with provisioning apps: provisioning logs in Log Analytics, and alerts on them.",
  enforcementLevel: "advisory",
  validateStack: (args, reportViolation) => {
    const apps = args.resources.filter((r) => r.type === SYNCHRONIZATION_SCHEMA_TYPE);
    if (apps.length === 0) return;
    const routed = args.resources.some(
      (r) => r.type === DIAGNOSTIC_SETTING && routesProvisioningLogs(r),
    );
    const alerted = args.resources.some((r) => r.type === LOG_ALERT && watchesProvisioningLogs(r));
    if (routed || alerted) return;
    for (const app of apps) {
      reportViolation(
        `Provisioning app ${String(app.props.appKey ?? app.name)} is not monitored: failed or skipped records show only in the portal's provisioning logs. Add \`monitoring: {}\` to the tenant spec for Log Analytics, alert mails and a workbook (docs/monitoring.md).`,
        app.urn,
      );
    }
  },
};
