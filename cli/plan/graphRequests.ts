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
import { DYNAMIC_PROVIDERS } from "../../components/graph/providers";
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
      const provider = DYNAMIC_PROVIDERS[type];
      if (!provider) {
        if (type.startsWith(DYNAMIC_PREFIX)) {
          throw new Error(`the plan has no provider for ${type} (components/graph/providers.ts)`);
        }
        return undefined;
      }
      const log: RecordedRequest[] = [];
      logs.set(name, log);
      const plain = revealed(inputs) as Record<string, unknown>;
      const result = await current.run({ name, inputs: plain, log }, () => provider.create(plain));
      return { id: result.id, outs: result.outs ?? {} };
    },
    requests(resourceOrder) {
      return resourceOrder.flatMap((resource) =>
        (logs.get(resource) ?? []).map((request) => ({ resource, ...request })),
      );
    },
    close: restore,
  };
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
