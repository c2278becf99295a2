/**
 * The uploader Function's code in its Flex Consumption deployment container, as a dynamic
 * resource: `pulumi up` builds the package from this repository (lib/upload/functionPackage.ts)
 * and uploads it as `released-package.zip`, which the app runs from when it starts.
 *
 * Why not azure-native's storage.Blob with an archive: it writes with the account's shared key
 * (https://github.com/pulumi/pulumi-azure-native/issues/2015), and the uploader's account takes
 * Entra ID sign-ins only (allowSharedKeyAccess: false). This resource signs in as the deployer.
 */
import * as pulumi from "@pulumi/pulumi";
import { requireLib } from "../graph/providerRuntime";

export const FUNCTION_PACKAGE_MODULE = "inbound-function-package";
export const FUNCTION_PACKAGE_TYPE = `pulumi-nodejs:dynamic/${FUNCTION_PACKAGE_MODULE}:Resource`;

export interface FunctionPackageInputs {
  /** The deployment container's URL (functionAppConfig.deployment.storage.value). */
  containerUrl: string;
  /** `released-package.zip`. */
  blobName: string;
  /** lib/upload/functionPackage.ts functionSourceHash: a change uploads the package again. */
  sourceHash: string;
  /** ARM id of the function app, restarted (and its triggers synced) after each upload. */
  siteId: string;
}

export interface FunctionPackageOutputs extends FunctionPackageInputs {
  zipSha256: string;
  bytes: number;
  packages: number;
}

export const functionPackageProvider = {
  async create(inputs: FunctionPackageInputs): Promise<pulumi.dynamic.CreateResult> {
    const { uploadFunctionPackage, restartFunctionApp } = requireLib("upload/functionPackage");
    const uploaded = await uploadFunctionPackage(inputs.containerUrl, inputs.blobName);
    await restartFunctionApp(inputs.siteId);
    return { id: `${inputs.containerUrl}/${inputs.blobName}`, outs: { ...inputs, ...uploaded } };
  },

  async diff(
    _id: string,
    olds: FunctionPackageOutputs,
    news: FunctionPackageInputs,
  ): Promise<pulumi.dynamic.DiffResult> {
    const replaces = (["containerUrl", "blobName"] as const).filter((k) => olds[k] !== news[k]);
    const changes =
      replaces.length > 0 || olds.sourceHash !== news.sourceHash || olds.siteId !== news.siteId;
    return { changes, replaces };
  },

  async update(
    _id: string,
    _olds: FunctionPackageOutputs,
    news: FunctionPackageInputs,
  ): Promise<pulumi.dynamic.UpdateResult> {
    const { uploadFunctionPackage } = requireLib("upload/functionPackage");
    return {
      outs: { ...news, ...(await uploadFunctionPackage(news.containerUrl, news.blobName)) },
    };
  },

  // Nothing to delete: the blob goes with its storage account, and removing it first would leave
  // a running app without code.
  async delete(): Promise<void> {},
};

export type FunctionPackageArgs = {
  [K in keyof FunctionPackageInputs]: pulumi.Input<FunctionPackageInputs[K]>;
};

export class FunctionPackage extends pulumi.dynamic.Resource {
  declare public readonly zipSha256: pulumi.Output<string>;
  declare public readonly bytes: pulumi.Output<number>;

  constructor(name: string, args: FunctionPackageArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      functionPackageProvider,
      name,
      { ...args, zipSha256: undefined, bytes: undefined, packages: undefined },
      opts,
      FUNCTION_PACKAGE_MODULE,
    );
  }
}
