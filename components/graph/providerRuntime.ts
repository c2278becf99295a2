/**
 * Loading our own modules from inside a dynamic provider.
 *
 * Pulumi serializes a dynamic provider's methods and runs them in a separate provider process that
 * has no TypeScript loader, so a provider cannot simply `require` lib/*.ts. `requireLib` registers
 * inbound's own loader (bin/typescript.js: swc, transpile only) in that process the first time it
 * is needed, then loads the module by absolute path. Not ts-node: it leaves files under
 * node_modules alone, which is where lib/ is once inbound is installed as a package. Everything it captures is a plain string, which the closure serializer
 * copies as is.
 */
import * as path from "path";
import type { GraphClient, GraphLocationInputs } from "../../lib/graph";

const LIB_DIR = path.resolve(__dirname, "..", "..", "lib");
const TS_LOADER = path.resolve(__dirname, "..", "..", "bin", "typescript.js");

/**
 * Pulumi's closure serializer copies a captured local module by value, but one under
 * node_modules (inbound installed as a package) it would re-require there by its package path,
 * which the provider process cannot load without this very module. This flag, which the
 * serializer looks for, has it copied by value wherever inbound is installed
 * (https://github.com/pulumi/pulumi/blob/master/sdk/nodejs/runtime/closure/createClosure.ts).
 */
export const deploymentOnlyModule = true;
const PULUMI = require.resolve("@pulumi/pulumi");

/**
 * The lib modules providers load, by the name `requireLib` takes. Type-only imports: nothing is
 * loaded here, but a renamed or removed function is a compile error at its call in a provider.
 */
export interface LibModules {
  graph: typeof import("../../lib/graph");
  "lifecycle/diff": typeof import("../../lib/lifecycle/diff");
  "lifecycle/graphApi": typeof import("../../lib/lifecycle/graphApi");
  "provisioning/graphApi": typeof import("../../lib/provisioning/graphApi");
  "provisioning/managed": typeof import("../../lib/provisioning/managed");
  "provisioning/secrets": typeof import("../../lib/provisioning/secrets");
  "model/schema": typeof import("../../lib/model/schema");
  "upload/functionPackage": typeof import("../../lib/upload/functionPackage");
}

/** Loads `lib/<relative>` (e.g. "graph", "lifecycle/graphApi") in any process. */
export function requireLib<K extends keyof LibModules>(relative: K): LibModules[K] {
  const extensions = (require as NodeJS.Require).extensions as NodeJS.RequireExtensions | undefined;
  // Node's own require always knows ".js"; jest's (which transforms .ts itself) has an empty
  // `extensions`, and registering a loader there would hook the test worker's real one.
  if (extensions && extensions[".js"]) require(TS_LOADER);
  return require(LIB_DIR + "/" + relative);
}

/** The Graph modules a provider method speaks through. */
type GraphApiModule = "lifecycle/graphApi" | "provisioning/graphApi";

/**
 * What every provider method that calls Graph starts with: the client its inputs name (the one
 * road, lib/graph, with the Graph URL and token source the inputs carry) and, when asked for, the
 * lib module that builds its requests.
 */
export function graphApi(inputs: GraphLocationInputs): { client: GraphClient };
export function graphApi<K extends GraphApiModule>(
  inputs: GraphLocationInputs,
  api: K,
): { client: GraphClient; api: LibModules[K] };
export function graphApi(inputs: GraphLocationInputs, api?: GraphApiModule) {
  const client = requireLib("graph").graphClientFromInputs(inputs);
  return api ? { client, api: requireLib(api) } : { client };
}

/**
 * A warning on the Pulumi console from inside a provider method. `@pulumi/pulumi` is loaded by
 * absolute path: a module captured by the closure serializer is re-required by its bare name,
 * which a provider process started elsewhere cannot resolve.
 */
export function providerWarn(message: string): void {
  (require(PULUMI) as typeof import("@pulumi/pulumi")).log.warn(message);
}
