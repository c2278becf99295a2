import type { Policies } from "@pulumi/policy";
import { logicAppTriggerAuthorized } from "./logicAppTriggerAuthorized";
import { provisioningDeletesDeliberate } from "./provisioningDeletesDeliberate";
import { provisioningDeletionGuard } from "./provisioningDeletionGuard";
import { provisioningMonitored } from "./provisioningMonitored";
import { storageAccountLockedDown } from "./storageAccountLockedDown";

/** Every rule of the pack, in the order they are reported. */
export const rules: Policies = [
  storageAccountLockedDown,
  logicAppTriggerAuthorized,
  provisioningDeletionGuard,
  provisioningDeletesDeliberate,
  provisioningMonitored,
];
