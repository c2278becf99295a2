/**
 * The attributes of the API-driven provisioning app's source object (directory "API", object
 * "User"), as the job schema names them: the SCIM core User and enterprise extension attributes
 * that Microsoft documents for the app, i.e. those of the bulkUpload request example
 * (https://learn.microsoft.com/en-us/graph/api/synchronization-synchronizationjob-post-bulkupload,
 * "Request" example 1), which Microsoft's own clients send too
 * (https://github.com/AzureAD/entra-id-inbound-provisioning, PowerShell/CSV2SCIM/Samples/AttributeMapping.psd1).
 * Anything else reaches the app only through a custom SCIM extension
 * (https://learn.microsoft.com/en-us/entra/identity/app-provisioning/inbound-provisioning-api-custom-attributes).
 *
 * This one list is what `validate` accepts in mappings, scope clauses and matching rules
 * (lib/expressions/attributes.ts), what `plan` shows as the template's source attributes
 * (lib/provisioning/templateSchema.ts), and what the emulator's template schema holds
 * (lib/emulator/routes/provisioning.ts), so the three cannot disagree.
 */

export const ENTERPRISE_URN = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";

export type ApiSourceType = "String" | "Boolean" | "Reference";

/** Core attributes, by the path the job schema uses (no URN prefix). */
export const API_SOURCE_CORE: readonly (readonly [name: string, type: ApiSourceType])[] = [
  ["externalId", "String"],
  ["userName", "String"],
  ["name.formatted", "String"],
  ["name.familyName", "String"],
  ["name.givenName", "String"],
  ["name.middleName", "String"],
  ["name.honorificPrefix", "String"],
  ["name.honorificSuffix", "String"],
  ["displayName", "String"],
  ["nickName", "String"],
  ['emails[type eq "work"].value', "String"],
  ['addresses[type eq "work"].streetAddress', "String"],
  ['addresses[type eq "work"].locality', "String"],
  ['addresses[type eq "work"].region', "String"],
  ['addresses[type eq "work"].postalCode', "String"],
  ['addresses[type eq "work"].country', "String"],
  ['addresses[type eq "work"].formatted', "String"],
  ['phoneNumbers[type eq "work"].value', "String"],
  ["userType", "String"],
  ["title", "String"],
  ["preferredLanguage", "String"],
  ["locale", "String"],
  ["timezone", "String"],
  ["active", "Boolean"],
];

/** Enterprise extension attributes, by their name after the URN. */
export const API_SOURCE_ENTERPRISE: readonly (readonly [name: string, type: ApiSourceType])[] = [
  ["employeeNumber", "String"],
  ["costCenter", "String"],
  ["organization", "String"],
  ["division", "String"],
  ["department", "String"],
  ["manager", "Reference"],
];

/** Every source attribute under the name the job schema uses, with its schema type. */
export function apiSourceAttributes(): { name: string; type: ApiSourceType }[] {
  return [
    ...API_SOURCE_CORE.map(([name, type]) => ({ name, type })),
    ...API_SOURCE_ENTERPRISE.map(([name, type]) => ({ name: `${ENTERPRISE_URN}:${name}`, type })),
  ];
}
