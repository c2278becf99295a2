// The Pulumi program: the stack's config names one tenant spec; everything else comes from it.
import * as pulumi from "@pulumi/pulumi";
import { loadSpecOrThrow } from "./lib/loader/load";
import { Tenant } from "./components/tenant";

const config = new pulumi.Config("inbound");
const spec = loadSpecOrThrow(config.require("spec"));
// Ids of existing objects to adopt rather than create (`inbound export --adopt`, docs/adopting.md).
const adopt = config.getObject<Record<string, string>>("adopt");
const tenant = new Tenant(spec.tenant.name, { spec, adopt });

export const provisioning = tenant.provisioning;
