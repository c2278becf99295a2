import { parseExpression } from "../expressions/parser";
import { printExpression } from "../expressions/printer";

/**
 * Whether two mapping expressions mean the same: both parse and print identically (`[a]` and
 * `[ a ]`, `'x'` quoting or spacing inside a call). Anything that does not parse is compared as
 * written.
 */
export function sameExpression(before: unknown, after: unknown): boolean {
  if (typeof before !== "string" || typeof after !== "string") return false;
  const a = parseExpression(before).ast;
  const b = parseExpression(after).ast;
  return a !== undefined && b !== undefined && printExpression(a) === printExpression(b);
}
