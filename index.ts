// The Pulumi program: the stack's config names one tenant spec; everything else comes from it.
import * as pulumi from "@pulumi/pulumi";
import { loadSpecOrThrow } from "./lib/loader/load";
import { Tenant } from "./components/tenant";

const config = new pulumi.Config("inbound");
const spec = loadSpecOrThrow(config.require("spec"));
const tenant = new Tenant(spec.tenant.name, { spec });

export const provisioning = tenant.provisioning;
