/**
 * Everything of a spec's lifecycle part: its custom task extensions (each with its Logic App),
 * its workflows and the tenant's Lifecycle Workflows settings. Group names in the spec are
 * resolved to ids at deploy time; a workflow is created after the extensions it runs.
 */
import * as pulumi from "@pulumi/pulumi";
import * as azuread from "@pulumi/azuread";
import {
  compileSettings,
  compileWorkflow,
  entryDefinition,
  taskEntry,
} from "../lib/lifecycle/compile";
import type { TenantSpec, Workflow } from "../lib/spec/schema";
import { CustomTaskExtension } from "./customTaskExtension";
import { LifecycleSettings } from "./graph/lifecycleSettings";
import { LifecycleWorkflow } from "./graph/lifecycleWorkflow";

export interface LifecycleWorkflowsArgs {
  spec: TenantSpec;
  /** Graph endpoint; defaults to the spec's `graph.baseUrl`. */
  graphBaseUrl?: string;
}

/** Display names of the groups a workflow refers to (its trigger and group/team arguments). */
export function groupNames(workflow: Workflow): string[] {
  const names = new Set<string>();
  if ("group" in workflow.trigger) names.add(workflow.trigger.group);
  for (const raw of workflow.tasks) {
    const entry = taskEntry(raw);
    const definition = entryDefinition(entry.name);
    if (!definition || !("arguments" in definition) || !definition.arguments) continue;
    for (const argument of definition.arguments) {
      const value = entry.options[argument.name];
      if (argument.type.kind !== "groups" || value === undefined) continue;
      for (const name of Array.isArray(value) ? value : [value]) names.add(String(name));
    }
  }
  return [...names];
}

/** Keys of the custom task extensions a workflow runs. */
export function extensionKeys(workflow: Workflow): string[] {
  return workflow.tasks
    .map(taskEntry)
    .filter((e) => e.name === "runCustomTaskExtension" && e.options.extension !== undefined)
    .map((e) => String(e.options.extension));
}

export class LifecycleWorkflows extends pulumi.ComponentResource {
  public readonly extensions: Record<string, CustomTaskExtension> = {};
  public readonly workflows: Record<string, LifecycleWorkflow> = {};
  public readonly settings?: LifecycleSettings;

  constructor(name: string, args: LifecycleWorkflowsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("inbound:lifecycle:LifecycleWorkflows", name, {}, opts);
    const spec = args.spec;
    const graphBaseUrl = args.graphBaseUrl ?? spec.graph.baseUrl;

    for (const [key, extension] of Object.entries(spec.customTaskExtensions)) {
      if (!spec.azure) {
        throw new Error(
          `customTaskExtensions.${key}: the Logic App needs \`azure: { subscriptionId, resourceGroup, location }\` in the spec`,
        );
      }
      this.extensions[key] = new CustomTaskExtension(
        `${name}-extension-${key}`,
        {
          extension,
          tenantId: spec.tenant.id,
          subscriptionId: spec.azure.subscriptionId,
          resourceGroupName: extension.logicApp.resourceGroup ?? spec.azure.resourceGroup,
          location: spec.azure.location,
          graphBaseUrl,
        },
        { parent: this },
      );
    }
    const extensionIds = pulumi.all(
      Object.fromEntries(Object.entries(this.extensions).map(([k, e]) => [k, e.extensionId])),
    );

    const groupIds: Record<string, pulumi.Output<string>> = {};
    for (const workflow of Object.values(spec.lifecycleWorkflows)) {
      for (const group of groupNames(workflow)) {
        groupIds[group] ??= azuread
          .getGroupOutput({ displayName: group }, { parent: this })
          .apply((found) => {
            if (!found?.objectId) {
              throw new Error(
                `no Entra group is named ${JSON.stringify(group)}; create it or correct the name in the spec`,
              );
            }
            return found.objectId;
          });
      }
    }
    const groups = pulumi.all(groupIds);

    for (const [key, workflow] of Object.entries(spec.lifecycleWorkflows)) {
      const body = pulumi.all([groups, extensionIds]).apply(([g, e]) =>
        compileWorkflow(
          workflow,
          {
            groupId: (group) => g[group],
            customTaskExtensionId: (extension) => {
              if (!(extension in e)) {
                throw new Error(
                  `lifecycleWorkflows.${key}: unknown custom task extension ${JSON.stringify(extension)}`,
                );
              }
              return e[extension];
            },
          },
          `lifecycleWorkflows.${key}`,
        ),
      );
      const uses = extensionKeys(workflow)
        .filter((k) => k in this.extensions)
        .map((k) => this.extensions[k]);
      this.workflows[key] = new LifecycleWorkflow(
        `${name}-workflow-${key}`,
        {
          category: body.category,
          description: body.description,
          displayName: body.displayName,
          isEnabled: body.isEnabled,
          isSchedulingEnabled: body.isSchedulingEnabled,
          executionConditions: body.executionConditions,
          tasks: body.tasks,
          graphBaseUrl,
          graphVersion: "v1.0",
          purgeOnDelete: workflow.purgeOnDelete,
        },
        { parent: this, dependsOn: uses },
      );
    }

    if (spec.lifecycleWorkflowSettings) {
      const body = compileSettings(spec.lifecycleWorkflowSettings);
      this.settings = new LifecycleSettings(
        `${name}-settings`,
        { ...body, graphBaseUrl, graphVersion: "v1.0" },
        { parent: this },
      );
    }

    this.registerOutputs({
      workflowIds: pulumi.all(
        Object.fromEntries(Object.entries(this.workflows).map(([k, w]) => [k, w.id])),
      ),
      extensionIds,
    });
  }
}
