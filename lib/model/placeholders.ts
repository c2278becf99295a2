/**
 * Placeholder values left in a spec: a tenant or subscription id of zeros, and the domains RFC 2606
 * reserves for examples (example.com, .org, .net, and addresses at them). `inbound init` writes
 * such placeholders on purpose; a deploy with them fails in Entra (no such tenant, an unverified
 * domain) or mails nobody. A warning, so `validate --strict` (as CI runs it) refuses them.
 */
import type { CheckContext, SpecPath } from "./checks";

const ZERO_GUID = /^0{8}-0{4}-0{4}-0{4}-0{12}$/;
// https://www.rfc-editor.org/rfc/rfc2606#section-3
const EXAMPLE_DOMAIN = /(^|[.@])example\.(com|org|net)$/i;

function walk(value: unknown, path: SpecPath, visit: (text: string, at: SpecPath) => void): void {
  if (typeof value === "string") visit(value, path);
  else if (Array.isArray(value)) value.forEach((v, i) => walk(v, [...path, i], visit));
  else if (value && typeof value === "object") {
    for (const [key, inner] of Object.entries(value)) walk(inner, [...path, key], visit);
  }
}

export function checkPlaceholders({ spec, warn }: CheckContext): void {
  walk(spec, [], (text, at) => {
    const value = text.trim();
    if (ZERO_GUID.test(value)) {
      warn(at, "is a placeholder id of zeros; set the real one");
    } else if (EXAMPLE_DOMAIN.test(value)) {
      warn(
        at,
        `${JSON.stringify(value)} is a placeholder (example domains are reserved); set the real one`,
      );
    }
  });
}
