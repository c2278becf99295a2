/**
 * Runs the pack's resource rules over resources known offline (an `inbound plan`, a test), the
 * way the policy engine calls them during `pulumi preview`, and collects what they report.
 */
import type {
  EnforcementLevel,
  ResourceValidationArgs,
  ResourceValidationPolicy,
} from "@pulumi/policy";
import { rules as packRules } from "./rules";

export interface OfflineResource {
  type: string;
  name: string;
  inputs: Record<string, unknown>;
}

export interface PolicyViolation {
  policy: string;
  enforcementLevel: EnforcementLevel;
  resource: string;
  type: string;
  message: string;
}

export async function checkPolicies(
  resources: readonly OfflineResource[],
  rules: readonly ResourceValidationPolicy[] = packRules,
): Promise<PolicyViolation[]> {
  const found: PolicyViolation[] = [];
  for (const resource of resources) {
    const args = {
      type: resource.type,
      name: resource.name,
      props: resource.inputs,
      urn: `urn:pulumi:offline::inbound::${resource.type}::${resource.name}`,
      opts: {},
      isType: () => false,
      asType: () => undefined,
      getConfig: () => ({}),
      notApplicable: () => undefined,
    } as unknown as ResourceValidationArgs;
    for (const rule of rules) {
      const validators = Array.isArray(rule.validateResource)
        ? rule.validateResource
        : [rule.validateResource];
      for (const validate of validators) {
        await validate?.(args, (message) =>
          found.push({
            policy: rule.name,
            enforcementLevel: rule.enforcementLevel ?? "advisory",
            resource: resource.name,
            type: resource.type,
            message,
          }),
        );
      }
    }
  }
  return found;
}
