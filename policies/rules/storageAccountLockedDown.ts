import { ResourceValidationPolicy } from "@pulumi/policy";

/**
 * The uploader's storage holds HR exports: personal data of every employee. It must be reachable
 * only with Entra identities over TLS 1.2, never anonymously or with an account key.
 */
export const storageAccountLockedDown: ResourceValidationPolicy = {
  name: "inbound-storage-account-locked-down",
  description:
    "Storage accounts holding HR exports allow no anonymous blob access, no shared keys, and only HTTPS with TLS 1.2.",
  enforcementLevel: "mandatory",
  validateResource: (args, reportViolation) => {
    if (args.type !== "azure-native:storage:StorageAccount") return;
    const props = args.props as Record<string, unknown>;
    if (props.allowBlobPublicAccess !== false) {
      reportViolation("allowBlobPublicAccess must be false: HR exports must never be public.");
    }
    if (props.allowSharedKeyAccess !== false) {
      reportViolation(
        "allowSharedKeyAccess must be false: use the uploader's managed identity, not account keys.",
      );
    }
    if (props.minimumTlsVersion !== "TLS1_2") {
      reportViolation('minimumTlsVersion must be "TLS1_2".');
    }
    if (props.enableHttpsTrafficOnly === false) {
      reportViolation("enableHttpsTrafficOnly must not be false.");
    }
  },
};
