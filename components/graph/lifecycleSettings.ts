/**
 * The tenant's Lifecycle Workflows settings (`PATCH /identityGovernance/lifecycleWorkflows/
 * settings`) as a Pulumi dynamic resource. There is one settings object per tenant, so create and
 * update are the same PATCH, and delete hands the tenant back Entra's defaults for what the spec
 * managed (a 3-hour schedule; no sender domain and no branding) and leaves the execution limits
 * (quarantineConfiguration) as they are. The PATCH always carries both
 * properties Graph requires, reading from the tenant what the spec leaves out
 * (lib/lifecycle/graphApi.ts, patchSettings).
 */
import { graphApi, requireLib } from "./providerRuntime";
import * as pulumi from "@pulumi/pulumi";
import type { SettingsBody } from "../../lib/lifecycle/compile";
import { graphMoved, type GraphLocation } from "./lifecycleWorkflow";

export const LIFECYCLE_SETTINGS_MODULE = "inbound-lifecycle-settings";
export const LIFECYCLE_SETTINGS_TYPE = `pulumi-nodejs:dynamic/${LIFECYCLE_SETTINGS_MODULE}:Resource`;
/** The settings object has no id of its own. */
export const LIFECYCLE_SETTINGS_ID = "lifecycleWorkflowSettings";

export type LifecycleSettingsInputs = SettingsBody &
  GraphLocation & {
    /**
     * Set when the tenant's settings are adopted (docs/adopting.md): create then reads them first
     * and sends nothing when they already are the spec's.
     */
    adopt?: boolean;
  };

export function settingsBodyOf(props: Partial<LifecycleSettingsInputs>): SettingsBody {
  const body: SettingsBody = {
    workflowScheduleIntervalInHours: props.workflowScheduleIntervalInHours!,
  };
  if (props.emailSettings !== undefined) body.emailSettings = props.emailSettings;
  if (props.quarantineConfiguration !== undefined) {
    body.quarantineConfiguration = props.quarantineConfiguration;
  }
  return body;
}

export const lifecycleSettingsProvider = {
  async create(inputs: LifecycleSettingsInputs): Promise<pulumi.dynamic.CreateResult> {
    const { client, api } = graphApi(inputs, "lifecycle/graphApi");
    const { canonical } = requireLib("lifecycle/diff");
    const body = settingsBodyOf(inputs);
    const current = inputs.adopt ? canonical(await api.readSettings(client, body)) : undefined;
    if (current !== canonical(body)) await api.patchSettings(client, body);
    return { id: LIFECYCLE_SETTINGS_ID, outs: inputs };
  },

  async diff(
    _id: string,
    olds: LifecycleSettingsInputs,
    news: LifecycleSettingsInputs,
  ): Promise<pulumi.dynamic.DiffResult> {
    const { canonical } = requireLib("lifecycle/diff");
    const changed =
      canonical(settingsBodyOf(olds)) !== canonical(settingsBodyOf(news)) || graphMoved(olds, news);
    return { changes: changed, replaces: [] };
  },

  async update(
    _id: string,
    _olds: LifecycleSettingsInputs,
    news: LifecycleSettingsInputs,
  ): Promise<pulumi.dynamic.UpdateResult> {
    const { client, api } = graphApi(news, "lifecycle/graphApi");
    await api.patchSettings(client, settingsBodyOf(news));
    return { outs: news };
  },

  async read(id: string, props: LifecycleSettingsInputs): Promise<pulumi.dynamic.ReadResult> {
    const { client, api } = graphApi(props, "lifecycle/graphApi");
    const live = await api.readSettings(client, settingsBodyOf(props));
    return { id, props: { ...props, ...live } };
  },

  async delete(_id: string, props: LifecycleSettingsInputs): Promise<void> {
    const { client, api } = graphApi(props, "lifecycle/graphApi");
    await api.restoreDefaultSettings(client, props.emailSettings !== undefined);
  },
};

export type LifecycleSettingsArgs = {
  [K in keyof LifecycleSettingsInputs]: pulumi.Input<LifecycleSettingsInputs[K]>;
};

export class LifecycleSettings extends pulumi.dynamic.Resource {
  declare public readonly workflowScheduleIntervalInHours: pulumi.Output<number>;

  constructor(name: string, args: LifecycleSettingsArgs, opts?: pulumi.CustomResourceOptions) {
    super(lifecycleSettingsProvider, name, args, opts, LIFECYCLE_SETTINGS_MODULE);
  }
}

/** Copied by value into the provider process wherever inbound is installed (see providerRuntime.ts). */
export const deploymentOnlyModule = true;
