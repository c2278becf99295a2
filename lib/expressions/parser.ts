/**
 * Lexer and recursive-descent parser for Entra's attribute-mapping expressions. Never throws on
 * input: every problem becomes an ExpressionDiagnostic with a position, so the CLI and the spec
 * checks can point at the exact character.
 */
import {
  ComparisonOperator,
  diagnosticAt,
  Expr,
  ExpressionDiagnostic,
  MAX_NESTING_DEPTH,
  nestingMessage,
  Span,
} from "./ast";

export type TokenType =
  "attribute" | "string" | "number" | "identifier" | "operator" | "(" | ")" | "," | "eof";

export interface Token {
  type: TokenType;
  /** Source text of the token. */
  text: string;
  /** Resolved value: attribute name, unescaped string, number text, operator or identifier. */
  value: string;
  /** 0-based offset. */
  offset: number;
  length: number;
  /** 1-based line and column. */
  line: number;
  column: number;
}

const isDigit = (c: string): boolean => c >= "0" && c <= "9";
const isIdentStart = (c: string): boolean =>
  (c >= "a" && c <= "z") || (c >= "A" && c <= "Z") || c === "_";
const isIdentPart = (c: string): boolean => isIdentStart(c) || isDigit(c);
const isHex = (c: string): boolean => /^[0-9A-Fa-f]$/.test(c);

/** Splits the text into tokens; lexical errors are reported and the offending text skipped. */
export function tokenize(text: string): { tokens: Token[]; diagnostics: ExpressionDiagnostic[] } {
  const tokens: Token[] = [];
  const diagnostics: ExpressionDiagnostic[] = [];
  let line = 1;
  let lineStart = 0;
  let i = 0;
  const push = (type: TokenType, start: number, value: string): void => {
    tokens.push({
      type,
      text: text.slice(start, i),
      value,
      offset: start,
      length: i - start,
      line,
      column: start - lineStart + 1,
    });
  };
  const fail = (offset: number, length: number, message: string): void => {
    diagnostics.push(diagnosticAt(text, offset, length, message));
  };

  while (i < text.length) {
    const c = text[i];
    if (c === "\n") {
      i++;
      line++;
      lineStart = i;
      continue;
    }
    if (c === " " || c === "\t" || c === "\r" || c === "\u00a0") {
      i++;
      continue;
    }
    const start = i;
    if (c === "(" || c === ")" || c === ",") {
      i++;
      push(c, start, c);
    } else if (c === '"') {
      i++;
      let value = "";
      let closed = false;
      while (i < text.length) {
        const d = text[i];
        if (d === '"') {
          i++;
          closed = true;
          break;
        }
        if (d === "\\") {
          const next = text[i + 1];
          if (next === '"' || next === "\\") {
            value += next;
            i += 2;
            continue;
          }
          // The docs' only escapes are \" and \\; anything else is most likely a regex written
          // with single backslashes, which Entra would not read the way the author meant.
          fail(
            i,
            next === undefined ? 1 : 2,
            next === undefined
              ? "a string constant cannot end with a single backslash; write \\\\ for a backslash"
              : `unknown escape \\${next} in a string constant; write \\\\ for a backslash (regular expressions need \\\\${next})`,
          );
          value += d;
          i++;
          continue;
        }
        if (d === "\n") {
          line++;
          lineStart = i + 1;
        }
        value += d;
        i++;
      }
      if (!closed) {
        fail(start, i - start, 'unterminated string constant: add the closing "');
        continue;
      }
      push("string", start, value);
    } else if (c === "[") {
      // Brackets nest and quotes hide brackets, for SCIM paths like addresses[type eq "work"].locality.
      let depth = 0;
      let inQuote = false;
      let closed = false;
      while (i < text.length) {
        const d = text[i];
        if (inQuote) {
          if (d === "\\") i++;
          else if (d === '"') inQuote = false;
        } else if (d === '"') inQuote = true;
        else if (d === "[") depth++;
        else if (d === "]") {
          depth--;
          if (depth === 0) {
            i++;
            closed = true;
            break;
          }
        } else if (d === "\n") break;
        i++;
      }
      if (!closed) {
        fail(start, i - start, "unterminated attribute reference: add the closing ]");
        continue;
      }
      const name = text.slice(start + 1, i - 1).trim();
      if (name === "") {
        fail(start, i - start, "empty attribute reference []: write the attribute name inside");
        continue;
      }
      push("attribute", start, name);
    } else if (isDigit(c) || (c === "-" && isDigit(text[i + 1] ?? ""))) {
      i++;
      while (isDigit(text[i] ?? "")) i++;
      if (text[i] === "." && isDigit(text[i + 1] ?? "")) {
        i++;
        while (isDigit(text[i] ?? "")) i++;
      }
      push("number", start, text.slice(start, i));
    } else if (c === "&" && (text[i + 1] === "H" || text[i + 1] === "h")) {
      i += 2;
      while (isHex(text[i] ?? "")) i++;
      if (i === start + 2) {
        fail(start, 2, "a hex number needs digits after &H, like &HF7");
        continue;
      }
      push("number", start, text.slice(start, i));
    } else if (isIdentStart(c)) {
      while (i < text.length && isIdentPart(text[i])) i++;
      push("identifier", start, text.slice(start, i));
    } else if (c === "=" || c === "<" || c === ">") {
      i++;
      if ((c === "<" && (text[i] === ">" || text[i] === "=")) || (c === ">" && text[i] === "=")) {
        i++;
      }
      push("operator", start, text.slice(start, i));
    } else {
      const cp = text.codePointAt(i) as number;
      const ch = String.fromCodePoint(cp);
      i += ch.length;
      fail(start, ch.length, `unexpected character ${JSON.stringify(ch)}`);
    }
  }
  tokens.push({
    type: "eof",
    text: "",
    value: "",
    offset: text.length,
    length: 0,
    line,
    column: text.length - lineStart + 1,
  });
  return { tokens, diagnostics };
}

function describe(tok: Token): string {
  switch (tok.type) {
    case "eof":
      return "the end of the expression";
    case "string":
      return `the string ${tok.text}`;
    case "attribute":
      return `the attribute ${tok.text}`;
    default:
      return `"${tok.text}"`;
  }
}

class SyntaxFailure {
  constructor(readonly diagnostic: ExpressionDiagnostic) {}
}

class Parser {
  private pos = 0;
  /** Calls open around the current token; bounded so the recursion is. */
  private depth = 0;
  constructor(
    private readonly text: string,
    private readonly tokens: Token[],
  ) {}

  private peek(): Token {
    return this.tokens[this.pos];
  }

  private next(): Token {
    const tok = this.tokens[this.pos];
    if (tok.type !== "eof") this.pos++;
    return tok;
  }

  private fail(tok: Token, message: string): never {
    throw new SyntaxFailure(diagnosticAt(this.text, tok.offset, Math.max(1, tok.length), message));
  }

  parseRoot(): Expr {
    if (this.peek().type === "eof") this.fail(this.peek(), "empty expression");
    const expr = this.parseExpr();
    const tok = this.peek();
    if (tok.type !== "eof")
      this.fail(tok, `unexpected ${describe(tok)} after the end of the expression`);
    return expr;
  }

  private parseExpr(): Expr {
    const left = this.parsePrimary();
    const tok = this.peek();
    if (tok.type === "identifier" && /^(and|or)$/i.test(tok.value)) this.logicalOperator(tok);
    if (tok.type !== "operator") return left;
    this.next();
    const right = this.parsePrimary();
    const after = this.peek();
    if (after.type === "operator") {
      this.fail(after, "comparisons cannot be chained: compare two values, and nest IIF for more");
    }
    if (after.type === "identifier" && /^(and|or)$/i.test(after.value)) this.logicalOperator(after);
    return {
      kind: "comparison",
      op: tok.value as ComparisonOperator,
      left,
      right,
      span: cover(left.span, right.span),
    };
  }

  private logicalOperator(tok: Token): never {
    this.fail(
      tok,
      `IIF doesn't support the ${tok.value.toUpperCase()} operator: nest IIF calls instead, ` +
        (tok.value.toLowerCase() === "and"
          ? 'e.g. IIF(a, IIF(b, "True", "False"), "False")'
          : 'e.g. IIF(a, "True", IIF(b, "True", "False"))'),
    );
  }

  private parsePrimary(): Expr {
    const tok = this.next();
    const span: Span = { offset: tok.offset, length: tok.length };
    switch (tok.type) {
      case "attribute":
        return { kind: "attribute", name: tok.value, span };
      case "string":
        return { kind: "string", value: tok.value, span };
      case "number":
        return { kind: "number", text: tok.value, value: numberValue(tok.value), span };
      case "identifier": {
        if (this.peek().type === "(") return this.parseCall(tok);
        if (/^(true|false)$/i.test(tok.value)) {
          return { kind: "boolean", value: tok.value.toLowerCase() === "true", span };
        }
        return { kind: "identifier", name: tok.value, span };
      }
      default:
        return this.fail(
          tok,
          `expected a function, [attribute], "string" or number, found ${describe(tok)}`,
        );
    }
  }

  private parseCall(nameTok: Token): Expr {
    if (++this.depth > MAX_NESTING_DEPTH) this.fail(nameTok, nestingMessage());
    const open = this.next();
    const args: (Expr | null)[] = [];
    let close: Token;
    if (this.peek().type === ")") {
      close = this.next();
    } else {
      for (;;) {
        const tok = this.peek();
        args.push(tok.type === "," || tok.type === ")" ? null : this.parseExpr());
        const sep = this.next();
        if (sep.type === ")") {
          close = sep;
          break;
        }
        if (sep.type !== ",") {
          if (sep.type === "eof") {
            this.fail(
              sep,
              `missing ")" to close ${nameTok.value}( opened at column ${open.column}`,
            );
          }
          this.fail(
            sep,
            `expected "," or ")" after argument ${args.length} of ${nameTok.value}, found ${describe(sep)}`,
          );
        }
      }
    }
    this.depth--;
    return {
      kind: "call",
      name: nameTok.value,
      args,
      span: { offset: nameTok.offset, length: close.offset + close.length - nameTok.offset },
      nameSpan: { offset: nameTok.offset, length: nameTok.length },
    };
  }
}

function cover(a: Span, b: Span): Span {
  return { offset: a.offset, length: b.offset + b.length - a.offset };
}

/** The numeric value of a number token: decimal or VBA hex (`&HF7` = 247). */
export function numberValue(text: string): number {
  return text[0] === "&" ? parseInt(text.slice(2), 16) : Number(text);
}

export interface ParseResult {
  ast?: Expr;
  diagnostics: ExpressionDiagnostic[];
}

/** Parses expression text. Returns the tree, or diagnostics (lexical errors first) and no tree. */
export function parseExpression(text: string): ParseResult {
  if (typeof text !== "string") {
    return { diagnostics: [diagnosticAt("", 0, 0, "the expression must be a string")] };
  }
  const { tokens, diagnostics } = tokenize(text);
  if (diagnostics.length > 0) return { diagnostics };
  try {
    return { ast: new Parser(text, tokens).parseRoot(), diagnostics: [] };
  } catch (err) {
    if (err instanceof SyntaxFailure) return { diagnostics: [err.diagnostic] };
    throw err;
  }
}
