import { ResourceValidationPolicy } from "@pulumi/policy";

/**
 * A Logic App with a Request trigger can be called by anyone who holds its callback URL. Ours
 * receive HR records or act for Lifecycle Workflows, so each must also demand an Entra token:
 * an authorization policy that pins the token issuer to a tenant (`iss`) and the token to the
 * resource it was issued for (`aud`): without the audience, a token the caller obtained for any
 * other API of the tenant (Azure Resource Manager, Graph) would do.
 */
export const logicAppTriggerAuthorized: ResourceValidationPolicy = {
  name: "inbound-logic-app-trigger-authorized",
  description:
    "Logic Apps with an HTTP Request trigger require an Entra ID authorization policy with issuer and audience claims.",
  enforcementLevel: "mandatory",
  validateResource: (args, reportViolation) => {
    if (args.type !== "azure-native:logic:Workflow") return;
    const props = args.props as {
      definition?: { triggers?: Record<string, { type?: string }> };
      accessControl?: {
        triggers?: {
          openAuthenticationPolicies?: {
            policies?: Record<string, { type?: string; claims?: { name?: string }[] }>;
          };
        };
      };
    };
    const requestTriggers = Object.entries(props.definition?.triggers ?? {})
      .filter(([, trigger]) => trigger?.type === "Request")
      .map(([name]) => name);
    if (requestTriggers.length === 0) return;
    const policies = Object.entries(
      props.accessControl?.triggers?.openAuthenticationPolicies?.policies ?? {},
    );
    if (policies.length === 0) {
      reportViolation(
        `Request trigger ${requestTriggers.join(", ")} has no authorization policy: set accessControl.triggers.openAuthenticationPolicies so that callers need an Entra ID token, not only the callback URL.`,
      );
      return;
    }
    for (const [name, policy] of policies) {
      const claims = new Set((policy.claims ?? []).map((claim) => claim.name));
      if (!claims.has("iss")) {
        reportViolation(
          `Authorization policy ${name} has no "iss" claim: without it a token from any tenant is accepted.`,
        );
      }
      if (!claims.has("aud")) {
        reportViolation(
          `Authorization policy ${name} has no "aud" claim: without it a token issued for any other API of the tenant is accepted.`,
        );
      }
    }
  },
};
