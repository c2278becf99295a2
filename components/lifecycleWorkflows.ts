/**
 * Everything of a spec's lifecycle part: its custom task extensions (each with its Logic App),
 * its workflows and the tenant's Lifecycle Workflows settings. Group names in the spec are
 * resolved to ids at deploy time; a workflow is created after the extensions it runs.
 */
import * as pulumi from "@pulumi/pulumi";
import * as azuread from "@pulumi/azuread";
import {
  compileSettings,
  byIdOrLookUp,
  compileWorkflow,
  entryDefinition,
  taskEntry,
} from "../lib/lifecycle/compile";
import type { TenantSpec, Workflow } from "../lib/model/schema";
import { GUID } from "../lib/lifecycle/tasks";
import { CustomTaskExtension } from "./customTaskExtension";
import { LifecycleSettings } from "./graph/lifecycleSettings";
import { LifecycleWorkflow } from "./graph/lifecycleWorkflow";

export interface LifecycleWorkflowsArgs {
  spec: TenantSpec;
  /** Graph endpoint; defaults to the spec's `graph.baseUrl`. */
  graphBaseUrl?: string;
  /**
   * Objects that already exist, by resource name → id: each workflow (`<name>-workflow-<key>`)
   * is adopted by its provider's create instead of created, and the settings (`<name>-settings`)
   * are written only where they differ (docs/adopting.md).
   */
  adopt?: Readonly<Record<string, string>>;
}

/**
 * The groups (and Teams, whose id is their Microsoft 365 group's) a workflow refers to, by display
 * name, each with where the spec uses it: `trigger`, or `tasks[1].groups`.
 */
export function groupUses(workflow: Workflow): Map<string, string[]> {
  const uses = new Map<string, string[]>();
  const use = (name: string, where: string) => uses.set(name, [...(uses.get(name) ?? []), where]);
  if ("group" in workflow.trigger) use(workflow.trigger.group, "trigger.group");
  workflow.tasks.forEach((raw, index) => {
    const entry = taskEntry(raw);
    const definition = entryDefinition(entry.name);
    if (!definition || !("arguments" in definition) || !definition.arguments) return;
    for (const argument of definition.arguments) {
      const value = entry.options[argument.name];
      if (argument.type.kind !== "groups" || value === undefined) continue;
      for (const name of Array.isArray(value) ? value : [value]) {
        use(String(name), `tasks[${index}].${argument.name}`);
      }
    }
  });
  return uses;
}

/** What the group look-up needs: azuread.getGroup's shape. */
export type GetGroup = (args: {
  displayName: string;
}) => Promise<{ objectId?: string | null } | undefined>;

/**
 * The object id of the group named `name`, or an error that says which spec fields need it: a
 * missing group fails the deployment before any workflow is created or changed. A GUID is taken
 * as the group's object id as it is (`inbound export` writes ids, with the name in a comment).
 */
export async function lookUpGroup(
  name: string,
  usedBy: readonly string[],
  getGroup: GetGroup,
): Promise<string> {
  if (GUID.test(name)) return name;
  const fields = usedBy.join(", ");
  let found: { objectId?: string | null } | undefined;
  try {
    found = await getGroup({ displayName: name });
  } catch (err) {
    const cause = err instanceof Error ? err.message : String(err);
    throw new Error(
      `${fields}: cannot find the Entra group ${JSON.stringify(name)}; create it or correct the name in the spec (the look-up said: ${cause})`,
    );
  }
  if (!found?.objectId) {
    throw new Error(
      `${fields}: no Entra group is named ${JSON.stringify(name)}; create it or correct the name in the spec`,
    );
  }
  return found.objectId;
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

    // One look-up per group name, whichever workflows use it.
    const uses = new Map<string, string[]>();
    for (const [key, workflow] of Object.entries(spec.lifecycleWorkflows)) {
      for (const [group, fields] of groupUses(workflow)) {
        const where = fields.map((f) => `lifecycleWorkflows.${key}.${f}`);
        uses.set(group, [...(uses.get(group) ?? []), ...where]);
      }
    }
    const getGroup: GetGroup = (args) => azuread.getGroup(args, { parent: this });
    const groupIds: Record<string, pulumi.Output<string>> = {};
    for (const [group, usedBy] of uses) {
      groupIds[group] = pulumi.output(lookUpGroup(group, usedBy, getGroup));
    }
    const groups = pulumi.all(groupIds);

    for (const [key, workflow] of Object.entries(spec.lifecycleWorkflows)) {
      const body = pulumi.all([groups, extensionIds]).apply(([g, e]) =>
        compileWorkflow(
          workflow,
          byIdOrLookUp({
            groupId: (group) => g[group],
            customTaskExtensionId: (extension) => {
              if (!(extension in e)) {
                throw new Error(
                  `lifecycleWorkflows.${key}: unknown custom task extension ${JSON.stringify(extension)}`,
                );
              }
              return e[extension];
            },
          }),
          `lifecycleWorkflows.${key}`,
        ),
      );
      const uses = extensionKeys(workflow)
        .filter((k) => k in this.extensions)
        .map((k) => this.extensions[k]);
      const adoptId = args.adopt?.[`${name}-workflow-${key}`];
      this.workflows[key] = new LifecycleWorkflow(
        `${name}-workflow-${key}`,
        {
          ...(adoptId ? { adoptId } : {}),
          category: body.category,
          description: body.description,
          displayName: body.displayName,
          isEnabled: body.isEnabled,
          isSchedulingEnabled: body.isSchedulingEnabled,
          executionConditions: body.executionConditions,
          tasks: body.tasks,
          graphBaseUrl,
          graphVersion: "v1.0",
          tenantId: spec.tenant.id,
          purgeOnDelete: workflow.purgeOnDelete,
        },
        { parent: this, dependsOn: uses },
      );
    }

    if (spec.lifecycleWorkflowSettings) {
      const body = compileSettings(spec.lifecycleWorkflowSettings);
      this.settings = new LifecycleSettings(
        `${name}-settings`,
        {
          ...body,
          graphBaseUrl,
          graphVersion: "v1.0",
          tenantId: spec.tenant.id,
          ...(args.adopt?.[`${name}-settings`] ? { adopt: true } : {}),
        },
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
