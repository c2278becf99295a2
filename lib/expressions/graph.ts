/**
 * Compiles an expression to Graph's attributeMappingSource tree, the `source` of an
 * attributeMapping in the synchronization schema. Shapes follow Graph's parseExpression sample:
 * attributes and constants have empty `parameters`, constants (numbers included) carry their
 * value as `name` and a quoted `expression`, omitted arguments are left out, and function
 * parameters are keyed by name (see functions.ts for which keys are confirmed).
 */
import type { AttributeMappingSource } from "@microsoft/microsoft-graph-types";
import { Expr, ExpressionError, nestingMessage, tooDeep } from "./ast";
import { canonicalAttributeName } from "./attributes";
import { findFunction, paramAt } from "./functions";
import { printExpression, quoteString } from "./printer";

export interface GraphCompileOptions {
  /** Expands `[ext:X]` to `[<extensionUrn>:X]`; required if the expression uses `ext:`. */
  extensionUrn?: string;
}

/** Rewrites every attribute to its canonical name (`enterprise:x`, `ext:x` expanded). */
export function canonicalizeAttributes(ast: Expr, extensionUrn?: string): Expr {
  switch (ast.kind) {
    case "attribute": {
      let name: string;
      try {
        name = canonicalAttributeName(ast.name, extensionUrn);
      } catch (err) {
        throw new ExpressionError((err as Error).message);
      }
      return { ...ast, name };
    }
    case "comparison":
      return {
        ...ast,
        left: canonicalizeAttributes(ast.left, extensionUrn),
        right: canonicalizeAttributes(ast.right, extensionUrn),
      };
    case "call":
      return {
        ...ast,
        name: findFunction(ast.name)?.name ?? ast.name,
        args: ast.args.map((a) => (a ? canonicalizeAttributes(a, extensionUrn) : null)),
      };
    default:
      return ast;
  }
}

function constant(value: string): AttributeMappingSource {
  return { type: "Constant", name: value, expression: quoteString(value), parameters: [] };
}

function toSource(ast: Expr): AttributeMappingSource {
  switch (ast.kind) {
    case "attribute":
      return { type: "Attribute", name: ast.name, expression: `[${ast.name}]`, parameters: [] };
    case "string":
      return constant(ast.value);
    case "number":
      return constant(ast.text);
    case "boolean":
      return constant(ast.value ? "True" : "False");
    case "identifier":
      return constant(ast.name);
    case "comparison":
      // UNCONFIRMED: Graph's tree for an IIF condition is not documented; this keeps the
      // operator as the name and both sides as parameters.
      return {
        type: "Function",
        name: ast.op,
        expression: printExpression(ast),
        parameters: [
          { key: "left", value: toSource(ast.left) },
          { key: "right", value: toSource(ast.right) },
        ],
      };
    case "call": {
      const spec = findFunction(ast.name);
      if (!spec) throw new ExpressionError(`unknown function ${ast.name}`);
      const parameters = [];
      for (let i = 0; i < ast.args.length; i++) {
        const arg = ast.args[i];
        if (!arg) continue;
        parameters.push({ key: paramAt(spec, i)?.key ?? `arg${i + 1}`, value: toSource(arg) });
      }
      return { type: "Function", name: spec.name, expression: printExpression(ast), parameters };
    }
  }
}

/**
 * The Graph attributeMappingSource for an expression, with short attribute forms expanded to
 * canonical names and function names in their documented casing. Throws ExpressionError for an
 * unknown function or `ext:` without an extension URN.
 */
export function compileToGraph(
  ast: Expr,
  options: GraphCompileOptions = {},
): AttributeMappingSource {
  if (tooDeep(ast)) throw new ExpressionError(nestingMessage());
  return toSource(canonicalizeAttributes(ast, options.extensionUrn));
}
