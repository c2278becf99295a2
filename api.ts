/**
 * inbound as a package (`import { Tenant, loadSpecOrThrow } from "inbound"`): the Pulumi
 * components and the tenant spec's loader, for a Pulumi program of your own. `tenantStack()` is the
 * whole program `inbound init --project` writes; the components let a program build a tenant with
 * other resources around it. Node loads this through api.js, which registers inbound's TypeScript
 * loader first.
 */
export { tenantStack } from "./program";
export { Tenant, TENANT_TYPE } from "./components/tenant";
export type { TenantArgs, ProvisioningAppOutputs } from "./components/tenant";
export { ApiProvisioningApp } from "./components/apiProvisioningApp";
export type { ApiProvisioningAppArgs } from "./components/apiProvisioningApp";
export { LifecycleWorkflows } from "./components/lifecycleWorkflows";
export type { LifecycleWorkflowsArgs } from "./components/lifecycleWorkflows";
export { CustomTaskExtension } from "./components/customTaskExtension";
export type { CustomTaskExtensionArgs } from "./components/customTaskExtension";
export { Monitoring } from "./components/monitoring";
export type { MonitoringArgs } from "./components/monitoring";
export { FunctionUploader, LogicAppUploader, newUploader } from "./components/uploader";
export type { Uploader, UploaderArgs } from "./components/uploader";
export { GraphAppRoleGrants } from "./components/graphPermissions";
export type { GraphAppRoleGrantsArgs } from "./components/graphPermissions";
export { loadSpec, loadSpecOrThrow } from "./lib/loader/load";
export type { LoadOptions, LoadResult } from "./lib/loader/load";
export { formatDiagnostic } from "./lib/model/diagnostics";
export type { Diagnostic } from "./lib/model/diagnostics";
export type { TenantSpec, TenantSpecInput, ProvisioningApp, Workflow } from "./lib/model/schema";
