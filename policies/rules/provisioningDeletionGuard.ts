import { ResourceValidationPolicy } from "@pulumi/policy";
import { SYNCHRONIZATION_SECRETS_TYPE as SECRETS_TYPE } from "../../components/graph/synchronizationSecrets";

/**
 * An HR export that arrives empty or truncated must not disable half the company. Entra's
 * accidental-deletion threshold stops a cycle that would remove more than the threshold, and
 * mails the notification recipients; both must be on for every provisioning app.
 */
export const provisioningDeletionGuard: ResourceValidationPolicy = {
  name: "inbound-provisioning-deletion-guard",
  description:
    "Provisioning apps keep failure notifications and the accidental-deletion threshold enabled.",
  enforcementLevel: "mandatory",
  validateResource: (args, reportViolation) => {
    if (args.type !== SECRETS_TYPE) return;
    const credentials = (args.props.credentials ?? []) as { key?: string; value?: string }[];
    const raw = credentials.find((c) => c.key === "SyncNotificationSettings")?.value;
    if (raw === undefined) {
      reportViolation(
        "SyncNotificationSettings is not set: set notificationEmail and deletionThreshold.",
      );
      return;
    }
    let settings: Record<string, unknown>;
    try {
      settings = JSON.parse(raw) as Record<string, unknown>;
    } catch {
      reportViolation("SyncNotificationSettings is not JSON.");
      return;
    }
    if (settings.Enabled !== true || !settings.Recipients) {
      reportViolation("Failure notifications must be enabled with at least one recipient.");
    }
    const threshold = Number(settings.DeleteThresholdValue);
    if (settings.DeleteThresholdEnabled !== true || !(threshold > 0)) {
      reportViolation("The accidental-deletion threshold must be enabled with a value above 0.");
    }
  },
};
