/**
 * The Pulumi program, as a function: the stack's config names one tenant spec, and everything
 * else comes from it. The repository's index.ts runs it, and so does the index.ts of a project
 * that installed inbound as a package (`inbound init --project`), so `inbound plan` shows what
 * either deploys.
 */
import * as pulumi from "@pulumi/pulumi";
import { loadSpecOrThrow } from "./lib/loader/load";
import { Tenant } from "./components/tenant";

/** Builds the tenant of the stack's `inbound:spec` and returns the stack's outputs. */
export function tenantStack() {
  const config = new pulumi.Config("inbound");
  const spec = loadSpecOrThrow(config.require("spec"));
  // Ids of existing objects to adopt rather than create (`inbound export --adopt`, docs/adopting.md).
  const adopt = config.getObject<Record<string, string>>("adopt");
  const tenant = new Tenant(spec.tenant.name, { spec, adopt });
  return { provisioning: tenant.provisioning };
}
