/**
 * The provisioning job of an API-driven app, and the act of starting it, as dynamic resources
 * (https://learn.microsoft.com/en-us/graph/api/resources/synchronization-synchronizationjob).
 *
 * Why not azuread.SynchronizationJob: its `templateId` is required up front, and the API-driven
 * templates' ids are undocumented, so the job resource discovers the id from
 * `GET .../synchronization/templates` at deploy time (unless the spec sets it), retrying the 404s of a
 * just-instantiated service principal. And its `enabled` flag starts the job at creation, before
 * the schema and the mandatory notification email are in place, which quarantines it
 * (https://learn.microsoft.com/en-us/entra/identity/app-provisioning/inbound-provisioning-api-configure-app);
 * starting is therefore a separate resource that depends on both.
 */
import { graphApi } from "./providerRuntime";
import * as pulumi from "@pulumi/pulumi";
import { graphMoved, type GraphLocation } from "./lifecycleWorkflow";

export const PROVISIONING_JOB_MODULE = "inbound-provisioning-job";
export const PROVISIONING_JOB_TYPE = `pulumi-nodejs:dynamic/${PROVISIONING_JOB_MODULE}:Resource`;
export const PROVISIONING_JOB_START_MODULE = "inbound-provisioning-job-start";
export const PROVISIONING_JOB_START_TYPE = `pulumi-nodejs:dynamic/${PROVISIONING_JOB_START_MODULE}:Resource`;

/** Where Graph is, and which tenant it must be (a token for another tenant is refused). */
export interface ProvisioningJobInputs extends GraphLocation {
  /** Object id of the provisioning app's service principal. */
  servicePrincipalId: string;
  /** Template id to use as is; when absent it is discovered. */
  synchronizationTemplateId?: string;
  /** The id expected among several templates ("API2AAD" / "API2AD"). */
  expectedTemplateId: string;
}

export interface ProvisioningJobOutputs extends ProvisioningJobInputs {
  jobId: string;
  /** The template the job was created from. */
  templateId: string;
}

export const provisioningJobProvider = {
  async create(inputs: ProvisioningJobInputs): Promise<pulumi.dynamic.CreateResult> {
    const { client, api } = graphApi(inputs, "provisioning/graphApi");
    const templateId =
      inputs.synchronizationTemplateId ??
      (await api.discoverTemplateId(client, inputs.servicePrincipalId, inputs.expectedTemplateId));
    const job = await api.createJob(client, inputs.servicePrincipalId, templateId);
    return { id: job.id, outs: { ...inputs, jobId: job.id, templateId } };
  },

  async diff(
    _id: string,
    olds: ProvisioningJobOutputs,
    news: ProvisioningJobInputs,
  ): Promise<pulumi.dynamic.DiffResult> {
    const replaces: string[] = [];
    if (olds.servicePrincipalId !== news.servicePrincipalId) replaces.push("servicePrincipalId");
    if (news.synchronizationTemplateId && news.synchronizationTemplateId !== olds.templateId) {
      replaces.push("synchronizationTemplateId");
    }
    const moved =
      graphMoved(olds, news) || olds.synchronizationTemplateId !== news.synchronizationTemplateId;
    return { changes: replaces.length > 0 || moved, replaces, deleteBeforeReplace: true };
  },

  async update(
    _id: string,
    olds: ProvisioningJobOutputs,
    news: ProvisioningJobInputs,
  ): Promise<pulumi.dynamic.UpdateResult> {
    // Only where Graph is, or a template pin equal to the job's template, changed: nothing to send.
    return { outs: { ...news, jobId: olds.jobId, templateId: olds.templateId } };
  },

  async read(id: string, props: ProvisioningJobOutputs): Promise<pulumi.dynamic.ReadResult> {
    const { client, api } = graphApi(props, "provisioning/graphApi");
    const job = await api.getJob(client, props.servicePrincipalId, id);
    if (!job) return {};
    return { id, props: { ...props, jobId: id, templateId: job.templateId ?? props.templateId } };
  },

  async delete(id: string, props: ProvisioningJobOutputs): Promise<void> {
    const { client, api } = graphApi(props, "provisioning/graphApi");
    await api.deleteIfPresent(client, api.syncPaths.job(props.servicePrincipalId, id));
  },
};

export type ProvisioningJobArgs = {
  [K in keyof ProvisioningJobInputs]: pulumi.Input<ProvisioningJobInputs[K]>;
};

export class ProvisioningJob extends pulumi.dynamic.Resource {
  declare public readonly jobId: pulumi.Output<string>;
  declare public readonly templateId: pulumi.Output<string>;

  constructor(name: string, args: ProvisioningJobArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      provisioningJobProvider,
      name,
      { ...args, jobId: undefined, templateId: undefined },
      opts,
      PROVISIONING_JOB_MODULE,
    );
  }
}

// ---------------------------------------------------------------------------------------------

export interface ProvisioningJobStartInputs extends GraphLocation {
  servicePrincipalId: string;
  jobId: string;
}

export interface ProvisioningJobStartOutputs extends ProvisioningJobStartInputs {
  /** schedule.state as last seen: Active once started; Paused/Disabled if someone stopped it. */
  state: string;
}

export const provisioningJobStartProvider = {
  async create(inputs: ProvisioningJobStartInputs): Promise<pulumi.dynamic.CreateResult> {
    const { client, api } = graphApi(inputs, "provisioning/graphApi");
    await api.startJob(client, inputs.servicePrincipalId, inputs.jobId);
    return { id: `${inputs.jobId}/start`, outs: { ...inputs, state: "Active" } };
  },

  async diff(
    _id: string,
    olds: ProvisioningJobStartOutputs,
    news: ProvisioningJobStartInputs,
  ): Promise<pulumi.dynamic.DiffResult & { detailedDiff?: Record<string, unknown> }> {
    const replaces =
      olds.servicePrincipalId !== news.servicePrincipalId || olds.jobId !== news.jobId
        ? ["jobId"]
        : [];
    // A job paused outside Pulumi (seen by refresh) is started again by update.
    const stopped = olds.state !== "Active";
    return {
      changes: replaces.length > 0 || stopped || graphMoved(olds, news),
      replaces,
      detailedDiff: stopped ? { state: { kind: "UPDATE", inputDiff: false } } : undefined,
    };
  },

  async update(
    _id: string,
    _olds: ProvisioningJobStartOutputs,
    news: ProvisioningJobStartInputs,
  ): Promise<pulumi.dynamic.UpdateResult> {
    const { client, api } = graphApi(news, "provisioning/graphApi");
    await api.startJob(client, news.servicePrincipalId, news.jobId);
    return { outs: { ...news, state: "Active" } };
  },

  async read(id: string, props: ProvisioningJobStartOutputs): Promise<pulumi.dynamic.ReadResult> {
    const { client, api } = graphApi(props, "provisioning/graphApi");
    const job = await api.getJob(client, props.servicePrincipalId, props.jobId);
    if (!job) return {};
    return { id, props: { ...props, state: job.schedule?.state ?? "Unknown" } };
  },

  async delete(_id: string, props: ProvisioningJobStartOutputs): Promise<void> {
    const { client, api } = graphApi(props, "provisioning/graphApi");
    await api.pauseJob(client, props.servicePrincipalId, props.jobId);
  },
};

export type ProvisioningJobStartArgs = {
  [K in keyof ProvisioningJobStartInputs]: pulumi.Input<ProvisioningJobStartInputs[K]>;
};

export class ProvisioningJobStart extends pulumi.dynamic.Resource {
  declare public readonly state: pulumi.Output<string>;

  constructor(name: string, args: ProvisioningJobStartArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      provisioningJobStartProvider,
      name,
      { ...args, state: undefined },
      opts,
      PROVISIONING_JOB_START_MODULE,
    );
  }
}

/** Copied by value into the provider process wherever inbound is installed (see providerRuntime.ts). */
export const deploymentOnlyModule = true;
