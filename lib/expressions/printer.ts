/**
 * Canonical text of an expression: arguments separated by ", ", an omitted argument printed as
 * nothing (`Replace([a], "-", , , "_", , )`, the form Graph's parseExpression echoes), strings
 * re-escaped, numbers as written. Parsing the output gives back the same tree.
 */
import { Expr } from "./ast";

export function quoteString(value: string): string {
  return `"${value.replace(/\\/g, "\\\\").replace(/"/g, '\\"')}"`;
}

export function printExpression(ast: Expr): string {
  switch (ast.kind) {
    case "attribute":
      return `[${ast.name}]`;
    case "string":
      return quoteString(ast.value);
    case "number":
      return ast.text;
    case "boolean":
      return ast.value ? "True" : "False";
    case "identifier":
      return ast.name;
    case "comparison":
      return `${printExpression(ast.left)} ${ast.op} ${printExpression(ast.right)}`;
    case "call":
      return `${ast.name}(${ast.args.map((a) => (a ? printExpression(a) : "")).join(", ")})`;
  }
}
