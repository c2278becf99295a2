/**
 * The Graph requests of a plan, as the deploy code sends them: each of inbound's dynamic
 * resources is created by its real provider, whose client (lib/graph's factory) records instead
 * of sending and answers from the stand-ins. Nothing here knows which requests a provider makes.
 */
import { AsyncLocalStorage } from "async_hooks";
import { isRpcSecret } from "@pulumi/pulumi/runtime/rpc";
import {
  createRecordingClient,
  useGraphClientFactory,
  type RecordedRequest,
} from "../../lib/graph";
import { AZURE_DYNAMIC_TYPES, DYNAMIC_PROVIDERS } from "../../components/graph/providers";
import { standIns, type StandInResource } from "./standIns";

export interface PlannedRequest extends RecordedRequest {
  /** The Pulumi resource whose provider sends it. */
  resource: string;
}

const DYNAMIC_PREFIX = "pulumi-nodejs:dynamic/";

export interface RecordingRun {
  /** For runUnderMocks' `create`. */
  create(
    type: string,
    name: string,
    inputs: Record<string, unknown>,
  ): Promise<{ id: string; outs: Record<string, unknown> } | undefined>;
  /** Every recorded request, resource by resource in the order given. */
  requests(resourceOrder: readonly string[]): PlannedRequest[];
  /** Gives the providers back their real clients. */
  close(): void;
}

export function recordProviderCreates(): RecordingRun {
  const logs = new Map<string, RecordedRequest[]>();
  // Pulumi registers resources concurrently: each create's client finds its own resource here.
  const current = new AsyncLocalStorage<StandInResource & { log: RecordedRequest[] }>();
  const restore = useGraphClientFactory((location) => {
    const resource = current.getStore();
    if (!resource) throw new Error("a Graph client was asked for outside a provider's create");
    return createRecordingClient({
      baseUrl: location.graphBaseUrl,
      version: location.graphVersion,
      answer: standIns(resource),
      log: resource.log,
    });
  });
  return {
    async create(type, name, inputs) {
      if (!isInboundResource(type)) return undefined;
      const log: RecordedRequest[] = [];
      logs.set(name, log);
      const plain = revealed(inputs) as Record<string, unknown>;
      return current.run({ name, inputs: plain, log }, () => createWithProvider(type, plain));
    },
    requests(resourceOrder) {
      return resourceOrder.flatMap((resource) =>
        (logs.get(resource) ?? []).map((request) => ({ resource, ...request })),
      );
    },
    close: restore,
  };
}

/** Whether `type` is one of inbound's own Graph resources (a dynamic provider of the project). */
export function isInboundResource(type: string): boolean {
  if (DYNAMIC_PROVIDERS[type]) return true;
  if (AZURE_DYNAMIC_TYPES.has(type)) return false;
  if (type.startsWith(DYNAMIC_PREFIX)) {
    throw new Error(`no provider for ${type} in components/graph/providers.ts`);
  }
  return false;
}

/**
 * Creates one of inbound's own resources with its real provider, as `pulumi up` does: the plan
 * (recording client) and the sandbox (a client of the emulator) both go through here.
 */
export async function createWithProvider(
  type: string,
  inputs: Record<string, unknown>,
): Promise<{ id: string; outs: Record<string, unknown> }> {
  const plain = revealed(inputs) as Record<string, unknown>;
  const result = await DYNAMIC_PROVIDERS[type].create(plain);
  return { id: result.id, outs: result.outs ?? {} };
}

/**
 * The inputs as a deployed provider receives them: the engine hands dynamic providers secrets as
 * plain values, where the mocks keep Pulumi's wire form (a signature key beside `value`).
 */
function revealed(value: unknown): unknown {
  if (isRpcSecret(value)) return revealed((value as { value: unknown }).value);
  if (Array.isArray(value)) return value.map(revealed);
  if (value && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, revealed(v)]));
  }
  return value;
}
