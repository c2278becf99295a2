/**
 * Offline checks of the deployed uploader's secrets: a `function` uploader reads the HR API's
 * secrets (`uploader.rest.auth`) from its app settings, which the stack fills in only with Key
 * Vault references named in `uploader.keyVault.secrets` (docs/uploader-azure.md).
 */
import type { CheckContext } from "../model/checks";
import type { Uploader } from "../model/schema";

/** App settings the stack writes or the platform reserves: a secret must not take their name. */
const RESERVED = /^(INBOUND_|AZURE_|AzureWebJobs|APPLICATIONINSIGHTS_|FUNCTIONS_|WEBSITE_)/i;

/** The environment variables `rest.auth` reads its secret from. */
export function restSecretNames(rest: NonNullable<Uploader["rest"]>): string[] {
  const auth = rest.auth;
  if ("bearerEnv" in auth) return [auth.bearerEnv];
  if ("apiKey" in auth) return [auth.apiKey.env];
  return [auth.oauth2.clientSecretEnv];
}

export function checkUploaderSecrets({ spec, report, warn }: CheckContext): void {
  for (const [appKey, app] of Object.entries(spec.provisioning)) {
    const uploader = app.uploader;
    if (!uploader) continue;
    const at = ["provisioning", appKey, "uploader"];
    const secrets = uploader.keyVault?.secrets ?? {};
    for (const name of Object.keys(secrets)) {
      if (RESERVED.test(name)) {
        report(
          [...at, "keyVault", "secrets", name],
          `${name} is an app setting the stack or the platform sets itself; give the secret another name, and use it in uploader.rest.auth`,
        );
      }
    }
    if (uploader.keyVault && uploader.kind !== "function") {
      warn(
        [...at, "keyVault"],
        `only a function uploader reads its secrets from Key Vault; a ${uploader.kind} uploader ignores keyVault`,
      );
    }
    if (uploader.kind !== "function" || uploader.source !== "rest" || !uploader.rest) continue;
    for (const name of restSecretNames(uploader.rest)) {
      if (name in secrets) continue;
      warn(
        [...at, "rest", "auth"],
        `the deployed uploader reads ${name} from its app settings, and the stack sets it only from Key Vault: add keyVault: { id: <vault resource id>, secrets: { ${name}: <secret name> } } to the uploader, or its runs fail with "${name} is not set" (docs/uploader-azure.md)`,
      );
    }
  }
}
