/**
 * The attributes a provisioning job can write in its target directory, so that a typo in a
 * mapping's target (`jobTitel`) is caught by `validate` instead of by the first `pulumi up`.
 *
 * Microsoft documents no list of the API-driven templates' target attributes; the job's own schema
 * is the authority, and the deploy reads it. This catalog is what the documentation does give:
 * - Entra ID: the writable properties of the user resource,
 *   https://learn.microsoft.com/en-us/graph/api/resources/user#properties, plus the names the
 *   provisioning service's Entra schema uses for the telephone and office attributes (Microsoft's
 *   inbound provisioning sample maps `phoneNumbers` to `telephoneNumber`:
 *   https://github.com/AzureAD/entra-id-inbound-provisioning), the onPremisesExtensionAttributes
 *   `extensionAttribute1`-`15`, and directory extensions `extension_<appId>_<name>`
 *   (https://learn.microsoft.com/en-us/graph/extensibility-overview#directory-microsoft-entra-id-extensions).
 * - Active Directory: the attributes of the AD user class that Microsoft's HR-to-AD provisioning
 *   writes (https://learn.microsoft.com/en-us/entra/identity/saas-apps/workday-inbound-tutorial and
 *   https://learn.microsoft.com/en-us/entra/identity/app-provisioning/inbound-provisioning-api-configure-app),
 *   `parentDistinguishedName` and `accountDisabled` of the provisioning agent, and the
 *   extension attributes by pattern (https://learn.microsoft.com/en-us/windows/win32/adschema/classes-user).
 */
import type { ProvisioningApp } from "../model/schema";

export type TargetType = "String" | "Boolean" | "DateTime" | "Reference" | "Integer";

export interface TargetAttribute {
  name: string;
  type: TargetType;
  multiValued?: boolean;
  /**
   * Microsoft's guidance applies it on creation only: changing it later renames the account (or
   * its mailbox alias) whenever the source value changes.
   */
  createOnly?: boolean;
}

const attrs = (type: TargetType, ...names: string[]): TargetAttribute[] =>
  names.map((name) => ({ name, type }));

export const ENTRA_USER_ATTRIBUTES: readonly TargetAttribute[] = [
  ...attrs("Boolean", "accountEnabled", "showInAddressList"),
  ...attrs("DateTime", "employeeHireDate", "employeeLeaveDateTime"),
  ...attrs("Reference", "manager"),
  { name: "businessPhones", type: "String", multiValued: true },
  { name: "otherMails", type: "String", multiValued: true },
  { name: "userPrincipalName", type: "String", createOnly: true },
  { name: "mailNickname", type: "String", createOnly: true },
  ...attrs(
    "String",
    "ageGroup",
    "city",
    "companyName",
    "consentProvidedForMinor",
    "country",
    "department",
    "displayName",
    "employeeId",
    "employeeType",
    "faxNumber",
    "givenName",
    "jobTitle",
    "mail",
    "mobilePhone",
    "officeLocation",
    "postalCode",
    "preferredDataLocation",
    "preferredLanguage",
    "state",
    "streetAddress",
    "surname",
    "usageLocation",
    "userType",
    // The provisioning schema's names of the employeeOrgData properties and the phone/office
    // attributes, as Microsoft's provisioning samples map them.
    "costCenter",
    "division",
    "telephoneNumber",
    "mobile",
    "facsimileTelephoneNumber",
    "physicalDeliveryOfficeName",
  ),
];

export const ACTIVE_DIRECTORY_USER_ATTRIBUTES: readonly TargetAttribute[] = [
  ...attrs("Boolean", "accountDisabled"),
  ...attrs("DateTime", "accountExpires"),
  ...attrs("Reference", "manager"),
  { name: "proxyAddresses", type: "String", multiValued: true },
  { name: "otherMobile", type: "String", multiValued: true },
  { name: "otherTelephone", type: "String", multiValued: true },
  { name: "sAMAccountName", type: "String", createOnly: true },
  { name: "userPrincipalName", type: "String", createOnly: true },
  { name: "cn", type: "String", createOnly: true },
  ...attrs(
    "String",
    "c",
    "co",
    "company",
    "countryCode",
    "department",
    "description",
    "displayName",
    "division",
    "employeeID",
    "employeeNumber",
    "employeeType",
    "facsimileTelephoneNumber",
    "givenName",
    "homePhone",
    "info",
    "initials",
    "ipPhone",
    "l",
    "mail",
    "middleName",
    "mobile",
    "pager",
    "parentDistinguishedName",
    "physicalDeliveryOfficeName",
    "postalCode",
    "postOfficeBox",
    "preferredLanguage",
    "sn",
    "st",
    "streetAddress",
    "telephoneNumber",
    "title",
    "wWWHomePage",
  ),
];

/** Attribute families accepted by their form, each with the range Microsoft documents. */
const PATTERNS: Record<ProvisioningApp["target"], { pattern: RegExp; type: TargetType }[]> = {
  entra: [
    { pattern: /^extensionAttribute([1-9]|1[0-5])$/, type: "String" },
    { pattern: /^extension_[0-9a-f]{32}_[A-Za-z0-9_]+$/i, type: "String" },
  ],
  activeDirectory: [
    { pattern: /^extensionAttribute([1-9]|1[0-5])$/, type: "String" },
    { pattern: /^msDS-cloudExtensionAttribute([1-9]|1[0-9]|20)$/, type: "String" },
  ],
};

const byTarget = {
  entra: ENTRA_USER_ATTRIBUTES,
  activeDirectory: ACTIVE_DIRECTORY_USER_ATTRIBUTES,
} as const;

/** The catalog entry for a mapping target (names are case-insensitive, as in Entra). */
export function targetAttribute(
  target: ProvisioningApp["target"],
  name: string,
): TargetAttribute | undefined {
  const lower = name.toLowerCase();
  const known = byTarget[target].find((a) => a.name.toLowerCase() === lower);
  if (known) return known;
  const family = PATTERNS[target].find((p) => p.pattern.test(name));
  return family ? { name, type: family.type } : undefined;
}

/** Every catalogued name of a target, for "did you mean" hints. */
export function targetAttributeNames(target: ProvisioningApp["target"]): string[] {
  return byTarget[target].map((a) => a.name);
}

export const TARGET_LABEL: Record<ProvisioningApp["target"], string> = {
  entra: "Microsoft Entra ID",
  activeDirectory: "Active Directory",
};
