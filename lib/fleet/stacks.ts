/**
 * One Pulumi stack per tenant file: `Pulumi.<tenant.name>.yaml` beside Pulumi.yaml, holding what
 * the program and its providers read, so that `pulumi stack select <tenant>` deploys that tenant
 * and no other. The program reads `inbound:spec` (index.ts); the tenant component brings its own
 * providers from the spec's ids (components/tenant.ts), and the stack's default azuread and
 * azure-native providers are given the same ids so that nothing a stack runs (`pulumi import`,
 * `pulumi refresh` of a resource without an explicit provider, the policy pack) can land in the
 * tenant or subscription the operator happens to be signed in to.
 */
import * as path from "path";
import { isMap, parseDocument } from "yaml";
import type { TenantSpec } from "../model/schema";

export type StackStatus = "up to date" | "missing" | "out of date";

export interface StackSettings {
  /** `Pulumi.<stack>.yaml`. */
  stackFile: string;
  stack: string;
  /** Config key: value, as `pulumi config set` would store them. */
  config: Record<string, string>;
}

export function stackSettings(spec: TenantSpec, specFile: string): StackSettings {
  const config: Record<string, string> = {
    "inbound:spec": specFile.split(path.sep).join("/"),
    "azuread:tenantId": spec.tenant.id,
  };
  if (spec.azure) {
    config["azure-native:tenantId"] = spec.tenant.id;
    config["azure-native:subscriptionId"] = spec.azure.subscriptionId;
  }
  const stack = spec.tenant.name;
  return { stack, stackFile: `Pulumi.${stack}.yaml`, config };
}

/** The stack's name if `file` is a stack settings file (`Pulumi.<stack>.yaml`). */
export function stackOfFile(file: string): string | undefined {
  return /^Pulumi\.([^.]+(?:\.[^.]+)*)\.ya?ml$/.exec(file)?.[1];
}

/** The keys whose value in `existing` (a stack file's text) differs from `settings`. */
export function staleKeys(settings: StackSettings, existing: string): string[] {
  const doc = parseDocument(existing);
  return Object.entries(settings.config)
    .filter(([key, value]) => doc.getIn(["config", key]) !== value)
    .map(([key]) => key);
}

/**
 * `existing` with `settings` set, everything else in it kept (secrets, the encryption salt,
 * other config such as `inbound:activeDirectorySecretKeys`, comments); or a new file.
 */
export function writeStackFile(
  settings: StackSettings,
  existing: string | undefined,
  specFile: string,
): string {
  if (existing !== undefined) {
    const doc = parseDocument(existing);
    if (!isMap(doc.get("config"))) doc.set("config", doc.createNode({}));
    for (const [key, value] of Object.entries(settings.config)) doc.setIn(["config", key], value);
    return doc.toString();
  }
  const doc = parseDocument("config: {}\n");
  doc.commentBefore =
    ` Stack ${settings.stack}: written by \`inbound stacks --write\` from ${specFile.split(path.sep).join("/")}.\n` +
    " The ids come from the tenant file; change them there and run `inbound stacks --write` again.";
  doc.set("config", doc.createNode(settings.config));
  return doc.toString();
}
