/**
 * The syntax tree of an Entra attribute-mapping expression, and the diagnostics the parser and
 * checker report. Every node carries its source span so a diagnostic can point at it; the span is
 * the only position data, which lets tests compare trees with spans stripped.
 */

export interface Span {
  /** 0-based offset into the expression text. */
  offset: number;
  length: number;
}

/** `[name]`: `name` is the text between the brackets as written (trimmed), e.g. `enterprise:department`. */
export interface AttributeRef {
  kind: "attribute";
  name: string;
  span: Span;
}

export interface StringLiteral {
  kind: "string";
  /** The value with escapes resolved. */
  value: string;
  span: Span;
}

/**
 * A bare number: `1`, `-10`, `42568.75`, or VBA hex `&HF7`. Entra passes numbers as string
 * constants, so `text` (as written) is what the printer and Graph use; `value` is the number.
 */
export interface NumberLiteral {
  kind: "number";
  text: string;
  value: number;
  span: Span;
}

/** Bare `True` / `False` (any casing). */
export interface BooleanLiteral {
  kind: "boolean";
  value: boolean;
  span: Span;
}

/** A bare name that is not a call, e.g. the enum `vbBinaryCompare` of InStr. */
export interface Identifier {
  kind: "identifier";
  name: string;
  span: Span;
}

export interface Call {
  kind: "call";
  /** As written; functions are resolved case-insensitively (the docs themselves write `switch(`). */
  name: string;
  /** `null` marks an argument position left empty, as in `Switch([a], , "1", "x")`. */
  args: (Expr | null)[];
  span: Span;
  /** Span of the name alone, for diagnostics about the function. */
  nameSpan: Span;
}

export type ComparisonOperator = "=" | "<>" | ">" | "<" | ">=" | "<=";

/** `left op right`; only meaningful as an IIF condition or the CBool argument. */
export interface Comparison {
  kind: "comparison";
  op: ComparisonOperator;
  left: Expr;
  right: Expr;
  span: Span;
}

export type Expr =
  AttributeRef | StringLiteral | NumberLiteral | BooleanLiteral | Identifier | Call | Comparison;

/**
 * How deep calls may nest. Entra documents no limit and its examples nest at most six deep; the
 * limit keeps every recursive walk (parser, checker, compiler, the compiled closures, printer,
 * Graph tree) far from the stack's end, since 10,000 characters could otherwise nest 3,000 deep.
 */
export const MAX_NESTING_DEPTH = 256;

export function nestingMessage(): string {
  return (
    `functions are nested more than ${MAX_NESTING_DEPTH} deep here; flatten the expression ` +
    "(one Switch instead of nested IIF, one regex Replace instead of nested Replace calls)"
  );
}

/**
 * The first call nested deeper than MAX_NESTING_DEPTH, found without recursion, for trees that
 * did not come from the parser (which refuses them itself).
 */
export function tooDeep(ast: Expr): Call | undefined {
  const stack: [Expr, number][] = [[ast, 0]];
  while (stack.length > 0) {
    const [node, depth] = stack.pop() as [Expr, number];
    if (node.kind === "call") {
      if (depth + 1 > MAX_NESTING_DEPTH) return node;
      for (const arg of node.args) if (arg) stack.push([arg, depth + 1]);
    } else if (node.kind === "comparison") {
      stack.push([node.left, depth], [node.right, depth]);
    }
  }
  return undefined;
}

export interface ExpressionDiagnostic {
  message: string;
  /** 0-based offset into the expression text. */
  offset: number;
  length: number;
  /** 1-based line (expressions may span lines, as several documented examples do). */
  line: number;
  /** 1-based column within `line`. */
  column: number;
}

/** Thrown by the convenience entry points (`evaluateExpression`) and by evaluation failures. */
export class ExpressionError extends Error {
  readonly diagnostics: ExpressionDiagnostic[];
  constructor(message: string, diagnostics: ExpressionDiagnostic[] = []) {
    super(message);
    this.name = "ExpressionError";
    this.diagnostics = diagnostics;
  }
}

/** Builds a diagnostic, computing line and column from the offset. */
export function diagnosticAt(
  text: string,
  offset: number,
  length: number,
  message: string,
): ExpressionDiagnostic {
  const clamped = Math.max(0, Math.min(offset, text.length));
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < clamped; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      lineStart = i + 1;
    }
  }
  return {
    message,
    offset: clamped,
    length: Math.max(0, length),
    line,
    column: clamped - lineStart + 1,
  };
}

/**
 * Two-line excerpt of the diagnostic's line with a caret run under the span:
 *
 *     Join(", " [a])
 *               ^^^
 */
export function formatCaret(text: string, diag: ExpressionDiagnostic): string {
  const lineStart = diag.offset - (diag.column - 1);
  let lineEnd = text.indexOf("\n", lineStart);
  if (lineEnd < 0) lineEnd = text.length;
  const source = text.slice(lineStart, lineEnd).replace(/\r$/, "");
  const room = Math.max(1, source.length - (diag.column - 1));
  const width = Math.max(1, Math.min(diag.length, room));
  // Tabs keep their width in the pad so the caret lines up under the same character.
  const pad = source.slice(0, diag.column - 1).replace(/[^\t]/g, " ");
  return `${source}\n${pad}${"^".repeat(width)}`;
}
