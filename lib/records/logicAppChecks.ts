/**
 * What a Consumption Logic App can do with `uploader.csv.columns`: its workflow language has no
 * equivalent of Entra's expression functions, so only a column copied as is, or a constant, can
 * be expressed (the function uploader runs lib/expressions and has no such limit).
 */
import type { CheckContext } from "../model/checks";
import { uploaderColumns } from "../model/schema";

export type SimpleMapping = { column: string } | { constant: string };

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const COLUMN = /^\s*\[([^[\]]+)\]\s*$/;
const CONSTANT = /^\s*"((?:[^"\\]|\\.)*)"\s*$/;

/** `[Column]` or `"constant"` (with `\"` and `\\` escapes), else undefined. */
export function simpleMapping(expression: string): SimpleMapping | undefined {
  const column = COLUMN.exec(expression);
  if (column) return { column: column[1] };
  const constant = CONSTANT.exec(expression);
  if (constant) return { constant: constant[1].replace(/\\(.)/g, "$1") };
  return undefined;
}

/**
 * Rejects, for every app with `uploader.kind: logicApp`, a push trigger that would not demand an
 * Entra ID token from the HR system, and each `csv.columns` expression that is not a plain
 * `[Column]` reference or a string constant.
 */
export function logicAppUploaderChecks(ctx: CheckContext): void {
  for (const [appKey, app] of Object.entries(ctx.spec.provisioning)) {
    const uploader = app.uploader;
    if (uploader?.kind !== "logicApp") continue;
    const trigger = uploader.httpTrigger;
    if (!trigger) {
      // Without a policy the callback URL's signature is the only key to creating accounts.
      ctx.report(
        ["provisioning", appKey, "uploader", "kind"],
        'a logicApp uploader\'s push trigger must demand an Entra ID token: add httpTrigger: { audience: "api://<app the HR system gets its token for>", callerAppId: "<the HR system\'s client id>" } (docs/uploader-azure.md)',
      );
    } else if (
      trigger.issuer !== undefined &&
      !trigger.issuer.toLowerCase().includes(ctx.spec.tenant.id.toLowerCase())
    ) {
      ctx.report(
        ["provisioning", appKey, "uploader", "httpTrigger", "issuer"],
        `issuer ${JSON.stringify(trigger.issuer)} does not name tenant.id ${ctx.spec.tenant.id}: tokens from another tenant would be accepted; leave it out to use https://sts.windows.net/${ctx.spec.tenant.id}/`,
      );
    } else if (
      trigger.issuer?.replace(/\/+$/, "").endsWith("/v2.0") &&
      !GUID.test(trigger.audience)
    ) {
      // v2.0 access tokens always carry the API's client id as `aud`, whatever the caller asked
      // for (https://learn.microsoft.com/en-us/entra/identity-platform/access-token-claims-reference):
      // an Application ID URI there would match no token, and every push would be refused.
      ctx.report(
        ["provisioning", appKey, "uploader", "httpTrigger", "audience"],
        `audience ${JSON.stringify(trigger.audience)} never matches a v2.0 token, whose aud is the API's client id (a GUID): give the client id of the app registration the HR system gets its token for, or leave issuer out to use v1.0 tokens, whose aud is the Application ID URI`,
      );
    }
    const { columns, path } = uploaderColumns(uploader);
    for (const [attribute, expression] of Object.entries(columns)) {
      if (simpleMapping(expression)) continue;
      ctx.report(
        ["provisioning", appKey, "uploader", ...path, attribute],
        `${attribute}: ${JSON.stringify(expression)} cannot run in a Logic App uploader, which copies only a plain column like "[WorkerID]" or a constant like "\\"work\\""; simplify it, or use uploader.kind: function`,
      );
    }
  }
}
