/**
 * Tenant-spec checks of the expressions in provisioning mappings and uploader columns, in the
 * shape lib/loader/validate.ts collects: `(ctx) => void`, reporting at a spec path.
 */
import type { CheckContext } from "../model/checks";
import { uploaderColumns } from "../model/schema";
import { Expr } from "./ast";
import { csvColumnCatalog, scimAttributeCatalog } from "./attributes";
import { checkExpression } from "./checker";
import { findFunction } from "./functions";
import { parseExpression } from "./parser";

function usesFunction(ast: Expr, name: string): boolean {
  if (ast.kind === "call") {
    if (findFunction(ast.name)?.name === name) return true;
    return ast.args.some((a) => a !== null && usesFunction(a, name));
  }
  if (ast.kind === "comparison")
    return usesFunction(ast.left, name) || usesFunction(ast.right, name);
  return false;
}

/** Reported by checkExtensionShortForms (lib/provisioning/checks.ts) once per mapping already. */
const NO_EXTENSION = /refers to the custom SCIM extension, but no extension URN is known/;

/**
 * Every provisioning mapping expression must check clean against the SCIM catalog (core,
 * enterprise and the app's extension), and follow SelectUniqueValue's documented constraints;
 * every uploader column expression must be usable outside Entra, and read only the columns of
 * `csv.header` when the spec declares it.
 */
export function checkMappingExpressions(ctx: CheckContext): void {
  for (const [appKey, app] of Object.entries(ctx.spec.provisioning ?? {})) {
    const catalog = scimAttributeCatalog(app.scimExtension);
    for (const [target, mapping] of Object.entries(app.mappings ?? {})) {
      const text = typeof mapping === "string" ? mapping : mapping.expression;
      if (text === undefined) continue;
      const path = ["provisioning", appKey, "mappings", target];
      const textPath = typeof mapping === "string" ? path : [...path, "expression"];
      const diagnostics = checkExpression(text, {
        attributes: catalog,
        context: "provisioning",
        extensionUrn: app.scimExtension?.urn,
      }).filter((d) => app.scimExtension || !NO_EXTENSION.test(d.message));
      for (const d of diagnostics) ctx.report(textPath, d.message, d.offset);
      const parsed = diagnostics.length === 0 ? parseExpression(text).ast : undefined;
      if (parsed && usesFunction(parsed, "SelectUniqueValue")) {
        if ((app.matching ?? []).some((r) => r.target.toLowerCase() === target.toLowerCase())) {
          ctx.report(
            path,
            `SelectUniqueValue can't be applied to an attribute with a matching precedence: "${target}" is a matching target`,
          );
        }
        if (app.target !== "activeDirectory") {
          ctx.report(
            path,
            "SelectUniqueValue is supported only when provisioning to on-premises Active Directory (target: activeDirectory)",
          );
        }
        const apply = typeof mapping === "string" ? "always" : mapping.apply;
        if (apply !== "onCreate") {
          ctx.report(
            path,
            "SelectUniqueValue mappings must apply only on creation: set apply: onCreate",
          );
        }
      }
    }
    const { columns, path: columnsPath } = uploaderColumns(app.uploader);
    const sample =
      ctx.csvSample && app.uploader ? ctx.csvSample(app.uploader.csv, app.uploader) : undefined;
    if (sample && "error" in sample) {
      ctx.report(
        ["provisioning", appKey, "uploader", "csv"],
        `the sample HR file: ${sample.error}`,
      );
      continue;
    }
    const json = sample && "jsonFields" in sample ? sample.jsonFields : undefined;
    const header = json ?? (sample as readonly string[] | undefined) ?? app.uploader?.csv.header;
    const csvCatalog = header ? csvColumnCatalog(header) : undefined;
    const recordFormat = json ? "JSON" : "CSV";
    for (const [attribute, text] of Object.entries(columns)) {
      // Parse errors are reported by the uploader's own check; only the rest is added here.
      if (!parseExpression(text).ast) continue;
      const options = { context: "uploader", attributes: csvCatalog, recordFormat } as const;
      for (const d of checkExpression(text, options)) {
        ctx.report(
          ["provisioning", appKey, "uploader", ...columnsPath, attribute],
          d.message,
          d.offset,
        );
      }
    }
  }
}

/**
 * The other places a provisioning app names a source attribute: scope clauses and matching
 * sources. Entra resolves them against the API's SCIM schema, so they are checked against the
 * same catalog as the mappings. (`ext:` without a scimExtension is reported by
 * lib/provisioning/checks.ts.)
 */
export function checkSourceAttributes(ctx: CheckContext): void {
  for (const [appKey, app] of Object.entries(ctx.spec.provisioning ?? {})) {
    const catalog = scimAttributeCatalog(app.scimExtension);
    const check = (name: string, path: (string | number)[]) => {
      if (name.startsWith("ext:") && !app.scimExtension) return;
      const diagnostics = checkExpression(`[${name}]`, {
        attributes: catalog,
        extensionUrn: app.scimExtension?.urn,
      });
      for (const d of diagnostics) ctx.report(path, d.message);
    };
    app.scope?.anyOf.forEach((group, g) =>
      group.allOf.forEach((clause, c) =>
        check(clause.attribute, [
          "provisioning",
          appKey,
          "scope",
          "anyOf",
          g,
          "allOf",
          c,
          "attribute",
        ]),
      ),
    );
    (app.matching ?? []).forEach((rule, i) =>
      check(rule.source, ["provisioning", appKey, "matching", i, "source"]),
    );
  }
}
