/**
 * Offline checks of the `provisioning` section that the schema alone cannot express, in the form
 * lib/loader/validate.ts collects: `(ctx) => void`, reporting with a path into the spec.
 */
import type { CheckContext } from "../model/checks";
import { scopeClauseProblem } from "../records";

/** Every matching target must be mapped: Entra matches on the mapping's value. */
export function checkMatchingTargetsMapped(ctx: CheckContext): void {
  for (const [key, app] of Object.entries(ctx.spec.provisioning)) {
    app.matching.forEach((rule, index) => {
      if (!(rule.target in app.mappings)) {
        ctx.report(
          ["provisioning", key, "matching", index, "target"],
          `"${rule.target}" has no mapping; add \`mappings.${rule.target}: "[${rule.source}]"\``,
        );
      }
    });
  }
}

/** `ext:` short forms need a scimExtension to expand against. */
export function checkExtensionShortForms(ctx: CheckContext): void {
  const message =
    "uses an `ext:` attribute but the app has no `scimExtension`; add one with its urn and attributes";
  for (const [key, app] of Object.entries(ctx.spec.provisioning)) {
    if (app.scimExtension) continue;
    for (const [target, mapping] of Object.entries(app.mappings)) {
      const text = typeof mapping === "string" ? mapping : (mapping.expression ?? "");
      if (/\[ext:/.test(text)) ctx.report(["provisioning", key, "mappings", target], message);
    }
    app.scope?.anyOf.forEach((group, g) =>
      group.allOf.forEach((clause, c) => {
        if (clause.attribute.startsWith("ext:")) {
          ctx.report(["provisioning", key, "scope", "anyOf", g, "allOf", c, "attribute"], message);
        }
      }),
    );
    app.matching.forEach((rule, i) => {
      if (rule.source.startsWith("ext:")) {
        ctx.report(["provisioning", key, "matching", i, "source"], message);
      }
    });
  }
}

/**
 * Entra matches incoming records on each rule in turn; two rules on the same target attribute
 * (Entra attribute names are case-insensitive) would be one rule with an ambiguous source.
 */
export function checkMatchingTargetsUnique({ spec, report }: CheckContext): void {
  for (const [key, app] of Object.entries(spec.provisioning)) {
    const seen = new Map<string, number>();
    app.matching.forEach((rule, index) => {
      const earlier = seen.get(rule.target.toLowerCase());
      if (earlier === undefined) {
        seen.set(rule.target.toLowerCase(), index);
        return;
      }
      report(
        ["provisioning", key, "matching", index, "target"],
        `"${rule.target}" is already the target of matching[${earlier}]; each matching rule needs its own target attribute`,
      );
    });
  }
}

/**
 * A scoping clause's regular expression is checked before anything runs: an invalid one would
 * fail every record at upload, and one that backtracks catastrophically is refused by the guard
 * that `simulate` and `upload` evaluate it through (lib/expressions/regex.ts).
 */
export function checkScopeRegexes({ spec, report }: CheckContext): void {
  for (const [key, app] of Object.entries(spec.provisioning)) {
    app.scope?.anyOf.forEach((group, g) =>
      group.allOf.forEach((clause, c) => {
        const problem = scopeClauseProblem(clause);
        if (problem)
          report(["provisioning", key, "scope", "anyOf", g, "allOf", c, "value"], problem);
      }),
    );
  }
}

/** The checks of this area, for lib/loader/validate.ts. */
export const provisioningChecks = [
  checkMatchingTargetsMapped,
  checkMatchingTargetsUnique,
  checkExtensionShortForms,
  checkScopeRegexes,
];
