/**
 * Attribute names an expression may read, and the short forms the tenant spec allows:
 * `enterprise:department` for the SCIM enterprise extension and `ext:HireDate` for the app's
 * custom extension. Entra's schema knows only the full URN forms of extension attributes, so
 * everything sent to Graph is expanded with canonicalAttributeName.
 */

import { API_SOURCE_CORE, API_SOURCE_ENTERPRISE, ENTERPRISE_URN } from "./apiSource";

export { ENTERPRISE_URN };
export const CORE_URN = "urn:ietf:params:scim:schemas:core:2.0:User";

/** Allowed attribute names, short and canonical forms alike. */
export type AttributeCatalog = ReadonlySet<string>;

/** The API source object's core attribute paths, as Entra's API source directory names them. */
export function coreAttributeNames(): string[] {
  return API_SOURCE_CORE.map(([name]) => name);
}

/**
 * Catalog for provisioning mappings, scope clauses and matching rules: the API source object's
 * attributes (lib/expressions/apiSource.ts) and the custom extension, each in its short form (`name.givenName`, `enterprise:department`, `ext:HireDate`) and canonical form
 * (`urn:...:core:2.0:User:name.givenName`, `urn:...:enterprise:2.0:User:department`, `<urn>:HireDate`).
 */
export function scimAttributeCatalog(extension?: {
  urn: string;
  attributes: Record<string, string>;
}): AttributeCatalog {
  const names = new Set<string>();
  for (const n of coreAttributeNames()) {
    names.add(n);
    names.add(`${CORE_URN}:${n}`);
  }
  for (const [n] of API_SOURCE_ENTERPRISE) {
    names.add(`enterprise:${n}`);
    names.add(`${ENTERPRISE_URN}:${n}`);
  }
  if (extension) {
    for (const n of Object.keys(extension.attributes)) {
      names.add(`ext:${n}`);
      names.add(`${extension.urn}:${n}`);
    }
  }
  return names;
}

/** Catalog for uploader mappings: the CSV's column names, exactly as in the header. */
export function csvColumnCatalog(columns: readonly string[]): AttributeCatalog {
  return new Set(columns);
}

/**
 * Expands a short form to the name Entra's schema uses: `enterprise:x` → the enterprise URN form,
 * `ext:x` → `<extensionUrn>:x`, and a core URN form back to the plain core path. Other names are
 * returned unchanged. Throws when `ext:` is used without an extension URN.
 */
export function canonicalAttributeName(name: string, extensionUrn?: string): string {
  if (name.startsWith("enterprise:"))
    return `${ENTERPRISE_URN}:${name.slice("enterprise:".length)}`;
  if (name.startsWith("ext:")) {
    if (!extensionUrn) {
      throw new Error(
        `[${name}] refers to the custom SCIM extension, but no extension URN is known: set scimExtension.urn on the provisioning app (or pass --extension-urn)`,
      );
    }
    return `${extensionUrn}:${name.slice("ext:".length)}`;
  }
  if (name.startsWith(`${CORE_URN}:`)) return name.slice(CORE_URN.length + 1);
  return name;
}

/**
 * Every name under which a record may hold the value of `[name]`: as written, canonical, and the
 * short form of a canonical name. Used by the evaluator's attribute lookup.
 */
export function attributeAliases(name: string, extensionUrn?: string): string[] {
  const out = [name];
  const add = (n: string): void => {
    if (!out.includes(n)) out.push(n);
  };
  if (name.startsWith("ext:")) {
    if (extensionUrn) add(`${extensionUrn}:${name.slice(4)}`);
  } else {
    add(canonicalAttributeName(name));
  }
  if (name.startsWith(`${ENTERPRISE_URN}:`))
    add(`enterprise:${name.slice(ENTERPRISE_URN.length + 1)}`);
  if (name.startsWith(`${CORE_URN}:`)) add(name.slice(CORE_URN.length + 1));
  else if (!name.includes(":")) add(`${CORE_URN}:${name}`);
  if (extensionUrn && name.startsWith(`${extensionUrn}:`))
    add(`ext:${name.slice(extensionUrn.length + 1)}`);
  return out;
}
