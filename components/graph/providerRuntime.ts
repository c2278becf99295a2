/**
 * Loading our own modules from inside a dynamic provider.
 *
 * Pulumi serializes a dynamic provider's methods and runs them in a separate provider process that
 * has no TypeScript loader, so a provider cannot simply `require` lib/*.ts. `requireLib` registers
 * ts-node (transpile only, with swc) in that process the first time it is needed, then loads the
 * module by absolute path. Everything it captures is a plain string, which the closure serializer
 * copies as is.
 */
import * as path from "path";

const LIB_DIR = path.resolve(__dirname, "..", "..", "lib");
const TS_NODE = require.resolve("ts-node");
const TSCONFIG = path.resolve(__dirname, "..", "..", "tsconfig.json");
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
  // `extensions`, and registering ts-node there would hook the test worker's real loader.
  if (extensions && extensions[".js"] && !extensions[".ts"]) {
    require(TS_NODE).register({ project: TSCONFIG, transpileOnly: true, swc: true });
  }
  return require(LIB_DIR + "/" + relative);
}

/**
 * A warning on the Pulumi console from inside a provider method. `@pulumi/pulumi` is loaded by
 * absolute path: a module captured by the closure serializer is re-required by its bare name,
 * which a provider process started elsewhere cannot resolve.
 */
export function providerWarn(message: string): void {
  (require(PULUMI) as typeof import("@pulumi/pulumi")).log.warn(message);
}
