/** Values Entra refuses, caught offline (lib/provisioning/values.ts). */
import { likelyCountryCode, refusedValues } from "../../lib/provisioning/values";

test("usageLocation: ISO 3166-1 alpha-2 only; the likely code for UK, EL and alpha-3 codes", () => {
  expect(refusedValues({ usageLocation: "GB" })).toEqual([]);
  expect(refusedValues({ usageLocation: "NL", userPrincipalName: "ada@contoso.com" })).toEqual([]);
  expect(likelyCountryCode("UK")).toBe("GB");
  expect(likelyCountryCode("EL")).toBe("GR");
  expect(likelyCountryCode("NLD")).toBe("NL");
  expect(likelyCountryCode("gb")).toBe("GB");
  expect(likelyCountryCode("Netherlands")).toBeUndefined();
  expect(refusedValues({ usageLocation: "gb" }).map((r) => r.message)).toEqual([
    "usageLocation is not an ISO 3166-1 alpha-2 country code, which Entra refuses; did you mean GB?",
  ]);
  expect(refusedValues({ usageLocation: "XX" }).map((r) => r.detail)).toEqual([
    'usageLocation "XX" is not an ISO 3166-1 alpha-2 country code, which Entra refuses',
  ]);
});

test("userPrincipalName: anything outside ASCII is named, each character once", () => {
  expect(refusedValues({ userPrincipalName: "Zoe.Dvorak@contoso.com" })).toEqual([]);
  expect(refusedValues({ userPrincipalName: "Đặng.Ngọc@contoso.com" })).toEqual([
    {
      attribute: "userPrincipalName",
      message:
        "userPrincipalName has characters outside ASCII, which Entra refuses; wrap the mapping in NormalizeDiacritics, and Replace what its table leaves",
      detail:
        'userPrincipalName "Đặng.Ngọc@contoso.com" has characters outside ASCII (Đ ặ ọ), which Entra refuses; wrap the mapping in NormalizeDiacritics, and Replace what its table leaves',
    },
  ]);
});
