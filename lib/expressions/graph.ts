/**
 * Compiles an expression to Graph's attributeMappingSource tree, the `source` of an
 * attributeMapping in the synchronization schema. Shapes follow Graph's parseExpression sample:
 * attributes and constants have empty `parameters`, constants (numbers included) carry their
 * value as `name` and a quoted `expression`, omitted arguments are left out, and function
 * parameters are keyed by name (see functions.ts for which keys are confirmed).
 */
import type { AttributeMappingSource } from "@microsoft/microsoft-graph-types";
import { Expr, ExpressionError, nestingMessage, tooDeep } from "./ast";
import { canonicalAttributeName, CORE_URN, ENTERPRISE_URN } from "./attributes";
import { findFunction, paramAt } from "./functions";
import { parseExpression } from "./parser";
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

/**
 * The key of argument `index` in a tree's parameters: of a function (by its documented name), or
 * of a comparison's two sides (`name` is then its operator).
 */
export type ParameterKey = (name: string, index: number, kind: "call" | "comparison") => string;

/** The documented parameter names (functions.ts), which the offline compiler uses. */
const documentedKey: ParameterKey = (name, index, kind) =>
  kind === "comparison"
    ? ["left", "right"][index]
    : (paramAt(findFunction(name)!, index)?.key ?? `arg${index + 1}`);

/**
 * The attributeMappingSource tree of `ast`, its parameters keyed by `key`: the offline compiler
 * keys them by documented name; the emulator answers parseExpression with Graph's own keys.
 * Throws ExpressionError for an unknown function.
 */
export function expressionTree(
  ast: Expr,
  key: ParameterKey = documentedKey,
): AttributeMappingSource {
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
          { key: key(ast.op, 0, "comparison"), value: expressionTree(ast.left, key) },
          { key: key(ast.op, 1, "comparison"), value: expressionTree(ast.right, key) },
        ],
      };
    case "call": {
      const spec = findFunction(ast.name);
      if (!spec) throw new ExpressionError(`unknown function ${ast.name}`);
      const parameters = [];
      for (let i = 0; i < ast.args.length; i++) {
        const arg = ast.args[i];
        if (!arg) continue;
        parameters.push({ key: key(spec.name, i, "call"), value: expressionTree(arg, key) });
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
  return expressionTree(canonicalizeAttributes(ast, options.extensionUrn));
}

/** The parse of `text`, or an error listing the parser's diagnostics. */
function parseOrThrow(text: string): Expr {
  const parsed = parseExpression(text);
  if (!parsed.ast || parsed.diagnostics.length > 0) {
    const messages = parsed.diagnostics.map((d) => `column ${d.column}: ${d.message}`);
    throw new ExpressionError(messages.join("; ") || "the expression could not be parsed");
  }
  return parsed.ast;
}

/**
 * The text a deployment sends to Graph's parseExpression for a spec expression: short attribute
 * forms expanded (`[ext:X]` → `[<urn>:X]`, Graph knows no short forms), function names in their
 * documented casing, canonical spacing. Throws ExpressionError for text that does not parse.
 */
export function graphExpressionText(text: string, extensionUrn?: string): string {
  return printExpression(canonicalizeAttributes(parseOrThrow(text), extensionUrn));
}

/**
 * The offline compiler from text: the attributeMappingSource `compileToGraph` builds for `text`.
 * `validate` and `inbound plan` use it where a deployment asks Graph's parseExpression (a plan's
 * recording client answers parseExpression with it for the request's `expression`).
 */
export function compileExpressionText(text: string, extensionUrn?: string): AttributeMappingSource {
  return compileToGraph(parseOrThrow(text), { extensionUrn });
}

type Source = AttributeMappingSource | null | undefined;

/** A tree printed as an expression from its nodes, ignoring parameter keys (positional). */
function printTree(source: Source): string {
  if (!source) return "";
  const type = source.type ?? "Attribute";
  if (type === "Attribute") return `[${source.name ?? ""}]`;
  if (type === "Constant") return quoteString(source.name ?? "");
  const args = (source.parameters ?? []).map((p) => printTree(p.value));
  return `${source.name ?? ""}(${args.join(", ")})`;
}

/**
 * What a mapping source means, as text, for drift: Graph stores a tree under its own parameter
 * keys (`source`, `Find`, `Replacement`, ...) and our offline compiler under documented names, so
 * trees are compared by the expression they stand for, never by key spelling. A function is
 * compared by its `expression` re-printed canonically (that keeps omitted arguments in place,
 * which a tree without keys cannot show); a tree whose text does not parse, and attributes and
 * constants, are printed from their nodes.
 */
export function sourceExpressionKey(source: Source): string {
  if (!source) return "";
  if ((source.type ?? "Attribute") === "Function" && source.expression) {
    try {
      return printExpression(canonicalizeAttributes(parseOrThrow(source.expression)));
    } catch {
      // Not text our parser reads (a portal edit, say): the nodes say what it is.
    }
  }
  return printTree(source);
}

/**
 * A tree with its parameter keys and texts left out: type, name and the arguments in order. Two
 * trees with the same shape differ in nothing but how they key and print parameters.
 */
export function sourceShape(source: Source): unknown {
  if (!source) return null;
  return {
    type: source.type ?? "Attribute",
    name: source.name ?? "",
    parameters: (source.parameters ?? []).map((p) => sourceShape(p.value)),
  };
}

// ---------------------------------------------------------------------------------------------
// the inverse: Graph's trees back to the language

/**
 * The spec's short form of a canonical attribute name: the enterprise URN form → `enterprise:x`,
 * `<extensionUrn>:x` → `ext:x`, the core URN form → the plain core path. The inverse of
 * canonicalAttributeName; other names are returned unchanged.
 */
export function shortAttributeName(name: string, extensionUrn?: string): string {
  if (name.startsWith(`${ENTERPRISE_URN}:`))
    return `enterprise:${name.slice(ENTERPRISE_URN.length + 1)}`;
  if (extensionUrn && name.startsWith(`${extensionUrn}:`))
    return `ext:${name.slice(extensionUrn.length + 1)}`;
  if (name.startsWith(`${CORE_URN}:`)) return name.slice(CORE_URN.length + 1);
  return name;
}

function shortenAttributes(ast: Expr, extensionUrn?: string): Expr {
  switch (ast.kind) {
    case "attribute":
      return { ...ast, name: shortAttributeName(ast.name, extensionUrn) };
    case "comparison":
      return {
        ...ast,
        left: shortenAttributes(ast.left, extensionUrn),
        right: shortenAttributes(ast.right, extensionUrn),
      };
    case "call":
      return { ...ast, args: ast.args.map((a) => (a ? shortenAttributes(a, extensionUrn) : null)) };
    default:
      return ast;
  }
}

const lower = (text: string | null | undefined) => (text ?? "").toLowerCase();

/**
 * A function's arguments in their positions, from parameters keyed Graph's way or ours: each key
 * is looked up among the positions after the previous argument (by Graph key or documented name,
 * so `Replace`'s `Find` and `Replacement` land in their places and omitted ones stay empty); a key
 * neither spells is taken as the next position.
 */
function positionalArgs(source: AttributeMappingSource): (AttributeMappingSource | null)[] {
  const spec = findFunction(source.name ?? "");
  const args: (AttributeMappingSource | null)[] = [];
  let next = 0;
  for (const parameter of source.parameters ?? []) {
    let at = -1;
    if (spec) {
      const limit = next + spec.params.length + (spec.rest?.params.length ?? 0) + 1;
      for (let i = next; i < limit && at < 0; i++) {
        const param = paramAt(spec, i);
        if (!param) break;
        if ([lower(param.key), lower(param.name)].includes(lower(parameter.key))) at = i;
      }
    }
    if (at < 0) at = next;
    while (args.length < at) args.push(null);
    args[at] = parameter.value ?? null;
    next = at + 1;
  }
  return args;
}

function treeText(source: AttributeMappingSource): string {
  const type = source.type ?? "Attribute";
  if (type === "Attribute") return `[${source.name ?? ""}]`;
  if (type === "Constant") return quoteString(source.name ?? "");
  const args = positionalArgs(source).map((a) => (a ? treeText(a) : ""));
  return `${source.name ?? ""}(${args.join(", ")})`;
}

/**
 * The expression a mapping source stands for, in the spec's language: short attribute forms
 * (`enterprise:`, `ext:` for `extensionUrn`), canonical spacing. A function's own `expression`
 * (Graph's echo of what it parsed) is used when it parses; otherwise the text is built from the
 * nodes, with parameters placed by their keys (Graph's own, `Find`, `Replacement`, or the
 * documented names). Throws ExpressionError when neither gives an expression.
 */
export function expressionFromGraph(source: AttributeMappingSource, extensionUrn?: string): string {
  const type = source.type ?? "Attribute";
  let text = treeText(source);
  if (type === "Function" && source.expression) {
    const echoed = parseExpression(source.expression);
    if (echoed.ast && echoed.diagnostics.length === 0) text = source.expression;
  }
  return printExpression(shortenAttributes(parseOrThrow(text), extensionUrn));
}

/**
 * An expression as drift compares it (canonical attribute names, sourceExpressionKey) in the
 * spec's short form, for `drift --write`. Throws ExpressionError when the text does not parse.
 */
export function specExpressionText(text: string, extensionUrn?: string): string {
  return printExpression(shortenAttributes(parseOrThrow(text), extensionUrn));
}
