/**
 * A provisioning job's synchronization schema as a Pulumi dynamic resource
 * (https://learn.microsoft.com/en-us/graph/api/resources/synchronization-synchronizationschema).
 *
 * Create and update GET the job's schema and the job's filter operators, have Graph parse the
 * mapping expressions, compile the spec's part into it (lib/provisioning/schema) and PUT the whole
 * object back. Read extracts that part from
 * the live schema, so a mapping edited in the portal shows up as drift, per mapping, on the next
 * refresh. Delete resets the schema to the template's default.
 *
 * The provider is a plain object whose methods `require` their modules and build their Graph
 * client from the inputs: nothing live is captured when Pulumi serializes it.
 */
import { graphApi, providerWarn, requireLib } from "./providerRuntime";
import * as pulumi from "@pulumi/pulumi";
import type { ManagedSchema } from "../../lib/provisioning/managed";
import type { SchemaChange, SchemaSpec } from "../../lib/provisioning/schema";
import type { OperatorNames } from "../../lib/provisioning/operators";
import { graphMoved, type GraphLocation } from "./lifecycleWorkflow";

export const SYNCHRONIZATION_SCHEMA_MODULE = "inbound-synchronization-schema";
export const SYNCHRONIZATION_SCHEMA_TYPE = `pulumi-nodejs:dynamic/${SYNCHRONIZATION_SCHEMA_MODULE}:Resource`;

export interface SynchronizationSchemaInputs extends GraphLocation {
  /** Object id of the provisioning app's service principal. */
  servicePrincipalId: string;
  jobId: string;
  /** The app's key under `provisioning`, for error messages. */
  appKey: string;
  /** The schema-deciding part of the spec app (plain JSON). */
  provisioning: SchemaSpec;
}

export interface SynchronizationSchemaOutputs extends SynchronizationSchemaInputs {
  /** The spec's part of the schema as last written, or as last read (refresh). */
  managed: ManagedSchema;
  /** Operator names as the job spells them (from filterOperators at deploy time). */
  operatorNames: OperatorNames;
}

/** A detailed-diff entry, as Pulumi's provider protocol names the kinds. */
export interface PropertyDiff {
  kind: "ADD" | "DELETE" | "UPDATE";
  inputDiff: boolean;
}

/**
 * Per-mapping changes keyed by the input that causes them (`provisioning.mappings.displayName`).
 * Pulumi's dynamic-provider host (3.270) does not forward `detailedDiff` yet, so a CLI diff shows
 * the resource as changed without this list; it is returned for tools and tests that call diff.
 */
export function schemaDetailedDiff(changes: SchemaChange[]): Record<string, PropertyDiff> {
  const kinds = { added: "ADD", removed: "DELETE", changed: "UPDATE" } as const;
  const out: Record<string, PropertyDiff> = {};
  for (const { mapping, change } of changes) {
    const key =
      mapping === "flowTypes"
        ? "provisioning.actions"
        : mapping.startsWith("attributes.")
          ? `provisioning.scimExtension.attributes["${mapping.slice("attributes.".length)}"]`
          : `provisioning.${mapping}`;
    out[key] = { kind: kinds[change], inputDiff: true };
  }
  return out;
}

const sameTarget = (a: SynchronizationSchemaInputs, b: SynchronizationSchemaInputs) =>
  a.servicePrincipalId === b.servicePrincipalId && a.jobId === b.jobId;

export const synchronizationSchemaProvider = {
  async create(inputs: SynchronizationSchemaInputs): Promise<pulumi.dynamic.CreateResult> {
    const { client, api } = graphApi(inputs, "provisioning/graphApi");
    const { warnings, ...applied } = await api.applySchema(
      client,
      inputs.servicePrincipalId,
      inputs.jobId,
      inputs.provisioning,
      inputs.appKey,
    );
    for (const warning of warnings) providerWarn(warning);
    return {
      id: `${inputs.servicePrincipalId}/${inputs.jobId}/schema`,
      outs: { ...inputs, ...applied },
    };
  },

  async diff(
    _id: string,
    olds: SynchronizationSchemaOutputs,
    news: SynchronizationSchemaInputs,
  ): Promise<pulumi.dynamic.DiffResult & { detailedDiff: Record<string, PropertyDiff> }> {
    const managed = requireLib("provisioning/managed");
    const { SCOPE_OPERATORS } = requireLib("model/schema");
    // An operator the last deploy did not look up compiles to a name no real one has, so the
    // scope shows as changed and update looks it up.
    const operatorNames: Record<string, string> = {};
    for (const op of SCOPE_OPERATORS) operatorNames[op] = `{${op}}`;
    Object.assign(operatorNames, olds.operatorNames ?? {});
    const wanted = managed.compileManaged(news.provisioning, operatorNames, news.appKey);
    const changes: SchemaChange[] = olds.managed
      ? managed.diffManaged(olds.managed, wanted)
      : [{ mapping: "scope", change: "changed" }];
    const detailedDiff = schemaDetailedDiff(changes);
    const replaces = sameTarget(olds, news) ? [] : ["servicePrincipalId", "jobId"];
    return {
      changes: changes.length > 0 || replaces.length > 0 || graphMoved(olds, news),
      replaces,
      detailedDiff,
      deleteBeforeReplace: false,
    };
  },

  async update(
    _id: string,
    _olds: SynchronizationSchemaOutputs,
    news: SynchronizationSchemaInputs,
  ): Promise<pulumi.dynamic.UpdateResult> {
    const { client, api } = graphApi(news, "provisioning/graphApi");
    const { warnings, ...applied } = await api.applySchema(
      client,
      news.servicePrincipalId,
      news.jobId,
      news.provisioning,
      news.appKey,
    );
    for (const warning of warnings) providerWarn(warning);
    return { outs: { ...news, ...applied } };
  },

  async read(id: string, props: SynchronizationSchemaOutputs): Promise<pulumi.dynamic.ReadResult> {
    const { client, api } = graphApi(props, "provisioning/graphApi");
    const live = await api.readManaged(client, props.servicePrincipalId, props.jobId);
    // The job is gone, and its schema with it.
    if (!live) return {};
    return { id, props: { ...props, managed: live } };
  },

  async delete(_id: string, props: SynchronizationSchemaOutputs): Promise<void> {
    const { client, api } = graphApi(props, "provisioning/graphApi");
    await api.deleteIfPresent(client, api.syncPaths.schema(props.servicePrincipalId, props.jobId));
  },
};

export type SynchronizationSchemaArgs = {
  [K in keyof SynchronizationSchemaInputs]: pulumi.Input<SynchronizationSchemaInputs[K]>;
};

export class SynchronizationSchema extends pulumi.dynamic.Resource {
  declare public readonly managed: pulumi.Output<ManagedSchema>;
  declare public readonly operatorNames: pulumi.Output<OperatorNames>;

  constructor(name: string, args: SynchronizationSchemaArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      synchronizationSchemaProvider,
      name,
      { ...args, managed: undefined, operatorNames: undefined },
      opts,
      SYNCHRONIZATION_SCHEMA_MODULE,
    );
  }
}

/** Copied by value into the provider process wherever inbound is installed (see providerRuntime.ts). */
export const deploymentOnlyModule = true;
