/**
 * Runs the real Pulumi program offline: the Pulumi runtime's mocks stand in for the engine and the
 * providers, so every resource the program would register is recorded with its inputs, exactly as
 * `pulumi preview` would send them, without an Azure account or the Pulumi CLI.
 */
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";

export interface PlannedResource {
  type: string;
  name: string;
  /** Name of the parent resource; "" for resources directly under the stack. */
  parent: string;
  inputs: Record<string, unknown>;
}

/** Answers the program's data-source calls (`get*` invokes) during an offline plan. */
export type InvokeAnswer = (
  token: string,
  inputs: Record<string, unknown>,
) => Record<string, unknown>;

export interface MockRunOptions {
  /** The Pulumi program's entry module (index.ts). */
  program: string;
  /** Stack configuration, e.g. `{ "inbound:spec": "examples/tenants/contoso.yaml" }`. */
  config: Record<string, string>;
  stack: string;
  invoke: InvokeAnswer;
  /** Outputs that providers compute (ids, principal ids) keyed by resource type. */
  computedOutputs?: (
    type: string,
    name: string,
    inputs: Record<string, unknown>,
  ) => Record<string, unknown>;
  /**
   * Creates a resource for real (inbound's own Graph resources, through a recording client), or
   * returns undefined to leave it to `computedOutputs`.
   */
  create?: (
    type: string,
    name: string,
    inputs: Record<string, unknown>,
  ) => Promise<{ id: string; outs: Record<string, unknown> } | undefined>;
}

/** The program failed while it was being planned: what `pulumi preview` would report. */
export class PlanError extends Error {
  constructor(readonly messages: string[]) {
    super(messages.join("\n"));
    this.name = "PlanError";
  }
}

export interface MockRunResult {
  resources: PlannedResource[];
  outputs: Record<string, unknown>;
}

export async function runUnderMocks(options: MockRunOptions): Promise<MockRunResult> {
  const resources: PlannedResource[] = [];
  const parents = new Map<string, string>();
  const key = (type: string, name: string) => `${type}::${name}`;

  // A failure inside an apply surfaces only as an unhandled rejection; `pulumi preview` would
  // fail on it, and so must the plan.
  const failures: unknown[] = [];
  const onRejection = (reason: unknown) => failures.push(reason);
  process.on("unhandledRejection", onRejection);

  pulumi.runtime.setAllConfig(options.config);
  await pulumi.runtime.setMocks(
    {
      async newResource(args) {
        // The serialized dynamic provider is implementation, not configuration.
        const { __provider: _provider, ...inputs } = args.inputs as Record<string, unknown>;
        if (args.type !== "pulumi:pulumi:Stack") {
          resources.push({
            type: args.type,
            name: args.name,
            parent: parents.get(key(args.type, args.name)) ?? "",
            inputs,
          });
        }
        const created = await options.create?.(args.type, args.name, inputs);
        if (created) return { id: created.id, state: { ...inputs, ...created.outs } };
        const computed = options.computedOutputs?.(args.type, args.name, inputs) ?? {};
        return { id: `${args.name}-id`, state: { ...inputs, ...computed } };
      },
      call(args) {
        return options.invoke(args.token, args.inputs as Record<string, unknown>);
      },
    },
    "inbound",
    options.stack,
    false,
  );

  // The language host runs programs inside a stack resource; doing the same gives every resource a
  // parent chain and lets a stack transformation see each resource's parent as it is constructed.
  const { runInPulumiStack } = require("@pulumi/pulumi/runtime/stack");
  const outputs = await runInPulumiStack(async () => {
    pulumi.runtime.registerStackTransformation((args) => {
      const parent = args.opts.parent as unknown as
        { __name?: string; __pulumiType?: string } | undefined;
      const parentName =
        parent && parent.__pulumiType !== "pulumi:pulumi:Stack" ? (parent.__name ?? "") : "";
      parents.set(key(args.type, args.name), parentName);
      return undefined;
    });
    return require(path.resolve(options.program));
  });
  await pulumi.runtime.disconnect();
  // Rejections are reported on a later tick than the one that settles the last registration.
  await new Promise((resolve) => setImmediate(resolve));
  process.off("unhandledRejection", onRejection);
  if (failures.length > 0) {
    const messages = [
      ...new Set(failures.map((f) => (f instanceof Error ? f.message : String(f)))),
    ];
    throw new PlanError(messages);
  }
  const resolved = await new Promise<Record<string, unknown>>((resolve) =>
    pulumi.output(outputs ?? {}).apply((value) => resolve(value as Record<string, unknown>)),
  );
  return { resources, outputs: resolved };
}
