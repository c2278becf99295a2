/**
 * The documented function catalogue: names, parameters in order, which are required, and the
 * parameter keys Graph uses in attributeMappingSource trees. The checker takes arity from here,
 * the Graph compiler the keys, and the docs test checks every function is documented.
 *
 * Graph keys: `Replace` → source/Find/Replacement and `Mid` → source/start/length are observed in
 * Graph's own samples; every other key is the documented parameter name in lowerCamelCase, which
 * matches the `GET .../schema/functions` sample (`Append`: source, suffix) but is UNCONFIRMED for
 * the rest (see docs/expressions.md).
 */

export interface FunctionParam {
  /** Name in the Learn function reference. */
  name: string;
  /** Key in Graph's attributeMappingSource.parameters. */
  key: string;
  required: boolean;
}

export interface FunctionSpec {
  /** Documented casing. */
  name: string;
  params: FunctionParam[];
  /**
   * Parameters that repeat after `params` (Join's sources, Switch's key/value pairs), with the
   * minimum number of repeated arguments.
   */
  rest?: { params: FunctionParam[]; min: number };
  /** Only meaningful where Entra has a target directory (not in the CSV uploader). */
  provisioningOnly?: boolean;
}

const p = (name: string, required = true, key = name): FunctionParam => ({ name, key, required });

export const FUNCTIONS: readonly FunctionSpec[] = [
  { name: "Append", params: [p("source"), p("suffix")] },
  {
    name: "AppRoleAssignmentsComplex",
    params: [p("appRoleAssignments")],
    provisioningOnly: true,
  },
  { name: "BitAnd", params: [p("value1"), p("value2")] },
  { name: "CBool", params: [p("expression")] },
  { name: "CDate", params: [p("expression")] },
  { name: "Coalesce", params: [p("source")], rest: { params: [p("source")], min: 0 } },
  { name: "ConvertToBase64", params: [p("source")] },
  { name: "ConvertToUTF8Hex", params: [p("source")] },
  { name: "Count", params: [p("attribute")] },
  { name: "CStr", params: [p("value")] },
  { name: "DateAdd", params: [p("interval"), p("value"), p("dateTime")] },
  { name: "DateDiff", params: [p("interval"), p("date1"), p("date2")] },
  { name: "DateFromNum", params: [p("value")] },
  { name: "DefaultDomain", params: [], provisioningOnly: true },
  {
    name: "FormatDateTime",
    params: [p("source"), p("dateTimeStyles", false), p("inputFormat"), p("outputFormat")],
  },
  { name: "Guid", params: [] },
  { name: "IgnoreFlowIfNullOrEmpty", params: [p("expression")] },
  { name: "IIF", params: [p("condition"), p("valueIfTrue"), p("valueIfFalse")] },
  {
    name: "InStr",
    params: [p("value1"), p("value2"), p("start", false), p("compareType", false)],
  },
  { name: "IsNull", params: [p("expression")] },
  { name: "IsNullOrEmpty", params: [p("expression")] },
  { name: "IsPresent", params: [p("expression")] },
  { name: "IsString", params: [p("expression")] },
  { name: "Item", params: [p("attribute"), p("index")] },
  { name: "Join", params: [p("separator")], rest: { params: [p("source")], min: 1 } },
  { name: "Left", params: [p("string"), p("numChars")] },
  { name: "Len", params: [p("string")] },
  { name: "Mid", params: [p("source"), p("start"), p("length")] },
  { name: "NormalizeDiacritics", params: [p("source")] },
  { name: "Not", params: [p("source")] },
  { name: "Now", params: [] },
  { name: "NumFromDate", params: [p("value")] },
  { name: "PCase", params: [p("source"), p("wordSeparators", false)] },
  {
    name: "RandomString",
    params: [
      p("length"),
      p("minimumNumbers"),
      p("minimumSpecialCharacters"),
      p("minimumCapital"),
      p("minimumLowerCase"),
      p("charactersToAvoid", false),
    ],
  },
  { name: "Redact", params: [p("value")] },
  { name: "RemoveDuplicates", params: [p("attribute")] },
  {
    name: "Replace",
    params: [
      p("source"),
      p("oldValue", false, "Find"),
      p("regexPattern", false),
      p("regexGroupName", false),
      p("replacementValue", false, "Replacement"),
      p("replacementAttributeName", false),
      p("template", false),
    ],
  },
  {
    name: "SelectUniqueValue",
    params: [p("uniqueValueRule")],
    rest: { params: [p("uniqueValueRule")], min: 1 },
    provisioningOnly: true,
  },
  {
    name: "SingleAppRoleAssignment",
    params: [p("appRoleAssignments")],
    provisioningOnly: true,
  },
  { name: "Split", params: [p("source"), p("delimiter")] },
  { name: "StripSpaces", params: [p("source")] },
  {
    name: "Switch",
    params: [p("source"), p("defaultValue", false)],
    rest: { params: [p("key"), p("value")], min: 2 },
  },
  { name: "ToLower", params: [p("source"), p("culture", false)] },
  { name: "ToUpper", params: [p("source"), p("culture", false)] },
  { name: "Word", params: [p("string"), p("wordNumber"), p("delimiters")] },
];

const byLowerName = new Map(FUNCTIONS.map((f) => [f.name.toLowerCase(), f]));

/** Resolves a function name case-insensitively (the docs themselves write `switch(`). */
export function findFunction(name: string): FunctionSpec | undefined {
  return byLowerName.get(name.toLowerCase());
}

/** The parameter at argument position `index`, following the repeating tail. */
export function paramAt(spec: FunctionSpec, index: number): FunctionParam | undefined {
  if (index < spec.params.length) return spec.params[index];
  if (!spec.rest) return undefined;
  const r = spec.rest.params;
  return r[(index - spec.params.length) % r.length];
}

/** Human signature, e.g. `Join(separator, source, ...)`. */
export function signature(spec: FunctionSpec): string {
  const names = spec.params.map((x) => (x.required ? x.name : `[${x.name}]`));
  if (spec.rest) names.push(...spec.rest.params.map((x) => x.name), "...");
  return `${spec.name}(${names.join(", ")})`;
}
