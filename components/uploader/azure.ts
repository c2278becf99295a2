/**
 * Plain facts and names for the uploader's Azure resources. No Pulumi imports: the component,
 * its tests and the docs share these.
 */
import { createHash } from "crypto";

/**
 * Built-in Azure role definition ids
 * (https://learn.microsoft.com/en-us/azure/role-based-access-control/built-in-roles/storage). They
 * are the same in every subscription; ARM wants them as full resource ids, see
 * `roleDefinitionResourceId`.
 */
export const ROLE = {
  storageBlobDataOwner: "b7e6dc6d-f1e8-4753-8033-0f276bb0955b",
  storageBlobDataContributor: "ba92f5b4-2d11-453d-a403-e96b0029c9fe",
  storageQueueDataContributor: "974c5e8b-45b9-4653-ba55-5f855dd0fb88",
  // https://learn.microsoft.com/en-us/azure/role-based-access-control/built-in-roles/security#key-vault-secrets-user
  keyVaultSecretsUser: "4633458b-17de-408a-b874-0445c86b69e6",
} as const;

export function roleDefinitionResourceId(subscriptionId: string, roleId: string): string {
  return `/subscriptions/${subscriptionId}/providers/Microsoft.Authorization/roleDefinitions/${roleId}`;
}

/** Blob containers of the uploader's storage account. */
export const CONTAINER = {
  /** HR exports land here; the Logic App archives pushed payloads under `pushed/`. */
  drop: "drop",
  /** Delta state, quota calls and checkpoints of the engine (lib/upload/state.ts). */
  state: "state",
  /** The Flex Consumption deployment package. */
  deployment: "app-package",
} as const;

/**
 * The file names the `function` uploader reads from the drop container, by `uploader.source`:
 * `.csv` for csv, `.json` and `.jsonl` (JSON Lines) for json; none for rest, which reads the HR
 * API instead. The blob event subscription filters on them, functions/src/blob.ts picks by them.
 */
export function dropExtensions(source: "csv" | "json" | "rest"): readonly string[] {
  if (source === "csv") return [".csv"];
  if (source === "json") return [".json", ".jsonl"];
  return [];
}

/** Name of the Logic App's HTTP trigger, also used to ask for its callback URL. */
export const LOGIC_APP_TRIGGER = "manual";

/** Names of the functions registered in functions/src/index.ts. */
export const FUNCTION_NAMES = { blob: "uploadDroppedCsv", timer: "uploadOnSchedule" } as const;

export interface UploaderNames {
  identity: string;
  storageAccount: string;
  plan: string;
  functionApp: string;
  logicApp: string;
  eventTopic: string;
}

/** Truncates a name without leaving a trailing "-". */
const cut = (text: string, length: number) => text.slice(0, length).replace(/-+$/, "");

const hash = (text: string, length: number) =>
  createHash("sha256").update(text).digest("hex").slice(0, length);

/**
 * Azure names derived from the tenant and the app key. Storage account and function app names
 * are global DNS names, so they carry a hash of the tenant id: two organisations that both call
 * their tenant "contoso" do not collide, and the names stay stable across runs.
 */
export function uploaderNames(tenantName: string, tenantId: string, appKey: string): UploaderNames {
  const base = `${tenantName}-${appKey}`;
  const suffix = hash(`${tenantId.toLowerCase()}|${tenantName}|${appKey}`, 8);
  // Storage: 3-24 lowercase letters and digits.
  const alnum = `inb${base.replace(/[^a-z0-9]/g, "")}`.slice(0, 16);
  // Function app: 2-60 characters, becomes <name>.azurewebsites.net.
  return {
    identity: cut(`${base}-uploader`, 128),
    storageAccount: `${alnum}${suffix}`,
    plan: cut(`${base}-uploader-plan`, 60),
    functionApp: `${cut(`${base}-uploader`, 50)}-${suffix}`,
    logicApp: cut(`${base}-uploader`, 80),
    eventTopic: cut(`${base}-uploader-blobs`, 128),
  };
}

/** Problems with a storage account name given explicitly, for the component to report. */
export function storageAccountNameProblem(name: string): string | undefined {
  return /^[a-z0-9]{3,24}$/.test(name)
    ? undefined
    : `uploader.storageAccountName ${JSON.stringify(name)} must be 3-24 lowercase letters and digits (it becomes <name>.blob.core.windows.net)`;
}

/**
 * The token audience of a Graph base URL: its origin, without a trailing slash, as Microsoft's
 * CSV2SCIMBulkUpload sample writes it
 * (https://github.com/AzureAD/entra-id-inbound-provisioning/blob/main/LogicApps/CSV2SCIMBulkUpload/csv2scimbulkupload-template.json).
 */
export function graphAudience(graphBaseUrl: string): string {
  return new URL(graphBaseUrl).origin;
}

/** Query parameters of a callback URL that make up its shared access signature. */
const SAS_PARAMETERS = ["sp", "sv", "sig"];

/**
 * The trigger URL without its SAS: a call that carries both a signature and a bearer token is
 * refused, and the workflow accepts only the token (Microsoft Learn, "Secure access and data in
 * Azure Logic Apps", logic-apps-securing-a-logic-app#enable-oauth-with-microsoft-entra-id).
 */
export function withoutSas(callbackUrl: string): string {
  const url = new URL(callbackUrl);
  for (const name of SAS_PARAMETERS) url.searchParams.delete(name);
  return url.toString();
}

/**
 * The app setting value that makes the platform read a secret from Key Vault
 * (https://learn.microsoft.com/en-us/azure/app-service/app-service-key-vault-references): by
 * vault and secret name, so the reference holds no cloud's host name, and without a version, so a
 * rotated secret is picked up.
 */
export function keyVaultReference(vaultId: string, secretName: string): string {
  const vaultName = vaultId.replace(/\/+$/, "").split("/").pop();
  return `@Microsoft.KeyVault(VaultName=${vaultName};SecretName=${secretName})`;
}
