/**
 * Offline checks of the `provisioning` section that the schema alone cannot express, in the form
 * lib/loader/validate.ts collects: `(ctx) => void`, reporting with a path into the spec.
 */
import type { CheckContext } from "../model/checks";
import { scopeClauseProblem } from "../records";
import type { Expr } from "../expressions/ast";
import { findFunction } from "../expressions/functions";
import { parseExpression } from "../expressions/parser";

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

/** Attributes an expression reads outside any NormalizeDiacritics call, and non-ASCII literals. */
function unnormalized(ast: Expr | null, out: string[]): void {
  if (!ast) return;
  if (ast.kind === "attribute") out.push(`[${ast.name}]`);
  else if (ast.kind === "string" && /[^\x20-\x7e]/.test(ast.value))
    out.push(JSON.stringify(ast.value));
  else if (ast.kind === "call") {
    if (findFunction(ast.name)?.name === "NormalizeDiacritics") return;
    for (const arg of ast.args) unnormalized(arg, out);
  } else if (ast.kind === "comparison") {
    unnormalized(ast.left, out);
    unnormalized(ast.right, out);
  }
}

/**
 * Entra accepts only ASCII in a userPrincipalName ("can't contain accent characters",
 * https://learn.microsoft.com/en-us/graph/api/resources/user), and a mail address with other
 * characters is refused by Exchange routing; HR names carry accents. A mapping of either that
 * reads HR text outside NormalizeDiacritics can produce them: warned, so `--strict` refuses it.
 * (NormalizeDiacritics maps only its table's letters; `simulate` flags what is left per record.)
 */
export function checkAsciiAccountNames({ spec, warn }: CheckContext): void {
  for (const [key, app] of Object.entries(spec.provisioning)) {
    for (const [target, mapping] of Object.entries(app.mappings)) {
      if (!["userprincipalname", "mail"].includes(target.toLowerCase())) continue;
      const text = typeof mapping === "string" ? mapping : mapping.expression;
      const ast = text === undefined ? undefined : parseExpression(text).ast;
      if (!ast) continue;
      const found: string[] = [];
      unnormalized(ast, found);
      if (found.length === 0) continue;
      const at = ["provisioning", key, "mappings", target];
      warn(
        typeof mapping === "string" ? at : [...at, "expression"],
        `can produce characters outside ASCII from ${[...new Set(found)].join(", ")}, which Entra refuses in ${target}; wrap them in NormalizeDiacritics(...)`,
      );
    }
  }
}

/** The checks of this area, for lib/loader/validate.ts. */
export const provisioningChecks = [
  checkMatchingTargetsMapped,
  checkMatchingTargetsUnique,
  checkExtensionShortForms,
  checkScopeRegexes,
  checkAsciiAccountNames,
];
