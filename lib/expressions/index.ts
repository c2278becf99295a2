/**
 * Entra attribute-mapping expressions: parse, check, evaluate offline, print, and compile to
 * Graph's attributeMappingSource. Pure logic, no Pulumi. See docs/expressions.md.
 */
export type {
  AttributeRef,
  BooleanLiteral,
  Call,
  Comparison,
  ComparisonOperator,
  Expr,
  ExpressionDiagnostic,
  Identifier,
  NumberLiteral,
  Span,
  StringLiteral,
} from "./ast";
export { ExpressionError, formatCaret } from "./ast";
export { parseExpression, tokenize } from "./parser";
export type { ParseResult, Token, TokenType } from "./parser";
export { checkExpression, MAX_EXPRESSION_LENGTH } from "./checker";
export { MAX_NESTING_DEPTH } from "./ast";
export { MAX_REGEX_INPUT, regexProblem, safeRegExp } from "./regex";
export type { RegexProblem } from "./regex";
export type { CheckOptions } from "./checker";
export {
  canonicalAttributeName,
  CORE_URN,
  csvColumnCatalog,
  ENTERPRISE_URN,
  scimAttributeCatalog,
} from "./attributes";
export type { AttributeCatalog } from "./attributes";
export { compileExpression } from "./evaluator";
export type { CompileOptions, CompiledExpression, ExpressionRecord } from "./evaluator";
export { compileToGraph, canonicalizeAttributes } from "./graph";
export type { GraphCompileOptions } from "./graph";
export { printExpression } from "./printer";
export { FUNCTIONS, findFunction, signature } from "./functions";
export type { FunctionParam, FunctionSpec } from "./functions";
export { evaluateExpression } from "./evaluate";
export { checkMappingExpressions, checkSourceAttributes } from "./specChecks";
