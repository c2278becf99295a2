/**
 * The spec's synchronization secrets of one service principal
 * (https://learn.microsoft.com/en-us/graph/api/synchronization-serviceprincipal-put-synchronization)
 * as a dynamic resource. Graph's PUT replaces the whole collection and PATCH is unsupported
 * (https://learn.microsoft.com/en-us/entra/identity/hybrid/cloud-sync/how-to-inbound-synch-ms-graph),
 * so every write is read-modify-write: keys this resource does not own (the portal's AD agent
 * settings, say) are kept, and on delete only its own keys are removed.
 * azuread.SynchronizationSecret writes its credentials as the whole collection, which would drop
 * those.
 */
import { graphApi, providerWarn, requireLib } from "./providerRuntime";
import * as pulumi from "@pulumi/pulumi";
import type { SecretPair } from "../../lib/provisioning/secrets";
import { graphMoved, type GraphLocation } from "./lifecycleWorkflow";

export const SYNCHRONIZATION_SECRETS_MODULE = "inbound-synchronization-secrets";
export const SYNCHRONIZATION_SECRETS_TYPE = `pulumi-nodejs:dynamic/${SYNCHRONIZATION_SECRETS_MODULE}:Resource`;

export interface SynchronizationSecretsInputs extends GraphLocation {
  servicePrincipalId: string;
  /** The secrets the spec decides (lib/provisioning/secrets compileSecrets). */
  credentials: SecretPair[];
}

const keysOf = (credentials: SecretPair[] | undefined) => (credentials ?? []).map((c) => c.key);

export const synchronizationSecretsProvider = {
  async create(inputs: SynchronizationSecretsInputs): Promise<pulumi.dynamic.CreateResult> {
    const { client, api } = graphApi(inputs, "provisioning/graphApi");
    await api.writeSecrets(client, inputs.servicePrincipalId, inputs.credentials, [], true);
    return { id: `${inputs.servicePrincipalId}/secrets`, outs: inputs };
  },

  async diff(
    _id: string,
    olds: SynchronizationSecretsInputs,
    news: SynchronizationSecretsInputs,
  ): Promise<
    pulumi.dynamic.DiffResult & {
      detailedDiff: Record<string, { kind: string; inputDiff: boolean }>;
    }
  > {
    const replaces =
      olds.servicePrincipalId !== news.servicePrincipalId ? ["servicePrincipalId"] : [];
    const secrets = requireLib("provisioning/secrets");
    const detailedDiff: Record<string, { kind: string; inputDiff: boolean }> = {};
    for (const [key, kind] of Object.entries(
      secrets.secretChanges(olds.credentials, news.credentials),
    )) {
      detailedDiff[`credentials.${key}`] = { kind, inputDiff: true };
    }
    return {
      changes:
        replaces.length > 0 ||
        secrets.comparableSecrets(olds.credentials) !==
          secrets.comparableSecrets(news.credentials) ||
        graphMoved(olds, news),
      replaces,
      detailedDiff,
    };
  },

  async update(
    _id: string,
    olds: SynchronizationSecretsInputs,
    news: SynchronizationSecretsInputs,
  ): Promise<pulumi.dynamic.UpdateResult> {
    const { client, api } = graphApi(news, "provisioning/graphApi");
    await api.writeSecrets(
      client,
      news.servicePrincipalId,
      news.credentials,
      keysOf(olds.credentials),
    );
    return { outs: news };
  },

  async read(id: string, props: SynchronizationSecretsInputs): Promise<pulumi.dynamic.ReadResult> {
    const { client, api } = graphApi(props, "provisioning/graphApi");
    let live: SecretPair[];
    try {
      live = await api.readSecrets(client, props.servicePrincipalId);
    } catch (error) {
      // The service principal is gone, and its secrets with it.
      if ((error as { status?: number }).status === 404) return {};
      throw error;
    }
    const { ownedLiveSecrets } = requireLib("provisioning/secrets");
    const credentials = ownedLiveSecrets(live, props.credentials);
    return { id, props: { ...props, credentials } };
  },

  async delete(_id: string, props: SynchronizationSecretsInputs): Promise<void> {
    const { client, api } = graphApi(props, "provisioning/graphApi");
    try {
      await api.writeSecrets(client, props.servicePrincipalId, [], keysOf(props.credentials));
    } catch (error) {
      // Removing our keys would mean sending masked credentials back: leave the collection.
      if ((error as { code?: string }).code === "MaskedSecrets") {
        providerWarn(
          `synchronization secrets of ${props.servicePrincipalId} left in place: ${(error as Error).message}`,
        );
        return;
      }
      // The service principal is gone, and its secrets with it.
      if ((error as { status?: number }).status !== 404) throw error;
    }
  },
};

export type SynchronizationSecretsArgs = {
  [K in keyof SynchronizationSecretsInputs]: pulumi.Input<SynchronizationSecretsInputs[K]>;
};

export class SynchronizationSecrets extends pulumi.dynamic.Resource {
  declare public readonly credentials: pulumi.Output<SecretPair[]>;

  constructor(name: string, args: SynchronizationSecretsArgs, opts?: pulumi.CustomResourceOptions) {
    super(synchronizationSecretsProvider, name, args, opts, SYNCHRONIZATION_SECRETS_MODULE);
  }
}

/** Copied by value into the provider process wherever inbound is installed (see providerRuntime.ts). */
export const deploymentOnlyModule = true;
