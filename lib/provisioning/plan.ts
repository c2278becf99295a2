/**
 * What deploying one provisioning app sends to Graph, computed offline for `inbound plan`. Ids known
 * only at deploy time are placeholders in braces; anything else that is decided at deploy time
 * (operator spellings, the template's schema, the AD secret keys) is labelled in `note`.
 */
import type { TenantSpec } from "../spec/schema";
import { EXPECTED_TEMPLATE, syncPaths } from "./graphApi";
import { BEST_GUESS_LABEL, BEST_GUESS_OPERATOR_NAMES, type OperatorNames } from "./operators";
import { operatorsUsed } from "./managed";
import { compileSchema } from "./schema";
import {
  BEST_GUESS_AD_SECRET_KEYS,
  compileSecrets,
  type ActiveDirectorySecretKeys,
} from "./secrets";
import { STAND_IN_LABEL, templateSchema } from "./templateSchema";

export const GRAPH_APP_ID = "00000003-0000-0000-c000-000000000000";
export const APPLICATION_TEMPLATE_NAMES = {
  entra: "API-driven provisioning to Microsoft Entra ID",
  activeDirectory: "API-driven provisioning to on-premises Active Directory",
} as const;
/** The uploader's Graph app roles (reference 6.2). */
export const UPLOADER_ROLES = ["SynchronizationData-User.Upload", "ProvisioningLog.Read.All"];

export interface PlannedRequest {
  method: "GET" | "POST" | "PUT" | "DELETE";
  /** Relative to the Graph version root (`/v1.0`). */
  path: string;
  body?: unknown;
  /** What in this request is a guess or decided at deploy time. */
  note?: string;
}

export interface PlanOptions {
  /** Operator names as the job spells them; default the labelled best-guess table. */
  operatorNames?: OperatorNames;
  activeDirectorySecretKeys?: ActiveDirectorySecretKeys;
}

export function planProvisioningRequests(
  spec: TenantSpec,
  appKey: string,
  options: PlanOptions = {},
): PlannedRequest[] {
  const app = spec.provisioning[appKey];
  if (!app) {
    const keys = Object.keys(spec.provisioning);
    throw new Error(
      `provisioning.${appKey} is not in the spec (apps: ${keys.join(", ") || "none"})`,
    );
  }
  const sp = "{servicePrincipalId}";
  const job = "{jobId}";
  const requests: PlannedRequest[] = [];
  const templateName = APPLICATION_TEMPLATE_NAMES[app.target];
  if (!app.applicationTemplateId) {
    requests.push({
      method: "GET",
      path: `/applicationTemplates?$filter=displayName eq '${templateName}'`,
    });
  }
  requests.push({
    method: "POST",
    path: `/applicationTemplates/${app.applicationTemplateId ?? "{applicationTemplateId}"}/instantiate`,
    body: { displayName: app.displayName },
  });
  if (!app.synchronizationTemplateId) {
    requests.push({
      method: "GET",
      path: syncPaths.templates(sp),
      note: `the only template, else the default one, else ${EXPECTED_TEMPLATE[app.target]}`,
    });
  }
  requests.push({
    method: "GET",
    path: syncPaths.jobs(sp),
    note: "a job of the same template already there (from an interrupted deploy) is adopted",
  });
  requests.push({
    method: "POST",
    path: syncPaths.jobs(sp),
    body: { templateId: app.synchronizationTemplateId ?? "{synchronizationTemplateId}" },
  });

  const adKeys = options.activeDirectorySecretKeys;
  requests.push({ method: "GET", path: syncPaths.secrets(sp) });
  const secretNotes = ["merged into the live collection: keys set outside the spec are kept"];
  if (app.target === "activeDirectory" && !adKeys) {
    secretNotes.push(
      "AD domain/OU secret keys are a BEST GUESS (UNCONFIRMED); configure them from a portal-configured app",
    );
  }
  requests.push({
    method: "PUT",
    path: syncPaths.secrets(sp),
    body: { value: compileSecrets(app, adKeys ?? BEST_GUESS_AD_SECRET_KEYS) },
    note: secretNotes.join("; "),
  });

  requests.push({ method: "GET", path: syncPaths.schema(sp, job) });
  const used = operatorsUsed(app);
  if (used.length > 0) requests.push({ method: "GET", path: syncPaths.filterOperators(sp, job) });
  const operatorNames = options.operatorNames ?? BEST_GUESS_OPERATOR_NAMES;
  const notes = [STAND_IN_LABEL];
  if (used.length > 0 && !options.operatorNames) notes.push(BEST_GUESS_LABEL);
  requests.push({
    method: "PUT",
    path: syncPaths.schema(sp, job),
    body: compileSchema(templateSchema(app.target), app, { operatorNames }),
    note: notes.join("; "),
  });

  requests.push({ method: "GET", path: syncPaths.job(sp, job) });
  requests.push({ method: "POST", path: syncPaths.start(sp, job) });

  if (app.uploader && app.uploader.kind !== "none") {
    for (const role of UPLOADER_ROLES) {
      requests.push({
        method: "POST",
        path: "/servicePrincipals/{graphServicePrincipalId}/appRoleAssignedTo",
        body: {
          principalId: "{uploaderPrincipalId}",
          resourceId: "{graphServicePrincipalId}",
          appRoleId: `{appRoleIds["${role}"]}`,
        },
        note: `app role id read from the Microsoft Graph service principal (${GRAPH_APP_ID})`,
      });
    }
  }
  // Undefined notes would print as `note: undefined` and break exact comparisons.
  return requests.map(({ note, ...request }) =>
    note === undefined ? request : { ...request, note },
  );
}
