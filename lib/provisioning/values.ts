/**
 * Values a provisioning mapping can compute that Entra refuses when the record is processed, so
 * `simulate` and `upload --dry-run` name them per record before anything is sent:
 * - `userPrincipalName` "can't contain accent characters. Only the following characters are
 *   allowed A - Z, a - z, 0 - 9, ' . - _ ! # ^ ~" (https://learn.microsoft.com/en-us/graph/api/resources/user,
 *   userPrincipalName);
 *   NormalizeDiacritics maps only the letters of its table
 *   (https://learn.microsoft.com/en-us/entra/identity/app-provisioning/functions-for-customizing-application-data#normalizediacritics).
 * - `usageLocation` is "A two-letter country code (ISO standard 3166)" (same page), so `UK` is
 *   refused: ISO 3166-1 reserves it for GB.
 */
// The package's code table only: its main entry registers the country names of every language
// (82 modules, about 10 MB), which nothing here shows, in every process that converts records.
import CODES from "i18n-iso-countries/codes.json";

const ALPHA2 = new Set(CODES.map(([alpha2]) => alpha2));
const ALPHA3_TO_ALPHA2 = new Map(CODES.map(([alpha2, alpha3]) => [alpha3, alpha2]));

/**
 * ISO 3166-1's "exceptionally reserved" codes that people use for a country whose code is
 * another: the likely meaning of each.
 */
const RESERVED: Record<string, string> = { UK: "GB", EL: "GR", FX: "FR" };

/** The ISO 3166-1 alpha-2 code meant by a usageLocation Entra refuses, when it is clear. */
export function likelyCountryCode(value: string): string | undefined {
  const upper = value.trim().toUpperCase();
  if (RESERVED[upper]) return RESERVED[upper];
  if (ALPHA2.has(upper)) return upper;
  if (upper.length === 3) return ALPHA3_TO_ALPHA2.get(upper);
  return undefined;
}

/** Whether `value` is an ISO 3166-1 alpha-2 code, as Entra's usageLocation takes it. */
export function isCountryCode(value: string): boolean {
  return ALPHA2.has(value);
}

// Printable ASCII; anything else cannot be in a userPrincipalName.
const NON_ASCII = /[^\x20-\x7e]/gu;

/** A value Entra refuses: `message` without the value (HR data), `detail` with it. */
export interface RefusedValue {
  attribute: string;
  message: string;
  detail: string;
}

/**
 * What Entra would refuse in a computed user, one entry per attribute. Only attributes the
 * mappings produced are looked at.
 */
export function refusedValues(user: Readonly<Record<string, unknown>>): RefusedValue[] {
  const out: RefusedValue[] = [];
  for (const [attribute, value] of Object.entries(user)) {
    if (typeof value !== "string") continue;
    const name = attribute.toLowerCase();
    if (name === "userprincipalname") {
      const outside = [...new Set(value.match(NON_ASCII) ?? [])];
      if (outside.length > 0) {
        const why = `has characters outside ASCII, which Entra refuses; wrap the mapping in NormalizeDiacritics, and Replace what its table leaves`;
        out.push({
          attribute,
          message: `${attribute} ${why}`,
          detail: `${attribute} ${JSON.stringify(value)} ${why.replace("ASCII", `ASCII (${outside.join(" ")})`)}`,
        });
      }
    }
    if (name === "usagelocation" && !isCountryCode(value)) {
      const likely = likelyCountryCode(value);
      const why =
        "is not an ISO 3166-1 alpha-2 country code, which Entra refuses" +
        (likely && likely !== value ? `; did you mean ${likely}?` : "");
      out.push({
        attribute,
        message: `${attribute} ${why}`,
        detail: `${attribute} ${JSON.stringify(value)} ${why}`,
      });
    }
  }
  return out;
}
