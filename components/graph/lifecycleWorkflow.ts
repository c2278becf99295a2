/**
 * One Lifecycle Workflow as a Pulumi dynamic resource. Its inputs are the compiled Graph body's
 * properties (so a preview diff names `tasks`, `executionConditions`...) plus where Graph is.
 *
 * Update follows what Graph allows
 * (https://learn.microsoft.com/en-us/graph/api/identitygovernance-workflow-update and
 * https://learn.microsoft.com/en-us/graph/api/identitygovernance-workflow-createnewversion): a
 * PATCH when only displayName, description, isEnabled or isSchedulingEnabled change; otherwise one
 * createNewVersion (same id, version + 1), never a replacement. Delete is Graph's soft delete, plus
 * a purge from deleted items when `purgeOnDelete` is set.
 *
 * The provider is a plain object whose methods `require` their modules (by absolute path, captured
 * as a string) and build the Graph client from the inputs: nothing live is captured when Pulumi
 * serializes it, and no credential is ever an input.
 */
import { graphApi, requireLib } from "./providerRuntime";
import * as pulumi from "@pulumi/pulumi";
import type { WorkflowBody } from "../../lib/lifecycle/compile";
import type { WorkflowChanges } from "../../lib/lifecycle/diff";

export const LIFECYCLE_WORKFLOW_MODULE = "inbound-lifecycle-workflow";
export const LIFECYCLE_WORKFLOW_TYPE = `pulumi-nodejs:dynamic/${LIFECYCLE_WORKFLOW_MODULE}:Resource`;

export interface GraphLocation {
  /** Graph endpoint, e.g. https://graph.microsoft.com. */
  graphBaseUrl: string;
  /** Graph version; Lifecycle Workflows are in v1.0. */
  graphVersion?: "v1.0" | "beta";
  /** The spec's tenant id; absent in states written before it was recorded. */
  tenantId?: string;
}

/** The recorded tenant changed: nothing to replace, but the state must follow. */
export const tenantMoved = (olds: GraphLocation, news: GraphLocation) =>
  (olds.tenantId ?? "") !== (news.tenantId ?? "");

/** A change of where Graph is or which tenant: nothing to replace, but the state must follow. */
export const graphMoved = (olds: GraphLocation, news: GraphLocation) =>
  olds.graphBaseUrl !== news.graphBaseUrl ||
  (olds.graphVersion ?? "v1.0") !== (news.graphVersion ?? "v1.0") ||
  tenantMoved(olds, news);

export type LifecycleWorkflowInputs = WorkflowBody &
  GraphLocation & {
    /** Also delete the workflow from deleted items when it is deleted. */
    purgeOnDelete?: boolean;
    /**
     * The id of an existing workflow to adopt: create reads it and changes only what differs
     * from the spec, instead of creating a second one (docs/adopting.md). Pulumi's own `import`
     * cannot adopt a dynamic resource: its import step calls `read` with neither inputs nor
     * state, so the serialized provider is not found (https://github.com/pulumi/pulumi/issues/16175).
     */
    adoptId?: string;
  };

export interface LifecycleWorkflowOutputs extends LifecycleWorkflowInputs {
  version: number;
  /** Placeholder → id of task definitions looked up by display name at deploy time. */
  taskDefinitionIds: Record<string, string>;
}

const BODY_KEYS = [
  "category",
  "description",
  "displayName",
  "isEnabled",
  "isSchedulingEnabled",
  "executionConditions",
  "tasks",
] as const;

/** The Graph body within a resource's inputs or outputs. */
export function bodyOf(props: Partial<LifecycleWorkflowInputs>): WorkflowBody {
  const body: Record<string, unknown> = {};
  for (const key of BODY_KEYS) if (props[key] !== undefined) body[key] = props[key];
  return body as WorkflowBody;
}

/** Pulumi's detailed-diff kinds for the changed keys (`tasks[1]`, `description`...). */
export function detailedDiff(
  changes: WorkflowChanges,
): Record<string, { kind: "ADD" | "DELETE" | "UPDATE"; inputDiff: boolean }> {
  const all = { ...changes.patched, ...changes.versioned };
  return Object.fromEntries(
    Object.entries(all).map(([key, kind]) => [
      key,
      { kind: kind.toUpperCase() as "ADD" | "DELETE" | "UPDATE", inputDiff: true },
    ]),
  );
}

export const lifecycleWorkflowProvider = {
  async create(inputs: LifecycleWorkflowInputs): Promise<pulumi.dynamic.CreateResult> {
    const { client, api } = graphApi(inputs, "lifecycle/graphApi");
    const state = inputs.adoptId
      ? await api.adoptWorkflow(client, inputs.adoptId, bodyOf(inputs))
      : await api.createWorkflow(client, bodyOf(inputs));
    const outs: LifecycleWorkflowOutputs = {
      ...inputs,
      version: state.version,
      taskDefinitionIds: state.taskDefinitionIds,
    };
    return { id: state.id, outs };
  },

  async diff(
    _id: string,
    olds: LifecycleWorkflowOutputs,
    news: LifecycleWorkflowInputs,
  ): Promise<pulumi.dynamic.DiffResult & { detailedDiff: ReturnType<typeof detailedDiff> }> {
    const { workflowChanges } = requireLib("lifecycle/diff");
    const changes: WorkflowChanges = workflowChanges(bodyOf(olds), bodyOf(news));
    // Another endpoint is another tenant cloud: the workflow there is a different object.
    const replaces = (["graphBaseUrl", "graphVersion"] as const).filter(
      (k) => (olds[k] ?? "v1.0") !== (news[k] ?? "v1.0"),
    );
    const detailed = detailedDiff(changes);
    const settingsOnly =
      (olds.purgeOnDelete ?? false) !== (news.purgeOnDelete ?? false) || tenantMoved(olds, news);
    return {
      changes: replaces.length > 0 || settingsOnly || Object.keys(detailed).length > 0,
      replaces,
      detailedDiff: detailed,
    };
  },

  async update(
    id: string,
    olds: LifecycleWorkflowOutputs,
    news: LifecycleWorkflowInputs,
  ): Promise<pulumi.dynamic.UpdateResult> {
    const { client, api } = graphApi(news, "lifecycle/graphApi");
    const result = await api.updateWorkflow(client, id, bodyOf(olds), bodyOf(news), {
      version: olds.version,
      taskDefinitionIds: olds.taskDefinitionIds ?? {},
    });
    const outs: LifecycleWorkflowOutputs = {
      ...news,
      version: result.version,
      taskDefinitionIds: result.taskDefinitionIds,
    };
    return { outs };
  },

  /**
   * Drift detection: the live workflow in the shape of the inputs, so that the engine's
   * comparison shows exactly what changed out of band. A workflow deleted outside Pulumi reads
   * as gone.
   */
  async read(id: string, props: LifecycleWorkflowOutputs): Promise<pulumi.dynamic.ReadResult> {
    const { client, api } = graphApi(props, "lifecycle/graphApi");
    const live = await api.readWorkflow(client, id, bodyOf(props), props.taskDefinitionIds ?? {});
    if (!live) return {};
    const rest: Record<string, unknown> = { ...props };
    for (const key of BODY_KEYS) delete rest[key];
    return { id, props: { ...rest, ...live.body, version: live.version } };
  },

  async delete(id: string, props: LifecycleWorkflowOutputs): Promise<void> {
    const { client, api } = graphApi(props, "lifecycle/graphApi");
    await api.deleteWorkflow(client, id, props.purgeOnDelete === true);
  },
};

export type LifecycleWorkflowArgs = {
  [K in keyof LifecycleWorkflowInputs]: pulumi.Input<LifecycleWorkflowInputs[K]>;
};

export class LifecycleWorkflow extends pulumi.dynamic.Resource {
  declare public readonly displayName: pulumi.Output<string>;
  declare public readonly version: pulumi.Output<number>;
  declare public readonly tasks: pulumi.Output<WorkflowBody["tasks"]>;

  constructor(name: string, args: LifecycleWorkflowArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      lifecycleWorkflowProvider,
      name,
      { version: undefined, taskDefinitionIds: undefined, ...args },
      opts,
      LIFECYCLE_WORKFLOW_MODULE,
    );
  }
}

/** Copied by value into the provider process wherever inbound is installed (see providerRuntime.ts). */
export const deploymentOnlyModule = true;
