/**
 * Every dynamic provider of the project by its resource type: `inbound plan` calls the `create` of
 * the same objects Pulumi serializes into the deployment, so the plan runs the deploy code.
 */
import type * as pulumi from "@pulumi/pulumi";
import { FUNCTION_PACKAGE_TYPE } from "../uploader/functionPackage";
import { CUSTOM_TASK_EXTENSION_TYPE, customTaskExtensionProvider } from "./customTaskExtension";
import { LIFECYCLE_SETTINGS_TYPE, lifecycleSettingsProvider } from "./lifecycleSettings";
import { LIFECYCLE_WORKFLOW_TYPE, lifecycleWorkflowProvider } from "./lifecycleWorkflow";
import {
  PROVISIONING_JOB_START_TYPE,
  PROVISIONING_JOB_TYPE,
  provisioningJobProvider,
  provisioningJobStartProvider,
} from "./provisioningJob";
import {
  SYNCHRONIZATION_SCHEMA_TYPE,
  synchronizationSchemaProvider,
} from "./synchronizationSchema";
import {
  SYNCHRONIZATION_SECRETS_TYPE,
  synchronizationSecretsProvider,
} from "./synchronizationSecrets";

export interface Creating {
  // The providers' inputs differ by type; the plan passes what the program registered.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  create(inputs: any): Promise<pulumi.dynamic.CreateResult>;
}

/**
 * inbound's dynamic resources that act on Azure, not Graph (the uploader's code package): a plan or
 * the sandbox lists them with their inputs, as it does azure-native's, and never runs them.
 */
export const AZURE_DYNAMIC_TYPES: ReadonlySet<string> = new Set([FUNCTION_PACKAGE_TYPE]);

export const DYNAMIC_PROVIDERS: Readonly<Record<string, Creating>> = {
  [PROVISIONING_JOB_TYPE]: provisioningJobProvider,
  [PROVISIONING_JOB_START_TYPE]: provisioningJobStartProvider,
  [SYNCHRONIZATION_SCHEMA_TYPE]: synchronizationSchemaProvider,
  [SYNCHRONIZATION_SECRETS_TYPE]: synchronizationSecretsProvider,
  [LIFECYCLE_WORKFLOW_TYPE]: lifecycleWorkflowProvider,
  [LIFECYCLE_SETTINGS_TYPE]: lifecycleSettingsProvider,
  [CUSTOM_TASK_EXTENSION_TYPE]: customTaskExtensionProvider,
};

/** Copied by value into the provider process wherever inbound is installed (see providerRuntime.ts). */
export const deploymentOnlyModule = true;
