// The CrossGuard pack: `pulumi preview --policy-pack policies`. Starting a PolicyPack serves it
// over gRPC, so tests and `inbound plan` import policies/rules, never this file.
import { PolicyPack } from "@pulumi/policy";
import { rules } from "./rules";

new PolicyPack("inbound", { policies: rules });
