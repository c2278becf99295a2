import type { ResourceValidationPolicy } from "@pulumi/policy";
import { logicAppTriggerAuthorized } from "./logicAppTriggerAuthorized";
import { provisioningDeletesDeliberate } from "./provisioningDeletesDeliberate";
import { provisioningDeletionGuard } from "./provisioningDeletionGuard";
import { storageAccountLockedDown } from "./storageAccountLockedDown";

/** Every rule of the pack, in the order they are reported. */
export const rules: ResourceValidationPolicy[] = [
  storageAccountLockedDown,
  logicAppTriggerAuthorized,
  provisioningDeletionGuard,
  provisioningDeletesDeliberate,
];
