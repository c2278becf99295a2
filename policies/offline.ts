/**
 * Runs the pack's rules over resources known offline (an `inbound plan`, a test), the way the
 * policy engine calls them during `pulumi preview` (resource rules once per resource, stack rules
 * once with every resource), and collects what they report.
 */
import type {
  EnforcementLevel,
  Policies,
  PolicyResource,
  ResourceValidationArgs,
  StackValidationArgs,
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
  rules: Readonly<Policies> = packRules,
): Promise<PolicyViolation[]> {
  const found: PolicyViolation[] = [];
  const urnOf = (resource: OfflineResource) =>
    `urn:pulumi:offline::inbound::${resource.type}::${resource.name}`;
  for (const resource of resources) {
    const args = {
      type: resource.type,
      name: resource.name,
      props: resource.inputs,
      urn: urnOf(resource),
      opts: {},
      isType: () => false,
      asType: () => undefined,
      getConfig: () => ({}),
      notApplicable: () => undefined,
    } as unknown as ResourceValidationArgs;
    for (const rule of rules) {
      if (!("validateResource" in rule)) continue;
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

  const stack: PolicyResource[] = resources.map((resource) => ({
    type: resource.type,
    name: resource.name,
    props: resource.inputs,
    urn: urnOf(resource),
    opts: {} as PolicyResource["opts"],
    dependencies: [],
    propertyDependencies: {},
    isType: () => false,
    asType: () => undefined,
  }));
  const byUrn = new Map(resources.map((resource) => [urnOf(resource), resource]));
  for (const rule of rules) {
    if (!("validateStack" in rule)) continue;
    const args = {
      resources: stack,
      stackTags: new Map<string, string>(),
      getConfig: () => ({}),
      notApplicable: () => undefined,
    } as unknown as StackValidationArgs;
    await rule.validateStack(args, (message, urn) => {
      const resource = urn ? byUrn.get(urn) : undefined;
      found.push({
        policy: rule.name,
        enforcementLevel: rule.enforcementLevel ?? "advisory",
        resource: resource?.name ?? "(stack)",
        type: resource?.type ?? "pulumi:pulumi:Stack",
        message,
      });
    });
  }
  return found;
}
