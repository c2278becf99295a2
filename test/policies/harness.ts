/**
 * Runs one CrossGuard resource policy against fabricated arguments, the way the policy engine
 * would, and collects its violations. PolicyPack itself starts a gRPC server, so tests import the
 * rules, never policies/index.ts.
 */
import type { ResourceValidationArgs, ResourceValidationPolicy } from "@pulumi/policy";

export async function violations(
  policy: ResourceValidationPolicy,
  type: string,
  props: Record<string, unknown>,
  name = "test",
): Promise<string[]> {
  const found: string[] = [];
  const args = {
    type,
    name,
    props,
    urn: `urn:pulumi:test::inbound::${type}::${name}`,
    opts: {},
    isType: () => false,
    asType: () => undefined,
    getConfig: () => ({}),
    notApplicable: (reason?: string) => {
      throw new Error(`not applicable: ${reason}`);
    },
  } as unknown as ResourceValidationArgs;
  const validate = Array.isArray(policy.validateResource)
    ? policy.validateResource
    : [policy.validateResource];
  for (const fn of validate) await fn!(args, (message) => found.push(message));
  return found;
}
