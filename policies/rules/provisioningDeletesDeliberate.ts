import { ResourceValidationPolicy } from "@pulumi/policy";
import { SYNCHRONIZATION_SCHEMA_TYPE } from "../../components/graph/synchronizationSchema";

/**
 * With the `delete` target-object action, a record that leaves scope or the HR file deletes the
 * Entra user. Most organisations disable through `active: false` and let a leaver workflow
 * delete later; a change that turns deletion on should be seen in review.
 */
export const provisioningDeletesDeliberate: ResourceValidationPolicy = {
  name: "inbound-provisioning-deletes-deliberate",
  description:
    "Flags provisioning apps whose target-object actions include delete, so that the change is reviewed.",
  enforcementLevel: "advisory",
  validateResource: (args, reportViolation) => {
    if (args.type !== SYNCHRONIZATION_SCHEMA_TYPE) return;
    const provisioning = args.props.provisioning as { actions?: string[] } | undefined;
    if (provisioning?.actions?.includes("delete")) {
      reportViolation(
        `App ${String(args.props.appKey ?? args.name)} deletes Entra users that leave scope; prefer disabling (active: false) and a leaver workflow's deleteUser task after a grace period.`,
      );
    }
  },
};
