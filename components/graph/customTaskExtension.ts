/**
 * A Lifecycle Workflows custom task extension (the Graph object pointing at a Logic App) as a
 * Pulumi dynamic resource. Every property can be PATCHed
 * (https://learn.microsoft.com/en-us/graph/api/identitygovernance-customtaskextension-update), so
 * an update never replaces it: workflows keep referring to the same id.
 *
 * Provider pattern as in lifecycleWorkflow.ts: a plain object, modules required inside methods by
 * a path captured as a string, the Graph client built from the inputs.
 */
import { graphApi, requireLib } from "./providerRuntime";
import * as pulumi from "@pulumi/pulumi";
import type { CustomTaskExtensionBody } from "../../lib/lifecycle/compile";
import { changedExtensionKeys, EXTENSION_BODY_KEYS } from "../../lib/lifecycle/diff";
import { tenantMoved, type GraphLocation } from "./lifecycleWorkflow";

export const CUSTOM_TASK_EXTENSION_MODULE = "inbound-custom-task-extension";
export const CUSTOM_TASK_EXTENSION_TYPE = `pulumi-nodejs:dynamic/${CUSTOM_TASK_EXTENSION_MODULE}:Resource`;

export type CustomTaskExtensionInputs = CustomTaskExtensionBody & GraphLocation;

const BODY_KEYS = EXTENSION_BODY_KEYS;

export function extensionBodyOf(
  props: Partial<CustomTaskExtensionInputs>,
): CustomTaskExtensionBody {
  const body: Record<string, unknown> = {};
  for (const key of BODY_KEYS) if (props[key] !== undefined) body[key] = props[key];
  return body as CustomTaskExtensionBody;
}

export { changedExtensionKeys };

export const customTaskExtensionProvider = {
  async create(inputs: CustomTaskExtensionInputs): Promise<pulumi.dynamic.CreateResult> {
    const { client, api } = graphApi(inputs, "lifecycle/graphApi");
    const id = await api.createCustomTaskExtension(client, extensionBodyOf(inputs));
    return { id, outs: { ...inputs, extensionId: id } };
  },

  async diff(
    _id: string,
    olds: CustomTaskExtensionInputs,
    news: CustomTaskExtensionInputs,
  ): Promise<pulumi.dynamic.DiffResult> {
    const replaces = (["graphBaseUrl", "graphVersion"] as const).filter(
      (k) => (olds[k] ?? "v1.0") !== (news[k] ?? "v1.0"),
    );
    const changed = requireLib("lifecycle/diff").changedExtensionKeys(olds, news);
    // A recorded tenant id is state to follow, not a different object.
    const moved = tenantMoved(olds, news);
    return { changes: moved || replaces.length + changed.length > 0, replaces };
  },

  async update(
    id: string,
    _olds: CustomTaskExtensionInputs,
    news: CustomTaskExtensionInputs,
  ): Promise<pulumi.dynamic.UpdateResult> {
    const { client, api } = graphApi(news, "lifecycle/graphApi");
    await api.updateCustomTaskExtension(client, id, extensionBodyOf(news));
    return { outs: { ...news, extensionId: id } };
  },

  async read(id: string, props: CustomTaskExtensionInputs): Promise<pulumi.dynamic.ReadResult> {
    const { client, api } = graphApi(props, "lifecycle/graphApi");
    const live = await api.readCustomTaskExtension(client, id, extensionBodyOf(props));
    if (!live) return {};
    const rest: Record<string, unknown> = { ...props };
    for (const key of BODY_KEYS) delete rest[key];
    return { id, props: { ...rest, ...live } };
  },

  async delete(id: string, props: CustomTaskExtensionInputs): Promise<void> {
    const { client, api } = graphApi(props, "lifecycle/graphApi");
    await api.deleteCustomTaskExtension(client, id);
  },
};

export type CustomTaskExtensionObjectArgs = {
  [K in keyof CustomTaskExtensionInputs]: pulumi.Input<CustomTaskExtensionInputs[K]>;
};

/** The Graph object; the Logic App and its permissions are in components/customTaskExtension.ts. */
export class CustomTaskExtensionObject extends pulumi.dynamic.Resource {
  /** The extension's Graph id, which `runCustomTaskExtension` tasks refer to. */
  declare public readonly extensionId: pulumi.Output<string>;

  constructor(
    name: string,
    args: CustomTaskExtensionObjectArgs,
    opts?: pulumi.CustomResourceOptions,
  ) {
    super(
      customTaskExtensionProvider,
      name,
      { extensionId: undefined, ...args },
      opts,
      CUSTOM_TASK_EXTENSION_MODULE,
    );
  }
}

/** Copied by value into the provider process wherever inbound is installed (see providerRuntime.ts). */
export const deploymentOnlyModule = true;
