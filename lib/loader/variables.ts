/** `${...}` variables in spec strings, substituted with the edits that keep positions right. */
import { formatPath, suggest } from "../model/diagnostics";
import { isPlainMap } from "./extends";
import { Collector, Origins, SpecPath, keyOf, locate, scalarOffset } from "./positions";

/** The `${...}` variables a spec string may use. */
export const VARIABLES = [
  "tenant.name",
  "tenant.id",
  "tenant.domain",
  "azure.subscriptionId",
  "azure.resourceGroup",
  "azure.location",
];

export const NO_TENANT_HINT = "; a base file is checked through the tenant files that extend it";

/** A `${...}` in a spec string, or its escape `$${...}` (a literal `${...}`). */
const VARIABLE = /\$?\$\{([^}]*)\}/g;

/**
 * `text` as a spec string that reads back as `text`: every `${...}` written `$${...}`. What the
 * tools write from values found elsewhere (an HR header, a tenant) goes through this, so that a
 * value holding `${...}` is kept, not substituted or refused as an unknown variable.
 */
export function literal(text: string): string {
  return text.replace(/\$\{[^}]*\}/g, (match) => `$${match}`);
}

/** `value` with every string in it (not the keys of its maps) made `literal`. */
export function literalStrings<T>(value: T): T {
  if (typeof value === "string") return literal(value) as T;
  if (Array.isArray(value)) return value.map((item: unknown) => literalStrings(item)) as T;
  if (isPlainMap(value)) {
    return Object.fromEntries(
      Object.entries(value).map(([k, item]) => [k, literalStrings(item)]),
    ) as T;
  }
  return value;
}

/** Per string (by path): each `${...}` replaced, as [offset in the raw string, old length, new length]. */
export type Edits = Map<string, [number, number, number][]>;

export function substituteVariables(
  value: Record<string, unknown>,
  origins: Origins,
  out: Collector,
  edits: Edits,
  noTenant: boolean,
): Record<string, unknown> {
  const lookup = (name: string): unknown =>
    name.split(".").reduce<unknown>((v, k) => (isPlainMap(v) ? v[k] : undefined), value);
  // A variable's own value may use other variables (`domain: ${tenant.name}.example`): it is
  // substituted once, where it is written, and that result is what every use gets.
  const resolved = new Map<string, unknown>();
  const resolving: string[] = [];
  const variable = (name: string): unknown => {
    if (resolved.has(name)) return resolved.get(name);
    const raw = lookup(name);
    if (typeof raw !== "string") return raw;
    resolving.push(name);
    const result = substitute(raw, name.split("."));
    resolving.pop();
    resolved.set(name, result);
    return result;
  };
  const walk = (v: unknown, at: SpecPath): unknown => {
    if (typeof v === "string") {
      const name = at.join(".");
      return at.length === 2 && VARIABLES.includes(name) ? variable(name) : substitute(v, at);
    }
    if (Array.isArray(v)) return v.map((item, i) => walk(item, [...at, i]));
    if (isPlainMap(v))
      return Object.fromEntries(Object.entries(v).map(([k, item]) => [k, walk(item, [...at, k])]));
    return v;
  };
  const substitute = (text: string, at: SpecPath): string => {
    if (!text.includes("${")) return text;
    const changes: [number, number, number][] = [];
    edits.set(keyOf(at), changes);
    const replace = (match: string, name: string, offset: number): string => {
      if (match.startsWith("$$")) {
        changes.push([offset, match.length, match.length - 1]);
        return match.slice(1);
      }
      const origin = locate(origins, at, "");
      const report = (message: string) =>
        out.at(
          origin.file,
          origin.lineCounter,
          origin.scalar ? scalarOffset(origin, offset) : origin.valueOffset,
          formatPath(at),
          message,
        );
      if (!VARIABLES.includes(name)) {
        const hint = suggest(name, VARIABLES);
        report(
          `unknown variable \${${name}}${hint ? `; did you mean \${${hint}}?` : ""} (known: ${VARIABLES.join(", ")}; write $\${ for a literal \${)`,
        );
        return match;
      }
      if (resolving.includes(name)) {
        const cycle = [...resolving.slice(resolving.indexOf(name)), name];
        report(
          `variables defined through each other: ${cycle.join(" -> ")}; give one of them a value without variables`,
        );
        return match;
      }
      const found = variable(name);
      if (found === undefined && noTenant && name.startsWith("tenant.")) return match;
      if (typeof found !== "string") {
        report(`\${${name}} is used here but \`${name}\` is not set`);
        return match;
      }
      changes.push([offset, match.length, found.length]);
      return found;
    };
    return text.replace(VARIABLE, replace);
  };
  return walk(value, []) as Record<string, unknown>;
}
