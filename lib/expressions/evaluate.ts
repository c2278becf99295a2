import { ExpressionError, formatCaret } from "./ast";
import { checkExpression } from "./checker";
import { compileExpression, CompileOptions, ExpressionRecord } from "./evaluator";
import { parseExpression } from "./parser";

/**
 * Parses, checks (structure only: no attribute catalog, no context rules), compiles and
 * evaluates in one go. Throws ExpressionError with the diagnostics if the text is invalid.
 * For many records, parse and compile once with compileExpression instead.
 */
export function evaluateExpression(
  text: string,
  record: ExpressionRecord = {},
  options: CompileOptions = {},
): unknown {
  const parsed = parseExpression(text);
  const diagnostics = parsed.ast ? [] : parsed.diagnostics;
  if (parsed.ast) {
    diagnostics.push(
      ...checkExpression(parsed.ast, { text, context: "uploader" }).filter(isStructural),
    );
  }
  if (!parsed.ast || diagnostics.length > 0) {
    const first = diagnostics[0];
    throw new ExpressionError(
      `invalid expression at ${first.line}:${first.column}: ${first.message}\n${formatCaret(text, first)}`,
      diagnostics,
    );
  }
  return compileExpression(parsed.ast, options)(record);
}

/** Provisioning-only functions are still evaluable with options; only structure blocks evaluation. */
function isStructural(d: { message: string }): boolean {
  return !/works only in provisioning mappings/.test(d.message);
}
