/**
 * The deployed uploader of one provisioning app, by `uploader.kind`: FunctionUploader (a Flex
 * Consumption function app running lib/upload) or LogicAppUploader (a Consumption Logic App that
 * takes pushed JSON), on the identity and storage both share (shared.ts). `none` deploys nothing:
 * the CLI runs the engine with its own login and local state. See docs/uploader-azure.md.
 */
import type * as pulumi from "@pulumi/pulumi";
import { FunctionUploader } from "./function";
import { LogicAppUploader } from "./logicApp";
import type { UploaderArgs } from "./shared";

export { FunctionUploader } from "./function";
export { LogicAppUploader, specHttpTrigger, type UploaderHttpTriggerArgs } from "./logicApp";
export {
  UPLOADER_DEFAULTS,
  UPLOADER_TYPE,
  UploaderBase,
  type UploaderArgs,
  type UploaderMonitoringArgs,
} from "./shared";

export type Uploader = FunctionUploader | LogicAppUploader;

/** The uploader the app's `uploader.kind` asks for; none for `none` or no uploader section. */
export function newUploader(
  name: string,
  args: UploaderArgs,
  opts?: pulumi.ComponentResourceOptions,
): Uploader | undefined {
  switch (args.app.uploader?.kind) {
    case "function":
      return new FunctionUploader(name, args, opts);
    case "logicApp":
      return new LogicAppUploader(name, args, opts);
    default:
      return undefined;
  }
}
