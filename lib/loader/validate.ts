/**
 * Cross-reference checks: what the schema alone cannot say, run once the spec has its shape.
 * Each area keeps its own checks beside its code; this is the one list of them.
 */
import type { CheckContext, CheckFn } from "../model/checks";
import { checkMappingExpressions, checkSourceAttributes } from "../expressions";
import { lifecycleChecks } from "../lifecycle/checks";
import { provisioningChecks } from "../provisioning/checks";
import { checkUploaderColumns, logicAppUploaderChecks } from "../records";
import { checkLineage } from "../lineage/checks";
import { missedRunChecks, monitoringChecks } from "../monitoring/checks";
import { checkPlaceholders } from "../model/placeholders";
import { checkUploaderSecrets } from "../upload/checks";

/** Azure resources need to know where to go. */
export function checkAzureSectionPresent({ spec, report }: CheckContext): void {
  if (spec.azure) return;
  for (const [key, app] of Object.entries(spec.provisioning)) {
    const kind = app.uploader?.kind;
    if (kind === "function" || kind === "logicApp") {
      report(
        ["provisioning", key, "uploader", "kind"],
        `a ${kind} uploader runs in Azure: add \`azure: { subscriptionId, resourceGroup, location }\`, or use kind: none`,
      );
    }
  }
}

export const specChecks: CheckFn[] = [
  checkAzureSectionPresent,
  checkMappingExpressions,
  checkSourceAttributes,
  ...provisioningChecks,
  checkUploaderColumns,
  logicAppUploaderChecks,
  checkUploaderSecrets,
  ...lifecycleChecks,
  checkLineage,
  monitoringChecks,
  missedRunChecks,
  checkPlaceholders,
];

export function runChecks(context: CheckContext): void {
  for (const check of specChecks) check(context);
}
