/**
 * What an offline plan answers for the program's look-ups. Values that only the tenant knows (role
 * ids, group ids, template ids) are shown as `<...>` placeholders, so a reviewer sees exactly what
 * is looked up at deploy time instead of a made-up GUID.
 */
import type { TenantSpec } from "../../lib/model/schema";
import type { InvokeAnswer } from "./mockRun";

export function offlineInvokes(spec: TenantSpec): InvokeAnswer {
  return (token, inputs) => {
    switch (token) {
      case "azuread:index/getApplicationTemplate:getApplicationTemplate": {
        const displayName = String(inputs.displayName ?? inputs.templateId);
        return {
          id: `<template:${displayName}>`,
          templateId: inputs.templateId ?? `<template:${displayName}>`,
          displayName,
          categories: [],
          supportedProvisioningTypes: ["sync"],
          supportedSingleSignOnModes: [],
        };
      }
      case "azuread:index/getServicePrincipal:getServicePrincipal": {
        const subject = String(inputs.clientId ?? inputs.displayName ?? inputs.objectId);
        return {
          id: `<servicePrincipal:${subject}>`,
          objectId: `<servicePrincipal:${subject}>`,
          clientId: inputs.clientId ?? `<clientId:${subject}>`,
          displayName: inputs.displayName ?? subject,
          appRoleIds: Object.fromEntries(KNOWN_ROLE_VALUES.map((v) => [v, `<appRole:${v}>`])),
          appRoles: [],
          oauth2PermissionScopeIds: {},
        };
      }
      case "azuread:index/getGroup:getGroup": {
        const name = String(inputs.displayName ?? inputs.objectId);
        return { id: `<group:${name}>`, objectId: `<group:${name}>`, displayName: name };
      }
      case "azuread:index/getClientConfig:getClientConfig":
        return { clientId: "<deployer>", objectId: "<deployer>", tenantId: spec.tenant.id };
      case "azure-native:authorization:getClientConfig":
        return {
          clientId: "<deployer>",
          objectId: "<deployer>",
          subscriptionId: spec.azure?.subscriptionId ?? "<subscription>",
          tenantId: spec.tenant.id,
        };
      case "azure-native:logic:listWorkflowTriggerCallbackUrl":
        return { value: `<callbackUrl:${String(inputs.workflowName)}>` };
      default:
        throw new Error(`the offline plan has no answer for the look-up ${token}`);
    }
  };
}

/** Role values the components look up on the Microsoft Graph service principal. */
const KNOWN_ROLE_VALUES = [
  "SynchronizationData-User.Upload",
  "ProvisioningLog.Read.All",
  "AuditLog.Read.All",
  "LifecycleWorkflows.ReadWrite.All",
  "User.Read.All",
  "Group.Read.All",
];
