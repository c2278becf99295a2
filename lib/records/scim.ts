/**
 * The SCIM side of the uploader: which User attributes exist and of what type, and how a column
 * key of `uploader.csv.columns` (`name.givenName`, `addresses[type eq "work"].locality`,
 * `enterprise:manager.value`, `ext:HireDate` or a full URN) addresses a place in the SCIM record.
 *
 * Types follow RFC 7643 (core User section 4.1, enterprise extension section 4.3); the custom
 * extension's types come from the spec's `scimExtension.attributes`.
 */
import type { ProvisioningApp } from "../model/schema";

export const CORE_URN = "urn:ietf:params:scim:schemas:core:2.0:User";
export const ENTERPRISE_URN = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
export const BULK_REQUEST_URN = "urn:ietf:params:scim:api:messages:2.0:BulkRequest";

export type ScimType = "string" | "boolean" | "integer" | "dateTime" | "reference" | "binary";

interface ScimAttribute {
  type: ScimType | "complex";
  multiValued?: boolean;
  sub?: Record<string, ScimType>;
}

const MULTI_SUB: Record<string, ScimType> = {
  value: "string",
  display: "string",
  type: "string",
  primary: "boolean",
};

const CORE: Record<string, ScimAttribute> = {
  externalId: { type: "string" },
  userName: { type: "string" },
  name: {
    type: "complex",
    sub: {
      formatted: "string",
      familyName: "string",
      givenName: "string",
      middleName: "string",
      honorificPrefix: "string",
      honorificSuffix: "string",
    },
  },
  displayName: { type: "string" },
  nickName: { type: "string" },
  profileUrl: { type: "reference" },
  title: { type: "string" },
  userType: { type: "string" },
  preferredLanguage: { type: "string" },
  locale: { type: "string" },
  timezone: { type: "string" },
  active: { type: "boolean" },
  emails: { type: "complex", multiValued: true, sub: MULTI_SUB },
  phoneNumbers: { type: "complex", multiValued: true, sub: MULTI_SUB },
  ims: { type: "complex", multiValued: true, sub: MULTI_SUB },
  photos: { type: "complex", multiValued: true, sub: { ...MULTI_SUB, value: "reference" } },
  addresses: {
    type: "complex",
    multiValued: true,
    sub: {
      formatted: "string",
      streetAddress: "string",
      locality: "string",
      region: "string",
      postalCode: "string",
      country: "string",
      type: "string",
      primary: "boolean",
    },
  },
  entitlements: { type: "complex", multiValued: true, sub: MULTI_SUB },
  roles: { type: "complex", multiValued: true, sub: MULTI_SUB },
};

const ENTERPRISE: Record<string, ScimAttribute> = {
  employeeNumber: { type: "string" },
  costCenter: { type: "string" },
  organization: { type: "string" },
  division: { type: "string" },
  department: { type: "string" },
  manager: { type: "complex", sub: { value: "string", displayName: "string" } },
};

/** Where one column key writes in the SCIM record. */
export interface ScimTarget {
  /** The key as written in the spec. */
  key: string;
  /** `undefined` for core attributes, else the extension URN whose object holds the attribute. */
  urn?: string;
  attribute: string;
  /** Set for multi-valued attributes: the element is the one whose `filter.attribute` equals `filter.value`. */
  filter?: { attribute: string; value: string };
  sub?: string;
  type: ScimType;
  /** The canonical source-attribute name Entra uses, e.g. `urn:...:enterprise:2.0:User:manager.value`. */
  canonical: string;
  /** The short form (`enterprise:manager.value`, `ext:HireDate`), equal to `canonical` for core. */
  short: string;
}

/**
 * `map[key]` for the map's own keys only: a column key like `name.constructor` or
 * `ext:toString` must not find Object.prototype's member and pass for an attribute.
 */
const own = <T>(map: Readonly<Record<string, T>> | undefined, key: string): T | undefined =>
  map && Object.hasOwn(map, key) ? map[key] : undefined;

// attribute, optional [sub eq "value"], optional .sub
const PATH =
  /^([A-Za-z][A-Za-z0-9_$-]*)(?:\[\s*([A-Za-z][A-Za-z0-9_]*)\s+eq\s+"([^"]*)"\s*\])?(?:\.([A-Za-z$][A-Za-z0-9_]*))?$/;

/**
 * Resolves a column key to its place and type, or explains why it cannot be one. `extension` is
 * the app's `scimExtension`.
 */
export function resolveScimTarget(
  key: string,
  extension?: ProvisioningApp["scimExtension"],
): ScimTarget | { error: string } {
  let urn: string | undefined;
  let rest = key;
  if (key.startsWith("enterprise:")) {
    urn = ENTERPRISE_URN;
    rest = key.slice("enterprise:".length);
  } else if (key.startsWith("ext:")) {
    if (!extension) {
      return {
        error: `"${key}" uses ext: but the app has no scimExtension; add scimExtension.urn and .attributes`,
      };
    }
    urn = extension.urn;
    rest = key.slice(4);
  } else if (key.startsWith(ENTERPRISE_URN + ":")) {
    urn = ENTERPRISE_URN;
    rest = key.slice(ENTERPRISE_URN.length + 1);
  } else if (extension && key.startsWith(extension.urn + ":")) {
    urn = extension.urn;
    rest = key.slice(extension.urn.length + 1);
  } else if (key.startsWith(CORE_URN + ":")) {
    rest = key.slice(CORE_URN.length + 1);
  } else if (key.startsWith("urn:")) {
    return {
      error: `"${key}" names an unknown schema; use a core attribute, enterprise:<attr>, or ext:<attr> of scimExtension.urn`,
    };
  }
  const match = PATH.exec(rest);
  if (!match) {
    return {
      error: `"${key}" is not a SCIM attribute path; write attr, attr.sub or attr[type eq "work"].sub`,
    };
  }
  const [, attribute, filterAttribute, filterValue, sub] = match;
  const short = urn === ENTERPRISE_URN ? `enterprise:${rest}` : urn ? `ext:${rest}` : rest;
  const canonical = urn ? `${urn}:${rest}` : rest;
  const base = { key, urn, attribute, short, canonical };

  if (urn && urn !== ENTERPRISE_URN) {
    const type = own(extension?.attributes, attribute);
    if (!type) {
      const known = Object.keys(extension?.attributes ?? {}).join(", ") || "none";
      return {
        error: `"${key}": ${attribute} is not in scimExtension.attributes (known: ${known})`,
      };
    }
    if (filterAttribute || sub) {
      return {
        error: `"${key}": custom extension attributes are single-valued; write ext:${attribute}`,
      };
    }
    return { ...base, type };
  }

  const catalog = urn ? ENTERPRISE : CORE;
  const definition = own(catalog, attribute);
  if (!definition) {
    const where = urn ? "enterprise extension" : "core User schema";
    return {
      error: `"${key}": ${attribute} is not an attribute of the SCIM ${where} (known: ${Object.keys(catalog).join(", ")})`,
    };
  }
  if (definition.multiValued) {
    if (!filterAttribute || !sub) {
      return {
        error: `"${key}": ${attribute} is multi-valued; address one element and sub-attribute, like ${attribute}[type eq "work"].${Object.keys(definition.sub ?? {})[0]}`,
      };
    }
    const filterType = own(definition.sub, filterAttribute);
    const subType = own(definition.sub, sub);
    if (filterType !== "string") {
      return {
        error: `"${key}": filter on ${attribute}.${filterAttribute} is not supported; filter on a string sub-attribute such as type`,
      };
    }
    if (!subType) {
      return {
        error: `"${key}": ${sub} is not a sub-attribute of ${attribute} (known: ${Object.keys(definition.sub ?? {}).join(", ")})`,
      };
    }
    if (sub === filterAttribute) {
      return { error: `"${key}": ${sub} is set by the filter already` };
    }
    return {
      ...base,
      filter: { attribute: filterAttribute, value: filterValue },
      sub,
      type: subType,
    };
  }
  if (filterAttribute) {
    return { error: `"${key}": ${attribute} is single-valued and takes no [filter]` };
  }
  if (definition.type === "complex") {
    const known = Object.keys(definition.sub ?? {}).join(", ");
    if (sub && !own(definition.sub, sub)) {
      return { error: `"${key}": ${sub} is not a sub-attribute of ${attribute} (known: ${known})` };
    }
    const subType = sub ? own(definition.sub, sub) : undefined;
    if (!subType) {
      return {
        error: `"${key}": ${attribute} is complex; name a sub-attribute (${Object.keys(definition.sub ?? {}).join(", ")})`,
      };
    }
    return { ...base, sub, type: subType };
  }
  if (sub) return { error: `"${key}": ${attribute} is a simple attribute and has no .${sub}` };
  return { ...base, type: definition.type };
}

/** Why a value cannot have the attribute's type, or the typed value; `undefined` means "omit". */
export type Converted = { value: string | number | boolean } | { error: string } | undefined;

const INTEGER = /^[+-]?\d+$/;
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$/;
const TRUE = /^(true|1)$/i;
const FALSE = /^(false|0)$/i;

/**
 * Types an expression's result for a SCIM attribute. Null and empty results are omitted rather than
 * sent as null: clearing a value needs "flow null values" on both sides
 * (https://learn.microsoft.com/en-us/entra/identity/app-provisioning/clear-attribute-values), and
 * an omitted attribute is left alone. Expressions return Entra's "True"/"False" strings for
 * booleans; a date-only value becomes midnight UTC, the xsd:dateTime SCIM requires.
 */
export function convertValue(value: unknown, type: ScimType): Converted {
  if (value === null || value === undefined || value === "") return undefined;
  if (typeof value === "object")
    return { error: `expected a single ${type} value, got a list or object` };
  switch (type) {
    case "boolean":
      if (typeof value === "boolean") return { value };
      if (TRUE.test(String(value))) return { value: true };
      if (FALSE.test(String(value))) return { value: false };
      return { error: "expected a boolean (True or False)" };
    case "integer":
      if (typeof value === "number" && Number.isSafeInteger(value)) return { value };
      if (typeof value === "string" && INTEGER.test(value) && Number.isSafeInteger(Number(value))) {
        return { value: Number(value) };
      }
      return { error: "expected a whole number" };
    case "dateTime": {
      const text = String(value);
      const date = DATE.exec(text);
      if (date) {
        const [y, m, d] = [Number(date[1]), Number(date[2]), Number(date[3])];
        const probe = new Date(Date.UTC(y, m - 1, d));
        if (probe.getUTCMonth() !== m - 1 || probe.getUTCDate() !== d) {
          return { error: "expected a real calendar date (yyyy-MM-dd)" };
        }
        return { value: `${text}T00:00:00Z` };
      }
      if (DATE_TIME.test(text) && !Number.isNaN(Date.parse(text))) return { value: text };
      return {
        error:
          'expected a date yyyy-MM-dd or an ISO 8601 date-time; convert other formats with FormatDateTime([column], , "<in>", "yyyy-MM-dd")',
      };
    }
    default:
      return { value: typeof value === "string" ? value : String(value) };
  }
}
