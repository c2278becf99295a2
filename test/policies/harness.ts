/**
 * One CrossGuard rule against fabricated arguments, through the same offline runner that
 * `inbound plan` uses. PolicyPack itself starts a gRPC server, so tests never import
 * policies/index.ts.
 */
import type { ResourceValidationPolicy } from "@pulumi/policy";
import { checkPolicies } from "../../policies/offline";

export async function violations(
  policy: ResourceValidationPolicy,
  type: string,
  props: Record<string, unknown>,
  name = "test",
): Promise<string[]> {
  return (await checkPolicies([{ type, name, inputs: props }], [policy])).map((v) => v.message);
}
